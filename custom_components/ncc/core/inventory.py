"""Bulk inventory: agencies, sites and cameras from and to a CSV or YAML file.

`parse_inventory` checks every row of a file on its own and collects every problem with the
file's line number; `resolve_inventory` (used by `Registry.apply_inventory`) checks the rows
against the registry and prepares the records, so a file is applied whole or not at all.

Import creates or updates, never deletes. On update, a column (CSV) or key (YAML) the file does
not have keeps the current value; an empty value clears an optional field.

CSV: one row per camera; agencies and sites come from the distinct values in their columns
(every row repeating an agency or site must repeat it identically). A row without camera
values only defines its agency and/or site, so agencies and sites without cameras round-trip
too. Agency contacts and notify targets are YAML only.

YAML: sections `agencies`, `sites` and `cameras`; cameras and sites refer to agencies by code
and cameras to sites by id; references may also name records already in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import csv
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
import io
import re
from typing import TYPE_CHECKING, Any, Final

import yaml  # type: ignore[import-untyped,unused-ignore]

from .agencies import (
    Agency,
    AgencyKind,
    Contact,
    agency_id_for_code,
    check_agency_code,
    check_notify_targets,
)
from .cameras import (
    REGISTRY_SERVER,
    AreaType,
    CameraPurpose,
    CameraRecord,
    check_bearing,
    check_camera_id,
    check_retention_days,
    registry_camera_id,
)
from .errors import (
    ErrorKey,
    ValidationError,
    check_choice,
    check_optional_text,
    check_slug,
    check_text,
    slugify,
    unique_id,
)
from .sites import Site, check_latitude, check_longitude

if TYPE_CHECKING:
    from .registry import Registry


class InventoryFormat(StrEnum):
    """The file formats an inventory can be read from and written to."""

    CSV = "csv"
    YAML = "yaml"


def format_for_filename(filename: str) -> InventoryFormat:
    """The format a file name's extension announces (.csv, .yaml, .yml)."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension == "csv":
        return InventoryFormat.CSV
    if extension in ("yaml", "yml"):
        return InventoryFormat.YAML
    raise ValidationError(ErrorKey.INVENTORY_UNKNOWN_FORMAT, field="filename", file=filename)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an inventory file, at a line (1-based) and a field or column."""

    line: int
    field: str
    message_key: StrEnum
    placeholders: Mapping[str, str]


class InventoryError(ValidationError):
    """An inventory was refused; `rows` holds every problem found."""

    def __init__(self, rows: Iterable[RowError]) -> None:
        self.rows: tuple[RowError, ...] = tuple(sorted(rows, key=lambda row: row.line))
        lines = sorted({row.line for row in self.rows})
        super().__init__(
            ErrorKey.INVENTORY_INVALID,
            count=len(self.rows),
            lines=", ".join(str(line) for line in lines[:20]),
        )


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""An entry field the file does not have: an update keeps the record's current value."""

type Given[T] = T | _Keep


@dataclass(frozen=True, slots=True)
class AgencyEntry:
    """An agency as a file describes it."""

    line: int
    code: str
    name: str
    kind: AgencyKind
    agency_id: str | None = None
    contacts: Given[tuple[Contact, ...]] = KEEP
    notify_targets: Given[tuple[str, ...]] = KEEP


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """A site as a file describes it; its responsible agency is referred to by code."""

    line: int
    site_id: str
    name: str
    latitude: float
    longitude: float
    address: Given[str] = KEEP
    agency_code: Given[str | None] = KEEP


@dataclass(frozen=True, slots=True)
class CameraEntry:
    """A camera as a file describes it; its owner is referred to by agency code."""

    line: int
    camera_id: str
    name: str
    agency_code: str
    purpose: CameraPurpose
    area_type: Given[AreaType | None] = KEEP
    site_id: Given[str | None] = KEEP
    bearing: Given[int | None] = KEEP
    retention_days: Given[int | None] = KEEP
    latitude: Given[float | None] = KEEP
    longitude: Given[float | None] = KEEP


@dataclass(frozen=True, slots=True)
class InventoryPlan:
    """A parsed inventory file: its valid entries and every problem found in it."""

    format: InventoryFormat
    agencies: tuple[AgencyEntry, ...] = ()
    sites: tuple[SiteEntry, ...] = ()
    cameras: tuple[CameraEntry, ...] = ()
    errors: tuple[RowError, ...] = ()
    # Codes and site ids of rows that failed: references to them are not reported twice.
    rejected_agency_codes: frozenset[str] = frozenset()
    rejected_site_ids: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        """True when the file itself has no problem (the registry may still refuse it)."""
        return not self.errors


@dataclass(frozen=True, slots=True)
class InventoryResult:
    """What an applied inventory created and updated (records already equal are not counted)."""

    agencies_created: int = 0
    agencies_updated: int = 0
    sites_created: int = 0
    sites_updated: int = 0
    cameras_created: int = 0
    cameras_updated: int = 0


# --------------------------------------------------------------------------- field converters

type _Converter[T] = Callable[[object, str], T]

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_INTEGER = re.compile(r"^\d+$")


def _scalar_text(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(ErrorKey.INVENTORY_WRONG_TYPE, field=column)


def _number(value: object, column: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _scalar_text(value, column).strip()
    if not _NUMBER.match(text):
        raise ValidationError(ErrorKey.INVALID_NUMBER, field=column, value=text)
    # Spreadsheets set to Indonesian write decimal commas.
    return float(text.replace(",", "."))


def _integer(value: object, column: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _scalar_text(value, column).strip()
    if not _INTEGER.match(text):
        raise ValidationError(ErrorKey.INVALID_NUMBER, field=column, value=text)
    return int(text)


def _text(value: object, column: str) -> str:
    return check_text(_scalar_text(value, column), column)


def _optional_text(value: object, column: str) -> str:
    return check_optional_text(_scalar_text(value, column), column)


def _code(value: object, column: str) -> str:
    return check_agency_code(_scalar_text(value, column))


def _slug(value: object, column: str) -> str:
    return check_slug(_scalar_text(value, column).strip(), column)


def _choice[E: StrEnum](choices: type[E]) -> _Converter[E]:
    def convert(value: object, column: str) -> E:
        return check_choice(choices, _scalar_text(value, column).strip().lower(), column)

    return convert


def _latitude(value: object, column: str) -> float:
    return check_latitude(_number(value, column), column)


def _longitude(value: object, column: str) -> float:
    return check_longitude(_number(value, column), column)


def _bearing(value: object, column: str) -> int | None:
    return check_bearing(_integer(value, column))


def _retention(value: object, column: str) -> int | None:
    return check_retention_days(_integer(value, column))


def _camera_id(value: object, column: str) -> str:
    return check_camera_id(_scalar_text(value, column).strip())


def _list(value: object, column: str) -> list[object]:
    if not isinstance(value, list):
        raise ValidationError(ErrorKey.INVENTORY_NOT_A_LIST, field=column)
    return value


def _notify_targets(value: object, column: str) -> tuple[str, ...]:
    return check_notify_targets(_scalar_text(item, column) for item in _list(value, column))


_CONTACT_KEYS = frozenset({"name", "role", "phone", "email"})


def _contacts(value: object, column: str) -> tuple[Contact, ...]:
    contacts: list[Contact] = []
    for item in _list(value, column):
        if not isinstance(item, dict):
            raise ValidationError(ErrorKey.INVENTORY_NOT_A_MAPPING, field=column)
        unknown = sorted(str(key) for key in item if key not in _CONTACT_KEYS)
        if unknown:
            raise ValidationError(ErrorKey.INVENTORY_UNKNOWN_FIELD, field=f"{column}.{unknown[0]}")
        contacts.append(Contact(**{key: _scalar_text(item[key], f"{column}.{key}") for key in item}))
    return tuple(contacts)


# ------------------------------------------------------------------------------- rows and plan


class _Row:
    """One item of a file: reads fields, turning each failure into a RowError."""

    def __init__(self, line: int, values: Mapping[str, object], errors: list[RowError]) -> None:
        self.line = line
        self.values = values
        self.failed = False
        self._errors = errors

    def error(self, column: str, key: StrEnum, **placeholders: object) -> None:
        self.failed = True
        self._errors.append(
            RowError(
                line=self.line,
                field=column,
                message_key=key,
                placeholders={name: str(value) for name, value in placeholders.items()},
            )
        )

    def has(self, column: str) -> bool:
        """The file has this column (CSV) or key (YAML), even if empty here."""
        return column in self.values

    def given(self, column: str) -> bool:
        """The row has a non-empty value for `column`."""
        value = self.values.get(column)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def raw_text(self, column: str) -> str:
        value = self.values.get(column)
        return value.strip() if isinstance(value, str) else str(value or "")

    def get[T](self, column: str, convert: _Converter[T], *, required: bool = False) -> T | None:
        if not self.given(column):
            if required:
                self.error(column, ErrorKey.FIELD_REQUIRED, field=column)
            return None
        try:
            return convert(self.values[column], column)
        except ValidationError as err:
            self.error(column, err.key, **{**err.placeholders, "field": column})
            return None

    def optional[T](self, column: str, convert: _Converter[T | None]) -> Given[T | None]:
        """The value, None when empty, KEEP when the file lacks the column."""
        return self.get(column, convert) if self.has(column) else KEEP

    def camera_id(self, id_column: str, name: str | None) -> str | None:
        """The camera id given, else `registry/<slug of the name>`."""
        camera_id = self.get(id_column, _camera_id)
        if camera_id is not None or self.given(id_column) or name is None:
            return camera_id
        return self.derived_id(id_column, name, registry_camera_id)

    def site_id(self, id_column: str, name: str | None) -> str | None:
        """The site id given, else the slug of the site's name."""
        site_id = self.get(id_column, _slug)
        if site_id is not None or self.given(id_column) or name is None:
            return site_id
        return self.derived_id(id_column, name, lambda slug: slug)

    def derived_id(self, column: str, name: str, build: Callable[[str], str]) -> str | None:
        slug = slugify(name)
        if not slug:
            self.error(column, ErrorKey.INVALID_ID, field=column, value=name)
            return None
        return build(slug)

    def coordinates(
        self, latitude_column: str, longitude_column: str
    ) -> tuple[Given[float | None], Given[float | None]]:
        if not self.has(latitude_column) and not self.has(longitude_column):
            return KEEP, KEEP
        latitude = self.get(latitude_column, _latitude)
        longitude = self.get(longitude_column, _longitude)
        if self.given(latitude_column) != self.given(longitude_column):
            self.error(latitude_column, ErrorKey.COORDINATES_INCOMPLETE, field=latitude_column)
        return latitude, longitude


class _PlanBuilder:
    """Collects entries across rows, finding duplicates and conflicting repeats."""

    def __init__(self, fmt: InventoryFormat) -> None:
        self.format = fmt
        self.errors: list[RowError] = []
        self.agencies: dict[str, AgencyEntry] = {}
        self.agency_ids: dict[str, AgencyEntry] = {}
        self.sites: dict[str, SiteEntry] = {}
        self.cameras: dict[str, CameraEntry] = {}
        self.rejected_codes: set[str] = set()
        self.rejected_sites: set[str] = set()

    def error(self, line: int, column: str, key: StrEnum, **placeholders: object) -> None:
        _Row(line, {}, self.errors).error(column, key, **placeholders)

    def reject(self, code: str, site_id: str | None) -> None:
        """Remember what a failed row defined, so references to it are not reported again."""
        if code:
            self.rejected_codes.add(code.upper())
        if site_id:
            self.rejected_sites.add(site_id)

    def add_agency(self, entry: AgencyEntry, *, repeats_allowed: bool) -> bool:
        first = self.agencies.get(entry.code)
        if first is not None:
            if not repeats_allowed:
                self._report(ErrorKey.INVENTORY_DUPLICATE, entry.line, "code", entry.code, first)
                return False
            if replace(first, line=entry.line) != entry:
                self._report(
                    ErrorKey.INVENTORY_CONFLICTING_VALUES,
                    entry.line,
                    "agency_code",
                    entry.code,
                    first,
                )
                return False
            return True
        if entry.agency_id is not None:
            holder = self.agency_ids.get(entry.agency_id)
            if holder is not None:
                self._report(ErrorKey.INVENTORY_DUPLICATE, entry.line, "agency_id", entry.agency_id, holder)
                return False
            self.agency_ids[entry.agency_id] = entry
        self.agencies[entry.code] = entry
        return True

    def add_site(self, entry: SiteEntry, *, repeats_allowed: bool) -> bool:
        first = self.sites.get(entry.site_id)
        if first is None:
            self.sites[entry.site_id] = entry
            return True
        if not repeats_allowed:
            self._report(ErrorKey.INVENTORY_DUPLICATE, entry.line, "site_id", entry.site_id, first)
            return False
        if replace(first, line=entry.line) != entry:
            self._report(ErrorKey.INVENTORY_CONFLICTING_VALUES, entry.line, "site_id", entry.site_id, first)
            return False
        return True

    def add_camera(self, entry: CameraEntry) -> None:
        first = self.cameras.get(entry.camera_id)
        if first is None:
            self.cameras[entry.camera_id] = entry
        else:
            self._report(ErrorKey.INVENTORY_DUPLICATE, entry.line, "camera_id", entry.camera_id, first)

    def _report(
        self,
        key: ErrorKey,
        line: int,
        column: str,
        value: str,
        first: AgencyEntry | SiteEntry | CameraEntry,
    ) -> None:
        self.error(line, column, key, field=column, value=value, first_line=first.line)

    def build(self) -> InventoryPlan:
        if not self.errors and not self.agencies and not self.cameras and not self.sites:
            self.error(1, "", ErrorKey.INVENTORY_EMPTY)
        return InventoryPlan(
            format=self.format,
            agencies=tuple(self.agencies.values()),
            sites=tuple(self.sites.values()),
            cameras=tuple(self.cameras.values()),
            errors=tuple(sorted(self.errors, key=lambda error: error.line)),
            rejected_agency_codes=frozenset(self.rejected_codes),
            rejected_site_ids=frozenset(self.rejected_sites),
        )


# ------------------------------------------------------------------------------------------ CSV

CSV_COLUMNS: Final = (
    "agency_code",
    "agency_name",
    "agency_kind",
    "agency_id",
    "site_id",
    "site_name",
    "site_address",
    "site_latitude",
    "site_longitude",
    "site_agency_code",
    "camera_id",
    "camera_name",
    "purpose",
    "area_type",
    "bearing",
    "retention_days",
    "camera_latitude",
    "camera_longitude",
)
CSV_REQUIRED_COLUMNS: Final = ("agency_code", "agency_name", "agency_kind", "camera_name", "purpose")
_AGENCY_COLUMNS = tuple(column for column in CSV_COLUMNS if column.startswith("agency_"))
_SITE_COLUMNS = tuple(column for column in CSV_COLUMNS if column.startswith("site_"))
_CAMERA_COLUMNS = tuple(column for column in CSV_COLUMNS if column not in _AGENCY_COLUMNS + _SITE_COLUMNS)


def _parse_csv(text: str) -> InventoryPlan:
    builder = _PlanBuilder(InventoryFormat.CSV)
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Indonesian separate cells with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        builder.error(1, "", ErrorKey.INVENTORY_EMPTY)
        return builder.build()
    columns = [cell.strip().lower() for cell in header]
    for column in columns:
        if column not in CSV_COLUMNS:
            builder.error(1, column, ErrorKey.INVENTORY_UNKNOWN_FIELD, field=column)
    missing = [column for column in CSV_REQUIRED_COLUMNS if column not in columns]
    if missing:
        builder.error(1, "", ErrorKey.INVENTORY_MISSING_COLUMNS, columns=", ".join(missing))
    if builder.errors:
        return builder.build()
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            builder.error(line, "", ErrorKey.INVENTORY_SYNTAX, detail=str(err))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            builder.error(line, "", ErrorKey.INVENTORY_EXTRA_CELLS, columns=len(columns), cells=len(cells))
            continue
        # Editors drop trailing empty cells; they are empty, not missing columns.
        padded = cells + [""] * (len(columns) - len(cells))
        _add_csv_row(builder, _Row(line, dict(zip(columns, padded, strict=True)), builder.errors))
    return builder.build()


def _add_csv_row(builder: _PlanBuilder, row: _Row) -> None:
    camera_row = any(row.given(column) for column in _CAMERA_COLUMNS)
    defines_agency = camera_row or any(row.given(column) for column in _AGENCY_COLUMNS)
    agency = _csv_agency(row) if defines_agency else None
    site = _csv_site(row)
    camera = _csv_camera(row, agency, site) if camera_row else None
    if row.failed:
        site_id = row.raw_text("site_id") or slugify(row.raw_text("site_name"))
        builder.reject(row.raw_text("agency_code"), site_id)
        return
    if agency is not None and not builder.add_agency(agency, repeats_allowed=True):
        return
    if isinstance(site, SiteEntry) and not builder.add_site(site, repeats_allowed=True):
        return
    if camera is not None:
        builder.add_camera(camera)


def _csv_agency(row: _Row) -> AgencyEntry | None:
    code = row.get("agency_code", _code, required=True)
    name = row.get("agency_name", _text, required=True)
    kind = row.get("agency_kind", _choice(AgencyKind), required=True)
    agency_id = row.get("agency_id", _slug)
    if code is None or name is None or kind is None:
        return None
    return AgencyEntry(line=row.line, code=code, name=name, kind=kind, agency_id=agency_id)


def _csv_site(row: _Row) -> Given[SiteEntry | None]:
    """The row's site; None when its site cells are empty, KEEP when the file has none."""
    if not any(row.has(column) for column in _SITE_COLUMNS):
        return KEEP
    if not any(row.given(column) for column in _SITE_COLUMNS):
        return None
    name = row.get("site_name", _text, required=True)
    site_id = row.site_id("site_id", name)
    address = row.optional("site_address", _optional_text)
    latitude = row.get("site_latitude", _latitude, required=True)
    longitude = row.get("site_longitude", _longitude, required=True)
    agency_code = row.optional("site_agency_code", _code)
    if site_id is None or name is None or latitude is None or longitude is None:
        return None
    return SiteEntry(
        line=row.line,
        site_id=site_id,
        name=name,
        latitude=latitude,
        longitude=longitude,
        address=address if address is not None else "",
        agency_code=agency_code,
    )


def _csv_camera(row: _Row, agency: AgencyEntry | None, site: Given[SiteEntry | None]) -> CameraEntry | None:
    name = row.get("camera_name", _text, required=True)
    camera_id = row.camera_id("camera_id", name)
    purpose = row.get("purpose", _choice(CameraPurpose), required=True)
    area_type = row.optional("area_type", _choice(AreaType))
    bearing = row.optional("bearing", _bearing)
    retention_days = row.optional("retention_days", _retention)
    latitude, longitude = row.coordinates("camera_latitude", "camera_longitude")
    if agency is None or camera_id is None or name is None or purpose is None:
        return None
    return CameraEntry(
        line=row.line,
        camera_id=camera_id,
        name=name,
        agency_code=agency.code,
        purpose=purpose,
        area_type=area_type,
        site_id=site.site_id if isinstance(site, SiteEntry) else site,
        bearing=bearing,
        retention_days=retention_days,
        latitude=latitude,
        longitude=longitude,
    )


def _export_csv(registry: Registry) -> str:
    agencies, sites = registry.agencies, registry.sites

    def agency_cells(agency_id: str | None) -> list[object]:
        if agency_id is None:
            return ["", "", "", ""]
        agency = agencies[agency_id]
        return [agency.code, agency.name, agency.kind.value, agency.id]

    def site_cells(site_id: str | None) -> list[object]:
        if site_id is None:
            return ["", "", "", "", "", ""]
        site = sites[site_id]
        responsible = "" if site.agency_id is None else agencies[site.agency_id].code
        return [site.id, site.name, site.address, site.latitude, site.longitude, responsible]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    cameras = sorted(registry.cameras.values(), key=lambda item: item.id)
    for camera in cameras:
        writer.writerow(
            [
                *agency_cells(camera.owner_agency_id),
                *site_cells(camera.site_id),
                camera.id,
                camera.name,
                camera.purpose.value,
                "" if camera.area_type is None else camera.area_type.value,
                *(
                    "" if value is None else value
                    for value in (
                        camera.bearing,
                        camera.retention_days,
                        camera.latitude,
                        camera.longitude,
                    )
                ),
            ]
        )
    no_camera = [""] * len(_CAMERA_COLUMNS)
    owners = {camera.owner_agency_id for camera in cameras}
    for agency in sorted(agencies.values(), key=lambda item: item.code):
        if agency.id not in owners:
            writer.writerow([*agency_cells(agency.id), *site_cells(None), *no_camera])
    placed = {camera.site_id for camera in cameras}
    for site_id in sorted(sites):
        if site_id not in placed:
            writer.writerow([*agency_cells(None), *site_cells(site_id), *no_camera])
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------- YAML

_AGENCY_KEYS = frozenset({"code", "name", "kind", "id", "contacts", "notify_targets"})
_SITE_KEYS = frozenset({"id", "name", "address", "latitude", "longitude", "agency"})
_CAMERA_KEYS = frozenset(
    {
        "id",
        "name",
        "agency",
        "site",
        "purpose",
        "area_type",
        "bearing",
        "retention_days",
        "latitude",
        "longitude",
    }
)
_SECTIONS = ("agencies", "sites", "cameras")
_UNREADABLE = object()
# libyaml is many times faster on a city's inventory; PyYAML falls back to Python without it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _parse_yaml(text: str) -> InventoryPlan:
    builder = _PlanBuilder(InventoryFormat.YAML)
    try:
        document = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        line = 1 if err.problem_mark is None else err.problem_mark.line + 1
        builder.error(line, "", ErrorKey.INVENTORY_SYNTAX, detail=err.problem or "")
        return builder.build()
    except yaml.reader.ReaderError as err:
        # characters YAML refuses (control characters, invalid code points)
        line = text.count("\n", 0, max(err.position, 0)) + 1
        builder.error(line, "", ErrorKey.INVENTORY_SYNTAX, detail=err.reason)
        return builder.build()
    if document is None:
        return builder.build()
    if not isinstance(document, yaml.MappingNode):
        builder.error(document.start_mark.line + 1, "", ErrorKey.INVENTORY_NOT_A_MAPPING, field="inventory")
        return builder.build()
    constructor = yaml.constructor.SafeConstructor()
    sections: dict[str, list[tuple[int, object]]] = {}
    for key_node, value_node in document.value:
        section = str(key_node.value)
        line = key_node.start_mark.line + 1
        if section not in _SECTIONS:
            builder.error(line, section, ErrorKey.INVENTORY_UNKNOWN_FIELD, field=section)
        elif isinstance(value_node, yaml.SequenceNode):
            sections[section] = [
                (item.start_mark.line + 1, _construct(constructor, item, builder))
                for item in value_node.value
            ]
        elif not (isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~")):
            builder.error(line, section, ErrorKey.INVENTORY_NOT_A_LIST, field=section)
    readers: tuple[tuple[str, frozenset[str], Callable[[_PlanBuilder, _Row], None]], ...] = (
        ("agencies", _AGENCY_KEYS, _add_yaml_agency),
        ("sites", _SITE_KEYS, _add_yaml_site),
        ("cameras", _CAMERA_KEYS, _add_yaml_camera),
    )
    for section, keys, add in readers:
        for line, item in sections.get(section, []):
            row = _yaml_row(builder, line, item, section, keys)
            if row is not None:
                add(builder, row)
    return builder.build()


def _construct(constructor: Any, node: Any, builder: _PlanBuilder) -> object:
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or node.start_mark
        builder.error(mark.line + 1, "", ErrorKey.INVENTORY_SYNTAX, detail=err.problem or "")
        return _UNREADABLE


def _yaml_row(
    builder: _PlanBuilder, line: int, item: object, section: str, keys: frozenset[str]
) -> _Row | None:
    if item is _UNREADABLE:
        return None
    if not isinstance(item, dict):
        builder.error(line, section, ErrorKey.INVENTORY_NOT_A_MAPPING, field=section)
        return None
    row = _Row(line, {str(key): value for key, value in item.items()}, builder.errors)
    for key in sorted(row.values):
        if key not in keys:
            row.error(key, ErrorKey.INVENTORY_UNKNOWN_FIELD, field=key)
    return row


def _add_yaml_agency(builder: _PlanBuilder, row: _Row) -> None:
    code = row.get("code", _code, required=True)
    name = row.get("name", _text, required=True)
    kind = row.get("kind", _choice(AgencyKind), required=True)
    agency_id = row.get("id", _slug)
    contacts = row.optional("contacts", _contacts)
    notify_targets = row.optional("notify_targets", _notify_targets)
    if row.failed or code is None or name is None or kind is None:
        builder.reject(row.raw_text("code"), None)
        return
    builder.add_agency(
        AgencyEntry(
            line=row.line,
            code=code,
            name=name,
            kind=kind,
            agency_id=agency_id,
            contacts=() if contacts is None else contacts,
            notify_targets=() if notify_targets is None else notify_targets,
        ),
        repeats_allowed=False,
    )


def _add_yaml_site(builder: _PlanBuilder, row: _Row) -> None:
    name = row.get("name", _text, required=True)
    site_id = row.site_id("id", name)
    address = row.optional("address", _optional_text)
    latitude = row.get("latitude", _latitude, required=True)
    longitude = row.get("longitude", _longitude, required=True)
    agency_code = row.optional("agency", _code)
    if row.failed or site_id is None or name is None or latitude is None or longitude is None:
        builder.reject("", site_id or row.raw_text("id") or slugify(row.raw_text("name")))
        return
    builder.add_site(
        SiteEntry(
            line=row.line,
            site_id=site_id,
            name=name,
            latitude=latitude,
            longitude=longitude,
            address="" if address is None else address,
            agency_code=agency_code,
        ),
        repeats_allowed=False,
    )


def _add_yaml_camera(builder: _PlanBuilder, row: _Row) -> None:
    name = row.get("name", _text, required=True)
    camera_id = row.camera_id("id", name)
    agency_code = row.get("agency", _code, required=True)
    purpose = row.get("purpose", _choice(CameraPurpose), required=True)
    area_type = row.optional("area_type", _choice(AreaType))
    site_id = row.optional("site", _slug)
    bearing = row.optional("bearing", _bearing)
    retention_days = row.optional("retention_days", _retention)
    latitude, longitude = row.coordinates("latitude", "longitude")
    if row.failed or camera_id is None or name is None or agency_code is None or purpose is None:
        return
    builder.add_camera(
        CameraEntry(
            line=row.line,
            camera_id=camera_id,
            name=name,
            agency_code=agency_code,
            purpose=purpose,
            area_type=area_type,
            site_id=site_id,
            bearing=bearing,
            retention_days=retention_days,
            latitude=latitude,
            longitude=longitude,
        )
    )


def _export_yaml(registry: Registry) -> str:
    agencies = registry.agencies

    def code_of(agency_id: str | None) -> str | None:
        return None if agency_id is None else agencies[agency_id].code

    document: dict[str, list[dict[str, Any]]] = {
        "agencies": [
            {
                "code": agency.code,
                "id": agency.id,
                "name": agency.name,
                "kind": agency.kind.value,
                "contacts": [
                    {key: value for key, value in contact.to_dict().items() if value}
                    for contact in agency.contacts
                ],
                "notify_targets": list(agency.notify_targets),
            }
            for agency in sorted(agencies.values(), key=lambda item: item.code)
        ],
        "sites": [
            {
                "id": site.id,
                "name": site.name,
                "address": site.address,
                "latitude": site.latitude,
                "longitude": site.longitude,
                "agency": code_of(site.agency_id),
            }
            for site in sorted(registry.sites.values(), key=lambda item: item.id)
        ],
        "cameras": [
            {
                "id": camera.id,
                "name": camera.name,
                "agency": code_of(camera.owner_agency_id),
                "site": camera.site_id,
                "purpose": camera.purpose.value,
                "area_type": None if camera.area_type is None else camera.area_type.value,
                "bearing": camera.bearing,
                "retention_days": camera.retention_days,
                "latitude": camera.latitude,
                "longitude": camera.longitude,
            }
            for camera in sorted(registry.cameras.values(), key=lambda item: item.id)
        ],
    }
    dumped: str = yaml.dump(document, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    return dumped


# ------------------------------------------------------------------------------- entry points


def parse_inventory(text: str, fmt: InventoryFormat) -> InventoryPlan:
    """Read an inventory file; every problem is in the returned plan's `errors`."""
    if InventoryFormat(fmt) is InventoryFormat.CSV:
        return _parse_csv(text)
    return _parse_yaml(text)


def export_inventory(registry: Registry, fmt: InventoryFormat) -> str:
    """Write the registry's agencies, sites and cameras in a format `parse_inventory` reads."""
    if InventoryFormat(fmt) is InventoryFormat.CSV:
        return _export_csv(registry)
    return _export_yaml(registry)


@dataclass(frozen=True, slots=True)
class _ReferenceColumns:
    """Where each format keeps the fields that refer to other records."""

    agency_id: str
    site_agency: str
    camera_agency: str
    camera_site: str


_REFERENCE_COLUMNS: Final[Mapping[InventoryFormat, _ReferenceColumns]] = {
    InventoryFormat.CSV: _ReferenceColumns("agency_id", "site_agency_code", "agency_code", "site_id"),
    InventoryFormat.YAML: _ReferenceColumns("id", "agency", "agency", "site"),
}


@dataclass(frozen=True, slots=True)
class InventoryResolution:
    """The records an inventory would write (only those that change), or why it cannot."""

    errors: tuple[RowError, ...]
    agencies: dict[str, Agency] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    cameras: dict[str, CameraRecord] = field(default_factory=dict)
    result: InventoryResult = field(default_factory=InventoryResult)


def _kept[T](value: Given[T], current: T) -> T:
    return current if isinstance(value, _Keep) else value


class _Resolver:
    """Turns a plan's entries into registry records, collecting reference problems."""

    def __init__(self, registry: Registry, plan: InventoryPlan) -> None:
        self.registry = registry
        self.plan = plan
        self.columns = _REFERENCE_COLUMNS[plan.format]
        self.errors: list[RowError] = list(plan.errors)
        self.ids_by_code = {agency.code: agency.id for agency in registry.agencies.values()}
        self.failed_codes = set(plan.rejected_agency_codes)
        self.known_sites = set(registry.sites) | {entry.site_id for entry in plan.sites}
        self.agencies: dict[str, Agency] = {}
        self.sites: dict[str, Site] = {}
        self.cameras: dict[str, CameraRecord] = {}
        self.created = {"agencies": 0, "sites": 0, "cameras": 0}

    def error(self, line: int, column: str, key: ErrorKey, **placeholders: object) -> None:
        _Row(line, {}, self.errors).error(column, key, **placeholders)

    def agency_for(self, line: int, column: str, code: str) -> str | None:
        agency_id = self.ids_by_code.get(code)
        if agency_id is None and code not in self.failed_codes:
            self.error(line, column, ErrorKey.INVENTORY_UNKNOWN_AGENCY, code=code)
        return agency_id

    def resolve_agencies(self) -> None:
        taken_ids = set(self.registry.agencies)
        for entry in self.plan.agencies:
            existing = self.registry.find_agency_by_code(entry.code)
            if existing is None and entry.agency_id in self.registry.agencies:
                self.error(
                    entry.line,
                    self.columns.agency_id,
                    ErrorKey.AGENCY_ID_TAKEN,
                    agency=entry.agency_id,
                )
                self.failed_codes.add(entry.code)
                continue
            if existing is not None and entry.agency_id not in (None, existing.id):
                self.error(
                    entry.line,
                    self.columns.agency_id,
                    ErrorKey.INVENTORY_AGENCY_ID_MISMATCH,
                    code=entry.code,
                    agency=existing.id,
                )
                continue
            if existing is not None:
                agency_id = existing.id
            else:
                agency_id = entry.agency_id or unique_id(agency_id_for_code(entry.code), taken_ids, "_")
            taken_ids.add(agency_id)
            self.ids_by_code[entry.code] = agency_id
            agency = Agency(
                id=agency_id,
                name=entry.name,
                code=entry.code,
                kind=entry.kind,
                contacts=_kept(entry.contacts, () if existing is None else existing.contacts),
                notify_targets=_kept(
                    entry.notify_targets, () if existing is None else existing.notify_targets
                ),
            )
            if agency != existing:
                self.agencies[agency_id] = agency
                self.created["agencies"] += existing is None

    def resolve_sites(self) -> None:
        for entry in self.plan.sites:
            existing = self.registry.sites.get(entry.site_id)
            if isinstance(entry.agency_code, _Keep):
                agency_id = None if existing is None else existing.agency_id
            elif entry.agency_code is None:
                agency_id = None
            else:
                agency_id = self.agency_for(entry.line, self.columns.site_agency, entry.agency_code)
                if agency_id is None:
                    continue
            site = Site(
                id=entry.site_id,
                name=entry.name,
                address=_kept(entry.address, "" if existing is None else existing.address),
                latitude=entry.latitude,
                longitude=entry.longitude,
                agency_id=agency_id,
            )
            if site != existing:
                self.sites[site.id] = site
                self.created["sites"] += existing is None

    def resolve_cameras(self) -> None:
        for entry in self.plan.cameras:
            owner = self.agency_for(entry.line, self.columns.camera_agency, entry.agency_code)
            site_id = _kept(entry.site_id, None)
            if site_id is not None and site_id not in self.known_sites:
                if site_id not in self.plan.rejected_site_ids:
                    self.error(
                        entry.line,
                        self.columns.camera_site,
                        ErrorKey.INVENTORY_UNKNOWN_SITE,
                        site=site_id,
                    )
                continue
            if owner is None:
                continue
            existing = self.registry.cameras.get(entry.camera_id)
            base = existing or CameraRecord(
                id=entry.camera_id,
                name=entry.name,
                owner_agency_id=owner,
                # A Frigate camera is present once its server reports it, not from a file.
                present=entry.camera_id.startswith(f"{REGISTRY_SERVER}/"),
            )
            camera = replace(
                base,
                name=entry.name,
                owner_agency_id=owner,
                owner_assigned=True,
                purpose=entry.purpose,
                area_type=_kept(entry.area_type, base.area_type),
                site_id=_kept(entry.site_id, base.site_id),
                bearing=_kept(entry.bearing, base.bearing),
                retention_days=_kept(entry.retention_days, base.retention_days),
                latitude=_kept(entry.latitude, base.latitude),
                longitude=_kept(entry.longitude, base.longitude),
            )
            if camera != existing:
                self.cameras[camera.id] = camera
                self.created["cameras"] += existing is None

    def resolution(self) -> InventoryResolution:
        if self.errors:
            return InventoryResolution(errors=tuple(sorted(self.errors, key=lambda e: e.line)))
        created = self.created
        return InventoryResolution(
            errors=(),
            agencies=self.agencies,
            sites=self.sites,
            cameras=self.cameras,
            result=InventoryResult(
                agencies_created=created["agencies"],
                agencies_updated=len(self.agencies) - created["agencies"],
                sites_created=created["sites"],
                sites_updated=len(self.sites) - created["sites"],
                cameras_created=created["cameras"],
                cameras_updated=len(self.cameras) - created["cameras"],
            ),
        )


def resolve_inventory(registry: Registry, plan: InventoryPlan) -> InventoryResolution:
    """Check `plan` against `registry` and build the records it would create or update."""
    resolver = _Resolver(registry, plan)
    resolver.resolve_agencies()
    resolver.resolve_sites()
    resolver.resolve_cameras()
    return resolver.resolution()
