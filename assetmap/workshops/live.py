"""Live updates for one process: a single LISTEN connection, fanned out to every stream open in this process.

The database tells every web worker (every process, on every machine) about each workshop event with
`pg_notify('assetmap_workshop', '<workshop>:<seq>')`. Each process keeps one direct connection listening (LISTEN
does not survive a transaction-pooling PgBouncer, so this one never goes through it), reads the new events once
for each workshop that has streams open here, and hands them to those streams' queues. So 500 open maps cost two
connections on a two-worker server, not 500, and a note is read from the database once per worker, not once per
phone. A stream that falls behind (its queue full) is ended: its browser reconnects with Last-Event-ID and catches
up from the database, which holds every event.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time

import psycopg
from psycopg.rows import dict_row

from . import events

CHANNEL = "assetmap_workshop"
log = logging.getLogger(__name__)


class Subscription:
    """One open stream's inbox."""

    def __init__(self, workshop_id: int, size: int, after: int = 0):
        self.workshop_id = workshop_id
        # The last event this stream has sent (its stream moves it on): where the broker catches it up from after
        # a time with no listening connection, when it has handed nothing out for the workshop yet.
        self.seen = after
        self.inbox: queue.Queue[events.Event | None] = queue.Queue(maxsize=size)
        self.ended = False

    def get(self, timeout: float) -> events.Event | None:
        """The next event, or None after `timeout` (time for a heartbeat) or once the stream has been ended."""
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None


class Broker:
    """The process's listener. `subscribe` starts it on first use, again after a fork (gunicorn's workers)."""

    def __init__(self, conninfo: str, *, queue_size: int = 500, reconnect_s: float = 1.0):
        self.conninfo = conninfo
        self.queue_size = queue_size
        self.reconnect_s = reconnect_s
        self._subs: dict[int, set[Subscription]] = {}
        self._cursor: dict[int, int] = {}   # per workshop: the last event handed out here
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.connected = threading.Event()

    # -- streams ---------------------------------------------------------------------------------------------------
    def subscribe(self, workshop_id: int, after: int = 0) -> Subscription:
        """A stream of this workshop's events; `after` is the last one its client has (Last-Event-ID)."""
        self._ensure_running()
        sub = Subscription(workshop_id, self.queue_size, after)
        with self._lock:
            self._subs.setdefault(workshop_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.workshop_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.workshop_id]
                    self._cursor.pop(sub.workshop_id, None)

    def streams(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    # -- the listening thread --------------------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                if self._pid != os.getpid():   # a forked child inherits the parent's streams' bookkeeping: none
                    self._subs, self._cursor = {}, {}
                self._pid = os.getpid()
                self._stop.clear()
                self.connected.clear()
                self._thread = threading.Thread(target=self._run, name="assetmap-workshop-listener", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, row_factory=dict_row,
                                     application_name="assetmap-listener", connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    self._catch_up(conn)   # whatever happened while no connection was listening
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                log.warning("workshop listener lost its connection (%s); reconnecting", exc)
                self._stop.wait(self.reconnect_s)

    def _listen(self, conn: psycopg.Connection) -> None:
        while not self._stop.is_set():
            # Wait for one notification, then take whatever else has already arrived, and read once per workshop
            # from the first new event on.
            arrived = list(conn.notifies(timeout=1.0, stop_after=1))
            if arrived:
                arrived += conn.notifies(timeout=0.0)
            first: dict[int, int] = {}
            for note in arrived:
                workshop, _, seq = note.payload.partition(":")
                first[int(workshop)] = min(int(seq), first.get(int(workshop), int(seq)))
            for workshop, seq in first.items():
                self._deliver(conn, workshop, after=seq - 1)

    def _catch_up(self, conn: psycopg.Connection) -> None:
        """After (re)connecting: every workshop with streams here, from the last event handed out, or, when none has
        been yet, from the oldest event its streams have sent. Notifications sent while no connection listened are
        lost, and so would be the events they announced."""
        with self._lock:
            pending = {workshop: self._cursor.get(workshop, min(sub.seen for sub in subs))
                       for workshop, subs in self._subs.items() if subs}
        for workshop, cursor in pending.items():
            self._deliver(conn, workshop, after=cursor)

    def _deliver(self, conn: psycopg.Connection, workshop: int, after: int) -> None:
        """Queue for this workshop's streams the events after the last one handed out here (or after `after`, when
        none has been yet: the streams read everything before their first notification themselves)."""
        with self._lock:
            if not self._subs.get(workshop):
                return
            after = self._cursor.get(workshop, after)
        started = time.perf_counter()
        news = events.since(conn, workshop, after)
        with self._lock:
            subs = list(self._subs.get(workshop, ()))
            if news:
                self._cursor[workshop] = max(self._cursor.get(workshop, 0), news[-1].seq)
        for sub in subs:
            for event in news:
                try:
                    sub.inbox.put_nowait(event)
                except queue.Full:
                    self._end(sub)
                    break
        log.debug("workshop %s: %d events to %d streams in %.1f ms", workshop, len(news), len(subs),
                  (time.perf_counter() - started) * 1000)

    def _end(self, sub: Subscription) -> None:
        """A stream too slow to keep up: end it, and its browser reconnects and catches up from the database."""
        sub.ended = True
        self.unsubscribe(sub)
        try:
            while True:
                sub.inbox.get_nowait()
        except queue.Empty:
            pass
        sub.inbox.put_nowait(None)
