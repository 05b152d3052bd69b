"""The footage intake card in Chromium, against a stand-in `hass` (see harness.js)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.frontend.test_cards import (
    ADMIN,
    AGENCIES,
    CAMERAS,
    OPERATOR,
    answers,
    build,
    calls,
    click,
    ids,
    in_card,
    mount_card,
    shadow_text,
    wait_for,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page  # the tests hold a proxy of one, see conftest

pytestmark = pytest.mark.browser

MODULE, TAG = "ncc-footage-intake-card.js", "ncc-footage-intake-card"
REQUESTABLE = {"dishub/simpang_1", "dishub/simpang_2", "registry/mall"}
# the Dishub operator may request Dishub's cameras and, by a grant, the registered mall's
CAMERA_LIST = {"cameras": [
    {**cam, "privileges": [*cam["privileges"], *(["request_export"] if cam["id"] in REQUESTABLE else [])]}
    for cam in CAMERAS["cameras"]
]}
ANSWER = {
    "request_id": "FR-2026-0007", "state": "open", "due": None,
    "parts": [
        {"part_id": "P1", "camera_id": "dishub/simpang_1", "camera_name": "Simpang 1",
         "owner_agency_id": "dishub", "registry_only": False, "distance_m": None,
         "footage": "available", "recorded_s": 600.0, "overwrite_at": "2026-12-02T02:00:00+00:00",
         "preservation": "exporting", "export_id": "simpang_1_x", "problem": None, "decision": None},
        {"part_id": "P2", "camera_id": "registry/mall", "camera_name": "Mall",
         "owner_agency_id": "diskominfo", "registry_only": True, "distance_m": None,
         "footage": "no_feed", "recorded_s": 0.0, "overwrite_at": None,
         "preservation": "owner_contacted", "export_id": None, "problem": None, "decision": None},
    ],
}
REFERENCE_REQUIRED = {"error": {
    "code": "invalid_format", "message": "A reference is required", "translation_domain": "ncc",
    "translation_key": "footage_reference_required",
    "translation_placeholders": {"basis": "law_enforcement"}}}


def type_in(page: Page, selector: str, value: str) -> None:
    """Type into a field of the card as a user does: the value, then an `input` event."""
    page.evaluate("""([s, v]) => {
        const el = window.card.shadowRoot.querySelector(s);
        el.value = v;
        el.dispatchEvent(new Event('input', {bubbles: true, composed: true}));
    }""", [selector, value])


def alert_says(page: Page, text: str) -> None:
    page.wait_for_function(
        "t => (window.card.shadowRoot.querySelector('[role=alert]') || {}).textContent === t", arg=text)


def requester(page: Page) -> None:
    for field, value in (("requester_name", "Bripka Agus"), ("requester_identity_number", "3507123456789012"),
                         ("requester_organisation", "Polres"), ("requester_phone", "+62 812 3456 7890"),
                         ("purpose", "Tabrak lari"), ("requester_kind", "police"),
                         ("incident_type", "traffic_accident"), ("legal_basis", "law_enforcement")):
        type_in(page, f"[data-field={field}]", value)


def test_intake_picks_cameras_and_submits_through_the_websocket_command(page: Page) -> None:
    page.evaluate("""() => { window.nccTranslations.en = {
        'component.ncc.exceptions.footage_reference_required.message':
          'A {basis} request needs a reference (letter or case number).'}; }""")
    answers(page, {"ncc/cameras": CAMERA_LIST, "ncc/agencies": AGENCIES,
                   "ncc/footage/request": [REFERENCE_REQUIRED, ANSWER]})
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "[data-action=expand]")
    click(page, "[data-action=expand]")
    wait_for(page, "[data-role=camera-list]")
    # only the cameras the user may request, registry-only ones marked
    assert ids(page, "label.pick", "camera") == ["registry/mall", "dishub/simpang_1", "dishub/simpang_2"]
    assert in_card(page, "label[data-camera=\"registry/mall\"] [data-role=private]") is not None
    assert in_card(page, "label[data-camera=\"dishub/simpang_1\"] [data-role=private]") is None
    type_in(page, "[data-field=filter]", "simpang_2")
    assert ids(page, "label.pick", "camera") == ["dishub/simpang_2"]
    type_in(page, "[data-field=filter]", "")

    requester(page)
    click(page, "[data-action=submit]")
    alert_says(page, "Give the start and the end of the footage window.")
    type_in(page, "[data-field=start]", "2026-11-22T09:00")
    type_in(page, "[data-field=end]", "2026-11-22T09:10")
    click(page, "[data-action=submit]")
    alert_says(page, "Tick at least one camera.")
    assert calls(page, "ncc/footage/request") == []

    click(page, "input[data-camera=\"dishub/simpang_1\"]")
    click(page, "input[data-camera=\"registry/mall\"]")
    assert in_card(page, "[data-role=selected]") == "2 selected"
    # the server refuses: its translated message, and nothing typed is lost
    click(page, "[data-action=submit]")
    alert_says(page, "A law_enforcement request needs a reference (letter or case number).")
    assert in_card(page, "[data-field=requester_name]", "value") == "Bripka Agus"
    assert in_card(page, "input[data-camera=\"registry/mall\"]", "checked") is True
    type_in(page, "[data-field=reference]", "B/123/XI/2026")
    click(page, "[data-action=submit]")
    wait_for(page, "[data-role=result]")
    sent = calls(page, "ncc/footage/request")
    assert len(sent) == 2
    assert sent[1] == {
        "type": "ncc/footage/request", "requester_name": "Bripka Agus",
        "requester_identity_number": "3507123456789012", "requester_organisation": "Polres",
        "requester_phone": "+62 812 3456 7890", "requester_email": "", "purpose": "Tabrak lari",
        "reference": "B/123/XI/2026", "requester_kind": "police", "incident_type": "traffic_accident",
        "legal_basis": "law_enforcement", "start": "2026-11-22T09:00", "end": "2026-11-22T09:10",
        "camera_ids": ["dishub/simpang_1", "registry/mall"],
    }
    # never an action call: those land in Home Assistant's recorder with the identity number
    assert page.evaluate("() => window.nccServices") == []
    text = shadow_text(page)
    assert "Request FR-2026-0007 registered" in text
    gate = in_card(page, "tr[data-result-part=\"dishub/simpang_1\"]")
    assert "Available" in gate
    assert "2 Dec 2026" in gate  # the overwrite date, in the city's time zone
    assert "Exporting" in gate
    mall = in_card(page, "tr[data-result-part=\"registry/mall\"]")
    assert "Owner contacted" in mall
    assert "its owner is asked" in mall
    # what was typed is gone: the next request starts empty
    click(page, "[data-action=another]")
    wait_for(page, "[data-role=intake]")
    assert in_card(page, "[data-field=requester_identity_number]", "value") == ""
    assert in_card(page, "[data-role=selected]") == "0 selected"


def test_intake_around_a_place_in_bahasa_indonesia(page: Page) -> None:
    page.evaluate("""() => { window.nccTranslations.id = {
        'component.ncc.exceptions.footage_radius_too_large.message':
          'Radius paling besar {max_m} m.'}; }""")
    suggested = {"cameras": [
        {"camera_id": "dishub/simpang_1", "name": "Simpang 1", "owner_agency_id": "dishub",
         "registry_only": False, "distance_m": 12.4},
        {"camera_id": "registry/mall", "name": "Mall", "owner_agency_id": "diskominfo",
         "registry_only": True, "distance_m": 80.0},
    ], "max_cameras": 20}
    answers(page, {
        "ncc/cameras": CAMERA_LIST, "ncc/agencies": AGENCIES,
        "ncc/footage/suggest_cameras": [{"error": {
            "code": "invalid_format", "message": "too wide", "translation_domain": "ncc",
            "translation_key": "footage_radius_too_large", "translation_placeholders": {"max_m": "500"}}},
            suggested],
        "ncc/footage/request": ANSWER,
    })
    mount_card(page, MODULE, TAG, {"agency_id": "dishub"}, "id")
    wait_for(page, "[data-action=expand]")
    click(page, "[data-action=expand]")
    wait_for(page, "[data-role=camera-list]")
    # in an agency's view: that agency's cameras to pick from
    assert ids(page, "label.pick", "camera") == ["dishub/simpang_1", "dishub/simpang_2"]
    click(page, "input[data-camera=\"dishub/simpang_2\"]")
    click(page, "input[data-change=mode][value=place]")
    wait_for(page, "[data-action=find]")
    assert in_card(page, "[data-role=selected]") == "0 dipilih"  # a new way of choosing starts empty
    click(page, "[data-action=find]")
    alert_says(page, "Isi lintang, bujur dan radius.")
    for field, value in (("latitude", "-7.47"), ("longitude", "112.43"), ("radius_m", "5000")):
        type_in(page, f"[data-field={field}]", value)
    click(page, "[data-action=find]")
    alert_says(page, "Radius paling besar 500 m.")
    type_in(page, "[data-field=radius_m]", "150")
    click(page, "[data-action=find]")
    wait_for(page, "[data-role=suggested] label.pick", 2)
    assert calls(page, "ncc/footage/suggest_cameras")[1] == {
        "type": "ncc/footage/suggest_cameras", "latitude": -7.47, "longitude": 112.43, "radius_m": 150}
    assert "2 kamera yang boleh Anda minta dalam 150 m" in shadow_text(page)
    assert "12 m" in in_card(page, "label[data-camera=\"dishub/simpang_1\"]")
    assert "pemiliknya dimintai rekaman" in in_card(page, "label[data-camera=\"registry/mall\"]")
    assert in_card(page, "[data-field=latitude]", "value") == "-7.47"
    requester(page)
    type_in(page, "[data-field=reference]", "B/9")
    type_in(page, "[data-field=start]", "2026-11-22T09:00")
    type_in(page, "[data-field=end]", "2026-11-22T09:10")
    click(page, "input[data-camera=\"registry/mall\"]")
    click(page, "[data-action=submit]")
    wait_for(page, "[data-role=result]")
    (sent,) = calls(page, "ncc/footage/request")
    # the ticked cameras, and the place kept with the request
    assert sent["camera_ids"] == ["registry/mall"]
    assert (sent["latitude"], sent["longitude"], sent["radius_m"]) == (-7.47, 112.43, 150)
    assert "Permintaan FR-2026-0007 dicatat" in shadow_text(page)
    assert "Pemilik dihubungi" in in_card(page, "tr[data-result-part=\"registry/mall\"]")


def test_intake_says_so_where_nothing_may_be_requested(page: Page) -> None:
    answers(page, {"ncc/cameras": CAMERA_LIST, "ncc/agencies": AGENCIES})
    mount_card(page, MODULE, TAG, {"agency_id": "polres"})
    wait_for(page, "[data-role=nothing]")
    assert in_card(page, "[data-action=expand]") is None
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "[data-action=expand]")
    # NCC without footage requests: the card says so
    answers(page, {"ncc/cameras": {"error": {"code": "unknown_command", "message": "Unknown command."}}})
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "[data-role=unavailable]")
    assert "Not available" in shadow_text(page)


def intake_cards(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The intake cards of a view, however deep they are stacked."""
    found = []
    stack = list(view["cards"])
    while stack:
        card = stack.pop(0)
        if card["type"] == "custom:ncc-footage-intake-card":
            found.append(card)
        stack.extend(card.get("cards", []))
    return found


def test_strategy_offers_the_intake_where_the_user_may_request(page: Page) -> None:
    answers(page, {"ncc/me": ADMIN, "ncc/agencies": AGENCIES})
    views = {view["path"]: view for view in build(page)["views"]}
    assert intake_cards(views["requests"]) == [{"type": "custom:ncc-footage-intake-card"}]
    for agency in ("diskominfo", "dishub"):
        assert intake_cards(views[f"agency-{agency}"]) == [
            {"type": "custom:ncc-footage-intake-card", "agency_id": agency}]
    assert intake_cards(views["overview"]) == []
    answers(page, {"ncc/me": {**OPERATOR, "role": "viewer"}})
    viewer = build(page)["views"]
    assert [view["path"] for view in viewer] == ["overview", "cameras", "agency-diskominfo",
                                                 "agency-dishub", "requests", "incidents"]
    assert all(intake_cards(view) == [] for view in viewer)
    assert page.evaluate("() => Boolean(customElements.get('ncc-footage-intake-card'))")
