"""The jobs worker: runs queued jobs one at a time, beside the web server (`assetmap serve` starts it).

- **Two connections.** The job's work runs on a connection of its own, in one transaction that also marks the job
  done, so an import is kept whole or not at all, and a job is marked done only with its work. Progress, the lease's
  heartbeat and failures are written on the worker's own (autocommit) connection, so the job's page sees them while
  the work's transaction is still open.
- **A job whose worker died** is claimed again when its lease runs out (queue.py); the heartbeat renews the lease
  every LEASE / 4 while the work runs, however long one statement of it takes.
- **Waking.** It LISTENs on `assetmap_jobs` (a trigger notifies on every insert) and otherwise looks every
  `poll_seconds`, for leases that ran out. `stop()` ends it once the job under way has finished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import psycopg

from ..cli.imports import FILE_ERRORS
from ..config import Settings
from ..db import listen
from ..db.connect import database_url
from . import files, imports, queue
from .kinds import Context, Handler
from .queue import LEASE, Job, LostLease

log = logging.getLogger("assetmap.jobs")

CHANNEL = "assetmap_jobs"
KINDS: dict[str, Handler] = {**imports.KINDS}


def run_job(control: psycopg.Connection, settings: Settings, job: Job, lease: timedelta = LEASE) -> str:
    """Run a claimed job to its end; its state afterwards ('done', 'failed', or 'queued' again when the database
    failed under it). LostLease means another claim has it now: this one leaves it alone."""
    handler = KINDS.get(job.kind)
    if handler is None:
        queue.fail(control, job, f"no such kind of job: {job.kind!r}")
        files.remove(settings, job.arguments.get("folder"))
        return "failed"
    ctx = Context(settings, files.find(settings, job.arguments.get("folder") or ""),
                  progress=lambda n: queue.progress(control, job, done=n),
                  set_total=lambda total: queue.progress(control, job, total=total))
    try:
        with _Heartbeat(control, job, lease), \
                psycopg.connect(database_url(settings), autocommit=True, connect_timeout=10,
                                application_name=f"assetmap job {job.id}") as work:
            with work.transaction():
                result = handler(work, job.arguments, ctx)
                queue.finish(work, job, result)
        state = "done"
    except LostLease:
        log.warning("job %s: claimed again by another worker before it finished; its work was not kept", job.id)
        return "lost"
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        log.warning("job %s: the database failed under it (%s); it goes back in the queue", job.id, exc)
        return _unless_lost(job, lambda: queue.release(control, job), "queued")
    except Exception as exc:   # the work's own failure: said on the job's page, nothing of it kept
        if isinstance(exc, FILE_ERRORS):
            message = str(exc)
        else:
            log.exception("job %s (%s) failed", job.id, job.kind)
            message = f"the job stopped on an unexpected error ({type(exc).__name__}): {exc}"
        state = _unless_lost(job, lambda: queue.fail(control, job, message), "failed")
        if state == "lost":
            return state
    files.remove(settings, job.arguments.get("folder"))
    log.info("job %s (%s): %s", job.id, job.kind, state)
    return state


def _unless_lost(job: Job, write: Callable[[], None], state: str) -> str:
    try:
        write()
    except LostLease:
        log.warning("job %s: claimed again by another worker meanwhile; left to it", job.id)
        return "lost"
    return state


def run_queued(control: psycopg.Connection, settings: Settings, *, stop: Callable[[], bool] = lambda: False,
               lease: timedelta = LEASE) -> list[int]:
    """Run every job that is waiting (and every one whose lease ran out), one after another, on an autocommit
    connection; the ids of the jobs run. Finished jobs past their time, and files no job will use, are deleted first."""
    for job in queue.give_up(control):
        files.remove(settings, job.arguments.get("folder"))
        log.warning("job %s (%s): given up after %s attempts", job.id, job.kind, job.attempts)
    queue.prune(control)
    files.sweep(settings, queue.folders_in_use(control))
    ran = []
    worker = queue.worker_name()
    while not stop() and (job := queue.claim(control, worker, lease)) is not None:
        log.info("job %s (%s): started, attempt %s", job.id, job.kind, job.attempts)
        run_job(control, settings, job, lease)
        ran.append(job.id)
    return ran


class _Heartbeat:
    """Renews the job's lease every lease / 4 from a thread, while the work runs."""

    def __init__(self, control: psycopg.Connection, job: Job, lease: timedelta):
        self.control, self.job, self.lease = control, job, lease
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job {job.id} heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._done.wait(self.lease.total_seconds() / 4):
            try:
                queue.heartbeat(self.control, self.job, self.lease)
            except (LostLease, psycopg.Error) as exc:   # the work finds out for itself when it tries to finish
                log.warning("job %s: lease not renewed: %s", self.job.id, exc)
                return

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


class Worker:
    """Runs queued jobs until `stop()` is called (from a signal handler or another thread)."""

    def __init__(self, settings: Settings, *, poll_seconds: float = 30, pause_seconds: float = 30,
                 lease: timedelta = LEASE):
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.pause_seconds = pause_seconds
        self.lease = lease
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        listen.keep_listening(self.settings, CHANNEL, "jobs worker", self._serve, self._stop, self.pause_seconds,
                              log)

    def _serve(self, conn: psycopg.Connection) -> None:
        log.info("jobs worker: waiting for jobs")
        while not self._stop.is_set():
            run_queued(conn, self.settings, stop=self._stop.is_set, lease=self.lease)
            listen.wait(conn, self.poll_seconds, self._stop)
