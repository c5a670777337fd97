"""A connection pool for one process, opened on first use; no web framework in it.

Its connections never prepare statements. psycopg prepares a query on its fifth run on a connection, and
PostgreSQL may then plan it once for any values (a generic plan) when that looks no dearer: for the API's bbox query
the generic plan expected 11 rows, scanned the whole box and sorted it, and took 4.4 s where a plan for the actual
box took 27 ms (1.2M assets). Planning every execution for its values costs a fraction of a millisecond; it is also
what a transaction-pooling PgBouncer needs (a prepared statement lives on one server connection).

Opening it lazily matters: gunicorn forks workers after importing the app, and a pool opened before the fork
would share its sockets between processes. `get()` notices a fork (a new pid) and opens a pool of its own.
"""

from __future__ import annotations

import os
import threading

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


class LazyPool:
    """Autocommit connections with dict rows, from a psycopg_pool opened by the first `get()` in each process."""

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
                        kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 5,
                                # Never prepare: see above.
                                "prepare_threshold": None},
                        name="assetmap")
                    self._pool.open(wait=False)
                    self._pid = os.getpid()
        return self._pool

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None
