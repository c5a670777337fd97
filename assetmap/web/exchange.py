"""Asking for an offer and seeing it through: the request form, each side's private page, the holder's list.

Three ways onto one request page: the requester's link (/r/<token>), the holder's link from the mail
(/h/<token>), and the holder's edit link (/edit/<token>/requests/<id>). They differ only in whose side the page
acts for. Pages with a private link or contact details are private (`contribute._private`).
"""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask import request as http_request

from .. import availability, ratelimit, schedules
from ..errors import InvalidParameter, NotFound
from ..mail import outbox
from ..model import capacity_search, contributions, exchanges, listing
from ..model import requests as requests_model
from ..model.submission import ValidationFailed
from . import terms
from .capacity import moment_words
from .contribute import sentence
from .db import get_conn
from .security import client_key, limit_link_writes, private

bp = Blueprint("exchange", __name__, template_folder="templates")

SENT = "exchange.sent"   # session key: the requester's private link, shown once
LABELS = {"requester_name": "Your name", "requester_organisation": "Organisation", "purpose": "What it is for",
          "wanted_when": "When", "quantity": "How much", "contact": "Your email or phone",
          "neighbourhood": "Your neighbourhood", "hours": "Hours given", "people_reached": "People reached",
          "started_on": "Start date", "ended_on": "End date", "notes": "Notes"}
REQUEST_FIELDS = ("requester_name", "requester_organisation", "purpose", "wanted_when", "quantity", "contact",
                  "neighbourhood")


def readable(errors: dict[str, str]) -> dict[str, str]:
    return {k: sentence(LABELS.get(k, k), v) for k, v in errors.items()}


def find_offer(offer_id: int, *, planner: bool = False) -> capacity_search.Found:
    found = capacity_search.public_offer(get_conn(), offer_id, current_app.config["ASSETMAP"], planner=planner)
    if found is None:
        raise NotFound("This offer is no longer on the map. It may have been changed or taken down.")
    return found


def render_request_form(offer, values: dict, errors: dict | None = None, *, status: int = 200,
                        action: str | None = None, staff: bool = False, needs=()):
    errors = errors or {}
    html = render_template(
        "request_form.html", offer=offer, values=values, errors=errors, staff=staff, needs=needs,
        summary=[(k, errors[k]) for k in (*REQUEST_FIELDS, "need") if k in errors],
        neighbourhoods=listing.neighbourhood_names(get_conn()),
        mail_on=outbox.enabled(current_app.config["ASSETMAP"]),
        action=action or url_for(".request_form", offer_id=offer.offer_id))
    return make_response(html, status)


def parse_request(form) -> requests_model.RequestInput:
    codes = {n.code for n in listing.neighbourhood_names(get_conn())}
    return requests_model.validate({k: form.get(k, "") for k in REQUEST_FIELDS}, codes)


def _when_words(offer, asked: str | None) -> str:
    """The search's "when" as the first time this offer is free then, in words, to start the form's "When"."""
    try:
        when = availability.parse_when(asked)
    except InvalidParameter:
        return ""
    free = availability.availability(offer.schedule, when) if when else None
    if free is None or free.next_free is None:
        return ""
    end = next(e for s, e in when.occasions if s == free.next_free) if not when.is_now else None
    return moment_words(free.next_free) + (f" to {schedules.clock(f'{end:%H:%M}')}" if end else "")


@bp.route("/capacity/offers/<int:offer_id>/request", methods=["GET", "POST"])
def request_form(offer_id: int):
    """Ask for an offer: who, what for, when, how much, a private contact."""
    offer = find_offer(offer_id)
    if http_request.method == "GET":
        return render_request_form(offer, {"wanted_when": _when_words(offer, http_request.args.get("when"))})
    values = {k: http_request.form.get(k, "") for k in REQUEST_FIELDS}
    settings = current_app.config["ASSETMAP"]
    conn = get_conn()
    # Counted before it is checked: invalid requests count too.
    ratelimit.hit(conn, f"request:{client_key()}", ratelimit.Rule.parse(settings.request_rate))
    try:
        req = parse_request(http_request.form)
    except ValidationFailed as exc:
        return render_request_form(offer, values, readable(exc.errors), status=422)
    sent = requests_model.create(conn, offer_id, req, settings, actor="requester")
    # The link travels in the signed session, not the address: it must not land in history or logs.
    session[SENT] = {"token": sent.requester_token, "asset": offer.asset_name, "mailed": sent.mailed_holder}
    return redirect(url_for(".sent"), 303)


@bp.get("/requests/sent")
def sent():
    """The requester's private link, once."""
    shown = session.pop(SENT, None)
    link = url_for(".requester_page", token=shown["token"], _external=True) if shown else None
    return private(make_response(render_template("request_sent.html", shown=shown, link=link)))


def page(view, side: str, post_url: str, *, status: int = 200, errors: dict | None = None,
          values: dict | None = None):
    html = render_template("request.html", r=view, side=side, post_url=post_url, errors=errors or {},
                           values=values or {}, messages=get_flashed_messages(),
                           mail_on=outbox.enabled(current_app.config["ASSETMAP"]))
    return private(make_response(html, status))


def act(view, side: str, actor: str, back: str, user_id: int | None = None):
    """The one handler for every button on a request page, whichever side presses it."""
    form, settings, conn = http_request.form, current_app.config["ASSETMAP"], get_conn()
    action = form.get("action", "")
    exchange_id = view.exchange["id"] if view.exchange else None
    try:
        if action in ("accept", "decline") and side in ("holder", "planner"):
            decision = "accepted" if action == "accept" else "declined"
            requests_model.decide(conn, view.id, decision, form.get("message", ""), settings, actor=actor,
                                  user_id=user_id)
            flash("You accepted the request: the requester has been told." if action == "accept"
                  else "You declined the request: the requester has been told.")
        elif action == "withdraw" and side in ("requester", "planner"):
            requests_model.withdraw(conn, view.id, actor=actor)
            flash("Your request is withdrawn.")
        elif action == "record" and exchange_id:
            what = exchanges.validate(form)
            exchanges.record(conn, exchange_id, side, what, settings, actor=actor, user_id=user_id)
            flash("Saved. The other side is asked to confirm it." if side != "planner" else "Saved.")
        elif action == "confirm" and exchange_id:
            exchanges.confirm(conn, exchange_id, side, settings, actor=actor, user_id=user_id)
            flash("Confirmed. Thank you: these hours now count.")
        elif action == "cancel" and exchange_id:
            exchanges.cancel(conn, exchange_id, side, actor=actor, reason=form.get("reason", ""), user_id=user_id)
            flash("The exchange is marked as not happening.")
        else:
            return page(view, side, back, status=400, errors={"action": "That cannot be done from this page."})
    except ValidationFailed as exc:
        return page(view, side, back, status=422, errors=readable(exc.errors), values=dict(form))
    except requests_model.Refused as exc:
        return page(view, side, back, status=409, errors={"action": str(exc)})
    return redirect(back, 303)


@bp.route("/r/<token>", methods=["GET", "POST"])
def requester_page(token: str):
    """The requester's private page: the answer, and the exchange to record or confirm."""
    if http_request.method == "POST":
        limit_link_writes()
    view = requests_model.by_requester_token(get_conn(), token)
    back = url_for(".requester_page", token=token)
    return act(view, "requester", "requester", back) if http_request.method == "POST" else \
        page(view, "requester", back)


@bp.route("/h/<token>", methods=["GET", "POST"])
def holder_page(token: str):
    """The holder's private page for one request (the link in the mail)."""
    if http_request.method == "POST":
        limit_link_writes()
    view = requests_model.by_holder_token(get_conn(), token)
    back = url_for(".holder_page", token=token)
    return act(view, "holder", "holder", back) if http_request.method == "POST" else page(view, "holder", back)


@bp.get("/edit/<token>/requests")
def holder_list(token: str):
    """Every request for the edit link's entry, newest first."""
    conn = get_conn()
    editable = contributions.find_by_token(conn, token)
    views = requests_model.for_edit_token(conn, token)
    html = render_template("holder_requests.html", editable=editable, views=views, token=token,
                           kinds={t.code: t.label for t in terms.terms("capacity_kinds")})
    return private(make_response(html))


@bp.route("/edit/<token>/requests/<uuid:public_id>", methods=["GET", "POST"])
def holder_request(token: str, public_id: uuid.UUID):
    """One request for the edit link's entry."""
    if http_request.method == "POST":
        limit_link_writes()
    view = requests_model.by_edit_token(get_conn(), token, public_id)
    back = url_for(".holder_request", token=token, public_id=public_id)
    return act(view, "holder", "holder", back) if http_request.method == "POST" else page(view, "holder", back)
