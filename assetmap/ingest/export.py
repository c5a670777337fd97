"""Exports: assets, capacity offers, services and neighbourhoods as GeoJSON, CSV, GeoPackage or an HSDS package.

By default everything is read from the public views (published assets only, no private contact details, private
homes at their generalised point without address). `internal=True` reads `asset_details` and the offers table:
every status, exact points, contact details, and the status/version/source columns a planner needs to edit and
re-import the rows. Both carry the shared columns (organisation, neighbourhood, offers as JSON) built once in SQL.

Rows are streamed from a server-side cursor and written as they come, so a million assets are never held in memory
(GeoPackage is written in chunks). The whole export runs in one read-only snapshot, so the layers of one file agree.
An HSDS package is written by `assetmap.hsds.write`.

shapely, pandas, geopandas and pyogrio are imported in the functions that use them: a GeoJSON export, and a web
worker that serves one, never load GDAL and pandas (about 0.3 s and tens of MB per process).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from .. import spreadsheet
from ..hsds.write import write_hsds
from .rows import CHUNK, cell, sources, stream

LAYERS = ("assets", "capacity", "services", "neighbourhoods")
FORMATS = ("geojson", "csv", "gpkg", "hsds")
HSDS_LAYERS = ("assets", "services")


@dataclass(frozen=True)
class Layer:
    """One table of an export: its column names and types, the query behind it and its geometry."""

    name: str
    columns: tuple[tuple[str, str], ...]   # (name, type): str, int, float, bool, datetime, date
    query: sql.Composable                    # selects the columns in order, then `geom`
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

# `schedule` is the opening_hours text for machines; `schedule_text` says it in words for people (migration 0008).
_OFFER_PUBLIC = (("asset_id", "str"), ("kind", "str"), ("quantity", "float"), ("unit", "str"), ("schedule", "str"),
                 ("schedule_text", "str"), ("cost", "str"), ("audience", "str"), ("description", "str"))
_OFFER_INTERNAL = (("status", "str"), ("valid_from", "date"), ("valid_to", "date"), ("version", "int"))


def _geom(fmt: str, column: str) -> sql.Composable:
    # GeoJSON text straight from PostGIS for GeoJSON files; WKB for everything GDAL writes.
    template = "ST_AsGeoJSON({}, 7)" if fmt == "geojson" else "ST_AsBinary({})"
    return sql.SQL(template).format(sql.SQL(column))


def _columns(*names: str) -> sql.Composable:
    """Fixed column expressions of a layer's query (never user input), comma-separated."""
    return sql.SQL(", ").join(sql.SQL(n) for n in names)


def _assets_layer(fmt: str, internal: bool) -> Layer:
    assets, _ = sources(internal)
    extra = ("a.status", "a.contact_email", "a.contact_phone", "a.is_private_home", "a.source", "a.source_ref",
             "a.version") if internal else ()
    # The offers as the API shows them (with their status in an internal export): migration 0006.
    capacity = ("a.capacity",) if fmt == "geojson" else ()
    query = sql.SQL("""
        SELECT {columns}, {geom} AS geom {capacity}
          FROM {assets} a
         ORDER BY a.id""").format(
        columns=_columns("a.public_id::text", "a.name", "a.category", "a.description", "a.audience",
                         "a.accessibility", "a.organisation", "a.address", "a.postcode", "a.neighbourhood_code",
                         "a.location_precision", "ST_X(a.geom)", "ST_Y(a.geom)", "a.updated_at", *extra),
        geom=_geom(fmt, "a.geom"), capacity=sql.SQL("").join(sql.SQL(", ") + sql.SQL(c) for c in capacity),
        assets=sql.Identifier(assets))
    return Layer("assets", _ASSET_PUBLIC + (_ASSET_INTERNAL if internal else ()), query, "Point")


def _capacity_layer(fmt: str, internal: bool, with_geometry: bool = True) -> Layer:
    assets, offers = sources(internal)
    extra = ("c.status", "c.valid_from", "c.valid_to", "c.version") if internal else ()
    query = sql.SQL("""
        SELECT {columns}, {geom} AS geom
          FROM {offers} c
          JOIN {assets} a ON a.id = c.asset_id
         ORDER BY a.id, c.id""").format(
        columns=_columns("a.public_id::text", "c.kind", "c.quantity::float8", "c.unit", "c.schedule",
                         "c.schedule_text", "c.cost", "c.audience", "c.description", *extra),
        geom=_geom(fmt, "a.geom") if with_geometry else sql.SQL("NULL"),
        offers=sql.Identifier(offers), assets=sql.Identifier(assets))
    return Layer("capacity", _OFFER_PUBLIC + (_OFFER_INTERNAL if internal else ()), query,
                 "Point" if with_geometry else None)


def _services_layer(fmt: str, internal: bool) -> Layer:
    columns = (("id", "str"), ("agency", "str"), ("agency_kind", "str"), ("name", "str"), ("description", "str"),
               ("theme", "str"), ("client_groups", "str"), ("annual_spend", "float"), ("contact", "str"),
               ("status", "str"), ("openreferral_id", "str"), ("sites", "int"), ("updated_at", "datetime"))
    extra = ("s.source", "s.source_ref", "s.version") if internal else ()
    if internal:
        columns += (("source", "str"), ("source_ref", "str"), ("version", "int"))
    # A service may have several catchment polygons: one MultiPolygon per service.
    query = sql.SQL("""
        SELECT {columns}, {geom} AS geom
          FROM services s
          LEFT JOIN LATERAL (
                SELECT ST_Multi(ST_CollectionExtract(ST_Union(sa.geom), 3)) AS geom
                  FROM service_areas sa WHERE sa.service_id = s.id) c ON true
         ORDER BY s.id""").format(
        columns=_columns("s.public_id::text", "s.agency", "s.agency_kind", "s.name", "s.description", "s.theme",
                         "array_to_string(s.client_groups, ';')", "s.annual_spend::float8", "s.contact",
                         "s.status", "s.openreferral_id",
                         "(SELECT count(*) FROM service_sites t WHERE t.service_id = s.id)", "s.updated_at",
                         *extra),
        geom=_geom(fmt, "c.geom"))
    return Layer("services", columns, query, "MultiPolygon", wkt_in_csv=True)


def _sites_layer(fmt: str, internal: bool) -> Layer:
    columns = (("service_id", "str"), ("name", "str"), ("kind", "str"), ("address", "str"), ("postcode", "str"),
               ("neighbourhood", "str"), ("schedule", "str"), ("contacts_per_week", "int"), ("lon", "float"),
               ("lat", "float"))
    query = sql.SQL("""
        SELECT s.public_id::text, t.name, t.kind, t.address, t.postcode, n.code, t.schedule, t.contacts_per_week,
               ST_X(t.geom), ST_Y(t.geom), {geom} AS geom
          FROM service_sites t
          JOIN services s ON s.id = t.service_id
          LEFT JOIN neighbourhoods n ON n.id = t.neighbourhood_id
         ORDER BY s.id, t.id""").format(geom=_geom(fmt, "t.geom"))
    return Layer("sites", columns, query, "Point")


def _neighbourhoods_layer(fmt: str, internal: bool) -> Layer:
    columns = (("code", "str"), ("name", "str"), ("population", "int"), ("need_score", "float"),
               ("published_assets", "int"))
    # The count is of published assets even in an internal export: it is the number the public map shows.
    query = sql.SQL("""
        SELECT n.code, n.name, n.population, n.need_score, coalesce(c.n, 0), {geom} AS geom
          FROM neighbourhoods n
          LEFT JOIN (SELECT neighbourhood_id, count(*) AS n FROM public_assets GROUP BY 1) c
                 ON c.neighbourhood_id = n.id
         ORDER BY n.code""").format(geom=_geom(fmt, "n.geom"))
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
            cells = [cell(spreadsheet.safe(v)) for v in row[:n]]
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
