"""Persistence adapters: the registry in HA's Store, the audit log in its SQL database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
import logging
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .core.audit import (
    AuditEntry,
    AuditLog,
    AuditPage,
    AuditQuery,
    AuditRecord,
    ChainHead,
    JsonValue,
    VerifyReport,
)
from .core.permissions import Actor
from .core.registry import STORAGE_VERSION, Registry, migrate

_LOGGER = logging.getLogger(__name__)

REGISTRY_KEY = f"{DOMAIN}.registry"
ANCHOR_KEY = f"{DOMAIN}.audit_anchor"
# Background saves coalesce bursts (an inventory sync of 60 cameras is one write); actions
# save immediately before they answer, so an acknowledged change is on disk.
REGISTRY_SAVE_DELAY = 1.0
ANCHOR_SAVE_DELAY = 1.0


class RegistryStore(Store[dict[str, Any]]):
    """The registry's JSON file, migrated by the domain's own `migrate`."""

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(hass, STORAGE_VERSION, REGISTRY_KEY, atomic_writes=True)

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return migrate(old_major_version, old_data)

    async def async_load_registry(self) -> Registry:
        """The stored registry, or an empty one; damaged data raises and is left untouched."""
        data = await self.async_load()
        return Registry() if data is None else Registry.from_dict(data)

    def schedule_save(self, registry: Registry) -> None:
        self.async_delay_save(registry.to_dict, REGISTRY_SAVE_DELAY)

    async def async_save_now(self, registry: Registry) -> None:
        await self.async_save(registry.to_dict())


@dataclass(frozen=True, slots=True)
class AuditItem:
    """One entry to append, as `AuditTrail.async_record` takes it."""

    actor: Actor
    action: str
    target_type: str
    target_id: str
    camera_id: str | None = None
    reason: str | None = None
    details: Mapping[str, JsonValue] = field(default_factory=dict)


def _audit_record(item: AuditItem) -> AuditRecord:
    return AuditRecord(
        user_id=item.actor.user_id,
        user_name=item.actor.name or item.actor.user_id,
        agency_id=item.actor.agency_id,
        action=item.action,
        target_type=item.target_type,
        target_id=item.target_id,
        camera_id=item.camera_id,
        reason=(item.reason or "").strip() or None,
        details=dict(item.details),
    )


class AuditTrail:
    """The audit log seen from the event loop, plus the anchor that detects truncation.

    SQL runs in the executor. The chain head is also kept in HA's own storage (the anchor): a
    rewritten or shortened database no longer matches it.
    """

    def __init__(self, hass: HomeAssistant, url: str) -> None:
        self._hass = hass
        self._log = AuditLog(url)
        self._anchor_store: Store[dict[str, Any]] = Store(hass, 1, ANCHOR_KEY)
        self._anchor: ChainHead | None = None

    @property
    def safe_url(self) -> str:
        return self._log.safe_url

    async def async_open(self) -> None:
        await self._hass.async_add_executor_job(self._log.open)
        stored = await self._anchor_store.async_load()
        if stored:
            self._anchor = ChainHead(
                seq=int(stored["seq"]), hash=str(stored["hash"]), count=int(stored["count"])
            )

    async def async_close(self) -> None:
        await self._anchor_store.async_save(self._anchor_data())
        await self._hass.async_add_executor_job(self._log.close)

    async def async_record(
        self,
        actor: Actor,
        action: str,
        target_type: str,
        target_id: str,
        *,
        camera_id: str | None = None,
        reason: str | None = None,
        details: Mapping[str, JsonValue] | None = None,
    ) -> AuditEntry:
        """Append one entry for what `actor` did; returns once it is committed."""
        record = _audit_record(
            AuditItem(actor, action, target_type, target_id, camera_id, reason, details or {})
        )
        entry = await self._hass.async_add_executor_job(self._log.append, record)
        self._advance_anchor(entry)
        return entry

    async def async_record_many(self, items: Sequence[AuditItem]) -> list[AuditEntry]:
        """Append several entries in one transaction (a burst of incidents is one commit).

        An item the log refuses is logged and left out rather than costing the others.
        """
        records: list[AuditRecord] = []
        for item in items:
            try:
                records.append(_audit_record(item))
            except ValueError:
                _LOGGER.exception("Audit of %s %s refused", item.action, item.target_id)
        if not records:
            return []
        entries = await self._hass.async_add_executor_job(self._log.append_many, records)
        self._advance_anchor(entries[-1])
        return entries

    def _advance_anchor(self, entry: AuditEntry) -> None:
        self._anchor = ChainHead(seq=entry.seq, hash=entry.hash, count=entry.seq)
        self._anchor_store.async_delay_save(self._anchor_data, ANCHOR_SAVE_DELAY)

    def _anchor_data(self) -> dict[str, Any]:
        if self._anchor is None:
            return {}
        return {"seq": self._anchor.seq, "hash": self._anchor.hash, "count": self._anchor.count}

    async def async_query(self, query: AuditQuery) -> AuditPage:
        return await self._hass.async_add_executor_job(self._log.query, query)

    async def async_verify(self) -> VerifyReport:
        return await self._hass.async_add_executor_job(self._log.verify, self._anchor)

    async def async_head(self) -> ChainHead | None:
        return await self._hass.async_add_executor_job(self._log.head)

    async def async_export_csv(self, since: datetime, until: datetime, path: Path) -> int:
        def write() -> int:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as out:
                return self._log.export_csv(since, until, out)

        return await self._hass.async_add_executor_job(write)
