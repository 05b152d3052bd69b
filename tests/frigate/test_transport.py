"""Timeouts, concurrency, TLS, unreachable servers, URLs and streaming failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import aclosing
import datetime
import ipaddress
from pathlib import Path
import socket
import ssl

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

from custom_components.ncc.frigate import (
    FrigateClient,
    FrigateConnectionError,
    FrigateExport,
    FrigateNotFoundError,
)

from .conftest import EXPORT_BYTES, PASSWORD, FakeFrigate, sample_json

MakeFrigate = Callable[..., Awaitable[FakeFrigate]]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, like Frigate's default on port 8971."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frigate.local")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
async def tls_frigate(make_frigate: MakeFrigate, tls_files: tuple[Path, Path]) -> FakeFrigate:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return await make_frigate(ssl_context=context, password=PASSWORD)


async def test_self_signed_tls_with_verification_off(
    tls_frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    assert tls_frigate.url.startswith("https://")
    client = FrigateClient(session, tls_frigate.url, username="admin", password=PASSWORD, verify_ssl=False)
    version = await client.async_validate()
    assert version.minor == 17
    assert tls_frigate.logins == 1


async def test_self_signed_tls_with_verification_on_is_a_connection_error(
    tls_frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = FrigateClient(session, tls_frigate.url, username="admin", password=PASSWORD)
    with pytest.raises(FrigateConnectionError, match="certificate") as caught:
        await client.async_validate()
    assert tls_frigate.seen == []
    assert PASSWORD not in str(caught.value)


async def test_plain_http_to_a_tls_port_is_a_connection_error(
    tls_frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = FrigateClient(session, tls_frigate.url.replace("https://", "http://"))
    with pytest.raises(FrigateConnectionError):
        await client.async_get_version()


async def test_tls_handshake_failure_is_a_connection_error(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = FrigateClient(session, frigate.url.replace("http://", "https://"), verify_ssl=False)
    with pytest.raises(FrigateConnectionError):
        await client.async_get_version()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_nothing_listening_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    client = FrigateClient(session, f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(FrigateConnectionError, match="Cannot connect"):
        await client.async_get_stats()


async def test_slow_server_times_out(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    fake = await make_frigate(delay_s=1.0)
    client = FrigateClient(session, fake.url, timeout=0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FrigateConnectionError, match=r"within 0\.1 s"):
        await client.async_get_stats()
    assert loop.time() - started < 0.8


async def test_concurrency_is_bounded(make_frigate: MakeFrigate, session: aiohttp.ClientSession) -> None:
    fake = await make_frigate(delay_s=0.03)
    client = FrigateClient(session, fake.url, max_concurrency=2)
    await asyncio.gather(*(client.async_get_version() for _ in range(8)))
    assert len(fake.seen) == 8
    assert fake.max_in_flight == 2
    wide = FrigateClient(session, fake.url, max_concurrency=8)
    fake.max_in_flight = 0
    await asyncio.gather(*(wide.async_get_version() for _ in range(8)))
    assert fake.max_in_flight > 2


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("http://frigate.local:5000", "http://frigate.local:5000"),
        ("http://frigate.local:5000/", "http://frigate.local:5000"),
        ("  https://10.0.0.5:8971/api/ ", "https://10.0.0.5:8971"),
        ("https://nvr.example/frigate/", "https://nvr.example/frigate"),
        ("https://nvr.example/frigate/api", "https://nvr.example/frigate"),
    ],
)
async def test_url_is_normalized(session: aiohttp.ClientSession, given: str, normalized: str) -> None:
    assert FrigateClient(session, given).url == normalized


@pytest.mark.parametrize(
    "bad",
    [
        "frigate.local:5000",
        "ftp://frigate.local",
        "http://",
        "http://admin:secret@frigate.local:5000",
        "http://frigate.local:5000/?x=1",
        "http://frigate.local:5000/#top",
        "http://[::1",
    ],
)
async def test_bad_urls_are_refused_without_echoing_them(session: aiohttp.ClientSession, bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        FrigateClient(session, bad)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(("timeout", "slots"), [(0, 4), (-1.0, 4), (10.0, 0)])
async def test_bad_limits_are_refused(session: aiohttp.ClientSession, timeout: float, slots: int) -> None:
    with pytest.raises(ValueError):
        FrigateClient(session, "http://127.0.0.1:5000", timeout=timeout, max_concurrency=slots)


async def test_base_path_behind_a_proxy_is_kept(frigate: FakeFrigate, session: aiohttp.ClientSession) -> None:
    client = FrigateClient(session, frigate.url + "/frigate/")
    with pytest.raises(FrigateNotFoundError):
        await client.async_get_stats()
    assert frigate.seen[-1].path == "/frigate/api/stats"


# --- streaming -------------------------------------------------------------------------------


def _export() -> FrigateExport:
    return FrigateExport.from_api(sample_json("exports.json")[0])


async def test_download_renews_a_refused_token(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    fake = await make_frigate(password=PASSWORD)
    client = FrigateClient(session, fake.url, username="admin", password=PASSWORD)
    await client.async_validate()
    fake.revoke_tokens()
    size = await client.async_download_export(_export(), tmp_path / "a.mp4")
    assert size == len(EXPORT_BYTES)
    assert fake.logins == 2
    assert fake.paths("GET")[-2:] == [_export().file_url_path] * 2


async def test_download_cut_short_is_a_connection_error(
    frigate: FakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(EXPORT_BYTES))})
        await response.prepare(request)
        await response.write(EXPORT_BYTES[:70000])
        assert request.transport is not None
        request.transport.close()
        return response

    frigate.overrides[("GET", _export().file_url_path)] = cut
    client = FrigateClient(session, frigate.url)
    with pytest.raises(FrigateConnectionError):
        await client.async_download_export(_export(), tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_download_stalls_time_out(
    make_frigate: MakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    fake = await make_frigate()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(EXPORT_BYTES))})
        await response.prepare(request)
        await response.write(EXPORT_BYTES[:1000])
        await asyncio.sleep(1.0)
        return response

    fake.overrides[("GET", _export().file_url_path)] = stall
    client = FrigateClient(session, fake.url, timeout=0.1)
    with pytest.raises(FrigateConnectionError, match="did not answer"):
        await client.async_download_export(_export(), tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_download_to_an_unwritable_place_fails_cleanly(
    frigate: FakeFrigate, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    client = FrigateClient(session, frigate.url)
    with pytest.raises(OSError):
        await client.async_download_export(_export(), tmp_path / "missing" / "a.mp4")
    assert frigate.seen == []


async def test_stream_stopped_early_frees_its_slot(
    frigate: FakeFrigate, session: aiohttp.ClientSession
) -> None:
    client = FrigateClient(session, frigate.url, max_concurrency=1)
    async with aclosing(client.async_iter_export(_export(), chunk_size=1024)) as chunks:
        async for _ in chunks:
            break
    # the only download slot is free again
    data = b"".join([chunk async for chunk in client.async_iter_export(_export())])
    assert data == EXPORT_BYTES


async def test_stream_from_an_unreachable_server(session: aiohttp.ClientSession) -> None:
    client = FrigateClient(session, f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(FrigateConnectionError):
        [chunk async for chunk in client.async_iter_export(_export())]
