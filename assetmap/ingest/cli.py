"""`assetmap import …`: neighbourhoods, assets and services from files, with a progress bar and a rejects file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import click

from .report import ImportReport, default_rejects_path


@click.group("import")
def import_group() -> None:
    """Import neighbourhoods, assets and services from files (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)."""


def add_command(cmd: click.Command) -> None:
    """Attach another importer (gazetteer, hsds, osm …) to `assetmap import`."""
    import_group.add_command(cmd)


def common_options(fn):
    """--dry-run and --rejects, shared by every import command."""
    fn = click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
                      help="Where to write rejected rows (default: FILE.rejects.csv beside the input).")(fn)
    fn = click.option("--dry-run", is_flag=True, help="Check and count everything, then write nothing.")(fn)
    return fn


def run_import(ctx: click.Context, path: Path, rejects: Path | None, work: Callable) -> ImportReport:
    """Open the database, run work(conn, progress) under a progress bar, print the report and write rejects."""
    from ..db.connect import connect
    settings = ctx.find_root().obj
    total = _count_rows(path)
    with connect(settings) as conn:
        if total is None:   # click's bar needs a length; without one, say what is happening and carry on
            click.echo(f"importing {path.name} …", err=True)
            report = work(conn, lambda n: None)
        else:
            with click.progressbar(length=total, label=f"importing {path.name}", file=sys.stderr) as bar:
                report = work(conn, bar.update)
    return finish(report, path, rejects)


def run_loaded(ctx: click.Context, path: Path, rejects: Path | None, rows: list, report: ImportReport,
               load: Callable) -> ImportReport:
    """Load rows a reader has already read, under a bar of their length; print the report, write the rejects."""
    from ..config import Settings
    from ..db.connect import connect
    report.read -= len(rows)   # the loader counts the rows it is given
    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, Settings) else Settings.from_env()
    with connect(settings) as conn, click.progressbar(length=max(len(rows), 1), label=f"importing {path.name}",
                                                      file=sys.stderr) as bar:
        report = load(conn, bar.update)
    return finish(report, path, rejects)


def finish(report: ImportReport, path: Path, rejects: Path | None) -> ImportReport:
    """Print the summary and notes; write the rejected rows beside the input (or to --rejects)."""
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"  note: {note}")
    written = report.write_rejects(rejects or default_rejects_path(path))
    if written:
        click.echo(f"  {len(report.rejected)} rejected rows, with reasons, written to {written}")
    return report


def _count_rows(path: Path) -> int | None:
    """Rows in the file, for the bar's length; None when counting would mean reading it twice."""
    if path.suffix.lower() in (".csv", ".txt"):
        with open(path, "rb") as f:
            return max(sum(1 for _ in f) - 1, 0)
    try:
        import pyogrio
        return pyogrio.read_info(path)["features"]
    except Exception:   # xlsx, folders and anything pyogrio cannot count
        return None


def _errors(fn):
    """Turn bad input files into one-line messages."""
    from functools import wraps

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from .asset_files import MappingError
        from .read import UnreadableFile
        try:
            return fn(*args, **kwargs)
        except (UnreadableFile, MappingError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper


@import_group.command("neighbourhoods")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code-field", required=True, help="Column with each area's unique code (e.g. lsoa21cd).")
@click.option("--name-field", required=True, help="Column with each area's name.")
@click.option("--population-field", help="Column with the population.")
@click.option("--need-field", help="Column with the need score (higher = more need, e.g. an IMD score).")
@common_options
@click.pass_context
@_errors
def neighbourhoods_cmd(ctx, file, code_field, name_field, population_field, need_field, dry_run, rejects):
    """Import neighbourhood polygons; re-importing updates them by code and re-derives assets' neighbourhoods."""
    from .neighbourhoods import import_neighbourhoods
    run_import(ctx, file, rejects, lambda conn, progress: import_neighbourhoods(
        conn, file, code_field=code_field, name_field=name_field, population_field=population_field,
        need_field=need_field, dry_run=dry_run, progress=progress))


@import_group.command("assets")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON or TOML file mapping columns, categories and defaults.")
@click.option("--offers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A second file of capacity offers keyed by source_ref.")
@click.option("--source", help="Label that identifies this data set on re-import (default: the file's name).")
@click.option("--pending", is_flag=True, help="Import as pending (for moderation) rather than published.")
@common_options
@click.pass_context
@_errors
def assets_cmd(ctx, file, mapping, offers, source, pending, dry_run, rejects):
    """Import community assets; re-importing the same source updates them in place."""
    from .asset_files import import_assets, load_mapping
    loaded = load_mapping(mapping)
    run_import(ctx, file, rejects, lambda conn, progress: import_assets(
        conn, file, source=source, mapping=loaded, offers_path=offers, pending=pending, dry_run=dry_run,
        progress=progress))


@import_group.command("services")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--catchments", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A polygon file of catchments keyed by source_ref.")
@click.option("--source", help="Label that identifies this data set on re-import (default: the file's name).")
@common_options
@click.pass_context
@_errors
def services_cmd(ctx, file, catchments, source, dry_run, rejects):
    """Import public services, one per row with its site and catchment; re-importing updates them."""
    from .service_files import import_services
    run_import(ctx, file, rejects, lambda conn, progress: import_services(
        conn, file, source=source, catchments_path=catchments, dry_run=dry_run, progress=progress))
