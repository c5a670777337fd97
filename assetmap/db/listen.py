"""What the background workers (mail, jobs) share: a connection that LISTENs on a channel and is made again after
the database goes away, and a wait that a notification, a deadline or a stop ends.

A worker hands `keep_listening` its `serve(conn)`, which works until stopped and waits with `wait` between rounds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import closing

import psycopg
from psycopg import sql

from ..config import Settings
from .connect import database_url


def keep_listening(settings: Settings, channel: str, name: str, serve: Callable[[psycopg.Connection], None],
                   stop: threading.Event, pause_seconds: float, log: logging.Logger) -> None:
    """Connect (autocommit), LISTEN on `channel`, and serve(conn) until `stop` is set; a lost database connection is
    made again after `pause_seconds`."""
    while not stop.is_set():
        try:
            with psycopg.connect(database_url(settings), autocommit=True, connect_timeout=10,
                                 application_name=f"assetmap {name}") as conn:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                serve(conn)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if not stop.is_set():
                log.warning("%s: database unavailable (%s); trying again in %s s", name,
                            (str(exc).strip() or type(exc).__name__).splitlines()[0], pause_seconds)
                stop.wait(pause_seconds)
    log.info("%s: stopped", name)


def wait(conn: psycopg.Connection, seconds: float, stop: threading.Event) -> bool:
    """Until a notification (True), `seconds`, or `stop`; in slices of a second, so a stop is seen promptly. The
    notifications that came together are all taken: one round handles them all."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        with closing(conn.notifies(timeout=min(left, 1.0), stop_after=1)) as notes:
            woke = next(notes, None) is not None
        if woke:
            with closing(conn.notifies(timeout=0)) as rest:
                for _ in rest:
                    pass
            return True
    return False
