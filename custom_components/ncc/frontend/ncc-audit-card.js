// The audit log: who did what to which camera, newest first, filtered and paged by the server.
import { NccCard, announceCard, callWS, define, esc, formatTime } from "./ncc-common.js";

class NccAuditCard extends NccCard {
  constructor() {
    super();
    this.filters = { action: "", camera_id: "" };
    this.entries = null;
  }

  refreshSeconds() {
    return 60;
  }

  busy() {
    // keep what the user paged through
    return Boolean(this.entries && this.entries.length > this.limit());
  }

  limit() {
    return Math.min(500, Math.max(1, Number(this._config.limit) || 50));
  }

  query(cursor) {
    const query = { limit: this.limit() };
    if (this._config.agency_id) {
      query.agency_id = this._config.agency_id;
    }
    for (const [key, value] of Object.entries(this.filters)) {
      if (value) {
        query[key] = value;
      }
    }
    if (cursor !== undefined && cursor !== null) {
      query.cursor = cursor;
    }
    return query;
  }

  async load() {
    const page = await callWS(this.hass, "ncc/audit", this.query());
    this.entries = page.entries;
    this.cursor = page.next_cursor;
  }

  async more() {
    const page = await this.act(() => callWS(this.hass, "ncc/audit", this.query(this.cursor)));
    if (page) {
      this.entries = [...this.entries, ...page.entries];
      this.cursor = page.next_cursor;
      this.render();
    }
  }

  render() {
    const title = this._config.title || this.t("audit_title");
    if (!this.entries) {
      this.shadowRoot.innerHTML = this.frame(title, `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const rows = this.entries.map((e) => `<tr data-seq="${e.seq}">
        <td>${esc(formatTime(this.hass, e.timestamp))}</td>
        <td>${esc(e.user_name || e.user_id)}</td>
        <td><code>${esc(e.action)}</code></td>
        <td>${esc(e.target_type)} ${esc(e.target_id)}</td>
        <td>${esc(e.reason || "")}</td>
      </tr>`).join("");
    this.shadowRoot.innerHTML = this.frame(title, `
      <div class="row">
        <input data-field="action" placeholder="${esc(this.t("audit_filter_action"))}" value="${esc(this.filters.action)}">
        <input data-field="camera_id" placeholder="${esc(this.t("audit_filter_camera"))}" value="${esc(this.filters.camera_id)}">
        <button data-action="apply">${esc(this.t("audit_apply"))}</button>
      </div>
      <table>
        <tr><th>${esc(this.t("audit_time"))}</th><th>${esc(this.t("audit_user"))}</th><th>${esc(this.t("audit_action"))}</th>
          <th>${esc(this.t("audit_target"))}</th><th>${esc(this.t("audit_reason"))}</th></tr>
        ${rows || `<tr><td colspan="5" class="muted">${esc(this.t("nothing"))}</td></tr>`}
      </table>
      ${this.cursor !== null && this.cursor !== undefined ? `<div class="row"><button data-action="more">${esc(this.t("audit_more"))}</button></div>` : ""}`);
  }

  onAction(action) {
    if (action === "apply") {
      for (const input of this.shadowRoot.querySelectorAll("input[data-field]")) {
        this.filters[input.dataset.field] = input.value.trim();
      }
      this.reload();
    } else if (action === "more") {
      this.more();
    }
  }

  getCardSize() {
    return 8;
  }
}
define("ncc-audit-card", NccAuditCard);
announceCard("ncc-audit-card", "NCC audit log", "Who did what, when, to which camera.");
