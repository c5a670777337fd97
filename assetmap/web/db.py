"""The request's database connections: borrowed from the worker's pools on first use, returned on teardown.

`get_conn()` is the primary (DATABASE_URL). `get_read_conn()` is for read-only work (tiles, OGC API, analyses,
exports, the public API's reads): a read replica when ASSETMAP_READ_DATABASE_URL is set, else the same connection.

A replica replays the primary's changes a moment later, so a client must not read its own write from one too soon:
a successful POST (or other unsafe request) that used the primary is answered with a cookie holding the primary's
WAL flush position after it (a commit is flushed before it returns, with the default synchronous_commit). While the
cookie lasts, that client's reads go to the replica only once the replica has replayed up to that position (one
comparison on the replica), and to the primary before. Other clients, who cannot know when a change was made, read
the replica whatever its lag. A replica that cannot be reached sends reads to the primary for a while rather than
failing them. A forged cookie can only send its holder's own reads to the primary.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from psycopg_pool import PoolTimeout

from ..db.pool import LazyPool

EXTENSION = "assetmap.pool"
READ_EXTENSION = "assetmap.read_pool"
WROTE_COOKIE = "assetmap_wrote"
WROTE_SECONDS = 60          # how long a writer's reads wait for the replica; lag beyond that is an outage
REPLICA_REST_SECONDS = 30   # after a replica could not be reached, how long reads go to the primary
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")

log = logging.getLogger(__name__)


@dataclass
class _Replica:
    pool: LazyPool
    resting_until: float = 0.0   # monotonic time before which reads go to the primary (it could not be reached)


def init_app(app: Flask, conninfo: str) -> None:
    settings = app.config["ASSETMAP"]
    app.extensions[EXTENSION] = LazyPool(conninfo, settings.pool_min, settings.pool_max,
                                         statement_timeout_ms=settings.statement_timeout, name="assetmap web")
    if settings.read_database_url:
        app.extensions[READ_EXTENSION] = _Replica(LazyPool(
            settings.read_database_url, settings.pool_min, settings.pool_max,
            statement_timeout_ms=settings.statement_timeout, name="assetmap web read"))
        app.after_request(_mark_write)
    app.teardown_appcontext(_return_connection)


def close(app: Flask) -> None:
    """Close this process's pools (tests, and anything else that builds an app and is done with it)."""
    app.extensions[EXTENSION].close()
    if READ_EXTENSION in app.extensions:
        app.extensions[READ_EXTENSION].pool.close()


def get_conn(timeout: float = 5.0):
    """The request's connection (autocommit, dict rows), borrowed from the pool on first use."""
    if "db_conn" not in g:
        pool = current_app.extensions[EXTENSION].get()
        g.db_conn = pool.getconn(timeout=timeout)
    return g.db_conn


def get_read_conn(timeout: float = 5.0):
    """The connection for read-only work (see above): the replica's, or the request's own."""
    if "read_conn" in g:
        return g.read_conn
    replica = current_app.extensions.get(READ_EXTENSION)
    if replica is None or time.monotonic() < replica.resting_until:
        return get_conn(timeout)
    try:
        conn = replica.pool.get().getconn(timeout=timeout)
    except PoolTimeout:
        log.warning("read replica not reachable; reads go to the primary for %d s", REPLICA_REST_SECONDS)
        replica.resting_until = time.monotonic() + REPLICA_REST_SECONDS
        return get_conn(timeout)
    wrote = request.cookies.get(WROTE_COOKIE, "")
    if _LSN.fullmatch(wrote) and not _replayed(conn, wrote):
        replica.pool.get().putconn(conn)
        g.read_conn = get_conn(timeout)
    else:
        g.read_conn = g.replica_conn = conn
    return g.read_conn


def _replayed(conn, lsn: str) -> bool:
    # NULL: not a standby (a read URL pointing at a primary, or a pooler in front of one), so nothing to wait for.
    row = conn.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true) AS done", (lsn,)).fetchone()
    return row["done"]


def _mark_write(response):
    """After a write on the primary, the cookie that keeps this client's reads off a replica that lags it."""
    if request.method in SAFE_METHODS or "db_conn" not in g or response.status_code >= 400:
        return response
    try:
        lsn = g.db_conn.execute("SELECT pg_current_wal_flush_lsn()::text AS lsn").fetchone()["lsn"]
    except Exception:   # the write is done and answered; without the cookie the client may only see it late
        log.exception("could not read the primary's WAL position")
        return response
    response.set_cookie(WROTE_COOKIE, lsn, max_age=WROTE_SECONDS, httponly=True, samesite="Lax",
                        secure=current_app.session_interface.get_cookie_secure(current_app))
    return response


def release_conn() -> None:
    """Give the request's connections back now (a long response that needs them no more, such as a live stream)."""
    _return_connection(None)


def _return_connection(exc: BaseException | None) -> None:
    g.pop("read_conn", None)
    conn = g.pop("replica_conn", None)
    if conn is not None:
        current_app.extensions[READ_EXTENSION].pool.get().putconn(conn)
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions[EXTENSION].get().putconn(conn)
