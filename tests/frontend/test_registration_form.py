"""The registration card's front-desk form in Chromium, against a stand-in `hass` (see harness.js):
who sees it, what `ncc.submit_registration` receives, secrets kept out of the markup, and the
registration number or the translated refusal shown back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.frontend.test_cards import (
    ADMIN,
    AGENCIES,
    CAMERAS,
    DETAIL,
    REGISTRATION,
    answers,
    click,
    in_card,
    mount_card,
    shadow_text,
    wait_for,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page  # the tests hold a proxy of one, see conftest

pytestmark = pytest.mark.browser

MODULE, TAG = "ncc-registration-review-card.js", "ncc-registration-review-card"
SECRET = "Rtsp-Secret-9"
DISHUB = {"id": "dishub", "code": "DISHUB", "name": "Dinas Perhubungan", "kind": "city_department"}
POLRES = {"id": "polres", "code": "POLRES", "name": "Polres", "kind": "vertical_agency"}
CLERK = {**ADMIN, "role": "operator", "agency_id": "dishub", "agency": DISHUB, "is_city_admin": False}
FILED = {"context": {"id": "ctx"}, "response": {"registration_id": "REG-2026-0007", "state": "submitted"}}
LISTED: dict[str, list[Any]] = {"registrations": []}


def open_form(page: Page, me: dict[str, Any], language: str = "en", submitted: Any = None) -> None:
    """Mount the card for `me` and open its form; `submitted` answers ncc.submit_registration."""
    answers(page, {"ncc/me": me, "ncc/registrations/list": LISTED, "ncc/cameras": CAMERAS,
                   "ncc/agencies": AGENCIES, "service:ncc.submit_registration": submitted})
    mount_card(page, MODULE, TAG, {}, language)
    wait_for(page, "[data-action=new]")
    click(page, "[data-action=new]")
    wait_for(page, "[data-role=form]")
    # what the card passes to hass.callService beyond the data (target, notifyOnError, returnResponse)
    page.evaluate("""() => {
        const hass = window.card.hass;
        const call = hass.callService;
        hass.callService = (...args) => { window.nccServiceExtras = args.slice(3); return call(...args); };
    }""")


def field(name: str, camera: int | None = None) -> str:
    return f"[data-field={name}]" + ("" if camera is None else f"[data-camera=\"{camera}\"]")


def type_in(page: Page, selector: str, value: str | bool) -> None:
    """Change a field as a user would: its value, then the events a browser fires."""
    page.evaluate("""([s, v]) => {
        const el = window.card.shadowRoot.querySelector(s);
        if (el.type === 'checkbox') { el.checked = v; } else { el.value = v; }
        el.dispatchEvent(new Event('input', {bubbles: true, composed: true}));
        el.dispatchEvent(new Event('change', {bubbles: true, composed: true}));
    }""", [selector, value])


def fill_application(page: Page) -> None:
    for name, value in (
        ("business_name", "Sunrise Mall"), ("legal_entity", "PT Sunrise Abadi"),
        ("contact_name", "Rina Wati"),
        ("contact_role", "Manajer gedung"), ("contact_phone", "+62 321 555 123"),
        ("contact_email", "rina@sunrise.co.id"), ("address", "Jl. Gajah Mada 1"), ("latitude", "-7.47"),
        ("longitude", "112.43"), ("valid_from", "2026-03-01"), ("valid_until", "2027-02-28"),
        ("consent_version", "2026-01"),
    ):
        type_in(page, field(name), value)
    type_in(page, field("name", 0), "Parkir Depan")
    type_in(page, field("views", 0), "Car park entrance and Jl. Gajah Mada")
    type_in(page, field("bearing", 0), "180")


def services(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("() => window.nccServices")
    return found


def test_a_front_desk_operator_files_a_recorded_application_and_sees_its_number(page: Page) -> None:
    open_form(page, CLERK, submitted=FILED)
    assert "Dinas Perhubungan" in shadow_text(page)  # the operator's own desk, fixed
    assert in_card(page, "select[data-field=desk]") is None
    fill_application(page)
    type_in(page, field("tier"), "recorded")
    wait_for(page, field("stream_url", 0))
    assert in_card(page, field("stream_password", 0), "type") == "password"
    assert in_card(page, field("frigate_url")) is None  # the owner's Frigate is for live / on_request
    type_in(page, field("stream_url", 0), "rtsp://10.20.0.5:554/stream1")
    type_in(page, field("stream_username", 0), "viewer")
    type_in(page, field("stream_password", 0), SECRET)
    click(page, "[data-action=add-camera]")
    wait_for(page, "fieldset[data-role=camera]", 2)
    # what was typed survives the new row; the secret stays out of the markup
    assert in_card(page, field("stream_password", 0), "value") == SECRET
    assert in_card(page, field("latitude"), "value") == "-7.47"
    assert SECRET not in str(page.evaluate("() => window.card.shadowRoot.innerHTML"))

    click(page, "[data-action=submit]")  # the second camera is still empty
    wait_for(page, "[role=alert]")
    assert "Fill in: Camera name, What it views, Stream (rtsp://…)." in shadow_text(page)
    assert services(page) == []
    click(page, "[data-action=remove-camera][data-index=\"1\"]")
    wait_for(page, "fieldset[data-role=camera]", 1)
    type_in(page, field("covers_public_area", 0), True)
    click(page, "[data-action=submit]")
    page.wait_for_function("() => window.nccServices.length === 1")
    assert services(page) == [{"domain": "ncc", "service": "submit_registration", "data": {
        "tier": "recorded", "business_name": "Sunrise Mall", "legal_entity": "PT Sunrise Abadi",
        "contact_name": "Rina Wati", "contact_role": "Manajer gedung", "contact_phone": "+62 321 555 123",
        "contact_email": "rina@sunrise.co.id", "address": "Jl. Gajah Mada 1", "latitude": -7.47,
        "longitude": 112.43, "valid_from": "2026-03-01", "valid_until": "2027-02-28",
        "consent_version": "2026-01", "received_by_agency_id": "dishub",
        "cameras": [{"covers_public_area": True, "name": "Parkir Depan",
                     "views": "Car park entrance and Jl. Gajah Mada", "bearing": 180,
                     "stream_url": "rtsp://10.20.0.5:554/stream1", "stream_username": "viewer",
                     "stream_password": SECRET}],
    }}]
    assert page.evaluate("() => window.nccServiceExtras") == [None, False, True]
    wait_for(page, ".ok")
    assert "Filed as REG-2026-0007." in shadow_text(page)
    assert in_card(page, "[data-role=form]") is None
    assert SECRET not in shadow_text(page)


def test_a_refusal_is_translated_and_the_draft_stays(page: Page) -> None:
    refusal = {"error": {
        "code": "service_validation_error", "message": "registration_outside_city",
        "translation_domain": "ncc", "translation_key": "registration_outside_city",
        "translation_placeholders": {}}}
    page.evaluate("""() => { window.nccTranslations.id = {
        'component.ncc.exceptions.registration_outside_city.message':
          'Lokasi berada di luar wilayah kota.'}; }""")
    open_form(page, CLERK, "id", refusal)
    assert "Nama usaha" in shadow_text(page)
    fill_application(page)
    type_in(page, field("latitude"), "-7.30")
    click(page, "[data-action=submit]")
    wait_for(page, "[role=alert]")
    assert in_card(page, "[role=alert]") == "Lokasi berada di luar wilayah kota."
    assert in_card(page, field("business_name"), "value") == "Sunrise Mall"
    assert in_card(page, field("latitude"), "value") == "-7.30"


def test_a_city_administrator_picks_the_desk_and_the_owners_server(page: Page) -> None:
    open_form(page, ADMIN, submitted=FILED)
    desks = page.evaluate("() => [...window.card.shadowRoot"
                          ".querySelectorAll('select[data-field=desk] option')].map(o => o.value)")
    assert desks == ["", "diskominfo", "dishub"]  # city departments only; none: reviewers' own filing
    fill_application(page)
    dots = "() => [...window.card.shadowRoot.querySelector('ncc-map').shadowRoot.querySelectorAll('.dot')]"
    assert "applicant" in page.evaluate(f"{dots}.map(d => d.dataset.id)")  # typed position shown
    # a camera on the map gives its position
    page.evaluate("""() => window.card.shadowRoot.querySelector('ncc-map').shadowRoot
        .querySelector('.dot[data-id="dishub/simpang_1"]').dispatchEvent(
            new MouseEvent('click', {bubbles: true, composed: true}))""")
    page.wait_for_function(
        "() => window.card.shadowRoot.querySelector('[data-field=latitude]').value === '-7.48'")
    assert in_card(page, field("longitude"), "value") == "112.44"
    type_in(page, field("tier"), "live")
    wait_for(page, field("frigate_url"))
    assert in_card(page, field("frigate_password"), "type") == "password"
    assert in_card(page, field("stream_url", 0)) is None
    assert in_card(page, field("frigate_verify_ssl"), "checked") is True
    type_in(page, field("frigate_url"), "https://192.168.10.20:8971")
    type_in(page, field("frigate_username"), "ncc")
    type_in(page, field("frigate_password"), SECRET)
    type_in(page, field("frigate_verify_ssl"), False)
    type_in(page, field("frigate_camera", 0), "parkir_depan")
    click(page, "[data-action=submit]")
    page.wait_for_function("() => window.nccServices.length === 1")
    data = services(page)[0]["data"]
    assert "received_by_agency_id" not in data
    assert (data["latitude"], data["longitude"], data["tier"]) == (-7.48, 112.44, "live")
    assert {key: data[key] for key in data if key.startswith("frigate_")} == {
        "frigate_url": "https://192.168.10.20:8971", "frigate_username": "ncc",
        "frigate_password": SECRET, "frigate_verify_ssl": False}
    assert data["cameras"][0]["frigate_camera"] == "parkir_depan"
    assert "stream_url" not in data["cameras"][0]


@pytest.mark.parametrize(
    "me",
    [
        {**CLERK, "role": "viewer"},
        {**CLERK, "agency_id": "polres", "agency": POLRES},
        None,  # ncc/me refused
    ],
)
def test_only_those_who_may_file_see_the_form(page: Page, me: dict[str, Any] | None) -> None:
    answers(page, {"ncc/registrations/list": LISTED,
                   "ncc/me": me if me is not None else {"error": {"code": "unauthorized"}}})
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "select[data-change=state]")
    assert in_card(page, "[data-action=new]") is None


def test_the_front_desk_follows_its_applications_without_deciding(page: Page) -> None:
    answers(page, {"ncc/me": CLERK, "ncc/registrations/list": {"registrations": [REGISTRATION]},
                   "ncc/registrations/get": {"registration": DETAIL}, "ncc/cameras": CAMERAS})
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "tr[data-id]", 1)
    click(page, "tr[data-id]")
    wait_for(page, "ncc-map")
    assert "Jl. Majapahit 1" in shadow_text(page)
    assert in_card(page, "[data-action=decide]") is None


def test_going_back_drops_the_draft(page: Page) -> None:
    open_form(page, CLERK)
    type_in(page, field("business_name"), "Toko Maju")
    click(page, "[data-action=back]")
    wait_for(page, "[data-action=new]")
    click(page, "[data-action=new]")
    wait_for(page, "[data-role=form]")
    assert in_card(page, field("business_name"), "value") == ""
