"""An entry's history for planners, and putting an earlier version back (`model/history.py`)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import InvalidParameter
from ..model import history
from ..validate import parse_int
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_history", __name__, url_prefix="/planner", template_folder="templates")


@bp.get("/assets/<uuid:public_id>/history")
@staff_required("planner", "admin")
def page(public_id: uuid.UUID):
    return render_template("planner_history.html", public_id=public_id,
                           history=history.history(get_conn(), public_id))


@bp.post("/assets/<uuid:public_id>/revert")
@staff_required("planner", "admin")
def revert(public_id: uuid.UUID):
    if not request.form.get("version", "").strip():
        raise InvalidParameter("version", "say which version to put back")
    version = parse_int(request.form.get("version"), "version", 1, 1, 2**31 - 1)
    new = history.revert(get_conn(), public_id, version, current_user)
    flash(f"Version {version} is back, as version {new}.")
    return redirect(url_for(".page", public_id=public_id), code=303)
