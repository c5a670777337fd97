"""A connection pool for one process, opened on first use; no web framework in it.

Its connections never prepare statements. psycopg prepares a query on its fifth run on a connection, and
PostgreSQL may then plan it once for any values (a generic plan) when that looks no dearer: for the API's bbox query
the generic plan expected 11 rows, scanned the whole box and sorted it, and took 4.4 s where a plan for the actual
box took 27 ms (1.2M assets). Planning every execution for its values costs a fraction of a millisecond; it is also
what a transaction-pooling PgBouncer needs (a prepared statement lives on one server connection).

A statement timeout, when given, is sent as a startup parameter (`options=-c statement_timeout=…`): it then holds
for every statement on the connection, in or out of a transaction, with no SET to repeat. PgBouncer refuses that
parameter, and a SET would not stick to the server connection a transaction pooler lends; behind one the timeout
belongs on the database role instead (docs/scaling.md).

Opening it lazily matters: gunicorn forks workers after importing the app, and a pool opened before the fork
would share its sockets between processes. `get()` notices a fork (a new pid) and opens a pool of its own.
"""

from __future__ import annotations

import os
import select
import threading

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


class LazyPool:
    """Autocommit connections with dict rows, from a psycopg_pool opened by the first `get()` in each process."""

    def __init__(self, conninfo: str, min_size: int, max_size: int, *, statement_timeout_ms: int = 0,
                 name: str = "assetmap"):
        self.conninfo = conninfo
        self.min_size = min_size
        self.max_size = max_size
        self.name = name
        self.kwargs = connect_kwargs(statement_timeout_ms, name)
        self._pool: ConnectionPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def get(self) -> ConnectionPool:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = ConnectionPool(
                        self.conninfo, min_size=self.min_size, max_size=self.max_size, open=False,
                        kwargs=self.kwargs, name=self.name,
                        # After a database restart every pooled connection is dead; checked as it is lent, a
                        # dead one is replaced instead of failing the request that drew it.
                        check=check_idle)
                    self._pool.open(wait=False)
                    self._pid = os.getpid()
        return self._pool

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None


def check_idle(conn: psycopg.Connection) -> None:
    """Raise if a pooled connection is broken; a healthy one costs no round trip.

    An idle connection's socket has nothing to read unless the server spoke first: a server that ends a
    session (a restart, a crash, pg_terminate_backend) sends its last message and closes, so the socket turns
    readable. Only then is the round trip made, and it raises on a dead connection. A round trip on every loan
    cost as much waiting as a whole vector tile's query under load (bench/tiles_load.py, docs/benchmarks.md).
    """
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    poll = select.poll()
    poll.register(conn.fileno(), select.POLLIN)
    if poll.poll(0):
        ConnectionPool.check_connection(conn)


def connect_kwargs(statement_timeout_ms: int = 0, application_name: str = "assetmap") -> dict:
    """What each pooled connection is opened with (also used to try one at start-up)."""
    kwargs = {"autocommit": True, "row_factory": dict_row, "connect_timeout": 5,
              "prepare_threshold": None,   # never prepare: see above
              # names the pool in pg_stat_activity (PgBouncer passes it on too)
              "application_name": application_name}
    if statement_timeout_ms:
        kwargs["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return kwargs


def refusal(conninfo: str, statement_timeout_ms: int) -> str | None:
    """Why the server refuses a connection opened as the pool's are, in words, or None (also when it cannot be
    reached: the app starts anyway and /healthz says so). Run once at start-up, so that PgBouncer's refusal of the
    timeout parameter stops `assetmap serve` with what to do, rather than every request failing later."""
    try:
        psycopg.connect(conninfo, **connect_kwargs(statement_timeout_ms)).close()
    except psycopg.OperationalError as exc:
        if "unsupported startup parameter" in str(exc):
            return ("the database server (PgBouncer?) refuses the statement timeout sent when connecting "
                    f"({str(exc).strip()}): set ASSETMAP_STATEMENT_TIMEOUT=0 and set statement_timeout on the web "
                    "app's database role instead (docs/scaling.md)")
    return None
