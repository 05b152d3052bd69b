"""NCC's strategy and cards in Chromium, against a stand-in `hass` (see harness.js)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page  # the tests hold a proxy of one, see conftest

pytestmark = pytest.mark.browser


def camera(cam_id: str, owner: str, health: str = "online", *, site: str | None = None,
           area: str | None = "public_road", live: bool = True,
           location: list[float] | None = None) -> dict[str, Any]:
    privileges = ["view_camera", *(["view_live"] if live else [])]
    return {
        "id": cam_id, "name": cam_id.split("/")[1].replace("_", " ").title(),
        "owner_agency_id": owner, "site_id": site, "area_type": area, "health": health,
        "privileges": privileges, "location": location or [-7.47, 112.43],
    }


AGENCIES = {"agencies": [
    {"id": "diskominfo", "code": "DISKOMINFO", "name": "Dinas Kominfo", "kind": "city_department",
     "cameras_total": 3, "cameras_online": 2},
    {"id": "dishub", "code": "DISHUB", "name": "Dinas Perhubungan", "kind": "city_department",
     "cameras_total": 2, "cameras_online": 2},
    {"id": "polres", "code": "POLRES", "name": "Polres", "kind": "vertical_agency"},
]}
SITES = {"sites": [
    {"id": "alun-alun", "name": "Alun-alun"}, {"id": "terminal", "name": "Terminal"},
]}
CAMERAS = {"cameras": [
    camera("balaikota/lobby", "diskominfo", site="alun-alun", area="government_building",
           location=[-7.470, 112.430]),
    camera("balaikota/gate", "diskominfo", "offline", site="alun-alun", live=False,
           location=[-7.471, 112.431]),
    camera("registry/mall", "diskominfo", "no_feed", area="private_facing_public", live=False),
    camera("dishub/simpang_1", "dishub", site="terminal", location=[-7.480, 112.440]),
    camera("dishub/simpang_2", "dishub", site="terminal", location=[-7.481, 112.441]),
]}
ADMIN = {"user_id": "u1", "name": "Admin", "role": "city_admin", "agency_id": None,
         "is_city_admin": True, "city": "Kota Mojokerto", "emergency_active": False}
OPERATOR = {**ADMIN, "role": "operator", "agency_id": "dishub", "is_city_admin": False,
            "agency": AGENCIES["agencies"][1]}


def answers(page: Page, table: dict[str, Any]) -> None:
    page.evaluate("answers => Object.assign(window.nccAnswers, answers)", table)


def load(page: Page, module: str) -> None:
    page.evaluate("module => import(module)", f"/{module}")


def shadow_text(page: Page) -> str:
    return str(page.evaluate("() => window.card.shadowRoot.textContent"))


def click(page: Page, selector: str) -> None:
    """Click an element inside the mounted card."""
    page.evaluate("selector => window.card.shadowRoot.querySelector(selector).click()", selector)


def wait_for(page: Page, selector: str, count: int | None = None) -> None:
    """Until the card shows `selector` (`count` times, when given)."""
    if count is None:
        page.wait_for_function("s => window.card.shadowRoot.querySelector(s)", arg=selector)
    else:
        page.wait_for_function("([s, n]) => window.card.shadowRoot.querySelectorAll(s).length === n",
                               arg=[selector, count])


def fill(page: Page, selector: str, value: str) -> None:
    """Type `value` into a field of the card."""
    page.evaluate("([s, v]) => { window.card.shadowRoot.querySelector(s).value = v; }", [selector, value])


def ids(page: Page, selector: str, key: str) -> list[str]:
    """`data-<key>` of every element of the card matching `selector`."""
    found: list[str] = page.evaluate(
        "([s, k]) => [...window.card.shadowRoot.querySelectorAll(s)].map(el => el.dataset[k])",
        [selector, key])
    return found


def in_card(page: Page, selector: str, prop: str = "textContent") -> Any:
    """A property of an element of the card, None when there is no such element."""
    return page.evaluate("([s, p]) => { const el = window.card.shadowRoot.querySelector(s); "
                         "return el ? el[p] : null; }", [selector, prop])


def in_dialog(page: Page, selector: str, prop: str = "textContent") -> Any:
    """A property of an element of the open camera dialog."""
    return page.evaluate("([s, p]) => document.querySelector('ncc-camera-dialog')"
                         ".shadowRoot.querySelector(s)[p]", [selector, prop])


def calls(page: Page, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "kind => window.nccCalls.filter(c => c.type === kind)", kind)
    return found


# --- strings -------------------------------------------------------------------------------


def test_both_languages_have_the_same_strings_and_placeholders(page: Page) -> None:
    load(page, "ncc-common.js")
    tables: dict[str, dict[str, str]] = page.evaluate(
        "async () => { await import('/ncc-strategy.js'); return (await import('/ncc-common.js')).STRINGS; }")
    assert set(tables) == {"en", "id"}
    assert tables["en"].keys() == tables["id"].keys()
    for key, english in tables["en"].items():
        indonesian = tables["id"][key]
        assert english.strip(), key
        assert indonesian.strip(), key
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", indonesian)), key


def test_language_follows_the_user_and_errors_use_the_translated_message(page: Page) -> None:
    result = page.evaluate("""async () => {
        const common = await import('/ncc-common.js');
        window.nccTranslations.id = {
          'component.ncc.exceptions.permission_denied_camera.message':
            'Anda tidak boleh {action} pada kamera {camera}.'
        };
        const err = {code: 'unauthorized', message: 'You may not', translation_domain: 'ncc',
                     translation_key: 'permission_denied_camera',
                     translation_placeholders: {action: 'view_live', camera: 'Lobi'}};
        return {
          id: common.t(window.makeHass('id'), 'wall_count', {shown: 2, total: 5}),
          en: common.t(window.makeHass('en-GB'), 'wall_count', {shown: 2, total: 5}),
          other: common.t(window.makeHass('fr'), 'close'),
          translated: await common.errorMessage(window.makeHass('id'), err),
          untranslated: await common.errorMessage(window.makeHass('en'), err),
          plain: await common.errorMessage(window.makeHass('en'), {code: 'x', message: 'Boom'}),
        };
    }""")
    assert result == {
        "id": "2 dari 5 kamera", "en": "2 of 5 cameras", "other": "Close",
        "translated": "Anda tidak boleh view_live pada kamera Lobi.",
        "untranslated": "You may not", "plain": "Boom",
    }


# --- strategy ------------------------------------------------------------------------------


def build(page: Page, language: str = "en") -> dict[str, Any]:
    dashboard: dict[str, Any] = page.evaluate(
        """async (language) => {
            await import('/ncc-strategy.js');
            const strategy = customElements.get('ll-strategy-dashboard-ncc');
            return strategy.generate({type: 'custom:ncc'}, window.makeHass(language));
        }""", language)
    return dashboard


def test_strategy_builds_views_for_a_city_admin(page: Page) -> None:
    answers(page, {"ncc/me": ADMIN, "ncc/agencies": AGENCIES})
    dashboard = build(page)
    paths = [view["path"] for view in dashboard["views"]]
    assert paths == ["overview", "cameras", "agency-diskominfo", "agency-dishub", "requests",
                     "incidents", "registrations", "audit"]
    assert dashboard["title"] == "Kota Mojokerto"
    overview = dashboard["views"][0]["cards"]
    assert [card["type"] for card in overview] == [
        "custom:ncc-map-card", "custom:ncc-city-status-card", "custom:ncc-incident-list-card",
        "custom:ncc-request-queue-card",
    ]
    dishub = dashboard["views"][3]["cards"][0]["cards"]
    assert dishub[0] == {"type": "custom:ncc-camera-wall-card", "agency_id": "dishub",
                         "title": "Dinas Perhubungan", "page_size": 12}
    assert [card["agency_id"] for card in dishub[1]["cards"]] == ["dishub", "dishub"]
    # every card the strategy uses is defined
    undefined = page.evaluate("""types => types.filter(t => !customElements.get(t.replace('custom:', '')))""",
                              sorted({card["type"] for view in dashboard["views"] for card in view["cards"]
                                      if card["type"].startswith("custom:")}))
    assert undefined == []


def test_strategy_for_an_operator_in_bahasa_indonesia(page: Page) -> None:
    answers(page, {"ncc/me": OPERATOR, "ncc/agencies": {"agencies": [
        {**AGENCIES["agencies"][1]}, {"id": "diskominfo", "code": "DISKOMINFO", "name": "Kominfo"},
    ]}})
    dashboard = build(page, "id")
    # a city department's operator files private registrations at the front desk
    assert [view["path"] for view in dashboard["views"]] == [
        "overview", "cameras", "agency-dishub", "requests", "incidents", "registrations"]
    assert dashboard["views"][0]["title"] == "Ringkasan"


@pytest.mark.parametrize("me", [
    pytest.param({**OPERATOR, "agency_id": "polres", "agency": AGENCIES["agencies"][2]}, id="police"),
    pytest.param({**OPERATOR, "role": "viewer"}, id="viewer"),
])
def test_strategy_offers_no_front_desk_to_viewers_or_vertical_agencies(
    page: Page, me: dict[str, Any]
) -> None:
    answers(page, {"ncc/me": me, "ncc/agencies": AGENCIES})
    paths = [view["path"] for view in build(page, "en")["views"]]
    assert "registrations" not in paths
    assert "audit" not in paths


def test_strategy_explains_a_missing_role(page: Page) -> None:
    answers(page, {"ncc/me": {"error": {"code": "unauthorized", "message": "no role",
                                        "translation_key": "no_role"}}})
    dashboard = build(page, "id")
    assert len(dashboard["views"]) == 1
    assert "belum memiliki peran" in dashboard["views"][0]["cards"][0]["content"]


# --- camera wall ---------------------------------------------------------------------------


def wall(page: Page, config: dict[str, Any], language: str = "en") -> None:
    answers(page, {"ncc/cameras": CAMERAS, "ncc/agencies": AGENCIES, "ncc/sites": SITES,
                   "auth/sign_path": {"path": "/signed-live"}})
    load(page, "ncc-camera-wall-card.js")
    page.evaluate("([config, language]) => window.mount('ncc-camera-wall-card', config, language)",
                  [config, language])
    wait_for(page, ".tile")


def tiles(page: Page) -> list[str]:
    found: list[str] = page.evaluate(
        "() => [...window.card.shadowRoot.querySelectorAll('.tile')].map(t => t.dataset.camera)")
    return found


def test_wall_pages_filters_and_fetches_stills_of_the_page_only(page: Page) -> None:
    wall(page, {"page_size": 2})
    assert tiles(page) == ["balaikota/lobby", "balaikota/gate"]
    assert "Page 1 of 3" in shadow_text(page)
    page.wait_for_function("() => window.nccFetches.length >= 2")
    assert sorted(page.evaluate("() => window.nccFetches")) == [
        "/api/ncc/camera/balaikota/gate/snapshot.jpg?height=270",
        "/api/ncc/camera/balaikota/lobby/snapshot.jpg?height=270",
    ]
    overlays = page.evaluate(
        "() => [...window.card.shadowRoot.querySelectorAll('.tile .health')].map(h => h.textContent)")
    assert overlays == ["Online", "Offline"]

    click(page, "[data-action=next]")
    assert tiles(page) == ["registry/mall", "dishub/simpang_1"]
    page.wait_for_function("() => window.nccFetches.length >= 3")
    assert not any("registry/mall" in path for path in page.evaluate("() => window.nccFetches"))

    def choose(name: str, value: str) -> None:
        page.evaluate("""([name, value]) => {
            const select = window.card.shadowRoot.querySelector(`select[data-change=${name}]`);
            select.value = value;
            select.dispatchEvent(new Event('change', {bubbles: true, composed: true}));
        }""", [name, value])

    choose("agency", "dishub")
    assert tiles(page) == ["dishub/simpang_1", "dishub/simpang_2"]
    assert "2 of 5 cameras" in shadow_text(page)
    choose("agency", "")
    choose("site", "alun-alun")
    assert tiles(page) == ["balaikota/lobby", "balaikota/gate"]
    choose("site", "")
    choose("area", "private_facing_public")
    assert tiles(page) == ["registry/mall"]


def test_wall_for_one_agency_has_no_agency_filter(page: Page) -> None:
    wall(page, {"agency_id": "dishub"}, "id")
    assert tiles(page) == ["dishub/simpang_1", "dishub/simpang_2"]
    assert in_card(page, "select[data-change=agency]") is None
    assert "Daring" in shadow_text(page)


def test_opening_a_tile_streams_live_only_when_allowed(page: Page) -> None:
    wall(page, {})
    click(page, "[data-camera=\"balaikota/lobby\"]")
    page.wait_for_function("() => window.nccCalls.some(c => c.type === 'auth/sign_path')")
    assert calls(page, "auth/sign_path") == [{
        "type": "auth/sign_path", "path": "/api/ncc/camera/balaikota/lobby/live?height=720", "expires": 30}]
    assert in_dialog(page, "img.view", "src") == "http://ncc.test/signed-live"
    page.evaluate("() => document.querySelector('ncc-camera-dialog').close()")
    assert page.evaluate("() => document.querySelectorAll('ncc-camera-dialog').length") == 0

    click(page, "[data-camera=\"balaikota/gate\"]")
    page.wait_for_function("() => window.nccFetches.some(p => p.includes('gate/snapshot.jpg?height=720'))")
    assert "not its live stream" in in_dialog(page, ".note")
    assert len(calls(page, "auth/sign_path")) == 1


# --- overview cards ------------------------------------------------------------------------


def test_map_places_cameras_north_up_coloured_by_health_and_owner(page: Page) -> None:
    answers(page, {"ncc/cameras": CAMERAS, "ncc/agencies": AGENCIES})
    load(page, "ncc-map.js")
    page.evaluate("() => window.mount('ncc-map-card', {})")
    wait_for(page, "ncc-map")
    dots = page.evaluate("""() => [...window.card.shadowRoot.querySelector('ncc-map').shadowRoot
        .querySelectorAll('.dot')].map(g => {
            const c = g.querySelector('circle');
            return {id: g.dataset.id, x: +c.getAttribute('cx'), y: +c.getAttribute('cy'),
                    fill: c.getAttribute('fill'), ring: c.getAttribute('stroke')};
        })""")
    by_id = {dot["id"]: dot for dot in dots}
    assert "registry/mall" in by_id  # the fixture gives every camera a location
    assert by_id["dishub/simpang_1"]["y"] > by_id["balaikota/lobby"]["y"]  # further south
    assert by_id["dishub/simpang_1"]["x"] > by_id["balaikota/lobby"]["x"]  # further east
    assert all(0 <= dot["x"] <= 600 and 0 <= dot["y"] <= 400 for dot in dots)
    assert by_id["balaikota/gate"]["fill"] == "#c62828"
    assert by_id["balaikota/lobby"]["ring"] != by_id["dishub/simpang_1"]["ring"]
    assert by_id["balaikota/lobby"]["ring"] == by_id["balaikota/gate"]["ring"]


def test_city_status_lists_agencies_and_servers(page: Page) -> None:
    answers(page, {"ncc/agencies": AGENCIES, "ncc/servers": {"servers": [
        {"id": "balaikota", "name": "Balai Kota", "agency_id": "diskominfo", "reachable": True,
         "cameras_total": 20, "cameras_online": 19, "retention_days": 10, "storage_used_percent": 41.25},
        {"id": "dishub", "name": "Dishub", "agency_id": "dishub", "reachable": False,
         "cameras_total": None, "cameras_online": None, "retention_days": None, "storage_used_percent": None},
    ]}})
    load(page, "ncc-status-card.js")
    page.evaluate("() => window.mount('ncc-city-status-card', {})")
    wait_for(page, "tr[data-server]")
    rows = page.evaluate("""() => [...window.card.shadowRoot
        .querySelectorAll('tr[data-agency], tr[data-server]')]
        .map(r => r.textContent.replace(/\\s+/g, ' ').trim())""")
    assert rows == [
        "Dinas Kominfo DISKOMINFO 2 / 3", "Dinas Perhubungan DISHUB 2 / 2",
        # days kept (not planned here: –), retention set, storage used
        "Balai Kota 19 / 20 – 10 41.3 %", "Dishub Unreachable – – –",
    ]


# --- audit ---------------------------------------------------------------------------------


def entry(seq: int, action: str) -> dict[str, Any]:
    return {"seq": seq, "timestamp": "2026-11-22T03:00:00+00:00", "user_id": "u1", "user_name": "Admin",
            "agency_id": None, "action": action, "target_type": "camera", "target_id": "balaikota/lobby",
            "camera_id": "balaikota/lobby", "reason": "patroli", "details": {}, "hash": "h"}


def test_audit_card_filters_and_pages_through_the_server(page: Page) -> None:
    answers(page, {"ncc/audit": [
        {"entries": [entry(9, "live.view"), entry(8, "camera.assign")], "next_cursor": 8},
        {"entries": [entry(7, "live.view")], "next_cursor": None},
        {"entries": [entry(9, "live.view")], "next_cursor": None},
    ]})
    load(page, "ncc-audit-card.js")
    page.evaluate("() => window.mount('ncc-audit-card', {limit: 2})")
    wait_for(page, "tr[data-seq]", 2)
    click(page, "[data-action=more]")
    wait_for(page, "tr[data-seq]", 3)
    assert calls(page, "ncc/audit")[1] == {"type": "ncc/audit", "limit": 2, "cursor": 8}
    assert in_card(page, "[data-action=more]") is None
    fill(page, "input[data-field=action]", "live")
    click(page, "[data-action=apply]")
    wait_for(page, "tr[data-seq]", 1)
    assert calls(page, "ncc/audit")[2] == {"type": "ncc/audit", "limit": 2, "action": "live"}
    assert "patroli" in shadow_text(page)


def test_audit_refusal_shows_the_translated_message(page: Page) -> None:
    page.evaluate("""() => { window.nccTranslations.id = {
        'component.ncc.exceptions.permission_denied_city.message':
          'Hanya admin kota yang boleh {action}.'}; }""")
    answers(page, {"ncc/audit": {"error": {
        "code": "unauthorized", "message": "Only city administrators", "translation_domain": "ncc",
        "translation_key": "permission_denied_city",
        "translation_placeholders": {"action": "verify_audit"}}}})
    load(page, "ncc-audit-card.js")
    page.evaluate("() => window.mount('ncc-audit-card', {}, 'id')")
    wait_for(page, "[role=alert]")
    assert in_card(page, "[role=alert]") == \
        "Hanya admin kota yang boleh verify_audit."


# --- incidents -----------------------------------------------------------------------------


def incident(number: int, status: str = "open") -> dict[str, Any]:
    return {"id": f"INC-{number:04d}", "camera_id": "dishub/simpang_1", "camera_name": "Simpang 1",
            "severity": "alert", "label": "person", "status": status, "agency_codes": ["DISHUB"],
            "started_at": "2026-11-22T03:00:00+00:00", "snapshot_url": None}


def mount_card(page: Page, module: str, tag: str, config: dict[str, Any], language: str = "en") -> None:
    load(page, module)
    page.evaluate("([tag, config, language]) => window.mount(tag, config, language)", [tag, config, language])


def test_incident_card_acknowledges_and_closes_with_a_note(page: Page) -> None:
    answers(page, {
        "ncc/incidents/list": [
            {"incidents": [incident(1), incident(2, "acknowledged")], "total": 2},
            {"incidents": [incident(1, "acknowledged"), incident(2, "acknowledged")], "total": 2},
            {"incidents": [incident(1, "acknowledged")], "total": 1}],
        "ncc/incidents/subscribe": None,
        "ncc/incidents/acknowledge": {"incident": incident(1, "acknowledged")},
        "ncc/incidents/close": {"incident": incident(2, "closed")},
        "ncc/cameras": CAMERAS,
    })
    mount_card(page, "ncc-incident-list-card.js", "ncc-incident-list-card",
               {"agency_id": "dishub", "status": ["open", "acknowledged"], "limit": 5})
    wait_for(page, "tr[data-incident]", 2)
    assert calls(page, "ncc/incidents/list")[0] == {
        "type": "ncc/incidents/list", "limit": 5, "agency_id": "dishub", "status": ["open", "acknowledged"]}
    assert calls(page, "ncc/incidents/subscribe")
    click(page, "[data-action=acknowledge]")
    page.wait_for_function("() => !window.card.shadowRoot.querySelector('[data-action=acknowledge]')")
    assert calls(page, "ncc/incidents/acknowledge") == [
        {"type": "ncc/incidents/acknowledge", "incident_id": "INC-0001"}]

    click(page, "tr[data-incident=\"INC-0002\"] [data-action=close]")
    click(page, "[data-action=confirm-close]")
    wait_for(page, "[role=alert]")
    assert "closing note" in shadow_text(page)
    assert calls(page, "ncc/incidents/close") == []
    fill(page, "textarea[name=note]", "False alarm: a cat")
    click(page, "[data-action=confirm-close]")
    wait_for(page, "tr[data-incident]", 1)
    assert calls(page, "ncc/incidents/close") == [
        {"type": "ncc/incidents/close", "incident_id": "INC-0002", "note": "False alarm: a cat"}]

    click(page, "[data-action=camera]")
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog')")
    assert in_dialog(page, ".title") == "Simpang 1"


def test_cards_whose_commands_are_missing_say_so(page: Page) -> None:
    mount_card(page, "ncc-incident-list-card.js", "ncc-incident-list-card", {}, "id")
    wait_for(page, "[data-role=unavailable]")
    assert "belum memiliki insiden" in shadow_text(page)
    for module, tag in (("ncc-request-queue-card.js", "ncc-request-queue-card"),
                        ("ncc-registration-review-card.js", "ncc-registration-review-card")):
        mount_card(page, module, tag, {})
        wait_for(page, "[data-role=unavailable]")
        assert "Not available" in shadow_text(page)


# --- registrations -------------------------------------------------------------------------


REGISTRATION = {
    "id": "REG-2026-0001", "business_name": "Mall Sunrise", "tier": "live", "state": "under_review",
    "cameras": 2, "valid_from": "2026-12-01", "valid_until": "2027-11-30",
    "submitted_at": "2026-11-20T02:00:00+00:00", "latitude": -7.475, "longitude": 112.435,
}
DETAIL = {**REGISTRATION, "application": {
    "business_name": "Mall Sunrise", "legal_entity": "PT Sunrise", "address": "Jl. Majapahit 1",
    "contact": {"name": "Andi", "phone": "+62811", "email": "andi@example.id"},
    "latitude": -7.475, "longitude": 112.435, "tier": "live",
    "valid_from": "2026-12-01", "valid_until": "2027-11-30",
    "cameras": [{"name": "Lobby", "views": "the entrance", "area_type": "private_facing_public",
                 "bearing": 90, "camera_id": None},
                {"name": "Parking", "views": "the street", "area_type": "public_road",
                 "bearing": 180, "camera_id": None}],
}}


def test_registration_review_shows_the_application_on_the_map_and_decides(page: Page) -> None:
    answers(page, {
        "ncc/registrations/list": {"registrations": [
            REGISTRATION, {**REGISTRATION, "id": "REG-2026-0002", "state": "active"}]},
        "ncc/registrations/get": [{"registration": DETAIL}, {"registration": {**DETAIL, "state": "active"}}],
        "ncc/registrations/review": {"registration": {**DETAIL, "state": "active"}},
        "ncc/cameras": CAMERAS,
    })
    mount_card(page, "ncc-registration-review-card.js", "ncc-registration-review-card", {})
    wait_for(page, "tr[data-id]", 1)
    assert "Under review" in shadow_text(page)  # only those waiting for review, by default
    click(page, "tr[data-id]")
    wait_for(page, "ncc-map")
    dots = page.evaluate("() => [...window.card.shadowRoot.querySelector('ncc-map').shadowRoot"
                         ".querySelectorAll('.dot')].map(d => d.dataset.id)")
    assert {"REG-2026-0001", "dishub/simpang_1"} <= set(dots)
    text = shadow_text(page)
    assert "Jl. Majapahit 1" in text
    assert "Parking" in text

    click(page, "[data-decision=reject]")
    wait_for(page, "[role=alert]")
    assert calls(page, "ncc/registrations/review") == []
    click(page, "[data-decision=approve]")
    wait_for(page, "[data-decision=suspend]")
    assert calls(page, "ncc/registrations/review") == [{
        "type": "ncc/registrations/review", "registration_id": "REG-2026-0001", "decision": "approve",
        "reason": ""}]
    assert "Decision saved." in shadow_text(page)

    fill(page, "textarea[name=reason]", "Consent withdrawn by the tenant")
    click(page, "[data-decision=suspend]")
    page.wait_for_function("() => window.nccServices.length === 1")
    assert page.evaluate("() => window.nccServices") == [{
        "domain": "ncc", "service": "suspend_registration",
        "data": {"registration_id": "REG-2026-0001", "reason": "Consent withdrawn by the tenant",
                 "by": "city"}}]


# --- footage requests ----------------------------------------------------------------------


def part(part_id: str, camera_id: str, decision: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": part_id, "camera_id": camera_id, "camera_name": camera_id.partition("/")[2],
            "owner_agency_id": camera_id.partition("/")[0], "availability": "available",
            "preservation": "preserved", "failing": False, "decision": decision}


APPROVED = {"decision": "approve", "reason": "legal_obligation", "note": "", "decided_by_name": "Budi"}


def request(state: str = "open", parts: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "FR-2026-0001", "state": state, "due": "2026-11-25", "due_state": "due_soon",
            "requester": {"name": "Bripka Agus", "organisation": "Polres"}, "purpose": "Tabrak lari",
            "reference": "B/123",
            "window": {"start": "2026-11-22T02:00:00+00:00", "end": "2026-11-22T02:10:00+00:00"},
            "parts": parts or [part("P1", "dishub/simpang_1"), part("P2", "balaikota/lobby")],
            "releases": [], **extra}


def test_request_card_decides_parts_the_user_owns_and_copies_release_links(page: Page) -> None:
    owned = [{**cam, "privileges": [*cam["privileges"], "decide_footage"]}
             for cam in CAMERAS["cameras"] if cam["owner_agency_id"] == "dishub"]
    decided = request("decided", [part("P1", "dishub/simpang_1", APPROVED), part("P2", "balaikota/lobby")])
    released = {**decided, "releases": [{"id": "R1", "recipient": "Bripka Agus", "organisation": "Polres",
                                         "released_at": "2026-11-22T03:00:00+00:00", "part_ids": ["P1"]}]}
    answers(page, {
        "ncc/footage/list": {"requests": [request(), request(
            "closed", [part("P1", "dishub/simpang_2")], id="FR-2026-0002", due_state=None)]},
        "ncc/cameras": {"cameras": owned},
        "ncc/footage/get": [{"request": request()}, {"request": decided}, {"request": released}],
        "ncc/footage/decide": {"request_id": "FR-2026-0001", "state": "open", "part": {}},
        "ncc/footage/release_link": [{"release_id": "R1", "url": "/api/ncc/footage/download/abc"},
                                     {"release_id": "R1", "url": "/api/ncc/footage/download/def"}],
    })
    mount_card(page, "ncc-request-queue-card.js", "ncc-request-queue-card", {"agency_id": "dishub"})
    wait_for(page, "tr[data-id]", 2)
    assert calls(page, "ncc/footage/list")[0] == {"type": "ncc/footage/list", "agency_id": "dishub"}
    assert "Due soon" in shadow_text(page)
    click(page, "tr[data-id=\"FR-2026-0001\"]")
    wait_for(page, "[data-decide=P1]")
    # the part on another agency's camera waits for that owner
    assert in_card(page, "[data-decide=P2]") is None
    assert "Waiting for the camera's owner" in shadow_text(page)

    click(page, "[data-decide=P1] [data-decision=approve]")
    wait_for(page, "[role=alert]")
    assert calls(page, "ncc/footage/decide") == []
    fill(page, "[data-decide=P1] select[name=reason-approve]", "legal_obligation")
    fill(page, "[data-decide=P1] textarea[name=note]", "Surat diverifikasi")
    click(page, "[data-decide=P1] [data-decision=approve]")
    wait_for(page, "tr[data-part-row=P1] [data-role=decision]")
    assert calls(page, "ncc/footage/decide") == [{
        "type": "ncc/footage/decide", "request_id": "FR-2026-0001", "part": "P1", "decision": "approve",
        "reason": "legal_obligation", "note": "Surat diverifikasi"}]
    assert "Approved" in in_card(page, "tr[data-part-row=P1]")

    click(page, "[data-role=release] button")
    wait_for(page, "[role=alert]")
    fill(page, "input[name=recipient]", "Bripka Agus")
    fill(page, "input[name=organisation]", "Polres")
    click(page, "[data-role=release] button")
    wait_for(page, "code")
    assert calls(page, "ncc/footage/release_link")[0] == {
        "type": "ncc/footage/release_link", "request_id": "FR-2026-0001",
        "recipient_name": "Bripka Agus", "recipient_organisation": "Polres"}
    assert in_card(page, "code") == \
        "http://ncc.test/api/ncc/footage/download/abc"
    click(page, "[data-release=R1]")
    page.wait_for_function("() => window.card.shadowRoot.querySelector('code').textContent.endsWith('def')")
    assert calls(page, "ncc/footage/release_link")[1] == {
        "type": "ncc/footage/release_link", "request_id": "FR-2026-0001", "release_id": "R1"}


def test_due_soon_queue_lists_only_requests_near_their_due_date(page: Page) -> None:
    answers(page, {
        "ncc/footage/list": {"requests": [
            request(id="FR-2026-0003", due="2026-11-27", due_state="overdue"),
            request(id="FR-2026-0004", due="2026-11-24", due_state="due_soon"),
            request(id="FR-2026-0005", due="2026-12-24", due_state="on_time"),
        ]},
        "ncc/cameras": CAMERAS,
    })
    mount_card(page, "ncc-request-queue-card.js", "ncc-request-queue-card", {"due_soon": True}, "id")
    wait_for(page, "tr[data-id]", 2)
    assert ids(page, "tr[data-id]", "id") == ["FR-2026-0004", "FR-2026-0003"]
    assert "Lewat tenggat" in shadow_text(page)
    assert in_card(page, "select[data-change=state]") is None
