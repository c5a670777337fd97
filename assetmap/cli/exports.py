"""`assetmap export …`: a layer as GeoJSON, CSV, GeoPackage or an Open Referral (HSDS) package."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Settings
from ..db.connect import connect
from ..ingest.export import FORMATS, LAYERS
from ..ingest.export import export as write_export

_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg"}


@click.command("export")
@click.argument("layer", type=click.Choice(LAYERS))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format; by default from the file name (.geojson, .csv, .gpkg; hsds needs --format).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File to write (a folder for --format hsds).")
@click.option("--internal", is_flag=True,
              help="Every status, exact locations of homes and private contact details: for planners only.")
@click.pass_obj
def export(settings: Settings, layer: str, fmt: str | None, output: Path, internal: bool) -> None:
    """Export LAYER (assets, capacity, services, neighbourhoods) as GeoJSON, CSV, GeoPackage or HSDS."""
    fmt = fmt or _SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise click.UsageError(f"cannot tell the format from {output.name!r}: give --format")
    try:
        with connect(settings) as conn:
            rows = write_export(conn, layer, fmt, output, internal=internal)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    kind = "internal (contact details, exact home locations)" if internal else "public"
    what = "services (assets included)" if fmt == "hsds" and layer == "assets" else \
        "services" if fmt == "hsds" else layer
    click.echo(f"wrote {rows} {what} to {output} ({fmt}, {kind})")
