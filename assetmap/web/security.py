"""Request-wide protections: CSRF on every form, a Content-Security-Policy with a nonce per response,
cookies that are Secure over HTTPS, and proxy headers trusted only when configured."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import ratelimit
from ..errors import InvalidParameter
from ..validate import NUL_MESSAGE
from .db import get_conn

csrf = CSRFProtect()


class _HttpsAwareSessions(SecureCookieSessionInterface):
    """Secure cookies when the request came over HTTPS (or as configured), so plain-HTTP local use still works."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config["ASSETMAP"].secure_cookies
        return request.is_secure if configured is None else configured


def tile_sources(tiles: str) -> list[str]:
    """CSP sources for the configured basemap: 'https://a.tile.example.org/{z}…' → 'https://*.tile.example.org'."""
    if tiles.strip().lower() == "none":
        return []
    if tiles.strip().lower() == "openstreetmap":
        return ["https://tile.openstreetmap.org"]
    parts = urlsplit(tiles)
    host = parts.hostname or ""
    if "{s}" in (parts.netloc or ""):
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return [f"{parts.scheme}://{host}"] if parts.scheme and host else []


def init_app(app: Flask, exempt_blueprints=()) -> None:
    settings = app.config["ASSETMAP"]
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = _HttpsAwareSessions()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      WTF_CSRF_TIME_LIMIT=None)   # a slow resident on a phone must not lose the form

    @app.before_request
    def _body_limit():
        """Anyone may post to the public forms and API, so their bodies are small: one 105 MB JSON body held a
        worker for 12 s and grew it by 600 MB. Only signed-in staff (who upload files to import) get the upload
        limit. Registered before CSRFProtect's hook, which reads the form: the limit must be set first.
        Checked on the declared length before anything is read; werkzeug also stops a longer stream."""
        if not (current_user.is_authenticated and not current_user.via_token):
            request.max_content_length = settings.max_body_kb * 1024

    csrf.init_app(app)
    for bp in exempt_blueprints:
        csrf.exempt(bp)   # the JSON API authenticates staff by Bearer token only, never by cookie

    img_src = " ".join(["'self'", "data:", *tile_sources(settings.tiles)])

    @app.before_request
    def _no_nul():
        """PostgreSQL text cannot hold a NUL character: a query parameter with one is refused here, on every
        route, as a 400 naming it, rather than failing in the database as a 500."""
        for name, value in request.args.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise InvalidParameter(name.replace("\x00", "") or "query", NUL_MESSAGE)

    @app.context_processor
    def _nonce():
        return {"csp_nonce": csp_nonce()}

    @app.after_request
    def _headers(response):
        policy = (f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; "
                  "style-src 'self' 'unsafe-inline'; "   # Leaflet positions everything with style attributes
                  f"img-src {img_src}; connect-src 'self'; font-src 'self'; object-src 'none'; "
                  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def csp_nonce() -> str:
    """This response's nonce: every inline <script> must carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def client_key() -> str:
    """Who is asking, for rate limits: the client address (as ProxyFix resolved it, when proxies are trusted)."""
    return request.remote_addr or "unknown"


def limit_link_writes() -> None:
    """Count a write made through a private link that has no rate of its own (ASSETMAP_LINK_RATE, per client).

    A link is a secret, but one leaked or guessed link must not let a client drive unlimited writes and mail."""
    rule = ratelimit.Rule.parse(current_app.config["ASSETMAP"].link_rate)
    ratelimit.hit(get_conn(), f"link:{client_key()}", rule)


def private(response):
    """Pages that show a private link or contact details: no referrer, no caches, no search engines."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
