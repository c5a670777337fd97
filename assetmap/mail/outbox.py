"""Putting mail in the outbox. Callers pass their own cursor, so the message commits or rolls back with the change.

Nothing here talks SMTP: the worker (`mail/worker.py`) sends what is due. When mail is not configured
(`ASSETMAP_SMTP_URL` unset) nothing is queued, so no private address waits in a table for a worker that never runs.
"""

from __future__ import annotations

import psycopg

from ..config import Settings


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
