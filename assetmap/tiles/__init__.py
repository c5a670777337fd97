"""Mapbox vector tiles from PostGIS (ST_AsMVT), read from the public views, and their TileJSON. No Flask here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from ..errors import InvalidParameter, NotFound

MAX_ZOOM = 22
# Below this zoom, points are counted in a grid instead of sent one by one: at z12 a tile is about 10 km wide,
# where a town's assets would overlap. A z6 tile of 1M raw points is 11 MB (the probe); counted, it
# holds at most GRID_CELLS² features of one number each.
POINTS_FROM = 13
GRID_CELLS = 64   # cells across a tile when counting: one every 4 pixels of a 256-pixel tile
# Grid counts up to this zoom are read from stored counts (tile_counts, migration 0020) for layers that keep them;
# the zooms above it have tiles small enough to count their points on request.
COUNTED_TO = 10
WORLD = 2 * math.pi * 6378137   # the width of the EPSG:3857 world, in metres

_SQL = {name: (files(__package__) / "sql" / f"{name}.sql").read_text()
        for name in ("points", "grid", "counts", "polygons")}


@dataclass(frozen=True)
class Layer:
    name: str
    shape: str                                 # points (counted in a grid below POINTS_FROM) or polygons
    description: str
    fields: dict[str, str]                     # TileJSON's vector_layers fields
    filters: dict[str, str]                    # query parameter → the vocabulary it takes codes from
    # the layer's source query (sql/source_<name>.sql): tile_geom and the properties, with its filters bound
    source: str = ""
    # The filter whose codes key the layer's stored grid counts (tile_counts, kept by triggers: migration 0020);
    # None: counted on request. Capacity offers are not stored: whether an offer shows depends on today's date.
    counted_by: str | None = None
    # An analysis layer, for planners only (served under /tiles/analysis/, its filters the analyses' own)
    private: bool = False


def _layer(name: str, shape: str, description: str, fields: dict, filters: dict | None = None,
           counted_by: str | None = None, private: bool = False) -> Layer:
    source = (files(__package__) / "sql" / f"source_{name}.sql").read_text()
    return Layer(name, shape, description, fields, filters or {}, source, counted_by, private)


COUNT = {"count": "Number: points in a grid cell (below zoom 13)"}
# The analyses' service filters (their checks: assetmap/analysis/filters.py): API parameter → its filter there.
ANALYSIS_FILTERS = {"theme": "themes", "client_group": "client_groups", "agency_kind": "agency_kinds"}
LAYERS = {layer.name: layer for layer in (
    _layer("assets", "points", "Published community assets.",
           {"id": "String: the asset's id (GET /api/v1/assets/<id>)", "category": "String",
            "capacity": "Boolean: it offers spare capacity", **COUNT}, {"category": "categories"}, "category"),
    _layer("capacity", "points", "Spare capacity offers, at their asset's public point.",
           {"id": "Number: the offer's id", "asset": "String: the asset's id", "kind": "String",
            "quantity": "Number", "unit": "String", **COUNT}, {"kind": "capacity_kinds"}),
    _layer("service_sites", "points", "Where active public services meet people (not home visits).",
           {"id": "Number", "name": "String", "kind": "String", "service": "String", "agency": "String",
            "theme": "String", **COUNT}, {"theme": "themes"}),
    _layer("catchments", "polygons", "The areas active public services cover.",
           {"id": "Number: the service's id", "service": "String", "agency": "String", "theme": "String"},
           {"theme": "themes"}),
    _layer("neighbourhoods", "polygons", "Neighbourhood boundaries.", {"code": "String", "name": "String"}),
    # The analyses' layers (assetmap/analysis), with the filters the analyses take (analysis/filters.py).
    _layer("analysis_catchments", "polygons", "The catchments the analyses read, one per active service.",
           {"id": "Number: the service's id", "service": "String", "agency": "String", "agency_kind": "String",
            "theme": "String"}, ANALYSIS_FILTERS, private=True),
    _layer("overlaps", "polygons", "The area each overlapping pair of catchments shares, and who lives there.",
           {"service_a": "Number", "service_b": "Number", "name_a": "String", "name_b": "String",
            "overlap_km2": "Number", "population_both": "Number: residents in the shared area"},
           ANALYSIS_FILTERS, private=True),
    _layer("spend", "polygons", "The Total Place count: services' spend apportioned to each neighbourhood.",
           {"code": "String", "name": "String", "population": "Number", "services": "Number",
            "spend_total": "Number: £ a year", "spend_per_head": "Number: £ a year per resident (null: no "
            "population figure)"}, ANALYSIS_FILTERS, private=True),
)}
# Filter parameter → the name its codes are bound as in the source queries (the analyses' as Filters binds them).
BOUND_AS = {"category": "categories", "kind": "kinds", "theme": "themes", "client_group": "groups",
            "agency_kind": "agency_kinds"}


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidParameter("z", f"zoom must be from 0 to {MAX_ZOOM}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound(f"there is no tile {x}/{y} at zoom {z}")


def layer(name: str, *, private: bool = False) -> Layer:
    """The public layer `name` (`private`: the planners' analysis layer)."""
    if name not in LAYERS or LAYERS[name].private != private:
        names = [n for n, info in LAYERS.items() if info.private == private]
        raise NotFound(f"no tile layer {name!r} here; there are {', '.join(names)}")
    return LAYERS[name]


def _known(name: str) -> Layer:
    """Any layer, public or private (who may read which is the web's to check)."""
    return layer(name, private=name in LAYERS and LAYERS[name].private)


def tile(conn: psycopg.Connection, name: str, z: int, x: int, y: int, *, stored: bool = True,
         **filters: list[str] | None) -> bytes:
    """One tile as Mapbox Vector Tile bytes; empty (b"") where the layer has nothing. `filters` by their bound
    names (`categories`, `kinds`, `themes`); None or absent: no filter. `stored=False` counts a low-zoom grid
    from the points even where counts are stored (what the stored counts are checked and measured against)."""
    info = _known(name)
    check_tile(z, x, y)
    width = WORLD / 2 ** z
    params = {"z": z, "x": x, "y": y, "layer": name, "cell": width / GRID_CELLS, "pixel": width / 4096,
              **{BOUND_AS[f]: filters.get(BOUND_AS[f]) for f in info.filters}}
    kind = "polygons" if info.shape == "polygons" else "points" if z >= POINTS_FROM else "grid"
    if kind == "grid" and info.counted_by and stored and z <= COUNTED_TO:
        # the tile's first cell, numbered as the stored counts number them: from the map's origin, y upwards
        half = GRID_CELLS * 2 ** z // 2
        kind = "counts"
        params |= {"cells": GRID_CELLS, "cx": x * GRID_CELLS - half, "cy": half - (y + 1) * GRID_CELLS,
                   "codes": params[BOUND_AS[info.counted_by]]}
    # The source is one of our own files, never anything a request sent: composed as SQL, its values bound.
    query = sql.SQL(_SQL[kind]).format(source=sql.SQL(info.source.strip()), properties=_properties(info))
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def _properties(info: Layer) -> sql.Composable:
    """A point layer's properties as the source's columns, by the names its TileJSON gives (but the grid's count)."""
    return sql.SQL(", ").join(sql.Identifier("src", f) for f in info.fields if f not in COUNT)


def bounds(conn: psycopg.Connection, name: str) -> list[float]:
    """The layer's extent in longitude and latitude (the whole world when it is empty)."""
    info = _known(name)
    query = sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                    "(SELECT ST_Extent(ST_Transform(src.tile_geom, 4326)) AS e FROM ({}) src) x").format(
        sql.SQL(info.source.strip()))
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, {"z": 0, "x": 0, "y": 0, **{v: None for v in BOUND_AS.values()}}).fetchone()
    return [round(v, 6) for v in row] if row[0] is not None else [-180, -85.0511, 180, 85.0511]


def tilejson(conn: psycopg.Connection, name: str, tiles_url: str) -> dict:
    """TileJSON 3.0.0 for a layer; `tiles_url` is the tile URL template with {z}/{x}/{y} (and any filters)."""
    info = _known(name)
    return {"tilejson": "3.0.0", "name": name, "description": info.description, "scheme": "xyz",
            "tiles": [tiles_url], "minzoom": 0, "maxzoom": MAX_ZOOM, "bounds": bounds(conn, name),
            "vector_layers": [{"id": name, "description": info.description, "fields": info.fields,
                               "minzoom": 0, "maxzoom": MAX_ZOOM}]}
