// Private camera registrations: the list, one application with its location on the map among
// the city's cameras, the reviewer's decisions (start review, approve, reject, suspend), and the
// front desk's form that files a business's application (`ncc.submit_registration`).
import {
  HEALTH_COLORS, NccCard, addStrings, announceCard, callWS, define, esc, formatTime, options,
} from "./ncc-common.js";
import "./ncc-map.js";

const STATES = ["submitted", "under_review", "approved", "active", "suspended", "rejected", "expired", "withdrawn"];
const TIERS = ["registry", "on_request", "live", "recorded"];
const SERVER_TIERS = ["on_request", "live"]; // the owner's own Frigate is connected
const STREAM_TIER = "recorded"; // a city Frigate server records each camera's stream
const PENDING = "pending";
const APPLICANT_COLOR = "#d81b60";
const APPLICANT = "applicant"; // the form's own dot (camera ids hold a slash)
const PREFIX = "registration_review_";

// [field, input type, required] of the application and of each camera row
const APPLICATION_FIELDS = [
  ["business_name", "text", true], ["legal_entity", "text", true], ["contact_name", "text", true],
  ["contact_role", "text", false], ["contact_phone", "tel", true], ["contact_email", "email", true],
  ["address", "text", true], ["latitude", "number", true], ["longitude", "number", true],
  ["valid_from", "date", true], ["valid_until", "date", true], ["consent_version", "text", true],
];
const SERVER_FIELDS = [["frigate_url", "url", true], ["frigate_username", "text", false],
  ["frigate_password", "password", false]];
const CAMERA_FIELDS = [["name", "text", true], ["views", "text", true], ["bearing", "number", false],
  ["retention_days", "number", false]];
const CAMERA_SERVER_FIELDS = [["frigate_camera", "text", true]];
const CAMERA_STREAM_FIELDS = [["stream_url", "url", true], ["stream_username", "text", false],
  ["stream_password", "password", false]];
const NUMBERS = new Set(["latitude", "longitude", "bearing", "retention_days"]);

/** A camera row's fields at `tier`: the owner's Frigate name, or the city-recorded stream. */
function cameraFields(tier) {
  if (SERVER_TIERS.includes(tier)) {
    return [...CAMERA_FIELDS, ...CAMERA_SERVER_FIELDS];
  }
  return tier === STREAM_TIER ? [...CAMERA_FIELDS, ...CAMERA_STREAM_FIELDS] : CAMERA_FIELDS;
}

/** The form's own dot on the map. */
function applicantPoint(id, lat, lon, label) {
  return { id, lat, lon, fill: APPLICANT_COLOR, ring: "#fff", label };
}

addStrings({
  en: {
    registration_review_new: "New registration",
    registration_review_form_title: "File an application for the business",
    registration_review_submit: "Submit",
    registration_review_filed: "Filed as {number}. A city administrator reviews it next.",
    registration_review_required: "Fill in: {fields}.",
    registration_review_desk: "Receiving desk",
    registration_review_no_desk: "None (city administrators)",
    registration_review_business: "Business",
    registration_review_person: "Person in charge",
    registration_review_location: "Location",
    registration_review_map_hint: "Click a camera on the map to take its position.",
    registration_review_agreement: "Agreement",
    registration_review_owner_server: "Owner's Frigate server",
    registration_review_add_camera: "Add camera",
    registration_review_remove_camera: "Remove",
    registration_review_covers_public_area: "Covers a public area",
    registration_review_verify_ssl: "Verify the TLS certificate",
    registration_review_field_business_name: "Business name",
    registration_review_field_legal_entity: "Legal entity",
    registration_review_field_contact_name: "Name",
    registration_review_field_contact_role: "Position",
    registration_review_field_contact_phone: "Phone",
    registration_review_field_contact_email: "E-mail",
    registration_review_field_address: "Address",
    registration_review_field_latitude: "Latitude",
    registration_review_field_longitude: "Longitude",
    registration_review_field_valid_from: "From",
    registration_review_field_valid_until: "Until (last day)",
    registration_review_field_consent_version: "Consent text version",
    registration_review_field_frigate_url: "Address (https://…)",
    registration_review_field_frigate_username: "User",
    registration_review_field_frigate_password: "Password",
    registration_review_field_name: "Camera name",
    registration_review_field_views: "What it views",
    registration_review_field_bearing: "Bearing (°)",
    registration_review_field_retention_days: "Owner keeps footage (days)",
    registration_review_field_frigate_camera: "Name on the owner's Frigate",
    registration_review_field_stream_url: "Stream (rtsp://…)",
    registration_review_field_stream_username: "Stream user",
    registration_review_field_stream_password: "Stream password",
  },
  id: {
    registration_review_new: "Pendaftaran baru",
    registration_review_form_title: "Ajukan permohonan atas nama usaha",
    registration_review_submit: "Ajukan",
    registration_review_filed: "Tercatat sebagai {number}. Selanjutnya ditinjau oleh administrator kota.",
    registration_review_required: "Lengkapi: {fields}.",
    registration_review_desk: "Loket penerima",
    registration_review_no_desk: "Tidak ada (administrator kota)",
    registration_review_business: "Usaha",
    registration_review_person: "Penanggung jawab",
    registration_review_location: "Lokasi",
    registration_review_map_hint: "Klik kamera di peta untuk memakai posisinya.",
    registration_review_agreement: "Perjanjian",
    registration_review_owner_server: "Server Frigate pemilik",
    registration_review_add_camera: "Tambah kamera",
    registration_review_remove_camera: "Hapus",
    registration_review_covers_public_area: "Meliput area publik",
    registration_review_verify_ssl: "Verifikasi sertifikat TLS",
    registration_review_field_business_name: "Nama usaha",
    registration_review_field_legal_entity: "Badan hukum",
    registration_review_field_contact_name: "Nama",
    registration_review_field_contact_role: "Jabatan",
    registration_review_field_contact_phone: "Telepon",
    registration_review_field_contact_email: "Email",
    registration_review_field_address: "Alamat",
    registration_review_field_latitude: "Lintang",
    registration_review_field_longitude: "Bujur",
    registration_review_field_valid_from: "Mulai",
    registration_review_field_valid_until: "Sampai (hari terakhir)",
    registration_review_field_consent_version: "Versi naskah persetujuan",
    registration_review_field_frigate_url: "Alamat (https://…)",
    registration_review_field_frigate_username: "Pengguna",
    registration_review_field_frigate_password: "Kata sandi",
    registration_review_field_name: "Nama kamera",
    registration_review_field_views: "Yang dipantau",
    registration_review_field_bearing: "Arah pandang (°)",
    registration_review_field_retention_days: "Lama rekaman disimpan pemilik (hari)",
    registration_review_field_frigate_camera: "Nama di Frigate pemilik",
    registration_review_field_stream_url: "Stream (rtsp://…)",
    registration_review_field_stream_username: "Pengguna stream",
    registration_review_field_stream_password: "Kata sandi stream",
  },
});

/** A date as YYYY-MM-DD in the browser's own time zone. */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function blankCamera() {
  return {
    name: "", views: "", covers_public_area: true, bearing: "", retention_days: "", frigate_camera: "",
    stream_url: "", stream_username: "", stream_password: "",
  };
}

/** True for users who may file applications: city administrators, and operators and agency
 * administrators of a city department (its front desk). */
export function mayFile(me) {
  if (!me) {
    return false;
  }
  return Boolean(me.is_city_admin || (["operator", "agency_admin"].includes(me.role)
    && me.agency && me.agency.kind === "city_department"));
}

class NccRegistrationReviewCard extends NccCard {
  constructor() {
    super();
    this.featureKey = "feature_registrations";
    this.state = PENDING;
    this.selected = null;
    this.form = null;
    this.me = undefined;
    // the draft follows every keystroke, so re-rendering the form loses nothing
    for (const kind of ["input", "change"]) {
      this.shadowRoot.addEventListener(kind, (event) => this.keep(event.composedPath()[0]));
    }
    this.shadowRoot.addEventListener("ncc-map-select", (event) => this.placeAt(event.detail.id));
  }

  busy() {
    return Boolean(this.selected || this.form);
  }

  async load() {
    const query = this.state && this.state !== PENDING ? { state: this.state } : {};
    const [listed, me] = await Promise.all([
      callWS(this.hass, "ncc/registrations/list", query),
      this.me === undefined ? callWS(this.hass, "ncc/me").catch(() => null) : this.me,
    ]);
    this.me = me;
    this.registrations = this.state === PENDING
      ? listed.registrations.filter((reg) => reg.state === "submitted" || reg.state === "under_review")
      : listed.registrations;
  }

  // --- the front desk's form -----------------------------------------------------------------

  async openForm() {
    const [cameras, agencies] = await Promise.all([
      callWS(this.hass, "ncc/cameras").catch(() => ({ cameras: [] })),
      this.me.is_city_admin ? callWS(this.hass, "ncc/agencies").catch(() => ({ agencies: [] })) : null,
    ]);
    this.cityCameras = cameras.cameras;
    // city administrators file at any city department's desk, or at none; the others at their own
    this.desks = agencies
      ? agencies.agencies.filter((agency) => agency.kind === "city_department")
      : [this.me.agency];
    const today = new Date();
    const until = new Date(today.getFullYear() + 1, today.getMonth(), today.getDate() - 1);
    this.form = {
      business_name: "", legal_entity: "", contact_name: "", contact_role: "", contact_phone: "",
      contact_email: "", address: "", latitude: "", longitude: "", tier: "registry",
      valid_from: isoDay(today), valid_until: isoDay(until), consent_version: "",
      frigate_url: "", frigate_username: "", frigate_password: "", frigate_verify_ssl: true,
      desk: this.me.is_city_admin ? "" : this.me.agency_id,
      cameras: [blankCamera()],
    };
    this.message = "";
    this.error = "";
    this.render();
  }

  /** Copy a field's value into the draft. */
  keep(element) {
    const field = element && element.dataset && element.dataset.field;
    if (!this.form || !field) {
      return;
    }
    const value = element.type === "checkbox" ? element.checked : element.value;
    if (element.dataset.camera === undefined) {
      this.form[field] = value;
    } else {
      this.form.cameras[Number(element.dataset.camera)][field] = value;
    }
    if (field === "latitude" || field === "longitude") {
      this.showLocation();
    }
  }

  /** Every field's current value into the draft (values set without an input event too). */
  readForm() {
    for (const element of this.shadowRoot.querySelectorAll("[data-field]")) {
      this.keep(element);
    }
  }

  placeAt(cameraId) {
    const camera = this.form && (this.cityCameras || []).find((cam) => cam.id === cameraId);
    if (camera && camera.location) {
      this.readForm();
      [this.form.latitude, this.form.longitude] = camera.location.map(String);
      this.render();
    }
  }

  /** Required fields left empty, by their label. */
  missing() {
    const form = this.form;
    const tier = form.tier;
    const empty = (value) => String(value ?? "").trim() === "";
    const labels = [];
    const check = (fields, values) => {
      for (const [field, , required] of fields) {
        if (required && empty(values[field])) {
          labels.push(this.t(`${PREFIX}field_${field}`));
        }
      }
    };
    check(APPLICATION_FIELDS, form);
    if (SERVER_TIERS.includes(tier)) {
      check(SERVER_FIELDS, form);
    }
    for (const camera of form.cameras) {
      check(cameraFields(tier), camera);
    }
    return [...new Set(labels)];
  }

  /** The action's data: numbers as numbers, optional fields only when given. */
  application() {
    const form = this.form;
    const tier = form.tier;
    const copy = (fields, values, into) => {
      for (const [field, , required] of fields) {
        const value = String(values[field] ?? "").trim();
        if (required || value !== "") {
          into[field] = NUMBERS.has(field) ? Number(value) : value;
        }
      }
      return into;
    };
    const data = copy(APPLICATION_FIELDS, form, { tier });
    if (form.desk) {
      data.received_by_agency_id = form.desk;
    }
    if (SERVER_TIERS.includes(tier)) {
      copy(SERVER_FIELDS, form, data);
      data.frigate_verify_ssl = Boolean(form.frigate_verify_ssl);
    }
    data.cameras = form.cameras.map((camera) => copy(
      cameraFields(tier), camera, { covers_public_area: Boolean(camera.covers_public_area) },
    ));
    return data;
  }

  async submit() {
    this.readForm();
    const missing = this.missing();
    if (missing.length) {
      this.message = "";
      this.error = this.t(`${PREFIX}required`, { fields: missing.join(", ") });
      this.render();
      return;
    }
    const result = await this.act(() => this.hass.callService(
      "ncc", "submit_registration", this.application(), undefined, false, true,
    ));
    if (result !== undefined) {
      this.form = null; // the secrets go with the draft
      this.state = PENDING;
      await this.reload();
      this.message = this.t(`${PREFIX}filed`, { number: result.response.registration_id });
      this.render();
    }
  }

  input(field, type, camera) {
    const where = camera === undefined ? "" : ` data-camera="${camera}"`;
    const extra = type === "number" ? ' step="any"' : "";
    const autocomplete = type === "password" ? ' autocomplete="new-password"' : "";
    return `<label>${esc(this.t(`${PREFIX}field_${field}`))}
      <input type="${type}" data-field="${field}"${where}${extra}${autocomplete}></label>`;
  }

  inputs(fields, camera) {
    return fields.map(([field, type]) => this.input(field, type, camera)).join("");
  }

  renderForm() {
    const form = this.form;
    const tier = form.tier;
    const serverTier = SERVER_TIERS.includes(tier);
    const desk = this.me.is_city_admin
      ? `<select data-field="desk">${options([["", this.t(`${PREFIX}no_desk`)],
        ...this.desks.map((agency) => [agency.id, agency.name])], form.desk)}</select>`
      : `<strong>${esc((this.desks[0] && this.desks[0].name) || form.desk)}</strong>`;
    const cameras = form.cameras.map((camera, index) => `
      <fieldset data-role="camera" data-index="${index}">
        <div class="fields">${this.inputs(cameraFields(tier), index)}
          <label class="check"><input type="checkbox" data-field="covers_public_area" data-camera="${index}">
            ${esc(this.t(`${PREFIX}covers_public_area`))}</label>
        </div>
        ${form.cameras.length > 1 ? `<button data-action="remove-camera" data-index="${index}">${esc(this.t(`${PREFIX}remove_camera`))}</button>` : ""}
      </fieldset>`).join("");
    const fields = (names) => this.inputs(APPLICATION_FIELDS.filter(([field]) => names.includes(field)));
    return `
      <div class="row"><button data-action="back">${esc(this.t("registrations_back"))}</button>
        <strong>${esc(this.t(`${PREFIX}form_title`))}</strong></div>
      <div data-role="form">
        <div class="row"><label>${esc(this.t(`${PREFIX}desk`))} ${desk}</label></div>
        <h4>${esc(this.t(`${PREFIX}business`))}</h4>
        <div class="fields">${fields(["business_name", "legal_entity", "address"])}</div>
        <h4>${esc(this.t(`${PREFIX}person`))}</h4>
        <div class="fields">${fields(["contact_name", "contact_role", "contact_phone", "contact_email"])}</div>
        <h4>${esc(this.t(`${PREFIX}location`))}</h4>
        <div class="split">
          <div><div class="fields">${fields(["latitude", "longitude"])}</div>
            <div class="muted">${esc(this.t(`${PREFIX}map_hint`))}</div></div>
          <ncc-map></ncc-map>
        </div>
        <h4>${esc(this.t("registrations_cameras"))}</h4>
        ${cameras}
        <div class="row"><button data-action="add-camera">${esc(this.t(`${PREFIX}add_camera`))}</button></div>
        <h4>${esc(this.t("registrations_tier"))}</h4>
        <div class="row"><select data-field="tier" data-change="tier">${options(
    TIERS.map((name) => [name, this.t(`tier_${name}`)]), tier)}</select></div>
        ${serverTier ? `<h4>${esc(this.t(`${PREFIX}owner_server`))}</h4>
          <div class="fields">${this.inputs(SERVER_FIELDS)}
            <label class="check"><input type="checkbox" data-field="frigate_verify_ssl">
              ${esc(this.t(`${PREFIX}verify_ssl`))}</label></div>` : ""}
        <h4>${esc(this.t(`${PREFIX}agreement`))}</h4>
        <div class="fields">${fields(["valid_from", "valid_until", "consent_version"])}</div>
        <div class="row"><button class="primary" data-action="submit">${esc(this.t(`${PREFIX}submit`))}</button></div>
      </div>`;
  }

  /** Put the draft's values into the fields (as properties: secrets never enter the markup). */
  fillForm() {
    for (const element of this.shadowRoot.querySelectorAll("[data-field]")) {
      const index = element.dataset.camera;
      const values = index === undefined ? this.form : this.form.cameras[Number(index)];
      const value = values[element.dataset.field];
      if (element.type === "checkbox") {
        element.checked = Boolean(value);
      } else {
        element.value = value ?? "";
      }
    }
    this.showLocation();
  }

  /** The applicant's position on the form's map, among the city's cameras. */
  showLocation() {
    const map = this.shadowRoot.querySelector("ncc-map");
    const latitude = Number.parseFloat(this.form.latitude);
    const longitude = Number.parseFloat(this.form.longitude);
    const here = Number.isFinite(latitude) && Number.isFinite(longitude)
      ? [applicantPoint(APPLICANT, latitude, longitude, this.form.business_name || this.t(`${PREFIX}location`))]
      : [];
    map.points = [...this.cameraPoints(), ...here];
  }

  cameraPoints() {
    return (this.cityCameras || []).filter((cam) => cam.location).map((cam) => ({
      id: cam.id, lat: cam.location[0], lon: cam.location[1], fill: HEALTH_COLORS.no_feed, ring: "#fff", label: cam.name,
    }));
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
      .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px 12px; }
      .fields label { display: flex; flex-direction: column; gap: 2px; }
      .fields label.check { flex-direction: row; align-items: center; }
      fieldset { border: 1px solid var(--divider-color, #ddd); border-radius: 4px; margin: 8px 0; }
      h4 { margin: 16px 0 4px; }
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
    const file = mayFile(this.me)
      ? `<button class="primary" data-action="new">${esc(this.t(`${PREFIX}new`))}</button>` : "";
    return `
      <div class="row"><label>${esc(this.t("registrations_status"))}
        <select data-change="state">${options(stateOptions, this.state)}</select></label>${file}</div>
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
    // the front desk follows its applications here; only city administrators decide (when NCC
    // did not say who the user is, the buttons show and the server decides)
    const reviewer = !this.me || this.me.is_city_admin;
    if (reviewer && reg.state === "submitted") {
      buttons.push(`<button class="primary" data-action="decide" data-decision="start_review">${esc(this.t("registrations_start_review"))}</button>`);
    }
    if (reviewer && reg.state === "under_review") {
      buttons.push(`<button class="primary" data-action="decide" data-decision="approve">${esc(this.t("registrations_approve"))}</button>`);
      buttons.push(`<button data-action="decide" data-decision="reject">${esc(this.t("registrations_reject"))}</button>`);
    }
    if (reviewer && reg.state === "active") {
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
    if (this.form) {
      this.shadowRoot.innerHTML = this.frame(title, this.renderForm());
      this.fillForm();
      return;
    }
    if (!this.registrations && !this.selected) {
      this.shadowRoot.innerHTML = this.frame(title, this.unavailable || this.error ? "" : `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    this.shadowRoot.innerHTML = this.frame(title, this.selected ? this.renderDetail() : this.renderList());
    const map = this.shadowRoot.querySelector("ncc-map");
    if (map) {
      const app = this.selected.application;
      map.points = [
        ...this.cameraPoints(), applicantPoint(this.selected.id, app.latitude, app.longitude, app.business_name),
      ];
    }
  }

  onChange(name, element) {
    if (name === "state") {
      this.state = element.value;
      this.reload();
    } else if (name === "tier") {
      this.readForm();
      this.render();
    }
  }

  onAction(action, element) {
    if (action === "open") {
      this.open(element.dataset.id);
    } else if (action === "back") {
      this.selected = null;
      this.form = null;
      this.message = "";
      this.error = "";
      this.reload();
    } else if (action === "decide") {
      this.decide(element.dataset.decision);
    } else if (action === "new") {
      this.openForm();
    } else if (action === "add-camera") {
      this.readForm();
      this.form.cameras.push(blankCamera());
      this.render();
    } else if (action === "remove-camera") {
      this.readForm();
      this.form.cameras.splice(Number(element.dataset.index), 1);
      this.render();
    } else if (action === "submit") {
      this.submit();
    }
  }

  getCardSize() {
    return 8;
  }
}
define("ncc-registration-review-card", NccRegistrationReviewCard);
announceCard("ncc-registration-review-card", "NCC registration review", "Review private camera registrations.");
