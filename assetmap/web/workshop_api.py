"""/api/v1/workshops: set up and run a workshop, join it, add notes, vote, comment, and follow it live.

Facilitators authenticate with a Bearer token (as on the rest of the API). Participants send the token they got
on joining in `X-Participant-Token`, or, in a browser, the workshop's HttpOnly cookie; a write must be JSON, so a
form on another site cannot make one. Refusals are 4xx with a JSON message.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from .. import ratelimit
from ..errors import AssetMapError
from ..model import listing
from ..model.submission import ValidationFailed
from ..validate import NUL_MESSAGE, nul_at
from ..workshops import notes, participants, sessions, setup
from . import workshop_live as live
from .auth import api_staff_required
from .db import get_conn
from .idempotency import idempotent
from .security import client_key

bp = Blueprint("workshop_api", __name__, url_prefix="/api/v1/workshops")


class NotParticipant(AssetMapError):
    status = 401


def _body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "send a JSON object (Content-Type: application/json)"})
    nul = nul_at(body)
    if nul:
        raise ValidationFailed({nul: NUL_MESSAGE})
    return body


def _workshop(code: str) -> sessions.Workshop:
    return sessions.by_code(get_conn(), code)


def _me(workshop: sessions.Workshop) -> participants.Participant:
    found = live.participant(workshop, staff=True)
    if found is None:
        raise NotParticipant("Join the workshop first: send the participant token you were given in "
                             "X-Participant-Token.")
    return found


def _rate(who: participants.Participant) -> None:
    rule = ratelimit.Rule.parse(current_app.config["ASSETMAP"].workshop_note_rate)
    ratelimit.hit(get_conn(), f"workshop:{who.id}", rule)


def _created(payload: dict, location: str | None = None):
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


def neighbourhood_codes() -> set[str]:
    return {h.code for h in listing.neighbourhood_names(get_conn())}


def links(workshop: sessions.Workshop) -> dict:
    return {"code": workshop.code, "join_url": url_for("workshops.join", code=workshop.code, _external=True),
            "screen_url": url_for("workshops.screen", code=workshop.code, _external=True)}


@bp.post("")
@api_staff_required(*sessions.STAFF_ROLES)
def create():
    """{"title", "rounds": [...], "round_minutes", "votes_per_person", "layers": [...], "neighbourhoods": [...],
    "area": GeoJSON} → 201 {"code", "join_url", "screen_url"}."""
    body = _body()
    unknown = sorted(set(body) - {"title", "rounds", "round_minutes", "votes_per_person", "layers", "neighbourhoods",
                                  "area"})
    if unknown:
        raise ValidationFailed({k: "unknown property" for k in unknown})
    data = setup.validate(body, neighbourhood_codes())
    workshop = sessions.create(get_conn(), data, current_user, current_user.role)
    return _created(links(workshop), url_for("workshop_api.state", code=workshop.code))


@bp.get("/<code>")
def state(code: str):
    """The session as the room sees it: title, state, round, prompt and timer."""
    return jsonify(_workshop(code).public_state())


@bp.post("/<code>/participants")
@idempotent
def join(code: str):
    """{"name", "organisation"} → 201 {"participant_token", "participant_id"}; refused once locked or closed."""
    workshop = _workshop(code)
    name, organisation = participants.validate(_body())
    ratelimit.hit(get_conn(), f"workshop-join:{client_key()}",
                  ratelimit.Rule.parse(current_app.config["ASSETMAP"].workshop_join_rate))
    who, token = participants.join(get_conn(), workshop, name, organisation)
    response = _created({"participant_token": token, "participant_id": who.id,
                         "votes_per_person": workshop.votes_per_person})
    live.set_participant_cookie(response, workshop, token)
    return response


@bp.get("/<code>/me")
def me(code: str):
    """Who this token belongs to, and the votes they have left and where they put them."""
    workshop = _workshop(code)
    who = _me(workshop)
    return jsonify({"participant_id": who.id, "name": who.name, "organisation": who.organisation,
                    "votes_left": workshop.votes_per_person - who.votes_used,
                    "votes": {str(k): v for k, v in notes.my_votes(get_conn(), who).items()}})


def _note_fields(body: dict, *, partial: bool) -> dict:
    """A GeoJSON Feature (properties kind and text) → note fields."""
    errors = {k: "unknown member; send a GeoJSON Feature" for k in sorted(set(body) - {"type", "geometry",
                                                                                        "properties", "id"})}
    if body.get("type") != "Feature":
        errors["type"] = 'must be "Feature"'
    props = body.get("properties") if isinstance(body.get("properties"), dict) else None
    if props is None:
        errors["properties"] = "must be an object holding kind and text"
        props = {}
    errors |= {k: "unknown property" for k in sorted(set(props) - {"kind", "text"})}
    if errors:
        raise ValidationFailed(errors)
    fields = dict(props)
    if "geometry" in body and (body["geometry"] is not None or not partial):
        fields["geometry"] = body["geometry"]
    return notes.validate(fields, partial=partial)


@bp.get("/<code>/notes")
def list_notes(code: str):
    """Every visible note as GeoJSON, with `last_event_id`: stream events after it to stay current; `?hidden=1`
    adds hidden ones for the facilitator."""
    workshop = _workshop(code)
    who = _me(workshop)
    hidden = request.args.get("hidden") == "1" and who.is_staff   # the facilitator sees what they hid
    return current_app.response_class(_json(notes.collection(get_conn(), workshop, include_hidden=hidden)),
                                      mimetype="application/geo+json")


def _json(data) -> str:
    return current_app.json.dumps(data)


@bp.post("/<code>/notes")
@idempotent
def add_note(code: str):
    workshop = _workshop(code)
    who = _me(workshop)
    fields = _note_fields(_body(), partial=False)
    _rate(who)
    note_id = notes.add(get_conn(), workshop, who, fields)
    return _created({"id": note_id}, url_for("workshop_api.list_notes", code=workshop.code) + f"#{note_id}")


@bp.patch("/<code>/notes/<int:note_id>")
def edit_note(code: str, note_id: int):
    """The author's own note: a Feature with the properties (and geometry) to change."""
    workshop = _workshop(code)
    who = _me(workshop)
    change = _note_fields(_body(), partial=True)
    _rate(who)
    notes.edit(get_conn(), workshop, who, note_id, change)
    return jsonify({"id": note_id})


@bp.delete("/<code>/notes/<int:note_id>")
def withdraw_note(code: str, note_id: int):
    workshop = _workshop(code)
    who = _me(workshop)
    _rate(who)
    notes.withdraw(get_conn(), workshop, who, note_id)
    return "", 204


@bp.post("/<code>/notes/<int:note_id>/votes")
@idempotent
def vote(code: str, note_id: int):
    """Spend one dot on the note → {"votes", "mine", "votes_left"}; 409 once every dot is spent."""
    workshop = _workshop(code)
    who = _me(workshop)
    _rate(who)
    return _created(notes.vote(get_conn(), workshop, who, note_id))


@bp.delete("/<code>/notes/<int:note_id>/votes")
def unvote(code: str, note_id: int):
    workshop = _workshop(code)
    who = _me(workshop)
    _rate(who)
    return jsonify(notes.vote(get_conn(), workshop, who, note_id, add=False))


@bp.post("/<code>/notes/<int:note_id>/comments")
@idempotent
def add_comment(code: str, note_id: int):
    workshop = _workshop(code)
    who = _me(workshop)
    body = _body()
    if set(body) - {"text"}:
        raise ValidationFailed({k: "unknown property" for k in sorted(set(body) - {"text"})})
    _rate(who)
    return _created({"id": notes.comment(get_conn(), workshop, who, note_id, body.get("text"))})


def _facilitating(code: str) -> sessions.Workshop:
    workshop = _workshop(code)
    sessions.check_facilitator(workshop, current_user, current_user.role)
    return workshop


def _state_change(code: str, action: str):
    workshop = sessions.change_state(get_conn(), _facilitating(code), action, current_user)
    return jsonify(workshop.public_state())


@bp.post("/<code>/lock")
@api_staff_required(*sessions.STAFF_ROLES)
def lock(code: str):
    return _state_change(code, "lock")


@bp.post("/<code>/unlock")
@api_staff_required(*sessions.STAFF_ROLES)
def unlock(code: str):
    return _state_change(code, "unlock")


@bp.post("/<code>/close")
@api_staff_required(*sessions.STAFF_ROLES)
def close(code: str):
    return _state_change(code, "close")


@bp.get("/<code>/events")
def events(code: str):
    """Server-Sent Events: each with an `id:` (resume with Last-Event-ID) and JSON data carrying the note's id."""
    workshop = _workshop(code)
    if live.participant(workshop, staff=True) is None:
        raise NotParticipant("Join the workshop to follow it live.")
    return live.stream(workshop)
