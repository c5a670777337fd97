"""The web app's connection pool: one per worker process, opened on first use.

Opening it lazily matters: gunicorn forks workers after importing the app, and a pool opened before the fork
would share its sockets between processes.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

EXTENSION = "assetmap.pool"


class LazyPool:
    def __init__(self, conninfo: str, min_size: int, max_size: int):
        self.conninfo = conninfo
        self.min_size = min_size
        self.max_size = max_size
        self._pool: ConnectionPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def get(self) -> ConnectionPool:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = ConnectionPool(
                        self.conninfo, min_size=self.min_size, max_size=self.max_size, open=False,
                        kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 5},
                        name="assetmap")
                    self._pool.open(wait=False)
                    self._pid = os.getpid()
        return self._pool

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None


def init_app(app: Flask, conninfo: str) -> None:
    app.extensions[EXTENSION] = LazyPool(conninfo, app.config["ASSETMAP"].pool_min, app.config["ASSETMAP"].pool_max)
    app.teardown_appcontext(_return_connection)


def get_conn(timeout: float = 5.0):
    """The request's connection (autocommit, dict rows), borrowed from the pool on first use."""
    if "db_conn" not in g:
        pool = current_app.extensions[EXTENSION].get()
        g.db_conn = pool.getconn(timeout=timeout)
    return g.db_conn


def _return_connection(exc: BaseException | None) -> None:
    conn = g.pop("db_conn", None)
    if conn is not None:
        current_app.extensions[EXTENSION].get().putconn(conn)
