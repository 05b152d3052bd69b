// The city at a glance: cameras online per agency and the recording servers' storage.
import { NccCard, announceCard, callWS, define, esc } from "./ncc-common.js";

class NccCityStatusCard extends NccCard {
  async load() {
    const [agencies, servers] = await Promise.all([
      callWS(this.hass, "ncc/agencies"),
      callWS(this.hass, "ncc/servers"),
    ]);
    // agencies the caller may not view come without counts: they are not listed
    this.agencies = agencies.agencies.filter((a) => a.cameras_total !== undefined);
    this.servers = servers.servers;
  }

  css() {
    return `
      .bar { height: 6px; background: var(--divider-color, #ddd); border-radius: 3px; overflow: hidden; min-width: 80px; }
      .bar > span { display: block; height: 100%; background: var(--success-color, #2e7d32); }
      h3 { font-size: 1em; font-weight: 500; margin: 16px 0 4px; }
      td.num { text-align: right; white-space: nowrap; }
    `;
  }

  render() {
    if (!this.agencies) {
      this.shadowRoot.innerHTML = this.frame(this._config.title, `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const agencyRows = this.agencies.map((a) => {
      const share = a.cameras_total ? Math.round((100 * a.cameras_online) / a.cameras_total) : 0;
      return `<tr data-agency="${esc(a.id)}">
        <td>${esc(a.name)} <span class="muted">${esc(a.code)}</span></td>
        <td class="num">${a.cameras_online} / ${a.cameras_total}</td>
        <td><div class="bar"><span style="width:${share}%"></span></div></td>
      </tr>`;
    }).join("");
    const serverRows = this.servers.map((s) => `<tr data-server="${esc(s.id)}">
        <td>${esc(s.name)}</td>
        <td class="num">${s.reachable ? `${s.cameras_online} / ${s.cameras_total}` : `<span class="error">${esc(this.t("status_unreachable"))}</span>`}</td>
        <td class="num">${s.retention_days ?? "–"}</td>
        <td class="num">${s.storage_used_percent == null ? "–" : `${Number(s.storage_used_percent).toFixed(1)} %`}</td>
      </tr>`).join("");
    this.shadowRoot.innerHTML = this.frame(this._config.title, `
      <h3>${esc(this.t("status_agencies"))}</h3>
      <table><tr><th>${esc(this.t("status_agency"))}</th><th class="num">${esc(this.t("status_online"))}</th><th></th></tr>
        ${agencyRows || `<tr><td colspan="3" class="muted">${esc(this.t("nothing"))}</td></tr>`}</table>
      <h3>${esc(this.t("status_servers"))}</h3>
      <table><tr><th>${esc(this.t("status_server"))}</th><th class="num">${esc(this.t("status_online"))}</th>
        <th class="num">${esc(this.t("status_days"))}</th><th class="num">${esc(this.t("status_storage"))}</th></tr>
        ${serverRows || `<tr><td colspan="4" class="muted">${esc(this.t("nothing"))}</td></tr>`}</table>`);
  }
}
define("ncc-city-status-card", NccCityStatusCard);
announceCard("ncc-city-status-card", "NCC city status", "Cameras online per agency and storage per recording server.");
