// The camera wall: pages of still images refreshed at a modest rate, a health overlay on each
// tile, filters by agency, site and area type. Only the tile an operator opens streams live.
// Images come from NCC's permission-checked views, never from Home Assistant's camera proxy.
import {
  HEALTH_COLORS, NccCard, announceCard, callWS, define, errorMessage, esc, options, t,
} from "./ncc-common.js";

const FEEDLESS = new Set(["no_feed", "removed"]);
const PARALLEL_STILLS = 4;
// the dialog's image height, live or still
const DIALOG_HEIGHT = 720;

function mayWatchLive(camera) {
  return (camera.privileges || []).includes("view_live");
}

export function stillPath(cameraId, height) {
  return `/api/ncc/camera/${cameraId}/snapshot.jpg?height=${height}`;
}

export function livePath(cameraId, height) {
  return `/api/ncc/camera/${cameraId}/live?height=${height}`;
}

/** GET `path` with the user's token; Home Assistant's `fetchWithAuth` where it exists. */
export function fetchWithAuth(hass, path) {
  if (typeof hass.fetchWithAuth === "function") {
    return hass.fetchWithAuth(path);
  }
  return fetch(path, { headers: { authorization: `Bearer ${hass.auth.data.access_token}` } });
}

/** A URL the browser may load without headers (an <img>), valid for `seconds`. */
export async function signedPath(hass, path, seconds) {
  const signed = await callWS(hass, "auth/sign_path", { path, expires: seconds });
  return signed.path;
}

/**
 * A URL of the camera's still image ("still") or live stream ("live") carrying its own
 * short-lived token, for elements that cannot send a header: `{url, expires_in}`. NCC's view
 * checks the permission on every request and ignores extra query parameters.
 */
export function tokenUrl(hass, cameraId, kind, height) {
  return callWS(hass, "ncc/cameras/image_url", { camera_id: cameraId, kind, height });
}

/**
 * Advanced Camera Card's configuration for one NCC camera: the generic engine (no Home
 * Assistant camera entity is involved) and its image live provider loading NCC's token URL.
 * A still refreshes every second (the card appends `_t=` to each fetch); a live stream is an
 * MJPEG URL loaded once.
 */
export function advancedCameraConfig(camera, url, kind) {
  return {
    type: "custom:advanced-camera-card",
    cameras: [{
      id: camera.id,
      title: camera.name,
      engine: "generic",
      live_provider: "image",
      image: { mode: "url", url, refresh_seconds: kind === "live" ? 0 : 1 },
    }],
  };
}

/** The cameras an operator can pick, filtered as the wall's selects say. */
export function filterCameras(cameras, { agency = "", site = "", area = "" } = {}) {
  return cameras.filter((cam) => (!agency || cam.owner_agency_id === agency)
    && (!site || cam.site_id === site)
    && (!area || cam.area_type === area));
}

/** A full-window view of one camera: live when allowed, else its still image. */
class NccCameraDialog extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.shadowRoot.addEventListener("click", (event) => {
      const path = event.composedPath();
      const target = path.find((node) => node.dataset && node.dataset.action);
      // a click inside the box reaches the backdrop too: only a click on the backdrop closes
      if (!target || (target.classList.contains("backdrop") && path[0] !== target)) {
        return;
      }
      if (target.dataset.action === "close") {
        this.close();
      } else if (target.dataset.action === "advanced") {
        this.openAdvanced();
      }
    });
    this._onKey = (event) => {
      if (event.key === "Escape") {
        this.close();
      }
    };
  }

  async show(hass, camera) {
    this.hass = hass;
    this.camera = camera;
    this.message = "";
    document.addEventListener("keydown", this._onKey);
    this.render();
    const img = this.shadowRoot.querySelector("img.view");
    try {
      if (mayWatchLive(camera)) {
        img.src = await signedPath(hass, livePath(camera.id, DIALOG_HEIGHT), 30);
        img.addEventListener("error", () => this.note(t(hass, "wall_stream_ended")), { once: true });
      } else {
        this.note(t(hass, "wall_live_not_allowed"));
        const response = await fetchWithAuth(hass, stillPath(camera.id, DIALOG_HEIGHT));
        if (response.ok) {
          this._blob = URL.createObjectURL(await response.blob());
          img.src = this._blob;
        }
      }
    } catch (err) {
      this.note((err && err.message) || String(err));
    }
  }

  note(text) {
    const line = this.shadowRoot.querySelector(".note");
    if (line) {
      line.textContent = text;
    }
  }

  /**
   * Show the camera in Advanced Camera Card: its live stream when the user may watch it, else
   * its still image, through NCC's token URLs. The token is renewed before it expires.
   */
  async openAdvanced() {
    const kind = mayWatchLive(this.camera) ? "live" : "still";
    let first;
    try {
      first = await tokenUrl(this.hass, this.camera.id, kind, DIALOG_HEIGHT);
    } catch (err) {
      this.note(await errorMessage(this.hass, err));
      return;
    }
    this.stopView();
    const card = document.createElement("advanced-camera-card");
    card.setConfig(advancedCameraConfig(this.camera, first.url, kind));
    card.hass = this.hass;
    this.shadowRoot.querySelector(".stage").replaceChildren(card);
    this.shadowRoot.querySelector("[data-action=advanced]")?.remove();
    const renew = (seconds) => {
      this._renewal = setTimeout(async () => {
        try {
          const next = await tokenUrl(this.hass, this.camera.id, kind, DIALOG_HEIGHT);
          if (this.isConnected) {
            card.setConfig(advancedCameraConfig(this.camera, next.url, kind));
            renew(next.expires_in);
          }
        } catch (err) {
          this.note(await errorMessage(this.hass, err));
        }
      }, Math.max(1, seconds * 0.9) * 1000);
    };
    renew(first.expires_in);
  }

  /** Stop loading the dialog's own image (a live stream ends with it). */
  stopView() {
    // without a src the request is aborted and, unlike src="", no error event says "ended"
    this.shadowRoot.querySelector("img.view")?.removeAttribute("src");
  }

  close() {
    this.stopView();
    clearTimeout(this._renewal);
    if (this._blob) {
      URL.revokeObjectURL(this._blob);
    }
    document.removeEventListener("keydown", this._onKey);
    this.remove();
  }

  render() {
    const hass = this.hass;
    const cam = this.camera;
    const advanced = customElements.get("advanced-camera-card")
      ? `<button data-action="advanced">${esc(t(hass, "wall_open_advanced"))}</button>` : "";
    const live = mayWatchLive(cam);
    this.shadowRoot.innerHTML = `
      <style>
        .backdrop { position: fixed; inset: 0; background: rgba(0,0,0,0.75); z-index: 1000;
          display: flex; align-items: center; justify-content: center; }
        .box { background: var(--card-background-color, #fff); color: var(--primary-text-color, #222);
          border-radius: 8px; width: min(960px, 96vw); max-height: 96vh; overflow: auto; padding: 12px; }
        .stage img { width: 100%; display: block; background: #000; min-height: 200px; }
        .bar { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
        .bar .title { flex: 1; font-weight: 500; font-size: 1.1em; }
        .badge { border-radius: 10px; padding: 0 8px; color: #fff; font-size: 0.85em; }
        .note { color: var(--secondary-text-color, #666); margin-top: 6px; min-height: 1.2em; }
        button { font: inherit; cursor: pointer; border-radius: 4px; padding: 4px 10px;
          border: 1px solid var(--primary-color, #03a9f4); background: transparent; color: var(--primary-color, #03a9f4); }
      </style>
      <div class="backdrop" data-action="close">
        <div class="box" role="dialog" aria-label="${esc(cam.name)}">
          <div class="bar">
            <span class="title">${esc(cam.name)}</span>
            <span class="badge" style="background:${HEALTH_COLORS[cam.health] || "#999"}">${esc(t(hass, `health_${cam.health}`))}</span>
            <span class="badge" style="background:#37474f">${esc(t(hass, live ? "wall_live" : "wall_still"))}</span>
            ${advanced}
            <button data-action="close">${esc(t(hass, "close"))}</button>
          </div>
          <div class="stage"><img class="view" alt="${esc(cam.name)}"></div>
          <div class="note"></div>
        </div>
      </div>`;
  }
}
define("ncc-camera-dialog", NccCameraDialog);

/** Open `camera` (an item of `ncc/cameras`) in a dialog over the page. */
export function openCamera(hass, camera) {
  document.querySelectorAll("ncc-camera-dialog").forEach((dialog) => dialog.close());
  const dialog = document.createElement("ncc-camera-dialog");
  document.body.appendChild(dialog);
  dialog.show(hass, camera);
  return dialog;
}

class NccCameraWallCard extends NccCard {
  constructor() {
    super();
    this.filters = { agency: "", site: "", area: "" };
    this.page = 0;
    this.stills = new Map();
    this._stillTimer = null;
  }

  setConfig(config) {
    super.setConfig(config);
    this.filters.agency = config.agency_id || "";
  }

  pageSize() {
    return Math.max(1, Number(this._config.page_size) || 12);
  }

  stillSeconds() {
    return Math.max(5, Number(this._config.refresh_seconds) || 10);
  }

  stillHeight() {
    return Math.min(1080, Math.max(60, Number(this._config.image_height) || 270));
  }

  connectedCallback() {
    super.connectedCallback();
    clearInterval(this._stillTimer);
    this._stillTimer = setInterval(() => {
      if (document.visibilityState !== "hidden") {
        this.refreshStills();
      }
    }, this.stillSeconds() * 1000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._stillTimer);
    this._stillTimer = null;
  }

  async load() {
    const [cameras, agencies, sites] = await Promise.all([
      callWS(this.hass, "ncc/cameras"),
      callWS(this.hass, "ncc/agencies"),
      callWS(this.hass, "ncc/sites"),
    ]);
    const first = !this.cameras;
    this.cameras = cameras.cameras;
    this.agencies = agencies.agencies;
    this.sites = sites.sites;
    if (first) {
      queueMicrotask(() => this.refreshStills());
    }
  }

  shown() {
    return filterCameras(this.cameras || [], this.filters);
  }

  pageCameras() {
    const shown = this.shown();
    const pages = Math.max(1, Math.ceil(shown.length / this.pageSize()));
    this.page = Math.min(this.page, pages - 1);
    return { shown, pages, cameras: shown.slice(this.page * this.pageSize(), (this.page + 1) * this.pageSize()) };
  }

  async refreshStills() {
    if (!this.cameras || !this.isConnected) {
      return;
    }
    const queue = this.pageCameras().cameras.filter((cam) => !FEEDLESS.has(cam.health));
    const worker = async () => {
      while (queue.length) {
        await this.fetchStill(queue.shift());
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_STILLS }, worker));
  }

  async fetchStill(cam) {
    let url = null;
    try {
      const response = await fetchWithAuth(this.hass, stillPath(cam.id, this.stillHeight()));
      if (response.ok) {
        url = URL.createObjectURL(await response.blob());
      }
    } catch (_offline) {
      // the tile keeps its last image; the health overlay tells why
    }
    if (!url) {
      return;
    }
    const previous = this.stills.get(cam.id);
    this.stills.set(cam.id, url);
    if (previous) {
      URL.revokeObjectURL(previous);
    }
    const img = [...this.shadowRoot.querySelectorAll("img[data-id]")].find((el) => el.dataset.id === cam.id);
    if (img) {
      img.src = url;
      img.parentElement.querySelector(".placeholder")?.remove();
    }
  }

  css() {
    return `
      .grid { display: grid; gap: 6px; grid-template-columns: repeat(auto-fill, minmax(var(--ncc-tile-width, 200px), 1fr)); }
      .tile { position: relative; background: #111; border-radius: 4px; overflow: hidden; cursor: pointer; aspect-ratio: 16 / 9; }
      .tile img { width: 100%; height: 100%; object-fit: cover; display: block; }
      .tile .name { position: absolute; left: 0; right: 0; bottom: 0; padding: 2px 6px; font-size: 0.85em;
        color: #fff; background: linear-gradient(transparent, rgba(0,0,0,0.8)); white-space: nowrap;
        overflow: hidden; text-overflow: ellipsis; }
      .tile .health { position: absolute; top: 4px; right: 4px; border-radius: 10px; padding: 0 6px;
        font-size: 0.75em; color: #fff; }
      .tile.down img { opacity: 0.35; filter: grayscale(1); }
      .tile .placeholder { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
        color: #aaa; font-size: 0.85em; }
      .pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end; margin-top: 8px; }
    `;
  }

  render() {
    const title = this._config.title || this.t("wall_title");
    if (!this.cameras) {
      this.shadowRoot.innerHTML = this.frame(title, `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const agencyNames = Object.fromEntries(this.agencies.map((a) => [a.id, a.name]));
    const owners = [...new Set(this.cameras.map((cam) => cam.owner_agency_id))].sort();
    const siteIds = new Set(this.cameras.map((cam) => cam.site_id).filter(Boolean));
    const sites = this.sites.filter((site) => siteIds.has(site.id));
    const areas = [...new Set(this.cameras.map((cam) => cam.area_type).filter(Boolean))].sort();
    const all = [["", this.t("all")]];
    const agencySelect = this._config.agency_id ? "" : `<label>${esc(this.t("wall_agency"))}
        <select data-change="agency">${options([...all, ...owners.map((id) => [id, agencyNames[id] || id])], this.filters.agency)}</select></label>`;
    const { shown, pages, cameras } = this.pageCameras();
    const tiles = cameras.map((cam) => {
      const down = cam.health !== "online";
      const still = this.stills.get(cam.id);
      return `<div class="tile${down ? " down" : ""}" data-action="open" data-camera="${esc(cam.id)}" title="${esc(cam.name)}">
          <img data-id="${esc(cam.id)}" alt="" ${still ? `src="${still}"` : ""}>
          ${still ? "" : `<div class="placeholder">${esc(FEEDLESS.has(cam.health) ? this.t(`health_${cam.health}`) : this.t("wall_no_image"))}</div>`}
          <span class="health" style="background:${HEALTH_COLORS[cam.health] || "#999"}">${esc(this.t(`health_${cam.health}`))}</span>
          <div class="name">${esc(cam.name)}</div>
        </div>`;
    }).join("");
    this.shadowRoot.innerHTML = this.frame(title, `
      <div class="row">
        ${agencySelect}
        <label>${esc(this.t("wall_site"))}
          <select data-change="site">${options([...all, ...sites.map((s) => [s.id, s.name])], this.filters.site)}</select></label>
        <label>${esc(this.t("wall_area"))}
          <select data-change="area">${options([...all, ...areas.map((a) => [a, this.t(`area_${a}`)])], this.filters.area)}</select></label>
        <span class="muted" data-role="count">${esc(this.t("wall_count", { shown: shown.length, total: this.cameras.length }))}</span>
      </div>
      <div class="grid">${tiles || `<div class="muted">${esc(this.t("nothing"))}</div>`}</div>
      <div class="pager">
        <button data-action="previous" ${this.page === 0 ? "disabled" : ""}>${esc(this.t("previous"))}</button>
        <span>${esc(this.t("page", { page: this.page + 1, pages }))}</span>
        <button data-action="next" ${this.page >= pages - 1 ? "disabled" : ""}>${esc(this.t("next"))}</button>
      </div>`);
  }

  onChange(name, element) {
    this.filters[name] = element.value;
    this.page = 0;
    this.render();
    this.refreshStills();
  }

  onAction(action, element) {
    if (action === "next" || action === "previous") {
      this.page += action === "next" ? 1 : -1;
      this.render();
      this.refreshStills();
    } else if (action === "open") {
      const cam = this.cameras.find((item) => item.id === element.dataset.camera);
      if (cam) {
        openCamera(this.hass, cam);
      }
    }
  }

  getCardSize() {
    return 10;
  }
}
define("ncc-camera-wall-card", NccCameraWallCard);
announceCard("ncc-camera-wall-card", "NCC camera wall", "Pages of camera stills with health, filters and a live view on demand.");
