// A map of camera positions without map tiles (the command room may be offline): an SVG plot
// of coordinates, each camera a dot filled by health and ringed by its owner's colour.
import {
  HEALTH_COLORS, NccCard, announceCard, callWS, define, esc, ownerColor,
} from "./ncc-common.js";

const WIDTH = 600;
const HEIGHT = 400;
const PAD = 24;

/** Screen positions for `points` ({lat, lon}) in a WIDTH x HEIGHT box, north up. */
export function project(points) {
  if (!points.length) {
    return [];
  }
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const stretch = Math.cos((midLat * Math.PI) / 180) || 1;
  const xs = lons.map((lon) => lon * stretch);
  const minX = Math.min(...xs);
  const maxY = Math.max(...lats);
  // at least ~200 m across, so a single site does not fill the box with one dot
  const spanX = Math.max(Math.max(...xs) - minX, 0.002);
  const spanY = Math.max(maxY - Math.min(...lats), 0.002);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const offsetX = (WIDTH - spanX * scale) / 2;
  const offsetY = (HEIGHT - spanY * scale) / 2;
  return points.map((p, i) => ({
    ...p,
    x: offsetX + (xs[i] - minX) * scale,
    y: offsetY + (maxY - p.lat) * scale,
  }));
}

/** `<ncc-map>`: set `.points` = [{id, lat, lon, fill, ring, label}]; fires `ncc-map-select`. */
export class NccMap extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._points = [];
    this.shadowRoot.addEventListener("click", (event) => {
      const dot = event.composedPath().find((node) => node.dataset && node.dataset.id);
      if (dot) {
        this.dispatchEvent(new CustomEvent("ncc-map-select", {
          detail: { id: dot.dataset.id }, bubbles: true, composed: true,
        }));
      }
    });
  }

  set points(points) {
    this._points = points || [];
    this.render();
  }

  get points() {
    return this._points;
  }

  connectedCallback() {
    this.render();
  }

  render() {
    const placed = project(this._points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)));
    const dots = placed.map((p) => `
      <g class="dot" data-id="${esc(p.id)}" tabindex="0">
        <title>${esc(p.label || p.id)}</title>
        <circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="7" fill="${esc(p.fill || "#1565c0")}"
          stroke="${esc(p.ring || "#fff")}" stroke-width="3"></circle>
      </g>`).join("");
    const grid = [1, 2, 3].map((i) => `
      <line x1="${(WIDTH * i) / 4}" y1="0" x2="${(WIDTH * i) / 4}" y2="${HEIGHT}"></line>
      <line x1="0" y1="${(HEIGHT * i) / 4}" x2="${WIDTH}" y2="${(HEIGHT * i) / 4}"></line>`).join("");
    this.shadowRoot.innerHTML = `
      <style>
        :host { display: block; }
        svg { width: 100%; height: auto; display: block; background: var(--secondary-background-color, #eef2f5);
          border-radius: 8px; }
        line { stroke: var(--divider-color, #d0d7de); stroke-width: 1; }
        .dot { cursor: pointer; }
        .dot:hover circle, .dot:focus circle { r: 10; }
        text { font-size: 12px; fill: var(--secondary-text-color, #666); }
      </style>
      <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">
        ${grid}
        <text x="${WIDTH - 18}" y="20">N</text>
        <path d="M ${WIDTH - 14} 26 l -5 12 l 5 -4 l 5 4 z" fill="currentColor"></path>
        ${dots}
      </svg>`;
  }
}
define("ncc-map", NccMap);

/** The city's cameras on the map; config: `agency_id` (only that owner's cameras). */
class NccMapCard extends NccCard {
  async load() {
    const [cameras, agencies] = await Promise.all([
      callWS(this.hass, "ncc/cameras"),
      callWS(this.hass, "ncc/agencies"),
    ]);
    this.agencies = agencies.agencies;
    this.cameras = cameras.cameras.filter(
      (cam) => !this._config.agency_id || cam.owner_agency_id === this._config.agency_id,
    );
  }

  css() {
    return `
      .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 8px; font-size: 0.9em; }
      .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
      .ring { background: transparent; border: 3px solid; width: 6px; height: 6px; }
    `;
  }

  render() {
    if (!this.cameras) {
      this.shadowRoot.innerHTML = this.frame(this._config.title || this.t("map_title"),
        `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const ids = this.agencies.map((a) => a.id);
    const names = Object.fromEntries(this.agencies.map((a) => [a.id, a.code || a.name]));
    const located = this.cameras.filter((cam) => cam.location);
    const owners = [...new Set(this.cameras.map((cam) => cam.owner_agency_id))].sort();
    const healths = [...new Set(this.cameras.map((cam) => cam.health))].sort();
    const legend = `
      <div class="legend"><strong>${esc(this.t("map_health"))}</strong>
        ${healths.map((h) => `<span><span class="swatch" style="background:${HEALTH_COLORS[h] || "#999"}"></span>${esc(this.t(`health_${h}`))}</span>`).join("")}
      </div>
      <div class="legend"><strong>${esc(this.t("map_owner"))}</strong>
        ${owners.map((o) => `<span><span class="swatch ring" style="border-color:${ownerColor(ids, o)}"></span>${esc(names[o] || o)}</span>`).join("")}
      </div>`;
    const missing = this.cameras.length - located.length;
    this.shadowRoot.innerHTML = this.frame(this._config.title || this.t("map_title"), `
      <ncc-map></ncc-map>
      ${legend}
      ${missing ? `<div class="muted">${esc(this.t("map_no_location", { count: missing }))}</div>` : ""}`);
    this.shadowRoot.querySelector("ncc-map").points = located.map((cam) => ({
      id: cam.id,
      lat: cam.location[0],
      lon: cam.location[1],
      fill: HEALTH_COLORS[cam.health] || "#999",
      ring: ownerColor(ids, cam.owner_agency_id),
      label: `${cam.name} · ${names[cam.owner_agency_id] || cam.owner_agency_id} · ${this.t(`health_${cam.health}`)}`,
    }));
  }

  getCardSize() {
    return 7;
  }
}
define("ncc-map-card", NccMapCard);
announceCard("ncc-map-card", "NCC camera map", "The city's cameras by health and owner, without map tiles.");
