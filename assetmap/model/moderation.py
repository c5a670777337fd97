"""Planners' moderation of residents' contributions: the queue, approve/reject (one or many), duplicates, merge.

Planners see what the public does not: exact points, private contact details. Every change is one transaction
that also keeps a version of each asset touched and an audit row naming the planner (contributions.record).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row, tuple_row

from ..errors import AssetMapError, InvalidParameter, NotFound
from . import audit
from .audit import Staff
from .contributions import Conflict, record, snapshot

ACTIONS = ("approve", "reject")
# What each action may start from: a rejection can be reversed by approving, nothing else goes back.
FROM_STATUS = {"approve": ("pending", "rejected"), "reject": ("pending",)}
NEW_STATUS = {"approve": "published", "reject": "rejected"}
MAX_REASON = 2000
MAX_BATCH = 500

# Near-duplicates: names at least this similar (pg_trgm, 0–1) within this distance, or the same postcode.
# 0.4 catches "St Mary's Hall" / "St Marys Church Hall" without pairing every "Community Centre" in town; the
# distance keeps same-named branches in other streets apart.
SIMILARITY = 0.4
NEAR_M = 150
MAX_DUPLICATES = 10
# Fewest metres in a degree of latitude (at the equator): a box this many degrees wide surely holds the circle.
M_PER_DEGREE = 110_000


class NotModeratable(AssetMapError):
    """The asset is not in a state this action can start from (someone else may have got there first)."""

    status = 409


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
class QueuedOffer:
    kind: str
    kind_label: str
    description: str
    quantity: float | None
    unit: str | None
    schedule: str | None
    cost: str
    audience: str
    status: str


@dataclass(frozen=True)
class QueuedAsset:
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
    offers: tuple[QueuedOffer, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()


def asset_id(conn: psycopg.Connection, public_id: uuid.UUID) -> int:
    """The internal id of the asset with this public id, of any status; NotFound when there is none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("SELECT id FROM assets WHERE public_id = %s", (public_id,)).fetchone()
    if row is None:
        raise NotFound("no such asset")
    return row[0]


def pending_count(conn: psycopg.Connection) -> int:
    """How many assets wait for moderation."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("SELECT count(*) FROM assets WHERE status = 'pending'").fetchone()[0]


def queue(conn: psycopg.Connection, limit: int = 100, offset: int = 0) -> list[QueuedAsset]:
    """Pending assets, oldest first, each with its offers and near-duplicates."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("""
            SELECT a.id, a.public_id, a.name, a.category, c.label AS category_label, a.description, a.audience,
                   a.accessibility, a.organisation_name, a.address, a.postcode, a.contact_email, a.contact_phone,
                   a.is_private_home, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, n.name AS neighbourhood_name,
                   a.source, a.created_at, a.version
              FROM assets a
              JOIN categories c ON c.code = a.category
              LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
             WHERE a.status = 'pending'
             ORDER BY a.created_at, a.id
             LIMIT %s OFFSET %s
        """, (limit, offset)).fetchall()
        ids = [r["id"] for r in rows]
        offers: dict[int, list[QueuedOffer]] = {i: [] for i in ids}
        for o in cur.execute("""
            SELECT o.asset_id, o.kind, k.label AS kind_label, o.description, o.quantity::float8 AS quantity, o.unit,
                   o.schedule, o.cost, o.audience, o.status
              FROM capacity_offers o JOIN capacity_kinds k ON k.code = o.kind
             WHERE o.asset_id = ANY(%s)
             ORDER BY o.asset_id, o.id
        """, (ids,)):
            offers[o.pop("asset_id")].append(QueuedOffer(**o))
        duplicates = _duplicates(cur, ids)
    return [QueuedAsset(**r, offers_count=len(offers[r["id"]]), offers=tuple(offers[r["id"]]),
                        duplicates=tuple(duplicates[r["id"]])) for r in rows]


def near_duplicates(conn: psycopg.Connection, asset_id: int) -> list[Duplicate]:
    """Other live (not archived) assets with a similar name close by, or the same postcode; most alike first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return _duplicates(cur, [asset_id])[asset_id]


def _duplicates(cur: psycopg.Cursor, ids: list[int]) -> dict[int, list[Duplicate]]:
    found: dict[int, list[Duplicate]] = {i: [] for i in ids}
    if not ids:
        return found
    # One query for the whole page. The name branch starts from the spatial index, with a box round the circle in
    # degrees (no geography function per row), not from the trigram index: names repeat across a town
    # ("Community Centre"), so few rows are near but many are alike. The postcode branch uses the expression index.
    with cur.connection.transaction():
        # PostGIS's high declared function costs make the planner JIT-compile this query: about 1 s spent to save
        # nothing on a query that takes 0.1 s for a page of 100 in a town of 20,000 assets.
        cur.execute("SET LOCAL jit = off")
        rows = cur.execute("""
            SELECT a.id AS of_id, d.*
              FROM assets a
             CROSS JOIN LATERAL (
                   SELECT o.id, o.public_id, o.name, o.status, o.postcode,
                          similarity(o.name, a.name) AS similarity,
                          ST_Distance(o.geom::geography, a.geom::geography) AS distance_m,
                          coalesce(upper(replace(o.postcode, ' ', '')) = upper(replace(a.postcode, ' ', '')), false)
                              AS same_postcode
                     FROM assets o
                    WHERE o.id <> a.id
                      AND o.status <> 'archived'
                      AND ((o.geom && ST_Expand(a.geom, %(box)s / greatest(cos(radians(ST_Y(a.geom))), 0.01),
                                                %(box)s)
                            AND ST_DWithin(o.geom::geography, a.geom::geography, %(near)s)
                            AND similarity(o.name, a.name) >= %(similarity)s)
                           OR (o.postcode IS NOT NULL
                               AND upper(replace(o.postcode, ' ', '')) = upper(replace(a.postcode, ' ', ''))))
                    ORDER BY similarity(o.name, a.name) DESC, ST_Distance(o.geom::geography, a.geom::geography), o.id
                    LIMIT %(most)s
                   ) d
             WHERE a.id = ANY(%(ids)s)
        """, {"ids": ids, "similarity": SIMILARITY, "near": float(NEAR_M), "most": MAX_DUPLICATES,
              "box": NEAR_M / M_PER_DEGREE}).fetchall()
    for row in rows:
        found[row.pop("of_id")].append(Duplicate(**row))
    return found


def _clean_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidParameter("reason", f"must be at most {MAX_REASON} characters")
    return reason or None


def moderate(conn: psycopg.Connection, asset_ids: Iterable[int], action: str, reason: str | None, user: Staff,
             expected_versions: Mapping[int, int] | None = None) -> list[int]:
    """Approve (publish) or reject assets, all or none; returns the ids moderated.

    A rejection needs a reason; it is kept on the asset for the resident's edit page. `expected_versions`
    (id → version the planner saw) refuses the batch if an entry was edited since the page was loaded."""
    if action not in ACTIONS:
        raise InvalidParameter("action", f"must be one of {', '.join(ACTIONS)}")
    reason = _clean_reason(reason)
    if action == "reject" and reason is None:
        raise InvalidParameter("reason", "give a reason for rejecting: the person who added it will see it")
    ids = list(dict.fromkeys(int(i) for i in asset_ids))
    if not ids:
        raise InvalidParameter("asset_ids", "choose at least one entry")
    if len(ids) > MAX_BATCH:
        raise InvalidParameter("asset_ids", f"at most {MAX_BATCH} entries at once")
    expected_versions = expected_versions or {}
    actor = audit.staff_actor(user)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Lock in id order, so two planners' overlapping batches queue rather than deadlock.
        rows = {r["id"]: r for r in cur.execute(
            "SELECT id, name, status, version FROM assets WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            (ids,))}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NotFound(f"no asset with id {', '.join(map(str, missing))}")
        for i in ids:
            row = rows[i]
            if row["status"] not in FROM_STATUS[action]:
                raise NotModeratable(f"“{row['name']}” (asset {i}) is {row['status']}: only "
                                     f"{' or '.join(FROM_STATUS[action])} entries can be {action}d")
            if i in expected_versions and expected_versions[i] != row["version"]:
                raise Conflict(f"“{row['name']}” (asset {i}) was changed after you loaded the page: "
                               "look at it again before deciding")
        for i in ids:
            before = snapshot(cur, i)
            cur.execute("UPDATE assets SET status = %s, moderation_reason = %s, moderated_by = %s, "
                        "moderated_at = now() WHERE id = %s", (NEW_STATUS[action], reason, user.id, i))
            record(cur, actor=actor, action="moderate", asset_id=i, before=before, user_id=user.id,
                   reason=f"{action}: {reason}" if reason else action)
    return ids


@dataclass(frozen=True)
class Merged:
    keep_id: int
    merge_id: int
    keep_name: str
    merge_name: str
    offers_moved: int
    fields_filled: tuple[str, ...]


# Fields of the kept asset filled from the merged one when blank. Name, category and point are the kept
# asset's own: the planner chose it as the better entry.
_FILLABLE = ("description", "audience", "accessibility", "organisation_name", "organisation_id", "tags",
             "address", "postcode", "contact_email", "contact_phone")


def merge(conn: psycopg.Connection, keep_id: int, merge_id: int, user: Staff) -> Merged:
    """Fold a duplicate into the asset kept: offers move, blank fields fill, the duplicate is archived."""
    if keep_id == merge_id:
        raise InvalidParameter("merge_id", "an entry cannot be merged into itself")
    actor = audit.staff_actor(user)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        rows = {r["id"]: r for r in cur.execute(
            "SELECT id, name, status FROM assets WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            ([keep_id, merge_id],))}
        for i in (keep_id, merge_id):
            if i not in rows:
                raise NotFound(f"no asset with id {i}")
            if rows[i]["status"] == "archived":
                raise NotModeratable(f"“{rows[i]['name']}” (asset {i}) is archived and cannot be merged")
        keep_before, merge_before = snapshot(cur, keep_id), snapshot(cur, merge_id)
        # A private home's address must not surface through a public entry, so it is copied only to another home.
        cur.execute("""
            UPDATE assets k SET
                   description = CASE WHEN k.description = '' THEN m.description ELSE k.description END,
                   audience = CASE WHEN k.audience = '' THEN m.audience ELSE k.audience END,
                   accessibility = CASE WHEN k.accessibility = '' THEN m.accessibility ELSE k.accessibility END,
                   organisation_name = CASE WHEN k.organisation_name = '' THEN m.organisation_name
                                            ELSE k.organisation_name END,
                   organisation_id = coalesce(k.organisation_id, m.organisation_id),
                   tags = CASE WHEN k.tags = '{}' THEN m.tags ELSE k.tags END,
                   address = CASE WHEN k.address = '' AND (k.is_private_home OR NOT m.is_private_home)
                                  THEN m.address ELSE k.address END,
                   postcode = CASE WHEN k.postcode IS NULL AND (k.is_private_home OR NOT m.is_private_home)
                                   THEN m.postcode ELSE k.postcode END,
                   contact_email = coalesce(k.contact_email, m.contact_email),
                   contact_phone = coalesce(k.contact_phone, m.contact_phone)
              FROM assets m
             WHERE k.id = %(keep)s AND m.id = %(merge)s
        """, {"keep": keep_id, "merge": merge_id})
        # Offers the kept asset already has (same terms) stay behind with the archived entry: no double counting.
        moved = cur.execute("""
            UPDATE capacity_offers o SET asset_id = %(keep)s
             WHERE o.asset_id = %(merge)s
               AND NOT EXISTS (
                   SELECT 1 FROM capacity_offers k
                    WHERE k.asset_id = %(keep)s AND k.kind = o.kind AND k.quantity IS NOT DISTINCT FROM o.quantity
                      AND k.unit IS NOT DISTINCT FROM o.unit AND k.schedule IS NOT DISTINCT FROM o.schedule
                      AND k.cost = o.cost AND k.audience = o.audience AND k.description = o.description)
            RETURNING o.id
        """, {"keep": keep_id, "merge": merge_id}).rowcount
        cur.execute("UPDATE assets SET status = 'archived', merged_into = %s, moderation_reason = %s, "
                    "moderated_by = %s, moderated_at = now() WHERE id = %s",
                    (keep_id, f"merged into asset {keep_id}", user.id, merge_id))
        keep_name, merge_name = rows[keep_id]["name"], rows[merge_id]["name"]
        keep_after = record(cur, actor=actor, action="merge", asset_id=keep_id, before=keep_before, user_id=user.id,
                            reason=f"merged asset {merge_id} (“{merge_name}”) into this one")
        record(cur, actor=actor, action="merge", asset_id=merge_id, before=merge_before, user_id=user.id,
               reason=f"merged into asset {keep_id} (“{keep_name}”)")
    filled = tuple(f for f in _FILLABLE if keep_before.get(f) != keep_after.get(f))
    return Merged(keep_id, merge_id, keep_name, merge_name, moved, filled)
