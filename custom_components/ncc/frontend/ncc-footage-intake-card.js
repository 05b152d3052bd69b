// Footage request intake for the front desk: who asks and why, the legal basis, the window, and
// the cameras, picked by hand or found around a place. Submitted through the websocket command
// `ncc/footage/request`, never the `ncc.request_footage` action: Home Assistant records the data
// of every action call (`call_service` events) in its own database, where the requester's
// identity number and contacts would outlive NCC's expiry.
import {
  NccCard, addStrings, announceCard, callWS, define, esc, formatTime, options,
} from "./ncc-common.js";

const KINDS = ["citizen", "police", "agency", "court", "insurer", "media"];
const INCIDENTS = ["traffic_accident", "crime", "lost_property", "public_order", "disaster", "other"];
const BASES = ["law_enforcement", "court_order", "administrative_investigation", "data_subject",
  "public_information"];
const TEXT_FIELDS = ["requester_name", "requester_identity_number", "requester_organisation",
  "requester_phone", "requester_email", "purpose", "reference"];
const BLANK = Object.freeze({
  requester_kind: "citizen", incident_type: "traffic_accident", legal_basis: "data_subject",
  start: "", end: "", latitude: "", longitude: "", radius_m: "", filter: "",
  ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, ""])),
});
// cameras listed at once while picking; the filter narrows a city's hundreds
const LISTED = 40;
const REGISTRY_PREFIX = "registry/";

addStrings({
  en: {
    footage_intake_title: "New footage request",
    footage_intake_open: "New footage request…",
    footage_intake_requester: "Requester",
    footage_intake_name: "Full name",
    footage_intake_identity: "Identity number (NIK, NRP or passport)",
    footage_intake_organisation: "Organisation",
    footage_intake_kind: "Requester kind",
    footage_intake_phone: "Phone",
    footage_intake_email: "E-mail",
    footage_intake_personal: "Phone or e-mail, at least one. Identity number and contacts are personal data: only those who decide the request see them.",
    footage_intake_purpose: "Purpose",
    footage_intake_incident: "Incident type",
    footage_intake_basis: "Legal basis",
    footage_intake_reference: "Reference (police letter or court case number)",
    footage_intake_reference_hint: "Required for law enforcement and court orders.",
    footage_intake_window: "Footage window",
    footage_intake_start: "From",
    footage_intake_end: "Until",
    footage_intake_zone: "Times in {zone}.",
    footage_intake_window_required: "Give the start and the end of the footage window.",
    footage_intake_cameras: "Cameras",
    footage_intake_mode_cameras: "Pick cameras",
    footage_intake_mode_place: "Around a place",
    footage_intake_filter: "Find a camera by name or id",
    footage_intake_more: "{count} more: narrow the search.",
    footage_intake_latitude: "Latitude",
    footage_intake_longitude: "Longitude",
    footage_intake_radius: "Radius (m)",
    footage_intake_find: "Find cameras",
    footage_intake_place_required: "Give the latitude, longitude and radius.",
    footage_intake_found: "{count} cameras you may request within {radius} m, nearest first; tick those to request (at most {max}).",
    footage_intake_none_found: "No camera you may request within this radius.",
    footage_intake_distance: "{metres} m",
    footage_intake_private: "Private, registry only: its owner is asked for the footage",
    footage_intake_pick_required: "Tick at least one camera.",
    footage_intake_selected: "{count} selected",
    footage_intake_submit: "Register and preserve the footage",
    footage_intake_done: "Request {id} registered; preservation has started.",
    footage_intake_overwrite: "Overwritten from",
    footage_intake_due: "Answer due by {due}.",
    footage_intake_another: "Another request",
    footage_intake_nothing: "You may not request footage of any camera here.",
    footage_intake_kind_citizen: "Citizen",
    footage_intake_kind_police: "Police",
    footage_intake_kind_agency: "Government agency",
    footage_intake_kind_court: "Court",
    footage_intake_kind_insurer: "Insurer",
    footage_intake_kind_media: "Media",
    footage_intake_incident_traffic_accident: "Traffic accident",
    footage_intake_incident_crime: "Crime",
    footage_intake_incident_lost_property: "Lost property",
    footage_intake_incident_public_order: "Public order",
    footage_intake_incident_disaster: "Disaster",
    footage_intake_incident_other: "Other",
    footage_intake_basis_law_enforcement: "Law enforcement",
    footage_intake_basis_court_order: "Court order",
    footage_intake_basis_administrative_investigation: "Administrative investigation",
    footage_intake_basis_data_subject: "The data subject's own request",
    footage_intake_basis_public_information: "Public information request (10 working days)",
  },
  id: {
    footage_intake_title: "Permintaan rekaman baru",
    footage_intake_open: "Permintaan rekaman baru…",
    footage_intake_requester: "Pemohon",
    footage_intake_name: "Nama lengkap",
    footage_intake_identity: "Nomor identitas (NIK, NRP atau paspor)",
    footage_intake_organisation: "Organisasi",
    footage_intake_kind: "Jenis pemohon",
    footage_intake_phone: "Telepon",
    footage_intake_email: "Email",
    footage_intake_personal: "Telepon atau email, minimal satu. Nomor identitas dan kontak adalah data pribadi: hanya yang memutuskan permintaan yang dapat melihatnya.",
    footage_intake_purpose: "Tujuan",
    footage_intake_incident: "Jenis kejadian",
    footage_intake_basis: "Dasar hukum",
    footage_intake_reference: "Referensi (nomor surat polisi atau nomor perkara)",
    footage_intake_reference_hint: "Wajib untuk penegakan hukum dan perintah pengadilan.",
    footage_intake_window: "Rentang rekaman",
    footage_intake_start: "Dari",
    footage_intake_end: "Sampai",
    footage_intake_zone: "Waktu dalam zona {zone}.",
    footage_intake_window_required: "Isi awal dan akhir rentang rekaman.",
    footage_intake_cameras: "Kamera",
    footage_intake_mode_cameras: "Pilih kamera",
    footage_intake_mode_place: "Di sekitar lokasi",
    footage_intake_filter: "Cari kamera menurut nama atau id",
    footage_intake_more: "{count} lainnya: persempit pencarian.",
    footage_intake_latitude: "Lintang",
    footage_intake_longitude: "Bujur",
    footage_intake_radius: "Radius (m)",
    footage_intake_find: "Cari kamera",
    footage_intake_place_required: "Isi lintang, bujur dan radius.",
    footage_intake_found: "{count} kamera yang boleh Anda minta dalam {radius} m, terdekat lebih dulu; centang yang diminta (paling banyak {max}).",
    footage_intake_none_found: "Tidak ada kamera yang boleh Anda minta dalam radius ini.",
    footage_intake_distance: "{metres} m",
    footage_intake_private: "Pribadi, hanya terdaftar: pemiliknya dimintai rekaman",
    footage_intake_pick_required: "Centang minimal satu kamera.",
    footage_intake_selected: "{count} dipilih",
    footage_intake_submit: "Catat dan amankan rekaman",
    footage_intake_done: "Permintaan {id} dicatat; pengamanan rekaman dimulai.",
    footage_intake_overwrite: "Tertimpa mulai",
    footage_intake_due: "Wajib dijawab paling lambat {due}.",
    footage_intake_another: "Permintaan lain",
    footage_intake_nothing: "Anda tidak boleh meminta rekaman kamera mana pun di sini.",
    footage_intake_kind_citizen: "Warga",
    footage_intake_kind_police: "Polisi",
    footage_intake_kind_agency: "Instansi pemerintah",
    footage_intake_kind_court: "Pengadilan",
    footage_intake_kind_insurer: "Asuransi",
    footage_intake_kind_media: "Media",
    footage_intake_incident_traffic_accident: "Kecelakaan lalu lintas",
    footage_intake_incident_crime: "Tindak pidana",
    footage_intake_incident_lost_property: "Barang hilang",
    footage_intake_incident_public_order: "Ketertiban umum",
    footage_intake_incident_disaster: "Bencana",
    footage_intake_incident_other: "Lainnya",
    footage_intake_basis_law_enforcement: "Penegakan hukum",
    footage_intake_basis_court_order: "Perintah pengadilan",
    footage_intake_basis_administrative_investigation: "Pemeriksaan administratif",
    footage_intake_basis_data_subject: "Permintaan subjek data sendiri",
    footage_intake_basis_public_information: "Permohonan informasi publik (10 hari kerja)",
  },
});

class NccFootageIntakeCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_footage";
    this.expanded = false;
    this.clear();
    // typed values live in `form`, so a render (an error, a search) never loses them
    this.shadowRoot.addEventListener("input", (event) => {
      const target = event.composedPath()[0];
      const field = target && target.dataset && target.dataset.field;
      if (field) {
        this.form[field] = target.value;
        if (field === "filter") {
          this.shadowRoot.querySelector("[data-role=camera-list]").innerHTML = this.renderCameraList();
        }
      }
    });
  }

  /** Forget everything typed: personal data stays on screen no longer than needed. */
  clear() {
    this.form = { ...BLANK };
    this.mode = "cameras";
    this.picked = new Set();
    this.suggested = null;
    this.searched = null;
  }

  refreshSeconds() {
    return 0;
  }

  async load() {
    const [listed, agencies] = await Promise.all([
      callWS(this.hass, "ncc/cameras"),
      callWS(this.hass, "ncc/agencies"),
    ]);
    this.agencyCodes = Object.fromEntries(agencies.agencies.map((agency) => [agency.id, agency.code || agency.name]));
    const agencyId = this._config.agency_id;
    this.cameras = listed.cameras.filter((cam) => (cam.privileges || []).includes("request_export")
      && (!agencyId || cam.owner_agency_id === agencyId));
  }

  owner(agencyId) {
    return this.agencyCodes[agencyId] || agencyId;
  }

  cameraLabel(id, name, ownerId, extra = "") {
    const private_ = id.startsWith(REGISTRY_PREFIX)
      ? ` <span class="badge" data-role="private" title="${esc(this.t("footage_intake_private"))}">${esc(this.t("footage_intake_private"))}</span>` : "";
    return `<label class="pick" data-camera="${esc(id)}"><input type="checkbox" data-change="pick" data-camera="${esc(id)}"${this.picked.has(id) ? " checked" : ""}>
      ${esc(name)} <span class="muted">${esc(id)} · ${esc(this.owner(ownerId))}${extra}</span>${private_}</label>`;
  }

  renderCameraList() {
    const needle = this.form.filter.trim().toLowerCase();
    const matching = this.cameras.filter((cam) => this.picked.has(cam.id) || !needle
      || cam.name.toLowerCase().includes(needle) || cam.id.toLowerCase().includes(needle));
    // ticked cameras stay in view whatever the filter
    matching.sort((a, b) => Number(this.picked.has(b.id)) - Number(this.picked.has(a.id)));
    const shown = matching.slice(0, LISTED);
    const more = matching.length - shown.length;
    return `${shown.map((cam) => this.cameraLabel(cam.id, cam.name, cam.owner_agency_id)).join("")}
      ${more > 0 ? `<div class="muted">${esc(this.t("footage_intake_more", { count: more }))}</div>` : ""}`;
  }

  renderPlace() {
    const f = this.form;
    const field = (name, label) => `<label>${esc(this.t(label))}
      <input type="number" step="any" data-field="${name}" value="${esc(f[name])}"></label>`;
    let found = "";
    if (this.suggested) {
      const { cameras, max_cameras: max } = this.suggested;
      found = cameras.length
        ? `<div class="muted">${esc(this.t("footage_intake_found", { count: cameras.length, radius: this.searched.radius_m, max }))}</div>
          ${cameras.map((cam) => this.cameraLabel(cam.camera_id, cam.name, cam.owner_agency_id,
    ` · ${esc(this.t("footage_intake_distance", { metres: Math.round(cam.distance_m) }))}`)).join("")}`
        : `<div class="muted" data-role="none-found">${esc(this.t("footage_intake_none_found"))}</div>`;
    }
    return `<div class="row">${field("latitude", "footage_intake_latitude")}${field("longitude", "footage_intake_longitude")}
        ${field("radius_m", "footage_intake_radius")}
        <button data-action="find">${esc(this.t("footage_intake_find"))}</button></div>
      <div data-role="suggested">${found}</div>`;
  }

  renderForm() {
    const f = this.form;
    const text = (name, label, type = "text") => `<label>${esc(this.t(label))}
      <input type="${type}" data-field="${name}" value="${esc(f[name])}"></label>`;
    const choice = (name, label, values, prefix) => `<label>${esc(this.t(label))}
      <select data-field="${name}">${options(values.map((value) => [value, this.t(`${prefix}_${value}`)]), f[name])}</select></label>`;
    const modes = [["cameras", "footage_intake_mode_cameras"], ["place", "footage_intake_mode_place"]]
      .map(([mode, label]) => `<label class="mode"><input type="radio" name="mode" data-change="mode" value="${mode}"${this.mode === mode ? " checked" : ""}>
        ${esc(this.t(label))}</label>`).join("");
    const picking = this.mode === "cameras"
      ? `<input data-field="filter" placeholder="${esc(this.t("footage_intake_filter"))}" value="${esc(f.filter)}">
        <div data-role="camera-list" class="list">${this.renderCameraList()}</div>`
      : this.renderPlace();
    const zone = (this.hass && this.hass.config && this.hass.config.time_zone) || "";
    return `<div data-role="intake">
      <h4>${esc(this.t("footage_intake_requester"))}</h4>
      <div class="row">${text("requester_name", "footage_intake_name")}${text("requester_identity_number", "footage_intake_identity")}</div>
      <div class="row">${choice("requester_kind", "footage_intake_kind", KINDS, "footage_intake_kind")}
        ${text("requester_organisation", "footage_intake_organisation")}</div>
      <div class="row">${text("requester_phone", "footage_intake_phone", "tel")}${text("requester_email", "footage_intake_email", "email")}</div>
      <div class="muted">${esc(this.t("footage_intake_personal"))}</div>
      <label class="wide">${esc(this.t("footage_intake_purpose"))}
        <textarea data-field="purpose" rows="2">${esc(f.purpose)}</textarea></label>
      <div class="row">${choice("incident_type", "footage_intake_incident", INCIDENTS, "footage_intake_incident")}
        ${choice("legal_basis", "footage_intake_basis", BASES, "footage_intake_basis")}</div>
      <div class="row">${text("reference", "footage_intake_reference")}
        <span class="muted">${esc(this.t("footage_intake_reference_hint"))}</span></div>
      <h4>${esc(this.t("footage_intake_window"))}</h4>
      <div class="row">${text("start", "footage_intake_start", "datetime-local")}${text("end", "footage_intake_end", "datetime-local")}
        ${zone ? `<span class="muted">${esc(this.t("footage_intake_zone", { zone }))}</span>` : ""}</div>
      <h4>${esc(this.t("footage_intake_cameras"))} <span class="muted" data-role="selected">${esc(this.t("footage_intake_selected", { count: this.picked.size }))}</span></h4>
      <div class="row">${modes}</div>
      ${picking}
      <div class="row">
        <button class="primary" data-action="submit">${esc(this.t("footage_intake_submit"))}</button>
        <button data-action="cancel">${esc(this.t("cancel"))}</button></div>
    </div>`;
  }

  renderResult() {
    const answer = this.result;
    const rows = answer.parts.map((part) => `<tr data-result-part="${esc(part.camera_id)}">
        <td>${esc(part.camera_name)}${part.registry_only ? `<div class="muted" data-role="private">${esc(this.t("footage_intake_private"))}</div>` : ""}</td>
        <td>${esc(this.t(`availability_${part.footage}`))}</td>
        <td>${part.overwrite_at ? esc(formatTime(this.hass, part.overwrite_at)) : "–"}</td>
        <td>${esc(this.t(`preservation_${part.preservation}`))}</td>
      </tr>`).join("");
    return `<div data-role="result">
      <div class="ok">${esc(this.t("footage_intake_done", { id: answer.request_id }))}</div>
      ${answer.due ? `<div>${esc(this.t("footage_intake_due", { due: answer.due }))}</div>` : ""}
      <table>
        <tr><th>${esc(this.t("requests_camera"))}</th><th>${esc(this.t("requests_availability"))}</th>
          <th>${esc(this.t("footage_intake_overwrite"))}</th><th>${esc(this.t("requests_preservation"))}</th></tr>
        ${rows}
      </table>
      <div class="row"><button data-action="another">${esc(this.t("footage_intake_another"))}</button></div>
    </div>`;
  }

  render() {
    const title = this._config.title || this.t("footage_intake_title");
    let body;
    if (!this.cameras) {
      body = this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`;
    } else if (this.result) {
      body = this.renderResult();
    } else if (!this.cameras.length) {
      body = `<div class="muted" data-role="nothing">${esc(this.t("footage_intake_nothing"))}</div>`;
    } else if (!this.expanded) {
      body = `<button class="primary" data-action="expand">${esc(this.t("footage_intake_open"))}</button>`;
    } else {
      body = this.renderForm();
    }
    this.shadowRoot.innerHTML = this.frame(title, body);
  }

  css() {
    return `
      [data-role=intake] label { display: inline-flex; flex-direction: column; gap: 2px; }
      [data-role=intake] label.mode, [data-role=intake] label.pick { flex-direction: row; align-items: center; gap: 6px; }
      [data-role=intake] label.pick, [data-role=intake] label.wide { display: flex; padding: 2px 0; }
      .list { max-height: 260px; overflow-y: auto; margin: 4px 0; }
      h4 { margin: 12px 0 4px; }
    `;
  }

  /** Ask the server for the cameras the user may request around the place typed in. */
  async find() {
    const place = ["latitude", "longitude", "radius_m"].map((name) => this.form[name].trim());
    if (place.some((value) => value === "" || Number.isNaN(Number(value)))) {
      this.error = this.t("footage_intake_place_required");
      this.render();
      return;
    }
    const [latitude, longitude, radius] = place.map(Number);
    const query = { latitude, longitude, radius_m: radius };
    const found = await this.act(() => callWS(this.hass, "ncc/footage/suggest_cameras", query));
    if (found) {
      this.searched = query;
      this.suggested = found;
      // what the last search found, nothing from an earlier place
      this.picked = new Set();
      this.render();
    }
  }

  payload() {
    const f = this.form;
    const data = Object.fromEntries(TEXT_FIELDS.map((field) => [field, f[field].trim()]));
    Object.assign(data, {
      requester_kind: f.requester_kind, incident_type: f.incident_type, legal_basis: f.legal_basis,
      start: f.start, end: f.end, camera_ids: [...this.picked],
    });
    if (this.mode === "place") {
      // the place is kept with the request; the cameras are those ticked
      Object.assign(data, this.searched);
    }
    return data;
  }

  async submit() {
    let problem = "";
    if (!this.form.start || !this.form.end) {
      problem = "footage_intake_window_required";
    } else if (!this.picked.size) {
      problem = "footage_intake_pick_required";
    }
    if (problem) {
      this.error = this.t(problem);
      this.message = "";
      this.render();
      return;
    }
    const answer = await this.act(() => callWS(this.hass, "ncc/footage/request", this.payload()));
    if (answer) {
      this.result = answer;
      this.clear();
      this.expanded = false;
      this.render();
    }
  }

  onChange(name, element) {
    if (name === "mode") {
      this.mode = element.value;
      this.picked = new Set();
      this.render();
    } else if (name === "pick") {
      if (element.checked) {
        this.picked.add(element.dataset.camera);
      } else {
        this.picked.delete(element.dataset.camera);
      }
      this.shadowRoot.querySelector("[data-role=selected]").textContent = this.t("footage_intake_selected", { count: this.picked.size });
    }
  }

  onAction(action) {
    if (action === "expand" || action === "another") {
      this.result = null;
      this.expanded = true;
      this.error = "";
      this.message = "";
      this.render();
    } else if (action === "cancel") {
      this.clear();
      this.expanded = false;
      this.error = "";
      this.render();
    } else if (action === "find") {
      this.find();
    } else if (action === "submit") {
      this.submit();
    }
  }

  getCardSize() {
    return this.expanded ? 10 : 2;
  }
}
define("ncc-footage-intake-card", NccFootageIntakeCard);
announceCard("ncc-footage-intake-card", "NCC footage request intake",
  "Register a footage request: requester, legal basis, window, cameras or a place; the footage is preserved at once.");
