// Footage requests: the queue, one request with its parts (one per camera), approving or
// refusing a part with a reason, preservation and due date, and release links to copy.
import {
  NccCard, announceCard, callWS, define, esc, formatTime, options,
} from "./ncc-common.js";

const STATES = ["open", "decided", "closed", "expired"];
const REASONS = {
  approve: ["legal_obligation", "data_subject_access", "public_interest", "other"],
  refuse: ["no_legal_basis", "reference_not_verified", "third_party_privacy", "exempt_information",
    "not_relevant", "footage_unavailable", "other"],
};
const DUE_COLORS = { due_soon: "#ef6c00", overdue: "#c62828", on_time: "#2e7d32" };
const PRESERVED = new Set(["preserved", "events_retained", "owner_contacted"]);

class NccRequestQueueCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_footage";
    this.selected = null;
    this.links = {};
  }

  setConfig(config) {
    super.setConfig(config);
    this.state = config.state || "";
  }

  busy() {
    return Boolean(this.selected);
  }

  limit() {
    return Math.max(1, Number(this._config.limit) || 100);
  }

  async load() {
    const query = {};
    if (this._config.agency_id) {
      query.agency_id = this._config.agency_id;
    }
    if (this.state) {
      query.state = this.state;
    }
    const [listed, cameras] = await Promise.all([
      callWS(this.hass, "ncc/footage/list", query),
      callWS(this.hass, "ncc/cameras"),
    ]);
    // the parts this user may decide: decide_footage on their camera
    this.deciding = new Set(cameras.cameras
      .filter((cam) => (cam.privileges || []).includes("decide_footage")).map((cam) => cam.id));
    let requests = listed.requests;
    if (this._config.due_soon) {
      requests = requests.filter((req) => req.due_state === "due_soon" || req.due_state === "overdue")
        .sort((a, b) => String(a.due).localeCompare(String(b.due)));
    }
    this.requests = requests.slice(0, this.limit());
  }

  async open(id) {
    const found = await this.act(() => callWS(this.hass, "ncc/footage/get", { request_id: id }));
    if (found) {
      this.selected = found.request;
      this.render();
    }
  }

  async decide(partId, decision) {
    const row = [...this.shadowRoot.querySelectorAll("[data-decide]")].find((el) => el.dataset.decide === partId);
    const reason = row.querySelector(`select[name=reason-${decision}]`).value;
    const note = row.querySelector("textarea[name=note]").value.trim();
    if (!reason) {
      this.error = this.t("requests_reason_required");
      this.render();
      return;
    }
    const payload = { request_id: this.selected.id, part: partId, decision, reason };
    if (note) {
      payload.note = note;
    }
    const result = await this.act(() => callWS(this.hass, "ncc/footage/decide", payload), "requests_decided");
    if (result) {
      await this.open(this.selected.id);
      this.message = this.t("requests_decided");
      this.render();
    }
  }

  /** A fresh link for an earlier release, or (with a recipient) a new release and its link. */
  async copyLink(releaseId) {
    const payload = { request_id: this.selected.id };
    if (releaseId) {
      payload.release_id = releaseId;
    } else {
      const recipient = this.shadowRoot.querySelector("input[name=recipient]").value.trim();
      if (!recipient) {
        this.error = this.t("requests_recipient_required");
        this.render();
        return;
      }
      payload.recipient_name = recipient;
      payload.recipient_organisation = this.shadowRoot.querySelector("input[name=organisation]").value.trim();
    }
    const result = await this.act(() => callWS(this.hass, "ncc/footage/release_link", payload));
    if (!result) {
      return;
    }
    if (!releaseId) {
      await this.open(this.selected.id);
    }
    const url = new URL(result.url, window.location.origin).href;
    this.links[result.release_id] = url;
    try {
      await navigator.clipboard.writeText(url);
      this.message = this.t("requests_copied");
    } catch (_denied) {
      // the link stays on screen to copy by hand
    }
    this.render();
  }

  due(req) {
    if (!req.due) {
      return "–";
    }
    const badge = req.due_state && req.due_state !== "on_time"
      ? ` <span class="badge" style="background:${DUE_COLORS[req.due_state]}">${esc(this.t(`due_${req.due_state}`))}</span>` : "";
    return `${esc(req.due)}${badge}`;
  }

  renderList() {
    const filter = this._config.state || this._config.due_soon ? "" : `<div class="row"><label>${esc(this.t("requests_status"))}
      <select data-change="state">${options([["", this.t("all")], ...STATES.map((s) => [s, this.t(`request_${s}`)])], this.state)}</select></label></div>`;
    const rows = this.requests.map((req) => {
      const decided = req.parts.filter((part) => part.decision).length;
      return `<tr class="clickable" data-action="open" data-id="${esc(req.id)}">
        <td>${esc(req.id)}</td>
        <td>${esc(req.requester.name || req.requester.organisation || "")}<div class="muted">${esc(req.requester.organisation || "")}</div></td>
        <td><span class="badge">${esc(this.t(`request_${req.state}`))}</span></td>
        <td>${decided} / ${req.parts.length}</td>
        <td>${this.due(req)}</td>
      </tr>`;
    }).join("");
    return `${filter}<table>
        <tr><th>ID</th><th>${esc(this.t("requests_requester"))}</th><th>${esc(this.t("requests_status"))}</th>
          <th>${esc(this.t("requests_parts"))}</th><th>${esc(this.t("requests_due"))}</th></tr>
        ${rows || `<tr><td colspan="5" class="muted">${esc(this.t("nothing"))}</td></tr>`}
      </table>`;
  }

  renderPart(part) {
    const preserved = PRESERVED.has(part.preservation);
    const preservation = `<span class="badge" style="background:${preserved ? "#2e7d32" : part.failing ? "#c62828" : "#757575"}">${esc(this.t(`preservation_${part.preservation}`))}</span>`;
    let decision;
    if (part.decision) {
      const d = part.decision;
      decision = `<span class="badge" data-role="decision" style="background:${d.decision === "approve" ? "#2e7d32" : "#c62828"}">${esc(this.t(`decision_${d.decision}`))}</span>
        <div class="muted">${esc(this.t(`reason_${d.reason}`))}${d.note ? ` · ${esc(d.note)}` : ""} · ${esc(d.decided_by_name || "")}</div>`;
    } else if (this.deciding.has(part.camera_id)) {
      const reasons = (kind) => options([["", `${this.t("requests_reason")}…`], ...REASONS[kind].map((r) => [r, this.t(`reason_${r}`)])], "");
      decision = `<div data-decide="${esc(part.id)}">
          <div class="row"><select name="reason-approve">${reasons("approve")}</select>
            <button class="primary" data-action="decide" data-decision="approve" data-part="${esc(part.id)}">${esc(this.t("requests_approve"))}</button></div>
          <div class="row"><select name="reason-refuse">${reasons("refuse")}</select>
            <button data-action="decide" data-decision="refuse" data-part="${esc(part.id)}">${esc(this.t("requests_refuse"))}</button></div>
          <textarea name="note" rows="1" placeholder="${esc(this.t("requests_note"))}"></textarea>
        </div>`;
    } else {
      decision = `<span class="muted">${esc(this.t("requests_waiting"))}</span>`;
    }
    return `<tr data-part-row="${esc(part.id)}">
        <td>${esc(part.camera_name)}<div class="muted">${esc(part.id)}</div></td>
        <td>${esc(this.t(`availability_${part.availability}`))}</td>
        <td>${preservation}</td>
        <td>${decision}</td>
      </tr>`;
  }

  renderDetail() {
    const req = this.selected;
    const releases = (req.releases || []).map((release) => `<div class="row">
        <span>${esc(release.recipient)} ${esc(release.organisation || "")} · ${esc(formatTime(this.hass, release.released_at))}</span>
        <button data-action="copy-link" data-release="${esc(release.id)}">${esc(this.t("requests_copy_link"))}</button>
        ${this.links[release.id] ? `<code>${esc(this.links[release.id])}</code>` : ""}</div>`).join("");
    const released = new Set((req.releases || []).flatMap((release) => release.part_ids));
    const releasable = req.parts.some((part) => part.decision && part.decision.decision === "approve"
      && part.preservation === "preserved" && !released.has(part.id) && this.deciding.has(part.camera_id));
    const release = releasable ? `<div class="row" data-role="release">
        <input name="recipient" placeholder="${esc(this.t("requests_recipient"))}">
        <input name="organisation" placeholder="${esc(this.t("requests_organisation"))}">
        <button class="primary" data-action="copy-link">${esc(this.t("requests_release"))}</button></div>` : "";
    return `
      <div class="row"><button data-action="back">${esc(this.t("requests_back"))}</button>
        <strong>${esc(req.id)}</strong><span class="badge" data-role="state">${esc(this.t(`request_${req.state}`))}</span>
        <span>${esc(this.t("requests_due"))}: ${this.due(req)}</span></div>
      <div>${esc(req.requester.name || "")} ${esc(req.requester.organisation || "")} · ${esc(req.purpose)}</div>
      <div class="muted">${esc(this.t("requests_window"))}: ${esc(formatTime(this.hass, req.window.start))} – ${esc(formatTime(this.hass, req.window.end))}
        ${req.reference ? ` · ${esc(req.reference)}` : ""}</div>
      <table>
        <tr><th>${esc(this.t("requests_camera"))}</th><th>${esc(this.t("requests_availability"))}</th>
          <th>${esc(this.t("requests_preservation"))}</th><th>${esc(this.t("requests_decision"))}</th></tr>
        ${req.parts.map((part) => this.renderPart(part)).join("")}
      </table>
      ${releases || release ? `<h4>${esc(this.t("requests_releases"))}</h4>${releases}${release}` : ""}`;
  }

  render() {
    const title = this._config.title || this.t("requests_title");
    if (!this.requests && !this.selected) {
      this.shadowRoot.innerHTML = this.frame(title, this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    this.shadowRoot.innerHTML = this.frame(title, this.selected ? this.renderDetail() : this.renderList());
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
      this.decide(element.dataset.part, element.dataset.decision);
    } else if (action === "copy-link") {
      this.copyLink(element.dataset.release || "");
    }
  }

  getCardSize() {
    return 6;
  }
}
define("ncc-request-queue-card", NccRequestQueueCard);
announceCard("ncc-request-queue-card", "NCC footage requests", "Decide footage requests part by part, copy release links.");
