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
# where a town's assets would overlap. A z6 tile of 1M raw points is 11 MB; counted, it is a few kB.
POINTS_FROM = 13
GRID_CELLS = 64   # cells across a tile when counting: one per 64 pixels of a 4096-unit tile at 256 px
WORLD = 2 * math.pi * 6378137   # the width of the EPSG:3857 world, in metres

_SQL = {name: (files(__package__) / "sql" / f"{name}.sql").read_text()
        for name in ("assets_points", "assets_grid", "neighbourhoods")}


@dataclass(frozen=True)
class Layer:
    name: str
    description: str
    fields: dict[str, str]                     # TileJSON's vector_layers fields
    filters: tuple[str, ...] = ()              # query parameters it takes


LAYERS = {
    "assets": Layer("assets", "Published community assets; counted in a grid below zoom 13 (property count).",
                    {"id": "String: the asset's id (GET /api/v1/assets/<id>)", "category": "String",
                     "capacity": "Boolean: it offers spare capacity", "count": "Number: assets in a grid cell"},
                    filters=("category",)),
    "neighbourhoods": Layer("neighbourhoods", "Neighbourhood boundaries.", {"code": "String", "name": "String"}),
}


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidParameter("z", f"zoom must be from 0 to {MAX_ZOOM}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound(f"there is no tile {x}/{y} at zoom {z}")


def layer(name: str) -> Layer:
    if name not in LAYERS:
        raise NotFound(f"no tile layer {name!r}; there are {', '.join(LAYERS)}")
    return LAYERS[name]


def tile(conn: psycopg.Connection, name: str, z: int, x: int, y: int, *,
         categories: list[str] | None = None) -> bytes:
    """One tile as Mapbox Vector Tile bytes; empty (b"") where the layer has nothing."""
    layer(name)
    check_tile(z, x, y)
    width = WORLD / 2 ** z
    params = {"z": z, "x": x, "y": y, "categories": categories, "cell": width / GRID_CELLS, "pixel": width / 4096}
    query = _SQL["neighbourhoods"] if name == "neighbourhoods" else \
        _SQL["assets_points"] if z >= POINTS_FROM else _SQL["assets_grid"]
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def bounds(conn: psycopg.Connection, name: str) -> list[float]:
    """The layer's extent in longitude and latitude (the whole world when it is empty)."""
    source = "neighbourhoods" if name == "neighbourhoods" else "public_assets"
    query = sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                    "FROM (SELECT ST_Extent(geom) AS e FROM {}) x").format(sql.Identifier(source))
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query).fetchone()
    return [round(v, 6) for v in row] if row[0] is not None else [-180, -85.0511, 180, 85.0511]


def tilejson(conn: psycopg.Connection, name: str, tiles_url: str) -> dict:
    """TileJSON 3.0.0 for a layer; `tiles_url` is the tile URL template with {z}/{x}/{y} (and any filters)."""
    info = layer(name)
    return {"tilejson": "3.0.0", "name": name, "description": info.description, "scheme": "xyz",
            "tiles": [tiles_url], "minzoom": 0, "maxzoom": MAX_ZOOM, "bounds": bounds(conn, name),
            "vector_layers": [{"id": name, "description": info.description, "fields": info.fields,
                               "minzoom": 0, "maxzoom": MAX_ZOOM}]}
