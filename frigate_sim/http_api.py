"""The aiohttp application: Frigate's HTTP contract plus the /_sim control endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
import time
from typing import TYPE_CHECKING

from aiohttp import web

from .auth import ANONYMOUS, COOKIE_NAME, Identity, cookie_expires
from .catalog import EventQuery, ReviewQuery
from .footage import days_with_footage, merge, parse_timezone, unavailable
from .media import render_frame
from .model import Severity
from .params import ParamReader, ValidationFailed, csv_filter, parse_json_object

if TYPE_CHECKING:
    from .server import SimServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
IDENTITY = "frigate_sim.identity"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes a Frigate older than the given version does not have (404 there).
_MIN_VERSION: dict[str, tuple[int, int]] = {
    "login": (0, 14),
    "logout": (0, 14),
    "profile": (0, 14),
    "review_list": (0, 14),
    "review_get": (0, 14),
    "reviews_viewed": (0, 14),
    "exports_list": (0, 14),
    "exports_get": (0, 14),
    "recordings_summary_all": (0, 16),
    "export_rename": (0, 16),
    "recordings_unavailable": (0, 17),
}


def json_response(document: object, status: int = 200) -> web.Response:
    """JSON rendered like Starlette's JSONResponse (compact, no charset)."""
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(body=body, status=status, content_type="application/json")


def text_response(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain")


def internal_error() -> web.Response:
    return text_response("Internal Server Error", 500)


def generic(success: bool, message: str, status: int = 200) -> web.Response:
    return json_response({"success": success, "message": message}, status)


def identity_of(request: web.Request) -> Identity:
    identity = request.get(IDENTITY)
    return identity if isinstance(identity, Identity) else ANONYMOUS


class FrigateHttpApi:
    """Routes and middlewares bound to one SimServer."""

    def __init__(self, server: SimServer) -> None:
        self.server = server

    def build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._errors,
                self._faults,
                self._authentication,
                self._csrf,
                self._version_gate,
            ]
        )
        add = app.router.add_route
        # Fixed paths first: aiohttp takes the first matching route.
        add("GET", "/api/", self.health, name="health")
        add("GET", "/api/version", self.version, name="version")
        add("GET", "/api/config", self.config, name="config")
        add("GET", "/api/stats", self.stats, name="stats")
        add("GET", "/api/profile", self.profile, name="profile")
        add("POST", "/api/login", self.login, name="login")
        add("GET", "/api/logout", self.logout, name="logout")
        add("GET", "/api/events", self.events, name="events_list")
        add("GET", "/api/review", self.review_list, name="review_list")
        add("POST", "/api/reviews/viewed", self.reviews_viewed, name="reviews_viewed")
        add(
            "GET",
            "/api/recordings/summary",
            self.recordings_summary_all,
            name="recordings_summary_all",
        )
        add("GET", "/api/recordings/storage", self.recordings_storage, name="recordings_storage")
        add(
            "GET",
            "/api/recordings/unavailable",
            self.recordings_unavailable,
            name="recordings_unavailable",
        )
        add("GET", "/api/exports", self.exports_list, name="exports_list")
        add("GET", "/api/exports/{export_id}", self.exports_get, name="exports_get")
        add("GET", "/api/events/{event_id}", self.event_get, name="event_get")
        add("POST", "/api/events/{event_id}/retain", self.event_retain, name="event_retain")
        add("DELETE", "/api/events/{event_id}/retain", self.event_retain, name="event_unretain")
        add("GET", "/api/review/{review_id}", self.review_get, name="review_get")
        add(
            "POST",
            "/api/export/{camera}/start/{start}/end/{end}",
            self.export_start,
            name="export_start",
        )
        add("DELETE", "/api/export/{export_id}", self.export_delete, name="export_delete")
        add("PATCH", "/api/export/{export_id}/rename", self.export_rename, name="export_rename")
        add("GET", "/api/{camera}/recordings/summary", self.camera_summary, name="camera_summary")
        add("GET", "/api/{camera}/recordings", self.camera_recordings, name="camera_recordings")
        add("GET", "/api/{camera}/latest.{ext}", self.latest_image, name="latest_image")
        add("GET", "/exports/{basename}", self.export_file, name="export_file")
        add("GET", "/_sim/state", self.sim_state, name="sim_state")
        add("GET", "/_sim/faults", self.sim_faults_get, name="sim_faults_get")
        add("POST", "/_sim/faults", self.sim_faults, name="sim_faults")
        add("POST", "/_sim/expire_tokens", self.sim_expire_tokens, name="sim_expire_tokens")
        add("POST", "/_sim/camera/{camera}/online", self.sim_camera_online, name="sim_online")
        add("POST", "/_sim/review", self.sim_review, name="sim_review")
        add("POST", "/_sim/restart", self.sim_restart, name="sim_restart")
        return app

    # -- middlewares -------------------------------------------------------------------------

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationFailed as err:
            return json_response({"detail": err.detail}, 422)
        except web.HTTPNotFound:
            return json_response({"detail": "Not Found"}, 404)
        except web.HTTPMethodNotAllowed:
            return json_response({"detail": "Method Not Allowed"}, 405)

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        faults = self.server.faults
        if faults.slow_s > 0:
            await asyncio.sleep(faults.slow_s)
        if faults.http_500 and request.path.startswith("/api"):
            return internal_error()
        response = await handler(request)
        if (
            faults.malformed_json
            and isinstance(response, web.Response)
            and response.content_type == "application/json"
            and isinstance(response.body, bytes)
        ):
            body = response.body
            response.body = body[: max(len(body) // 2, 1)] if len(body) > 2 else b"{"
        return response

    @web.middleware
    async def _authentication(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        protected = path.startswith(("/api/", "/exports/")) or path == "/api"
        if not self.server.auth_enabled or not protected:
            request[IDENTITY] = ANONYMOUS
            return await handler(request)
        if path == "/api/login":
            return await handler(request)
        authenticator = self.server.authenticator
        header = request.headers.get("Authorization", "")
        from_cookie = not header.startswith("Bearer ")
        token = request.cookies.get(COOKIE_NAME) if from_cookie else header[len("Bearer ") :]
        verified = authenticator.verify(token) if token else None
        if verified is None:
            return web.Response(status=401)
        request[IDENTITY] = verified.identity
        response = await handler(request)
        if from_cookie and authenticator.needs_refresh(verified):
            fresh, expires_at = authenticator.issue(verified.identity)
            _set_token_cookie(response, fresh, expires_at)
        return response

    @web.middleware
    async def _csrf(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if (
            request.path.startswith("/api")
            and request.method not in _READ_METHODS
            and "Origin" in request.headers
            and "X-CSRF-TOKEN" not in request.headers
        ):
            return generic(False, "Missing CSRF header", 401)
        return await handler(request)

    @web.middleware
    async def _version_gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.name
        needed = _MIN_VERSION.get(route or "")
        if needed is not None and self.server.version_tuple < needed:
            return json_response({"detail": "Not Found"}, 404)
        return await handler(request)

    # -- helpers -----------------------------------------------------------------------------

    def _require_admin(self, request: web.Request) -> web.Response | None:
        identity = identity_of(request)
        if identity.is_admin:
            return None
        return json_response({"detail": f"Role {identity.role} not authorized. Required: admin"}, 403)

    # -- health, config, stats, auth ---------------------------------------------------------

    async def health(self, request: web.Request) -> web.StreamResponse:
        return text_response("Frigate is running. Alive and healthy!")

    async def version(self, request: web.Request) -> web.StreamResponse:
        return text_response(self.server.version)

    async def config(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.server.config_document())

    async def stats(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.server.stats_document())

    async def profile(self, request: web.Request) -> web.StreamResponse:
        identity = identity_of(request)
        document: dict[str, object] = {"username": identity.user, "role": identity.role}
        if self.server.version_tuple >= (0, 17):
            document["allowed_cameras"] = list(self.server.cameras)
        return json_response(document)

    async def login(self, request: web.Request) -> web.StreamResponse:
        body = parse_json_object(await request.read(), required=("user", "password"))
        user, password = body["user"], body["password"]
        issued = None
        if isinstance(user, str) and isinstance(password, str):
            issued = self.server.authenticator.login(user, password)
        if issued is None:
            status = 400 if self.server.version_tuple < (0, 15) else 401
            return json_response({"message": "Login failed"}, status)
        response = web.Response(status=200)
        _set_token_cookie(response, *issued)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(status=303, headers={"Location": "/login"})
        response.del_cookie(COOKIE_NAME, path="/")
        return response

    # -- events and review -------------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        q = ParamReader(request.query)
        cameras = q.text("cameras", "all")
        labels = q.text("labels", "all")
        zones = q.text("zones", "all")
        sub_labels = q.text("sub_labels", "all")
        query = EventQuery(
            cameras=csv_filter(q.text("camera", "all") if cameras == "all" else cameras),
            labels=csv_filter(q.text("label", "all") if labels == "all" else labels),
            zones=csv_filter(q.text("zone", "all") if zones == "all" else zones),
            sub_labels=csv_filter(q.text("sub_label", "all") if sub_labels == "all" else sub_labels),
            after=q.number("after"),
            before=q.number("before"),
            limit=q.integer("limit", 100),
            sort=q.optional_text("sort"),
            in_progress=q.integer("in_progress"),
            has_clip=q.integer("has_clip"),
            has_snapshot=q.integer("has_snapshot"),
            favorites=q.integer("favorites"),
            min_score=q.number("min_score"),
            max_score=q.number("max_score"),
            event_id=q.optional_text("event_id"),
        )
        q.integer("include_thumbnails")
        q.check()
        rows = self.server.catalog.query_events(query)
        return json_response([e.http_row() for e in rows])

    async def event_get(self, request: web.Request) -> web.StreamResponse:
        event = self.server.catalog.events.get(request.match_info["event_id"])
        if event is None:
            return json_response("Event not found", 404)
        return json_response(event.http_row(detail=True))

    async def event_retain(self, request: web.Request) -> web.StreamResponse:
        denied = self._require_admin(request)
        if denied is not None:
            return denied
        event_id = request.match_info["event_id"]
        event = self.server.catalog.events.get(event_id)
        if event is None:
            return generic(False, f"Event {event_id} not found", 404)
        event.retain_indefinitely = request.method == "POST"
        verb = "retained" if event.retain_indefinitely else "un-retained"
        return generic(True, f"Event {event_id} {verb}")

    async def review_list(self, request: web.Request) -> web.StreamResponse:
        q = ParamReader(request.query)
        now = time.time()
        severity = q.choice("severity", [s.value for s in Severity])
        query = ReviewQuery(
            cameras=csv_filter(q.text("cameras", "all")),
            labels=csv_filter(q.text("labels", "all")),
            zones=csv_filter(q.text("zones", "all")),
            severity=None if severity is None else Severity(severity),
            reviewed=q.integer("reviewed"),
            limit=q.integer("limit"),
            before=q.number("before") or now,
            after=q.number("after") or now - 86400,
            overlapping=self.server.version_tuple >= (0, 17),
        )
        q.check()
        user = identity_of(request).user
        rows = self.server.catalog.query_reviews(query, user)
        return json_response([r.http_row(user) for r in rows])

    async def review_get(self, request: web.Request) -> web.StreamResponse:
        review = self.server.catalog.reviews.get(request.match_info["review_id"])
        if review is None:
            return generic(False, "Review item not found", 404)
        return json_response(review.http_row(identity_of(request).user))

    async def reviews_viewed(self, request: web.Request) -> web.StreamResponse:
        body = parse_json_object(await request.read(), body_required=False)
        if "ids" not in body:
            return generic(False, "Not a valid list of ids", 404)
        ids = body["ids"]
        if not isinstance(ids, list) or not ids:
            return generic(False, "Not a valid list of ids", 404)
        user = identity_of(request).user
        reviewed = body.get("reviewed", True) is not False
        for review_id in ids:
            review = self.server.catalog.reviews.get(str(review_id))
            if review is None:
                continue
            if reviewed:
                review.reviewed_by.add(user)
            else:
                review.reviewed_by.discard(user)
        return generic(True, "Marked multiple items as reviewed")

    # -- recordings --------------------------------------------------------------------------

    def _known_cameras(self, value: str) -> list[str]:
        wanted = csv_filter(value)
        return [c for c in self.server.cameras if wanted is None or c in wanted]

    async def recordings_summary_all(self, request: web.Request) -> web.StreamResponse:
        q = ParamReader(request.query)
        timezone = q.text("timezone", "utc")
        cameras = self._known_cameras(q.text("cameras", "all"))
        try:
            zone = parse_timezone(timezone)
        except ValueError:
            return internal_error()
        now = time.time()
        days: set[str] = set()
        for name in cameras:
            days |= days_with_footage(self.server.footage_spans(name, 0.0, now, now), zone)
        return json_response(dict.fromkeys(sorted(days), True))

    async def camera_summary(self, request: web.Request) -> web.StreamResponse:
        camera = request.match_info["camera"]
        timezone = ParamReader(request.query).text("timezone", "utc")
        try:
            zone = parse_timezone(timezone)
        except ValueError:
            return internal_error()
        if camera not in self.server.cameras:
            return json_response([])
        now = time.time()
        spans = self.server.footage_spans(camera, 0.0, now, now)
        summary = self.server.footage[camera].hourly_summary(
            spans, zone, self.server.catalog.clip_starts(camera)
        )
        return json_response(summary)

    async def camera_recordings(self, request: web.Request) -> web.StreamResponse:
        camera = request.match_info["camera"]
        q = ParamReader(request.query)
        # Frigate computes these defaults once, at import: they stay frozen at server start.
        after = q.number("after", self.server.started_at - 3600)
        before = q.number("before", self.server.started_at)
        q.check()
        assert after is not None
        assert before is not None
        if camera not in self.server.cameras:
            return json_response([])
        now = time.time()
        spans = self.server.footage_spans(camera, after - 20, before + 20, now)
        return json_response(self.server.footage[camera].segments(spans, after, before))

    async def recordings_unavailable(self, request: web.Request) -> web.StreamResponse:
        q = ParamReader(request.query)
        cameras = self._known_cameras(q.text("cameras", "all"))
        after = q.number("after")
        before = q.number("before")
        scale = q.integer("scale", 30)
        q.check()
        if after is None or before is None or scale is None:
            # 0.17.2 calls datetime.datetime.now() on the datetime class here and fails.
            return internal_error()
        now = time.time()
        spans = merge(
            span for name in cameras for span in self.server.footage_spans(name, after, before, now)
        )
        return json_response(unavailable(spans, after, before, scale))

    async def recordings_storage(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.server.storage_document())

    async def latest_image(self, request: web.Request) -> web.StreamResponse:
        camera_name = request.match_info["camera"]
        path = ParamReader(dict(request.match_info), "path")
        ext = path.choice("ext", ["webp", "png", "jpg", "jpeg"])
        q = ParamReader(request.query)
        height = q.integer("height")
        quality = q.integer("quality", 70)
        for flag in ("bbox", "timestamp", "zones", "mask", "motion", "paths", "regions", "store"):
            q.integer(flag)
        path.check()
        q.check()
        assert ext is not None
        assert quality is not None
        camera = self.server.cameras.get(camera_name)
        if camera is None:
            return generic(False, "Camera not found", 404)
        width, frame_height = camera.detect_width, camera.detect_height
        if height is not None and height > 0:
            height = min(height, frame_height)
            width = max(int(camera.detect_width * height / camera.detect_height), 1)
            frame_height = height
        image, content_type = render_frame(
            camera.display_name,
            width=width,
            height=frame_height,
            online=camera.streaming,
            fmt=ext,
            quality=min(max(quality, 1), 100),
            second=int(time.time()),
        )
        return web.Response(body=image, content_type=content_type)

    # -- exports -----------------------------------------------------------------------------

    async def export_start(self, request: web.Request) -> web.StreamResponse:
        camera = request.match_info["camera"]
        path_values = {
            "start_time": request.match_info["start"],
            "end_time": request.match_info["end"],
        }
        path = ParamReader(path_values, "path")
        start = path.number("start_time")
        end = path.number("end_time")
        path.check()
        assert start is not None
        assert end is not None
        body = parse_json_object(await request.read())
        _validate_export_body(body)
        if camera not in self.server.cameras:
            return generic(False, f"{camera} is not a valid camera.", 404)
        if not self.server.has_footage(camera, start, end):
            return generic(False, "No recordings found for time range", 400)
        name = body.get("name")
        export = self.server.start_export(camera, start, end, name if isinstance(name, str) else None)
        document: dict[str, object] = {"success": True, "message": "Starting export of recording."}
        if self.server.version_tuple >= (0, 15):
            document["export_id"] = export.id
        return json_response(document)

    async def exports_list(self, request: web.Request) -> web.StreamResponse:
        return json_response([e.row() for e in self.server.export_store.visible()])

    async def exports_get(self, request: web.Request) -> web.StreamResponse:
        export = self.server.export_store.get(request.match_info["export_id"])
        if export is None:
            return generic(False, "Export not found.", 404)
        return json_response(export.row())

    async def export_delete(self, request: web.Request) -> web.StreamResponse:
        denied = self._require_admin(request)
        if denied is not None:
            return denied
        if not self.server.export_store.delete(request.match_info["export_id"]):
            return generic(False, "Export not found.", 404)
        return generic(True, "Successfully deleted export.")

    async def export_rename(self, request: web.Request) -> web.StreamResponse:
        denied = self._require_admin(request)
        if denied is not None:
            return denied
        body = parse_json_object(await request.read(), required=("name",))
        name = body["name"]
        if not isinstance(name, str):
            raise ValidationFailed(
                [
                    {
                        "type": "string_type",
                        "loc": ["body", "name"],
                        "msg": "Input should be a valid string",
                        "input": name,
                    }
                ]
            )
        _check_name_length(name)
        if not self.server.export_store.rename(request.match_info["export_id"], name):
            return generic(False, "Export not found.", 404)
        return generic(True, "Successfully renamed export.")

    async def export_file(self, request: web.Request) -> web.StreamResponse:
        path = self.server.export_store.file_for(request.match_info["basename"])
        if path is None:
            return text_response("Not Found", 404)
        return web.FileResponse(path, headers={"Content-Type": "video/mp4"})

    # -- simulator control (outside /api; never faulted, never authenticated) ----------------

    async def sim_state(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.server.describe())

    async def sim_faults_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.server.faults.as_dict())

    async def sim_faults(self, request: web.Request) -> web.StreamResponse:
        body = await _control_body(request)
        problems = _fault_problems(body)
        if problems:
            return json_response({"error": "; ".join(problems)}, 400)
        faults = self.server.faults
        if "slow_s" in body:
            faults.slow_s = float(_as_float(body["slow_s"]))
        if "http_500" in body:
            faults.http_500 = bool(body["http_500"])
        if "malformed_json" in body:
            faults.malformed_json = bool(body["malformed_json"])
        down_for = body.get("down_for_s")
        if down_for is not None and _as_float(down_for) > 0:
            self.server.schedule_outage(_as_float(down_for))
        return json_response(faults.as_dict())

    async def sim_expire_tokens(self, request: web.Request) -> web.StreamResponse:
        self.server.expire_tokens()
        return json_response({"expired": True})

    async def sim_camera_online(self, request: web.Request) -> web.StreamResponse:
        camera = request.match_info["camera"]
        body = await _control_body(request)
        online = body.get("online")
        if not isinstance(online, bool):
            return json_response({"error": 'body must be {"online": true|false}'}, 400)
        if camera not in self.server.cameras:
            return json_response({"error": f"unknown camera {camera!r}"}, 404)
        self.server.set_camera_online(camera, online)
        return json_response({"camera": camera, "online": online})

    async def sim_review(self, request: web.Request) -> web.StreamResponse:
        body = await _control_body(request)
        try:
            review_id = await self.server.emit_review(
                camera=_required_str(body, "camera"),
                label=_optional_str(body, "label") or "person",
                severity=_optional_str(body, "severity") or "alert",
                zones=_str_list(body.get("zones")),
                sub_label=_optional_str(body, "sub_label"),
                duration_s=_as_float(body.get("duration_s", 0.0)),
            )
        except (ValueError, TypeError) as err:
            return json_response({"error": str(err)}, 400)
        review = self.server.catalog.reviews[review_id]
        return json_response({"review_id": review_id, "event_ids": list(review.detections)})

    async def sim_restart(self, request: web.Request) -> web.StreamResponse:
        self.server.restart()
        return json_response({"restarted": True})


def _set_token_cookie(response: web.StreamResponse, token: str, expires_at: int) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        expires=cookie_expires(expires_at),
        httponly=True,
        path="/",
        samesite="lax",
    )


def _check_name_length(name: str) -> None:
    if len(name) > 256:
        raise ValidationFailed(
            [
                {
                    "type": "string_too_long",
                    "loc": ["body", "name"],
                    "msg": "String should have at most 256 characters",
                    "input": name,
                    "ctx": {"max_length": 256},
                }
            ]
        )


def _validate_export_body(body: dict[str, object]) -> None:
    errors: list[dict[str, object]] = []
    for field, options in (
        ("playback", ("realtime", "timelapse_25x")),
        ("source", ("recordings", "preview")),
    ):
        value = body.get(field)
        if value is not None and value not in options:
            expected = f"'{options[0]}' or '{options[1]}'"
            errors.append(
                {
                    "type": "enum",
                    "loc": ["body", field],
                    "msg": f"Input should be {expected}",
                    "input": value,
                    "ctx": {"expected": expected},
                }
            )
    if errors:
        raise ValidationFailed(errors)
    name = body.get("name")
    if isinstance(name, str):
        _check_name_length(name)


async def _control_body(request: web.Request) -> dict[str, object]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def _as_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _fault_problems(body: dict[str, object]) -> list[str]:
    known = {"down_for_s", "slow_s", "http_500", "malformed_json"}
    problems = [f"unknown key {key!r}" for key in body if key not in known]
    for key in ("down_for_s", "slow_s"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            problems.append(f"{key} must be a number >= 0")
    for key in ("http_500", "malformed_json"):
        if key in body and not isinstance(body[key], bool):
            problems.append(f"{key} must be true or false")
    return problems


def _required_str(body: dict[str, object], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is required (a string)")
    return value


def _optional_str(body: dict[str, object], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _str_list(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("zones must be a list of strings")
    return list(value)
