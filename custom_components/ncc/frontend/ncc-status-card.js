// The city at a glance: cameras online per agency and the recording servers' storage.
// Each server shows the days its disk really keeps beside the retention it is set to, marked
// when fewer than the days footage requests may reach back (the city's policy).
import { NccCard, addStrings, announceCard, callWS, define, esc } from "./ncc-common.js";

addStrings({
  en: {
    city_status_retention: "Retention set",
    city_status_below_policy: "Fewer days than the {days}-day footage request policy",
    city_status_policy: "Footage requests may reach back {days} days; servers keeping fewer are marked.",
  },
  id: {
    city_status_retention: "Retensi diatur",
    city_status_below_policy: "Lebih sedikit dari kebijakan permintaan rekaman {days} hari",
    city_status_policy: "Permintaan rekaman boleh mundur hingga {days} hari; server yang menyimpan lebih sedikit ditandai.",
  },
});

/** Whether a server keeps fewer days of footage than the policy promises. */
export function belowPolicy(server) {
  return server.days_kept != null && server.policy_days != null && server.days_kept < server.policy_days;
}

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
      .short { color: var(--error-color, #c62828); font-weight: 600; }
      .policy { margin-top: 4px; }
    `;
  }

  render() {
    if (!this.agencies) {
      this.shadowRoot.innerHTML = this.frame(this._config.title, `<div class="muted">${esc(this.t("loading"))}</div>`);
      return;
    }
    const policy = this.servers.find((s) => s.policy_days != null)?.policy_days;
    const agencyRows = this.agencies.map((a) => {
      const share = a.cameras_total ? Math.round((100 * a.cameras_online) / a.cameras_total) : 0;
      return `<tr data-agency="${esc(a.id)}">
        <td>${esc(a.name)} <span class="muted">${esc(a.code)}</span></td>
        <td class="num">${a.cameras_online} / ${a.cameras_total}</td>
        <td><div class="bar"><span style="width:${share}%"></span></div></td>
      </tr>`;
    }).join("");
    const daysKept = (s) => {
      if (s.days_kept == null) {
        return "–";
      }
      const days = Number(s.days_kept).toFixed(1);
      return belowPolicy(s)
        ? `<span class="short" data-role="below-policy" title="${esc(this.t("city_status_below_policy", { days: s.policy_days }))}">⚠ ${days}</span>`
        : days;
    };
    const serverRows = this.servers.map((s) => `<tr data-server="${esc(s.id)}">
        <td>${esc(s.name)}</td>
        <td class="num">${s.reachable ? `${s.cameras_online} / ${s.cameras_total}` : `<span class="error">${esc(this.t("status_unreachable"))}</span>`}</td>
        <td class="num" data-role="days-kept">${daysKept(s)}</td>
        <td class="num" data-role="retention">${s.retention_days ?? "–"}</td>
        <td class="num">${s.storage_used_percent == null ? "–" : `${Number(s.storage_used_percent).toFixed(1)} %`}</td>
      </tr>`).join("");
    this.shadowRoot.innerHTML = this.frame(this._config.title, `
      <h3>${esc(this.t("status_agencies"))}</h3>
      <table><tr><th>${esc(this.t("status_agency"))}</th><th class="num">${esc(this.t("status_online"))}</th><th></th></tr>
        ${agencyRows || `<tr><td colspan="3" class="muted">${esc(this.t("nothing"))}</td></tr>`}</table>
      <h3>${esc(this.t("status_servers"))}</h3>
      <table><tr><th>${esc(this.t("status_server"))}</th><th class="num">${esc(this.t("status_online"))}</th>
        <th class="num">${esc(this.t("status_days"))}</th><th class="num">${esc(this.t("city_status_retention"))}</th>
        <th class="num">${esc(this.t("status_storage"))}</th></tr>
        ${serverRows || `<tr><td colspan="5" class="muted">${esc(this.t("nothing"))}</td></tr>`}</table>
      ${policy == null ? "" : `<div class="muted policy" data-role="policy">${esc(this.t("city_status_policy", { days: policy }))}</div>`}`);
  }
}
define("ncc-city-status-card", NccCityStatusCard);
announceCard("ncc-city-status-card", "NCC city status", "Cameras online per agency and storage per recording server.");
