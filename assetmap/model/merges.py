"""Merging a duplicate into the entry it repeats, and undoing a merge from the queue's history.

A merge moves the duplicate's offers, fills the kept entry's blank fields and archives the duplicate; both entries
keep a version and an audit row. Undo reads those two audit rows back, so it needs nothing stored beside them.

A change waiting on the duplicate (`drafts`) is discarded with it (its last version and an audit row say so; undo
does not bring it back). One waiting on the kept entry stays: approving it later applies only what its resident
changed, so the fields and offers the merge brought are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..errors import InvalidParameter, NotFound
from . import audit, drafts
from .audit import Staff
from .contributions import Conflict, record, snapshot
from .moderation import NotModeratable


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


@dataclass(frozen=True)
class Side:
    id: int
    name: str
    status: str
    category_label: str
    address: str
    postcode: str | None
    description: str
    offers: int


def merge_pair(conn: psycopg.Connection, keep_id: int, merge_id: int) -> tuple[Side, Side]:
    """The two entries of a merge, for the page that asks the planner to confirm it."""
    if keep_id == merge_id:
        raise InvalidParameter("merge_id", "an entry cannot be merged into itself")
    with conn.cursor(row_factory=dict_row) as cur:
        rows = {r["id"]: Side(**r) for r in cur.execute("""
            SELECT a.id, a.name, a.status, c.label AS category_label, a.address, a.postcode, a.description,
                   (SELECT count(*) FROM capacity_offers o WHERE o.asset_id = a.id)::int AS offers
              FROM assets a JOIN categories c ON c.code = a.category
             WHERE a.id = ANY(%s)""", ([keep_id, merge_id],))}
    for i in (keep_id, merge_id):
        if i not in rows:
            raise NotFound(f"no asset with id {i}")
    return rows[keep_id], rows[merge_id]


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
        drafts.remove(cur, merge_id, actor=actor, outcome="merged", user_id=user.id,
                      reason=f"its entry was merged into asset {keep_id} (“{keep_name}”)")
        keep_after = record(cur, actor=actor, action="merge", asset_id=keep_id, before=keep_before, user_id=user.id,
                            reason=f"merged asset {merge_id} (“{merge_name}”) into this one")
        record(cur, actor=actor, action="merge", asset_id=merge_id, before=merge_before, user_id=user.id,
               reason=f"merged into asset {keep_id} (“{keep_name}”)")
    filled = tuple(f for f in _FILLABLE if keep_before.get(f) != keep_after.get(f))
    return Merged(keep_id, merge_id, keep_name, merge_name, moved, filled)


@dataclass(frozen=True)
class PastMerge:
    merge_id: int
    merge_name: str
    keep_id: int
    keep_name: str
    at: datetime
    actor: str


def recent_merges(conn: psycopg.Connection, limit: int = 20) -> list[PastMerge]:
    """Merges still in effect, newest first: what the queue's history offers to undo."""
    with conn.cursor(row_factory=dict_row) as cur:
        return [PastMerge(**r) for r in cur.execute("""
            SELECT m.id AS merge_id, m.name AS merge_name, k.id AS keep_id, k.name AS keep_name, l.at, l.actor
              FROM assets m
              JOIN assets k ON k.id = m.merged_into
              CROSS JOIN LATERAL (
                    SELECT l.at, l.actor FROM audit_log l
                     WHERE l.entity = 'assets' AND l.entity_id = m.id AND l.action = 'merge'
                     ORDER BY l.id DESC LIMIT 1) l
             ORDER BY l.at DESC, m.id DESC
             LIMIT %s""", (limit,))]


def unmerge(conn: psycopg.Connection, merge_id: int, user: Staff) -> Merged:
    """Undo the merge that archived `merge_id`: its offers go back, the fields it filled are blank again, and it
    returns to the status it had. Refused when the kept entry has changed since (undo that by hand)."""
    actor = audit.staff_actor(user)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT id, name, merged_into FROM assets WHERE id = %s FOR UPDATE",
                          (merge_id,)).fetchone()
        if row is None:
            raise NotFound(f"no asset with id {merge_id}")
        keep_id = row["merged_into"]
        if keep_id is None:
            raise NotModeratable(f"“{row['name']}” (asset {merge_id}) is not merged into another entry")
        keep = cur.execute("SELECT name, version FROM assets WHERE id = %s FOR UPDATE", (keep_id,)).fetchone()
        # The two rows one merge wrote share its transaction's timestamp.
        logged = cur.execute("""
            SELECT m.before AS merge_before, k.before AS keep_before, k.after AS keep_after
              FROM audit_log m
              JOIN audit_log k ON k.entity = 'assets' AND k.entity_id = %(keep)s AND k.action = 'merge'
                              AND k.at = m.at
             WHERE m.entity = 'assets' AND m.entity_id = %(merge)s AND m.action = 'merge'
             ORDER BY m.id DESC LIMIT 1
        """, {"keep": keep_id, "merge": merge_id}).fetchone()
        if logged is None:
            raise NotFound(f"no record of the merge of asset {merge_id}")
        if logged["keep_after"]["version"] != keep["version"]:
            raise Conflict(f"“{keep['name']}” (asset {keep_id}) has changed since the merge: undo it by hand")
        keep_before, merge_before = logged["keep_before"], logged["merge_before"]
        filled = tuple(f for f in _FILLABLE if keep_before.get(f) != logged["keep_after"].get(f))
        restore_keep, restore_merge = snapshot(cur, keep_id), snapshot(cur, merge_id)
        if filled:
            cur.execute(_set_fields(filled), {**{f: keep_before.get(f) for f in filled}, "id": keep_id})
        moved = cur.execute("UPDATE capacity_offers SET asset_id = %s WHERE asset_id = %s AND id = ANY(%s)",
                            (merge_id, keep_id, [o["id"] for o in merge_before.get("offers") or []])).rowcount
        cur.execute("""
            UPDATE assets SET status = %(status)s, merged_into = NULL, moderation_reason = %(reason)s,
                   moderated_by = %(by)s, moderated_at = %(at)s::timestamptz
             WHERE id = %(id)s
        """, {"status": merge_before["status"], "reason": merge_before.get("moderation_reason"),
              "by": merge_before.get("moderated_by"), "at": merge_before.get("moderated_at"), "id": merge_id})
        record(cur, actor=actor, action="unmerge", asset_id=keep_id, before=restore_keep, user_id=user.id,
               reason=f"undid the merge of asset {merge_id} (“{row['name']}”) into this one")
        record(cur, actor=actor, action="unmerge", asset_id=merge_id, before=restore_merge, user_id=user.id,
               reason=f"undid its merge into asset {keep_id} (“{keep['name']}”)")
    return Merged(keep_id, merge_id, keep["name"], row["name"], moved, filled)


def _set_fields(fields: tuple[str, ...]) -> sql.Composed:
    """UPDATE of the named fields (all from _FILLABLE, never user input) to bound values."""
    return sql.SQL("UPDATE assets SET {} WHERE id = %(id)s").format(
        sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(f), sql.Placeholder(f)) for f in fields))
