"""The moderation queue: pending entries and waiting changes to published ones, filtered and sorted, their
near-duplicates, and what each would change on the map.

Planners see what the public does not: exact points and private contact details. Decisions on the entries are in
`moderation`.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from .. import schedules
from ..errors import InvalidParameter
from . import drafts
from .drafts import Change

# Near-duplicates: names at least this similar (pg_trgm, 0–1), within this distance or with the same postcode.
# 0.4 catches "St Mary's Hall" / "St Marys Church Hall" without pairing every "Community Centre" in town; the
# distance keeps same-named branches in other streets apart.
SIMILARITY = 0.4
NEAR_M = 150
MAX_DUPLICATES = 10
# Fewest metres in a degree of latitude (at the equator): a box this many degrees wide surely holds the circle.
M_PER_DEGREE = 110_000

SORTS = {  # code → (label, ORDER BY); id last so that pages never overlap
    "oldest": ("Oldest first", "a.created_at, a.id"),
    "newest": ("Newest first", "a.created_at DESC, a.id DESC"),
    "name": ("Name, A to Z", "lower(a.name), a.id"),
    "neighbourhood": ("Neighbourhood", "n.name NULLS LAST, a.created_at, a.id"),
}
AGES = {"1": "more than a day", "7": "more than a week", "30": "more than a month"}



@functools.cache
def _sql(name: str) -> str:
    """A query from model/sql/, read once per process (the queue page runs three of them)."""
    return (files(__package__) / "sql" / name).read_text()


@dataclass(frozen=True)
class QueueFilter:
    """What the planner asked to see; empty strings mean "any"."""

    neighbourhood: str = ""
    category: str = ""
    source: str = ""
    older_than_days: str = ""
    sort: str = "oldest"

    def __post_init__(self):
        if self.sort not in SORTS:
            raise InvalidParameter("sort", f"must be one of {', '.join(SORTS)}")
        if self.older_than_days not in ("", *AGES):
            raise InvalidParameter("older_than_days", f"must be one of {', '.join(AGES)}")

    def is_everything(self) -> bool:
        """No filter narrows the queue (the order may still be any)."""
        return not (self.neighbourhood or self.category or self.source or self.older_than_days)

    def args(self) -> dict[str, str]:
        """The non-default values, for links that keep the filters."""
        return {k: v for k, v in vars(self).items() if v and not (k == "sort" and v == "oldest")}


@dataclass(frozen=True)
class Duplicate:
    id: int
    public_id: uuid.UUID
    name: str
    status: str
    postcode: str | None
    similarity: float
    distance_m: float
    same_postcode: bool


@dataclass(frozen=True)
class SameName:
    """A live entry with the very same name, further away than a near-duplicate."""

    id: int
    public_id: uuid.UUID
    name: str
    status: str
    distance_m: float


@dataclass(frozen=True)
class QueuedOffer:
    kind: str
    kind_label: str
    description: str
    quantity: float | None
    unit: str | None
    schedule: str | None
    schedule_text: str | None
    cost: str
    audience: str
    status: str


@dataclass(frozen=True)
class QueuedAsset:
    """An entry waiting; for a change to a published entry (`is_change`), its fields are what approving the change
    would publish, and `version` is the change's."""

    id: int
    public_id: uuid.UUID
    name: str
    category: str
    category_label: str
    description: str
    audience: str
    accessibility: str
    organisation_name: str
    address: str
    postcode: str | None
    contact_email: str | None
    contact_phone: str | None
    is_private_home: bool
    lon: float                  # the exact point: planners need it to judge the entry
    lat: float
    neighbourhood_name: str | None
    source: str
    created_at: datetime
    version: int
    offers_count: int
    is_change: bool = False
    offers: tuple[QueuedOffer, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    # None for an entry never published; else the fields that differ from the (last) published version.
    changes: tuple[Change, ...] | None = None
    same_name_elsewhere: tuple[SameName, ...] = ()


@dataclass(frozen=True)
class Facets:
    """The choices of the queue's filters, from what waits, with counts."""

    neighbourhoods: list[tuple[str, str, int]]   # code, name, pending
    categories: list[tuple[str, str, int]]
    sources: list[tuple[str, int]]


def _entries() -> sql.Composable:
    return sql.SQL("({}) a").format(sql.SQL(_sql("queue_entries.sql")))


def _where(f: QueueFilter) -> tuple[sql.Composable, dict]:
    parts, params = [sql.SQL("true")], {}
    if f.neighbourhood:
        parts.append(sql.SQL("n.code = %(neighbourhood)s"))
        params["neighbourhood"] = f.neighbourhood
    if f.category:
        parts.append(sql.SQL("a.category = %(category)s"))
        params["category"] = f.category
    if f.source:
        parts.append(sql.SQL("a.source = %(source)s"))
        params["source"] = f.source
    if f.older_than_days:
        parts.append(sql.SQL("a.created_at < now() - make_interval(days => %(days)s)"))
        params["days"] = int(f.older_than_days)
    return sql.SQL(" AND ").join(parts), params


def pending_count(conn: psycopg.Connection, f: QueueFilter | None = None) -> int:
    """How many entries and changes wait for moderation (matching the filter, if given)."""
    where, params = _where(f or QueueFilter())
    query = sql.SQL("SELECT count(*) FROM {} LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
                    "WHERE {}").format(_entries(), where)
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query, params).fetchone()[0]


def facets(conn: psycopg.Connection) -> Facets:
    with conn.cursor(row_factory=tuple_row) as cur:
        hoods = cur.execute(sql.SQL("""
            SELECT n.code, n.name, count(*) FROM {} JOIN neighbourhoods n ON n.id = a.neighbourhood_id
             GROUP BY n.code, n.name ORDER BY n.name""").format(_entries())).fetchall()
        cats = cur.execute(sql.SQL("""
            SELECT c.code, c.label, count(*) FROM {} JOIN categories c ON c.code = a.category
             GROUP BY c.code, c.label, c.sort_order ORDER BY c.sort_order""").format(_entries())).fetchall()
        sources = cur.execute(sql.SQL("SELECT a.source, count(*) FROM {} GROUP BY a.source ORDER BY a.source")
                              .format(_entries())).fetchall()
    return Facets(hoods, cats, sources)


def queue(conn: psycopg.Connection, f: QueueFilter | None = None, limit: int = 100,
          offset: int = 0) -> list[QueuedAsset]:
    """What waits, matching the filter, in its order, each with its offers, near-duplicates and changes."""
    f = f or QueueFilter()
    where, params = _where(f)
    query = sql.SQL(_sql("queue.sql")).format(entries=_entries(), where=where, order=sql.SQL(SORTS[f.sort][1]))
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, {**params, "limit": limit, "offset": offset}).fetchall()
        ids = [r["id"] for r in rows]
        offers: dict[int, list[QueuedOffer]] = {i: [] for i in ids}
        for o in cur.execute("""
            SELECT o.asset_id, o.kind, k.label AS kind_label, o.description, o.quantity::float8 AS quantity, o.unit,
                   o.schedule, o.schedule_text, o.cost, o.audience, o.status
              FROM capacity_offers o JOIN capacity_kinds k ON k.code = o.kind
             WHERE o.asset_id = ANY(%s)
             ORDER BY o.asset_id, o.id
        """, (ids,)):
            offers[o.pop("asset_id")].append(QueuedOffer(**o))
        duplicates = _duplicates(cur, ids)
        changes = _changes(cur, [r["id"] for r in rows if not r["is_change"]])
        proposed = _proposed(cur, [r["id"] for r in rows if r["is_change"]])
        # A change decided since the page's query has nothing left to show.
        rows = [r | proposed[r["id"]] if r["is_change"] else r for r in rows
                if not r["is_change"] or r["id"] in proposed]
        for r in rows:
            if r["is_change"]:
                changes[r["id"]] = r.pop("changes")
                offers[r["id"]] = r.pop("offers")
        same: dict[int, list[SameName]] = {i: [] for i in ids}
        for row in cur.execute(_sql("same_names.sql"), {"ids": ids, "near": float(NEAR_M)}):
            same[row.pop("of_id")].append(SameName(**row))
    return [QueuedAsset(**r, offers_count=len(offers[r["id"]]), offers=tuple(offers[r["id"]]),
                        duplicates=tuple(duplicates[r["id"]]), changes=changes.get(r["id"]),
                        same_name_elsewhere=tuple(same[r["id"]][:5])) for r in rows]


def _proposed(cur: psycopg.Cursor, ids: list[int]) -> dict[int, dict]:
    """For each published entry with a waiting change: its fields and offers as approving the change would publish
    them, and the changes from the published entry."""
    if not ids:
        return {}
    waiting = drafts.load(cur, ids, waiting_only=True)
    labels = {r["key"]: r["label"] for r in cur.execute(
        "SELECT 'category:' || code AS key, label FROM categories "
        "UNION ALL SELECT 'kind:' || code, label FROM capacity_kinds")}
    out = {}
    for r in cur.execute("SELECT id, asset_snapshot(id) AS s FROM assets WHERE id = ANY(%s)",
                         (list(waiting),)).fetchall():
        published = drafts.from_snapshot(r["s"])
        new = waiting[r["id"]].proposal(published)
        out[r["id"]] = {
            "name": new.name, "category": new.category, "category_label": labels[f"category:{new.category}"],
            "description": new.description, "audience": new.audience, "accessibility": new.accessibility,
            "organisation_name": new.organisation, "address": new.address, "postcode": new.postcode,
            "contact_email": new.contact_email, "contact_phone": new.contact_phone,
            "is_private_home": new.private_home, "lon": new.lon, "lat": new.lat,
            "changes": drafts.changes(published, new),
            "offers": [QueuedOffer(o.kind, labels[f"kind:{o.kind}"], o.description, o.quantity, o.unit, o.schedule,
                                   schedules.words(o.schedule), o.cost, o.audience, "active") for o in new.offers]}
    return out


def near_duplicates(conn: psycopg.Connection, asset_id: int) -> list[Duplicate]:
    """Other live (not archived) assets with a similar name close by or at the same postcode; most alike first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return _duplicates(cur, [asset_id])[asset_id]


def _duplicates(cur: psycopg.Cursor, ids: list[int]) -> dict[int, list[Duplicate]]:
    found: dict[int, list[Duplicate]] = {i: [] for i in ids}
    if not ids:
        return found
    with cur.connection.transaction():
        # PostGIS's high declared function costs make the planner JIT-compile this query: about 1 s spent to save
        # nothing on a query that takes 0.1 s for a page of 100 in a town of 20,000 assets.
        cur.execute("SET LOCAL jit = off")
        rows = cur.execute(_sql("duplicates.sql"), {
            "ids": ids, "similarity": SIMILARITY, "near": float(NEAR_M), "most": MAX_DUPLICATES,
            "box": NEAR_M / M_PER_DEGREE}).fetchall()
    for row in rows:
        found[row.pop("of_id")].append(Duplicate(**row))
    return found


def _changes(cur: psycopg.Cursor, ids: list[int]) -> dict[int, tuple[Change, ...]]:
    """For each pending entry that was published before, the fields it changed since its last published version."""
    pairs = cur.execute("""
        SELECT DISTINCT ON (v.asset_id) v.asset_id, v.snapshot AS published, asset_snapshot(v.asset_id) AS now
          FROM asset_versions v
         WHERE v.asset_id = ANY(%s) AND v.snapshot->>'status' = 'published'
         ORDER BY v.asset_id, v.version DESC
    """, (ids,)).fetchall()
    return {p["asset_id"]: drafts.changes(drafts.from_snapshot(p["published"]), drafts.from_snapshot(p["now"]))
            for p in pairs}
