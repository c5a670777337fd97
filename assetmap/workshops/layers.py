"""What a workshop's map shows besides its notes: each layer the facilitator chose, as a GeoJSON FeatureCollection
of the features in the workshop's area (the whole map when it has none).

The public layers (assets, capacity, services, catchments) read what the public may see (public_assets,
public_capacity_offers, active services) and are built inside PostgreSQL as one JSON text. The analysis layers
(overlaps, spend, capacity_balance) take their figures from the planners' tables (`analysis.run.table`), so the
room sees the numbers the planner pages show, and draw each on its neighbourhood's simplified shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from .. import vocab
from ..analysis.capacity import UNIT_WORDS
from ..analysis.filters import EVERYTHING, Options
from ..analysis.run import table
from ..errors import NotFound
from ..model.freshness import Cutoffs
from .sessions import Workshop
from .setup import LAYERS

PUBLIC = ("assets", "capacity", "services", "catchments")
ANALYSES = ("overlaps", "spend", "capacity_balance")
# Polygons are simplified in EPSG:27700 to within this many metres: about four pixels at zoom 17, where a room
# looks at a street, and about one at zoom 15, where it looks at a neighbourhood (latitude 52°).
SIMPLIFY_M = 3.0
# A polygon belongs to the area when it reaches more than this far inside. Less is an edge: catchments and
# neighbourhoods are drawn from the same boundaries as an area made of neighbourhoods, so the ones next door touch
# it (and, after a reprojection, overlap it by slivers); and a shape reaching in less than the simplification
# moves its outline could be drawn outside.
EDGE_M = 10.0

_SQL = {name: (files(__package__) / "sql" / f"layer_{name}.sql").read_text() for name in PUBLIC}
# Each public layer's placeholder for its area test, and the column tested: points by `_inside`, polygons
# (EPSG:27700) by `_reaches`.
_AREA_TEST = {"assets": ("inside", "a.geom"), "capacity": ("inside", "a.geom"), "services": ("inside", "t.geom"),
              "catchments": ("reaches", "c.geom")}
_SHAPES = """
    SELECT n.code, ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(n.geom_bng, %(simplify_m)s), 4326), 6)
      FROM neighbourhoods n
     WHERE {reaches}"""


@dataclass(frozen=True)
class Collection:
    layer: str
    text: str   # the FeatureCollection, as JSON
    count: int


def chosen(workshop: Workshop, layer: str) -> None:
    """NotFound naming the layer unless the facilitator chose it for this workshop."""
    if layer not in LAYERS:
        raise NotFound(f"There is no layer called {layer!r}; layers are {', '.join(LAYERS)}.")
    if layer not in workshop.layers:
        raise NotFound(f"This workshop does not show the layer {layer!r}; it shows "
                       f"{', '.join(workshop.layers) or 'no layers'}.")


def collection(conn: psycopg.Connection, workshop: Workshop, layer: str, *, cutoffs: Cutoffs,
               options: Options) -> Collection:
    """The layer's features in the workshop's area; NotFound unless the facilitator chose the layer.
    `cutoffs` say which offers are unconfirmed or stale; `options` are the analyses' settings."""
    chosen(workshop, layer)
    if layer in PUBLIC:
        features, count = _public(conn, workshop, layer, cutoffs)
    else:
        found = _ANALYSES[layer](conn, workshop, options)
        features, count = json.dumps(found, separators=(",", ":")), len(found)
    head = json.dumps({"type": "FeatureCollection", "name": layer, "title": LAYERS[layer], "numberReturned": count},
                      separators=(",", ":"))
    # Public features arrive from PostgreSQL as JSON text: spliced in, not parsed and written again.
    return Collection(layer, head[:-1] + ',"features":' + features + "}", count)


def _inside(workshop: Workshop, column: str) -> sql.Composable:
    """A point in the workshop's area (every point, without one). The area is read in the query by id, so its
    stored coordinates are tested, not the rounded GeoJSON the Workshop carries."""
    if workshop.area is None:
        return sql.SQL("true")
    return sql.SQL("ST_Intersects({}, (SELECT area FROM workshops WHERE id = %(workshop)s))").format(
        sql.SQL(column))


def _reaches(workshop: Workshop, column: str) -> sql.Composable:
    """A polygon in EPSG:27700 that reaches more than EDGE_M inside the area (every one, without an area)."""
    if workshop.area is None:
        return sql.SQL("true")
    return sql.SQL("ST_Intersects({}, (SELECT ST_Buffer(ST_Transform(area, 27700), -%(edge_m)s) FROM workshops "
                   "WHERE id = %(workshop)s))").format(sql.SQL(column))


def _params(workshop: Workshop, **more) -> dict:
    return {"workshop": workshop.id, "simplify_m": SIMPLIFY_M, "edge_m": EDGE_M, **more}


def _public(conn: psycopg.Connection, workshop: Workshop, layer: str, cutoffs: Cutoffs) -> tuple[str, int]:
    """The layer's features as a JSON array (text), and how many."""
    placeholder, column = _AREA_TEST[layer]
    test = (_inside if placeholder == "inside" else _reaches)(workshop, column)
    query = sql.SQL(_SQL[layer]).format(**{placeholder: test})
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query, _params(workshop, **cutoffs.params())).fetchone()


def _shapes(conn: psycopg.Connection, workshop: Workshop) -> dict[str, dict]:
    """The neighbourhoods in the area by code, each with its simplified shape as GeoJSON."""
    query = sql.SQL(_SHAPES).format(reaches=_reaches(workshop, "n.geom_bng"))
    with conn.cursor(row_factory=tuple_row) as cur:
        return {code: json.loads(shape) for code, shape in cur.execute(query, _params(workshop)).fetchall()}


def _features(conn: psycopg.Connection, workshop: Workshop, rows: list[dict], properties) -> list[dict]:
    """One feature per row of an analysis table whose neighbourhood is in the area, in the table's order."""
    shapes = _shapes(conn, workshop)
    return [{"type": "Feature", "geometry": shapes[row["code"]],
             "properties": {"code": row["code"], "name": row["name"], **properties(row)}}
            for row in rows if row["code"] in shapes]


def _overlaps(conn: psycopg.Connection, workshop: Workshop, options: Options) -> list[dict]:
    """Per neighbourhood, the services (and agencies) whose catchments or sites touch it: the density table."""
    def properties(row: dict) -> dict:
        return {"figure": row["services"], "agencies": row["agencies"],
                "figure_label": f"{_count(row['services'], 'service')} from {_count(row['agencies'], 'agency')}"}
    return _features(conn, workshop, table(conn, "density", EVERYTHING, options, geometry=False).rows, properties)


def _spend(conn: psycopg.Connection, workshop: Workshop, options: Options) -> list[dict]:
    """Per neighbourhood, public spend a year per resident: the spend table."""
    def properties(row: dict) -> dict:
        per_head, total = row["spend_per_head"], row["spend_total"]
        return {"figure": None if per_head is None else round(float(per_head), 2),
                "spend_total": None if total is None else round(float(total)),
                "figure_label": "no population recorded" if per_head is None
                                else f"£{float(per_head):,.0f} a year per resident"}
    return _features(conn, workshop, table(conn, "spend", EVERYTHING, options, geometry=False).rows, properties)


def _capacity_balance(conn: psycopg.Connection, workshop: Workshop, options: Options) -> list[dict]:
    """Per neighbourhood and kind of capacity, the weekly surplus (positive) or shortfall: the capacity table."""
    kinds = {t.code: t.label for t in vocab.load(conn, "capacity_kinds")}

    def properties(row: dict) -> dict:
        balance, words = float(row["balance"]), UNIT_WORDS.get(row["unit"], row["unit"].replace("_", " "))
        label = ("supply meets need" if balance == 0
                 else f"{_number(abs(balance))} {words} {'spare' if balance > 0 else 'short'}")
        return {"kind": row["kind"], "kind_label": kinds.get(row["kind"], row["kind"]), "unit": row["unit"],
                "unit_words": words, "supply": _rounded(row["supply"]), "need": _rounded(row["need"]),
                "figure": _rounded(balance), "figure_label": label}
    return _features(conn, workshop, table(conn, "capacity", EVERYTHING, options, geometry=False).rows, properties)


_ANALYSES = {"overlaps": _overlaps, "spend": _spend, "capacity_balance": _capacity_balance}


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _rounded(value) -> float:
    return round(float(value), 1)


def _number(value: float) -> str:
    """Whole numbers with thousands separators; one decimal place below ten, where it still tells."""
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
