"""`assetmap db …`: the project-local cluster (when DATABASE_URL is unset) and the schema."""

from __future__ import annotations

import sys

import click

from .. import vocab
from ..config import Settings
from ..db import migrate as migrations
from ..db.connect import connect, database_url, local_cluster


@click.group()
def db() -> None:
    """The database: the project-local cluster (when DATABASE_URL is unset) and the schema."""


@db.command("up")
@click.pass_obj
def db_up(settings: Settings) -> None:
    """Create and start the local cluster (nothing to do when DATABASE_URL is set)."""
    if settings.database_url:
        click.echo("DATABASE_URL is set: using it, no local cluster started.")
        return
    state = local_cluster(settings).up(log=click.echo)
    click.echo(f"local cluster ready: 127.0.0.1:{state.port}, database {state.database}")


@db.command("down")
@click.pass_obj
def db_down(settings: Settings) -> None:
    """Stop the local cluster."""
    if not local_cluster(settings).down(log=click.echo):
        click.echo("the local cluster is not running")


@db.command("status")
@click.pass_obj
def db_status(settings: Settings) -> None:
    """Say which database is in use, whether it runs, where, on which port, and the schema's state."""
    ok = True
    if settings.database_url:
        click.echo("database: DATABASE_URL (no local cluster in use)")
    else:
        st = local_cluster(settings).status()
        click.echo(f"local cluster: {st.message}" + (f" (pid {st.pid})" if st.pid else ""))
        if st.state:
            s = st.state
            click.echo(f"  data folder:  {s.pgdata}")
            click.echo(f"  port:         127.0.0.1:{s.port}")
            click.echo(f"  socket:       {s.socket_dir}")
            click.echo(f"  server user:  {s.os_user}")
            click.echo(f"  binaries:     {s.bindir}")
            click.echo(f"  log:          {s.log_file}")
        ok = st.running
    if ok:
        ok = _report_server(settings)
    sys.exit(0 if ok else 1)


def _report_server(settings: Settings) -> bool:
    try:
        with connect(settings, connect_timeout=5) as conn:
            version = conn.execute("SELECT version()").fetchone()[0].split(",")[0]
            click.echo(f"server: {version}")
            try:
                todo = migrations.pending(conn)
                click.echo("schema: up to date" if not todo else
                           f"schema: {len(todo)} migration(s) pending: " + ", ".join(m.filename for m in todo))
            except migrations.SchemaError as exc:
                click.echo(f"schema: {exc}")
    except Exception as exc:  # report, don't crash: this command exists to diagnose
        click.echo(f"cannot connect: {exc}".strip())
        return False
    return True


@db.command("url")
@click.pass_obj
def db_url(settings: Settings) -> None:
    """Print the connection URL (for psql, QGIS and scripts)."""
    click.echo(database_url(settings))


@db.command("migrate")
@click.pass_obj
def db_migrate(settings: Settings) -> None:
    """Apply pending schema migrations and sync the vocabularies from data/."""
    with connect(settings) as conn:
        done = migrations.migrate(conn, log=click.echo)
        counts = vocab.sync(conn)
    click.echo(f"schema up to date ({len(done)} applied); vocabularies: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))
