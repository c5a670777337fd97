"""Putting mail in the outbox. Callers pass their own cursor, so the message commits or rolls back with the change.

Nothing here talks SMTP: the worker (`mail/worker.py`) sends what is due. When mail is not configured
(`ASSETMAP_SMTP_URL` unset) nothing is queued, so no private address waits in a table for a worker that never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from ..config import Settings
from ..errors import NotFound
from ..model import audit


def enabled(settings: Settings) -> bool:
    return settings.smtp_url is not None


def link(settings: Settings, path: str) -> str:
    """An absolute link for a message: mail is read away from the site, so a path alone is no use."""
    return (settings.public_url or "").rstrip("/") + path


def enqueue(cur: psycopg.Cursor | psycopg.Connection, settings: Settings, *, to: str, subject: str, body: str,
            topic: str, dedupe_key: str | None = None) -> bool:
    """Queue one message; False when mail is off or a message with this key was queued before."""
    if not enabled(settings) or not to:
        return False
    row = cur.execute(
        "INSERT INTO outbox (to_address, subject, body, topic, dedupe_key) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id", (to, subject[:300], body, topic, dedupe_key)).fetchone()
    return row is not None


# -- the queue as admins see it: counts, the dead letters, and sending one again or throwing it away ----------------

@dataclass(frozen=True)
class Counts:
    queued: int     # not sent and not given up: due now or waiting for a retry
    due: int        # of those, due now
    sent_24h: int   # sent in the last 24 hours
    dead: int       # given up: the dead-letter list


@dataclass(frozen=True)
class DeadLetter:
    id: int
    to_address: str
    subject: str
    topic: str
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime


def counts(conn: psycopg.Connection) -> Counts:
    with conn.cursor(row_factory=class_row(Counts)) as cur:
        return cur.execute("""
            SELECT count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL) AS queued,
                   count(*) FILTER (WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()) AS due,
                   count(*) FILTER (WHERE sent_at > now() - interval '24 hours') AS sent_24h,
                   count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead
              FROM outbox WHERE sent_at IS NULL OR sent_at > now() - interval '24 hours'""").fetchone()


def dead_letters(conn: psycopg.Connection, limit: int = 500) -> list[DeadLetter]:
    """Messages given up on, most recent first."""
    with conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        return cur.execute("SELECT id, to_address, subject, topic, attempts, last_error, created_at, dead_at "
                           "FROM outbox WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT %s",
                           (limit,)).fetchall()


def retry(conn: psycopg.Connection, message_id: int, by: audit.Staff | None = None) -> DeadLetter:
    """Put a dead message back in the queue, due now with a full set of attempts; audited. The worker is woken
    (the insert trigger does not fire on an update)."""
    with conn.transaction(), conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        row = _dead(cur, message_id)
        cur.execute("UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = now() WHERE id = %s",
                    (message_id,))
        cur.execute("SELECT pg_notify('assetmap_outbox', '')")
        audit.write(cur, actor=_actor(by), action="retry", entity="outbox", entity_id=message_id,
                    before=_summary(row), after={"queued": True}, user_id=by.id if by else None)
    return row


def discard(conn: psycopg.Connection, message_id: int, by: audit.Staff | None = None) -> DeadLetter:
    """Delete a dead message for good; the audit row keeps who it was for, its subject and why it failed."""
    with conn.transaction(), conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        row = _dead(cur, message_id)
        cur.execute("DELETE FROM outbox WHERE id = %s", (message_id,))
        audit.write(cur, actor=_actor(by), action="discard", entity="outbox", entity_id=message_id,
                    before=_summary(row), user_id=by.id if by else None)
    return row


def _dead(cur: psycopg.Cursor, message_id: int) -> DeadLetter:
    row = cur.execute("SELECT id, to_address, subject, topic, attempts, last_error, created_at, dead_at "
                      "FROM outbox WHERE id = %s AND dead_at IS NOT NULL FOR UPDATE", (message_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no given-up message {message_id} (it may have been sent again or discarded)")
    return row


def _summary(row: DeadLetter) -> dict:
    return {"to": row.to_address, "subject": row.subject, "topic": row.topic, "attempts": row.attempts,
            "last_error": row.last_error, "dead_at": row.dead_at.isoformat()}


def _actor(by: audit.Staff | None) -> str:
    return audit.staff_actor(by) if by is not None else "cli"
