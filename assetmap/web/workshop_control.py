"""The facilitator's actions on a workshop, one JSON body each, from the control page (session + CSRF)."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from ..errors import InvalidParameter
from ..model.submission import ValidationFailed
from ..workshops import notes, promote, sessions
from . import workshop_live as live
from .db import get_conn

STATES = ("lock", "unlock", "close", "archive", "reopen")


def _id(body: dict, key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameter(key, "give a note's id, a whole number")
    return value


def act(workshop: sessions.Workshop, body: dict) -> dict:
    """Do one action; returns the workshop's state and whatever the action made."""
    conn, action = get_conn(), body.get("action")
    made: dict = {}
    if action in STATES:
        workshop = sessions.change_state(conn, workshop, action, current_user)
    elif action == "round":
        value = body.get("round")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParameter("round", "give the round's number, counting from 0")
        workshop = sessions.set_round(conn, workshop, value, current_user)
    elif action == "view":
        center, zoom = body.get("center"), body.get("zoom")
        if not (isinstance(center, list) and len(center) == 2 and all(isinstance(c, (int, float)) for c in center)
                and isinstance(zoom, (int, float))):
            raise ValidationFailed({"view": "needs a centre [lon, lat] and a zoom"})
        sessions.set_view(conn, workshop, (float(center[0]), float(center[1])), float(zoom))
    elif action in ("hide", "show"):
        notes.set_hidden(conn, workshop, _id(body, "note"), action == "hide", current_user)
    elif action == "merge":
        notes.merge(conn, workshop, _id(body, "note"), _id(body, "into"), current_user)
    elif action == "edit":
        change = notes.validate({k: body[k] for k in ("kind", "text") if k in body}, partial=True)
        who = _staff_participant(workshop)
        notes.edit(conn, workshop, who, _id(body, "note"), change, staff=current_user)
    elif action == "add_action":
        note = body.get("note")
        made["action_id"] = sessions.add_action(conn, workshop, body.get("text"), body.get("owner", ""),
                                                current_user, _id(body, "note") if note is not None else None)
    elif action == "promote":
        made["promoted"] = promote.promote(conn, workshop, _id(body, "note"), body, current_user,
                                           current_app.config["ASSETMAP"])
    else:
        raise InvalidParameter("action", "give one of " + ", ".join(
            (*STATES, "round", "view", "hide", "show", "merge", "edit", "add_action", "promote")))
    return {"workshop": workshop.public_state(), **made}


def _staff_participant(workshop: sessions.Workshop):
    return live.staff_participant(workshop)[0]
