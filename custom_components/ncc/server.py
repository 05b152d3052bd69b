"""A Frigate server config entry: its settings, its client and its coordinator."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send

from . import const
from .const import (
    CITY_READY_TIMEOUT_S,
    CONF_AGENCY_ID,
    CONF_CAMERA_ENTITIES,
    CONF_PASSWORD,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_STREAM_TEMPLATE,
    CONF_TOPIC_PREFIX,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DEFAULT_STREAM_TEMPLATE,
    DOMAIN,
    SIGNAL_SERVER_UPDATED,
)
from .coordinator import ServerCoordinator
from .data import async_get_city, async_get_data
from .entity import server_device_info
from .frigate import (
    FrigateAuthError,
    FrigateClient,
    FrigateError,
    FrigateUnsupportedVersionError,
)

type ServerConfigEntry = ConfigEntry[ServerCoordinator]


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """A server entry's data, typed. Secrets stay in here and in the client only."""

    server_id: str
    name: str
    url: str
    username: str | None
    password: str | None
    verify_ssl: bool
    agency_id: str
    stream_template: str
    topic_prefix: str | None
    camera_entities: bool = False

    @classmethod
    def from_entry_data(cls, data: Mapping[str, Any]) -> ServerSettings:
        return cls(
            server_id=data[CONF_SERVER_ID],
            name=data.get(CONF_SERVER_NAME) or data[CONF_SERVER_ID],
            url=data[CONF_URL],
            username=data.get(CONF_USERNAME) or None,
            password=data.get(CONF_PASSWORD) or None,
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
            agency_id=data[CONF_AGENCY_ID],
            stream_template=data.get(CONF_STREAM_TEMPLATE) or DEFAULT_STREAM_TEMPLATE,
            topic_prefix=data.get(CONF_TOPIC_PREFIX) or None,
            camera_entities=bool(data.get(CONF_CAMERA_ENTITIES, False)),
        )

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def stream_url(self, camera: str) -> str:
        """The RTSP restream address for a camera, from the entry's (validated) template."""
        return render_stream_template(self.stream_template, self.host, camera, self.server_id)


def render_stream_template(template: str, host: str, camera: str, server_id: str) -> str:
    return template.format(host=host, camera=camera, server=server_id)


def stream_template_is_valid(template: str) -> bool:
    """A template must name the camera and may use only {host}, {camera} and {server}."""
    try:
        rendered = render_stream_template(template, "h", "cam-probe", "s")
    except (KeyError, IndexError, ValueError):
        return False
    return "cam-probe" in rendered and "://" in rendered


def create_client(hass: HomeAssistant, settings: ServerSettings) -> FrigateClient:
    """A client on its own HA-managed session.

    Frigate answers with a `frigate_token` cookie; a private, cookie-less session keeps one
    server's token from being offered to another server on the same host.
    """
    session = async_create_clientsession(
        hass, verify_ssl=settings.verify_ssl, cookie_jar=aiohttp.DummyCookieJar()
    )
    return FrigateClient(
        session,
        settings.url,
        username=settings.username,
        password=settings.password,
        verify_ssl=settings.verify_ssl,
        timeout=const.REQUEST_TIMEOUT_S,
    )


async def async_setup_server(hass: HomeAssistant, entry: ServerConfigEntry) -> None:
    """Connect to the server, map its errors onto HA's, and start polling."""
    data = async_get_data(hass)
    settings = ServerSettings.from_entry_data(entry.data)
    try:
        await asyncio.wait_for(data.city_ready.wait(), CITY_READY_TIMEOUT_S)
    except TimeoutError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="city_not_ready"
        ) from err

    client = create_client(hass, settings)
    placeholders = {"server": settings.name}
    try:
        await client.async_validate()
    except FrigateAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="server_auth_failed",
            translation_placeholders=placeholders,
        ) from err
    except FrigateUnsupportedVersionError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="server_unsupported_version",
            translation_placeholders={**placeholders, "version": str(err.version)},
        ) from err
    except FrigateError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="server_unreachable",
            translation_placeholders={**placeholders, "error": str(err)},
        ) from err

    def sync_inventory(server_id: str, cameras: tuple[str, ...]) -> None:
        # looked up at call time: the city entry may have been reloaded since
        if city := async_get_city(hass):
            city.sync_server_cameras(server_id, settings.agency_id, cameras)

    coordinator = ServerCoordinator(hass, entry, client, settings, sync_inventory)
    await coordinator.async_config_entry_first_refresh()
    # the server's device first: camera devices are placed under it by its registry id
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **server_device_info(coordinator)
    )
    coordinator.server_device_id = device.id
    entry.runtime_data = coordinator
    data.servers[settings.server_id] = coordinator
    async_dispatcher_send(hass, SIGNAL_SERVER_UPDATED, settings.server_id)

    def forget() -> None:
        if data.servers.get(settings.server_id) is coordinator:
            del data.servers[settings.server_id]
            async_dispatcher_send(hass, SIGNAL_SERVER_UPDATED, settings.server_id)

    entry.async_on_unload(forget)
