"""Every HTTP view NCC registers under /api/ncc/ refuses callers NCC does not know.

The views are enumerated from HA's own router, not from a list in the code: a view added
without a row in `VIEWS` fails here, and so does a row whose view answers an anonymous caller
with anything but 401, or a signed-in user without an NCC role with anything but 401 / 403.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

from homeassistant.auth.models import RefreshToken, User
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ncc.camera_views import ImageKind, token_url
from custom_components.ncc.const import DOMAIN, REVIEW_POLL_INTERVAL

from .test_footage import GATE, AddServer, Env, SetupCity, call, footage_city, intake, preserved, wait_until

API_PREFIX = "/api/ncc/"


@dataclass(frozen=True)
class Targets:
    """Things that exist, so that a refusal is about the caller and not a 404."""

    hass: HomeAssistant
    incident_id: str
    evidence_link: str  # signed: opens without a login
    admin_session: RefreshToken

    def camera_token(self, kind: ImageKind, session: RefreshToken | None) -> str:
        """A token path for `session`; for nobody, the admin's with a forged signature."""
        issued = token_url(self.hass, (session or self.admin_session).id, GATE, kind, 120).url
        if session is not None:
            return issued
        path, _, query = issued.partition("?")
        stem, dot, suffix = path.rpartition(".") if kind is ImageKind.STILL else (path, "", "")
        forged = stem[:-1] + ("A" if stem[-1] != "A" else "B")
        return f"{forged}{dot}{suffix}?{query}"


# HA's route (as the router names it) -> the path a caller asks for, given the caller's session
# (None: an anonymous caller)
type PathFor = Callable[[Targets, RefreshToken | None], str]
VIEWS: dict[str, PathFor] = {
    "/api/ncc/camera/{camera_id}/snapshot.jpg": lambda _t, _s: f"/api/ncc/camera/{GATE}/snapshot.jpg",
    "/api/ncc/camera/{camera_id}/live": lambda _t, _s: f"/api/ncc/camera/{GATE}/live",
    "/api/ncc/camera/{camera_id}/still/{token}.jpg": lambda t, s: t.camera_token(ImageKind.STILL, s),
    "/api/ncc/camera/{camera_id}/live/{token}": lambda t, s: t.camera_token(ImageKind.LIVE, s),
    "/api/ncc/incidents/{incident_id}/snapshot.jpg":
        lambda t, _s: f"/api/ncc/incidents/{t.incident_id}/snapshot.jpg",
    # without its signature; a user's own login does not open it either
    "/api/ncc/evidence/{link_id}": lambda t, _s: t.evidence_link.partition("?")[0],
}


def ncc_routes(hass: HomeAssistant) -> dict[str, set[str]]:
    """Every route HA serves under /api/ncc/, with the methods NCC's views answer."""
    routes: dict[str, set[str]] = {}
    for resource in hass.http.app.router.resources():
        if resource.canonical.startswith(API_PREFIX):
            routes.setdefault(resource.canonical, set()).update(
                # HA's CORS layer answers preflight requests for every route itself
                route.method for route in resource if route.method != "OPTIONS"
            )
    return routes


async def session_of(hass: HomeAssistant, user: User) -> RefreshToken:
    return await hass.auth.async_create_refresh_token(user, "http://127.0.0.1/")


def bearer(hass: HomeAssistant, session: RefreshToken) -> dict[str, str]:
    return {"Authorization": f"Bearer {hass.auth.async_create_access_token(session)}"}


@pytest.fixture
async def env(
    hass: HomeAssistant, setup_city: SetupCity, add_server: AddServer, hass_admin_user: User,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> AsyncIterator[Env]:
    hass.config.config_dir = str(tmp_path)  # snapshots and evidence of this test only
    async with footage_city(hass, setup_city, add_server, hass_admin_user, monkeypatch) as value:
        yield value


async def real_targets(env: Env) -> Targets:
    """An incident with its snapshot and a released evidence package, made as NCC makes them."""
    hass = env.hass
    await env.sim.servers[0].emit_review(GATE.split("/")[1])
    async_fire_time_changed(hass, dt_util.utcnow() + REVIEW_POLL_INTERVAL + timedelta(seconds=1))
    await wait_until(lambda: bool(env.city.alerts.book.incidents))
    incident_id = next(iter(env.city.alerts.book.incidents))
    answer = await call(hass, "request_footage", intake([GATE]), env.police)
    await preserved(env, answer["request_id"], "P1")
    await call(hass, "decide_footage_request", {
        "request_id": answer["request_id"], "part": "P1", "decision": "approve",
        "reason": "data_subject_access",
    }, env.kominfo)
    link = await call(hass, "release_footage", {
        "request_id": answer["request_id"], "recipient_name": "Budi Santoso", "valid_hours": 1,
    }, env.kominfo)
    return Targets(hass, incident_id, link["path"], await session_of(hass, env.admin))


async def test_every_ncc_view_refuses_anonymous_callers_and_users_without_a_role(
    env: Env, hass_client_no_auth: ClientSessionGenerator
) -> None:
    hass = env.hass
    http = await hass_client_no_auth()
    assert set(ncc_routes(hass)) == set(VIEWS), "a view under /api/ncc/ needs a row in VIEWS"
    targets = await real_targets(env)
    stranger = await session_of(
        hass, await hass.auth.async_create_user("Stranger", group_ids=["system-users"])
    )
    admin = bearer(hass, targets.admin_session)

    # the targets are real: the views serve them to those entitled
    snapshot = await http.get(VIEWS["/api/ncc/camera/{camera_id}/snapshot.jpg"](targets, None),
                              headers=admin)
    assert snapshot.status == HTTPStatus.OK
    still = await http.get(
        VIEWS["/api/ncc/camera/{camera_id}/still/{token}.jpg"](targets, targets.admin_session)
    )
    assert still.status == HTTPStatus.OK
    incident = VIEWS["/api/ncc/incidents/{incident_id}/snapshot.jpg"](targets, None)
    captured = Path(hass.config.config_dir) / DOMAIN / "snapshots" / f"{targets.incident_id}.jpg"
    await wait_until(captured.is_file)
    assert (await http.get(incident, headers=admin)).status == HTTPStatus.OK

    for route, methods in ncc_routes(hass).items():
        for method in methods:
            anonymous = await http.request(method, VIEWS[route](targets, None))
            assert anonymous.status == HTTPStatus.UNAUTHORIZED, (route, method)
            refused = await http.request(
                method, VIEWS[route](targets, stranger), headers=bearer(hass, stranger)
            )
            assert refused.status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}, (route, method)

    # and the evidence opens through its signature alone, once the checks above are done
    assert (await http.get(targets.evidence_link)).status == HTTPStatus.OK
