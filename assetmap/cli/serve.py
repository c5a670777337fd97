"""`assetmap serve`: the web app under gunicorn, the jobs worker beside it (planners' uploads import there), and the
mail worker when mail is configured.

Each worker is a child process started before this process becomes gunicorn (exec), with the kernel asked to end it
(SIGTERM) when its parent does: so `make run`, or a service manager running `assetmap serve`, runs imports and sends
mail with no second command to remember, and no worker is left behind when the server stops.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

import click

from ..config import Settings
from ..db import migrate as migrations
from ..db import pool
from ..db.connect import connect, database_url
from ..mail import outbox

PR_SET_PDEATHSIG = 1   # <linux/prctl.h>


@click.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="PORT or 5000")
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the web app with gunicorn (refuses while the schema is behind), the jobs worker, and the mail worker if
    configured."""
    with connect(settings) as conn:
        migrations.check_current(conn)
    for url in filter(None, (database_url(settings), settings.read_database_url)):
        problem = pool.refusal(url, settings.statement_timeout)
        if problem:
            raise click.ClickException(problem)
    settings.home.mkdir(parents=True, exist_ok=True)
    # Below the web server's priority: a big import (or the worker's start-up) must not slow the pages down.
    worker = _start_worker("jobs", nice=10)
    click.echo(f"jobs worker started (process {worker.pid})")
    if outbox.enabled(settings):
        worker = _start_worker("mail")
        click.echo(f"mail worker started (process {worker.pid})")
    click.echo(f"AssetMap on http://{host}:{port}/  (Ctrl-C stops it)")
    # Workers, threads, timeouts and the access log are set, and explained, in assetmap/gunicorn_conf.py.
    args = [sys.executable, "-m", "gunicorn", "--config", "python:assetmap.gunicorn_conf", "--bind", f"{host}:{port}",
            "assetmap:create_app()"]
    os.execv(sys.executable, args)


def _start_worker(group: str, nice: int = 0) -> subprocess.Popen:
    """`assetmap GROUP worker` as a child that gets SIGTERM when this process (gunicorn, after the exec) exits."""
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)   # Linux; elsewhere stop it yourself
    parent = os.getpid()

    def die_with_parent() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if nice:
            os.nice(nice)
        if os.getppid() != parent:   # the parent was gone before the request was made
            os._exit(0)

    return subprocess.Popen([sys.executable, "-m", "assetmap.cli", group, "worker"], preexec_fn=die_with_parent)
