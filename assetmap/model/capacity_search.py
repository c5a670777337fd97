"""Finding spare capacity: by kind, when it is free, where, how much, cost and audience, nearest first.

The database narrows the offers by everything it can index or compare (kind, cost, quantity, distance, how recently
confirmed); the schedules are matched in Python with the opening_hours parser (`availability`), once per distinct
schedule, and go back to the database as a list, so the page of results is still cut by `LIMIT` in SQL.

Offers whose holders have not confirmed them for `confirm_months + confirm_grace_months` (stale, in `freshness`)
are left out: a room that may no longer exist wastes a requester's evening. Those only past `confirm_months` (due)
are still found, marked `unconfirmed`.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from .. import availability
from ..availability import When
from ..config import Settings
from ..errors import InvalidParameter
from ..geocode import gazetteer
from . import freshness
from .assets import FreeAt

_QUERY = (files(__package__) / "sql" / "capacity_search.sql").read_text()
DEFAULT_WITHIN_M = 5000
MAX_WITHIN_M = 100_000
M_PER_DEGREE = 110_000   # fewest metres in a degree of latitude: a box this wide surely holds the circle
_LON_LAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float
    label: str


@dataclass(frozen=True)
class Search:
    kinds: list[str] | None = None
    when: When | None = None
    near: Place | None = None
    within_m: float = DEFAULT_WITHIN_M
    min_quantity: float | None = None
    unit: str | None = None
    costs: list[str] | None = None
    audience: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class Found:
    offer_id: int
    public_id: uuid.UUID
    asset_name: str
    kind: str
    kind_label: str
    quantity: float | None
    unit: str | None
    schedule: str | None
    schedule_text: str | None
    cost: str
    cost_label: str | None
    audience: str
    description: str
    last_confirmed_at: datetime
    unconfirmed: bool
    organisation: str | None
    neighbourhood_code: str | None
    neighbourhood_name: str | None
    lon: float
    lat: float
    distance_m: float | None
    next_free: datetime | None
    withheld: bool = False   # published only in its neighbourhood's totals: planners alone see it (migration 0030)


@dataclass(frozen=True)
class Results:
    found: list[Found] = field(default_factory=list)
    more: bool = False   # another `limit` would find more


def resolve_near(conn: psycopg.Connection, text: str | None, param: str = "near") -> Place | None:
    """`lon,lat`, a postcode, or a place or street name from the gazetteer; None when absent."""
    if text is None or not text.strip():
        return None
    found = _LON_LAT.match(text)
    if found:
        lon, lat = float(found.group(1)), float(found.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameter(param, "give longitude then latitude, e.g. -1.2345,52.345")
        return Place(lon, lat, f"{lat:.5f}, {lon:.5f}")
    best = gazetteer.search(conn, text.strip()[:100], limit=1)
    if not best:
        raise InvalidParameter(param, f"we could not find {text.strip()[:100]!r}: try a full postcode such as "
                                      "AB1 2CD, a street or a place name")
    return Place(best[0].lon, best[0].lat, best[0].label)


def _conditions(search: Search, cut: freshness.Cutoffs) -> tuple[sql.Composable, sql.Composable, sql.Composable,
                                                                  dict]:
    conds = [sql.SQL("o.last_confirmed_at >= %(stale_before)s")]
    params: dict = {"stale_before": cut.stale_before}
    if search.kinds:
        conds.append(sql.SQL("o.kind = ANY(%(kinds)s)"))
        params["kinds"] = search.kinds
    if search.costs:
        conds.append(sql.SQL("o.cost = ANY(%(costs)s)"))
        params["costs"] = search.costs
    if search.min_quantity is not None:
        conds.append(sql.SQL("o.quantity >= %(min_quantity)s"))
        params["min_quantity"] = Decimal(str(search.min_quantity))
    if search.unit:
        conds.append(sql.SQL("o.unit = %(unit)s"))
        params["unit"] = search.unit
    if search.audience:
        # Audiences are free text ("young people", "over 50s"): a word anywhere in the offer's or the place's.
        conds.append(sql.SQL("(o.audience ILIKE %(audience)s OR a.audience ILIKE %(audience)s)"))
        params["audience"] = "%" + re.sub(r"([\\%_])", r"\\\1", search.audience.strip()) + "%"
    distance: sql.Composable = sql.SQL("NULL::float8")
    order: sql.Composable = sql.SQL("a.name, o.id")
    if search.near is not None:
        here = sql.SQL("ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)")
        dy = search.within_m / M_PER_DEGREE
        dx = dy / max(math.cos(math.radians(min(abs(search.near.lat), 89))), 0.01)
        params.update(lon=search.near.lon, lat=search.near.lat, within_m=search.within_m,
                      minx=search.near.lon - dx, maxx=search.near.lon + dx,
                      miny=search.near.lat - dy, maxy=search.near.lat + dy)
        # The box lets the public points' GiST index narrow the search; the geography test is exact.
        conds.append(sql.SQL("a.geom && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)"))
        conds.append(sql.SQL("ST_DWithin(a.geom::geography, {}::geography, %(within_m)s)").format(here))
        distance = sql.SQL("ST_Distance(a.geom::geography, {}::geography)").format(here)
        order = sql.SQL("distance_m, o.id")
    return sql.SQL(" AND ").join(conds), distance, order, params


def _query(planner: bool, **parts: sql.Composable) -> sql.Composed:
    """The search over the public offers, or for planners over every live offer (those withheld marked)."""
    if planner:
        return sql.SQL(_QUERY).format(offers=sql.Identifier("live_capacity_offers"),
                                      withheld=sql.SQL("o.totals_only"), **parts)
    return sql.SQL(_QUERY).format(offers=sql.Identifier("public_capacity_offers"), withheld=sql.SQL("false"),
                                  **parts)


def search(conn: psycopg.Connection, query: Search, settings: Settings, now: datetime | None = None, *,
           planner: bool = False) -> Results:
    """The offers that fit, nearest first (or by name when no place was given), at most `query.limit`;
    `planner` adds the offers the public sees only as neighbourhood totals."""
    now = now or datetime.now(availability.TIMEZONE)
    cut = freshness.cutoffs(settings, now)
    where, distance, order, params = _conditions(query, cut)
    if query.when is not None:
        base = _query(planner, where=where, distance=distance, order=sql.SQL("1"))
        with conn.cursor(row_factory=tuple_row) as cur:
            schedules = [r[0] for r in cur.execute(
                sql.SQL("SELECT DISTINCT schedule FROM ({}) candidates").format(base),
                params | {"limit": None}).fetchall()]
        fits = availability.matching(schedules, query.when, now)
        params["schedules"] = [s for s, a in fits.items() if a.matches and s is not None]
        where = sql.SQL("{} AND o.schedule = ANY(%(schedules)s)").format(where)
    params["limit"] = query.limit + 1
    text = _query(planner, where=where, distance=distance, order=order)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(text, params).fetchall()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    free = availability.matching((r["schedule"] for r in rows), query.when, now)
    found = [_found(r, cut, free[r["schedule"]]) for r in rows]
    if query.near is None:
        found.sort(key=lambda f: (f.next_free is None, f.next_free or now))
    return Results(found, more)


def _found(row: dict, cut: freshness.Cutoffs, free: availability.Availability) -> Found:
    quantity = None if row["quantity"] is None else float(row["quantity"])
    return Found(**(row | {"quantity": quantity}), unconfirmed=row["last_confirmed_at"] < cut.due_before,
                 next_free=free.next_free)


def public_offer(conn: psycopg.Connection, offer_id: int, settings: Settings, *,
                 planner: bool = False) -> Found | None:
    """One offer anyone can ask for (any age of confirmation: a direct link still works), or None; `planner`
    also finds an offer published only as a total, for a planner to ask on a resident's behalf."""
    text = _query(planner, where=sql.SQL("o.id = %(offer_id)s"), distance=sql.SQL("NULL::float8"),
                  order=sql.SQL("o.id"))
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(text, {"offer_id": offer_id, "limit": 1}).fetchone()
    if row is None:
        return None
    return _found(row, freshness.cutoffs(settings), availability.availability(row["schedule"], None))


def free_at(conn: psycopg.Connection, when: When, settings: Settings, now: datetime | None = None) -> FreeAt:
    """What the public map's "when" filter needs: the public offers' schedules free then (each parsed once)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        schedules = [r[0] for r in cur.execute(
            "SELECT DISTINCT schedule FROM public_capacity_offers WHERE schedule IS NOT NULL").fetchall()]
    fits = availability.matching(schedules, when, now)
    return FreeAt([s for s, a in fits.items() if a.matches], freshness.cutoffs(settings, now).stale_before)
