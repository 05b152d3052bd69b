"""Evidence packages: released footage, a signed manifest, and an offline `verify` command.

This file is also a command that needs only Python and the `cryptography` package (no Home
Assistant, no NCC)::

    python evidence.py verify PACKAGE.zip [--public-key KEY]

KEY is the public key NCC publishes (city diagnostics, README): a PEM file, the key itself in
base64, or its fingerprint (``SHA256:<hex>``). Exit code 0 and ``OK ...`` for a valid package;
1 and ``FAILED: <first problem>`` otherwise; 2 for unusable arguments.

A package (format ``ncc-evidence-1``) is a ZIP archive holding

- ``files/...``: the footage files;
- ``manifest.json``: what was released (request, decisions, cameras, windows, Frigate export
  ids) with the SHA-256 and size of every file, as canonical JSON (UTF-8, sorted keys, no
  whitespace);
- ``manifest.sig``: the Ed25519 signature over manifest.json's exact bytes, in base64;
- ``public_key.pem``: the signing key's public half (SubjectPublicKeyInfo PEM);
- the archive comment ``NCC-SEAL-1 <base64 signature>``: an Ed25519 signature over
  ``b"ncc-seal-1\\0" + SHA-256(every byte of the archive before the comment)``, so that no byte
  of the archive, footage or ZIP structure, changes unnoticed.

The key inside a package proves nothing by itself (whoever altered a package could sign it
again with their own key): verify against the published key, or compare the fingerprint.
"""

from __future__ import annotations

import argparse
import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import hashlib
import json
import os
from pathlib import Path, PurePosixPath
import sys
from typing import IO, Any, Final
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT: Final = "ncc-evidence-1"
MANIFEST_NAME: Final = "manifest.json"
SIGNATURE_NAME: Final = "manifest.sig"
PUBLIC_KEY_NAME: Final = "public_key.pem"
FILES_DIR: Final = "files/"
SEAL_PREFIX: Final = b"NCC-SEAL-1 "
_SEAL_CONTEXT: Final = b"ncc-seal-1\0"
# base64 of a 64-byte signature
SEAL_LENGTH: Final = len(SEAL_PREFIX) + 88
_CHUNK: Final = 1 << 20
_KEY_BYTES: Final = 32


class PackageInvalid(Exception):
    """The package fails verification; the message names the first problem found."""


# ------------------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key as NCC publishes it."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _KEY_BYTES:
            raise ValueError("an Ed25519 public key has 32 bytes")

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """A key given as PEM or as the base64 of its 32 bytes."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode())
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("the PEM key is not an Ed25519 key")
            return cls(loaded.public_bytes_raw())
        try:
            return cls(base64.b64decode(text, validate=True))
        except binascii.Error:
            raise ValueError("a public key is PEM text or the base64 of 32 bytes") from None

    @property
    def base64(self) -> str:
        return base64.b64encode(self.raw).decode()

    @property
    def fingerprint(self) -> str:
        return "SHA256:" + hashlib.sha256(self.raw).hexdigest()

    @property
    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class SigningKey:
    """The integration's Ed25519 private key. Its repr never shows the key."""

    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_base64(cls, text: str) -> SigningKey:
        raw = base64.b64decode(text, validate=True)
        if len(raw) != _KEY_BYTES:
            raise ValueError("an Ed25519 private key has 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def to_base64(self) -> str:
        """The private key's 32 bytes in base64, for the integration's own storage only."""
        raw = self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return base64.b64encode(raw).decode()

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(self._key.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"SigningKey({self.public_key.fingerprint})"


# ---------------------------------------------------------------------------------- building


def canonical_json(value: object) -> bytes:
    """The one byte form of a manifest: UTF-8, sorted keys, no whitespace."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True, slots=True)
class PackageFile:
    """A file to put into a package: its name under `files/` and where it is now."""

    name: str
    source: Path


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """A built package: its SHA-256, its size and the manifest it carries."""

    sha256: str
    size: int
    manifest: dict[str, Any]


def build_package(
    destination: Path,
    manifest: Mapping[str, Any],
    files: Sequence[PackageFile],
    key: SigningKey,
    created: datetime,
) -> PackageInfo:
    """Write a signed, sealed package to `destination` (atomically) and describe it.

    `manifest` gets `format`, `files` (name, SHA-256, size of each) and `signing_key` added.
    """
    listed: list[dict[str, Any]] = []
    for item in files:
        name = FILES_DIR + item.name
        _check_member_name(name)
        sha256, size = file_digest(item.source)
        listed.append({"name": name, "sha256": sha256, "size": size})
    if len({entry["name"] for entry in listed}) != len(listed):
        raise ValueError("two files share a name")
    public_key = key.public_key
    full_manifest = {
        **manifest,
        "format": FORMAT,
        "files": listed,
        "signing_key": {"algorithm": "Ed25519", "fingerprint": public_key.fingerprint},
    }
    manifest_bytes = canonical_json(full_manifest)
    stamp = (max(created.year, 1980), created.month, created.day, created.hour, created.minute,
             created.second)
    partial = destination.with_name(destination.name + ".part")
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for item, entry in zip(files, listed, strict=True):
                info = zipfile.ZipInfo(str(entry["name"]), stamp)
                # a known size lets zipfile choose ZIP64 for members over 2 GiB
                info.file_size = int(entry["size"])
                with item.source.open("rb") as source, archive.open(info, "w") as target:
                    while chunk := source.read(_CHUNK):
                        target.write(chunk)
            archive.writestr(zipfile.ZipInfo(MANIFEST_NAME, stamp), manifest_bytes)
            signature = base64.b64encode(key.sign(manifest_bytes))
            archive.writestr(zipfile.ZipInfo(SIGNATURE_NAME, stamp), signature + b"\n")
            archive.writestr(zipfile.ZipInfo(PUBLIC_KEY_NAME, stamp), public_key.pem.encode())
            # a placeholder of the seal's length: the seal signs the bytes before it
            archive.comment = b"\0" * SEAL_LENGTH
        with partial.open("r+b") as handle:
            digest = _prefix_digest(handle, partial.stat().st_size - SEAL_LENGTH)
            seal = SEAL_PREFIX + base64.b64encode(key.sign(_SEAL_CONTEXT + digest))
            handle.seek(-SEAL_LENGTH, os.SEEK_END)
            handle.write(seal)
        sha256, size = file_digest(partial)
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return PackageInfo(sha256=sha256, size=size, manifest=full_manifest)


def _prefix_digest(handle: IO[bytes], length: int) -> bytes:
    digest = hashlib.sha256()
    handle.seek(0)
    remaining = length
    while remaining > 0:
        chunk = handle.read(min(_CHUNK, remaining))
        if not chunk:
            break
        digest.update(chunk)
        remaining -= len(chunk)
    return digest.digest()


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or not name.strip("/"):
        raise ValueError(f"unsafe file name in a package: {name!r}")


# -------------------------------------------------------------------------------- verifying


@dataclass(frozen=True, slots=True)
class VerifiedPackage:
    """A package that passed verification."""

    manifest: dict[str, Any]
    fingerprint: str
    key_from_package: bool

    @property
    def package_id(self) -> str:
        return str(self.manifest.get("package_id", "?"))

    @property
    def file_count(self) -> int:
        return len(self.manifest["files"])


def verify_package(path: Path, trusted: PublicKey | str | None = None) -> VerifiedPackage:
    """Check a package; raise `PackageInvalid` naming the first problem.

    `trusted` is the published key, or its ``SHA256:`` fingerprint; None trusts the key in the
    package (then compare `VerifiedPackage.fingerprint` with the published one).
    """
    try:
        with path.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            names = [info.filename for info in archive.infolist()]
            if len(set(names)) != len(names):
                raise PackageInvalid("the archive holds two entries with the same name")
            key = _signing_key(archive, trusted)
            _check_seal(handle, archive.comment, key)
            manifest = _check_manifest(archive, key)
            _check_files(archive, manifest, names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise PackageInvalid(f"the archive is damaged ({err})") from None
    except OSError as err:
        raise PackageInvalid(f"the package cannot be read ({err.strerror or err})") from None
    return VerifiedPackage(manifest, key.fingerprint, key_from_package=trusted is None)


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise PackageInvalid(f"{name} is missing") from None


def _signing_key(archive: zipfile.ZipFile, trusted: PublicKey | str | None) -> PublicKey:
    try:
        packaged = PublicKey.from_text(_read(archive, PUBLIC_KEY_NAME).decode())
    except (ValueError, UnicodeDecodeError):
        raise PackageInvalid(f"{PUBLIC_KEY_NAME} is not an Ed25519 public key") from None
    if isinstance(trusted, PublicKey):
        return trusted
    if isinstance(trusted, str) and trusted != packaged.fingerprint:
        raise PackageInvalid(
            f"the package was signed with key {packaged.fingerprint}, not with {trusted}"
        )
    return packaged


def _check_seal(handle: IO[bytes], comment: bytes, key: PublicKey) -> None:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(size - SEAL_LENGTH - 2, 0))
    tail = handle.read()
    if (
        len(comment) != SEAL_LENGTH
        or not comment.startswith(SEAL_PREFIX)
        or tail != SEAL_LENGTH.to_bytes(2, "little") + comment
    ):
        raise PackageInvalid("the archive carries no NCC seal")
    try:
        signature = base64.b64decode(comment[len(SEAL_PREFIX):], validate=True)
    except binascii.Error:
        raise PackageInvalid("the archive's seal is malformed") from None
    digest = _prefix_digest(handle, size - SEAL_LENGTH)
    if not key.verify(signature, _SEAL_CONTEXT + digest):
        raise PackageInvalid(
            f"the archive's seal does not match its content or key {key.fingerprint} "
            "(the archive was altered, or signed with another key)"
        )


def _check_manifest(archive: zipfile.ZipFile, key: PublicKey) -> dict[str, Any]:
    manifest_bytes = _read(archive, MANIFEST_NAME)
    try:
        signature = base64.b64decode(_read(archive, SIGNATURE_NAME).strip(), validate=True)
    except binascii.Error:
        raise PackageInvalid(f"{SIGNATURE_NAME} is not base64") from None
    if not key.verify(signature, manifest_bytes):
        raise PackageInvalid(f"the manifest's signature does not match key {key.fingerprint}")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise PackageInvalid("the manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageInvalid(f"the manifest is not in format {FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
        for entry in files
    ):
        raise PackageInvalid("the manifest's file list is malformed")
    signing_key = manifest.get("signing_key")
    if not isinstance(signing_key, dict) or signing_key.get("fingerprint") != key.fingerprint:
        raise PackageInvalid("the manifest names another signing key")
    return manifest


def _check_files(archive: zipfile.ZipFile, manifest: dict[str, Any], names: list[str]) -> None:
    expected = {MANIFEST_NAME, SIGNATURE_NAME, PUBLIC_KEY_NAME}
    for entry in manifest["files"]:
        name = entry["name"]
        try:
            _check_member_name(name)
        except ValueError as err:
            raise PackageInvalid(str(err)) from None
        expected.add(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(name) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except KeyError:
            raise PackageInvalid(f"{name} is listed in the manifest but missing") from None
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise PackageInvalid(f"{name} does not match its SHA-256 in the manifest")
    extra = sorted(set(names) - expected)
    if extra:
        raise PackageInvalid(f"{extra[0]} is in the archive but not in the manifest")


# ------------------------------------------------------------------------------------ command


def _trusted_key(text: str | None) -> PublicKey | str | None:
    if text is None:
        return None
    if text.startswith("SHA256:"):
        return text
    candidate = Path(text)
    if candidate.is_file():
        text = candidate.read_text(encoding="utf-8")
    return PublicKey.from_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="evidence.py", description="Check an NCC evidence package offline."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify a package's seal, signature and files")
    verify.add_argument("package", type=Path, help="the downloaded .zip")
    verify.add_argument(
        "--public-key",
        help="the key NCC publishes: a PEM file, the base64 key, or its SHA256: fingerprint",
    )
    args = parser.parse_args(argv)
    try:
        trusted = _trusted_key(args.public_key)
    except (ValueError, OSError) as err:
        print(f"evidence.py: unusable --public-key: {err}", file=sys.stderr)
        return 2
    try:
        verified = verify_package(args.package, trusted)
    except PackageInvalid as err:
        print(f"FAILED: {err}")
        return 1
    note = (
        "; the key was taken from the package itself: compare this fingerprint with the one "
        "NCC publishes"
        if verified.key_from_package
        else ""
    )
    print(
        f"OK {verified.package_id}: {verified.file_count} file(s) match the manifest; "
        f"manifest and archive signed by {verified.fingerprint}{note}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
