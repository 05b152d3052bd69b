"""Evidence packages: building, signing, sealing and the offline verify command."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
import hashlib
import json
from pathlib import Path
import subprocess
import sys
import zipfile

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.ncc.core import evidence
from custom_components.ncc.core.evidence import (
    PackageFile,
    PackageInvalid,
    PublicKey,
    SigningKey,
    build_package,
    canonical_json,
    main,
    verify_package,
)

EVIDENCE_SCRIPT = Path(evidence.__file__)
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
KEY = SigningKey.generate()


def _package(tmp: Path, key: SigningKey = KEY, files: int = 2) -> Path:
    sources = []
    for index in range(files):
        source = tmp / f"clip{index}.mp4"
        source.write_bytes(bytes(range(256)) * (20 + index))
        sources.append(PackageFile(f"FR-2026-0001_P{index + 1}_srv1_gate.mp4", source))
    path = tmp / "FR-2026-0001-E1.zip"
    build_package(path, {"package_id": "FR-2026-0001-E1", "request": {"id": "FR-2026-0001"}},
                  sources, key, CREATED)
    return path


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _package(tmp_path_factory.mktemp("evidence"))


def test_a_built_package_verifies_against_the_published_key(package: Path) -> None:
    verified = verify_package(package, KEY.public_key)
    assert verified.package_id == "FR-2026-0001-E1"
    assert verified.file_count == 2
    assert not verified.key_from_package
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("manifest.json") == canonical_json(manifest)
    assert names == {
        "manifest.json", "manifest.sig", "public_key.pem",
        "files/FR-2026-0001_P1_srv1_gate.mp4", "files/FR-2026-0001_P2_srv1_gate.mp4",
    }
    assert manifest["format"] == "ncc-evidence-1"
    assert manifest["signing_key"]["fingerprint"] == KEY.public_key.fingerprint
    assert [entry["size"] for entry in manifest["files"]] == [256 * 20, 256 * 21]


def test_the_key_in_the_package_or_a_fingerprint_is_enough_to_check_integrity(package: Path) -> None:
    assert verify_package(package).key_from_package
    assert verify_package(package, KEY.public_key.fingerprint).fingerprint == KEY.public_key.fingerprint
    with pytest.raises(PackageInvalid, match="signed with key"):
        verify_package(package, "SHA256:" + "0" * 64)


def test_another_key_fails(package: Path) -> None:
    with pytest.raises(PackageInvalid, match="seal does not match"):
        verify_package(package, SigningKey.generate().public_key)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_changing_any_byte_of_the_archive_fails(package: Path, tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(package.read_bytes())
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(raw))
    with pytest.raises(PackageInvalid):
        verify_package(tampered, KEY.public_key)


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None], key: SigningKey | None = None,
             manifest_change: dict[str, object] | None = None) -> None:
    """A copy of the package with members replaced (None drops one), re-sealed when `key`."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if manifest_change is not None:
        manifest = json.loads(members["manifest.json"]) | manifest_change
        members["manifest.json"] = canonical_json(manifest)
        if key is not None:
            members["manifest.sig"] = base64.b64encode(key.sign(members["manifest.json"]))
    for name, content in change.items():
        if content is None:
            members.pop(name)
        else:
            members[name] = content
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        archive.comment = b"\0" * evidence.SEAL_LENGTH
    if key is not None:
        raw = bytearray(target.read_bytes())
        digest = hashlib.sha256(raw[: -evidence.SEAL_LENGTH]).digest()
        raw[-evidence.SEAL_LENGTH:] = evidence.SEAL_PREFIX + base64.b64encode(
            key.sign(b"ncc-seal-1\0" + digest)
        )
        target.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("change", "manifest_change", "problem"),
    [
        ({"files/extra.mp4": b"x"}, None, "not in the manifest"),
        ({"files/FR-2026-0001_P1_srv1_gate.mp4": b"other footage"}, None, "does not match its SHA-256"),
        ({"files/FR-2026-0001_P2_srv1_gate.mp4": None}, None, "listed in the manifest but missing"),
        ({"manifest.sig": b"!!!"}, None, "not base64"),
        ({"manifest.json": None}, None, "manifest.json is missing"),
        ({}, {"format": "other"}, "not in format"),
        ({}, {"files": [{"name": 1}]}, "file list is malformed"),
        ({}, {"files": [{"name": "../x", "sha256": "0", "size": 1}]}, "unsafe file name"),
        ({}, {"signing_key": "x"}, "names another signing key"),
    ],
)
def test_a_resealed_package_still_needs_a_consistent_content(
    package: Path, tmp_path: Path, change: dict[str, bytes | None],
    manifest_change: dict[str, object] | None, problem: str,
) -> None:
    """Someone holding the key (or trusting the package's own) still cannot hide a mismatch."""
    target = tmp_path / "resealed.zip"
    _rewrite(package, target, change, KEY, manifest_change)
    with pytest.raises(PackageInvalid, match=problem):
        verify_package(target, KEY.public_key)


def test_an_unsigned_manifest_change_fails(package: Path, tmp_path: Path) -> None:
    target = tmp_path / "resealed.zip"
    _rewrite(package, target, {}, None, {"purpose": "changed"})
    raw = bytearray(target.read_bytes())
    digest = hashlib.sha256(raw[: -evidence.SEAL_LENGTH]).digest()
    raw[-evidence.SEAL_LENGTH:] = evidence.SEAL_PREFIX + base64.b64encode(KEY.sign(b"ncc-seal-1\0" + digest))
    target.write_bytes(bytes(raw))
    with pytest.raises(PackageInvalid, match="manifest's signature"):
        verify_package(target, KEY.public_key)


def test_archives_without_a_seal_or_readable_parts_fail(package: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    _rewrite(package, plain, {})
    with zipfile.ZipFile(plain, "a") as archive:
        archive.comment = b""
    with pytest.raises(PackageInvalid, match="no NCC seal"):
        verify_package(plain, KEY.public_key)
    bad_seal = tmp_path / "bad_seal.zip"
    _rewrite(package, bad_seal, {})
    raw = bytearray(bad_seal.read_bytes())
    raw[-evidence.SEAL_LENGTH:] = evidence.SEAL_PREFIX + b"*" * 88
    bad_seal.write_bytes(bytes(raw))
    with pytest.raises(PackageInvalid, match="seal is malformed"):
        verify_package(bad_seal, KEY.public_key)
    no_key = tmp_path / "no_key.zip"
    _rewrite(package, no_key, {"public_key.pem": b"not a key"}, KEY)
    with pytest.raises(PackageInvalid, match="not an Ed25519 public key"):
        verify_package(no_key, KEY.public_key)
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(PackageInvalid, match="damaged"):
        verify_package(not_zip, KEY.public_key)
    with pytest.raises(PackageInvalid, match="cannot be read"):
        verify_package(tmp_path / "missing.zip", KEY.public_key)
    duplicate = tmp_path / "duplicate.zip"
    _rewrite(package, duplicate, {}, KEY)
    with zipfile.ZipFile(duplicate, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("manifest.json", b"{}")
    with pytest.raises(PackageInvalid, match="same name"):
        verify_package(duplicate, KEY.public_key)


def test_keys_round_trip_and_never_show_the_private_half() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_base64(key.to_base64())
    assert again.public_key == key.public_key
    assert key.to_base64() not in repr(key)
    assert repr(key) == f"SigningKey({key.public_key.fingerprint})"
    public = key.public_key
    assert PublicKey.from_text(public.pem) == public
    assert PublicKey.from_text(public.base64) == public
    assert public.verify(key.sign(b"x"), b"x")
    assert not public.verify(key.sign(b"x"), b"y")
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey.from_base64("AAAA")
    with pytest.raises(ValueError, match="32 bytes"):
        PublicKey(b"short")
    with pytest.raises(ValueError, match="PEM text or the base64"):
        PublicKey.from_text("not base64 !")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="not an Ed25519 key"):
        PublicKey.from_text(other.decode())


def test_building_refuses_unsafe_or_clashing_names(tmp_path: Path) -> None:
    source = tmp_path / "a.mp4"
    source.write_bytes(b"a")
    with pytest.raises(ValueError, match="unsafe"):
        build_package(tmp_path / "x.zip", {}, [PackageFile("../a.mp4", source)], KEY, CREATED)
    with pytest.raises(ValueError, match="share a name"):
        build_package(tmp_path / "x.zip", {}, [PackageFile("a.mp4", source)] * 2, KEY, CREATED)
    with pytest.raises(FileNotFoundError):
        build_package(tmp_path / "x.zip", {}, [PackageFile("b.mp4", tmp_path / "missing.mp4")], KEY, CREATED)
    assert not list(tmp_path.glob("*.zip*"))


def test_the_command_in_process(package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pem = tmp_path / "ncc.pem"
    pem.write_text(KEY.public_key.pem)
    assert main(["verify", str(package), "--public-key", str(pem)]) == 0
    assert capsys.readouterr().out.startswith("OK FR-2026-0001-E1: 2 file(s)")
    assert main(["verify", str(package), "--public-key", KEY.public_key.base64]) == 0
    capsys.readouterr()
    assert main(["verify", str(package)]) == 0
    assert "taken from the package itself" in capsys.readouterr().out
    assert main(["verify", str(package), "--public-key", SigningKey.generate().public_key.base64]) == 1
    assert capsys.readouterr().out.startswith("FAILED: the archive's seal")
    assert main(["verify", str(package), "--public-key", "nonsense!"]) == 2
    assert "unusable --public-key" in capsys.readouterr().err


def test_the_command_runs_by_path_without_home_assistant(package: Path) -> None:
    """Only the standard library and cryptography: NCC and Home Assistant cannot even be imported."""
    code = (
        "import runpy, sys; sys.modules['homeassistant'] = None; sys.modules['custom_components'] = None; "
        f"sys.argv = ['evidence.py', 'verify', {str(package)!r}, '--public-key', "
        f"{KEY.public_key.fingerprint!r}]; runpy.run_path({str(EVIDENCE_SCRIPT)!r}, run_name='__main__')"
    )
    ok = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                        check=False, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK FR-2026-0001-E1")
