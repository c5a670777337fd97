"""The admins' page: staff accounts and API tokens, the same actions as `assetmap user …`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import AssetMapError, InvalidParameter
from ..model import users
from .auth import staff_required
from .db import get_conn

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # a new token is on the page once
    return response


def _page(status: int = 200, values: dict | None = None, errors: dict | None = None, new_token: dict | None = None):
    conn = get_conn()
    return render_template("admin_users.html", accounts=users.list_users(conn), tokens=users.list_tokens(conn),
                           roles=users.ROLES, values=values or {}, errors=errors or {}, new_token=new_token), status


@bp.get("/users", endpoint="users")
@staff_required("admin")
def users_page():
    return _page()


@bp.post("/users", endpoint="add_user")
@staff_required("admin")
def add_user():
    """Add an account; a mistake re-shows the form with what was typed (but never the password)."""
    values = {k: request.form.get(k, "").strip() for k in ("email", "display_name", "role")}
    try:
        users.add_user(get_conn(), values["email"], request.form.get("password", ""), values["role"],
                       values["display_name"])
    except InvalidParameter as exc:
        return _page(400, values, {{"name": "display_name"}.get(exc.param, exc.param): _sentence(exc)})
    except users.UserExists as exc:
        return _page(409, values, {"email": _sentence(exc)})
    flash(f"Added {values['email'].lower()} as {values['role']}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/active", endpoint="set_active")
@staff_required("admin")
def set_active():
    active = request.form.get("active") == "1"
    try:
        account = users.set_active(get_conn(), request.form.get("email", ""), active, by=current_user)
    except AssetMapError as exc:
        flash(_sentence(exc), "error")
    else:
        flash(f"{account.email} is {'active again' if active else 'disabled: it can no longer sign in'}.",
              "success")
    return redirect(url_for("admin.users"))


@bp.post("/tokens", endpoint="create_token")
@staff_required("admin")
def create_token():
    """A new token, shown on this response only (it is stored as a hash)."""
    email, label = request.form.get("email", ""), request.form.get("label", "")
    try:
        value = users.create_token(get_conn(), email, label)
    except AssetMapError as exc:
        flash(_sentence(exc), "error")
        return redirect(url_for("admin.users"))
    return _page(new_token={"email": email, "label": label, "value": value})


@bp.post("/tokens/<int:token_id>/revoke", endpoint="revoke_token")
@staff_required("admin")
def revoke_token(token_id: int):
    try:
        t = users.revoke_token(get_conn(), token_id, by=current_user)
    except AssetMapError as exc:
        flash(_sentence(exc), "error")
    else:
        flash(f"Revoked token {t.id} of {t.email}.", "success")
    return redirect(url_for("admin.users"))


def _sentence(exc: AssetMapError) -> str:
    text = exc.message if isinstance(exc, InvalidParameter) else str(exc)
    if isinstance(exc, InvalidParameter) and exc.param in ("email", "password", "role", "name"):
        text = f"{'Email address' if exc.param == 'email' else exc.param.capitalize()} {text}"
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
