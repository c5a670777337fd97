"""Workshop streams over HTTP: Server-Sent Events from the process's broker, a participant's cookie, and who is
taking part in a request (participant token, or the facilitator through their own participant row)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator

from flask import Flask, Response, current_app, request
from flask_login import current_user

from ..db.connect import database_url
from ..errors import AssetMapError
from ..workshops import events, participants, sessions
from ..workshops.live import Broker
from .db import get_conn, release_conn

EXTENSION = "assetmap.workshop_broker"
HEARTBEAT_S = 15
COOKIE_DAYS = 30


class Busy(AssetMapError):
    """This worker already holds as many live maps as it has threads to spare."""

    status = 503
    retry_after = 5


def init_app(app: Flask) -> None:
    settings = app.config["ASSETMAP"]
    app.extensions[EXTENSION] = Broker(settings.listen_database_url or database_url(settings))


def broker() -> Broker:
    return current_app.extensions[EXTENSION]


def max_streams() -> int:
    """Threads a worker keeps for ordinary requests while the rest hold live maps."""
    threads = current_app.config["ASSETMAP"].threads
    return threads - max(8, threads // 100)


def cookie_name(workshop: sessions.Workshop) -> str:
    return f"assetmap_w_{workshop.code}"


def set_participant_cookie(response: Response, workshop: sessions.Workshop, token: str) -> None:
    # Secure exactly when the session cookie is (security._HttpsAwareSessions: HTTPS, or as configured).
    secure = current_app.session_interface.get_cookie_secure(current_app)
    response.set_cookie(cookie_name(workshop), token, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=secure, path="/")


def staff_token(workshop: sessions.Workshop, user_id: int) -> str:
    """The facilitator's participant token: derived, so every device they sign in on gets the same one."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"workshop-staff:{workshop.id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def staff_participant(workshop: sessions.Workshop) -> tuple[participants.Participant, str] | None:
    """The signed-in (or Bearer) member of staff who runs this workshop, as a participant, with their token."""
    if not current_user.is_authenticated:
        return None
    if request.path.startswith("/api/") and not current_user.via_token:
        return None   # the API never takes the session cookie as a staff credential
    try:
        sessions.check_facilitator(workshop, current_user, current_user.role)
    except sessions.Forbidden:
        return None
    token = staff_token(workshop, current_user.id)
    # A read first: the row is made (or its token replaced, after a new secret) once, not written on every request.
    found = participants.by_token(get_conn(), workshop, token)
    return found or participants.for_staff(get_conn(), workshop, current_user, current_user.name, token), token


def participant(workshop: sessions.Workshop, *, staff: bool = False) -> participants.Participant | None:
    """Who is taking part in this request: the X-Participant-Token header, else this workshop's cookie; with
    `staff`, the facilitator (signed in, or by Bearer token under /api/) too."""
    token = request.headers.get("X-Participant-Token") or request.cookies.get(cookie_name(workshop))
    found = participants.by_token(get_conn(), workshop, token)
    if found is None and staff:
        mine = staff_participant(workshop)
        found = mine[0] if mine else None
    return found


def last_event_id(default: int = 0) -> int:
    """Where a stream starts: the browser's Last-Event-ID on reconnect, else ?after= from the page's snapshot."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or ""
    try:
        return max(0, int(raw))
    except ValueError:
        return default


def stream(workshop: sessions.Workshop) -> Response:
    """The workshop's events after the client's last one, then live ones, with a heartbeat comment between."""
    live = broker()
    if live.streams() >= max_streams():
        raise Busy("This server is holding as many live maps as it can. Trying again in a few seconds.")
    after = last_event_id()
    sub = live.subscribe(workshop.id, after)   # before reading the backlog, so nothing falls between the two
    try:
        backlog = events.since(get_conn(), workshop.id, after)
    except BaseException:
        live.unsubscribe(sub)
        raise
    release_conn()   # a stream may stay open for hours; it must not hold one of the pool's connections

    def generate() -> Iterator[str]:
        seen = after
        try:
            yield f"retry: 2000\n: {workshop.code} live\n\n"
            for event in backlog:
                seen = sub.seen = event.seq
                yield event.sse()
            beat = time.monotonic()
            while True:
                event = sub.get(timeout=HEARTBEAT_S)
                if sub.ended:
                    return
                if event is None or time.monotonic() - beat >= HEARTBEAT_S:
                    beat = time.monotonic()
                    yield ": heartbeat\n\n"
                if event is not None and event.seq > seen:
                    seen = sub.seen = event.seq
                    yield event.sse()
        finally:
            live.unsubscribe(sub)

    response = Response(generate(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"   # nginx: pass each event on as it comes
    return response
