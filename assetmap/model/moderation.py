"""Planners' decisions on residents' contributions: approve or reject, one or many.

An entry waiting is either a pending asset, or a change to a published one (`drafts`): approving the change applies
it to the asset through the same path as an edit (`contributions.apply`) and deletes it; rejecting it keeps the
published entry as it is and the reason for the resident. The queue they decide from (near-duplicates, changes) is
`queue`; merging a duplicate, and undoing it, `merges`.

Planners see what the public does not: exact points, private contact details. Every change is one transaction
that also keeps a version of each asset touched and an audit row naming the planner (contributions.record).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

import psycopg
from psycopg.rows import dict_row, tuple_row

from ..errors import AssetMapError, InvalidParameter, NotFound
from . import audit, drafts
from .audit import Staff
from .contributions import Conflict, apply, record, snapshot

ACTIONS = ("approve", "reject")
# What each action may start from: a rejection can be reversed by approving, nothing else goes back.
FROM_STATUS = {"approve": ("pending", "rejected"), "reject": ("pending",)}
NEW_STATUS = {"approve": "published", "reject": "rejected"}
MAX_REASON = 2000
MAX_BATCH = 500
# Offered beside the reason box: the reasons planners give most, in words the resident will read.
REJECTION_REASONS = (
    "This is not a place or resource the community can use.",
    "It is already on the map: we have kept the existing entry.",
    "It is outside the area this map covers.",
    "We could not find it from the details given: please add an address or move the pin.",
    "It holds personal details that should not be public.",
    "It is advertising, not a community asset.",
)

class NotModeratable(AssetMapError):
    """The asset is not in a state this action can start from (someone else may have got there first)."""

    status = 409


def asset_id(conn: psycopg.Connection, public_id: uuid.UUID) -> int:
    """The internal id of the asset with this public id, of any status; NotFound when there is none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("SELECT id FROM assets WHERE public_id = %s", (public_id,)).fetchone()
    if row is None:
        raise NotFound("no such asset")
    return row[0]


def names(conn: psycopg.Connection, ids: list[int], most: int = 10) -> list[tuple[str, uuid.UUID]]:
    """(name, public id) of these assets, by name: for links to what was just decided."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("SELECT name, public_id FROM assets WHERE id = ANY(%s) ORDER BY name, id LIMIT %s",
                           (ids, most)).fetchall()


def _clean_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidParameter("reason", f"must be at most {MAX_REASON} characters")
    return reason or None


def moderate(conn: psycopg.Connection, asset_ids: Iterable[int], action: str, reason: str | None, user: Staff,
             expected_versions: Mapping[int, int] | None = None,
             expected_changes: Mapping[int, int] | None = None) -> list[int]:
    """Approve (publish) or reject assets, or the changes waiting on published ones, all or none; returns the ids.

    A rejection needs a reason; it is kept for the resident's edit page. `expected_versions` (id → version of the
    entry the planner saw) and `expected_changes` (id → version of the change the planner saw) refuse the batch if
    anything was edited since the page was loaded."""
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
    expected_versions, expected_changes = expected_versions or {}, expected_changes or {}
    actor = audit.staff_actor(user)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Lock in id order, so two planners' overlapping batches queue rather than deadlock. Residents write drafts
        # under the asset's lock too, so the drafts read after it are the latest.
        rows = {r["id"]: r for r in cur.execute(
            "SELECT id, name, status, version FROM assets WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            (ids,))}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NotFound(f"no asset with id {', '.join(map(str, missing))}")
        changes = {i: d for i, d in drafts.load(cur, ids, waiting_only=True).items()
                   if rows[i]["status"] == "published"}
        for i in ids:
            _check(rows[i], changes.get(i), action, expected_versions.get(i), expected_changes.get(i))
        for i in ids:
            if i in changes:
                _decide_change(cur, i, changes[i], action, reason, user, actor)
                continue
            before = snapshot(cur, i)
            cur.execute("UPDATE assets SET status = %s, moderation_reason = %s, moderated_by = %s, "
                        "moderated_at = now() WHERE id = %s", (NEW_STATUS[action], reason, user.id, i))
            record(cur, actor=actor, action="moderate", asset_id=i, before=before, user_id=user.id,
                   reason=f"{action}: {reason}" if reason else action)
    return ids


def _check(row: dict, change: drafts.Draft | None, action: str, seen_entry: int | None,
           seen_change: int | None) -> None:
    """Refuse to decide on an entry that cannot be, or that is no longer what the planner saw."""
    name, i = row["name"], row["id"]
    edited = Conflict(f"“{name}” (asset {i}) was changed after you loaded the page: look at it again before deciding")
    if change is not None:
        if seen_entry is not None or (seen_change is not None and seen_change != change.version):
            raise edited
        return
    if row["status"] not in FROM_STATUS[action]:
        if seen_change is not None:     # the change the planner saw is gone: approved, withdrawn, replaced
            raise edited
        raise NotModeratable(f"“{name}” (asset {i}) is {row['status']}: only "
                             f"{' or '.join(FROM_STATUS[action])} entries can be {action}d")
    if seen_change is not None or (seen_entry is not None and seen_entry != row["version"]):
        raise edited


def _decide_change(cur: psycopg.Cursor, asset_id: int, change: drafts.Draft, action: str, reason: str | None,
                   user: Staff, actor: str) -> None:
    """Apply a waiting change to its published entry, or turn it down and leave the entry as it is."""
    if action == "reject":
        drafts.reject(cur, asset_id, reason, actor=actor, user_id=user.id)
        return
    before = snapshot(cur, asset_id)
    apply(cur, asset_id, change.proposal(drafts.from_snapshot(before)), moderated_by=user.id)
    record(cur, actor=actor, action="moderate", asset_id=asset_id, before=before, user_id=user.id,
           reason="approve: the change to the published entry")
    drafts.remove(cur, asset_id, actor=actor, outcome="approved", reason="approved and published", user_id=user.id)
