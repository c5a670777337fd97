"""`assetmap jobs …`: the jobs worker that runs planners' uploads, one round of it, and the queue's state."""

from __future__ import annotations

import logging
import signal

import click

from ..config import Settings
from ..db.connect import connect
from ..jobs import queue

# The worker is imported when its commands run: the import jobs use `cli.imports`, which imports this package.


@click.group()
def jobs() -> None:
    """Background jobs: the worker that runs planners' uploads, and its queue."""


@jobs.command("worker")
@click.option("--poll", "poll_seconds", default=30.0, show_default=True,
              help="Most seconds between looks at the queue when nothing wakes the worker.")
@click.pass_obj
def worker(settings: Settings, poll_seconds: float) -> None:
    """Run queued jobs until stopped (SIGTERM or Ctrl-C ends it after the job under way); `assetmap serve` starts
    one."""
    from ..jobs.worker import Worker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    w = Worker(settings, poll_seconds=poll_seconds)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: w.stop())
    w.run()


@jobs.command("run-queued")
@click.pass_obj
def run_queued_cmd(settings: Settings) -> None:
    """Run the jobs waiting now, one after another, then stop; print how each ended."""
    from ..jobs.worker import run_queued
    with connect(settings) as conn:
        ran = run_queued(conn, settings)
        for job_id in ran:
            job = queue.get(conn, job_id)
            click.echo(f"job {job.id} ({job.kind}): {job.state}" + (f": {job.error}" if job.error else ""))
    if not ran:
        click.echo("no jobs waiting")


@jobs.command("status")
@click.pass_obj
def status(settings: Settings) -> None:
    """Jobs in each state, and the ones waiting or running."""
    with connect(settings) as conn:
        counts = queue.counts(conn)
        waiting = [j for j in queue.recent(conn, 1000) if not j.finished]
    click.echo(", ".join(f"{state}: {n}" for state, n in counts.items()))
    for j in reversed(waiting):
        progress = f"{j.done}" + (f" of {j.total}" if j.total is not None else "")
        click.echo(f"job {j.id} {j.kind} {j.state} (attempt {j.attempts}, {progress} rows): {j.label}")
