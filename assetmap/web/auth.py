"""Staff sign-in: session cookies for pages, Bearer tokens for the JSON API, and role checks for both.

The JSON API is exempt from CSRF checks. That is only safe because the API ignores the session cookie (which a
browser sends by itself) and accepts nothing but an `Authorization: Bearer` token (which it never does): the user
loaders below give a session user only outside /api/, and a Bearer user only inside it (a token is for programs,
not for staff pages).

A session names the account's session generation when it was made; sign-out, a new password and disabling the
account move it on, so a copied session cookie stops working too (`users.end_sessions`). Sign-in attempts are
limited per account and address with growing delays (`model/sign_in.py`), never for a whole office at once.

Cookies: `assetmap.web.security` makes the session cookie Secure over HTTPS (or as the `secure_cookies` setting
says); here we make sure of HttpOnly and SameSite=Lax. A staff session lapses after `SESSION_HOURS` without a
request. We never set Flask-Login's remember-me cookie (there is no "remember me" box).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from ..model import sign_in as attempts
from ..model import users
from .db import get_conn
from .security import client_key

bp = Blueprint("auth", __name__, template_folder="templates")

MODERATORS = ("planner", "admin")
SESSION_HOURS = 12
WRONG = "The email or password is wrong."


@dataclass(frozen=True, eq=False)
class StaffUser(UserMixin):
    """A signed-in member of staff; `via_token` is True when the request carried a Bearer token."""

    id: int
    email: str
    role: str
    display_name: str
    via_token: bool = False

    @classmethod
    def of(cls, user: users.User, via_token: bool = False) -> StaffUser:
        return cls(user.id, user.email, user.role, user.display_name, via_token)

    @property
    def name(self) -> str:
        return self.display_name or self.email


def init_app(app: Flask) -> None:
    """Flask-Login with a session user loader and a Bearer-token request loader; cookie flags."""
    settings = app.config["ASSETMAP"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # Flask-Login reads these once, not per request: Secure unless cookies were explicitly allowed over HTTP.
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=getattr(settings, "secure_cookies", None) is not False)
    manager = LoginManager(app)
    manager.login_view = "auth.sign_in"

    @manager.user_loader
    def _load(user_id: str):
        if _in_api():
            return None
        try:
            user = users.get_user(get_conn(), int(user_id))
        except ValueError:
            return None
        # A deactivated account, or a session from before a sign-out or a new password, ends here.
        if user is None or not user.active or session.get("generation") != user.session_generation:
            return None
        return StaffUser.of(user)

    @manager.request_loader
    def _load_from_header(req):
        return _bearer_user() if _in_api() or _takes_bearer() else None


def _in_api() -> bool:
    return request.path.startswith("/api/")


def bearer_allowed(view):
    """A page outside /api/ that scripts may fetch with a Bearer token too (GET-only downloads such as a
    workshop's report pack); every other page takes the session alone."""
    view.bearer_allowed = True
    return view


def _takes_bearer() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return request.method in ("GET", "HEAD") and getattr(view, "bearer_allowed", False)


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _bearer_user() -> StaffUser | None:
    token = _bearer_token()
    if token is None:
        return None
    user = users.user_for_token(get_conn(), token)
    return StaffUser.of(user, via_token=True) if user is not None else None


def _unauthorised_json(message: str):
    response = jsonify({"error": "unauthorised", "message": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="assetmap"'
    return response


def _forbidden_json():
    return jsonify({"error": "forbidden", "message": "Your role may not do this."}), 403


def _roles(roles: tuple) -> tuple[str, ...]:
    if roles and callable(roles[0]):
        raise TypeError("use @staff_required(...) with parentheses")
    unknown = set(roles) - set(users.ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    return roles or MODERATORS


def staff_required(*roles: str):
    """Pages for signed-in staff with one of `roles` (default: planner, admin).

    Anonymous: a redirect to sign-in; another role: 403. Under /api/ it acts as `api_staff_required`, so a JSON
    route (exempt from CSRF) can never be reached with the session cookie, whichever decorator it was given."""
    allowed = _roles(roles)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.path.startswith("/api/"):
                return _token_check(allowed) or view(*args, **kwargs)
            if not current_user.is_authenticated:
                return redirect(url_for("auth.sign_in", next=_here()))
            if current_user.role not in allowed:
                abort(403, description="Your account does not have access to this page.")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def api_staff_required(*roles: str):
    """JSON endpoints for staff: a valid `Authorization: Bearer` token is required; the session cookie is ignored."""
    allowed = _roles(roles)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return _token_check(allowed) or view(*args, **kwargs)
        return wrapper
    return decorate


def _token_check(allowed: tuple[str, ...]):
    """None when the Bearer token belongs to a user with an allowed role; else the 401/403 JSON response."""
    user = _bearer_user()
    # Replace whatever the session would have given, so `current_user` in the view is the token's owner.
    # Flask-Login has no public call for this; it is what its own loaders end with.
    current_app.login_manager._update_request_context_with_user(user)
    if user is None:
        return _unauthorised_json("Send a valid API token: Authorization: Bearer <token>.")
    if user.role not in allowed:
        return _forbidden_json()
    return None


def _here() -> str:
    """The current path and query, to come back to after signing in."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site ('/planner/…'), else None: never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _home_for(user: StaffUser) -> str:
    if user.role in MODERATORS and "planner.moderation" in current_app.view_functions:
        return url_for("planner.moderation")
    if user.role == "facilitator" and "workshops.index" in current_app.view_functions:
        return url_for("workshops.index")
    return url_for("public.map_page")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The staff sign-in form; on success, a fresh session and back to where they were going."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated and not current_user.via_token:
            return redirect(target or _home_for(current_user))
        return render_template("sign_in.html", email="", error=None, next=target)

    email = request.form.get("email", "").strip()[:320]
    password = request.form.get("password", "")
    conn = get_conn()
    wait = attempts.wait(conn, email, client_key()) if email else 0
    if wait:
        error = f"Too many attempts to sign in to this account from your connection. Try again in {_wait(wait)}."
        return render_template("sign_in.html", email=email, error=error, next=target), 429, \
            {"Retry-After": str(wait)}
    user = users.authenticate(conn, email, password) if email and password else None
    if user is None:
        if email:
            attempts.failed(conn, email, client_key())
        return render_template("sign_in.html", email=email, error=WRONG, next=target), 400
    attempts.succeeded(conn, user.id, email, client_key())
    # A new session: nothing from before signing in (flashes, CSRF token, a planted cookie) carries over.
    session.clear()
    session.permanent = True
    session["generation"] = user.session_generation
    staff = StaffUser.of(user)
    login_user(staff)
    return redirect(target or _home_for(staff))


@bp.post("/sign-out")
def sign_out():
    """End the session, and every copy of it (a POST, so another site cannot sign people out with a link)."""
    if current_user.is_authenticated:
        users.end_sessions(get_conn(), current_user.id)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
