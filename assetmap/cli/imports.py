"""`assetmap import …`: every importer from the command line, with a progress bar, a summary and a rejects file.

The importers themselves live in `assetmap.ingest` (and `assetmap.hsds`) and are the ones the planners' upload page
runs; each command here parses its options, hands the importer the settings it was started with, and reports.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import click
import pyogrio

from ..config import Settings
from ..db.connect import connect
from ..errors import AssetMapError
from ..hsds.read import read_package
from ..ingest.asset_files import MappingError, import_assets, load_mapping
from ..ingest.gazetteer import FORMATS as GAZETTEER_FORMATS
from ..ingest.gazetteer import import_gazetteer
from ..ingest.hsds import load_hsds
from ..ingest.needs import import_needs
from ..ingest.neighbourhoods import import_neighbourhoods
from ..ingest.openactive import load_openactive, read_feed
from ..ingest.osm import load_osm, read_osm
from ..ingest.read import UnreadableFile
from ..ingest.report import ImportReport, default_rejects_path
from ..ingest.service_files import import_services

# What a bad input file raises; each becomes a one-line message naming the file, not a traceback.
FILE_ERRORS = (UnreadableFile, MappingError, AssetMapError, ValueError, OSError, ET.ParseError)

Work = Callable[..., ImportReport]   # work(conn, progress) → the report


@click.group("import")
def import_group() -> None:
    """Import neighbourhoods, assets, services, capacity needs, postcodes, Open Referral, OSM and OpenActive data."""


def _options(fn):
    """--dry-run and --rejects, shared by every import command; bad files as one-line errors."""
    fn = click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
                      help="Where to write rejected rows (default: FILE.rejects.csv beside the input).")(fn)
    fn = click.option("--dry-run", is_flag=True, help="Check and count everything, then write nothing.")(fn)
    fn = click.option("--no-row-limit", is_flag=True,
                      help="Import however many rows the file holds (beyond ASSETMAP_MAX_IMPORT_ROWS).")(fn)

    @functools.wraps(fn)
    def wrapper(*args, no_row_limit: bool = False, **kwargs):
        if no_row_limit:   # the commands take the settings from the context (pass_obj), so lift it there
            ctx = click.get_current_context()
            ctx.obj = dataclasses.replace(ctx.obj, max_import_rows=0)
        try:
            return fn(*args, **kwargs)
        except FILE_ERRORS as exc:
            where = kwargs.get("file") or kwargs.get("path")
            message = str(exc) if where is None or where.name in str(exc) else f"{where}: {exc}"
            raise click.ClickException(message) from None
    return wrapper


def _run(settings: Settings, path: Path, rejects: Path | None, work: Work, total: int | None) -> ImportReport:
    """Open the database, run work(conn, progress) under a progress bar of `total` rows, report, write rejects."""
    with connect(settings) as conn:
        if total is None:   # click's bar needs a length; without one, say what is happening and carry on
            click.echo(f"importing {path.name} …", err=True)
            report = work(conn, None)
        else:
            with click.progressbar(length=max(total, 1), label=f"importing {path.name}", file=sys.stderr) as bar:
                report = work(conn, bar.update)
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"  note: {note}")
    written = report.write_rejects(rejects or default_rejects_path(path))
    if written:
        click.echo(f"  {len(report.rejected)} rejected rows, with reasons, written to {written}")
    return report


def count_rows(path: Path) -> int | None:
    """Rows in the file, for the bar's length; None when counting would mean reading it twice."""
    if path.suffix.lower() in (".csv", ".txt"):
        with open(path, "rb") as f:
            return max(sum(1 for _ in f) - 1, 0)
    try:
        return pyogrio.read_info(path)["features"]
    except Exception:   # xlsx, folders and anything GDAL cannot count
        return None


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_group.command("neighbourhoods")
@click.argument("file", type=_FILE)
@click.option("--code-field", required=True, help="Column with each area's unique code (e.g. lsoa21cd).")
@click.option("--name-field", required=True, help="Column with each area's name.")
@click.option("--population-field", help="Column with the population.")
@click.option("--need-field", help="Column with the need score (higher = more need, e.g. an IMD score).")
@_options
@click.pass_obj
def neighbourhoods_cmd(settings, file, code_field, name_field, population_field, need_field, dry_run, rejects):
    """Import neighbourhood polygons; re-importing updates them by code and re-derives assets' neighbourhoods."""
    _run(settings, file, rejects, lambda conn, progress: import_neighbourhoods(
        conn, file, code_field=code_field, name_field=name_field, population_field=population_field,
        need_field=need_field, dry_run=dry_run, progress=progress), count_rows(file))


@import_group.command("assets")
@click.argument("file", type=_FILE)
@click.option("--mapping", type=_FILE, help="JSON or TOML file mapping columns, categories and defaults.")
@click.option("--offers", type=_FILE, help="A second file of capacity offers keyed by source_ref.")
@click.option("--source", help="Label that identifies this data set on re-import (default: the file's name).")
@click.option("--pending", is_flag=True, help="Import as pending (for moderation) rather than published.")
@_options
@click.pass_obj
def assets_cmd(settings, file, mapping, offers, source, pending, dry_run, rejects):
    """Import community assets; re-importing the same source updates them in place."""
    loaded = load_mapping(mapping)
    _run(settings, file, rejects, lambda conn, progress: import_assets(
        conn, file, source=source, mapping=loaded, offers_path=offers, pending=pending, dry_run=dry_run,
        progress=progress, settings=settings), count_rows(file))


@import_group.command("services")
@click.argument("file", type=_FILE)
@click.option("--catchments", type=_FILE, help="A polygon file of catchments keyed by source_ref.")
@click.option("--source", help="Label that identifies this data set on re-import (default: the file's name).")
@_options
@click.pass_obj
def services_cmd(settings, file, catchments, source, dry_run, rejects):
    """Import public services, one per row with its site and catchment; re-importing updates them."""
    _run(settings, file, rejects, lambda conn, progress: import_services(
        conn, file, source=source, catchments_path=catchments, dry_run=dry_run, progress=progress,
        settings=settings), count_rows(file))


@import_group.command("needs")
@click.argument("file", type=_FILE)
@click.option("--source", help="Label that identifies this data set on re-import (default: the file's name).")
@_options
@click.pass_obj
def needs_cmd(settings, file, source, dry_run, rejects):
    """Import capacity needs, one per row with its place; re-importing the same source updates them."""
    _run(settings, file, rejects, lambda conn, progress: import_needs(
        conn, file, source=source, dry_run=dry_run, progress=progress, settings=settings), count_rows(file))


@import_group.command("gazetteer")
@click.argument("file", type=_FILE)
@click.option("--format", "fmt", type=click.Choice(GAZETTEER_FORMATS), required=True, help="Layout of the file.")
@_options
@click.pass_obj
def gazetteer_cmd(settings, file, fmt, dry_run, rejects):
    """Import postcode centroids into the gazetteer (OS Code-Point Open, ONS Postcode Directory, or a plain CSV)."""
    _run(settings, file, rejects, lambda conn, progress: import_gazetteer(
        conn, file, fmt=fmt, dry_run=dry_run, progress=progress), count_rows(file))


@import_group.command("hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_options
@click.pass_obj
def hsds_cmd(settings, path, dry_run, rejects):
    """Import Open Referral UK services and their spare capacity: an API JSON file, a folder, or a CSV package."""
    rows = read_package(path)
    _run(settings, path, rejects, lambda conn, progress: load_hsds(
        conn, rows, dry_run=dry_run, progress=progress, settings=settings), len(rows.services) + len(rows.assets))


@import_group.command("osm")
@click.argument("file", type=_FILE)
@_options
@click.pass_obj
def osm_cmd(settings, file, dry_run, rejects):
    """Import community amenities from an OpenStreetMap extract (Overpass JSON, OSM XML or GeoJSON)."""
    rows, report = read_osm(file)
    _run(settings, file, rejects, lambda conn, progress: load_osm(
        conn, rows, report, dry_run=dry_run, progress=progress, settings=settings), len(rows))


@import_group.command("openactive")
@click.argument("file", type=_FILE)
@_options
@click.pass_obj
def openactive_cmd(settings, file, dry_run, rejects):
    """Import OpenActive sessions' places left as offers: an RPDE feed page, a list of pages, or a list of items."""
    items, report = read_feed(file)
    _run(settings, file, rejects, lambda conn, progress: load_openactive(
        conn, items, report, dry_run=dry_run, progress=progress, settings=settings), len(items))
