// Routing rules: which review items alert which agencies. City administrators switch rules on
// and off, edit, create and delete them (the same fields as `ncc.set_routing_rule`); everyone
// else sees, read only, the rules that name their agency.
import { NccCard, addStrings, announceCard, callWS, define, esc } from "./ncc-common.js";

addStrings({
  en: {
    routing_rules_title: "Routing rules",
    routing_rules_new: "New rule",
    routing_rules_edit: "Edit",
    routing_rules_delete: "Delete",
    routing_rules_delete_confirm: "Delete the rule \"{name}\"?",
    routing_rules_save: "Save",
    routing_rules_saved: "Rule saved.",
    routing_rules_deleted: "Rule deleted.",
    routing_rules_read_only: "Only city administrators change routing rules.",
    routing_rules_on: "On",
    routing_rules_rule: "Rule",
    routing_rules_matches: "Matches",
    routing_rules_alerts: "Alerts",
    routing_rules_any: "Every review item",
    routing_rules_name: "Name",
    routing_rules_enabled: "Enabled",
    routing_rules_labels: "Labels",
    routing_rules_sub_labels: "Sub-labels",
    routing_rules_severities: "Severity",
    routing_rules_severity_alert: "Alert",
    routing_rules_severity_detection: "Detection",
    routing_rules_zones: "Zones",
    routing_rules_require_zone: "Only objects inside a zone",
    routing_rules_in_a_zone: "in a zone",
    routing_rules_cameras: "Cameras",
    routing_rules_sites: "Sites",
    routing_rules_owners: "Camera owners",
    routing_rules_time: "Time of day (city time)",
    routing_rules_time_after: "From",
    routing_rules_time_before: "Until",
    routing_rules_min_objects: "At least this many objects at once",
    routing_rules_at_least: "at least {count} objects",
    routing_rules_targets: "Agencies to alert",
    routing_rules_camera_agencies: "Also the camera's agencies (owner and receive_alerts grants)",
    routing_rules_camera_agencies_short: "the camera's agencies",
    routing_rules_cooldown: "Cooldown per camera (seconds)",
    routing_rules_escalate_after: "Escalate after (minutes; empty: never)",
    routing_rules_escalate_to: "Escalate to (agency codes, in order; the city comes last)",
    routing_rules_escalates: "escalates after {minutes} min",
    routing_rules_list_hint: "Separate with commas. Empty: any.",
    routing_rules_pick_hint: "None chosen: any.",
    routing_rules_unknown_agency: "There is no agency with the code {code}.",
  },
  id: {
    routing_rules_title: "Aturan penerusan",
    routing_rules_new: "Aturan baru",
    routing_rules_edit: "Ubah",
    routing_rules_delete: "Hapus",
    routing_rules_delete_confirm: "Hapus aturan \"{name}\"?",
    routing_rules_save: "Simpan",
    routing_rules_saved: "Aturan tersimpan.",
    routing_rules_deleted: "Aturan dihapus.",
    routing_rules_read_only: "Hanya admin kota yang dapat mengubah aturan penerusan.",
    routing_rules_on: "Aktif",
    routing_rules_rule: "Aturan",
    routing_rules_matches: "Cocok dengan",
    routing_rules_alerts: "Diteruskan ke",
    routing_rules_any: "Setiap item tinjauan",
    routing_rules_name: "Nama",
    routing_rules_enabled: "Aktif",
    routing_rules_labels: "Label",
    routing_rules_sub_labels: "Sub-label",
    routing_rules_severities: "Tingkat",
    routing_rules_severity_alert: "Peringatan",
    routing_rules_severity_detection: "Deteksi",
    routing_rules_zones: "Zona",
    routing_rules_require_zone: "Hanya objek di dalam zona",
    routing_rules_in_a_zone: "di dalam zona",
    routing_rules_cameras: "Kamera",
    routing_rules_sites: "Titik",
    routing_rules_owners: "Instansi pemilik kamera",
    routing_rules_time: "Jam (waktu kota)",
    routing_rules_time_after: "Dari jam",
    routing_rules_time_before: "Sampai jam",
    routing_rules_min_objects: "Minimal jumlah objek sekaligus",
    routing_rules_at_least: "minimal {count} objek",
    routing_rules_targets: "Instansi tujuan",
    routing_rules_camera_agencies: "Juga instansi kamera (pemilik dan penerima hak receive_alerts)",
    routing_rules_camera_agencies_short: "instansi kamera",
    routing_rules_cooldown: "Jeda per kamera (detik)",
    routing_rules_escalate_after: "Eskalasi setelah (menit; kosong: tidak pernah)",
    routing_rules_escalate_to: "Eskalasi ke (kode instansi, berurutan; kota paling akhir)",
    routing_rules_escalates: "eskalasi setelah {minutes} menit",
    routing_rules_list_hint: "Pisahkan dengan koma. Kosong: apa saja.",
    routing_rules_pick_hint: "Tidak ada yang dipilih: semua.",
    routing_rules_unknown_agency: "Tidak ada instansi dengan kode {code}.",
  },
});

const SEVERITIES = ["alert", "detection"];
const DEFAULT_RULE_ID = "default";
const NEW_RULE = {
  name: "", enabled: true, labels: [], sub_labels: [], severities: [], zones: [], require_zone: false,
  camera_ids: [], site_ids: [], owner_agency_ids: [], time_window: null, min_objects: null,
  target_agency_ids: [], notify_camera_agencies: false, cooldown_seconds: 300,
  escalate_after_minutes: null, escalate_to: [],
};

function splitList(text) {
  return String(text || "").split(",").map((part) => part.trim()).filter(Boolean);
}

function hhmm(value) {
  return value ? String(value).slice(0, 5) : "";
}

class NccRoutingRulesCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_incidents";
    this.rules = null;
    this.lookups = null;
    this.editing = null;
    this.deleting = null;
  }

  refreshSeconds() {
    return 60;
  }

  busy() {
    return Boolean(this.editing || this.deleting);
  }

  async load() {
    if (!this.lookups) {
      // who may edit, and the names the form offers: read once, they rarely change
      const [me, agencies, sites, cameras] = await Promise.all([
        callWS(this.hass, "ncc/me"), callWS(this.hass, "ncc/agencies"),
        callWS(this.hass, "ncc/sites"), callWS(this.hass, "ncc/cameras"),
      ]);
      this.lookups = {
        canEdit: Boolean(me.is_city_admin),
        agencies: agencies.agencies,
        sites: sites.sites,
        cameras: [...cameras.cameras].sort((a, b) => String(a.name).localeCompare(String(b.name))),
      };
    }
    this.rules = (await callWS(this.hass, "ncc/routing/list")).rules;
  }

  agencyCode(agencyId) {
    const agency = this.lookups.agencies.find((item) => item.id === agencyId);
    return agency ? agency.code || agency.name : agencyId;
  }

  nameOf(list, id) {
    const found = list.find((item) => item.id === id);
    return found ? found.name : id;
  }

  summary(rule) {
    const parts = [];
    const add = (key, values) => {
      if (values.length) {
        parts.push(`${this.t(key)}: ${values.join(", ")}`);
      }
    };
    add("routing_rules_labels", rule.labels);
    add("routing_rules_sub_labels", rule.sub_labels);
    add("routing_rules_severities", rule.severities.map((s) => this.t(`routing_rules_severity_${s}`)));
    add("routing_rules_zones", rule.zones);
    if (rule.require_zone) {
      parts.push(this.t("routing_rules_in_a_zone"));
    }
    add("routing_rules_cameras", rule.camera_ids.map((id) => this.nameOf(this.lookups.cameras, id)));
    add("routing_rules_sites", rule.site_ids.map((id) => this.nameOf(this.lookups.sites, id)));
    add("routing_rules_owners", rule.owner_agency_ids.map((id) => this.agencyCode(id)));
    if (rule.time_window) {
      parts.push(`${hhmm(rule.time_window.after)}–${hhmm(rule.time_window.before)}`);
    }
    if (rule.min_objects) {
      parts.push(this.t("routing_rules_at_least", { count: rule.min_objects }));
    }
    return parts.length ? parts.join(" · ") : this.t("routing_rules_any");
  }

  targets(rule) {
    const names = rule.target_agency_ids.map((id) => this.agencyCode(id));
    if (rule.notify_camera_agencies) {
      names.push(this.t("routing_rules_camera_agencies_short"));
    }
    const escalation = rule.escalate_after_minutes
      ? ` (${this.t("routing_rules_escalates", { minutes: rule.escalate_after_minutes })}${
        rule.escalate_to.length ? ` → ${rule.escalate_to.map((id) => this.agencyCode(id)).join(", ")}` : ""})`
      : "";
    return names.join(", ") + escalation;
  }

  // --- changes ---------------------------------------------------------------------------

  async toggle(ruleId, enabled) {
    const saved = await this.act(
      () => callWS(this.hass, "ncc/routing/set", { rule_id: ruleId, enabled }), "routing_rules_saved",
    );
    if (saved) {
      this.rules = this.rules.map((rule) => (rule.id === ruleId ? saved.rule : rule));
    }
    this.render();
  }

  /** The form as the command's input; undefined (with the reason shown) when it cannot be. */
  readForm() {
    const root = this.shadowRoot;
    const value = (name) => root.querySelector(`[name=${name}]`).value.trim();
    const checked = (name) => root.querySelector(`[name=${name}]`).checked;
    const ticked = (name) => [...root.querySelectorAll(`[name=${name}]:checked`)].map((box) => box.value);
    const chosen = (name) => [...root.querySelector(`[name=${name}]`).selectedOptions].map((opt) => opt.value);
    const number = (name) => (value(name) === "" ? null : Number(value(name)));
    const escalateText = value("escalate_to");
    const draft = {
      name: value("name"),
      enabled: checked("enabled"),
      labels: splitList(value("labels")),
      sub_labels: splitList(value("sub_labels")),
      severities: ticked("severities"),
      zones: splitList(value("zones")),
      require_zone: checked("require_zone"),
      camera_ids: chosen("camera_ids"),
      site_ids: chosen("site_ids"),
      owner_agency_ids: ticked("owner_agency_ids"),
      time_after: value("time_after") || null,
      time_before: value("time_before") || null,
      min_objects: number("min_objects"),
      target_agency_ids: ticked("target_agency_ids"),
      notify_camera_agencies: checked("notify_camera_agencies"),
      cooldown_seconds: number("cooldown_seconds") ?? 0,
      escalate_after_minutes: number("escalate_after_minutes"),
    };
    // kept as typed, so a refused form comes back as the user left it
    this.editing.draft = { ...draft, escalate_text: escalateText };
    const escalateTo = [];
    for (const code of splitList(escalateText)) {
      const agency = this.lookups.agencies.find(
        (item) => String(item.code).toLowerCase() === code.toLowerCase() || item.id === code,
      );
      if (!agency) {
        this.error = this.t("routing_rules_unknown_agency", { code });
        this.message = "";
        this.render();
        return undefined;
      }
      escalateTo.push(agency.id);
    }
    return { ...draft, escalate_to: escalateTo };
  }

  async save() {
    const data = this.readForm();
    if (!data) {
      return;
    }
    if (this.editing.id) {
      data.rule_id = this.editing.id;
    }
    const saved = await this.act(() => callWS(this.hass, "ncc/routing/set", data), "routing_rules_saved");
    if (saved) {
      this.editing = null;
      await this.reload();
    }
  }

  async remove(ruleId) {
    const removed = await this.act(
      () => callWS(this.hass, "ncc/routing/delete", { rule_id: ruleId }), "routing_rules_deleted",
    );
    this.deleting = null;
    if (removed) {
      await this.reload();
    } else {
      this.render();
    }
  }

  startEditing(ruleId) {
    const rule = ruleId ? this.rules.find((item) => item.id === ruleId) : NEW_RULE;
    this.editing = {
      id: ruleId || null,
      draft: {
        ...rule,
        time_after: rule.time_window ? hhmm(rule.time_window.after) : null,
        time_before: rule.time_window ? hhmm(rule.time_window.before) : null,
        escalate_text: rule.escalate_to.map((id) => this.agencyCode(id)).join(", "),
      },
    };
    this.error = "";
    this.message = "";
    this.render();
  }

  // --- rendering -------------------------------------------------------------------------

  css() {
    return `.form label { display: block; margin: 6px 0; }
      .form input[type=text], .form input[type=number], .form select[multiple] { width: 100%; box-sizing: border-box; }
      .form select[multiple] { min-height: 6em; }
      .choices { display: flex; flex-wrap: wrap; gap: 4px 12px; }
      .choices label { display: inline-flex; gap: 4px; margin: 0; }
      fieldset { border: 1px solid var(--divider-color, #ddd); border-radius: 4px; margin: 8px 0; }
      tr.off td:not(:first-child):not(:last-child) { opacity: 0.6; }`;
  }

  boxes(name, pairs, selected) {
    return `<div class="choices">${pairs.map(([value, label]) => `<label><input type="checkbox" name="${name}"
      value="${esc(value)}"${selected.includes(value) ? " checked" : ""}>${esc(label)}</label>`).join("")}</div>`;
  }

  picker(name, items, selected, label = (item) => item.name) {
    return `<select multiple name="${name}">${items.map((item) => `<option value="${esc(item.id)}"${
      selected.includes(item.id) ? " selected" : ""}>${esc(label(item))}</option>`).join("")}</select>`;
  }

  renderForm() {
    const d = this.editing.draft;
    const agencies = this.lookups.agencies.map((a) => [a.id, a.code || a.name]);
    const text = (name, label, current, hint = "") => `<label>${esc(this.t(label))}
      <input type="text" name="${name}" value="${esc(current)}">${hint ? `<span class="muted">${esc(this.t(hint))}</span>` : ""}</label>`;
    const flag = (name, label, on) => `<label><input type="checkbox" name="${name}"${on ? " checked" : ""}>
      ${esc(this.t(label))}</label>`;
    const number = (name, label, current, min) => `<label>${esc(this.t(label))}
      <input type="number" name="${name}" min="${min}" value="${esc(current ?? "")}"></label>`;
    return `<div class="form" data-role="editor">
      ${text("name", "routing_rules_name", d.name)}
      ${flag("enabled", "routing_rules_enabled", d.enabled)}
      <fieldset><legend>${esc(this.t("routing_rules_matches"))}</legend>
        ${text("labels", "routing_rules_labels", d.labels.join(", "), "routing_rules_list_hint")}
        ${text("sub_labels", "routing_rules_sub_labels", d.sub_labels.join(", "), "routing_rules_list_hint")}
        <div>${esc(this.t("routing_rules_severities"))}
          ${this.boxes("severities", SEVERITIES.map((s) => [s, this.t(`routing_rules_severity_${s}`)]), d.severities)}</div>
        ${text("zones", "routing_rules_zones", d.zones.join(", "), "routing_rules_list_hint")}
        ${flag("require_zone", "routing_rules_require_zone", d.require_zone)}
        <label>${esc(this.t("routing_rules_cameras"))} <span class="muted">${esc(this.t("routing_rules_pick_hint"))}</span>
          ${this.picker("camera_ids", this.lookups.cameras, d.camera_ids, (cam) => `${cam.name} (${cam.id})`)}</label>
        <label>${esc(this.t("routing_rules_sites"))} <span class="muted">${esc(this.t("routing_rules_pick_hint"))}</span>
          ${this.picker("site_ids", this.lookups.sites, d.site_ids)}</label>
        <div>${esc(this.t("routing_rules_owners"))} <span class="muted">${esc(this.t("routing_rules_pick_hint"))}</span>
          ${this.boxes("owner_agency_ids", agencies, d.owner_agency_ids)}</div>
        <div class="row">${esc(this.t("routing_rules_time"))}
          <label>${esc(this.t("routing_rules_time_after"))} <input type="time" name="time_after" value="${esc(d.time_after || "")}"></label>
          <label>${esc(this.t("routing_rules_time_before"))} <input type="time" name="time_before" value="${esc(d.time_before || "")}"></label></div>
        ${number("min_objects", "routing_rules_min_objects", d.min_objects, 1)}
      </fieldset>
      <fieldset><legend>${esc(this.t("routing_rules_alerts"))}</legend>
        <div>${esc(this.t("routing_rules_targets"))}${this.boxes("target_agency_ids", agencies, d.target_agency_ids)}</div>
        ${flag("notify_camera_agencies", "routing_rules_camera_agencies", d.notify_camera_agencies)}
        ${number("cooldown_seconds", "routing_rules_cooldown", d.cooldown_seconds, 0)}
        ${number("escalate_after_minutes", "routing_rules_escalate_after", d.escalate_after_minutes, 0)}
        ${text("escalate_to", "routing_rules_escalate_to", d.escalate_text)}
      </fieldset>
      <div class="row"><button class="primary" data-action="save">${esc(this.t("routing_rules_save"))}</button>
        <button data-action="cancel">${esc(this.t("cancel"))}</button></div>
    </div>`;
  }

  renderRow(rule) {
    const canEdit = this.lookups.canEdit;
    const id = esc(rule.id);
    const actions = canEdit ? `<button data-action="edit" data-id="${id}">${esc(this.t("routing_rules_edit"))}</button>${
      rule.id === DEFAULT_RULE_ID ? "" : `<button data-action="delete" data-id="${id}">${esc(this.t("routing_rules_delete"))}</button>`}` : "";
    const confirm = this.deleting === rule.id ? `<tr><td colspan="5">
        ${esc(this.t("routing_rules_delete_confirm", { name: rule.name }))}
        <div class="row"><button class="primary" data-action="confirm-delete" data-id="${id}">${esc(this.t("routing_rules_delete"))}</button>
        <button data-action="cancel">${esc(this.t("cancel"))}</button></div></td></tr>` : "";
    return `<tr data-rule="${id}" class="${rule.enabled ? "" : "off"}">
        <td><input type="checkbox" data-change="enabled" data-id="${id}"${rule.enabled ? " checked" : ""}${canEdit ? "" : " disabled"}
          aria-label="${esc(this.t("routing_rules_on"))}"></td>
        <td>${esc(rule.name)}<div class="muted">${id}</div></td>
        <td data-role="matches">${esc(this.summary(rule))}</td>
        <td data-role="targets">${esc(this.targets(rule))}</td>
        <td><div class="row">${actions}</div></td>
      </tr>${confirm}`;
  }

  render() {
    const title = this._config.title || this.t("routing_rules_title");
    if (!this.rules) {
      this.shadowRoot.innerHTML = this.frame(title, this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    if (this.editing) {
      this.shadowRoot.innerHTML = this.frame(title, this.renderForm());
      return;
    }
    const head = this.lookups.canEdit
      ? `<div class="row"><button data-action="new">${esc(this.t("routing_rules_new"))}</button></div>`
      : `<div class="muted">${esc(this.t("routing_rules_read_only"))}</div>`;
    const rows = this.rules.map((rule) => this.renderRow(rule)).join("");
    this.shadowRoot.innerHTML = this.frame(title, `${head}
      <table>
        <tr><th>${esc(this.t("routing_rules_on"))}</th><th>${esc(this.t("routing_rules_rule"))}</th>
          <th>${esc(this.t("routing_rules_matches"))}</th><th>${esc(this.t("routing_rules_alerts"))}</th><th></th></tr>
        ${rows || `<tr><td colspan="5" class="muted">${esc(this.t("nothing"))}</td></tr>`}
      </table>`);
  }

  onChange(name, element) {
    if (name === "enabled") {
      this.toggle(element.dataset.id, element.checked);
    }
  }

  onAction(action, element) {
    const id = element.dataset.id;
    if (action === "new") {
      this.startEditing(null);
    } else if (action === "edit") {
      this.startEditing(id);
    } else if (action === "save") {
      this.save();
    } else if (action === "delete") {
      this.deleting = id;
      this.render();
    } else if (action === "confirm-delete") {
      this.remove(id);
    } else if (action === "cancel") {
      this.editing = null;
      this.deleting = null;
      this.error = "";
      this.render();
    }
  }

  getCardSize() {
    return 6;
  }
}
define("ncc-routing-rules-card", NccRoutingRulesCard);
announceCard("ncc-routing-rules-card", "NCC routing rules", "Which alerts go to which agencies.");
