"""`assetmap serve`: the web app under gunicorn, and the mail worker beside it when mail is configured.

The worker is a child process started before this process becomes gunicorn (exec), with the kernel asked to end it
(SIGTERM) when its parent does: so `make run`, or a service manager running `assetmap serve`, sends mail with no
second command to remember, and no worker is left behind when the server stops.
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
from ..db.connect import connect
from ..mail import outbox

PR_SET_PDEATHSIG = 1   # <linux/prctl.h>


@click.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="PORT or 5000")
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the web app with gunicorn (refuses while the schema is behind), and the mail worker if configured."""
    with connect(settings) as conn:
        migrations.check_current(conn)
    settings.home.mkdir(parents=True, exist_ok=True)
    if outbox.enabled(settings):
        worker = _start_mail_worker()
        click.echo(f"mail worker started (process {worker.pid})")
    click.echo(f"AssetMap on http://{host}:{port}/  (Ctrl-C stops it)")
    args = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(settings.workers),
            # Threads, not the sync worker: each open live workshop map (an SSE stream) holds a thread for as long
            # as it is open. A sync worker would serve one stream per process and be killed at --timeout mid-stream.
            "--worker-class", "gthread", "--threads", str(settings.threads),
            "--access-logfile", "-", "--graceful-timeout", "5",
            # gunicorn's default control socket is ~/.gunicorn/gunicorn.ctl, one path for every checkout of a user.
            "--control-socket", str(settings.home / "gunicorn.ctl"),
            # Planners' uploads import in the request; 100k rows take about half a minute here.
            "--timeout", "300", "assetmap:create_app()"]
    os.execv(sys.executable, args)


def _start_mail_worker() -> subprocess.Popen:
    """`assetmap mail worker` as a child that gets SIGTERM when this process (gunicorn, after the exec) exits."""
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)   # Linux; elsewhere stop it yourself
    parent = os.getpid()

    def die_with_parent() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:   # the parent was gone before the request was made
            os._exit(0)

    return subprocess.Popen([sys.executable, "-m", "assetmap.cli", "mail", "worker"], preexec_fn=die_with_parent)
