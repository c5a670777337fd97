"""Planners' decisions on residents' contributions: approve or reject, one or many.

The queue they decide from (near-duplicates, changes) is `queue`; merging a duplicate, and undoing it, `merges`.

Planners see what the public does not: exact points, private contact details. Every change is one transaction
that also keeps a version of each asset touched and an audit row naming the planner (contributions.record).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

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
