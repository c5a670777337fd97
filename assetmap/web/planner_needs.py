"""Needs waiting for a planner (made from workshop notes): open them or turn them down."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..model import need_review
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_needs", __name__, url_prefix="/planner", template_folder="templates")


@bp.get("/needs")
@staff_required("planner", "admin")
def waiting():
    return render_template("planner_needs.html", needs=need_review.pending(get_conn()))


@bp.post("/needs/<int:need_id>/decide")
@staff_required("planner", "admin")
def decide(need_id: int):
    approve = request.form.get("decision") == "open"
    need_review.decide(get_conn(), need_id, approve, current_user)
    flash("The need is open: it counts in the capacity analyses and can be met." if approve
          else "The need was turned down.")
    return redirect(url_for(".waiting"), code=303)
