"""The request's database connection: borrowed from the worker's pool on first use, returned on teardown."""

from __future__ import annotations

from flask import Flask, current_app, g

from ..db.pool import LazyPool

EXTENSION = "assetmap.pool"


def init_app(app: Flask, conninfo: str) -> None:
    settings = app.config["ASSETMAP"]
    app.extensions[EXTENSION] = LazyPool(conninfo, settings.pool_min, settings.pool_max)
    app.teardown_appcontext(_return_connection)


def get_conn(timeout: float = 5.0):
    """The request's connection (autocommit, dict rows), borrowed from the pool on first use."""
    if "db_conn" not in g:
        pool = current_app.extensions[EXTENSION].get()
        g.db_conn = pool.getconn(timeout=timeout)
    return g.db_conn


def get_read_conn(timeout: float = 5.0):
    """The connection for read-only work (tiles, OGC API, analyses, exports). Those readers ask for it by this name
    so that they can be sent to a read replica without touching them; until then it is the request's connection."""
    return get_conn(timeout)


def release_conn() -> None:
    """Give the request's connection back now (a long response that needs it no more, such as a live stream)."""
    _return_connection(None)


def _return_connection(exc: BaseException | None) -> None:
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions[EXTENSION].get().putconn(conn)
