// Incidents: the routed alerts an agency handles. Acknowledge, close with a note, and jump to
// the camera (its live view, when the user may watch it).
import {
  NccCard, announceCard, callWS, define, esc, formatTime, isUnknownCommand, options,
} from "./ncc-common.js";
import { openCamera } from "./ncc-camera-wall-card.js";

const STATUSES = ["open", "acknowledged", "closed"];
const SEVERITY_COLORS = { alert: "#c62828", detection: "#ef6c00" };

class NccIncidentListCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_incidents";
    this.closing = null;
    this._unsubscribe = null;
  }

  setConfig(config) {
    super.setConfig(config);
    // one status or a list of them; empty: all
    this.status = [].concat(config.status || []).join(",");
  }

  refreshSeconds() {
    return 20;
  }

  busy() {
    return Boolean(this.closing);
  }

  limit() {
    return Math.max(1, Number(this._config.limit) || 50);
  }

  _start() {
    super._start();
    this.subscribe();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    if (this._unsubscribe) {
      this._unsubscribe.then((unsubscribe) => unsubscribe && unsubscribe()).catch(() => {});
      this._unsubscribe = null;
    }
  }

  subscribe() {
    const connection = this.hass && this.hass.connection;
    if (!connection || this._unsubscribe || typeof connection.subscribeMessage !== "function") {
      return;
    }
    // changes arrive as events; the list is read again rather than patched
    this._unsubscribe = connection
      .subscribeMessage(() => { if (!this.busy()) { this.reload(); } }, { type: "ncc/incidents/subscribe" })
      .catch((err) => {
        if (!isUnknownCommand(err)) {
          this.error = err.message || String(err);
        }
        return null;
      });
  }

  async load() {
    const query = { limit: this.limit() };
    if (this._config.agency_id) {
      query.agency_id = this._config.agency_id;
    }
    if (this.status) {
      query.status = this.status.split(",");
    }
    const listed = await callWS(this.hass, "ncc/incidents/list", query);
    this.incidents = listed.incidents;
    this.total = listed.total;
  }

  async acknowledge(id) {
    if (await this.act(() => callWS(this.hass, "ncc/incidents/acknowledge", { incident_id: id }), "incidents_done")) {
      await this.reload();
    }
  }

  async close(id) {
    const field = this.shadowRoot.querySelector("textarea[name=note]");
    const note = field ? field.value.trim() : "";
    if (!note) {
      this.error = this.t("incidents_note_required");
      this.render();
      return;
    }
    const done = await this.act(
      () => callWS(this.hass, "ncc/incidents/close", { incident_id: id, note }), "incidents_done",
    );
    if (done) {
      this.closing = null;
      await this.reload();
    }
  }

  async showCamera(cameraId) {
    const listed = await this.act(() => callWS(this.hass, "ncc/cameras"));
    const camera = listed && listed.cameras.find((cam) => cam.id === cameraId);
    if (camera) {
      openCamera(this.hass, camera);
    }
  }

  css() {
    return `.snap { display: block; width: 96px; aspect-ratio: 16 / 9; object-fit: cover; border-radius: 4px;
      margin-bottom: 4px; background: #111; }`;
  }

  render() {
    const title = this._config.title || this.t("incidents_title");
    if (!this.incidents) {
      this.shadowRoot.innerHTML = this.frame(title, this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const filter = this._config.status ? "" : `<div class="row"><label>${esc(this.t("incidents_status"))}
      <select data-change="status">${options([["", this.t("all")], ...STATUSES.map((s) => [s, this.t(`incident_${s}`)])], this.status)}</select></label></div>`;
    const rows = this.incidents.map((inc) => {
      const closing = this.closing === inc.id ? `<tr><td colspan="5">
          <label>${esc(this.t("incidents_note"))}<textarea name="note" rows="2"></textarea></label>
          <div class="row"><button class="primary" data-action="confirm-close" data-id="${esc(inc.id)}">${esc(this.t("incidents_close"))}</button>
          <button data-action="cancel">${esc(this.t("cancel"))}</button></div></td></tr>` : "";
      const actions = [];
      if (inc.status === "open") {
        actions.push(`<button data-action="acknowledge" data-id="${esc(inc.id)}">${esc(this.t("incidents_acknowledge"))}</button>`);
      }
      if (inc.status !== "closed") {
        actions.push(`<button data-action="close" data-id="${esc(inc.id)}">${esc(this.t("incidents_close"))}</button>`);
      }
      actions.push(`<button data-action="camera" data-camera="${esc(inc.camera_id)}">${esc(this.t("incidents_show_camera"))}</button>`);
      const snapshot = inc.snapshot_url ? `<img class="snap" src="${esc(inc.snapshot_url)}" alt="">` : "";
      return `<tr data-incident="${esc(inc.id)}">
          <td>${snapshot}<span class="badge" style="background:${SEVERITY_COLORS[inc.severity] || "#666"}">${esc(inc.label || inc.severity)}</span>
            <div class="muted">${esc(inc.id)} ${esc((inc.agency_codes || []).join(", "))}</div></td>
          <td>${esc(inc.camera_name || inc.camera_id)}</td>
          <td>${esc(formatTime(this.hass, inc.started_at))}</td>
          <td>${esc(this.t(`incident_${inc.status}`))}</td>
          <td><div class="row">${actions.join("")}</div></td>
        </tr>${closing}`;
    }).join("");
    this.shadowRoot.innerHTML = this.frame(title, `${filter}
      <table>
        <tr><th></th><th>${esc(this.t("incidents_camera"))}</th><th>${esc(this.t("incidents_started"))}</th>
          <th>${esc(this.t("incidents_status"))}</th><th></th></tr>
        ${rows || `<tr><td colspan="5" class="muted">${esc(this.t("nothing"))}</td></tr>`}
      </table>`);
  }

  onChange(name, element) {
    if (name === "status") {
      this.status = element.value;
      this.reload();
    }
  }

  onAction(action, element) {
    const id = element.dataset.id;
    if (action === "acknowledge") {
      this.acknowledge(id);
    } else if (action === "close") {
      this.closing = id;
      this.render();
    } else if (action === "cancel") {
      this.closing = null;
      this.render();
    } else if (action === "confirm-close") {
      this.close(id);
    } else if (action === "camera") {
      this.showCamera(element.dataset.camera);
    }
  }

  getCardSize() {
    return 6;
  }
}
define("ncc-incident-list-card", NccIncidentListCard);
announceCard("ncc-incident-list-card", "NCC incidents", "Acknowledge and close incidents, jump to the camera.");
