"""Reading a flat services file (one service and its one site per row) into the rows `load_services` takes.

Columns: source_ref, agency, agency_kind, name, description, theme, client_groups ("a;b"), annual_spend, contact,
openreferral_id, site_name, site_kind, address, postcode, lat/lon (or latitude/longitude, or a point geometry),
schedule, contacts_per_week, and for the catchment catchment_radius_m or catchment_neighbourhoods ("CODE1;CODE2"),
or a polygon file given as catchments_path whose source_ref column names the service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from ..config import Settings
from .read import Record, read_table
from .report import ImportReport
from .services import load_services

SERVICE_FIELDS = ("source_ref", "agency", "agency_kind", "name", "description", "theme", "client_groups",
                  "annual_spend", "contact", "openreferral_id")
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "site": "site_name", "spend": "annual_spend"}


def _fields(record: Record) -> dict[str, Any]:
    out = {}
    for col, value in record.fields.items():
        key = col.strip().lower()
        out[ALIASES.get(key, key)] = value
    return out


def row_to_service(record: Record, catchments: dict[str, Any]) -> dict[str, Any]:
    """One flat row as load_services fields."""
    f = _fields(record)
    service = {k: f.get(k) for k in SERVICE_FIELDS}
    site = {"name": f.get("site_name") or f.get("name"), "kind": f.get("site_kind"), "address": f.get("address"),
            "postcode": f.get("postcode"), "lon": f.get("lon"), "lat": f.get("lat"), "schedule": f.get("schedule"),
            "contacts_per_week": f.get("contacts_per_week")}
    geom = record.geometry
    if geom is not None and not geom.is_empty and site["lon"] is None and site["lat"] is None:
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        site["lon"], site["lat"] = point.x, point.y
    has_site = any(site[k] is not None for k in ("address", "postcode", "lon", "lat"))
    service["sites"] = [site] if has_site else []
    ref = str(f.get("source_ref") or "").strip()
    if ref and ref in catchments:
        service["catchment"] = {"geometry": catchments[ref]}
    elif f.get("catchment_radius_m") is not None:
        service["catchment"] = {"radius_m": f["catchment_radius_m"]}
    elif f.get("catchment_neighbourhoods"):
        service["catchment"] = {"neighbourhoods": str(f["catchment_neighbourhoods"]).split(";")}
    return service


def read_catchments(path: Path | str) -> dict[str, Any]:
    """Polygons keyed by their source_ref column."""
    table = read_table(path)
    if "source_ref" not in table.columns:
        raise ValueError(f"{Path(path).name}: a catchments file needs a source_ref column")
    return {str(r.fields["source_ref"]).strip(): r.geometry for r in table.records
            if r.fields.get("source_ref") is not None and r.geometry is not None}


def import_services(conn: psycopg.Connection, path: Path | str, *, source: str | None = None,
                    catchments_path: Path | str | None = None, dry_run: bool = False,
                    progress: Callable[[int], None] | None = None,
                    settings: Settings | None = None) -> ImportReport:
    """Import a flat services file; re-importing updates each service and replaces its site and catchment."""
    path = Path(path)
    table = read_table(path)
    report = ImportReport(kind="services", source=path.name, dry_run=dry_run, read=len(table.records))
    report.notes += table.notes
    catchments = read_catchments(catchments_path) if catchments_path is not None else {}
    rows = [(r.row_number, row_to_service(r, catchments)) for r in table.records]
    return load_services(conn, rows, source=source or path.stem, report=report, dry_run=dry_run,
                         settings=settings, progress=progress)
