"""Asynchronous client for one Frigate server's HTTP API (0.14 and newer).

Every call is bounded: a timeout per request, at most `max_concurrency` requests (and as many
downloads) in flight, an explicit `limit` or time window on every list. Failures surface as
the typed errors of `errors.py`, worded without secrets.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import aclosing, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
import json
import logging
import math
from pathlib import Path
import time
from typing import IO, Final, Protocol
from urllib.parse import quote

import aiohttp
from yarl import URL

from ._parsing import Fields, object_list
from .auth import Authenticator, Credentials, LoginAnswer
from .errors import (
    FrigateAuthError,
    FrigateConnectionError,
    FrigateError,
    FrigateNotFoundError,
    FrigateRequestError,
    FrigateResponseError,
    FrigateUnsupportedVersionError,
    server_message,
)
from .models import (
    MAX_LIMIT,
    CameraStorage,
    EventQuery,
    FrigateConfig,
    FrigateEvent,
    FrigateExport,
    FrigateStats,
    FrigateVersion,
    RecordingDay,
    RecordingSegment,
    ReviewItem,
    ReviewQuery,
    TimeRange,
    check_camera_name,
)

_LOGGER = logging.getLogger(__name__)

_CSRF_HEADER: Final = "X-CSRF-TOKEN"
# Frigate's recordings come in ~10 s segments: 6 h is ~2200 rows per request at most
SEGMENT_WINDOW_S: Final = 6 * 3600.0
# far beyond any retention NCC sees; keeps a mistaken range from flooding the server
MAX_RECORDINGS_WINDOW_S: Final = 31 * 86400.0
# the bucket Frigate 0.17 uses for /recordings/unavailable, reused when deriving gaps
UNAVAILABLE_SCALE_S: Final = 30
_EXPORT_NAME_MAX: Final = 256
_ERROR_BODY_MAX: Final = 65536
# a paged listing stops after this many items, so a server that keeps answering cannot hold
# its caller forever; far more than one camera's events in any window NCC asks about
MAX_PAGED_ITEMS: Final = 20_000


class _Dated(Protocol):
    """A listed item as paging sees it: Frigate lists newest `start_time` first."""

    @property
    def id(self) -> str: ...

    @property
    def start_time(self) -> float: ...


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes
    content_type: str
    cookies: Mapping[str, str]


def _normalize_url(url: str) -> str:
    try:
        parsed = URL(url.strip())
    except (TypeError, ValueError):
        raise ValueError("The Frigate URL is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("The Frigate URL must look like http(s)://host:port")
    if parsed.user is not None or parsed.password is not None:
        raise ValueError("Give credentials as username and password, not inside the URL")
    if parsed.query_string or parsed.fragment:
        raise ValueError("The Frigate URL must not carry a query or fragment")
    path = parsed.raw_path.rstrip("/").removesuffix("/api")
    return str(parsed.with_path(path, encoded=True)).rstrip("/")


def _segment(value: str, what: str) -> str:
    """One URL path segment from a caller's id, so it can never reach another route."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return quote(value, safe="")


def _check_window(after: float, before: float, longest: float | None = None) -> None:
    if not (math.isfinite(after) and math.isfinite(before)) or after >= before:
        raise ValueError("after must be earlier than before")
    if longest is not None and before - after > longest:
        raise ValueError(f"A recordings window spans at most {longest / 86400:g} days")


def _merged(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def unavailable_ranges(
    covered: Sequence[tuple[float, float]], after: float, before: float, scale: float
) -> list[TimeRange]:
    """Runs of `scale`-second buckets from `after` to `before` that no recording overlaps.

    Frigate 0.17's `/recordings/unavailable` answers this way; older servers get it derived.
    """
    spans = _merged(covered)
    gaps: list[TimeRange] = []
    gap_start: float | None = None
    index = 0
    bucket = after
    while bucket < before:
        bucket_end = min(bucket + scale, before)
        while index < len(spans) and spans[index][1] <= bucket:
            index += 1
        recorded = index < len(spans) and spans[index][0] < bucket_end
        if not recorded and gap_start is None:
            gap_start = bucket
        elif recorded and gap_start is not None:
            gaps.append(TimeRange(float(int(gap_start)), float(int(bucket))))
            gap_start = None
        bucket = bucket_end
    if gap_start is not None:
        gaps.append(TimeRange(float(int(gap_start)), float(int(before))))
    return gaps


def _check_paging(page_size: int, max_items: int) -> None:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_LIMIT:
        raise ValueError(f"page_size must be a whole number from 1 to {MAX_LIMIT}")
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise ValueError("max_items must be a whole number of at least 1")


def _check_downloadable(export: FrigateExport) -> None:
    if export.in_progress:
        raise FrigateRequestError(f"Export {export.id} is still being written")


class FrigateClient:
    """One Frigate server. Share it; it is safe for concurrent use on one event loop."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        verify_ssl: bool = True,
        timeout: float = 10.0,
        max_concurrency: int = 4,
    ) -> None:
        if bool(username) != bool(password):
            raise ValueError("Give both a username and a password, or neither")
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._session = session
        self._url = _normalize_url(url)
        self._ssl = verify_ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # downloads may take minutes: bound the silence, not the whole transfer
        self._stream_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._timeout_s = timeout
        self._slots = asyncio.Semaphore(max_concurrency)
        self._stream_slots = asyncio.Semaphore(max_concurrency)
        self._auth = (
            Authenticator(Credentials(username, password), self._async_post_login)
            if username and password
            else None
        )
        self._version: FrigateVersion | None = None
        # Frigate labels cameras by friendly name in some answers; learned from the config
        self._camera_by_label: dict[str, str] | None = None

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash or `/api`."""
        return self._url

    @property
    def version(self) -> FrigateVersion | None:
        """The version last read from the server, if any."""
        return self._version

    # -----------------------------------------------------------------------------------------
    # Server

    async def async_get_version(self) -> FrigateVersion:
        version = FrigateVersion.from_api(await self._async_get_text("/api/version"))
        self._version = version
        return version

    async def async_validate(self) -> FrigateVersion:
        """Connect, log in when credentials are set, and check the version is supported."""
        if self._auth is not None:
            try:
                await self._auth.async_login()
            except FrigateNotFoundError:
                # no /api/login: a Frigate older than 0.14 answers its version without one
                await self._async_require_supported(authenticate=False)
                raise
        return await self._async_require_supported(authenticate=True)

    async def _async_require_supported(self, *, authenticate: bool) -> FrigateVersion:
        text = await self._async_get_text("/api/version", authenticate=authenticate)
        version = FrigateVersion.from_api(text)
        self._version = version
        if not version.is_supported:
            raise FrigateUnsupportedVersionError(version.raw)
        return version

    async def _async_server_version(self) -> FrigateVersion:
        version = self._version
        if version is None:
            version = await self.async_get_version()
        if not version.is_supported:
            raise FrigateUnsupportedVersionError(version.raw)
        return version

    async def async_get_config(self) -> FrigateConfig:
        config = FrigateConfig.from_api(await self._async_get_json("/api/config"))
        labels = {camera.display_name: name for name, camera in config.cameras.items()}
        self._camera_by_label = labels | {name: name for name in config.cameras}
        return config

    async def async_get_stats(self) -> FrigateStats:
        return FrigateStats.from_api(await self._async_get_json("/api/stats"))

    # -----------------------------------------------------------------------------------------
    # Events and review items

    async def async_get_events(self, query: EventQuery) -> list[FrigateEvent]:
        data = await self._async_get_json("/api/events", query.to_params())
        return [FrigateEvent.from_api(row) for row in object_list(data, "events")]

    def async_iter_events(
        self, query: EventQuery, *, page_size: int = MAX_LIMIT, max_items: int = MAX_PAGED_ITEMS
    ) -> AsyncGenerator[FrigateEvent]:
        """Every event matching `query` (its `limit` aside), newest first, page by page.

        Frigate's events have no cursor: each page asks for events that started before the
        oldest one seen (`before` compares `start_time`). Stops after `max_items`.
        """
        _check_paging(page_size, max_items)
        return self._async_pages(
            "/api/events", query.to_params(), parse=FrigateEvent.from_api, what="events",
            page_size=page_size, max_items=max_items,
        )

    async def async_get_event(self, event_id: str) -> FrigateEvent:
        path = f"/api/events/{_segment(event_id, 'event_id')}"
        return FrigateEvent.from_api(await self._async_get_json(path))

    async def async_retain_event(self, event_id: str) -> None:
        """Keep an event's footage forever (admin)."""
        await self._async_act("POST", f"/api/events/{_segment(event_id, 'event_id')}/retain")

    async def async_unretain_event(self, event_id: str) -> None:
        await self._async_act("DELETE", f"/api/events/{_segment(event_id, 'event_id')}/retain")

    async def async_get_reviews(self, query: ReviewQuery) -> list[ReviewItem]:
        data = await self._async_get_json("/api/review", query.to_params(time.time()))
        return [ReviewItem.from_api(row) for row in object_list(data, "review items")]

    def async_iter_reviews(
        self, query: ReviewQuery, *, page_size: int = MAX_LIMIT, max_items: int = MAX_PAGED_ITEMS
    ) -> AsyncGenerator[ReviewItem]:
        """Every review item matching `query` (its `limit` aside), newest first, page by page.

        The window is fixed when called (`before` defaults to now); later pages move `before`
        to the oldest `start_time` seen. Frigate 0.17 compares `before` with `start_time`, so
        no item is skipped; 0.14 and 0.15 compare it with `end_time`, and there an item that
        started before a full page's oldest one but ended after it is skipped. Stops after
        `max_items`.
        """
        _check_paging(page_size, max_items)
        return self._async_pages(
            "/api/review", query.to_params(time.time()), parse=ReviewItem.from_api,
            what="review items", page_size=page_size, max_items=max_items,
        )

    async def _async_pages[T: _Dated](
        self,
        path: str,
        params: Mapping[str, str],
        *,
        parse: Callable[[object], T],
        what: str,
        page_size: int,
        max_items: int,
    ) -> AsyncGenerator[T]:
        """Walk a newest-first list by moving `before` down; items already seen are dropped.

        `before` is exclusive, so a page asks for items up to just past its predecessor's oldest
        start, to include items starting at that very instant; after a page of nothing new it
        steps strictly below. The walk ends on a short page, at `max_items`, or when the
        server does not move on (two pages without a new item, or `before` not decreasing).
        """
        seen: set[str] = set()
        raw_before = params.get("before")
        before = None if raw_before is None else float(raw_before)
        stale_pages = 0
        while True:
            page = dict(params, limit=str(page_size))
            if before is not None:
                page["before"] = repr(before)
            rows = [parse(row) for row in object_list(await self._async_get_json(path, page), what)]
            fresh = 0
            for item in rows:
                if item.id in seen:
                    continue
                if len(seen) >= max_items:
                    _LOGGER.warning(
                        "Listing %s of %s stopped after %s; more may exist", what, self._url, max_items
                    )
                    return
                seen.add(item.id)
                fresh += 1
                yield item
            stale_pages = 0 if fresh else stale_pages + 1
            if len(rows) < page_size or stale_pages > 1:
                return
            oldest = min(item.start_time for item in rows)
            following = math.nextafter(oldest, math.inf) if fresh else oldest
            if before is not None and following >= before:
                if oldest >= before:
                    return  # the server ignores `before`
                following = oldest
            before = following

    async def async_get_review(self, review_id: str) -> ReviewItem:
        path = f"/api/review/{_segment(review_id, 'review_id')}"
        return ReviewItem.from_api(await self._async_get_json(path))

    # -----------------------------------------------------------------------------------------
    # Recordings

    async def async_get_recordings_summary(self, camera: str, timezone: str) -> list[RecordingDay]:
        """Days with footage, newest first, each with its recorded seconds per hour."""
        check_camera_name(camera)
        if not isinstance(timezone, str) or not timezone or any(c.isspace() for c in timezone):
            raise ValueError("timezone must be an IANA name such as Asia/Jakarta")
        data = await self._async_get_json(f"/api/{camera}/recordings/summary", {"timezone": timezone})
        return [RecordingDay.from_api(row) for row in object_list(data, "recording days")]

    async def async_get_recording_segments(
        self, camera: str, after: float, before: float
    ) -> list[RecordingSegment]:
        """Recording files overlapping [after, before], oldest first.

        Asked for in windows of `SEGMENT_WINDOW_S`, so no single answer grows without bound;
        the whole range spans at most `MAX_RECORDINGS_WINDOW_S`.
        """
        check_camera_name(camera)
        _check_window(after, before, MAX_RECORDINGS_WINDOW_S)
        segments: dict[str, RecordingSegment] = {}
        start = after
        while start < before:
            end = min(start + SEGMENT_WINDOW_S, before)
            window = {"after": repr(float(start)), "before": repr(float(end))}
            data = await self._async_get_json(f"/api/{camera}/recordings", window)
            for row in object_list(data, "recordings"):
                segment = RecordingSegment.from_api(row)
                segments[segment.id] = segment  # a segment on a window edge comes twice
            start = end
        return sorted(segments.values(), key=lambda segment: segment.start_time)

    async def async_get_unavailable(
        self, cameras: Sequence[str], after: float, before: float
    ) -> list[TimeRange]:
        """Spans in [after, before] where none of `cameras` has footage (30 s granularity)."""
        if isinstance(cameras, str) or not cameras:
            raise ValueError("cameras must be a non-empty sequence of camera names")
        for camera in cameras:
            check_camera_name(camera)
        _check_window(after, before, MAX_RECORDINGS_WINDOW_S)
        version = await self._async_server_version()
        if version.supports_unavailable:
            data = await self._async_get_json(
                "/api/recordings/unavailable",
                {
                    "cameras": ",".join(cameras),
                    "after": repr(float(after)),
                    "before": repr(float(before)),
                    "scale": str(UNAVAILABLE_SCALE_S),
                },
            )
            return [TimeRange.from_api(row) for row in object_list(data, "time ranges")]
        per_camera = await asyncio.gather(
            *(self.async_get_recording_segments(camera, after, before) for camera in cameras)
        )
        covered = [(segment.start_time, segment.end_time) for segments in per_camera for segment in segments]
        return unavailable_ranges(covered, after, before, UNAVAILABLE_SCALE_S)

    async def async_get_recordings_storage(self) -> dict[str, CameraStorage]:
        """Disk use per camera, keyed by camera name.

        Frigate keys this answer by friendly name when a camera has one (0.17+); names are
        mapped back with the camera list, fetched when not known yet.
        """
        data = await self._async_get_json("/api/recordings/storage")
        usage = {
            label: CameraStorage.from_api(row)
            for label, row in Fields(data, "recordings storage").as_children().items()
        }
        if self._camera_by_label is None or not usage.keys() <= self._camera_by_label.keys():
            await self.async_get_config()
        labels = self._camera_by_label or {}
        return {labels.get(label, label): storage for label, storage in usage.items()}

    async def async_get_latest_image(self, camera: str, height: int | None = None) -> bytes:
        """The camera's latest frame as JPEG (a placeholder image when it has none)."""
        check_camera_name(camera)
        params: dict[str, str] = {}
        if height is not None:
            if isinstance(height, bool) or not isinstance(height, int) or height < 1:
                raise ValueError("height must be a positive whole number of pixels")
            version = await self._async_server_version()
            params[version.latest_image_height_param] = str(height)
        answer = await self._async_request("GET", f"/api/{camera}/latest.jpg", params=params)
        if not answer.content_type.startswith("image/"):
            raise FrigateResponseError(
                "Frigate sent something other than an image for the latest frame",
                status=answer.status,
            )
        return answer.body

    # -----------------------------------------------------------------------------------------
    # Exports

    async def async_start_export(
        self, camera: str, start: float, end: float, name: str | None = None
    ) -> str | None:
        """Ask Frigate to cut [start, end] into an MP4; returns its id (None on 0.14).

        The export row appears a moment after this returns; poll `async_get_export`.
        """
        check_camera_name(camera)
        _check_window(start, end)
        body: dict[str, str] = {"playback": "realtime", "source": "recordings"}
        if name is not None:
            body["name"] = self._export_name(name)
        # whole seconds: 0.14 only routes integers, and footage is cut on seconds anyway
        path = f"/api/export/{camera}/start/{math.floor(start)}/end/{math.ceil(end)}"
        answer = await self._async_act("POST", path, body)
        return answer.optional_text("export_id")

    async def async_rename_export(self, export_id: str, name: str) -> None:
        """Rename an export (admin); the route changed in 0.16."""
        segment = _segment(export_id, "export_id")
        name = self._export_name(name)
        version = await self._async_server_version()
        if version.export_rename_uses_body:
            await self._async_act("PATCH", f"/api/export/{segment}/rename", {"name": name})
        else:
            await self._async_act("PATCH", f"/api/export/{segment}/{_segment(name, 'name')}")

    @staticmethod
    def _export_name(name: str) -> str:
        if not isinstance(name, str) or not name.strip() or len(name) > _EXPORT_NAME_MAX:
            raise ValueError(f"An export name has 1 to {_EXPORT_NAME_MAX} characters")
        return name

    async def async_get_exports(self) -> list[FrigateExport]:
        data = await self._async_get_json("/api/exports")
        return [FrigateExport.from_api(row) for row in object_list(data, "exports")]

    async def async_get_export(self, export_id: str) -> FrigateExport:
        path = f"/api/exports/{_segment(export_id, 'export_id')}"
        return FrigateExport.from_api(await self._async_get_json(path))

    async def async_delete_export(self, export_id: str) -> None:
        """Delete an export (admin); Frigate refuses while it is still being written."""
        await self._async_act("DELETE", f"/api/export/{_segment(export_id, 'export_id')}")

    async def async_download_export(self, export: FrigateExport, destination: Path) -> int:
        """Stream the export's MP4 into `destination`; returns the bytes written.

        The file appears only when complete: it is written beside it and renamed at the end,
        and nothing is left behind on failure.
        """
        _check_downloadable(export)
        partial = destination.with_name(destination.name + ".part")
        loop = asyncio.get_running_loop()
        handle: IO[bytes] = await loop.run_in_executor(None, partial.open, "wb")
        written = 0
        try:
            try:
                async with aclosing(self.async_iter_export(export)) as chunks:
                    async for chunk in chunks:
                        await loop.run_in_executor(None, handle.write, chunk)
                        written += len(chunk)
            finally:
                await loop.run_in_executor(None, handle.close)
            await loop.run_in_executor(None, partial.replace, destination)
        except BaseException:
            with suppress(OSError):
                await asyncio.shield(loop.run_in_executor(None, partial.unlink))
            raise
        return written

    async def async_iter_export(
        self, export: FrigateExport, chunk_size: int = 65536
    ) -> AsyncGenerator[bytes]:
        """The export's MP4 in chunks, e.g. to relay it through another server.

        Holds a download slot until exhausted or closed: use `contextlib.aclosing` when the
        consumer may stop early.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        _check_downloadable(export)
        async with self._async_stream(export.file_url_path) as response:
            with self._connection_errors():
                async for chunk in response.content.iter_chunked(chunk_size):
                    yield chunk

    # -----------------------------------------------------------------------------------------
    # Transport

    async def _async_get_json(self, path: str, params: Mapping[str, str] | None = None) -> object:
        return self._json(await self._async_request("GET", path, params=params))

    async def _async_get_text(self, path: str, *, authenticate: bool = True) -> str:
        answer = await self._async_request("GET", path, authenticate=authenticate)
        try:
            return answer.body.decode()
        except UnicodeDecodeError:
            raise FrigateResponseError("Frigate sent text that is not UTF-8") from None

    async def _async_act(self, method: str, path: str, body: Mapping[str, str] | None = None) -> Fields:
        """A change request; Frigate answers `{"success": bool, "message": str, ...}`."""
        answer = Fields(self._json(await self._async_request(method, path, json_body=body)), "answer")
        if answer.optional_flag("success") is False:
            reason = answer.optional_text("message") or "no reason given"
            raise FrigateRequestError(f"Frigate refused: {server_message(reason, *self._secrets())}")
        return answer

    @staticmethod
    def _json(answer: _Answer) -> object:
        try:
            return json.loads(answer.body)
        except ValueError:
            raise FrigateResponseError(
                f"Frigate sent a body that is not JSON ({answer.content_type or 'no type'})",
                status=answer.status,
            ) from None

    async def _async_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, str] | None = None,
        authenticate: bool = True,
    ) -> _Answer:
        """One API call, logging in again once if the server refuses the token."""
        auth = self._auth if authenticate else None
        token = await auth.async_token() if auth else None
        answer = await self._async_send(method, path, params, json_body, token)
        if answer.status == 401 and auth is not None and token is not None:
            token = await auth.async_renew(token)
            answer = await self._async_send(method, path, params, json_body, token)
        if not 200 <= answer.status < 300:
            self._raise_for_status(answer.status, answer.body)
        return answer

    def _headers(self, method: str, token: str | None) -> dict[str, str]:
        headers = {}
        if method != "GET":
            # Frigate rejects non-GET requests that carry an Origin but no CSRF header
            headers[_CSRF_HEADER] = "1"
        if token is not None:
            headers[aiohttp.hdrs.AUTHORIZATION] = f"Bearer {token}"
        return headers

    def _full_url(self, path: str) -> URL:
        return URL(self._url + path, encoded=True)

    async def _async_send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Mapping[str, str] | None,
        token: str | None,
    ) -> _Answer:
        async with self._slots:
            with self._connection_errors():
                async with self._session.request(
                    method,
                    self._full_url(path),
                    params=params,
                    json=json_body,
                    headers=self._headers(method, token),
                    ssl=self._ssl,
                    timeout=self._timeout,
                    allow_redirects=False,
                ) as response:
                    body = await response.read()
                    _LOGGER.debug("%s %s -> %s", method, path, response.status)
                    return _Answer(
                        status=response.status,
                        body=body,
                        content_type=response.content_type,
                        cookies={name: morsel.value for name, morsel in response.cookies.items()},
                    )

    async def _async_post_login(self, credentials: Credentials) -> LoginAnswer:
        answer = await self._async_send("POST", "/api/login", None, credentials.login_body(), None)
        return LoginAnswer(status=answer.status, cookies=answer.cookies)

    @asynccontextmanager
    async def _async_stream(self, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        async with self._stream_slots:
            auth = self._auth
            token = await auth.async_token() if auth else None
            response = await self._async_open(path, token)
            if response.status == 401 and auth is not None and token is not None:
                response.release()
                response = await self._async_open(path, await auth.async_renew(token))
            try:
                if response.status != 200:
                    with self._connection_errors():
                        body = await response.content.read(_ERROR_BODY_MAX)
                    self._raise_for_status(response.status, body)
                yield response
            finally:
                response.release()

    async def _async_open(self, path: str, token: str | None) -> aiohttp.ClientResponse:
        with self._connection_errors():
            return await self._session.request(
                "GET",
                self._full_url(path),
                headers=self._headers("GET", token),
                ssl=self._ssl,
                timeout=self._stream_timeout,
                allow_redirects=False,
            )

    @contextmanager
    def _connection_errors(self) -> Iterator[None]:
        where = f"Frigate at {self._url}"
        try:
            yield
        except TimeoutError as err:
            raise FrigateConnectionError(f"{where} did not answer within {self._timeout_s:g} s") from err
        except aiohttp.ClientConnectorCertificateError as err:
            raise FrigateConnectionError(
                f"The TLS certificate of {where} is not trusted; turn certificate "
                "verification off for a self-signed certificate"
            ) from err
        except aiohttp.ClientSSLError as err:
            raise FrigateConnectionError(f"The TLS handshake with {where} failed") from err
        except aiohttp.ClientConnectorError as err:
            raise FrigateConnectionError(f"Cannot connect to {where}") from err
        except aiohttp.ClientError as err:
            raise FrigateConnectionError(f"The connection to {where} failed ({type(err).__name__})") from err

    def _secrets(self) -> tuple[str | None, ...]:
        if self._auth is None:
            return ()
        return (self._auth.password, self._auth.token)

    def _raise_for_status(self, status: int, body: bytes) -> None:
        reason = server_message(_reason(body), *self._secrets())
        said = f": {reason}" if reason else ""
        error: FrigateError
        if status == 401:
            error = FrigateAuthError(
                f"Frigate refused the request even after a fresh login{said}"
                if self._auth is not None
                else f"Frigate requires a login; set a username and password{said}",
                status=status,
            )
        elif status == 403:
            error = FrigateAuthError(f"Frigate denied access{said}", status=status)
        elif status == 404:
            error = FrigateNotFoundError(f"Frigate found no such item{said}", status=status)
        elif status in (400, 422):
            error = FrigateRequestError(f"Frigate refused the request{said}", status=status)
        elif status == 429:
            error = FrigateRequestError("Frigate is rate limiting requests", status=status)
        elif 300 <= status < 400:
            error = FrigateResponseError(
                f"Frigate answered with a redirect (HTTP {status}); is a login proxy in front?",
                status=status,
            )
        else:
            error = FrigateResponseError(f"Frigate failed with HTTP {status}{said}", status=status)
        raise error


def _reason(body: bytes) -> str:
    """Frigate's explanation in an error body, whatever shape this version gives it."""
    text = body.decode(errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        # an HTML error page explains nothing useful and may be long
        return "" if text.startswith("<") else text
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, str):
            return message
        detail = data.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list):
            return "; ".join(_validation_problem(problem) for problem in detail)
    return ""


def _validation_problem(problem: object) -> str:
    if not isinstance(problem, dict):
        return "invalid request"
    location = problem.get("loc")
    field = location[-1] if isinstance(location, list) and location else None
    message = problem.get("msg")
    text = message if isinstance(message, str) else "invalid"
    return f"{field}: {text}" if field is not None else text
