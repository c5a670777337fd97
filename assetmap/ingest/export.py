"""Exports: assets, capacity offers, services and neighbourhoods as GeoJSON, CSV, GeoPackage or an HSDS package.

By default everything is read from the public views (published assets only, no private contact details, private
homes at their generalised point without address). `internal=True` reads the tables themselves: every status, exact
points, contact details, and the status/version/source columns a planner needs to edit and re-import the rows.

Rows are streamed from a server-side cursor and written as they come, so a million assets are never held in memory
(GeoPackage is written in chunks). The whole export runs in one read-only snapshot, so the layers of one file agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import click
import psycopg
from psycopg.rows import tuple_row

LAYERS = ("assets", "capacity", "services", "neighbourhoods")
FORMATS = ("geojson", "csv", "gpkg", "hsds")
HSDS_LAYERS = ("assets", "services")
CHUNK = 20_000   # rows per GeoPackage write and per cursor round trip


@dataclass(frozen=True)
class Layer:
    """One table of an export: its column names and types, the query behind it and its geometry."""

    name: str
    columns: tuple[tuple[str, str], ...]   # (name, type): str, int, float, bool, datetime, date
    query: str                               # selects the columns in order, then `geom`
    geometry_type: str | None                # None: a table without geometry
    wkt_in_csv: bool = False                 # polygons have no lon/lat columns: give CSV a `wkt` column

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


# -- the layers ---------------------------------------------------------------------------------------------------

_ASSET_PUBLIC = (("id", "str"), ("name", "str"), ("category", "str"), ("description", "str"), ("audience", "str"),
                 ("accessibility", "str"), ("organisation", "str"), ("address", "str"), ("postcode", "str"),
                 ("neighbourhood", "str"), ("location_precision", "str"), ("lon", "float"), ("lat", "float"),
                 ("updated_at", "datetime"))
_ASSET_INTERNAL = (("status", "str"), ("contact_email", "str"), ("contact_phone", "str"),
                   ("is_private_home", "bool"), ("source", "str"), ("source_ref", "str"), ("version", "int"))

_OFFER_PUBLIC = (("asset_id", "str"), ("kind", "str"), ("quantity", "float"), ("unit", "str"), ("schedule", "str"),
                 ("cost", "str"), ("audience", "str"), ("description", "str"))
_OFFER_INTERNAL = (("status", "str"), ("valid_from", "date"), ("valid_to", "date"), ("version", "int"))


def _sources(internal: bool) -> tuple[str, str]:
    """The asset and offer relations to read: the privacy views, or the tables for an internal export."""
    return ("assets", "capacity_offers") if internal else ("public_assets", "public_capacity_offers")


def _geom(fmt: str, expr: str) -> str:
    # GeoJSON text straight from PostGIS for GeoJSON files; WKB for everything GDAL writes.
    return f"ST_AsGeoJSON({expr}, 7)" if fmt == "geojson" else f"ST_AsBinary({expr})"


def _assets_layer(fmt: str, internal: bool) -> Layer:
    assets, offers = _sources(internal)
    extra = ", a.status, a.contact_email, a.contact_phone, a.is_private_home, a.source, a.source_ref, a.version" \
        if internal else ""
    offer_status = ", 'status', c.status" if internal else ""
    capacity = f""",
        (SELECT coalesce(json_agg(json_build_object(
                    'kind', c.kind, 'quantity', c.quantity, 'unit', c.unit, 'schedule', c.schedule, 'cost', c.cost,
                    'audience', c.audience, 'description', c.description{offer_status}) ORDER BY c.id), '[]'::json)
           FROM {offers} c WHERE c.asset_id = a.id) AS capacity""" if fmt == "geojson" else ""
    query = f"""
        SELECT a.public_id::text, a.name, a.category, a.description, a.audience, a.accessibility,
               coalesce(o.name, nullif(a.organisation_name, '')), a.address, a.postcode, n.code,
               a.location_precision, ST_X(a.geom), ST_Y(a.geom), a.updated_at {extra},
               {_geom(fmt, 'a.geom')} AS geom {capacity}
          FROM {assets} a
          LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
          LEFT JOIN organisations o ON o.id = a.organisation_id
         ORDER BY a.id"""
    return Layer("assets", _ASSET_PUBLIC + (_ASSET_INTERNAL if internal else ()), query, "Point")


def _capacity_layer(fmt: str, internal: bool, with_geometry: bool = True) -> Layer:
    assets, offers = _sources(internal)
    extra = ", c.status, c.valid_from, c.valid_to, c.version" if internal else ""
    geom = _geom(fmt, "a.geom") if with_geometry else "NULL"
    query = f"""
        SELECT a.public_id::text, c.kind, c.quantity::float8, c.unit, c.schedule, c.cost, c.audience,
               c.description {extra}, {geom} AS geom
          FROM {offers} c
          JOIN {assets} a ON a.id = c.asset_id
         ORDER BY a.id, c.id"""
    return Layer("capacity", _OFFER_PUBLIC + (_OFFER_INTERNAL if internal else ()), query,
                 "Point" if with_geometry else None)


def _services_layer(fmt: str, internal: bool) -> Layer:
    columns = (("id", "str"), ("agency", "str"), ("agency_kind", "str"), ("name", "str"), ("description", "str"),
               ("theme", "str"), ("client_groups", "str"), ("annual_spend", "float"), ("contact", "str"),
               ("status", "str"), ("openreferral_id", "str"), ("sites", "int"), ("updated_at", "datetime"))
    extra = ", s.source, s.source_ref, s.version" if internal else ""
    if internal:
        columns += (("source", "str"), ("source_ref", "str"), ("version", "int"))
    # A service may have several catchment polygons: one MultiPolygon per service.
    query = f"""
        SELECT s.public_id::text, s.agency, s.agency_kind, s.name, s.description, s.theme,
               array_to_string(s.client_groups, ';'), s.annual_spend::float8, s.contact, s.status,
               s.openreferral_id,
               (SELECT count(*) FROM service_sites t WHERE t.service_id = s.id), s.updated_at {extra},
               {_geom(fmt, 'c.geom')} AS geom
          FROM services s
          LEFT JOIN LATERAL (
                SELECT ST_Multi(ST_CollectionExtract(ST_Union(sa.geom), 3)) AS geom
                  FROM service_areas sa WHERE sa.service_id = s.id) c ON true
         ORDER BY s.id"""
    return Layer("services", columns, query, "MultiPolygon", wkt_in_csv=True)


def _sites_layer(fmt: str, internal: bool) -> Layer:
    columns = (("service_id", "str"), ("name", "str"), ("kind", "str"), ("address", "str"), ("postcode", "str"),
               ("neighbourhood", "str"), ("schedule", "str"), ("contacts_per_week", "int"), ("lon", "float"),
               ("lat", "float"))
    query = f"""
        SELECT s.public_id::text, t.name, t.kind, t.address, t.postcode, n.code, t.schedule, t.contacts_per_week,
               ST_X(t.geom), ST_Y(t.geom), {_geom(fmt, 't.geom')} AS geom
          FROM service_sites t
          JOIN services s ON s.id = t.service_id
          LEFT JOIN neighbourhoods n ON n.id = t.neighbourhood_id
         ORDER BY s.id, t.id"""
    return Layer("sites", columns, query, "Point")


def _neighbourhoods_layer(fmt: str, internal: bool) -> Layer:
    columns = (("code", "str"), ("name", "str"), ("population", "int"), ("need_score", "float"),
               ("published_assets", "int"))
    # The count is of published assets even in an internal export: it is the number the public map shows.
    query = f"""
        SELECT n.code, n.name, n.population, n.need_score, coalesce(c.n, 0), {_geom(fmt, 'n.geom')} AS geom
          FROM neighbourhoods n
          LEFT JOIN (SELECT neighbourhood_id, count(*) AS n FROM public_assets GROUP BY 1) c
                 ON c.neighbourhood_id = n.id
         ORDER BY n.code"""
    return Layer("neighbourhoods", columns, query, "MultiPolygon", wkt_in_csv=True)


def layers_for(layer: str, fmt: str, internal: bool) -> list[Layer]:
    """The tables one export writes: the main layer first, then its companions (GeoPackage only)."""
    if layer == "assets":
        main = [_assets_layer(fmt, internal)]
        return main + ([_capacity_layer(fmt, internal, with_geometry=False)] if fmt == "gpkg" else [])
    if layer == "capacity":
        return [_capacity_layer(fmt, internal)]
    if layer == "services":
        return [_services_layer(fmt, internal)] + ([_sites_layer(fmt, internal)] if fmt == "gpkg" else [])
    return [_neighbourhoods_layer(fmt, internal)]


# -- reading --------------------------------------------------------------------------------------------------------

def stream(conn: psycopg.Connection, query: str, params: dict | None = None) -> Iterator[tuple]:
    """Rows of `query` from a server-side cursor, CHUNK at a time (call inside a transaction)."""
    with conn.cursor(name=f"export_{uuid.uuid4().hex[:8]}", row_factory=tuple_row) as cur:
        cur.itersize = CHUNK
        cur.execute(query, params)
        yield from cur


class _snapshot:
    """One read-only REPEATABLE READ transaction, so every table of an export sees the same data."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def __enter__(self):
        self.tx = self.conn.transaction()
        self.tx.__enter__()
        if self.conn.autocommit:   # else the caller's transaction is already under way and sets its own level
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self.conn

    def __exit__(self, *exc):
        return self.tx.__exit__(*exc)


# -- writing --------------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A CSV cell: empty for NULL, ISO 8601 for times, `repr` precision for floats (so a round trip is exact)."""
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_default(value: Any):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_csv(conn: psycopg.Connection, layer: Layer, path: Path) -> int:
    """One CSV with a header; polygons as a `wkt` column (GDAL's CSV driver reads it as the geometry)."""
    import shapely
    n = len(layer.columns)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(layer.names + (["wkt"] if layer.wkt_in_csv else []))
        rows = 0
        for row in stream(conn, layer.query):
            cells = [_text(v) for v in row[:n]]
            if layer.wkt_in_csv:
                cells.append(shapely.from_wkb(row[n]).wkt if row[n] is not None else "")
            writer.writerow(cells)
            rows += 1
    return rows


def write_geojson(conn: psycopg.Connection, layer: Layer, path: Path) -> int:
    """A FeatureCollection, one feature per line; extra query columns (`capacity`) become properties too."""
    n = len(layer.columns)
    rows = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        with conn.cursor(name=f"export_{uuid.uuid4().hex[:8]}", row_factory=tuple_row) as cur:
            cur.itersize = CHUNK
            cur.execute(layer.query)
            extra = [d.name for d in cur.description[n + 1:]]
            for row in cur:
                props = dict(zip(layer.names, row[:n])) | dict(zip(extra, row[n + 1:]))
                head = f'{{"type": "Feature", "id": {json.dumps(props[layer.names[0]])}, "geometry": '
                f.write((",\n" if rows else "") + head + (row[n] or "null") + ', "properties": '
                        + json.dumps(props, default=_json_default, ensure_ascii=False) + "}")
                rows += 1
        f.write("\n]}\n")
    return rows


_PANDAS = {"str": object, "int": "Int64", "float": "float64", "bool": "boolean", "date": object}


def _frame(layer: Layer, chunk: list[tuple]):
    """A chunk of rows as a (Geo)DataFrame with the layer's fixed column types, whatever values it holds."""
    import geopandas as gpd
    import pandas as pd
    n = len(layer.columns)
    data = {}
    for i, (name, kind) in enumerate(layer.columns):
        values = [r[i] for r in chunk]
        if kind == "datetime":
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        elif kind == "date":
            data[name] = pd.Series([v.isoformat() if v is not None else None for v in values], dtype=object)
        else:
            data[name] = pd.Series(values, dtype=_PANDAS[kind])
    frame = pd.DataFrame(data)
    if layer.geometry_type is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkb([r[n] for r in chunk], crs=4326))


def write_gpkg_layer(conn: psycopg.Connection, layer: Layer, path: Path) -> int:
    """One layer of a GeoPackage, appended CHUNK rows at a time (created even when it has no rows)."""
    import pyogrio
    rows = 0
    chunk: list[tuple] = []

    def flush():
        pyogrio.write_dataframe(_frame(layer, chunk), path, layer=layer.name, driver="GPKG",
                                geometry_type=layer.geometry_type, append=rows > len(chunk))

    for row in stream(conn, layer.query):
        chunk.append(row)
        rows += 1
        if len(chunk) == CHUNK:
            flush()
            chunk = []
    if chunk or rows == 0:
        flush()
    return rows


# -- Open Referral UK / HSDS 3.0 --------------------------------------------------------------------------------

# The tables written and their fields, named and typed as in HSDS 3.0's datapackage.json (the UK profile's examples).
HSDS_TABLES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "organization": ("organizations.csv", (
        ("id", "string", "uuid"), ("name", "string", ""), ("description", "string", ""), ("email", "string", "email"),
        ("website", "string", "uri"), ("logo", "string", ""), ("uri", "string", "uri"),
        ("parent_organization_id", "string", "uuid"))),
    "service": ("services.csv", (
        ("id", "string", "uuid"), ("organization_id", "string", "uuid"), ("name", "string", ""),
        ("description", "string", ""), ("url", "string", "uri"), ("email", "string", "email"),
        ("status", "string", ""), ("fees", "string", ""), ("accreditations", "string", ""),
        ("minimum_age", "number", ""), ("maximum_age", "number", ""), ("assured_date", "date", ""),
        ("assurer_email", "string", "email"), ("alert", "string", ""), ("last_modified", "datetime", ""))),
    "location": ("locations.csv", (
        ("id", "string", "uuid"), ("location_type", "string", ""), ("name", "string", ""),
        ("description", "string", ""), ("latitude", "number", ""), ("longitude", "number", ""),
        ("external_identifier", "string", ""), ("external_identifier_type", "string", ""))),
    "service_at_location": ("service_at_locations.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("location_id", "string", "uuid"))),
    "schedule": ("schedules.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("service_at_location_id", "string", "uuid"),
        ("valid_from", "date", ""), ("valid_to", "date", ""), ("dtstart", "date", ""), ("freq", "string", ""),
        ("interval", "number", ""), ("byday", "string", ""), ("bymonthday", "string", ""),
        ("description", "string", ""), ("opens_at", "time", ""), ("closes_at", "time", ""),
        ("schedule_link", "string", "uri"), ("attending_type", "string", ""), ("notes", "string", ""))),
    "service_area": ("service_areas.csv", (
        ("id", "string", "uuid"), ("service_id", "string", "uuid"), ("name", "string", ""),
        ("extent", "string", ""), ("extent_type", "string", ""), ("uri", "string", ""),
        ("service_area", "string", ""))),
}

# Ids that are not a public_id are uuid5 names under this namespace: the same row gets the same id every export.
HSDS_NAMESPACE = uuid.UUID("5b0f7c1e-3d1a-4c55-9a51-8f4e2b7d6a10")
_SERVICE_STATUS = {"active": "active", "planned": "inactive", "closed": "defunct"}
_ASSET_STATUS = {"published": "active", "pending": "inactive", "rejected": "defunct", "archived": "defunct"}
_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def hsds_id(*parts: object) -> str:
    """A stable uuid for a row that has no public_id of its own."""
    return str(uuid.uuid5(HSDS_NAMESPACE, ":".join(str(p) for p in parts)))


def weekly_times(opening_hours: str) -> list[tuple[str, str, str]]:
    """(byday, opens_at, closes_at) for each time range of a simple weekly OSM opening_hours string, such as
    "Mo-Fr 09:00-17:00; Sa 10:00-12:00; PH off"; [] when it says more than that (the text is kept anyway)."""
    out = []
    for rule in (r.strip() for r in opening_hours.split(";")):
        if rule in ("", "PH off"):   # public holidays have no RRULE form; the description keeps them
            continue
        days_text, _, times_text = rule.partition(" ")
        days: list[str] = []
        for part in days_text.split(","):
            m = _DAY_RANGE.match(part)
            if not m:
                return []
            first = _DAYS.index(m.group(1))
            last = _DAYS.index(m.group(2) or m.group(1))
            # A wrapping range (Fr-Mo) is a valid OSM form: walk round the week.
            days += [_DAYS[(first + i) % 7] for i in range((last - first) % 7 + 1)]
        ranges = [_TIME_RANGE.match(t) for t in times_text.split(",")]
        if not times_text or not all(ranges):
            return []
        byday = ",".join(d.upper() for d in days)
        out += [(byday, f"{m.group(1)}:{m.group(2)}", f"{m.group(3)}:{m.group(4)}") for m in ranges]
    return out


def _schedule_rows(opening_hours: str, service_id: str, sal_id: str, key: object, **extra) -> list[dict]:
    """HSDS schedule rows for one opening_hours string: one per weekly time range, or one with just the text."""
    times = weekly_times(opening_hours)
    base = {"service_id": service_id, "service_at_location_id": sal_id, "description": opening_hours, **extra}
    if not times:
        return [{"id": hsds_id("schedule", key, 0), **base}]
    return [{"id": hsds_id("schedule", key, i), **base, "freq": "WEEKLY", "byday": byday,
             "opens_at": opens, "closes_at": closes} for i, (byday, opens, closes) in enumerate(times)]


class _Package:
    """The CSV files of an HSDS package, open for writing; organisations deduplicated as they come."""

    def __init__(self, folder: Path):
        self.files = {name: open(folder / path, "w", newline="", encoding="utf-8")
                      for name, (path, _) in HSDS_TABLES.items()}
        self.writers = {name: csv.writer(f) for name, f in self.files.items()}
        for name, (_, fields) in HSDS_TABLES.items():
            self.writers[name].writerow([f for f, _, _ in fields])
        self.organisations: set[str] = set()
        self.counts = dict.fromkeys(HSDS_TABLES, 0)

    def write(self, table: str, row: dict) -> None:
        self.writers[table].writerow([_text(row.get(f)) for f, _, _ in HSDS_TABLES[table][1]])
        self.counts[table] += 1

    def organisation(self, name: str, description: str, website: str | None = None, key: str | None = None) -> str:
        """The id of the organisation called `name`, written the first time it is seen."""
        org_id = hsds_id("organisation", key or " ".join(name.lower().split()))
        if org_id not in self.organisations:
            self.organisations.add(org_id)
            self.write("organization", {"id": org_id, "name": name, "description": description, "website": website})
        return org_id

    def location(self, service_id: str, key: object, name: str, address: str | None, postcode: str | None,
                 lat: float, lon: float) -> str:
        """Write a physical location and its service_at_location link; the link's id."""
        location_id = hsds_id("location", key)
        where = ", ".join(p for p in (address, postcode) if p)
        self.write("location", {"id": location_id, "location_type": "physical", "name": name,
                                "description": where, "latitude": lat, "longitude": lon})
        sal_id = hsds_id("service_at_location", service_id, location_id)
        self.write("service_at_location", {"id": sal_id, "service_id": service_id, "location_id": location_id})
        return sal_id

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def _hsds_services(conn: psycopg.Connection, package: _Package) -> None:
    """Public services, their touchpoints (with opening times) and their catchments."""
    for public_id, agency, kind, name, description, status, updated_at in stream(conn, """
            SELECT public_id::text, agency, agency_kind, name, description, status, updated_at
              FROM services ORDER BY id"""):
        org_id = package.organisation(agency, f"Public service agency ({kind.replace('_', ' ')})")
        package.write("service", {"id": public_id, "organization_id": org_id, "name": name,
                                  "description": description, "status": _SERVICE_STATUS.get(status, "inactive"),
                                  "last_modified": updated_at})
    for service_id, site_id, name, address, postcode, lat, lon, schedule in stream(conn, """
            SELECT s.public_id::text, t.id, t.name, t.address, t.postcode, ST_Y(t.geom), ST_X(t.geom), t.schedule
              FROM service_sites t JOIN services s ON s.id = t.service_id ORDER BY s.id, t.id"""):
        key = f"site:{service_id}:{site_id}"
        sal_id = package.location(service_id, key, name, address, postcode, lat, lon)
        for row in _schedule_rows(schedule, service_id, sal_id, key) if schedule else ():
            package.write("schedule", row)
    for service_id, area_id, name, extent in stream(conn, """
            SELECT s.public_id::text, a.id, a.name, ST_AsGeoJSON(a.geom, 6)
              FROM service_areas a JOIN services s ON s.id = a.service_id ORDER BY s.id, a.id"""):
        package.write("service_area", {"id": hsds_id("service_area", service_id, area_id), "service_id": service_id,
                                       "name": name, "service_area": name, "extent": extent,
                                       "extent_type": "geojson"})


def _hsds_assets(conn: psycopg.Connection, package: _Package, internal: bool) -> int:
    """Assets as services of their organisation, at one location each; offers' schedules as their schedules."""
    assets, offers = _sources(internal)
    status = "a.status" if internal else "'published'"
    email = "a.contact_email" if internal else "NULL"
    rows = 0
    for (public_id, name, description, audience, organisation, website, address, postcode, lat, lon, updated_at,
         state, contact) in stream(conn, f"""
            SELECT a.public_id::text, a.name, a.description, a.audience,
                   coalesce(o.name, nullif(a.organisation_name, '')), o.website, a.address, a.postcode,
                   ST_Y(a.geom), ST_X(a.geom), a.updated_at, {status}, {email}
              FROM {assets} a LEFT JOIN organisations o ON o.id = a.organisation_id
             ORDER BY a.id"""):
        if organisation:
            org_id = package.organisation(organisation, "Community organisation", website)
        else:   # HSDS needs an organisation for every service: the asset stands for itself
            org_id = package.organisation(name, "Community asset (no organisation recorded)",
                                          key=f"asset:{public_id}")
        text = description + (f"\n\nWho it is for: {audience}" if audience else "")
        package.write("service", {"id": public_id, "organization_id": org_id, "name": name, "description": text,
                                  "email": contact, "status": _ASSET_STATUS.get(state, "inactive"),
                                  "last_modified": updated_at})
        package.location(public_id, f"asset:{public_id}", name, address, postcode, lat, lon)
        rows += 1
    for public_id, offer_id, kind, schedule, valid_from, valid_to in stream(conn, f"""
            SELECT a.public_id::text, c.id, c.kind, c.schedule, c.valid_from, c.valid_to
              FROM {offers} c JOIN {assets} a ON a.id = c.asset_id
             WHERE c.schedule IS NOT NULL ORDER BY a.id, c.id"""):
        sal_id = hsds_id("service_at_location", public_id, hsds_id("location", f"asset:{public_id}"))
        for row in _schedule_rows(schedule, public_id, sal_id, f"offer:{public_id}:{offer_id}",
                                  valid_from=valid_from, valid_to=valid_to,
                                  notes=f"When spare capacity ({kind.replace('_', ' ')}) is available"):
            package.write("schedule", row)
    return rows


def _datapackage(internal: bool) -> dict:
    resources = []
    for name, (path, fields) in HSDS_TABLES.items():
        schema_fields = [{"name": f, "type": t, **({"format": fmt} if fmt else {})} for f, t, fmt in fields]
        resources.append({"name": name, "path": path, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "profile": "tabular-data-resource",
                          "schema": {"fields": schema_fields, "primaryKey": "id"}})
    return {"name": "assetmap_hsds", "title": "AssetMap: services and community assets (Open Referral UK)",
            "description": ("Internal export: includes unpublished entries and contact details." if internal
                            else "Public export: published entries only, private homes at a generalised point."),
            "profile": "tabular-data-package", "version": "3.0.0", "homepage": "http://docs.openreferral.org",
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "resources": resources}


def write_hsds(conn: psycopg.Connection, folder: Path, *, with_assets: bool, internal: bool) -> int:
    """An HSDS 3.0 tabular data package in `folder`; the number of services written (assets included)."""
    if folder.is_file():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    package = _Package(folder)
    try:
        _hsds_services(conn, package)
        if with_assets:
            _hsds_assets(conn, package, internal)
    finally:
        package.close()
    (folder / "datapackage.json").write_text(json.dumps(_datapackage(internal), indent=2) + "\n", encoding="utf-8")
    return package.counts["service"]


# -- the entry point --------------------------------------------------------------------------------------------

def export(conn: psycopg.Connection, layer: str, fmt: str, path: Path, *, internal: bool = False) -> int:
    """Write `layer` in `fmt` to `path` (a folder for hsds); the number of rows of the main layer written."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}: use one of {', '.join(LAYERS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt == "hsds":
        if layer not in HSDS_LAYERS:
            raise ValueError(f"an HSDS package is made of services: export {' or '.join(HSDS_LAYERS)}, not {layer}")
        with _snapshot(conn):
            return write_hsds(conn, path, with_assets=layer == "assets", internal=internal)
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)   # a GeoPackage would otherwise gain layers beside the old ones
    writer = {"csv": write_csv, "geojson": write_geojson, "gpkg": write_gpkg_layer}[fmt]
    with _snapshot(conn):
        counts = [writer(conn, t, path) for t in layers_for(layer, fmt, internal)]
    return counts[0]


# -- the command --------------------------------------------------------------------------------------------------

_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg"}


@click.command("export")
@click.argument("layer", type=click.Choice(LAYERS))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format; by default from the file name (.geojson, .csv, .gpkg; hsds needs --format).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File to write (a folder for --format hsds).")
@click.option("--internal", is_flag=True,
              help="Every status, exact locations of homes and private contact details: for planners only.")
def command(layer: str, fmt: str | None, output: Path, internal: bool) -> None:
    """Export LAYER (assets, capacity, services, neighbourhoods) as GeoJSON, CSV, GeoPackage or HSDS."""
    from ..config import Settings
    from ..db.connect import connect
    fmt = fmt or _SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise click.UsageError(f"cannot tell the format from {output.name!r}: give --format")
    try:
        with connect(Settings.from_env()) as conn:
            rows = export(conn, layer, fmt, output, internal=internal)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    kind = "internal (contact details, exact home locations)" if internal else "public"
    what = "services (assets included)" if fmt == "hsds" and layer == "assets" else \
        "services" if fmt == "hsds" else layer
    click.echo(f"wrote {rows} {what} to {output} ({fmt}, {kind})")
