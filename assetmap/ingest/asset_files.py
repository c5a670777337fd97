"""Reading an asset file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile) into the rows `load_assets` takes.

Columns named like our own export and API (`name`, `category`, `postcode`, `lon`, `lat`, `capacity.0.kind` …) and
the usual `latitude`/`longitude` need no mapping. Anything else is mapped by a small JSON or TOML file:

    {"columns": {"Site name": "name", "Post code": "postcode"},
     "categories": {"Village hall": "community_centre"},
     "defaults": {"category": "other"}}
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from ..config import Settings
from .assets import load_assets
from .read import Record, read_table
from .report import ImportReport

FIELDS = ("source_ref", "name", "category", "description", "audience", "accessibility", "organisation", "address",
          "postcode", "contact_email", "contact_phone", "private_home", "lon", "lat")
OFFER_FIELDS = ("kind", "quantity", "unit", "schedule", "cost", "audience", "description")
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "long": "lon", "organisation_name": "organisation",
           "organization": "organisation", "email": "contact_email", "phone": "contact_phone",
           "is_private_home": "private_home", "id": "source_ref"}
CAPACITY = re.compile(r"^capacity\.(\d+)\.([a-z_]+)$")


class MappingError(ValueError):
    """The mapping file cannot be read or says something we cannot do."""


def load_mapping(path: Path | str | None) -> dict[str, dict[str, Any]]:
    """A mapping file (JSON or TOML) as {"columns": {}, "categories": {}, "defaults": {}}."""
    mapping: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            if path.suffix.lower() == ".toml":
                mapping = tomllib.loads(path.read_text(encoding="utf-8"))
            else:
                mapping = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MappingError(f"{path.name}: {exc}") from None
    return check_mapping(mapping)


def check_mapping(mapping: dict) -> dict[str, dict[str, Any]]:
    """The three sections, each a dict (empty when absent); MappingError on anything else."""
    unknown = set(mapping) - {"columns", "categories", "defaults"}
    if unknown:
        raise MappingError(f"unknown mapping sections {', '.join(sorted(unknown))} "
                           "(expected columns, categories, defaults)")
    return {k: dict(mapping.get(k) or {}) for k in ("columns", "categories", "defaults")}


def column_targets(columns: list[str], mapping: dict) -> dict[str, str]:
    """Which field each column of the file feeds: the mapping first, then our own names, then common aliases."""
    targets = {}
    aliased = {}
    for col in columns:
        if col in mapping["columns"]:
            targets[col] = mapping["columns"][col]
            continue
        key = col.strip().lower()
        if key in FIELDS or CAPACITY.match(key):
            targets[col] = key
        elif ALIASES.get(key) in FIELDS:
            aliased[col] = ALIASES[key]
    # A column named exactly as our field wins over an alias of it: our own export has both `id` and `source_ref`.
    for col, key in aliased.items():
        if key not in targets.values():
            targets[col] = key
    taken = list(targets.values())
    # Two columns feeding one field (say both "lat" and "latitude") would silently lose one of them.
    dupes = sorted({t for t in taken if taken.count(t) > 1})
    if dupes:
        raise MappingError(f"more than one column feeds {', '.join(dupes)}: map one of them explicitly")
    return targets


def to_fields(record: Record, targets: dict[str, str], mapping: dict) -> dict[str, Any]:
    """One record as load_assets fields: renamed, defaults filled, category mapped, offers grouped, point read."""
    fields: dict[str, Any] = {}
    offers: dict[int, dict[str, Any]] = {}
    for col, target in targets.items():
        value = record.fields.get(col)
        m = CAPACITY.match(target)
        if m:
            if value is not None:
                offers.setdefault(int(m.group(1)), {})[m.group(2)] = value
        else:
            fields[target] = value
    for key, value in mapping["defaults"].items():
        if fields.get(key) in (None, ""):
            fields[key] = value
    category = fields.get("category")
    if category is not None and category in mapping["categories"]:
        fields["category"] = mapping["categories"][category]
    if offers:
        fields["capacity"] = [offers[i] for i in sorted(offers)]
    geom = record.geometry
    if geom is not None and not geom.is_empty and fields.get("lon") in (None, "") and fields.get("lat") in (None, ""):
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        fields["lon"], fields["lat"] = point.x, point.y
    return fields


def read_offers(path: Path | str) -> dict[str, list[dict[str, Any]]]:
    """A second file of offers, one per row, keyed by the asset's source_ref."""
    table = read_table(path)
    if "source_ref" not in table.columns:
        raise MappingError(f"{Path(path).name}: an offers file needs a source_ref column")
    offers: dict[str, list[dict[str, Any]]] = {}
    for r in table.records:
        ref = r.fields.get("source_ref")
        if ref is None:
            continue
        offer = {k: r.fields.get(k) for k in OFFER_FIELDS if r.fields.get(k) is not None}
        offers.setdefault(str(ref).strip(), []).append(offer)
    return offers


def import_assets(conn: psycopg.Connection, path: Path | str, *, source: str | None = None,
                  mapping: dict | Path | str | None = None, offers_path: Path | str | None = None,
                  pending: bool = False, dry_run: bool = False, progress: Callable[[int], None] | None = None,
                  settings: Settings | None = None) -> ImportReport:
    """Import an asset file; published unless pending (staff run imports). Re-importing updates in place."""
    path = Path(path)
    source = source or path.stem
    mapping = check_mapping(mapping) if isinstance(mapping, dict) else load_mapping(mapping)
    table = read_table(path)
    report = ImportReport(kind="assets", source=path.name, dry_run=dry_run, read=len(table.records))
    report.notes += table.notes
    targets = column_targets(table.columns, mapping)
    unused = [c for c in table.columns if c not in targets]
    if unused:
        report.notes.append(f"columns not imported: {', '.join(unused)}")
    rows = [(r.row_number, to_fields(r, targets, mapping)) for r in table.records]
    if offers_path is not None:
        extra = read_offers(offers_path)
        refs = set()
        for _, fields in rows:
            ref = fields.get("source_ref")
            if ref is not None and str(ref).strip() in extra:
                refs.add(str(ref).strip())
                fields["capacity"] = list(fields.get("capacity") or []) + extra[str(ref).strip()]
        orphans = sum(len(v) for k, v in extra.items() if k not in refs)
        if orphans:
            report.notes.append(f"{orphans} offers in {Path(offers_path).name} name no asset in {path.name}")
    return load_assets(conn, rows, source=source, report=report, status="pending" if pending else "published",
                       dry_run=dry_run, settings=settings, progress=progress)
