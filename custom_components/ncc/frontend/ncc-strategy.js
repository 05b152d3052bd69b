// The Command Center dashboard strategy (`strategy: {type: custom:ncc}`): the views are built
// from NCC's websocket data each time the dashboard opens, so they follow agencies, sites and
// cameras as they change, and each user gets the views their role allows. A city that wants
// its own layout can take control in the dashboard editor and keep the cards.
import { callWS, define, errorMessage, t } from "./ncc-common.js";
import "./ncc-map.js";
import "./ncc-status-card.js";
import "./ncc-camera-wall-card.js";
import "./ncc-request-queue-card.js";
import "./ncc-footage-intake-card.js";
import "./ncc-incident-list-card.js";
import "./ncc-routing-rules-card.js";
import { mayFile } from "./ncc-registration-review-card.js";
import "./ncc-audit-card.js";

/** A one-card view explaining why there is nothing else to show. */
function messageDashboard(title, text) {
  return {
    title,
    views: [{ title, path: "ncc", cards: [{ type: "markdown", content: text }] }],
  };
}

/** The dashboard configuration for the user behind `hass`. */
export async function buildDashboard(hass, config = {}) {
  let me;
  try {
    me = await callWS(hass, "ncc/me");
  } catch (err) {
    const text = err && err.translation_key === "no_role" ? t(hass, "no_role") : await errorMessage(hass, err);
    return messageDashboard("NCC", text);
  }
  const listed = await callWS(hass, "ncc/agencies");
  // agencies the user works with come with camera counts; the others are names only
  const agencies = listed.agencies.filter((agency) => agency.cameras_total !== undefined);
  const pageSize = config.page_size || 12;
  const views = [{
    title: t(hass, "view_overview"),
    path: "overview",
    icon: "mdi:city-variant-outline",
    cards: [
      { type: "custom:ncc-map-card" },
      { type: "custom:ncc-city-status-card" },
      {
        type: "custom:ncc-incident-list-card", title: t(hass, "incidents_open"),
        status: ["open", "acknowledged"], limit: 5,
      },
      { type: "custom:ncc-request-queue-card", title: t(hass, "requests_due_soon"), due_soon: true, limit: 5 },
    ],
  }, {
    title: t(hass, "wall_title"),
    path: "cameras",
    icon: "mdi:cctv",
    panel: true,
    cards: [{ type: "custom:ncc-camera-wall-card", page_size: pageSize }],
  }];
  for (const agency of agencies) {
    views.push({
      title: agency.code || agency.name,
      path: `agency-${agency.id}`,
      panel: true,
      cards: [{
        type: "vertical-stack",
        cards: [
          { type: "custom:ncc-camera-wall-card", agency_id: agency.id, title: agency.name, page_size: pageSize },
          {
            type: "grid",
            columns: 2,
            square: false,
            cards: [
              { type: "custom:ncc-incident-list-card", agency_id: agency.id },
              { type: "custom:ncc-request-queue-card", agency_id: agency.id },
            ],
          },
          // viewers may not request footage (no request_export); the others may of their cameras
          ...(me.role === "viewer" ? [] : [{ type: "custom:ncc-footage-intake-card", agency_id: agency.id }]),
        ],
      }],
    });
  }
  views.push(
    {
      title: t(hass, "view_requests"), path: "requests", icon: "mdi:file-video-outline", panel: true,
      cards: me.role === "viewer" ? [{ type: "custom:ncc-request-queue-card" }] : [{
        type: "vertical-stack",
        cards: [{ type: "custom:ncc-footage-intake-card" }, { type: "custom:ncc-request-queue-card" }],
      }],
    },
    {
      title: t(hass, "view_incidents"), path: "incidents", icon: "mdi:alarm-light-outline", panel: true,
      // city administrators also edit the routing rules here
      cards: [me.is_city_admin ? {
        type: "vertical-stack",
        cards: [{ type: "custom:ncc-incident-list-card" }, { type: "custom:ncc-routing-rules-card" }],
      } : { type: "custom:ncc-incident-list-card" }],
    },
  );
  if (mayFile(me)) {
    // city administrators review; city departments' front desks file applications
    views.push({
      title: t(hass, "view_registrations"), path: "registrations", icon: "mdi:clipboard-check-outline",
      panel: true, cards: [{ type: "custom:ncc-registration-review-card" }],
    });
  }
  if (me.is_city_admin) {
    views.push({
      title: t(hass, "view_audit"), path: "audit", icon: "mdi:shield-search", panel: true,
      cards: [{ type: "custom:ncc-audit-card" }],
    });
  }
  return { title: me.city || "NCC", views };
}

class NccDashboardStrategy extends HTMLElement {
  static async generate(config, hass) {
    return buildDashboard(hass, config);
  }
}
define("ll-strategy-dashboard-ncc", NccDashboardStrategy);
