"""The one door to NCC: who is calling, may they, and how a refusal reads.

Every action, websocket command and HTTP view goes through `async_actor` and `authorize`, which
hand the decision to the domain's `permissions.require_all`; domain errors become translated
Home Assistant errors here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .city import CityRuntime
from .const import DOMAIN
from .core.errors import NccError
from .core.permissions import CITY, Action, Actor, Target, actor_for, require_all
from .core.registry import Registry
from .data import async_get_city

# Actions and scripts run without a user; only HA administrators can write them, so they act
# with a city administrator's rights, recorded under this name.
AUTOMATION_USER_ID = "automation"

type Checks = Callable[[Registry, dict[str, object]], list[tuple[Action, Target]]]


class Requirement(Protocol):
    """What an entry point requires of its caller; raises a translated error when refused."""

    @property
    def description(self) -> str: ...

    def require(self, city: CityRuntime, actor: Actor, data: dict[str, object]) -> None: ...


@dataclass(frozen=True, slots=True)
class Guard:
    """What an entry point requires: the actions and targets derived from its input."""

    checks: Checks
    description: str = ""

    def require(self, city: CityRuntime, actor: Actor, data: dict[str, object]) -> None:
        with translate_errors():
            require_all(city.registry, actor, self.checks(city.registry, data), dt_util.utcnow())


def on(action: Action, target: Callable[[dict[str, object]], Target]) -> Guard:
    """A guard for one action on the target its input names."""
    return Guard(lambda _registry, data: [(action, target(data))], action.value)


def on_city(action: Action) -> Guard:
    """A guard for a city-wide action (its input names no camera or agency)."""
    return on(action, lambda _data: CITY)


def city_or_raise(hass: HomeAssistant) -> CityRuntime:
    city = async_get_city(hass)
    if city is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="city_not_ready")
    return city


async def async_actor(hass: HomeAssistant, city: CityRuntime, user_id: str | None) -> Actor:
    """The NCC actor behind an HA user id (None: an automation or script)."""
    if user_id is None:
        return actor_for(city.registry, AUTOMATION_USER_ID, True, "Automation")
    user = await hass.auth.async_get_user(user_id)
    if user is None:
        return actor_for(city.registry, user_id, False)
    return actor_for(city.registry, user.id, user.is_admin, user.name or "")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Domain errors become translated errors for the caller, in the caller's language."""
    try:
        yield
    except NccError as err:
        raise translated(err) from err


def translated(err: NccError) -> ServiceValidationError:
    """The HA error for a domain error: its key and placeholders, in the caller's language."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=str(err.key),
        translation_placeholders={k: str(v) for k, v in err.placeholders.items()},
    )
