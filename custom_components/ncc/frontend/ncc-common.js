// Shared pieces of NCC's cards: websocket calls, English / Bahasa Indonesia strings, error
// messages in the user's language, a small base class for cards. Plain ES module, no imports.

export const STRINGS = {
  en: {
    loading: "Loading…",
    close: "Close",
    cancel: "Cancel",
    all: "All",
    none: "None",
    nothing: "Nothing here.",
    previous: "Previous",
    next: "Next",
    page: "Page {page} of {pages}",
    not_available: "Not available: this NCC installation has no {feature} yet.",
    no_role: "You have no role in the command center. Ask a city administrator to add you to an agency.",
    feature_footage: "footage requests",
    feature_incidents: "incidents",
    feature_registrations: "camera registrations",
    view_overview: "Overview",
    view_requests: "Requests",
    view_registrations: "Registrations",
    view_incidents: "Incidents",
    view_audit: "Audit",
    health_online: "Online",
    health_offline: "Offline",
    health_unreachable: "Server unreachable",
    health_removed: "Removed",
    health_no_feed: "No feed",
    area_public_road: "Public road",
    area_public_space: "Public space",
    area_government_building: "Government building",
    area_private_facing_public: "Private, facing the public",
    wall_title: "Cameras",
    wall_agency: "Agency",
    wall_site: "Site",
    wall_area: "Area type",
    wall_count: "{shown} of {total} cameras",
    wall_live: "Live",
    wall_still: "Still image",
    wall_live_not_allowed: "You may see still images of this camera, not its live stream.",
    wall_stream_ended: "The live stream ended.",
    wall_open_advanced: "Open in Advanced Camera Card",
    wall_no_image: "No image",
    map_title: "Camera map",
    map_health: "Health",
    map_owner: "Owner",
    map_no_location: "{count} cameras have no location.",
    status_agencies: "Cameras online per agency",
    status_servers: "Recording servers",
    status_agency: "Agency",
    status_online: "Online",
    status_server: "Server",
    status_days: "Days kept",
    status_storage: "Storage used",
    status_unreachable: "Unreachable",
    audit_title: "Audit log",
    audit_time: "Time",
    audit_user: "User",
    audit_action: "Action",
    audit_target: "Target",
    audit_reason: "Reason",
    audit_filter_action: "Action (e.g. footage.decide)",
    audit_filter_camera: "Camera id",
    audit_apply: "Apply",
    audit_more: "Load more",
    requests_title: "Footage requests",
    requests_due_soon: "Footage requests due soon",
    requests_status: "Status",
    requests_requester: "Requested by",
    requests_due: "Due",
    requests_parts: "Parts decided",
    requests_camera: "Camera",
    requests_window: "Footage",
    requests_availability: "Recorded",
    requests_preservation: "Preservation",
    requests_decision: "Decision",
    requests_reason: "Reason",
    requests_reason_required: "Choose a reason.",
    requests_note: "Note (needed for \"other\")",
    requests_waiting: "Waiting for the camera's owner",
    requests_approve: "Approve",
    requests_refuse: "Refuse",
    requests_releases: "Releases",
    requests_copy_link: "Copy release link",
    requests_release: "Release and copy the link",
    requests_recipient: "Recipient's name",
    requests_organisation: "Organisation",
    requests_recipient_required: "Name the recipient.",
    requests_copied: "Link copied.",
    requests_decided: "Decision saved.",
    requests_back: "Back to the list",
    request_open: "Open",
    request_decided: "Decided",
    request_closed: "Closed",
    request_expired: "Expired",
    due_on_time: "On time",
    due_due_soon: "Due soon",
    due_overdue: "Overdue",
    decision_approve: "Approved",
    decision_refuse: "Refused",
    reason_legal_obligation: "Legal obligation",
    reason_data_subject_access: "Data subject's own footage",
    reason_public_interest: "Public interest",
    reason_no_legal_basis: "No legal basis",
    reason_reference_not_verified: "Reference not verified",
    reason_third_party_privacy: "Privacy of others",
    reason_exempt_information: "Exempt information",
    reason_not_relevant: "Not relevant",
    reason_footage_unavailable: "Footage unavailable",
    reason_other: "Other",
    availability_available: "Available",
    availability_partial: "Partly",
    availability_no_recordings: "No recordings",
    availability_overwritten: "Overwritten",
    availability_unknown: "Unknown",
    availability_no_feed: "No feed",
    preservation_pending: "Pending",
    preservation_exporting: "Exporting",
    preservation_preserved: "Preserved",
    preservation_events_retained: "Events retained",
    preservation_no_footage: "No footage",
    preservation_not_possible: "Not possible",
    preservation_owner_contacted: "Owner contacted",
    incidents_title: "Incidents",
    incidents_open: "Open incidents",
    incidents_camera: "Camera",
    incidents_started: "Started",
    incidents_status: "Status",
    incidents_acknowledge: "Acknowledge",
    incidents_close: "Close",
    incidents_note: "Closing note",
    incidents_note_required: "Write a closing note.",
    incidents_show_camera: "Show camera",
    incidents_done: "Saved.",
    registrations_title: "Camera registrations",
    registrations_applicant: "Applicant",
    registrations_status: "Status",
    registrations_cameras: "Cameras",
    registrations_submitted: "Submitted",
    registrations_approve: "Approve",
    registrations_reject: "Reject",
    registrations_suspend: "Suspend",
    registrations_reason: "Reason",
    registrations_reason_required: "Give a reason.",
    registrations_done: "Decision saved.",
    registrations_back: "Back to the list",
    registrations_start_review: "Start review",
    registrations_pending: "Waiting for review",
    registrations_contact: "Contact",
    registrations_address: "Address",
    registrations_tier: "Sharing tier",
    registrations_period: "Agreement",
    registrations_views: "Looks at",
    reg_state_submitted: "Submitted",
    reg_state_under_review: "Under review",
    reg_state_approved: "Approved",
    reg_state_active: "Active",
    reg_state_suspended: "Suspended",
    reg_state_rejected: "Rejected",
    reg_state_expired: "Expired",
    reg_state_withdrawn: "Withdrawn",
    tier_registry: "Registry only",
    tier_on_request: "Footage on request",
    tier_live: "Live view",
    tier_recorded: "Recorded by the city",
    incident_open: "Open",
    incident_acknowledged: "Acknowledged",
    incident_closed: "Closed",
  },
  id: {
    loading: "Memuat…",
    close: "Tutup",
    cancel: "Batal",
    all: "Semua",
    none: "Tidak ada",
    nothing: "Belum ada apa-apa.",
    previous: "Sebelumnya",
    next: "Berikutnya",
    page: "Halaman {page} dari {pages}",
    not_available: "Tidak tersedia: instalasi NCC ini belum memiliki {feature}.",
    no_role: "Anda belum memiliki peran di pusat komando. Mintalah admin kota menambahkan Anda ke sebuah instansi.",
    feature_footage: "permintaan rekaman",
    feature_incidents: "insiden",
    feature_registrations: "pendaftaran kamera",
    view_overview: "Ringkasan",
    view_requests: "Permintaan",
    view_registrations: "Pendaftaran",
    view_incidents: "Insiden",
    view_audit: "Audit",
    health_online: "Daring",
    health_offline: "Luring",
    health_unreachable: "Server tak terjangkau",
    health_removed: "Dihapus",
    health_no_feed: "Tanpa video",
    area_public_road: "Jalan umum",
    area_public_space: "Ruang publik",
    area_government_building: "Gedung pemerintah",
    area_private_facing_public: "Swasta, menghadap publik",
    wall_title: "Kamera",
    wall_agency: "Instansi",
    wall_site: "Titik",
    wall_area: "Jenis area",
    wall_count: "{shown} dari {total} kamera",
    wall_live: "Langsung",
    wall_still: "Gambar diam",
    wall_live_not_allowed: "Anda boleh melihat gambar diam kamera ini, bukan siaran langsungnya.",
    wall_stream_ended: "Siaran langsung berakhir.",
    wall_open_advanced: "Buka di Advanced Camera Card",
    wall_no_image: "Tidak ada gambar",
    map_title: "Peta kamera",
    map_health: "Kondisi",
    map_owner: "Pemilik",
    map_no_location: "{count} kamera belum memiliki lokasi.",
    status_agencies: "Kamera daring per instansi",
    status_servers: "Server perekam",
    status_agency: "Instansi",
    status_online: "Daring",
    status_server: "Server",
    status_days: "Hari tersimpan",
    status_storage: "Penyimpanan terpakai",
    status_unreachable: "Tak terjangkau",
    audit_title: "Log audit",
    audit_time: "Waktu",
    audit_user: "Pengguna",
    audit_action: "Tindakan",
    audit_target: "Sasaran",
    audit_reason: "Alasan",
    audit_filter_action: "Tindakan (mis. footage.decide)",
    audit_filter_camera: "Id kamera",
    audit_apply: "Terapkan",
    audit_more: "Muat lagi",
    requests_title: "Permintaan rekaman",
    requests_due_soon: "Permintaan rekaman yang segera jatuh tempo",
    requests_status: "Status",
    requests_requester: "Pemohon",
    requests_due: "Tenggat",
    requests_parts: "Bagian diputuskan",
    requests_camera: "Kamera",
    requests_window: "Rekaman",
    requests_availability: "Terekam",
    requests_preservation: "Pengamanan",
    requests_decision: "Keputusan",
    requests_reason: "Alasan",
    requests_reason_required: "Pilih alasan.",
    requests_note: "Catatan (wajib untuk \"lainnya\")",
    requests_waiting: "Menunggu pemilik kamera",
    requests_approve: "Setujui",
    requests_refuse: "Tolak",
    requests_releases: "Penyerahan",
    requests_copy_link: "Salin tautan penyerahan",
    requests_release: "Serahkan dan salin tautannya",
    requests_recipient: "Nama penerima",
    requests_organisation: "Instansi/organisasi",
    requests_recipient_required: "Sebutkan penerimanya.",
    requests_copied: "Tautan disalin.",
    requests_decided: "Keputusan disimpan.",
    requests_back: "Kembali ke daftar",
    request_open: "Terbuka",
    request_decided: "Diputuskan",
    request_closed: "Selesai",
    request_expired: "Kedaluwarsa",
    due_on_time: "Tepat waktu",
    due_due_soon: "Segera jatuh tempo",
    due_overdue: "Lewat tenggat",
    decision_approve: "Disetujui",
    decision_refuse: "Ditolak",
    reason_legal_obligation: "Kewajiban hukum",
    reason_data_subject_access: "Rekaman subjek data sendiri",
    reason_public_interest: "Kepentingan umum",
    reason_no_legal_basis: "Tanpa dasar hukum",
    reason_reference_not_verified: "Rujukan tidak terverifikasi",
    reason_third_party_privacy: "Privasi pihak lain",
    reason_exempt_information: "Informasi yang dikecualikan",
    reason_not_relevant: "Tidak relevan",
    reason_footage_unavailable: "Rekaman tidak tersedia",
    reason_other: "Lainnya",
    availability_available: "Tersedia",
    availability_partial: "Sebagian",
    availability_no_recordings: "Tidak ada rekaman",
    availability_overwritten: "Sudah tertimpa",
    availability_unknown: "Belum diketahui",
    availability_no_feed: "Tanpa video",
    preservation_pending: "Menunggu",
    preservation_exporting: "Sedang diekspor",
    preservation_preserved: "Diamankan",
    preservation_events_retained: "Kejadian disimpan",
    preservation_no_footage: "Tanpa rekaman",
    preservation_not_possible: "Tidak mungkin",
    preservation_owner_contacted: "Pemilik dihubungi",
    incidents_title: "Insiden",
    incidents_open: "Insiden terbuka",
    incidents_camera: "Kamera",
    incidents_started: "Mulai",
    incidents_status: "Status",
    incidents_acknowledge: "Tanggapi",
    incidents_close: "Tutup",
    incidents_note: "Catatan penutupan",
    incidents_note_required: "Tulis catatan penutupan.",
    incidents_show_camera: "Lihat kamera",
    incidents_done: "Tersimpan.",
    registrations_title: "Pendaftaran kamera",
    registrations_applicant: "Pemohon",
    registrations_status: "Status",
    registrations_cameras: "Kamera",
    registrations_submitted: "Diajukan",
    registrations_approve: "Setujui",
    registrations_reject: "Tolak",
    registrations_suspend: "Tangguhkan",
    registrations_reason: "Alasan",
    registrations_reason_required: "Berikan alasan.",
    registrations_done: "Keputusan disimpan.",
    registrations_back: "Kembali ke daftar",
    registrations_start_review: "Mulai tinjauan",
    registrations_pending: "Menunggu tinjauan",
    registrations_contact: "Kontak",
    registrations_address: "Alamat",
    registrations_tier: "Tingkat berbagi",
    registrations_period: "Masa perjanjian",
    registrations_views: "Yang dipantau",
    reg_state_submitted: "Diajukan",
    reg_state_under_review: "Sedang ditinjau",
    reg_state_approved: "Disetujui",
    reg_state_active: "Aktif",
    reg_state_suspended: "Ditangguhkan",
    reg_state_rejected: "Ditolak",
    reg_state_expired: "Kedaluwarsa",
    reg_state_withdrawn: "Ditarik",
    tier_registry: "Hanya terdaftar",
    tier_on_request: "Rekaman atas permintaan",
    tier_live: "Siaran langsung",
    tier_recorded: "Direkam oleh kota",
    incident_open: "Terbuka",
    incident_acknowledged: "Ditanggapi",
    incident_closed: "Ditutup",
  },
};

/**
 * Add a card's own strings (both languages, same keys), so each card keeps its text beside it.
 * A key already present keeps its first text: cards cannot redefine shared words.
 */
export function addStrings(strings) {
  for (const lang of Object.keys(STRINGS)) {
    for (const [key, text] of Object.entries(strings[lang] || {})) {
      if (!(key in STRINGS[lang])) {
        STRINGS[lang][key] = text;
      }
    }
  }
}

/** "id" for Bahasa Indonesia users, "en" for everyone else. */
export function language(hass) {
  const chosen = (hass && ((hass.locale && hass.locale.language) || hass.language)) || "en";
  return String(chosen).toLowerCase().startsWith("id") ? "id" : "en";
}

/** The string `key` in the user's language, with `{name}` placeholders filled from `vars`. */
export function t(hass, key, vars = {}) {
  const text = STRINGS[language(hass)][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** Text safe to put inside HTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

export function callWS(hass, type, data = {}) {
  return hass.callWS({ type, ...data });
}

/** True when the server has no such command (a workflow not installed yet). */
export function isUnknownCommand(err) {
  return Boolean(err && err.code === "unknown_command");
}

/**
 * The error as the user should read it: NCC's translated message in the user's language when
 * the server gave a translation key, else the server's own message.
 */
export async function errorMessage(hass, err) {
  if (err && err.translation_key && hass && typeof hass.loadBackendTranslation === "function") {
    const domain = err.translation_domain || "ncc";
    const key = `component.${domain}.exceptions.${err.translation_key}.message`;
    try {
      const localize = await hass.loadBackendTranslation("exceptions", domain);
      const text = localize(key, err.translation_placeholders || {});
      if (text && text !== key) {
        return text;
      }
    } catch (_ignored) {
      // fall back to the server's message
    }
  }
  if (err && err.message) {
    return err.message;
  }
  return String(err);
}

export function formatTime(hass, iso) {
  if (!iso) {
    return "";
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return String(iso);
  }
  const locale = language(hass) === "id" ? "id-ID" : "en-GB";
  const options = { dateStyle: "medium", timeStyle: "short" };
  const zone = hass && hass.config && hass.config.time_zone;
  try {
    return date.toLocaleString(locale, zone ? { ...options, timeZone: zone } : options);
  } catch (_badZone) {
    return date.toLocaleString(locale, options);
  }
}

export const HEALTH_COLORS = {
  online: "#2e7d32",
  offline: "#c62828",
  unreachable: "#ef6c00",
  removed: "#757575",
  no_feed: "#9e9e9e",
};

// Owner colours: distinct hues in a fixed order, so an agency keeps its colour per dashboard.
const OWNER_PALETTE = [
  "#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#558b2f", "#f9a825", "#283593",
  "#00695c", "#d84315",
];

export function ownerColor(agencyIds, agencyId) {
  const sorted = [...new Set(agencyIds)].sort();
  const index = sorted.indexOf(agencyId);
  return OWNER_PALETTE[(index < 0 ? sorted.length : index) % OWNER_PALETTE.length];
}

export const BASE_CSS = `
  :host { display: block; }
  ha-card { display: block; overflow: hidden; }
  .content { padding: 0 16px 16px; }
  .header { font-size: 1.25em; padding: 16px 16px 8px; font-weight: 500; }
  .muted { color: var(--secondary-text-color, #666); }
  .error { color: var(--error-color, #c62828); padding: 8px 0; }
  .notice { color: var(--secondary-text-color, #666); padding: 8px 0; font-style: italic; }
  .ok { color: var(--success-color, #2e7d32); padding: 8px 0; }
  table { width: 100%; border-collapse: collapse; font-size: 0.95em; }
  th, td { text-align: left; padding: 6px 4px; border-bottom: 1px solid var(--divider-color, #ddd); vertical-align: top; }
  th { font-weight: 500; color: var(--secondary-text-color, #666); }
  button { font: inherit; cursor: pointer; border-radius: 4px; padding: 4px 10px;
    border: 1px solid var(--primary-color, #03a9f4); background: var(--card-background-color, #fff);
    color: var(--primary-color, #03a9f4); }
  button.primary { background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff); }
  button:disabled { opacity: 0.5; cursor: default; }
  select, input, textarea { font: inherit; padding: 4px; border-radius: 4px;
    border: 1px solid var(--divider-color, #ccc); background: var(--card-background-color, #fff);
    color: var(--primary-text-color, #222); }
  textarea { width: 100%; box-sizing: border-box; }
  .row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
  .badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 0.85em;
    color: #fff; background: var(--secondary-text-color, #666); }
  .clickable { cursor: pointer; }
  .clickable:hover { background: var(--secondary-background-color, #f5f5f5); }
`;

/**
 * Base of NCC's cards: keeps `hass` and the config, loads data once `hass` arrives, repeats
 * `load()` every `refreshSeconds()` while connected, and turns clicks on `data-action`
 * elements into `onAction(action, element)` calls.
 */
export class NccCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = {};
    this._hass = null;
    this._timer = null;
    this._loadedOnce = false;
    this.shadowRoot.addEventListener("click", (event) => {
      const target = event.composedPath().find((node) => node.dataset && node.dataset.action);
      if (target && !target.disabled) {
        this.onAction(target.dataset.action, target, event);
      }
    });
    this.shadowRoot.addEventListener("change", (event) => {
      const target = event.composedPath()[0];
      if (target && target.dataset && target.dataset.change) {
        this.onChange(target.dataset.change, target, event);
      }
    });
  }

  setConfig(config) {
    if (!config || typeof config !== "object") {
      throw new Error("Invalid configuration");
    }
    this._config = { ...config };
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first && this.isConnected) {
      this._start();
    }
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    if (this._hass) {
      this._start();
    }
  }

  disconnectedCallback() {
    clearInterval(this._timer);
    this._timer = null;
  }

  getCardSize() {
    return 4;
  }

  t(key, vars) {
    return t(this._hass, key, vars);
  }

  refreshSeconds() {
    return 30;
  }

  _start() {
    if (!this._loadedOnce) {
      this._loadedOnce = true;
      this.render();
    }
    this.reload();
    clearInterval(this._timer);
    const seconds = this.refreshSeconds();
    if (seconds > 0) {
      this._timer = setInterval(() => {
        if (document.visibilityState !== "hidden" && !this.busy()) {
          this.reload();
        }
      }, seconds * 1000);
    }
  }

  /** True while the user is typing or deciding: periodic reloads wait. */
  busy() {
    return false;
  }

  async reload() {
    try {
      await this.load();
      this.error = "";
      this.unavailable = "";
    } catch (err) {
      if (isUnknownCommand(err)) {
        this.unavailable = this.t("not_available", { feature: this.t(this.featureKey || "none") });
      } else if (err && err.translation_key === "no_role") {
        this.error = this.t("no_role");
      } else {
        this.error = await errorMessage(this._hass, err);
      }
    }
    this.render();
  }

  /** Run a change through the server; its error (translated) shows in the card. */
  async act(run, doneKey) {
    this.error = "";
    this.message = "";
    try {
      const result = await run();
      this.message = doneKey ? this.t(doneKey) : "";
      return result;
    } catch (err) {
      this.error = isUnknownCommand(err)
        ? this.t("not_available", { feature: this.t(this.featureKey || "none") })
        : await errorMessage(this._hass, err);
      return undefined;
    } finally {
      this.render();
    }
  }

  async load() {}

  render() {}

  onAction(_action, _element, _event) {}

  onChange(_name, _element, _event) {}

  frame(title, body) {
    const heading = title ? `<div class="header">${esc(title)}</div>` : "";
    const status = this.unavailable
      ? `<div class="notice" data-role="unavailable">${esc(this.unavailable)}</div>`
      : `${this.error ? `<div class="error" role="alert">${esc(this.error)}</div>` : ""}${
        this.message ? `<div class="ok">${esc(this.message)}</div>` : ""}`;
    return `<style>${BASE_CSS}${this.css ? this.css() : ""}</style>
      <ha-card>${heading}<div class="content">${status}${this.unavailable ? "" : body}</div></ha-card>`;
  }
}

/** Define a custom element once (the module may be loaded twice under two URLs). */
export function define(name, element) {
  if (!customElements.get(name)) {
    customElements.define(name, element);
  }
}

/** Make the card appear in Lovelace's card picker. */
export function announceCard(type, name, description) {
  window.customCards = window.customCards || [];
  if (!window.customCards.some((card) => card.type === type)) {
    window.customCards.push({ type, name, description, preview: false });
  }
}

/** Options for a <select>: [value, label] pairs, the current one selected. */
export function options(pairs, current) {
  return pairs
    .map(([value, label]) => `<option value="${esc(value)}"${value === current ? " selected" : ""}>${esc(label)}</option>`)
    .join("");
}
