"""Config flow: the city first, then one entry per Frigate server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
import logging
from typing import Any

import aiohttp
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.util import slugify
import voluptuous as vol

from .const import (
    CONF_AGENCY_CODE,
    CONF_AGENCY_ID,
    CONF_AGENCY_NAME,
    CONF_AUDIT_DB_URL,
    CONF_CAMERA_ENTITIES,
    CONF_CITY_BOUNDS,
    CONF_CITY_NAME,
    CONF_ENTRY_TYPE,
    CONF_PASSWORD,
    CONF_RETENTION_POLICY_DAYS,
    CONF_SERVER_ID,
    CONF_SERVER_NAME,
    CONF_STREAM_TEMPLATE,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    DEFAULT_AGENCY_CODE,
    DEFAULT_AGENCY_NAME,
    DEFAULT_RETENTION_POLICY_DAYS,
    DEFAULT_STREAM_TEMPLATE,
    DOMAIN,
    ENTRY_TYPE_CITY,
    ENTRY_TYPE_SERVER,
)
from .core.cameras import check_server_id
from .core.errors import NccError
from .core.registration import CityBounds
from .data import async_get_city
from .frigate import (
    FrigateAuthError,
    FrigateClient,
    FrigateConnectionError,
    FrigateError,
    FrigateUnsupportedVersionError,
)
from .server import stream_template_is_valid

_LOGGER = logging.getLogger(__name__)

CITY_UNIQUE_ID = "city"
# the form's help text shows the template's own placeholders literally
TEMPLATE_PLACEHOLDERS = {"host": "{host}", "camera": "{camera}", "server": "{server}"}
# the edges of the city's rectangle, in the order CityBounds takes them
BOUND_EDGES = ("south", "west", "north", "east")


def _bounds_section(bounds: Mapping[str, Any]) -> section:
    """The city's area, optional: shown open when the city has one."""
    edge = selector.NumberSelector(
        selector.NumberSelectorConfig(
            mode=selector.NumberSelectorMode.BOX, step="any", unit_of_measurement="°"
        )
    )
    return section(
        vol.Schema({
            vol.Optional(name, description={"suggested_value": bounds.get(name)}): edge
            for name in BOUND_EDGES
        }),
        {"collapsed": not bounds},
    )


def _stored_bounds(data: Mapping[str, Any]) -> dict[str, float]:
    """The entry's bounds as the form shows them; nothing when unset or unreadable."""
    value = data.get(CONF_CITY_BOUNDS)
    if value is None:
        return {}
    try:
        return asdict(CityBounds.from_value(value))
    except NccError:
        return {}


def _city_schema(
    defaults: Mapping[str, Any], bounds: Mapping[str, Any], *, first_time: bool
) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_CITY_NAME, default=defaults.get(CONF_CITY_NAME, "")): str,
        vol.Required(
            CONF_RETENTION_POLICY_DAYS,
            default=defaults.get(CONF_RETENTION_POLICY_DAYS, DEFAULT_RETENTION_POLICY_DAYS),
        ): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=1, max=365, step=1, mode=selector.NumberSelectorMode.BOX,
                unit_of_measurement="d",
            )
        ),
    }
    if first_time:
        fields[vol.Required(CONF_AGENCY_NAME, default=DEFAULT_AGENCY_NAME)] = str
        fields[vol.Required(CONF_AGENCY_CODE, default=DEFAULT_AGENCY_CODE)] = str
    fields[
        vol.Optional(
            CONF_AUDIT_DB_URL,
            description={"suggested_value": defaults.get(CONF_AUDIT_DB_URL)},
        )
    ] = selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD))
    fields[vol.Optional(CONF_CITY_BOUNDS)] = _bounds_section(bounds)
    return vol.Schema(fields)


def _server_schema(
    defaults: Mapping[str, Any], agencies: dict[str, str], *, include_name: bool
) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {}
    if include_name:
        fields[vol.Required(CONF_SERVER_NAME, default=defaults.get(CONF_SERVER_NAME, ""))] = str
    fields.update(
        {
            vol.Required(CONF_URL, default=defaults.get(CONF_URL, "http://")): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
            ),
            vol.Optional(
                CONF_USERNAME, description={"suggested_value": defaults.get(CONF_USERNAME)}
            ): str,
            vol.Optional(CONF_PASSWORD): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
            ),
            vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): bool,
            vol.Required(
                CONF_AGENCY_ID, default=defaults.get(CONF_AGENCY_ID, next(iter(agencies), ""))
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=agency_id, label=label)
                        for agency_id, label in agencies.items()
                    ],
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(
                CONF_STREAM_TEMPLATE,
                default=defaults.get(CONF_STREAM_TEMPLATE, DEFAULT_STREAM_TEMPLATE),
            ): str,
            vol.Required(
                CONF_CAMERA_ENTITIES, default=defaults.get(CONF_CAMERA_ENTITIES, False)
            ): bool,
        }
    )
    return vol.Schema(fields)


async def _async_validate_server(
    flow: ConfigFlow, url: str, username: str | None, password: str | None, verify_ssl: bool
) -> str | None:
    """Try the server as NCC will use it; return an error key or None.

    The login answers with Frigate's token as a cookie: a private, cookie-less session keeps
    it out of the jar Home Assistant shares with every other integration.
    """
    if bool(username) != bool(password):
        return "incomplete_auth"
    session = async_create_clientsession(
        flow.hass, verify_ssl=verify_ssl, auto_cleanup=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    client = FrigateClient(
        session,
        url,
        username=username or None,
        password=password or None,
        verify_ssl=verify_ssl,
    )
    try:
        await client.async_validate()
    except FrigateAuthError:
        return "invalid_auth"
    except FrigateUnsupportedVersionError:
        return "unsupported_version"
    except FrigateConnectionError:
        return "cannot_connect"
    except FrigateError as err:
        _LOGGER.debug("Frigate at %s answered unexpectedly: %s", client.url, err)
        return "cannot_connect"
    finally:
        # HA's connector is shared: let go of it without closing it
        session.detach()
    return None


class NccConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the city, then its Frigate servers."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if not self._async_current_entries_of(ENTRY_TYPE_CITY):
            return await self.async_step_city(user_input)
        return await self.async_step_server(user_input)

    def _async_current_entries_of(self, entry_type: str) -> list[ConfigEntry]:
        return [
            entry
            for entry in self._async_current_entries(include_ignore=False)
            if entry.data.get(CONF_ENTRY_TYPE) == entry_type
        ]

    # --- the city -------------------------------------------------------------------------

    async def async_step_city(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            await self.async_set_unique_id(CITY_UNIQUE_ID)
            self._abort_if_unique_id_configured()
            errors = _validate_city_input(user_input, first_time=True)
            if not errors:
                data = _city_data(user_input)
                data[CONF_AGENCY_NAME] = user_input[CONF_AGENCY_NAME].strip()
                data[CONF_AGENCY_CODE] = user_input[CONF_AGENCY_CODE].strip().upper()
                return self.async_create_entry(title=data[CONF_CITY_NAME], data=data)
        return self.async_show_form(
            step_id="city",
            data_schema=self.add_suggested_values_to_schema(
                _city_schema({}, _submitted_bounds(user_input), first_time=True),
                _without_bounds(user_input),
            ),
            errors=errors,
        )

    # --- a Frigate server -----------------------------------------------------------------

    def _agency_options(self) -> dict[str, str] | None:
        city = async_get_city(self.hass)
        if city is None:
            return None
        return {agency.id: f"{agency.code} — {agency.name}" for agency in city.registry.agencies.values()}

    async def async_step_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        agencies = self._agency_options()
        if agencies is None:
            return self.async_abort(reason="city_not_ready")
        errors: dict[str, str] = {}
        if user_input is not None:
            server_id = _server_id_for(user_input[CONF_SERVER_NAME])
            if server_id is None:
                errors[CONF_SERVER_NAME] = "invalid_name"
            elif not stream_template_is_valid(user_input[CONF_STREAM_TEMPLATE]):
                errors[CONF_STREAM_TEMPLATE] = "invalid_stream_template"
            else:
                await self.async_set_unique_id(f"server_{server_id}")
                self._abort_if_unique_id_configured()
                self._async_abort_entries_match({CONF_URL: user_input[CONF_URL].rstrip("/")})
                error = await _async_validate_server(
                    self,
                    user_input[CONF_URL],
                    user_input.get(CONF_USERNAME),
                    user_input.get(CONF_PASSWORD),
                    user_input[CONF_VERIFY_SSL],
                )
                if error:
                    errors["base"] = error
                else:
                    data = {
                        CONF_ENTRY_TYPE: ENTRY_TYPE_SERVER,
                        CONF_SERVER_ID: server_id,
                        **_server_data(user_input),
                    }
                    return self.async_create_entry(
                        title=user_input[CONF_SERVER_NAME].strip(), data=data
                    )
        return self.async_show_form(
            step_id="server",
            data_schema=self.add_suggested_values_to_schema(
                _server_schema({}, agencies, include_name=True),
                {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD},
            ),
            description_placeholders=TEMPLATE_PLACEHOLDERS,
            errors=errors,
        )

    # --- a private owner's Frigate, connected when NCC approves its registration ------------

    async def async_step_registration(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Started by NCC itself, never shown: a server entry for an approved owner's Frigate.

        `data` holds the server name, URL, account, verify_ssl and the owner's agency id;
        every refusal is an abort whose reason the registration desk translates.
        """
        server_id = _server_id_for(str(data.get(CONF_SERVER_NAME, "")))
        if server_id is None:
            return self.async_abort(reason="invalid_name")
        await self.async_set_unique_id(f"server_{server_id}")
        self._abort_if_unique_id_configured()
        self._async_abort_entries_match({CONF_URL: str(data[CONF_URL]).rstrip("/")})
        error = await _async_validate_server(
            self, data[CONF_URL], data.get(CONF_USERNAME), data.get(CONF_PASSWORD),
            bool(data[CONF_VERIFY_SSL]),
        )
        if error:
            return self.async_abort(reason=error)
        return self.async_create_entry(
            title=str(data[CONF_SERVER_NAME]).strip(),
            data={CONF_ENTRY_TYPE: ENTRY_TYPE_SERVER, CONF_SERVER_ID: server_id, **_server_data(data)},
        )

    # --- reauthentication (a server answered 401) ------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            error = await _async_validate_server(
                self,
                entry.data[CONF_URL],
                user_input.get(CONF_USERNAME),
                user_input.get(CONF_PASSWORD),
                entry.data.get(CONF_VERIFY_SSL, True),
            )
            if error:
                errors["base"] = error
            else:
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_USERNAME: user_input.get(CONF_USERNAME, ""),
                        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                    },
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_USERNAME, default=entry.data.get(CONF_USERNAME) or ""
                    ): str,
                    vol.Required(CONF_PASSWORD): selector.TextSelector(
                        selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
                    ),
                }
            ),
            description_placeholders={"server": entry.title},
            errors=errors,
        )

    # --- reconfiguration (city settings, or a server's address, account and agency) ----------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_TYPE_CITY:
            return await self.async_step_reconfigure_city(user_input)
        return await self.async_step_reconfigure_server(user_input)

    async def async_step_reconfigure_city(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate_city_input(user_input, first_time=False)
            if not errors:
                # replaced, not merged: bounds left empty are removed
                kept = {k: v for k, v in entry.data.items() if k != CONF_CITY_BOUNDS}
                return self.async_update_reload_and_abort(
                    entry,
                    title=user_input[CONF_CITY_NAME].strip(),
                    data=kept | _city_data(user_input),
                )
        bounds = _stored_bounds(entry.data) if user_input is None else _submitted_bounds(user_input)
        return self.async_show_form(
            step_id="reconfigure_city",
            data_schema=self.add_suggested_values_to_schema(
                _city_schema(entry.data, bounds, first_time=False), _without_bounds(user_input)
            ),
            errors=errors,
        )

    async def async_step_reconfigure_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        agencies = self._agency_options()
        if agencies is None:
            return self.async_abort(reason="city_not_ready")
        errors: dict[str, str] = {}
        if user_input is not None:
            url = user_input[CONF_URL].rstrip("/")
            if any(
                other.entry_id != entry.entry_id and other.data.get(CONF_URL) == url
                for other in self._async_current_entries_of(ENTRY_TYPE_SERVER)
            ):
                return self.async_abort(reason="already_configured")
            # an empty password keeps the stored one, unless the account itself was removed
            username = user_input.get(CONF_USERNAME)
            password = user_input.get(CONF_PASSWORD) or (
                entry.data.get(CONF_PASSWORD) if username else None
            )
            error = (
                await _async_validate_server(
                    self, url, username, password, user_input[CONF_VERIFY_SSL]
                )
                if stream_template_is_valid(user_input[CONF_STREAM_TEMPLATE])
                else "invalid_stream_template"
            )
            if error == "invalid_stream_template":
                errors[CONF_STREAM_TEMPLATE] = error
            elif error:
                errors["base"] = error
            else:
                data = _server_data({**user_input, CONF_PASSWORD: password})
                return self.async_update_reload_and_abort(entry, data_updates=data)
        defaults = {k: v for k, v in entry.data.items() if k != CONF_PASSWORD}
        return self.async_show_form(
            step_id="reconfigure_server",
            data_schema=self.add_suggested_values_to_schema(
                _server_schema(defaults, agencies, include_name=False),
                {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD},
            ),
            description_placeholders={**TEMPLATE_PLACEHOLDERS, "server": entry.title},
            errors=errors,
        )


def _server_id_for(name: str) -> str | None:
    """The id a server's cameras are prefixed with, from the name the user typed."""
    if not any(char.isalnum() for char in name):
        return None
    try:
        return check_server_id(slugify(name))
    except NccError:
        return None


def _validate_city_input(user_input: Mapping[str, Any], *, first_time: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(user_input.get(CONF_CITY_NAME, "")).strip():
        errors[CONF_CITY_NAME] = "required"
    if first_time:
        code = str(user_input.get(CONF_AGENCY_CODE, "")).strip()
        if not code or not code.replace("_", "").isalnum():
            errors[CONF_AGENCY_CODE] = "invalid_agency_code"
        if not str(user_input.get(CONF_AGENCY_NAME, "")).strip():
            errors[CONF_AGENCY_NAME] = "required"
    url = str(user_input.get(CONF_AUDIT_DB_URL) or "")
    if url and not url.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg2://")):
        errors[CONF_AUDIT_DB_URL] = "invalid_audit_db_url"
    try:
        _city_bounds(user_input)
    except NccError:
        errors["base"] = "invalid_bounds"
    return errors


def _submitted_bounds(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """The edges the user typed (possibly incomplete), to show again with an error."""
    section_input = (user_input or {}).get(CONF_CITY_BOUNDS) or {}
    return {name: section_input[name] for name in BOUND_EDGES if name in section_input}


def _without_bounds(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """The other fields' values to show again; the bounds section carries its own."""
    return {k: v for k, v in (user_input or {}).items() if k != CONF_CITY_BOUNDS}


def _city_bounds(user_input: Mapping[str, Any]) -> CityBounds | None:
    """The city's rectangle: all four edges or none; raises the domain's error otherwise."""
    edges = _submitted_bounds(user_input)
    if not edges:
        return None
    # CityBounds refuses a missing edge as it refuses a misplaced one
    return CityBounds.from_value(edges)


def _city_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    bounds = _city_bounds(user_input)
    return {
        CONF_ENTRY_TYPE: ENTRY_TYPE_CITY,
        CONF_CITY_NAME: str(user_input[CONF_CITY_NAME]).strip(),
        CONF_RETENTION_POLICY_DAYS: int(user_input[CONF_RETENTION_POLICY_DAYS]),
        CONF_AUDIT_DB_URL: str(user_input.get(CONF_AUDIT_DB_URL) or ""),
        **({} if bounds is None else {CONF_CITY_BOUNDS: asdict(bounds)}),
    }


def _server_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_URL: str(user_input[CONF_URL]).rstrip("/"),
        CONF_USERNAME: user_input.get(CONF_USERNAME) or "",
        CONF_PASSWORD: user_input.get(CONF_PASSWORD) or "",
        CONF_VERIFY_SSL: bool(user_input[CONF_VERIFY_SSL]),
        CONF_AGENCY_ID: user_input[CONF_AGENCY_ID],
        CONF_STREAM_TEMPLATE: user_input.get(CONF_STREAM_TEMPLATE) or DEFAULT_STREAM_TEMPLATE,
        CONF_CAMERA_ENTITIES: bool(user_input.get(CONF_CAMERA_ENTITIES, False)),
        **({CONF_SERVER_NAME: user_input[CONF_SERVER_NAME].strip()}
           if CONF_SERVER_NAME in user_input else {}),
    }
