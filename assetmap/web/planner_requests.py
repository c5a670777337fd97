"""Planners broker requests: the queue of every request, one request's page, and a request logged for someone."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..model import audit, listing, request_queue
from ..model import requests as requests_model
from ..model.submission import ValidationFailed
from ..validate import parse_int
from . import exchange, terms
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_requests", __name__, url_prefix="/planner", template_folder="templates")
PAGE = 50


@bp.get("/requests")
@staff_required("planner", "admin")
def queue():
    """Every request, at the stage chosen (waiting for an answer first), with the counts at each stage."""
    conn = get_conn()
    stage = request.args.get("stage", "sent")
    stage = stage if stage in request_queue.STAGES else None
    kinds = {t.code: t.label for t in terms.terms("capacity_kinds")}
    kind = request.args.get("kind") if request.args.get("kind") in kinds else None
    hoods = listing.neighbourhood_names(conn)
    hood = request.args.get("neighbourhood") if request.args.get("neighbourhood") in {h.code for h in hoods} else None
    page = parse_int(request.args.get("page"), "page", 1, 1, 10**6)
    found = request_queue.queue(conn, stage=stage, kind=kind, neighbourhood=hood, limit=PAGE,
                                offset=(page - 1) * PAGE)
    return render_template("planner_requests.html", found=found, stage=stage, stages=request_queue.STAGES,
                           kinds=kinds, kind=kind, neighbourhoods=hoods, hood=hood, page=page)


@bp.route("/requests/<uuid:public_id>", methods=["GET", "POST"])
@staff_required("planner", "admin")
def one(public_id: uuid.UUID):
    """A request as staff see it: everything either side sees, and every button either side has."""
    view = requests_model.by_public_id(get_conn(), public_id)
    back = url_for(".one", public_id=public_id)
    if request.method == "POST":
        return exchange.act(view, "planner", audit.staff_actor(current_user), back, user_id=current_user.id)
    return exchange.page(view, "planner", back)


@bp.route("/requests/new/<int:offer_id>", methods=["GET", "POST"])
@staff_required("planner", "admin")
def log_request(offer_id: int):
    """Log a request for someone who will never use the form (a phone call, a visit); optionally for a need."""
    offer = exchange.find_offer(offer_id, planner=True)
    needs = request_queue.open_needs(get_conn(), offer.kind)
    action = url_for(".log_request", offer_id=offer_id)
    if request.method == "GET":
        return exchange.render_request_form(offer, {}, staff=True, needs=needs, action=action)
    values = {k: request.form.get(k, "") for k in (*exchange.REQUEST_FIELDS, "need")}
    need = request.form.get("need", "")
    errors = {}
    if need and not any(str(n["id"]) == need for n in needs):
        errors["need"] = "is not an open need of this kind"
    try:
        req = exchange.parse_request(request.form)
    except ValidationFailed as exc:
        errors = exchange.readable(exc.errors) | errors
    if errors:
        return exchange.render_request_form(offer, values, errors | {}, status=422, staff=True, needs=needs,
                                            action=action)
    sent = requests_model.create(get_conn(), offer_id, req, current_app.config["ASSETMAP"],
                                 actor=audit.staff_actor(current_user), source="proposal" if need else "planner",
                                 user_id=current_user.id, need_id=int(need) if need else None)
    return redirect(url_for(".one", public_id=sent.public_id), 303)
