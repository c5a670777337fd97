"""What an accepted request became: one side records what happened, the other side confirms it.

Only confirmed exchanges count in the figures (`analysis/sql/50_reciprocity.sql`): hours that one side claims and
the other never agreed are not evidence. Either side may correct a record until it is confirmed; a planner may
record or confirm for someone who will never use the link. A confirmed exchange that answers an open need marks
the need met.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import dict_row

from ..config import Settings
from . import audit, request_mail
from .requests import Refused, keep
from .submission import ValidationFailed

SIDES = ("holder", "requester", "planner")
MAX_HOURS = 10_000


@dataclass(frozen=True)
class Record:
    hours: float
    people_reached: int | None
    started_on: date | None
    ended_on: date | None
    notes: str


def _date(raw: str, key: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = "must be a date such as 2026-12-08"
        return None


def validate(fields: dict) -> Record:
    """The rules for what happened, every problem at once (ValidationFailed: field → what is wrong)."""
    errors: dict[str, str] = {}
    raw = {k: str(fields.get(k) or "").strip() for k in ("hours", "people_reached", "started_on", "ended_on")}
    hours = None
    try:
        hours = float(raw["hours"]) if raw["hours"] else None
    except ValueError:
        errors["hours"] = "must be a number of hours, such as 3 or 1.5"
    if hours is None and "hours" not in errors:
        errors["hours"] = "is needed: how many hours were given (0 if none)"
    elif hours is not None and not 0 <= hours <= MAX_HOURS:
        errors["hours"] = f"must be between 0 and {MAX_HOURS}"
    people = None
    if raw["people_reached"]:
        if raw["people_reached"].isdigit() and int(raw["people_reached"]) <= 1_000_000:
            people = int(raw["people_reached"])
        else:
            errors["people_reached"] = "must be a whole number of people, such as 12"
    started, ended = _date(raw["started_on"], "started_on", errors), _date(raw["ended_on"], "ended_on", errors)
    if started and ended and ended < started:
        errors["ended_on"] = "must not be before the start"
    notes = str(fields.get("notes") or "").strip()
    if len(notes) > 2000:
        errors["notes"] = "must be at most 2000 characters"
    if errors:
        raise ValidationFailed(errors)
    return Record(hours, people, started, ended, notes)


def _locked(cur: psycopg.Cursor, exchange_id: int) -> dict:
    row = cur.execute("SELECT to_jsonb(e) AS s, e.status, e.recorded_by, r.need_id FROM exchanges e "
                      "JOIN capacity_requests r ON r.id = e.request_id WHERE e.id = %s FOR UPDATE OF e",
                      (exchange_id,)).fetchone()
    if row is None:
        raise Refused("No such exchange.")
    return row


def record(conn: psycopg.Connection, exchange_id: int, side: str, what: Record, settings: Settings, *,
           actor: str, user_id: int | None = None) -> None:
    """One side says what happened; the other side is asked to confirm."""
    if side not in SIDES:
        raise ValueError(side)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _locked(cur, exchange_id)
        if before["status"] not in ("agreed", "recorded"):
            raise Refused(f"This exchange is {before['status']}: it can no longer be changed.")
        cur.execute("""
            UPDATE exchanges SET status = 'recorded', hours = %s, people_reached = %s, started_on = %s,
                   ended_on = %s, notes = nullif(%s, ''), recorded_by = %s, recorded_at = now()
             WHERE id = %s""", (what.hours, what.people_reached, what.started_on, what.ended_on, what.notes, side,
                                exchange_id))
        keep(cur, "exchanges", exchange_id, actor=actor, action="record", before=before["s"], user_id=user_id)
        request_mail.recorded(cur, settings, exchange_id, side)


def confirm(conn: psycopg.Connection, exchange_id: int, side: str, settings: Settings, *, actor: str,
            user_id: int | None = None) -> None:
    """The other side agrees with the record; a planner may confirm for either side."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _locked(cur, exchange_id)
        if before["status"] != "recorded":
            raise Refused("There is nothing to confirm yet: first one side records what happened."
                          if before["status"] == "agreed" else f"This exchange is already {before['status']}.")
        if side == before["recorded_by"] and side != "planner":
            raise Refused("You recorded this yourself: the other side confirms it.")
        cur.execute("UPDATE exchanges SET status = 'confirmed', confirmed_by = %s, confirmed_at = now() "
                    "WHERE id = %s", (side, exchange_id))
        keep(cur, "exchanges", exchange_id, actor=actor, action="confirm", before=before["s"], user_id=user_id)
        if before["need_id"] is not None:
            need = cur.execute("SELECT to_jsonb(n) AS s FROM capacity_needs n WHERE id = %s AND status = 'open' "
                               "FOR UPDATE", (before["need_id"],)).fetchone()
            if need is not None:
                # The database writes the need's audit row, before and after (migration 0028).
                audit.acting(cur, actor=actor, user_id=user_id, action="met")
                cur.execute("UPDATE capacity_needs SET status = 'met' WHERE id = %s", (before["need_id"],))
        request_mail.confirmed(cur, settings, exchange_id)


def cancel(conn: psycopg.Connection, exchange_id: int, side: str, *, actor: str, reason: str,
           user_id: int | None = None) -> None:
    """It did not happen after all (before it is confirmed)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _locked(cur, exchange_id)
        if before["status"] in ("confirmed", "cancelled"):
            raise Refused(f"This exchange is already {before['status']}.")
        cur.execute("UPDATE exchanges SET status = 'cancelled' WHERE id = %s", (exchange_id,))
        keep(cur, "exchanges", exchange_id, actor=actor, action="cancel", before=before["s"], user_id=user_id,
             reason=reason.strip()[:2000] or f"cancelled by the {side}")
