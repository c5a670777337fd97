"""An entry's history, and going back to an earlier version of it.

Every write of an asset keeps a version (`asset_versions`: the whole entry with its offers, as `asset_snapshot()`
makes it) beside an audit row. A planner reads them as a list of what each version changed, and can put any earlier
version back: that is a new version (the history only grows), written through `contributions.apply` like any other
change, audited as a revert naming the version it went back to. The entry's status is not reverted: going back to
what a published entry said keeps it published, and a withdrawn one stays withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from ..errors import NotFound
from . import audit, contributions, drafts
from .drafts import Change


@dataclass(frozen=True)
class Version:
    version: int
    at: datetime
    actor: str
    status: str
    changes: tuple[Change, ...]   # against the version before it (none for the first)


@dataclass(frozen=True)
class History:
    asset_id: int
    name: str
    status: str
    current: int
    versions: tuple[Version, ...]   # newest first


def history(conn: psycopg.Connection, public_id) -> History:
    with conn.cursor(row_factory=dict_row) as cur:
        asset = cur.execute("SELECT id, name, status, version FROM assets WHERE public_id = %s",
                            (public_id,)).fetchone()
        if asset is None:
            raise NotFound("There is no such entry.")
        rows = cur.execute("SELECT version, at, actor, snapshot FROM asset_versions WHERE asset_id = %s "
                           "ORDER BY version", (asset["id"],)).fetchall()
    out, before = [], None
    for row in rows:
        sub = drafts.from_snapshot(row["snapshot"])
        out.append(Version(row["version"], row["at"], row["actor"], row["snapshot"]["status"],
                           drafts.changes(before, sub) if before is not None else ()))
        before = sub
    return History(asset["id"], asset["name"], asset["status"], asset["version"], tuple(reversed(out)))


def revert(conn: psycopg.Connection, public_id, version: int, by: audit.Staff) -> int:
    """Put version `version` back as the entry's newest; the new version's number."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        asset = cur.execute("SELECT id FROM assets WHERE public_id = %s FOR UPDATE", (public_id,)).fetchone()
        if asset is None:
            raise NotFound("There is no such entry.")
        old = cur.execute("SELECT snapshot FROM asset_versions WHERE asset_id = %s AND version = %s",
                          (asset["id"], version)).fetchone()
        if old is None:
            raise NotFound(f"This entry has no version {version}.")
        before = contributions.snapshot(cur, asset["id"])
        contributions.apply(cur, asset["id"], drafts.from_snapshot(old["snapshot"]), moderated_by=by.id)
        after = contributions.record(cur, actor=audit.staff_actor(by), action="revert", asset_id=asset["id"],
                                     before=before, user_id=by.id, reason=f"back to version {version}")
    return after["version"]
