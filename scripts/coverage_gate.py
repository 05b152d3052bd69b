"""Fail when any module of the integration is covered less than the given percentage.

A total figure hides an untested module behind well-tested ones; the quality scale asks for
every module to be tested, so the gate is per file.
"""

from __future__ import annotations

from pathlib import Path
import sys

import coverage

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "ncc"


def main(threshold: float) -> int:
    cov = coverage.Coverage()
    cov.load()
    failures: list[str] = []
    report: list[tuple[str, float]] = []
    # every file, imported or not: a module no test loads counts as 0%, not as absent
    for path in sorted(str(p) for p in PACKAGE.rglob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(path)
        if not statements:
            continue
        percent = 100.0 * (len(statements) - len(missing)) / len(statements)
        name = path.split("custom_components/", 1)[1]
        report.append((name, percent))
        if percent < threshold:
            failures.append(f"{name}: {percent:.1f}% < {threshold:.0f}%")
    total = sum(p for _, p in report) / len(report) if report else 0.0
    print(f"{len(report)} modules, mean line coverage {total:.1f}%")
    for line in failures:
        print("  under the gate:", line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 95.0))
