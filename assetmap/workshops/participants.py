"""Taking part: a display name and an organisation behind a private token, no account. The facilitator (and any
member of staff allowed to run the workshop) takes part through a participant row tied to their account."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from ..model.audit import Staff
from ..model.contributions import hash_token, new_token
from ..model.submission import ValidationFailed
from .sessions import Refused, Workshop, closed_message

NAME_MAX, ORGANISATION_MAX = 80, 120


@dataclass(frozen=True)
class Participant:
    id: int
    workshop_id: int
    name: str
    organisation: str
    is_staff: bool
    votes_used: int


_SELECT = """
    SELECT p.id, p.workshop_id, p.name, p.organisation, p.user_id IS NOT NULL AS is_staff,
           (SELECT count(*) FROM workshop_votes v WHERE v.participant_id = p.id)::int AS votes_used
      FROM workshop_participants p
"""


def validate(fields: dict) -> tuple[str, str]:
    name = " ".join(str(fields.get("name") or "").split())
    organisation = " ".join(str(fields.get("organisation") or "").split())
    errors = {}
    if not name:
        errors["name"] = "is needed: the name others in the room will see beside your notes"
    elif len(name) > NAME_MAX:
        errors["name"] = f"must be at most {NAME_MAX} characters"
    if len(organisation) > ORGANISATION_MAX:
        errors["organisation"] = f"must be at most {ORGANISATION_MAX} characters"
    if errors:
        raise ValidationFailed(errors)
    return name, organisation


def join(conn: psycopg.Connection, workshop: Workshop, name: str, organisation: str) -> tuple[Participant, str]:
    """A new participant and their private token (shown once; only its hash is kept)."""
    if not workshop.accepts_input:
        raise Refused(closed_message(workshop, "joining"))
    token = new_token()
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("""
            INSERT INTO workshop_participants (workshop_id, name, organisation, token_hash)
            SELECT id, %s, %s, %s FROM workshops WHERE id = %s AND state = 'open' RETURNING id
        """, (name, organisation, hash_token(token), workshop.id)).fetchone()
    if row is None:   # locked between reading the workshop and joining
        raise Refused(closed_message(workshop, "joining"))
    return by_id(conn, row["id"]), token


def by_id(conn: psycopg.Connection, participant_id: int) -> Participant:
    return Participant(**conn.cursor(row_factory=dict_row).execute(_SELECT + " WHERE p.id = %s",
                                                                   (participant_id,)).fetchone())


def by_token(conn: psycopg.Connection, workshop: Workshop, token: str | None) -> Participant | None:
    """The participant this token belongs to in this workshop, or None (a token of another workshop is no token)."""
    if not token:
        return None
    row = conn.cursor(row_factory=dict_row).execute(_SELECT + " WHERE p.token_hash = %s AND p.workshop_id = %s",
                                                    (hash_token(token), workshop.id)).fetchone()
    return Participant(**row) if row else None


def for_staff(conn: psycopg.Connection, workshop: Workshop, user: Staff, display_name: str,
              token: str) -> Participant:
    """The staff member's own participant row in this workshop, made on first use. Their token is derived from
    the app's secret by the web layer, so it is the same on every device they sign in on; a new secret replaces it."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("""
            INSERT INTO workshop_participants (workshop_id, name, organisation, token_hash, user_id)
            VALUES (%s, %s, 'Facilitator', %s, %s)
            ON CONFLICT (workshop_id, user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash
            RETURNING id
        """, (workshop.id, display_name[:NAME_MAX] or "Facilitator", hash_token(token), user.id)).fetchone()
    return by_id(conn, row["id"])


def organisations(conn: psycopg.Connection, workshop_id: int) -> list[dict]:
    """The organisations present and how many people each sent (people without one count as residents)."""
    return conn.cursor(row_factory=dict_row).execute("""
        SELECT coalesce(nullif(organisation, ''), 'Residents and others') AS organisation, count(*)::int AS people
          FROM workshop_participants WHERE workshop_id = %s AND user_id IS NULL
         GROUP BY 1 ORDER BY 2 DESC, 1
    """, (workshop_id,)).fetchall()
