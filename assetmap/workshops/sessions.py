"""A workshop's set-up and its life: create, find by code, lock, unlock, move round, close, archive, follow the
facilitator's view. Each change writes an audit row and an event in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import psycopg
import shapely
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from ..errors import AssetMapError, NotFound
from ..model import audit
from ..model.audit import Staff
from ..model.submission import ValidationFailed
from . import codes
from .setup import WorkshopInput

KINDS = {"asset": "Asset", "opportunity": "Opportunity", "overlap": "Overlap", "gap": "Gap", "question": "Question"}
STAFF_ROLES = ("facilitator", "planner", "admin")


class Refused(AssetMapError):
    """The workshop's state does not allow this now (locked, closed) or this person may not do it."""

    status = 409


class Forbidden(AssetMapError):
    status = 403


@dataclass(frozen=True)
class Workshop:
    id: int
    code: str
    title: str
    facilitator_id: int
    facilitator_name: str
    state: str
    rounds: list[str]
    current_round: int
    round_minutes: int | None
    round_started_at: datetime | None
    votes_per_person: int
    layers: list[str]
    neighbourhood_ids: list[int]
    area: dict | None   # GeoJSON
    view: dict | None
    last_seq: int
    created_at: datetime
    closed_at: datetime | None
    bounds: list[float] | None = field(default=None)   # [west, south, east, north] of the area

    @property
    def prompt(self) -> str:
        return self.rounds[self.current_round] if self.current_round < len(self.rounds) else ""

    @property
    def accepts_input(self) -> bool:
        return self.state == "open"

    def public_state(self) -> dict:
        """What every map in the room needs to know about the session (the `workshop` event's data)."""
        return {"code": self.code, "title": self.title, "state": self.state, "round": self.current_round,
                "rounds": len(self.rounds), "prompt": self.prompt, "round_minutes": self.round_minutes,
                "round_started_at": self.round_started_at.isoformat() if self.round_started_at else None,
                "votes_per_person": self.votes_per_person}


SELECT = """
    SELECT w.id, w.code, w.title, w.facilitator_id, coalesce(nullif(u.display_name, ''), u.email) AS facilitator_name,
           w.state, ARRAY(SELECT jsonb_array_elements_text(w.rounds)) AS rounds, w.current_round, w.round_minutes,
           w.round_started_at, w.votes_per_person, w.layers, w.neighbourhood_ids,
           ST_AsGeoJSON(w.area, 6)::jsonb AS area, w.view, w.last_seq, w.created_at, w.closed_at,
           CASE WHEN w.area IS NOT NULL THEN ARRAY[ST_XMin(w.area), ST_YMin(w.area), ST_XMax(w.area), ST_YMax(w.area)]
           END AS bounds
      FROM workshops w JOIN users u ON u.id = w.facilitator_id
"""


def by_code(conn: psycopg.Connection, raw_code: str) -> Workshop:
    code = codes.normalise(raw_code)
    row = None
    if code is not None:
        row = conn.cursor(row_factory=dict_row).execute(SELECT + " WHERE w.code = %s", (code,)).fetchone()
    if row is None:
        raise NotFound("There is no workshop with that code. Check the code on the screen and try again.")
    return Workshop(**row)


def by_id(conn: psycopg.Connection, workshop_id: int) -> Workshop:
    row = conn.cursor(row_factory=dict_row).execute(SELECT + " WHERE w.id = %s", (workshop_id,)).fetchone()
    if row is None:
        raise NotFound("no such workshop")
    return Workshop(**row)


def listing(conn: psycopg.Connection, user: Staff, role: str) -> list[Workshop]:
    """The workshops this member of staff runs (every one for an admin), newest first."""
    where = "" if role == "admin" else " WHERE w.facilitator_id = %(uid)s"
    rows = conn.cursor(row_factory=dict_row).execute(SELECT + where + " ORDER BY w.created_at DESC, w.id DESC",
                                                     {"uid": user.id}).fetchall()
    return [Workshop(**r) for r in rows]


def create(conn: psycopg.Connection, data: WorkshopInput, user: Staff, role: str) -> Workshop:
    """A new open workshop with a fresh join code; the area is the drawn one, else the neighbourhoods' union."""
    if role not in STAFF_ROLES:
        raise Forbidden("Only facilitators, planners and admins can set up a workshop.")
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        for _ in range(20):   # 25^6 codes: a clash is rare, and a fresh code is cheap
            code = codes.new_code()
            row = cur.execute("""
                INSERT INTO workshops (code, title, facilitator_id, area, neighbourhood_ids, layers, rounds,
                                       round_minutes, votes_per_person)
                SELECT %(code)s, %(title)s, %(uid)s,
                       coalesce(ST_Multi(ST_GeomFromWKB(%(area)s, 4326)),
                                (SELECT ST_Multi(ST_Union(geom)) FROM neighbourhoods WHERE code = ANY(%(hoods)s))),
                       ARRAY(SELECT id FROM neighbourhoods WHERE code = ANY(%(hoods)s) ORDER BY code),
                       %(layers)s, %(rounds)s, %(minutes)s, %(votes)s
                ON CONFLICT (code) DO NOTHING RETURNING id
            """, {"code": code, "title": data.title, "uid": user.id,
                  "area": shapely.to_wkb(data.area) if data.area is not None else None,
                  "hoods": list(data.neighbourhood_codes), "layers": list(data.layers),
                  "rounds": Jsonb(list(data.rounds)), "minutes": data.round_minutes,
                  "votes": data.votes_per_person}).fetchone()
            if row is not None:
                break
        else:
            raise AssetMapError("Could not find a free join code; please try again.")
        created = by_id(conn, row["id"])
        audit.write(cur, actor=audit.staff_actor(user), action="create", entity="workshops", entity_id=row["id"],
                    after=created.public_state(), user_id=user.id)
    return created


def closed_message(workshop: Workshop, what: str) -> str:
    if workshop.state == "locked":
        return f"The facilitator has paused the workshop: {what} is closed for now."
    return f"This workshop has ended: {what} is closed."


def check_facilitator(workshop: Workshop, user: Staff | None, role: str | None) -> None:
    """Only this workshop's facilitator, or an admin, runs it."""
    if user is None or not (role == "admin" or (role in STAFF_ROLES and workshop.facilitator_id == user.id)):
        raise Forbidden("Only this workshop's facilitator can do that.")


TRANSITIONS = {
    "lock": ({"open"}, "locked"), "unlock": ({"locked"}, "open"),
    "close": ({"open", "locked"}, "closed"), "archive": ({"closed"}, "archived"),
    "reopen": ({"closed"}, "locked"),
}


def change_state(conn: psycopg.Connection, workshop: Workshop, action: str, user: Staff) -> Workshop:
    """lock, unlock, close, archive or reopen (a closed workshop comes back locked, for the report's last edits)."""
    allowed, target = TRANSITIONS[action]
    with conn.transaction(), conn.cursor() as cur:
        row = cur.execute("""
            UPDATE workshops SET state = %s, closed_at = CASE WHEN %s = 'closed' THEN now() ELSE closed_at END
             WHERE id = %s AND state = ANY(%s) RETURNING id""", (target, target, workshop.id, list(allowed))).fetchone()
        if row is None:
            current = by_id(conn, workshop.id).state
            raise Refused(f"This workshop is {current}; it cannot be {_past(action)} now.")
        return _changed(cur, workshop, action, user)


def _past(action: str) -> str:
    return {"lock": "locked", "unlock": "unlocked", "close": "closed", "archive": "archived",
            "reopen": "reopened"}[action]


def set_round(conn: psycopg.Connection, workshop: Workshop, round_no: int, user: Staff) -> Workshop:
    """Move to a round (next, back, or restart its timer by moving to the same one)."""
    if not 0 <= round_no < len(workshop.rounds):
        raise Refused(f"There are {len(workshop.rounds)} rounds; round {round_no + 1} does not exist.")
    if workshop.state in ("closed", "archived"):
        raise Refused(f"This workshop is {workshop.state}.")
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("UPDATE workshops SET current_round = %s, round_started_at = now() WHERE id = %s",
                    (round_no, workshop.id))
        return _changed(cur, workshop, "round", user)


def set_view(conn: psycopg.Connection, workshop: Workshop, center: tuple[float, float], zoom: float) -> None:
    """The facilitator's map moved: the big screen follows. Not audited; it is where someone looked."""
    lon, lat = center
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= zoom <= 22):
        raise ValidationFailed({"view": "needs a centre [lon, lat] on the Earth and a zoom from 0 to 22"})
    with conn.transaction():
        conn.execute("UPDATE workshops SET view = %s WHERE id = %s",
                     (Jsonb({"center": [lon, lat], "zoom": zoom}), workshop.id))
        conn.execute("SELECT workshop_event(%s, 'view')", (workshop.id,))


def _changed(cur: psycopg.Cursor, before: Workshop, action: str, user: Staff) -> Workshop:
    """The event and the audit row of a change to the session; returns the workshop as it now is."""
    cur.execute("SELECT workshop_event(%s, 'workshop')", (before.id,))
    after = by_id(cur.connection, before.id)
    audit.write(cur, actor=audit.staff_actor(user), action=action, entity="workshops", entity_id=before.id,
                before=before.public_state(), after=after.public_state(), user_id=user.id)
    return after


def add_action(conn: psycopg.Connection, workshop: Workshop, text: str, owner: str, user: Staff,
               note_id: int | None = None) -> int:
    """An action agreed, for the report."""
    text, owner = " ".join(str(text or "").split()), " ".join(str(owner or "").split())
    errors = {}
    if not text or len(text) > 1000:
        errors["text"] = "is needed, at most 1000 characters"
    if len(owner) > 200:
        errors["owner"] = "must be at most 200 characters"
    if errors:
        raise ValidationFailed(errors)
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        if note_id is not None and cur.execute("SELECT 1 FROM workshop_notes WHERE id = %s AND workshop_id = %s",
                                               (note_id, workshop.id)).fetchone() is None:
            raise NotFound("no such note in this workshop")
        action_id = cur.execute("INSERT INTO workshop_actions (workshop_id, text, owner, note_id) "
                                "VALUES (%s, %s, %s, %s) RETURNING id",
                                (workshop.id, text, owner, note_id)).fetchone()[0]
        audit.write(cur, actor=audit.staff_actor(user), action="add_action", entity="workshops",
                    entity_id=workshop.id, after={"action": text, "owner": owner}, user_id=user.id)
    return action_id


def actions(conn: psycopg.Connection, workshop_id: int) -> list[dict]:
    return conn.cursor(row_factory=dict_row).execute(
        "SELECT id, text, owner, note_id, created_at FROM workshop_actions WHERE workshop_id = %s ORDER BY id",
        (workshop_id,)).fetchall()
