"""The routing rules card: city administrators list, switch, edit, create and delete rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.frontend.test_cards import (
    ADMIN,
    AGENCIES,
    CAMERAS,
    OPERATOR,
    SITES,
    answers,
    build,
    calls,
    click,
    fill,
    ids,
    in_card,
    mount_card,
    shadow_text,
    wait_for,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

MODULE, TAG = "ncc-routing-rules-card.js", "ncc-routing-rules-card"


def rule(rule_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """A rule as `ncc/routing/list` answers it."""
    return {
        "id": rule_id, "name": name, "enabled": True, "labels": [], "sub_labels": [], "severities": [],
        "zones": [], "require_zone": False, "camera_ids": [], "site_ids": [], "owner_agency_ids": [],
        "time_window": None, "min_objects": None, "target_agency_ids": [], "notify_camera_agencies": False,
        "cooldown_seconds": 300, "escalate_after_minutes": None, "escalate_to": [], **fields,
    }


DEFAULT = rule("default", "Alerts to the camera's owner and shared agencies", severities=["alert"],
               notify_camera_agencies=True, escalate_after_minutes=15)
NIGHT = rule("night_person", "Person in the park at night", enabled=False, labels=["person"],
             zones=["taman"], require_zone=True, site_ids=["alun-alun"],
             time_window={"after": "22:00:00", "before": "05:00:00"}, target_agency_ids=["polres"],
             cooldown_seconds=600, escalate_after_minutes=10, escalate_to=["dishub"])
RULES = {"rules": [DEFAULT, NIGHT]}
LOOKUPS = {"ncc/me": ADMIN, "ncc/agencies": AGENCIES, "ncc/sites": SITES, "ncc/cameras": CAMERAS}


def toggle(page: Page, selector: str, checked: bool) -> None:
    """Tick or untick a checkbox of the card as a user would (a change event follows)."""
    page.evaluate("""([s, on]) => { const box = window.card.shadowRoot.querySelector(s);
        box.checked = on; box.dispatchEvent(new Event('change', {bubbles: true})); }""", [selector, checked])


def select(page: Page, name: str, values: list[str]) -> None:
    """Choose exactly `values` in the card's multiple-choice list `name`."""
    page.evaluate("""([n, vs]) => {
        for (const o of window.card.shadowRoot.querySelector(`[name=${n}]`).options) {
          o.selected = vs.includes(o.value); } }""", [name, values])


def tick(page: Page, name: str, values: list[str]) -> None:
    """Tick exactly `values` among the card's checkboxes called `name`."""
    page.evaluate("""([n, vs]) => { for (const b of window.card.shadowRoot.querySelectorAll(`[name=${n}]`)) {
        b.checked = vs.includes(b.value); } }""", [name, values])


def test_rules_are_listed_switched_edited_created_and_deleted(page: Page) -> None:
    created = rule("smoke", "Smoke", labels=["smoke"], target_agency_ids=["dishub"])
    answers(page, {
        **LOOKUPS,
        "ncc/routing/list": [RULES, RULES, {"rules": [DEFAULT, NIGHT, created]}, RULES],
        "ncc/routing/set": [{"rule": {**NIGHT, "enabled": True}}, {"rule": NIGHT}, {"rule": created}],
        "ncc/routing/delete": {"rule": created},
    })
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "tr[data-rule]", 2)
    # what each rule matches and whom it alerts, in words and names rather than ids
    night = 'tr[data-rule="night_person"]'
    assert in_card(page, f"{night} [data-role=matches]") == (
        "Labels: person · Zones: taman · in a zone · Sites: Alun-alun · 22:00–05:00")
    assert in_card(page, f"{night} [data-role=targets]") == "POLRES (escalates after 10 min → DISHUB)"
    assert in_card(page, 'tr[data-rule="default"] [data-role=matches]') == "Severity: Alert"
    assert in_card(page, 'tr[data-rule="default"] [data-role=targets]') == (
        "the camera's agencies (escalates after 15 min)")
    assert in_card(page, f"{night} input[data-change=enabled]", "checked") is False
    # the default rule can be switched off and edited, never deleted
    assert ids(page, "[data-action=delete]", "id") == ["night_person"]

    toggle(page, f"{night} input[data-change=enabled]", True)
    page.wait_for_function(
        "() => window.card.shadowRoot.querySelector('tr[data-rule=\"night_person\"]').className === ''")
    assert calls(page, "ncc/routing/set") == [
        {"type": "ncc/routing/set", "rule_id": "night_person", "enabled": True}]
    assert "Rule saved." in shadow_text(page)

    # editing shows the rule as it is and sends every field back
    click(page, f'{night} [data-action=edit]')
    wait_for(page, "[data-role=editor]")
    assert in_card(page, "[name=labels]", "value") == "person"
    assert in_card(page, "[name=time_after]", "value") == "22:00"
    assert in_card(page, "[name=escalate_to]", "value") == "DISHUB"
    assert page.evaluate("() => [...window.card.shadowRoot.querySelector('[name=site_ids]').selectedOptions]"
                         ".map(o => o.value)") == ["alun-alun"]
    fill(page, "[name=labels]", "person, bicycle ")
    fill(page, "[name=sub_labels]", "")
    select(page, "camera_ids", ["dishub/simpang_1"])
    tick(page, "severities", ["alert"])
    tick(page, "owner_agency_ids", ["dishub"])
    tick(page, "target_agency_ids", ["polres", "diskominfo"])
    fill(page, "[name=min_objects]", "3")
    fill(page, "[name=escalate_to]", "dishub, POLRES")
    click(page, "[data-action=save]")
    wait_for(page, "tr[data-rule]", 2)
    assert calls(page, "ncc/routing/set")[1] == {
        "type": "ncc/routing/set", "rule_id": "night_person", "name": "Person in the park at night",
        "enabled": True, "labels": ["person", "bicycle"], "sub_labels": [], "severities": ["alert"],
        "zones": ["taman"], "require_zone": True, "camera_ids": ["dishub/simpang_1"],
        "site_ids": ["alun-alun"],
        "owner_agency_ids": ["dishub"], "time_after": "22:00", "time_before": "05:00", "min_objects": 3,
        "target_agency_ids": ["diskominfo", "polres"], "notify_camera_agencies": False,
        "cooldown_seconds": 600, "escalate_after_minutes": 10, "escalate_to": ["dishub", "polres"],
    }

    # a new rule: an unknown agency code is caught before anything is sent
    click(page, "[data-action=new]")
    wait_for(page, "[data-role=editor]")
    assert in_card(page, "[name=name]", "value") == ""
    assert in_card(page, "[name=cooldown_seconds]", "value") == "300"
    fill(page, "[name=name]", "Smoke")
    fill(page, "[name=labels]", "smoke")
    tick(page, "target_agency_ids", ["dishub"])
    fill(page, "[name=escalate_to]", "DAMKAR")
    click(page, "[data-action=save]")
    wait_for(page, "[role=alert]")
    assert in_card(page, "[role=alert]") == "There is no agency with the code DAMKAR."
    assert len(calls(page, "ncc/routing/set")) == 2
    assert in_card(page, "[name=name]", "value") == "Smoke"  # the form keeps what was typed
    fill(page, "[name=escalate_to]", "")
    click(page, "[data-action=save]")
    wait_for(page, "tr[data-rule]", 3)
    sent = calls(page, "ncc/routing/set")[2]
    assert "rule_id" not in sent
    assert (sent["name"], sent["labels"], sent["target_agency_ids"], sent["escalate_to"]) == (
        "Smoke", ["smoke"], ["dishub"], [])
    assert (sent["time_after"], sent["min_objects"], sent["escalate_after_minutes"]) == (None, None, None)

    # deleting asks first
    click(page, 'tr[data-rule="smoke"] [data-action=delete]')
    wait_for(page, "[data-action=confirm-delete]")
    assert 'Delete the rule "Smoke"?' in shadow_text(page)
    assert calls(page, "ncc/routing/delete") == []
    click(page, "[data-action=confirm-delete]")
    wait_for(page, "tr[data-rule]", 2)
    assert calls(page, "ncc/routing/delete") == [{"type": "ncc/routing/delete", "rule_id": "smoke"}]
    assert "Rule deleted." in shadow_text(page)


def test_refusals_are_translated_and_leave_the_form_as_typed(page: Page) -> None:
    refusal = {"code": "invalid_format", "message": "Give both ends of the time window.",
               "translation_domain": "ncc", "translation_key": "routing_time_window_incomplete",
               "translation_placeholders": {"field": "time_after"}}
    answers(page, {
        **LOOKUPS, "ncc/routing/list": RULES,
        "ncc/routing/set": [{"error": refusal}, {"error": {
            **refusal, "code": "unauthorized", "translation_key": "permission_denied_city",
            "message": "Not allowed",
        }}],
        "ncc/routing/delete": {"error": {**refusal, "translation_key": "routing_rule_not_found",
                                         "message": "There is no routing rule night_person."}},
    })
    page.evaluate("""() => { window.nccTranslations.id = {
        'component.ncc.exceptions.routing_time_window_incomplete.message':
          'Isi kedua ujung rentang waktu ({field}).',
        'component.ncc.exceptions.permission_denied_city.message': 'Hanya admin kota.' }; }""")
    mount_card(page, MODULE, TAG, {}, "id")
    wait_for(page, "tr[data-rule]", 2)
    assert "Aturan penerusan" in shadow_text(page)
    assert in_card(page, 'tr[data-rule="default"] [data-role=matches]') == "Tingkat: Peringatan"
    click(page, 'tr[data-rule="night_person"] [data-action=edit]')
    wait_for(page, "[data-role=editor]")
    fill(page, "[name=time_before]", "")
    fill(page, "[name=zones]", "taman, parkir")
    click(page, "[data-action=save]")
    wait_for(page, "[role=alert]")
    assert in_card(page, "[role=alert]") == "Isi kedua ujung rentang waktu (time_after)."
    assert in_card(page, "[name=zones]", "value") == "taman, parkir"
    assert in_card(page, "[name=time_after]", "value") == "22:00"
    click(page, "[data-action=cancel]")
    wait_for(page, "tr[data-rule]", 2)
    # a refused switch leaves the rule as the server has it
    toggle(page, 'tr[data-rule="default"] input[data-change=enabled]', False)
    page.wait_for_function("() => window.card.shadowRoot.querySelector('[role=alert]')")
    assert in_card(page, "[role=alert]") == "Hanya admin kota."
    assert in_card(page, 'tr[data-rule="default"] input[data-change=enabled]', "checked") is True
    # no translation at hand: the server's own message
    click(page, 'tr[data-rule="night_person"] [data-action=delete]')
    click(page, "[data-action=confirm-delete]")
    page.wait_for_function("() => window.nccCalls.some(c => c.type === 'ncc/routing/delete')")
    page.wait_for_function("() => !window.card.shadowRoot.querySelector('[data-action=confirm-delete]')")
    assert in_card(page, "[role=alert]") == "There is no routing rule night_person."
    assert ids(page, "tr[data-rule]", "rule") == ["default", "night_person"]


def test_other_users_read_the_rules_that_concern_them(page: Page) -> None:
    answers(page, {**LOOKUPS, "ncc/me": OPERATOR, "ncc/routing/list": {"rules": [NIGHT]}})
    mount_card(page, MODULE, TAG, {"title": "Aturan"})
    wait_for(page, "tr[data-rule]", 1)
    assert "Only city administrators change routing rules." in shadow_text(page)
    assert in_card(page, "[data-action=new]") is None
    assert in_card(page, "[data-action=edit]") is None
    assert in_card(page, "input[data-change=enabled]", "disabled") is True


def test_the_card_says_when_the_server_has_no_routing_rules(page: Page) -> None:
    answers(page, {**LOOKUPS})  # an NCC without the routing commands
    mount_card(page, MODULE, TAG, {})
    wait_for(page, "[data-role=unavailable]")
    assert "incidents" in shadow_text(page)


def test_the_incidents_view_holds_the_rules_editor_for_city_administrators(page: Page) -> None:
    answers(page, {"ncc/me": ADMIN, "ncc/agencies": AGENCIES})
    views = {view["path"]: view for view in build(page)["views"]}
    [stack] = views["incidents"]["cards"]
    assert [card["type"] for card in stack["cards"]] == [
        "custom:ncc-incident-list-card", "custom:ncc-routing-rules-card"]
    assert page.evaluate("() => Boolean(customElements.get('ncc-routing-rules-card'))")
    answers(page, {"ncc/me": OPERATOR})
    views = {view["path"]: view for view in build(page)["views"]}
    assert views["incidents"]["cards"] == [{"type": "custom:ncc-incident-list-card"}]
