"""The admins' dead-letter page: mail the worker gave up on, sent again or thrown away, and the queue's counts."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..errors import AssetMapError
from ..mail import outbox, smtp
from .admin import _sentence as sentence
from .auth import staff_required
from .db import get_conn

bp = Blueprint("admin_mail", __name__, url_prefix="/admin/mail", template_folder="templates")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # people's addresses are on the page
    return response


@bp.get("", endpoint="page")
@staff_required("admin")
def page():
    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    return render_template("admin_mail.html", server=smtp.server(settings), counts=outbox.counts(conn),
                           dead=outbox.dead_letters(conn))


@bp.post("/<int:message_id>/retry", endpoint="retry")
@staff_required("admin")
def retry(message_id: int):
    return _act(outbox.retry, message_id, "is in the queue again")


@bp.post("/<int:message_id>/discard", endpoint="discard")
@staff_required("admin")
def discard(message_id: int):
    return _act(outbox.discard, message_id, "was discarded")


def _act(action, message_id: int, done: str):
    """One of outbox's audited actions on a given-up message, then back to the page with what happened."""
    try:
        row = action(get_conn(), message_id, by=current_user)
    except AssetMapError as exc:   # sent or discarded meanwhile, say by another admin
        flash(sentence(exc), "error")
    else:
        flash(f"Message {row.id} (“{row.subject}”) {done}.", "success")
    return redirect(url_for("admin_mail.page"))
