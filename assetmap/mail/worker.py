"""The mail worker: sends what is due in the outbox over SMTP, tries again after growing pauses, and gives up into the
admins' dead-letter list (`/admin/mail`).

- **Several workers at once** are safe: each claims a few due rows with `FOR UPDATE SKIP LOCKED` in one short
  statement that moves their `next_attempt_at` a lease ahead, so no other worker sees them as due while they are
  being sent, and no transaction stays open while an SMTP server takes its time.
- **At least once.** A row is marked sent after the server accepted it. A worker that dies in between (or loses the
  database at that moment) leaves the row to be sent again when its lease runs out: a rare duplicate, never a loss.
  The Message-ID is the same both times (`smtp.message`).
- **Waking.** It `LISTEN`s on `assetmap_outbox` (migration 0012 notifies on every insert), and otherwise sleeps until
  the next retry falls due, at most `poll_seconds`. It survives the database or the SMTP server going away (it
  tries again after `pause_seconds`), and `stop()` ends it between two messages.
- **Periodic tasks**: `periodic` is a list of `task(conn, settings)` run when the worker starts and then every
  `periodic_seconds` (an hour), on the worker's connection; what they queue is sent in the same round. Every
  worker runs them, so they must be idempotent (queue with a `dedupe_key`). A failing task is logged, not fatal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import psycopg
from psycopg.rows import class_row

from ..config import Settings
from ..db import listen
from . import smtp

log = logging.getLogger("assetmap.mail")

BATCH = 10
LEASE = timedelta(minutes=15)   # well beyond a batch's worst case (BATCH messages at smtp.TIMEOUT each)
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=4)

Task = Callable[[psycopg.Connection, Settings], object]


@dataclass
class Result:
    """What one round did: messages accepted, failed (to be tried again), given up; and why it stopped early."""
    sent: int = 0
    failed: int = 0
    dead: int = 0
    unavailable: str | None = None


def backoff(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed try: 1 minute, doubling each time, at most 4 hours."""
    return min(FIRST_PAUSE * 2 ** min(max(attempts - 1, 0), 16), LONGEST_PAUSE)


def send_due(conn: psycopg.Connection, settings: Settings, stop: Callable[[], bool] = lambda: False) -> Result:
    """Send every message that is due, a batch at a time, on an autocommit connection. Stops early when the SMTP
    server cannot be used (`Result.unavailable` says why) or `stop()` turns true. Nothing happens when mail is off."""
    result = Result()
    target = smtp.server(settings)
    while target is not None and not stop():
        batch = _claim(conn)
        if not batch:
            break
        try:
            _send_batch(conn, settings, target, batch, result, stop)
        except smtp.Unavailable as exc:
            result.unavailable = str(exc)
            break
    return result


def _send_batch(conn, settings: Settings, target: smtp.Server, batch: list[smtp.Outgoing], result: Result,
                stop: Callable[[], bool]) -> None:
    session = smtp.Connection(target)
    try:
        session.open()
    except smtp.Unavailable as exc:   # each claimed message was tried, so each waits its pause
        for out in batch:
            _failed(conn, settings, out, str(exc), False, result)
        raise
    pending = list(batch)
    try:
        with session:
            while pending and not stop():
                out = pending.pop(0)
                try:
                    msg = smtp.message(settings, out)
                except (ValueError, TypeError) as exc:   # e.g. a line break in an address: it will never go
                    _failed(conn, settings, out, f"cannot be written as a message: {exc}", True, result)
                    continue
                try:
                    session.send(msg)
                except smtp.Refused as exc:
                    _failed(conn, settings, out, str(exc), exc.permanent, result)
                except smtp.Unavailable as exc:
                    _failed(conn, settings, out, str(exc), False, result)
                    raise
                else:
                    conn.execute("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
                                 "WHERE id = %s AND sent_at IS NULL AND dead_at IS NULL", (out.id,))
                    result.sent += 1
    finally:
        if pending:   # not tried (stopped, or the line dropped): due again at once, no attempt counted
            conn.execute("UPDATE outbox SET next_attempt_at = now() "
                         "WHERE id = ANY(%s) AND sent_at IS NULL AND dead_at IS NULL", ([o.id for o in pending],))


def _claim(conn: psycopg.Connection) -> list[smtp.Outgoing]:
    with conn.cursor(row_factory=class_row(smtp.Outgoing)) as cur:
        rows = cur.execute("""
            UPDATE outbox SET next_attempt_at = now() + %(lease)s
             WHERE id IN (SELECT id FROM outbox
                           WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
                           ORDER BY next_attempt_at, id LIMIT %(limit)s
                           FOR UPDATE SKIP LOCKED)
            RETURNING id, to_address, subject, body, created_at, attempts""",
                           {"lease": LEASE, "limit": BATCH}).fetchall()
    return sorted(rows, key=lambda r: r.id)


def _failed(conn, settings: Settings, out: smtp.Outgoing, error: str, permanent: bool, result: Result) -> None:
    attempts = out.attempts + 1
    dead = permanent or attempts >= settings.mail_max_attempts
    conn.execute("""
        UPDATE outbox SET attempts = attempts + 1, last_error = %(error)s, next_attempt_at = now() + %(pause)s,
                          dead_at = CASE WHEN %(dead)s THEN now() END
         WHERE id = %(id)s AND sent_at IS NULL AND dead_at IS NULL""",
                 {"id": out.id, "error": error[:500], "pause": backoff(attempts), "dead": dead})
    if dead:
        result.dead += 1
        log.warning("message %s not sent after %s attempt(s), given up: %s", out.id, attempts, error)
    else:
        result.failed += 1
        log.info("message %s not sent (attempt %s), trying again in %s: %s", out.id, attempts, backoff(attempts),
                 error)


class Worker:
    """Sends due mail until `stop()` is called (from a signal handler or another thread)."""

    def __init__(self, settings: Settings, periodic: Sequence[Task] = (), *, poll_seconds: float = 60,
                 periodic_seconds: float = 3600, pause_seconds: float = 30):
        self.settings = settings
        self.periodic = list(periodic)
        self.poll_seconds = poll_seconds
        self.periodic_seconds = periodic_seconds
        self.pause_seconds = pause_seconds
        self._stop = threading.Event()
        self._next_periodic = 0.0   # time.monotonic(): the tasks run once at start

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Connect, listen and send until stopped; a lost database connection is made again after a pause."""
        listen.keep_listening(self.settings, "assetmap_outbox", "mail worker", self._serve, self._stop,
                              self.pause_seconds, log)

    def _serve(self, conn: psycopg.Connection) -> None:
        log.info("mail worker: sending through %s", smtp.server(self.settings))
        while not self._stop.is_set():
            self._run_periodic(conn)
            result = send_due(conn, self.settings, stop=self._stop.is_set)
            if result.sent or result.failed or result.dead:
                log.info("mail worker: %s sent, %s to try again, %s given up", result.sent, result.failed,
                         result.dead)
            if result.unavailable:
                log.warning("mail worker: SMTP server unavailable (%s); trying again in %s s", result.unavailable,
                            self.pause_seconds)
                self._stop.wait(self.pause_seconds)
            else:
                listen.wait(conn, self._seconds_to_next(conn), self._stop)

    def _run_periodic(self, conn: psycopg.Connection) -> None:
        if not self.periodic or time.monotonic() < self._next_periodic:
            return
        self._next_periodic = time.monotonic() + self.periodic_seconds
        for task in self.periodic:
            try:
                task(conn, self.settings)
            except (psycopg.OperationalError, psycopg.InterfaceError):
                raise
            except Exception:   # one broken task must not stop the mail
                log.exception("mail worker: periodic task %s failed", getattr(task, "__qualname__", task))

    def _seconds_to_next(self, conn: psycopg.Connection) -> float:
        """Until the next retry falls due or the periodic tasks' turn, at most `poll_seconds`."""
        due = conn.execute("SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 FROM outbox "
                           "WHERE sent_at IS NULL AND dead_at IS NULL").fetchone()[0]
        seconds = self.poll_seconds if due is None else min(due, self.poll_seconds)
        if self.periodic:
            seconds = min(seconds, self._next_periodic - time.monotonic())
        return max(seconds, 0.1)   # a row due now but locked by another worker's claim: not a busy loop
