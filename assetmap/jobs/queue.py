"""The jobs table (migration 0018): queue a job, claim one, renew its lease while it runs, count its progress, and
record how it ended.

A claim takes the oldest waiting job with `FOR UPDATE SKIP LOCKED`, so two workers never take the same one, and
gives it a lease: a job still `running` after its lease has passed belonged to a worker that died, and is claimed
again (at most MAX_ATTEMPTS claims in all). Every write after the claim names the claim's number (`attempts`), so a
worker whose job was claimed again behind its back can change nothing of it (`LostLease`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

LEASE = timedelta(minutes=2)    # renewed every LEASE / 4 by the worker's heartbeat
MAX_ATTEMPTS = 3
KEPT = timedelta(days=7)        # finished jobs, with their reports (which quote rejected rows), go after this
STATES = ("queued", "running", "done", "failed")


class LostLease(Exception):
    """The job is no longer this claim's: its lease ran out and another worker claimed it, or it was finished."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    arguments: dict[str, Any]
    label: str
    state: str
    requested_by: int | None
    requested_by_name: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    lease_until: dt.datetime | None
    worker: str | None
    done: int
    total: int | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


_COLUMNS = """j.id, j.kind, j.arguments, j.label, j.state, j.requested_by,
              nullif(coalesce(nullif(u.display_name, ''), u.email), '') AS requested_by_name, j.created_at,
              j.started_at, j.finished_at, j.attempts, j.lease_until, j.worker, j.done, j.total, j.result, j.error"""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(conn: psycopg.Connection, kind: str, arguments: dict[str, Any], *, label: str = "",
            requested_by: int | None = None) -> int:
    """Queue a job; the worker is woken when the caller's transaction commits (a trigger NOTIFYs)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("INSERT INTO jobs (kind, arguments, label, requested_by) VALUES (%s, %s, %s, %s) "
                           "RETURNING id", (kind, Jsonb(arguments), label[:500], requested_by)).fetchone()[0]


def get(conn: psycopg.Connection, job_id: int) -> Job | None:
    with conn.cursor(row_factory=class_row(Job)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM jobs j LEFT JOIN users u ON u.id = j.requested_by "
                           "WHERE j.id = %s", (job_id,)).fetchone()


def recent(conn: psycopg.Connection, limit: int = 50) -> list[Job]:
    """The newest jobs first."""
    with conn.cursor(row_factory=class_row(Job)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM jobs j LEFT JOIN users u ON u.id = j.requested_by "
                           "ORDER BY j.id DESC LIMIT %s", (limit,)).fetchall()


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """Jobs in each state."""
    with conn.cursor(row_factory=tuple_row) as cur:
        found = dict(cur.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
    return {state: found.get(state, 0) for state in STATES}


def give_up(conn: psycopg.Connection) -> list[Job]:
    """Fail the jobs that have had every claim they may have and are still not finished; returns them."""
    with conn.cursor(row_factory=class_row(Job)) as cur:
        return cur.execute(f"""
            WITH given_up AS (
                UPDATE jobs SET state = 'failed', finished_at = now(), lease_until = NULL,
                                error = 'the worker stopped before the job finished, ' || attempts || ' times: '
                                        || 'see the worker''s log'
                 WHERE attempts >= %(max)s AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
                RETURNING *)
            SELECT {_COLUMNS} FROM given_up j LEFT JOIN users u ON u.id = j.requested_by""",
                           {"max": MAX_ATTEMPTS}).fetchall()


def claim(conn: psycopg.Connection, worker: str, lease: timedelta = LEASE) -> Job | None:
    """The oldest queued job (or running job whose lease has passed), now running under this worker; None if none."""
    with conn.cursor(row_factory=class_row(Job)) as cur:
        return cur.execute(f"""
            WITH claimed AS (
                UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = now(),
                                lease_until = now() + %(lease)s, worker = %(worker)s, done = 0, error = NULL
                 WHERE id = (SELECT id FROM jobs
                              WHERE (state = 'queued' OR (state = 'running' AND lease_until < now()))
                                AND attempts < %(max)s
                              ORDER BY id LIMIT 1
                              FOR UPDATE SKIP LOCKED)
                RETURNING *)
            SELECT {_COLUMNS} FROM claimed j LEFT JOIN users u ON u.id = j.requested_by""",
                           {"lease": lease, "worker": worker, "max": MAX_ATTEMPTS}).fetchone()


def _owned(conn: psycopg.Connection, job: Job, assignments: str, params: dict[str, Any]) -> None:
    """UPDATE the job if it is still this claim's, else raise LostLease."""
    cur = conn.execute(f"UPDATE jobs SET {assignments} WHERE id = %(id)s AND attempts = %(attempt)s "
                       "AND state = 'running'", {"id": job.id, "attempt": job.attempts, **params})
    if cur.rowcount != 1:
        raise LostLease(f"job {job.id} is no longer claim {job.attempts}'s")


def heartbeat(conn: psycopg.Connection, job: Job, lease: timedelta = LEASE) -> None:
    _owned(conn, job, "lease_until = now() + %(lease)s", {"lease": lease})


def progress(conn: psycopg.Connection, job: Job, done: int = 0, total: int | None = None) -> None:
    """Count `done` more rows done (and set the total, when given); renews the lease too."""
    _owned(conn, job, "done = done + %(done)s, total = coalesce(%(total)s, total), lease_until = now() + %(lease)s",
           {"done": done, "total": total, "lease": LEASE})


def finish(conn: psycopg.Connection, job: Job, result: dict[str, Any]) -> None:
    """Mark the job done with its result. Call it inside the transaction of the work itself: if the job is no longer
    this claim's, LostLease rolls the work back with it, so a job's work is kept once."""
    _owned(conn, job, "state = 'done', finished_at = now(), lease_until = NULL, result = %(result)s, "
                      "done = greatest(done, coalesce(total, 0))", {"result": Jsonb(result)})


def fail(conn: psycopg.Connection, job: Job, error: str) -> None:
    _owned(conn, job, "state = 'failed', finished_at = now(), lease_until = NULL, error = %(error)s",
           {"error": error[:2000]})


def release(conn: psycopg.Connection, job: Job) -> None:
    """Put the job back in the queue (its worker is stopping, or lost the database mid-way); the claim counts."""
    _owned(conn, job, "state = 'queued', lease_until = NULL, done = 0", {})


def folders_in_use(conn: psycopg.Connection) -> set[str]:
    """The file folders (jobs/files.py) of the jobs not yet finished."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return {r[0] for r in cur.execute("SELECT arguments->>'folder' FROM jobs WHERE state IN ('queued', 'running') "
                                          "AND arguments ? 'folder'")}


def prune(conn: psycopg.Connection, kept: timedelta = KEPT) -> int:
    """Delete jobs finished longer ago than `kept`; how many."""
    return conn.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < now() - %s",
                        (kept,)).rowcount
