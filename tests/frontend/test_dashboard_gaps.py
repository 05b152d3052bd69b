"""The dashboard's gaps, closed: days kept against the policy, Advanced Camera Card through NCC's
token URLs, nothing fetched from outside the page's origin, and the still-refresh timer."""

from __future__ import annotations

from collections.abc import Iterator
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.frontend.browser import BrowserThread
from tests.frontend.conftest import FRONTEND, HARNESS, ORIGIN, _serve
from tests.frontend.test_cards import (
    AGENCIES,
    CAMERAS,
    SITES,
    answers,
    calls,
    click,
    in_dialog,
    load,
    shadow_text,
    tiles,
    wait_for,
    wall,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route  # the tests hold a proxy of a Page, see conftest

browser = pytest.mark.browser


# --- days kept against the footage request policy ---------------------------------------------


def server(server_id: str, name: str, **figures: Any) -> dict[str, Any]:
    return {"id": server_id, "name": name, "agency_id": "diskominfo", "reachable": True,
            "cameras_total": 20, "cameras_online": 20, "retention_days": 30, "days_kept": 30.0,
            "policy_days": 30, "storage_used_percent": 50.0, **figures}


SERVERS = {"servers": [
    # Malang: set to keep 30 days, the disk holds 9.5
    server("malang", "Malang Kota", days_kept=9.46, storage_used_percent=99.2),
    server("dishub", "Dishub", retention_days=45, days_kept=44.0),
    server("baru", "Baru", reachable=False, cameras_total=None, cameras_online=None,
           retention_days=None, days_kept=None, storage_used_percent=None),
]}


def status_rows(page: Page) -> list[str]:
    rows: list[str] = page.evaluate("""() => [...window.card.shadowRoot.querySelectorAll('tr[data-server]')]
        .map(r => r.textContent.replace(/\\s+/g, ' ').trim())""")
    return rows


@browser
def test_status_shows_days_kept_beside_retention_and_marks_those_below_policy(page: Page) -> None:
    answers(page, {"ncc/agencies": AGENCIES, "ncc/servers": SERVERS})
    load(page, "ncc-status-card.js")
    page.evaluate("() => window.mount('ncc-city-status-card', {})")
    wait_for(page, "tr[data-server]", 3)
    headers = page.evaluate(
        "() => [...window.card.shadowRoot.querySelectorAll('th')].map(h => h.textContent)")
    assert headers[-4:] == ["Online", "Days kept", "Retention set", "Storage used"]
    assert status_rows(page) == [
        "Malang Kota 20 / 20 ⚠ 9.5 30 99.2 %",
        "Dishub 20 / 20 44.0 45 50.0 %",
        "Baru Unreachable – – –",
    ]
    marked = page.evaluate("""() => [...window.card.shadowRoot.querySelectorAll('[data-role=below-policy]')]
        .map(m => [m.closest('tr').dataset.server, m.title, getComputedStyle(m).fontWeight])""")
    assert marked == [["malang", "Fewer days than the 30-day footage request policy", "600"]]
    assert "reach back 30 days" in shadow_text(page)


@browser
def test_status_policy_in_bahasa_indonesia(page: Page) -> None:
    answers(page, {"ncc/agencies": AGENCIES, "ncc/servers": SERVERS})
    load(page, "ncc-status-card.js")
    page.evaluate("() => window.mount('ncc-city-status-card', {}, 'id')")
    wait_for(page, "[data-role=below-policy]")
    assert "Retensi diatur" in shadow_text(page)
    assert "mundur hingga 30 hari" in shadow_text(page)
    title = page.evaluate("() => window.card.shadowRoot.querySelector('[data-role=below-policy]').title")
    assert title == "Lebih sedikit dari kebijakan permintaan rekaman 30 hari"


# --- Advanced Camera Card ----------------------------------------------------------------------

STUB = """() => {
  window.advancedConfigs = [];
  customElements.define('advanced-camera-card', class extends HTMLElement {
    setConfig(config) { window.advancedConfigs.push(config); }
    set hass(hass) { this.gotHass = Boolean(hass && hass.callWS); }
  });
}"""
OPEN_ADVANCED = ("() => document.querySelector('ncc-camera-dialog').shadowRoot"
                 ".querySelector('[data-action=advanced]').click()")


def has_advanced_button(page: Page) -> bool:
    return bool(page.evaluate("() => Boolean(document.querySelector('ncc-camera-dialog')"
                              ".shadowRoot.querySelector('[data-action=advanced]'))"))


def expected_config(camera_id: str, name: str, url: str, refresh: int) -> dict[str, Any]:
    return {"type": "custom:advanced-camera-card", "cameras": [{
        "id": camera_id, "title": name, "engine": "generic", "live_provider": "image",
        "image": {"mode": "url", "url": url, "refresh_seconds": refresh},
    }]}


@browser
def test_advanced_camera_card_is_offered_only_when_installed_and_gets_token_urls(page: Page) -> None:
    wall(page, {})
    answers(page, {"ncc/cameras/image_url": [
        {"url": "/api/ncc/camera/balaikota/lobby/live/T1?height=720", "expires_in": 1},
        {"url": "/api/ncc/camera/balaikota/lobby/live/T2?height=720", "expires_in": 900},
    ]})
    click(page, "[data-camera=\"balaikota/lobby\"]")
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog')")
    assert not has_advanced_button(page)
    page.evaluate("() => document.querySelector('ncc-camera-dialog').close()")

    page.evaluate(STUB)
    click(page, "[data-camera=\"balaikota/lobby\"]")
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog')")
    assert has_advanced_button(page)
    page.evaluate(OPEN_ADVANCED)
    page.wait_for_function("() => window.advancedConfigs.length === 1")
    assert calls(page, "ncc/cameras/image_url") == [{
        "type": "ncc/cameras/image_url", "camera_id": "balaikota/lobby", "kind": "live", "height": 720}]
    assert page.evaluate("() => window.advancedConfigs[0]") == expected_config(
        "balaikota/lobby", "Lobby", "/api/ncc/camera/balaikota/lobby/live/T1?height=720", 0)
    stage = page.evaluate("""() => {
        const root = document.querySelector('ncc-camera-dialog').shadowRoot;
        const card = root.querySelector('.stage advanced-camera-card');
        return {card: Boolean(card), hass: card.gotHass, img: Boolean(root.querySelector('img.view')),
                button: Boolean(root.querySelector('[data-action=advanced]'))};
    }""")
    assert stage == {"card": True, "hass": True, "img": False, "button": False}

    # renewed before the token expires (here after 0.9 of its one second)
    page.wait_for_function("() => window.advancedConfigs.length === 2", timeout=5000)
    assert page.evaluate("() => window.advancedConfigs[1].cameras[0].image.url") == \
        "/api/ncc/camera/balaikota/lobby/live/T2?height=720"
    page.evaluate("() => document.querySelector('ncc-camera-dialog').close()")
    assert len(calls(page, "ncc/cameras/image_url")) == 2


@browser
def test_advanced_camera_card_shows_stills_to_those_without_live_and_refusals_in_the_dialog(
    page: Page,
) -> None:
    wall(page, {})
    page.evaluate(STUB)
    answers(page, {"ncc/cameras/image_url": [
        {"url": "/api/ncc/camera/balaikota/gate/still/T.jpg?height=720", "expires_in": 300},
        {"error": {"code": "unauthorized", "message": "You may not view_live",
                   "translation_domain": "ncc", "translation_key": "permission_denied_camera",
                   "translation_placeholders": {"action": "view_live", "camera": "Lobby"}}},
    ]})
    click(page, "[data-camera=\"balaikota/gate\"]")
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog')")
    page.evaluate(OPEN_ADVANCED)
    page.wait_for_function("() => window.advancedConfigs.length === 1")
    assert calls(page, "ncc/cameras/image_url")[0]["kind"] == "still"
    assert page.evaluate("() => window.advancedConfigs[0]") == expected_config(
        "balaikota/gate", "Gate", "/api/ncc/camera/balaikota/gate/still/T.jpg?height=720", 1)
    page.evaluate("() => document.querySelector('ncc-camera-dialog').close()")

    page.evaluate("""() => { window.nccTranslations.en = {
        'component.ncc.exceptions.permission_denied_camera.message':
          'You may not {action} on camera {camera}.'}; }""")
    click(page, "[data-camera=\"balaikota/lobby\"]")
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog')")
    page.evaluate(OPEN_ADVANCED)
    page.wait_for_function("() => document.querySelector('ncc-camera-dialog').shadowRoot"
                           ".querySelector('.note').textContent.includes('may not')")
    assert in_dialog(page, ".note") == "You may not view_live on camera Lobby."
    assert page.evaluate("() => window.advancedConfigs.length") == 1
    # the dialog keeps its own view
    assert page.evaluate("() => Boolean(document.querySelector('ncc-camera-dialog')"
                         ".shadowRoot.querySelector('img.view'))")


# --- nothing from outside the origin ------------------------------------------------------------


@pytest.fixture
def guarded(chromium: BrowserThread) -> Iterator[tuple[Any, list[str]]]:
    """A page whose every request is seen: the origin's are served, all others recorded, aborted."""
    outside: list[str] = []

    def route(route: Route) -> None:
        if route.request.url.startswith(f"{ORIGIN}/"):
            _serve(route)
        else:
            outside.append(route.request.url)
            route.abort()

    def open_page() -> Any:
        context = chromium.browser._target.new_context()
        context.route("**/*", route)
        page = context.new_page()
        page.goto(f"{ORIGIN}/")
        page.add_script_tag(content=HARNESS.read_text())
        return page

    real = chromium.call(open_page)
    yield type(chromium.browser)(chromium, real), outside
    chromium.call(real.context.close)


@browser
def test_no_module_fetches_anything_from_outside_the_origin(guarded: tuple[Any, list[str]]) -> None:
    page, outside = guarded
    modules = sorted(path.name for path in FRONTEND.glob("*.js"))
    answers(page, {"ncc/me": {"user_id": "u1", "name": "Admin", "role": "city_admin",
                              "agency_id": None, "is_city_admin": True, "city": "Kota Malang",
                              "emergency_active": False},
                   "ncc/cameras": CAMERAS, "ncc/agencies": AGENCIES, "ncc/sites": SITES,
                   "ncc/servers": SERVERS, "auth/sign_path": {"path": "/signed-live"}})
    cards = page.evaluate("""async (modules) => {
        for (const module of modules) { await import(`/${module}`); }
        const strategy = customElements.get('ll-strategy-dashboard-ncc');
        await strategy.generate({type: 'custom:ncc'}, window.makeHass('en'));
        const types = window.customCards.map(card => card.type);
        for (const type of types) { await window.mount(type, {}); }
        return types;
    }""", modules)
    assert "ncc-camera-wall-card" in cards
    assert "ncc-city-status-card" in cards
    page.wait_for_function("() => window.nccFetches.length > 0")  # the wall fetched its stills
    assert page.evaluate("() => performance.getEntriesByType('resource')"
                         ".filter(e => !e.name.startsWith(location.origin + '/')).map(e => e.name)") == []
    assert outside == []


def module_imports(source: str) -> list[str]:
    """Every module specifier in `source`: static imports, re-exports and dynamic imports."""
    static = re.findall(r"\bimport\s*(?:[\w*{}\s,$]+?\s*from\s*)?[\"'`]([^\"'`]+)[\"'`]", source)
    reexports = re.findall(r"\bexport\s*[\w*{}\s,$]+?\s*from\s*[\"'`]([^\"'`]+)[\"'`]", source)
    dynamic = re.findall(r"\bimport\s*\(\s*([^)]*)\)", source)
    return [*static, *reexports, *dynamic]


def test_every_import_is_a_relative_module_of_the_integration() -> None:
    found: dict[str, list[str]] = {
        path.name: module_imports(path.read_text()) for path in sorted(FRONTEND.glob("*.js"))
    }
    assert len(found["ncc-strategy.js"]) >= 9  # the check sees imports, single and multi-line
    names = set(found)
    for module, specifiers in found.items():
        for specifier in specifiers:
            assert re.fullmatch(r"\./[\w.-]+\.js", specifier), (module, specifier)
            assert specifier.removeprefix("./") in names, (module, specifier)


def test_the_import_check_catches_what_it_must() -> None:
    source = """
        import { a } from "https://cdn.example/x.js";
        import "lit";
        import {
          b,
        } from "../elsewhere.js";
        export * from "./ok.js";
        const later = import(`https://unpkg.example/y.js`);
        // a comment that mentions import and from
    """
    assert module_imports(source) == [
        "https://cdn.example/x.js", "lit", "../elsewhere.js", "./ok.js", "`https://unpkg.example/y.js`"]


# --- the still-refresh timer --------------------------------------------------------------------


def fetched(page: Page) -> list[str]:
    """The stills fetched since the last call, by camera id."""
    paths: list[str] = page.evaluate("() => window.nccFetches.splice(0)")
    return sorted(re.sub(r"^/api/ncc/camera/(.+)/snapshot\.jpg\?height=\d+$", r"\1", path) for path in paths)


@browser
def test_stills_refresh_on_the_timer_for_the_current_page_only(page: Page) -> None:
    # paused: on a busy machine, real time passing during the waits below must not fire timers
    page.clock.install(time=1_800_000_000_000)
    page.clock.pause_at(1_800_000_001_000)
    answers(page, {"ncc/cameras": CAMERAS, "ncc/agencies": AGENCIES, "ncc/sites": SITES})
    load(page, "ncc-camera-wall-card.js")
    # not awaited: the harness's own pause runs on the controlled clock
    page.evaluate("() => { window.mount('ncc-camera-wall-card', {page_size: 2, refresh_seconds: 5}); }")
    page.clock.run_for(200)
    page.wait_for_function("() => window.nccFetches.length === 2", polling=20)
    assert tiles(page) == ["balaikota/lobby", "balaikota/gate"]
    assert fetched(page) == ["balaikota/gate", "balaikota/lobby"]

    page.clock.run_for(4_700)  # 4.9 s after mounting
    assert fetched(page) == []
    page.clock.run_for(200)
    page.wait_for_function("() => window.nccFetches.length === 2", polling=20)
    assert fetched(page) == ["balaikota/gate", "balaikota/lobby"]

    click(page, "[data-action=next]")
    page.wait_for_function("() => window.nccFetches.length === 1", polling=20)
    # the camera without a feed is not asked for a still
    assert tiles(page) == ["registry/mall", "dishub/simpang_1"]
    assert fetched(page) == ["dishub/simpang_1"]
    page.clock.run_for(5_000)
    page.wait_for_function("() => window.nccFetches.length === 1", polling=20)
    assert fetched(page) == ["dishub/simpang_1"]

    # a hidden wall waits
    page.evaluate("() => Object.defineProperty(document, 'visibilityState', {value: 'hidden'})")
    page.clock.run_for(10_000)
    assert fetched(page) == []
