"""Constants shared by NCC's Home Assistant adapters."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "ncc"

# Config entries come in two kinds: one city (the command center itself) and one per Frigate server.
CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_TYPE_CITY: Final = "city"
ENTRY_TYPE_SERVER: Final = "server"

# city entry
CONF_CITY_NAME: Final = "city_name"
CONF_RETENTION_POLICY_DAYS: Final = "retention_policy_days"
CONF_AGENCY_NAME: Final = "agency_name"
CONF_AGENCY_CODE: Final = "agency_code"
CONF_AUDIT_DB_URL: Final = "audit_db_url"
CONF_TIMEZONE: Final = "timezone"

# server entry
CONF_SERVER_ID: Final = "server_id"
CONF_SERVER_NAME: Final = "name"
CONF_URL: Final = "url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"
CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_AGENCY_ID: Final = "agency_id"
CONF_STREAM_TEMPLATE: Final = "stream_url_template"
CONF_TOPIC_PREFIX: Final = "mqtt_topic_prefix"
# HA camera entities bypass agencies and grants (any HA user may open them): off unless chosen
CONF_CAMERA_ENTITIES: Final = "camera_entities"

DEFAULT_RETENTION_POLICY_DAYS: Final = 10
DEFAULT_AGENCY_NAME: Final = "Dinas Komunikasi dan Informatika"
DEFAULT_AGENCY_CODE: Final = "DISKOMINFO"
# go2rtc's RTSP restream that every Frigate since 0.12 runs on port 8554
DEFAULT_STREAM_TEMPLATE: Final = "rtsp://{host}:8554/{camera}"
AUDIT_DB_FILENAME: Final = "ncc_audit.db"

STATS_INTERVAL: Final = timedelta(seconds=10)
# a poll must finish well inside the stats interval
REQUEST_TIMEOUT_S: Final = 8.0
# The inventory changes rarely; stats reveal added/removed cameras sooner (see coordinator).
CONFIG_REFRESH_INTERVAL: Final = timedelta(minutes=10)
# A server down this long is a repair issue, not a blip.
UNREACHABLE_REPAIR_AFTER: Final = timedelta(minutes=3)
CITY_READY_TIMEOUT_S: Final = 60.0

SNAPSHOT_HEIGHT_DEFAULT: Final = 360

# dispatcher signals
SIGNAL_SERVER_UPDATED: Final = f"{DOMAIN}_server_updated"
SIGNAL_REGISTRY_CHANGED: Final = f"{DOMAIN}_registry_changed"
SIGNAL_HEALTH_CHANGED: Final = f"{DOMAIN}_health_changed"

# private camera registration
SIGNAL_REGISTRATIONS_CHANGED: Final = f"{DOMAIN}_registrations_changed"
EVENT_REGISTRATION_EXPIRING: Final = f"{DOMAIN}_registration_expiring"
# the config flow step NCC starts itself to connect an approved owner's Frigate server
SOURCE_REGISTRATION: Final = "registration"
# optional city entry data: {"south", "west", "north", "east"} in degrees; applications outside are refused
CONF_CITY_BOUNDS: Final = "city_bounds"
# the daily expiry check and reminders, in local time
REGISTRATION_CHECK_HOUR: Final = 0
REGISTRATION_CHECK_MINUTE: Final = 5

# alerts (incidents, routing, camera health)
EVENT_INCIDENT: Final = "ncc_incident"
EVENT_CAMERA_OFFLINE: Final = "ncc_camera_offline"
EVENT_CAMERA_ONLINE: Final = "ncc_camera_online"
EVENT_SERVER_UNAVAILABLE: Final = "ncc_server_unavailable"
# every incident change, as it happens (websocket subscribers)
SIGNAL_INCIDENT_CHANGE: Final = f"{DOMAIN}_incident_change"
# open-incident counts changed (sensors; at most once a second)
SIGNAL_INCIDENTS_CHANGED: Final = f"{DOMAIN}_incidents_changed"
# servers without MQTT are asked for their review items this often
REVIEW_POLL_INTERVAL: Final = timedelta(seconds=10)
SNAPSHOT_LINK_LIFETIME: Final = timedelta(hours=1)

# Frigate configuration and storage planning
SIGNAL_STORAGE_PLAN_UPDATED: Final = f"{DOMAIN}_storage_plan_updated"
# how often each server's days of footage are planned again (also on demand)
STORAGE_PLAN_INTERVAL: Final = timedelta(hours=1)

# footage requests
EVENT_FOOTAGE_REQUEST: Final = f"{DOMAIN}_footage_request"
EVENT_FOOTAGE_REQUEST_DUE: Final = f"{DOMAIN}_footage_request_due"
SIGNAL_FOOTAGE_CHANGED: Final = f"{DOMAIN}_footage_changed"
