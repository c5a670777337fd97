"""Notes on the shared map, their comments and dot votes; the facilitator's hide, edit and merge.

Every write checks the workshop is open (a facilitator may still tidy up while it is locked), changes the rows,
and appends a `note` event in the same transaction, so the change and the news of it commit together.
"""

from __future__ import annotations

import json

import psycopg
import shapely
from psycopg.rows import dict_row, tuple_row

from ..errors import NotFound
from ..model import audit
from ..model.audit import Staff
from ..model.submission import ValidationFailed
from .geometry import GeometryProblem, parse_note_geometry
from .participants import Participant
from .sessions import KINDS, Forbidden, Refused, Workshop, closed_message

TEXT_MAX, COMMENT_MAX = 1000, 500


def validate(fields: dict, *, partial: bool = False) -> dict:
    """kind, text and geometry of a note (all needed unless partial, for an edit); every problem at once."""
    errors, out = {}, {}
    if "kind" in fields or not partial:
        if not isinstance(fields.get("kind"), str) or fields["kind"] not in KINDS:
            errors["kind"] = f"must be one of {', '.join(KINDS)}"
        out["kind"] = fields.get("kind")
    if "text" in fields or not partial:
        text = str(fields.get("text") or "").strip()
        if not text:
            errors["text"] = "is needed"
        elif len(text) > TEXT_MAX:
            errors["text"] = f"must be at most {TEXT_MAX} characters (this is {len(text)})"
        out["text"] = text
    if "geometry" in fields or not partial:
        try:
            out["geom"] = parse_note_geometry(fields.get("geometry"))
        except GeometryProblem as exc:
            errors["geometry"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return out


def _require_input(workshop: Workshop, who: Participant, what: str) -> None:
    if not workshop.accepts_input and not (who.is_staff and workshop.state == "locked"):
        raise Refused(closed_message(workshop, what))


def _note(cur: psycopg.Cursor, workshop: Workshop, note_id: int, *, lock: bool = False) -> dict:
    row = cur.execute("SELECT id, participant_id, status, kind, text, ST_AsGeoJSON(geom, 6) AS geometry "
                      "FROM workshop_notes WHERE id = %s AND workshop_id = %s" + (" FOR UPDATE" if lock else ""),
                      (note_id, workshop.id)).fetchone()
    if row is None or row["status"] in ("withdrawn", "merged"):
        raise NotFound("There is no such note in this workshop (it may have been withdrawn or merged).")
    return row


def _event(cur: psycopg.Cursor, workshop: Workshop, note_id: int) -> None:
    cur.execute("SELECT workshop_event(%s, 'note', %s)", (workshop.id, note_id))


def add(conn: psycopg.Connection, workshop: Workshop, who: Participant, note: dict) -> int:
    _require_input(workshop, who, "adding notes")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        note_id = cur.execute("""
            INSERT INTO workshop_notes (workshop_id, participant_id, round, kind, text, geom)
            SELECT id, %s, current_round, %s, %s, ST_GeomFromWKB(%s, 4326) FROM workshops
             WHERE id = %s AND (state = 'open' OR (state = 'locked' AND %s)) RETURNING id
        """, (who.id, note["kind"], note["text"], shapely.to_wkb(note["geom"]), workshop.id,
              who.is_staff)).fetchone()
        if note_id is None:
            raise Refused(closed_message(workshop, "adding notes"))
        _event(cur, workshop, note_id["id"])
    return note_id["id"]


def edit(conn: psycopg.Connection, workshop: Workshop, who: Participant, note_id: int, change: dict,
         staff: Staff | None = None) -> None:
    """The author edits their own note; the facilitator (staff given) any note, audited."""
    _require_input(workshop, who, "editing notes")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _note(cur, workshop, note_id, lock=True)
        if staff is None and before["participant_id"] != who.id:
            raise Forbidden("You can only change your own notes.")
        cur.execute("""
            UPDATE workshop_notes SET kind = coalesce(%(kind)s, kind), text = coalesce(%(text)s, text),
                   geom = coalesce(ST_GeomFromWKB(%(geom)s, 4326), geom), version = version + 1, updated_at = now()
             WHERE id = %(id)s""", {"kind": change.get("kind"), "text": change.get("text"), "id": note_id,
                                     "geom": shapely.to_wkb(change["geom"]) if "geom" in change else None})
        if staff is not None:
            _audit(cur, staff, "edit_note", workshop, before, change)
        _event(cur, workshop, note_id)


def withdraw(conn: psycopg.Connection, workshop: Workshop, who: Participant, note_id: int) -> None:
    """The author takes their note back (its votes return to whoever spent them)."""
    _require_input(workshop, who, "changing notes")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _note(cur, workshop, note_id, lock=True)
        if before["participant_id"] != who.id:
            raise Forbidden("You can only withdraw your own notes.")
        cur.execute("DELETE FROM workshop_votes WHERE note_id = %s", (note_id,))
        cur.execute("UPDATE workshop_notes SET status = 'withdrawn', updated_at = now() WHERE id = %s", (note_id,))
        _event(cur, workshop, note_id)


def set_hidden(conn: psycopg.Connection, workshop: Workshop, note_id: int, hidden: bool, staff: Staff) -> None:
    """The facilitator hides a note from every map (and shows it again); it stays in the record, audited."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        before = _note(cur, workshop, note_id, lock=True)
        cur.execute("UPDATE workshop_notes SET status = %s, updated_at = now() WHERE id = %s",
                    ("hidden" if hidden else "visible", note_id))
        _audit(cur, staff, "hide_note" if hidden else "show_note", workshop, before, {"hidden": hidden})
        _event(cur, workshop, note_id)


def merge(conn: psycopg.Connection, workshop: Workshop, source_id: int, target_id: int, staff: Staff) -> None:
    """Two notes that say the same thing become one: the source's votes and comments move to the target."""
    if source_id == target_id:
        raise ValidationFailed({"into": "choose a different note to merge into"})
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Lock both in id order: two facilitators merging the pair both ways cannot deadlock.
        notes = {n: _note(cur, workshop, n, lock=True) for n in sorted((source_id, target_id))}
        cur.execute("UPDATE workshop_votes SET note_id = %s WHERE note_id = %s", (target_id, source_id))
        cur.execute("UPDATE workshop_comments SET note_id = %s WHERE note_id = %s", (target_id, source_id))
        cur.execute("UPDATE workshop_notes SET status = 'merged', merged_into = %s, updated_at = now() WHERE id = %s",
                    (target_id, source_id))
        _audit(cur, staff, "merge_note", workshop, notes[source_id], {"merged_into": target_id})
        _event(cur, workshop, source_id)
        _event(cur, workshop, target_id)


def comment(conn: psycopg.Connection, workshop: Workshop, who: Participant, note_id: int, text: str) -> int:
    text = str(text or "").strip()
    if not text or len(text) > COMMENT_MAX:
        raise ValidationFailed({"text": f"is needed, at most {COMMENT_MAX} characters"})
    _require_input(workshop, who, "commenting")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        _note(cur, workshop, note_id)
        comment_id = cur.execute("INSERT INTO workshop_comments (note_id, participant_id, text) VALUES (%s, %s, %s) "
                                 "RETURNING id", (note_id, who.id, text)).fetchone()["id"]
        _event(cur, workshop, note_id)
    return comment_id


def vote(conn: psycopg.Connection, workshop: Workshop, who: Participant, note_id: int, *, add: bool = True) -> dict:
    """Spend one dot on a note (or take one back); returns the note's tally and the dots this person has left."""
    _require_input(workshop, who, "voting")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # The participant's row lock serialises their votes: two quick taps cannot both spend the last dot.
        cur.execute("SELECT 1 FROM workshop_participants WHERE id = %s FOR UPDATE", (who.id,))
        note = _note(cur, workshop, note_id)
        if note["status"] != "visible":
            raise NotFound("There is no such note in this workshop.")
        used = cur.execute("SELECT count(*) AS n FROM workshop_votes WHERE participant_id = %s",
                           (who.id,)).fetchone()["n"]
        if add:
            if used >= workshop.votes_per_person:
                raise Refused(f"You have used all {workshop.votes_per_person} of your votes. Take one back from "
                              "another note to vote for this one.")
            cur.execute("INSERT INTO workshop_votes (note_id, participant_id) VALUES (%s, %s)", (note_id, who.id))
            used += 1
        else:
            gone = cur.execute("DELETE FROM workshop_votes WHERE id = (SELECT id FROM workshop_votes "
                               "WHERE note_id = %s AND participant_id = %s ORDER BY id DESC LIMIT 1)",
                               (note_id, who.id)).rowcount
            if not gone:
                raise Refused("You have no vote on this note to take back.")
            used -= 1
        _event(cur, workshop, note_id)
        tally = cur.execute("SELECT count(*) AS votes, count(*) FILTER (WHERE participant_id = %s) "
                            "AS mine FROM workshop_votes WHERE note_id = %s", (who.id, note_id)).fetchone()
    return {"note_id": note_id, "votes": tally["votes"], "mine": tally["mine"],
            "votes_left": workshop.votes_per_person - used}


def my_votes(conn: psycopg.Connection, who: Participant) -> dict[int, int]:
    """How many of this participant's dots sit on each note."""
    rows = conn.cursor(row_factory=tuple_row).execute(
        "SELECT note_id, count(*) FROM workshop_votes WHERE participant_id = %s GROUP BY note_id", (who.id,)).fetchall()
    return dict(rows)


def collection(conn: psycopg.Connection, workshop: Workshop, *, include_hidden: bool = False) -> dict:
    """Every visible note (hidden ones too for the facilitator) as a FeatureCollection, with the number of the
    last event it reflects: a client streams events after that one and misses nothing."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # One snapshot for the notes and the event number, so no change falls between them.
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        seq = cur.execute("SELECT last_seq FROM workshops WHERE id = %s", (workshop.id,)).fetchone()["last_seq"]
        rows = cur.execute("""
            SELECT workshop_note_json(n) AS f FROM workshop_notes n
             WHERE n.workshop_id = %s AND (n.status = 'visible' OR (%s AND n.status = 'hidden')) ORDER BY n.id
        """, (workshop.id, include_hidden)).fetchall()
    return {"type": "FeatureCollection", "features": [r["f"] for r in rows], "last_event_id": seq}


def _audit(cur: psycopg.Cursor, staff: Staff, action: str, workshop: Workshop, before: dict, change: dict) -> None:
    after = {k: (json.loads(shapely.to_geojson(v)) if k == "geom" else v) for k, v in change.items()}
    audit.write(cur, actor=audit.staff_actor(staff), action=action, entity="workshop_notes", entity_id=before["id"],
                before={k: before[k] for k in ("kind", "text", "status")} | {"workshop": workshop.code},
                after=after, user_id=staff.id)
