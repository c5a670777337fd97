"""Reading published assets and their spare capacity, for the public map, list, asset page and API.

Everything public here reads the public_assets / public_capacity_offers views, which apply the privacy rules
(published only, no private contact, private homes at a generalised point) and carry the shared columns
(organisation, neighbourhood, category label, offers as JSON; migration 0006). GeoJSON is built inside PostgreSQL:
a page of features leaves the database as one JSON text that goes to the client untouched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from ..validate import BBox

# One public feature; `a` is a public_assets row. `%(asset_url)s` is the asset page's path without the id: the
# web layer owns its URLs, the database only appends the id.
_FEATURE = sql.SQL("""
json_build_object(
    'type', 'Feature',
    'id', a.public_id,
    'geometry', ST_AsGeoJSON(a.geom, 7)::json,
    'properties', json_build_object(
        'id', a.public_id,
        'name', a.name,
        'category', a.category,
        'description', a.description,
        'audience', a.audience,
        'accessibility', a.accessibility,
        'address', a.address,
        'postcode', a.postcode,
        'organisation', a.organisation,
        'neighbourhood', a.neighbourhood_code,
        'neighbourhood_name', a.neighbourhood_name,
        'location_precision', a.location_precision,
        'updated_at', a.updated_at,
        'last_confirmed_at', a.last_confirmed_at,
        'unconfirmed', a.last_confirmed_at < %(due_before)s,
        'url', %(asset_url)s || a.public_id,
        'capacity', a.capacity
    )
)""")


def filters(bbox: BBox | None, categories: list[str] | None,
             neighbourhood: str | None = None, free: FreeAt | None = None) -> tuple[sql.Composable, dict]:
    conds: list[sql.Composable] = [sql.SQL("true")]
    params: dict = {}
    if free is not None:
        params.update(schedules=free.schedules, stale_before=free.stale_before)
        conds.append(sql.SQL("EXISTS (SELECT 1 FROM public_capacity_offers c WHERE c.asset_id = a.id "
                             "AND c.schedule = ANY(%(schedules)s) AND c.last_confirmed_at >= %(stale_before)s)"))
    if bbox is not None:
        params.update(minx=bbox[0], miny=bbox[1], maxx=bbox[2], maxy=bbox[3])
        conds.append(sql.SQL("a.geom && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)"))
    if categories:
        params["categories"] = categories
        conds.append(sql.SQL("a.category = ANY(%(categories)s)"))
    if neighbourhood:
        params["neighbourhood"] = neighbourhood
        conds.append(sql.SQL("a.neighbourhood_code = %(neighbourhood)s"))
    return sql.SQL(" AND ").join(conds), params


@dataclass(frozen=True)
class FeaturePage:
    features_json: str   # a JSON array of GeoJSON Features, as text
    returned: int
    more: bool           # whether another page follows
    last_id: int | None  # where the next page starts (after this id)


@dataclass(frozen=True)
class FreeAt:
    """Only assets with an offer free at a time: the schedules that are (`capacity_search.free_schedules`), and
    the confirmation before which an offer no longer counts."""

    schedules: list[str]
    stale_before: datetime


def published_more_than(conn: psycopg.Connection, n: int) -> bool:
    """Whether more than n assets are published, reading at most n + 1 index entries (a full count of a million
    takes seconds)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("SELECT count(*) > %s FROM (SELECT 1 FROM assets WHERE status = 'published' LIMIT %s) x",
                           (n, n + 1)).fetchone()[0]


def feature_page(conn: psycopg.Connection, *, asset_url: str, due_before: datetime, bbox: BBox | None = None,
                 categories: list[str] | None = None, free: FreeAt | None = None, limit: int = 1000,
                 offset: int = 0, after: int | None = None) -> FeaturePage:
    """One page of published assets as GeoJSON features, in a stable order (by id). Each says whether it is
    `unconfirmed` (last confirmed before `due_before`).

    Page with `after` (the previous page's `last_id`): the index finds where the page starts, however deep. `offset`
    still works for old clients, but reads and discards every row before the page (824 ms for the deepest page of
    1.2M assets, against 1.5 ms)."""
    where, params = filters(bbox, categories, free=free)
    if after is not None:
        where = sql.SQL("{} AND a.id > %(after)s").format(where)
    # Fetch one row more than asked, to know whether another page follows without counting them all.
    params.update(fetch=limit + 1, offset=offset, limit=limit, asset_url=asset_url, due_before=due_before,
                  after=after)
    query = sql.SQL("""
        WITH page AS (
            SELECT a.id
              FROM public_assets a
             WHERE {where}
             ORDER BY a.id
             LIMIT %(fetch)s OFFSET %(offset)s
        ), numbered AS (
            SELECT p.id, row_number() OVER (ORDER BY p.id) AS rn FROM page p
        )
        SELECT coalesce(json_agg({feature} ORDER BY a.id) FILTER (WHERE p.rn <= %(limit)s), '[]'::json)::text,
               count(*) FILTER (WHERE p.rn <= %(limit)s),
               count(*) > %(limit)s,
               max(a.id) FILTER (WHERE p.rn <= %(limit)s)
          FROM numbered p
          JOIN public_assets a ON a.id = p.id
    """).format(where=where, feature=_FEATURE)
    with conn.cursor(row_factory=tuple_row) as cur:
        text, returned, more, last_id = cur.execute(query, params).fetchone()
    return FeaturePage(text, returned, bool(more), last_id)


@dataclass(frozen=True)
class CapacityOffer:
    kind: str
    kind_label: str
    description: str
    quantity: float | None
    unit: str | None
    schedule: str | None         # opening_hours text, for machines
    schedule_text: str | None    # the same in words, for people (migration 0008)
    audience: str
    cost: str


@dataclass(frozen=True)
class PublicAsset:
    public_id: uuid.UUID
    name: str
    category: str
    category_label: str
    description: str
    audience: str
    accessibility: str
    address: str
    postcode: str | None
    organisation: str | None
    neighbourhood_code: str | None
    neighbourhood_name: str | None
    location_precision: str
    lon: float
    lat: float
    updated_at: object
    offers: tuple[CapacityOffer, ...] = ()


ASSET_COLUMNS = sql.SQL("""
    a.id, a.public_id, a.name, a.category, a.category_label, a.description, a.audience, a.accessibility,
    a.address, a.postcode, a.organisation, a.neighbourhood_code, a.neighbourhood_name, a.location_precision,
    ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, a.updated_at""")


def get_public_asset(conn: psycopg.Connection, public_id: uuid.UUID) -> PublicAsset | None:
    """A published asset with its active capacity offers; None when there is no such published asset."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("SELECT {} FROM public_assets a WHERE a.public_id = %s").format(ASSET_COLUMNS),
                          (public_id,)).fetchone()
        if row is None:
            return None
        offers = offers_of(cur, [row["id"]])
    asset_id = row.pop("id")
    return PublicAsset(**row, offers=offers.get(asset_id, ()))


def offers_of(cur: psycopg.Cursor, asset_ids: list[int]) -> dict[int, tuple[CapacityOffer, ...]]:
    """The active public offers of these assets, by asset id, in display order."""
    rows = cur.execute("""
        SELECT c.asset_id, c.kind, k.label AS kind_label, c.description, c.quantity::float8 AS quantity, c.unit,
               c.schedule, c.schedule_text, c.audience, c.cost
          FROM public_capacity_offers c
          JOIN capacity_kinds k ON k.code = c.kind
         WHERE c.asset_id = ANY(%s)
         ORDER BY c.asset_id, k.sort_order, c.id
    """, (asset_ids,)).fetchall()
    found: dict[int, list[CapacityOffer]] = {}
    for r in rows:
        found.setdefault(r.pop("asset_id"), []).append(CapacityOffer(**r))
    return {k: tuple(v) for k, v in found.items()}


def feature(conn: psycopg.Connection, public_id: uuid.UUID, *, asset_url: str, due_before: datetime,
            privileged: bool = False) -> dict | None:
    """One asset as a GeoJSON Feature. Public callers see published assets as the map does; privileged ones
    (planners, the edit-link holder) see any status, the exact point, the private contact details and every
    offer with its status."""
    if not privileged:
        with conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(sql.SQL("SELECT {feature} FROM public_assets a WHERE a.public_id = %(id)s")
                              .format(feature=_FEATURE),
                              {"id": public_id, "asset_url": asset_url, "due_before": due_before}).fetchone()
        return row[0] if row else None
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("""
            SELECT json_build_object(
                'type', 'Feature', 'id', a.public_id,
                'geometry', ST_AsGeoJSON(a.geom, 7)::json,
                'properties', (asset_snapshot(a.id) - 'id' - 'lon' - 'lat' - 'offers' - 'neighbourhood_id'
                               - 'organisation_id' - 'merged_into' - 'moderated_by')
                              || jsonb_build_object(
                                  'id', a.public_id, 'neighbourhood', a.neighbourhood_code,
                                  'neighbourhood_name', a.neighbourhood_name,
                                  'public_geometry', ST_AsGeoJSON(a.public_geom, 7)::jsonb,
                                  'capacity', a.capacity))
              FROM asset_details a
             WHERE a.public_id = %s""", (public_id,)).fetchone()
    return row[0] if row else None
