"""Adding camera entities now and whenever a server reports new cameras (dynamic devices)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ServerCoordinator
from .server import ServerConfigEntry


@callback
def async_add_camera_entities(
    entry: ServerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[ServerCoordinator, str], Iterable[Entity]],
) -> None:
    """Create `factory`'s entities for every camera, and for cameras that appear later."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new() -> None:
        names = coordinator.data.camera_names
        new = [name for name in names if name not in known]
        known.update(new)
        # cameras that vanished are removed with their devices by the coordinator
        known.intersection_update(names)
        entities = [entity for name in new for entity in factory(coordinator, name)]
        if entities:
            async_add_entities(entities)

    add_new()
    entry.async_on_unload(coordinator.async_add_inventory_listener(add_new))
