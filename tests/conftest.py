"""Test-wide set-up: make Home Assistant find NCC rather than the plugin's test package."""

from __future__ import annotations

from hypothesis import settings

import custom_components.ncc  # noqa: F401

# The same examples on every run: a property test that passed on main passes in CI too. To hunt
# for new failures locally, run pytest with `--hypothesis-profile=default` (random examples).
settings.register_profile("ncc", derandomize=True, database=None, print_blob=True)
settings.load_profile("ncc")
