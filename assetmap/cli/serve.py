"""`assetmap serve`: the web app under gunicorn."""

from __future__ import annotations

import os
import sys

import click

from ..config import Settings
from ..db import migrate as migrations
from ..db.connect import connect


@click.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="PORT or 5000")
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the web app with gunicorn (refuses while the schema is behind)."""
    with connect(settings) as conn:
        migrations.check_current(conn)
    settings.home.mkdir(parents=True, exist_ok=True)
    click.echo(f"AssetMap on http://{host}:{port}/  (Ctrl-C stops it)")
    args = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(settings.workers),
            "--access-logfile", "-", "--graceful-timeout", "5",
            # gunicorn's default control socket is ~/.gunicorn/gunicorn.ctl, one path for every checkout of a user.
            "--control-socket", str(settings.home / "gunicorn.ctl"),
            # Planners' uploads import in the request; 100k rows take about half a minute here.
            "--timeout", "300", "assetmap:create_app()"]
    os.execv(sys.executable, args)
