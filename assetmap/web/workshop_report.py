"""A workshop's report pack: `/workshops/<code>/report` (a page that prints as the report), `/report.pdf`, and the
notes as `/notes.geojson` and `/notes.csv`.

Who may see them: the workshop's facilitator or an admin, signed in (or with a Bearer token, for a script that
fetches the files); and anyone taking part in this workshop (its participant cookie, or X-Participant-Token), as
the notes, names and organisations in it are what the room saw together. Anyone else:
- a signed-in member of staff who is neither gets 403 (the workshop is someone else's);
- a visitor who is neither signed in nor taking part (a participant of another workshop is one: a token belongs
  to one workshop) is sent to the workshop's join page from the report page, where they can join, learn that it
  has ended, or sign in; the files answer 401 instead, as a download cannot follow a join form.
An unknown code is 404. Every answer is `no-store`: a room's names and notes are not for shared caches.
"""

from __future__ import annotations

import base64
import json

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from flask_login import current_user

from ..errors import AssetMapError
from ..workshops import exports, report, report_maps, report_pdf, sessions
from . import workshop_live as live
from .auth import bearer_allowed
from .db import get_conn
from .security import private

bp = Blueprint("workshop_report", __name__, template_folder="templates")


class NotTakingPart(AssetMapError):
    status = 401


def _may_see(workshop: sessions.Workshop) -> bool:
    if current_user.is_authenticated:
        try:
            sessions.check_facilitator(workshop, current_user, current_user.role)
            return True
        except sessions.Forbidden:
            pass
    return live.participant(workshop) is not None


def _refusal(workshop: sessions.Workshop) -> AssetMapError | None:
    """None when this request may see the workshop's report; else why not: 403 for other staff, 401 for others."""
    if _may_see(workshop):
        return None
    if current_user.is_authenticated:
        return sessions.Forbidden("This report belongs to a workshop run by someone else.")
    return NotTakingPart("Only the people who took part in this workshop, and its facilitator, can see its report. "
                         "Join the workshop, or sign in.")


def _workshop(code: str) -> sessions.Workshop:
    workshop = sessions.by_code(get_conn(), code)
    refusal = _refusal(workshop)
    if refusal is not None:
        raise refusal
    return workshop


def _build(workshop: sessions.Workshop) -> report.Report:
    return report.build(get_conn(), workshop, current_app.config["ASSETMAP"])


def _file(body: str | bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return private(response)


@bp.get("/workshops/<code>/report")
@bearer_allowed
def page(code: str):
    """The report as a page, with its map inline: printed from the browser, it is the report pack."""
    workshop = sessions.by_code(get_conn(), code)
    refusal = _refusal(workshop)
    if isinstance(refusal, NotTakingPart):
        return redirect(url_for("workshops.join", code=workshop.code))
    if refusal is not None:
        raise refusal
    pack = _build(workshop)
    png = base64.b64encode(report_maps.render(pack)).decode("ascii")
    return private(Response(render_template(
        "workshop_report.html", report=pack, map_png=png, map_width=int(report_maps.WIDTH_IN * report_maps.DPI),
        map_height=int(report_maps.HEIGHT_IN * report_maps.DPI), money=report.money, number=report.number,
        balance=report.balance, long_date=report.long_date)))


@bp.get("/workshops/<code>/report.pdf")
@bearer_allowed
def pdf(code: str):
    workshop = _workshop(code)
    return _file(report_pdf.build(_build(workshop)), "application/pdf", f"workshop-{workshop.code}-report.pdf",
                 inline=True)


@bp.get("/workshops/<code>/notes.geojson")
@bearer_allowed
def notes_geojson(code: str):
    workshop = _workshop(code)
    body = json.dumps(exports.geojson(get_conn(), workshop), ensure_ascii=False, separators=(",", ":"))
    return _file(body, "application/geo+json", f"workshop-{workshop.code}-notes.geojson")


@bp.get("/workshops/<code>/notes.csv")
@bearer_allowed
def notes_csv(code: str):
    workshop = _workshop(code)
    response = _file(exports.csv_text(get_conn(), workshop), "text/csv", f"workshop-{workshop.code}-notes.csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response
