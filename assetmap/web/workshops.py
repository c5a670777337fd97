"""Workshop pages: set-up and the list for staff, the facilitator's control page, the big screen, the QR code, and
the participant's join form and map at /w/<code>.

Every live page is the same shape: a folium base map, the notes from the API, then the event stream; the page's
scripts (static/js/workshop*.js) do the rest. The facilitator's browser takes part through the same API as a
participant's, with a participant cookie of their own; what only a facilitator may do goes to
/workshops/<code>/control (signed in, CSRF-checked) or to the API with a Bearer token.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import segno
from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import ratelimit
from ..errors import AssetMapError
from ..maps import picker_map
from ..model import listing, neighbourhoods
from ..model.submission import ValidationFailed
from ..workshops import codes, participants, sessions, setup
from . import terms
from . import workshop_live as live
from .auth import staff_required
from .contribute import sentence
from .db import get_conn
from .security import client_key, private
from .vendor import vendor_url
from .workshop_api import links, neighbourhood_codes
from .workshop_control import act

bp = Blueprint("workshops", __name__, template_folder="templates")

LABELS = {"title": "Title", "rounds": "Prompts", "round_minutes": "Minutes per round",
          "votes_per_person": "Votes per person", "layers": "Layers", "neighbourhoods": "Neighbourhoods",
          "area": "Area", "name": "Your name", "organisation": "Organisation"}


def _readable(errors: dict[str, str]) -> dict[str, str]:
    return {k: sentence(LABELS.get(k, k), v) for k, v in errors.items()}


def _map(workshop: sessions.Workshop | None = None):
    """A base map fitted to the workshop's area (or the whole map); the scripts draw everything on it."""
    settings = current_app.config["ASSETMAP"]
    extent = tuple(workshop.bounds) if workshop is not None and workshop.bounds else neighbourhoods.extent(get_conn())
    return picker_map.build(extent, tiles=settings.tiles, tiles_attribution=settings.tiles_attribution,
                            vendor_url=vendor_url)


def _facilitating(code: str) -> sessions.Workshop:
    workshop = sessions.by_code(get_conn(), code)
    sessions.check_facilitator(workshop, current_user, current_user.role)
    return workshop


@bp.get("/workshops")
@staff_required(*sessions.STAFF_ROLES)
def index():
    """The workshops this member of staff runs, newest first."""
    return private(make_response(render_template(
        "workshops.html", workshops=sessions.listing(get_conn(), current_user, current_user.role))))


@bp.route("/workshops/new", methods=["GET", "POST"])
@staff_required(*sessions.STAFF_ROLES)
def new():
    """Set up a workshop: title, area (neighbourhoods or a drawn shape), layers, rounds and votes."""
    values: dict = {"rounds": "\n".join(setup.DEFAULT_ROUNDS), "votes_per_person": "5", "layers": ["assets"],
                    "neighbourhoods": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        values = {"title": form.get("title", ""), "rounds": form.get("rounds", ""),
                  "round_minutes": form.get("round_minutes", ""), "votes_per_person": form.get("votes_per_person", ""),
                  "layers": form.getlist("layers"), "neighbourhoods": form.getlist("neighbourhoods"),
                  "area": form.get("area", "")}
        try:
            data = setup.validate(values | {"layers": values["layers"] or [""]}, neighbourhood_codes())
            workshop = sessions.create(get_conn(), data, current_user, current_user.role)
        except ValidationFailed as exc:
            errors = _readable(exc.errors)
        else:
            return redirect(url_for("workshops.control", code=workshop.code), code=303)
    page = render_template("workshop_new.html", values=values, errors=errors, layers=setup.LAYERS,
                           hoods=listing.neighbourhood_names(get_conn()), the_map=_map())
    return private(make_response(page, 422 if errors else 200))


def _live_page(template: str, workshop: sessions.Workshop, who: participants.Participant, token: str | None,
               **extra) -> Response:
    response = make_response(render_template(
        template, workshop=workshop, me=who, kinds=sessions.KINDS, layers=setup.LAYERS, the_map=_map(workshop),
        join_url=links(workshop)["join_url"], server_now=datetime.now(UTC).isoformat(),
        workshop_layers={code: setup.LAYERS[code] for code in workshop.layers}, **extra))
    if token is not None:
        live.set_participant_cookie(response, workshop, token)
    return private(response)


@bp.get("/workshops/<code>")
@staff_required(*sessions.STAFF_ROLES)
def control(code: str):
    """The facilitator's page: the live map, the room's notes with hide, edit, merge and promote, and the
    session's controls (lock, rounds and timer, close), with the join code and QR code to show."""
    workshop = _facilitating(code)
    who, token = live.staff_participant(workshop)
    vocabularies = {t: [(term.code, term.label) for term in terms.terms(t)] for t in ("categories", "capacity_kinds")}
    return _live_page("workshop_control.html", workshop, who, token, vocab=vocabularies,
                      actions=sessions.actions(get_conn(), workshop.id))


@bp.get("/workshops/<code>/screen")
@staff_required(*sessions.STAFF_ROLES)
def screen(code: str):
    """The big screen for the room: the map following the facilitator's view, notes, tallies, prompt, timer."""
    workshop = _facilitating(code)
    who, token = live.staff_participant(workshop)
    return _live_page("workshop_screen.html", workshop, who, token)


@bp.get("/workshops/<code>/qr.svg")
def qr_code(code: str):
    """The join URL as a QR code, for the screen and for printing."""
    workshop = sessions.by_code(get_conn(), code)
    out = io.BytesIO()
    segno.make(links(workshop)["join_url"], error="m").save(out, kind="svg", scale=8, border=2, dark="#000",
                                                              light="#fff", xmldecl=False, svgns=True)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/w")
def enter_code():
    """A place to type the code from the screen (`?code=` goes straight to the workshop)."""
    raw = request.args.get("code", "")
    if raw:
        code = codes.normalise(raw)
        if code is not None:
            return redirect(url_for("workshops.join", code=code))
        return make_response(render_template("workshop_code.html", code=raw,
                                             error="That is not a workshop code: it has six letters and numbers, "
                                                   "such as HCK4RT."), 422)
    return render_template("workshop_code.html", code="", error=None)


@bp.route("/w/<code>", methods=["GET", "POST"])
def join(code: str):
    """Join with a name and an organisation (no account), then the live map."""
    conn = get_conn()
    workshop = sessions.by_code(conn, code)
    if workshop.code != code:
        return redirect(url_for("workshops.join", code=workshop.code))
    who = live.participant(workshop, staff=True)
    if who is not None and request.method == "GET":
        mine = live.staff_participant(workshop) if who.is_staff else None
        return _live_page("workshop_participant.html", workshop, who, mine[1] if mine else None)
    values = {"name": request.form.get("name", ""), "organisation": request.form.get("organisation", "")}
    errors: dict[str, str] = {}
    message = None
    if request.method == "POST":
        try:
            name, organisation = participants.validate(values)
            ratelimit.hit(conn, f"workshop-join:{client_key()}",
                          ratelimit.Rule.parse(current_app.config["ASSETMAP"].workshop_join_rate))
            who, token = participants.join(conn, workshop, name, organisation)
        except ValidationFailed as exc:
            errors = _readable(exc.errors)
        except AssetMapError as exc:
            message = str(exc)
        else:
            response = redirect(url_for("workshops.join", code=workshop.code), code=303)
            live.set_participant_cookie(response, workshop, token)
            return response
    elif not workshop.accepts_input:
        message = sessions.closed_message(workshop, "joining")
    status = 422 if errors else 409 if message and request.method == "POST" else 200
    return private(make_response(render_template("workshop_join.html", workshop=workshop, values=values,
                                                 errors=errors, message=message), status))


@bp.post("/workshops/<code>/control")
@staff_required(*sessions.STAFF_ROLES)
def control_action(code: str):
    """One facilitator action, as JSON: {"action": "lock"|"unlock"|"close"|"archive"|"reopen"|"round"|"view"|
    "hide"|"show"|"merge"|"edit"|"add_action"|"promote", …}; answered with JSON, errors as 4xx JSON."""
    workshop = _facilitating(code)
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "send a JSON object"})
    try:
        return act(workshop, body)
    except ValidationFailed as exc:
        return {"errors": _readable(exc.errors)}, exc.status
    except AssetMapError as exc:
        return {"error": str(exc)}, exc.status
