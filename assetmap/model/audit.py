"""The audit log: one row per change or disclosure, written in the same transaction as what it records.

Every writer goes through `write`, so each row has the same shape: who (`actor`, and `user_id` for staff), what
(`action` on `entity`, optionally one `entity_id`), the state `before` and `after`, and a `reason` when one was given.
Actors are 'user:<email>' for staff, 'resident' or 'api' for contributions, 'import:<source>' for imports.
Services, their sites and catchments, and needs are logged by the database itself, row by row, whoever changes them;
`acting` tells it who.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb


class Staff(Protocol):
    id: int
    email: str


def staff_actor(user: Staff) -> str:
    return f"user:{user.email}"


def write(conn: psycopg.Connection | psycopg.Cursor, *, actor: str, action: str, entity: str,
          entity_id: int | None = None, before: Any = None, after: Any = None, reason: str | None = None,
          user_id: int | None = None) -> None:
    """Append one audit row."""
    conn.execute("""
        INSERT INTO audit_log (user_id, actor, action, entity, entity_id, before, after, reason)
        VALUES (%(user_id)s, %(actor)s, %(action)s, %(entity)s, %(entity_id)s, %(before)s, %(after)s, %(reason)s)
    """, {"user_id": user_id, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
          "before": None if before is None else Jsonb(before), "after": None if after is None else Jsonb(after),
          "reason": reason})


def acting(conn: psycopg.Connection | psycopg.Cursor, *, actor: str, user_id: int | None = None,
           action: str | None = None, reason: str | None = None) -> None:
    """Who makes the changes that follow in this transaction, for the database's own audit triggers (services, their
    sites and catchments, needs: migration 0028), which write a row per changed row with its before and after.
    Transaction-local: the settings end with the transaction (call it inside one)."""
    conn.execute("SELECT set_config('assetmap.actor', %s, true), set_config('assetmap.user_id', %s, true), "
                 "set_config('assetmap.action', %s, true), set_config('assetmap.reason', %s, true)",
                 (actor, "" if user_id is None else str(user_id), action or "", reason or ""))


def rows(conn: psycopg.Connection, start: datetime, end: datetime) -> Iterator[dict]:
    """The log from `start` (inclusive) to `end` (exclusive), oldest first, streamed (a year of it is large)."""
    with conn.transaction(), conn.cursor(name="audit_export", row_factory=dict_row) as cur:
        cur.itersize = 5000
        cur.execute("""
            SELECT id, at, user_id, actor, action, entity, entity_id, before, after, reason
              FROM audit_log WHERE at >= %s AND at < %s ORDER BY at, id""", (start, end))
        yield from cur
