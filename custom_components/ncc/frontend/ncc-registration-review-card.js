// Private camera registrations: the list, one application with its location on the map among
// the city's cameras, and the reviewer's decisions (start review, approve, reject, suspend).
import {
  HEALTH_COLORS, NccCard, announceCard, callWS, define, esc, formatTime, options,
} from "./ncc-common.js";
import "./ncc-map.js";

const STATES = ["submitted", "under_review", "approved", "active", "suspended", "rejected", "expired", "withdrawn"];
const PENDING = "pending";
const APPLICANT_COLOR = "#d81b60";

class NccRegistrationReviewCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_registrations";
    this.state = PENDING;
    this.selected = null;
  }

  busy() {
    return Boolean(this.selected);
  }

  async load() {
    const query = this.state && this.state !== PENDING ? { state: this.state } : {};
    const listed = await callWS(this.hass, "ncc/registrations/list", query);
    this.registrations = this.state === PENDING
      ? listed.registrations.filter((reg) => reg.state === "submitted" || reg.state === "under_review")
      : listed.registrations;
  }

  async open(id) {
    const [found, cameras] = await Promise.all([
      this.act(() => callWS(this.hass, "ncc/registrations/get", { registration_id: id })),
      callWS(this.hass, "ncc/cameras").catch(() => ({ cameras: [] })),
    ]);
    if (found) {
      this.selected = found.registration;
      this.cityCameras = cameras.cameras;
      this.render();
    }
  }

  reason() {
    const field = this.shadowRoot.querySelector("textarea[name=reason]");
    return field ? field.value.trim() : "";
  }

  async decide(decision) {
    const id = this.selected.id;
    const reason = this.reason();
    if ((decision === "reject" || decision === "suspend") && !reason) {
      this.error = this.t("registrations_reason_required");
      this.render();
      return;
    }
    const result = await this.act(() => (decision === "suspend"
      ? this.hass.callService("ncc", "suspend_registration", { registration_id: id, reason, by: "city" })
      : callWS(this.hass, "ncc/registrations/review", { registration_id: id, decision, reason })),
    "registrations_done");
    if (result !== undefined) {
      await this.open(id);
      this.message = this.t("registrations_done");
      this.render();
    }
  }

  css() {
    return `
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0; }
      dt { color: var(--secondary-text-color, #666); }
      .split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
      @media (max-width: 800px) { .split { grid-template-columns: 1fr; } }
    `;
  }

  renderList() {
    const stateOptions = [[PENDING, this.t("registrations_pending")], ["", this.t("all")],
      ...STATES.map((s) => [s, this.t(`reg_state_${s}`)])];
    const rows = (this.registrations || []).map((reg) => `
      <tr class="clickable" data-action="open" data-id="${esc(reg.id)}">
        <td>${esc(reg.id)}</td><td>${esc(reg.business_name)}</td><td>${esc(this.t(`tier_${reg.tier}`))}</td>
        <td>${reg.cameras}</td><td><span class="badge">${esc(this.t(`reg_state_${reg.state}`))}</span></td>
        <td>${esc(formatTime(this.hass, reg.submitted_at))}</td>
      </tr>`).join("");
    return `
      <div class="row"><label>${esc(this.t("registrations_status"))}
        <select data-change="state">${options(stateOptions, this.state)}</select></label></div>
      <table>
        <tr><th>ID</th><th>${esc(this.t("registrations_applicant"))}</th><th>${esc(this.t("registrations_tier"))}</th>
          <th>${esc(this.t("registrations_cameras"))}</th><th>${esc(this.t("registrations_status"))}</th>
          <th>${esc(this.t("registrations_submitted"))}</th></tr>
        ${rows || `<tr><td colspan="6" class="muted">${esc(this.t("nothing"))}</td></tr>`}
      </table>`;
  }

  renderDetail() {
    const reg = this.selected;
    const app = reg.application;
    const contact = app.contact || {};
    const cameras = app.cameras.map((cam) => `<tr>
        <td>${esc(cam.name)}</td><td>${esc(cam.views)}</td>
        <td>${esc(cam.area_type ? this.t(`area_${cam.area_type}`) : "–")}</td>
        <td>${cam.bearing ?? "–"}</td><td>${esc(cam.camera_id || "")}</td></tr>`).join("");
    const buttons = [];
    if (reg.state === "submitted") {
      buttons.push(`<button class="primary" data-action="decide" data-decision="start_review">${esc(this.t("registrations_start_review"))}</button>`);
    }
    if (reg.state === "under_review") {
      buttons.push(`<button class="primary" data-action="decide" data-decision="approve">${esc(this.t("registrations_approve"))}</button>`);
      buttons.push(`<button data-action="decide" data-decision="reject">${esc(this.t("registrations_reject"))}</button>`);
    }
    if (reg.state === "active") {
      buttons.push(`<button data-action="decide" data-decision="suspend">${esc(this.t("registrations_suspend"))}</button>`);
    }
    const decide = buttons.length ? `
      <label>${esc(this.t("registrations_reason"))}<textarea name="reason" rows="2"></textarea></label>
      <div class="row">${buttons.join("")}</div>` : "";
    return `
      <div class="row"><button data-action="back">${esc(this.t("registrations_back"))}</button>
        <strong>${esc(reg.id)}</strong><span class="badge" data-role="state">${esc(this.t(`reg_state_${reg.state}`))}</span></div>
      <div class="split">
        <div>
          <dl>
            <dt>${esc(this.t("registrations_applicant"))}</dt><dd>${esc(app.business_name)} (${esc(app.legal_entity)})</dd>
            <dt>${esc(this.t("registrations_contact"))}</dt><dd>${esc(contact.name || "")} ${esc(contact.phone || "")} ${esc(contact.email || "")}</dd>
            <dt>${esc(this.t("registrations_address"))}</dt><dd>${esc(app.address)}</dd>
            <dt>${esc(this.t("registrations_tier"))}</dt><dd>${esc(this.t(`tier_${app.tier}`))}</dd>
            <dt>${esc(this.t("registrations_period"))}</dt><dd>${esc(app.valid_from)} – ${esc(app.valid_until)}</dd>
            <dt>${esc(this.t("registrations_submitted"))}</dt><dd>${esc(formatTime(this.hass, reg.submitted_at))}</dd>
          </dl>
          <table><tr><th>${esc(this.t("registrations_cameras"))}</th><th>${esc(this.t("registrations_views"))}</th>
            <th>${esc(this.t("wall_area"))}</th><th>°</th><th></th></tr>${cameras}</table>
          ${decide}
        </div>
        <ncc-map></ncc-map>
      </div>`;
  }

  render() {
    const title = this._config.title || this.t("registrations_title");
    if (!this.registrations && !this.selected) {
      this.shadowRoot.innerHTML = this.frame(title, this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    this.shadowRoot.innerHTML = this.frame(title, this.selected ? this.renderDetail() : this.renderList());
    const map = this.shadowRoot.querySelector("ncc-map");
    if (map) {
      const app = this.selected.application;
      const around = (this.cityCameras || []).filter((cam) => cam.location).map((cam) => ({
        id: cam.id, lat: cam.location[0], lon: cam.location[1], fill: HEALTH_COLORS.no_feed, ring: "#fff", label: cam.name,
      }));
      map.points = [...around, {
        id: this.selected.id, lat: app.latitude, lon: app.longitude, fill: APPLICANT_COLOR, ring: "#fff",
        label: app.business_name,
      }];
    }
  }

  onChange(name, element) {
    if (name === "state") {
      this.state = element.value;
      this.reload();
    }
  }

  onAction(action, element) {
    if (action === "open") {
      this.open(element.dataset.id);
    } else if (action === "back") {
      this.selected = null;
      this.message = "";
      this.reload();
    } else if (action === "decide") {
      this.decide(element.dataset.decision);
    }
  }

  getCardSize() {
    return 8;
  }
}
define("ncc-registration-review-card", NccRegistrationReviewCard);
announceCard("ncc-registration-review-card", "NCC registration review", "Review private camera registrations.");
