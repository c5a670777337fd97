"""The `assetmap` command."""

from __future__ import annotations

import os
import sys
import time

import click
import psycopg

from .config import Settings
from .db import migrate as migrations
from .db.cluster import ClusterError
from .db.connect import connect, database_url, local_cluster


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


def _fail(message: str) -> None:
    raise click.ClickException(message)


class _Group(click.Group):
    """Turns the errors a user can act on into one-line messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ClusterError, migrations.SchemaError) as exc:
            raise click.ClickException(str(exc)) from None
        except psycopg.OperationalError as exc:
            raise click.ClickException(f"cannot connect to the database: {str(exc).strip()}") from None


@click.group(cls=_Group)
@click.pass_context
def main(ctx: click.Context) -> None:
    """AssetMap: community assets, spare capacity and public services on one map."""
    try:
        ctx.obj = Settings.from_env()
    except ValueError as exc:
        _fail(str(exc))


# -- db ---------------------------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """The database: the project-local cluster (when DATABASE_URL is unset) and the schema."""


@db.command("up")
@click.pass_context
def db_up(ctx: click.Context) -> None:
    """Create and start the local cluster (nothing to do when DATABASE_URL is set)."""
    settings = _settings(ctx)
    if settings.database_url:
        click.echo("DATABASE_URL is set: using it, no local cluster started.")
        return
    state = local_cluster(settings).up(log=click.echo)
    click.echo(f"local cluster ready: 127.0.0.1:{state.port}, database {state.database}")


@db.command("down")
@click.pass_context
def db_down(ctx: click.Context) -> None:
    """Stop the local cluster."""
    if not local_cluster(_settings(ctx)).down(log=click.echo):
        click.echo("the local cluster is not running")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Say which database is in use, whether it runs, where, on which port, and the schema's state."""
    settings = _settings(ctx)
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
        try:
            with connect(settings, connect_timeout=5) as conn:
                version = conn.execute("SELECT version()").fetchone()[0].split(",")[0]
                click.echo(f"server: {version}")
                try:
                    todo = migrations.pending(conn)
                    click.echo("schema: up to date" if not todo else
                               f"schema: {len(todo)} migration(s) pending: "
                               + ", ".join(m.filename for m in todo))
                except migrations.SchemaError as exc:
                    click.echo(f"schema: {exc}")
        except Exception as exc:  # report, don't crash: this command exists to diagnose
            ok = False
            click.echo(f"cannot connect: {exc}".strip())
    sys.exit(0 if ok else 1)


@db.command("url")
@click.pass_context
def db_url(ctx: click.Context) -> None:
    """Print the connection URL (for psql, QGIS and scripts)."""
    click.echo(database_url(_settings(ctx)))


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Apply pending schema migrations and sync the vocabularies from data/."""
    from . import vocab
    with connect(_settings(ctx)) as conn:
        done = migrations.migrate(conn, log=click.echo)
        counts = vocab.sync(conn)
    click.echo(f"schema up to date ({len(done)} applied); vocabularies: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))


# -- demo -------------------------------------------------------------------------------------------------------

@main.group()
def demo() -> None:
    """The generated demo town."""


@demo.command("load")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same town.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Multiply the number of assets and offers (250 ≈ 120k assets).")
@click.option("--replace", is_flag=True, help="Delete the demo rows already loaded, then load.")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no assets (used by `make run`).")
@click.pass_context
def demo_load(ctx: click.Context, seed: int, scale: float, replace: bool, if_empty: bool) -> None:
    """Build the demo town and load it, in one transaction."""
    from .demo.load import DemoAlreadyLoaded, load_demo
    with connect(_settings(ctx)) as conn:
        migrations.check_current(conn)
        if if_empty and conn.execute("SELECT EXISTS (SELECT 1 FROM assets)").fetchone()[0]:
            click.echo("the database already holds assets; demo not loaded")
            return
        started = time.perf_counter()
        try:
            counts = load_demo(conn, seed=seed, scale=scale, replace=replace)
        except DemoAlreadyLoaded as exc:
            _fail(f"{exc} (use --replace to load it again)")
    click.echo(f"demo town loaded in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))


# Commands that live in their own modules.
from .cli_users import user  # noqa: E402
from .ingest import cli as import_cli  # noqa: E402
from .ingest.export import command as export_command  # noqa: E402
from .ingest.gazetteer import command as gazetteer_command  # noqa: E402
from .ingest.hsds import hsds_command  # noqa: E402
from .ingest.osm import osm_command  # noqa: E402

for _cmd in (gazetteer_command, hsds_command, osm_command):
    import_cli.add_command(_cmd)
main.add_command(import_cli.import_group)
main.add_command(user)
main.add_command(export_command)


# -- serve ------------------------------------------------------------------------------------------------------

@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int,
              show_default="PORT or 5000")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app with gunicorn (refuses while the schema is behind)."""
    settings = _settings(ctx)
    with connect(settings) as conn:
        migrations.check_current(conn)
    click.echo(f"AssetMap on http://{host}:{port}/  (Ctrl-C stops it)")
    args = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(settings.workers),
            "--access-logfile", "-", "--graceful-timeout", "5",
            # Planners' uploads import in the request; 100k rows take about half a minute here.
            "--timeout", "300", "assetmap:create_app()"]
    os.execv(sys.executable, args)


if __name__ == "__main__":
    main()
