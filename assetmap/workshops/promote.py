"""A note the room agrees on becomes a real entry: an asset or a capacity need, waiting in moderation like any
other contribution (assets as `pending` in the moderation queue, needs as `pending` on the planners' needs page).
The note remembers what it became, and the change is audited and streamed."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .. import vocab
from ..config import Settings
from ..model import audit, contributions, submission
from ..model.audit import Staff
from ..model.submission import ValidationFailed
from .sessions import Refused, Workshop


def _note(conn: psycopg.Connection, workshop: Workshop, note_id: int) -> dict:
    row = conn.cursor(row_factory=dict_row).execute("""
        SELECT n.id, n.text, n.kind, n.promoted, ST_X(ST_PointOnSurface(n.geom)) AS lon,
               ST_Y(ST_PointOnSurface(n.geom)) AS lat
          FROM workshop_notes n WHERE n.id = %s AND n.workshop_id = %s AND n.status IN ('visible', 'hidden')
    """, (note_id, workshop.id)).fetchone()
    if row is None:
        raise ValidationFailed({"note": "is not a note of this workshop"})
    if row["promoted"]:
        raise Refused("This note has already been made into an entry.")
    return row


def promote(conn: psycopg.Connection, workshop: Workshop, note_id: int, fields: dict, staff: Staff,
            settings: Settings) -> dict:
    """fields: {"to": "asset", "name", "category"} or {"to": "need", "title", "kind", "quantity", "unit"};
    the description is the note's text unless given. Returns {"asset": public id} or {"need": id}."""
    note = _note(conn, workshop, note_id)
    to = fields.get("to")
    if to == "asset":
        sub = submission.validate(conn, {
            "name": fields.get("name") or note["text"][:80], "category": fields.get("category"),
            "description": fields.get("description") or note["text"], "lon": note["lon"], "lat": note["lat"]})
        with conn.transaction():
            created = contributions.create_asset(conn, sub, actor=audit.staff_actor(staff), user_id=staff.id,
                                                 source=f"workshop:{workshop.code}")
            made = {"asset": str(created.public_id)}
            _remember(conn, workshop, note_id, made, staff)
        return made
    if to == "need":
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            values = _need(cur, fields, note)
            # The database writes the need's audit row (migration 0028), as this staff member's.
            audit.acting(cur, actor=audit.staff_actor(staff), user_id=staff.id, reason=f"workshop {workshop.code}")
            need_id = cur.execute("""
                INSERT INTO capacity_needs (title, kind, description, quantity, unit, geom, status, source)
                VALUES (%(title)s, %(kind)s, %(description)s, %(quantity)s, %(unit)s,
                        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 'pending', %(source)s)
                RETURNING id""", values | {"source": f"workshop:{workshop.code}"}).fetchone()["id"]
            made = {"need": need_id}
            _remember(conn, workshop, note_id, made, staff)
        return made
    raise ValidationFailed({"to": 'must be "asset" or "need"'})


def _need(cur: psycopg.Cursor, fields: dict, note: dict) -> dict:
    errors = {}
    title = " ".join(str(fields.get("title") or note["text"][:200]).split())
    kinds, units = vocab.codes(cur.connection, "capacity_kinds"), vocab.codes(cur.connection, "units")
    if fields.get("kind") not in kinds:
        errors["kind"] = f"must be one of {', '.join(sorted(kinds))}"
    quantity, unit = fields.get("quantity"), fields.get("unit")
    if quantity in (None, ""):
        quantity = unit = None
    else:
        try:
            quantity = float(quantity)
        except (TypeError, ValueError):
            errors["quantity"] = "must be a number"
        else:
            if not 0 < quantity <= 100_000:
                errors["quantity"] = "must be more than 0 and at most 100000"
        if unit not in units:
            errors["unit"] = f"must be one of {', '.join(units)}"
    if not title:
        errors["title"] = "is needed"
    if errors:
        raise ValidationFailed(errors)
    description = str(fields.get("description") or note["text"])[:2000]
    return {"title": title, "kind": fields["kind"], "description": description,
            "quantity": quantity, "unit": unit, "lon": note["lon"], "lat": note["lat"]}


def _remember(conn: psycopg.Connection, workshop: Workshop, note_id: int, made: dict, staff: Staff) -> None:
    conn.execute("UPDATE workshop_notes SET promoted = %s, updated_at = now() WHERE id = %s", (Jsonb(made), note_id))
    audit.write(conn, actor=audit.staff_actor(staff), action="promote_note", entity="workshop_notes",
                entity_id=note_id, after=made, user_id=staff.id, reason=f"workshop {workshop.code}")
    conn.execute("SELECT workshop_event(%s, 'note', %s)", (workshop.id, note_id))
