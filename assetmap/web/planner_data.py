"""Planners' data page: download every layer as GeoJSON, CSV, GeoPackage or an Open Referral (HSDS) package."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from ..ingest import export
from ..model import audit
from .auth import staff_required
from .db import get_conn, get_read_conn

bp = Blueprint("planner_data", __name__, url_prefix="/planner/data", template_folder="templates")

# URL extension → export format and the download's media type. HSDS is a folder of CSVs, sent zipped.
EXTENSIONS = {
    "geojson": ("geojson", "application/geo+json"),
    "csv": ("csv", "text/csv"),
    "gpkg": ("gpkg", "application/geopackage+sqlite3"),
    "zip": ("hsds", "application/zip"),
}
LAYER_LABELS = {
    "assets": "Community assets",
    "capacity": "Spare capacity offers",
    "services": "Public services and their catchments",
    "neighbourhoods": "Neighbourhoods",
}
FORMAT_LABELS = {"geojson": "GeoJSON", "csv": "CSV", "gpkg": "GeoPackage", "zip": "Open Referral UK (HSDS), zip"}


@bp.after_request
def _no_store(response):
    # Internal exports carry contact details and exact home locations: never into a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _downloads() -> list[dict]:
    """Each layer with the formats it can be had in."""
    return [{"layer": layer, "label": LAYER_LABELS[layer],
             "formats": [(ext, FORMAT_LABELS[ext]) for ext, (fmt, _) in EXTENSIONS.items()
                         if fmt != "hsds" or layer in export.HSDS_LAYERS]}
            for layer in export.LAYERS]


@bp.get("", endpoint="index")
@staff_required("planner", "admin")
def index():
    """The list of downloads, public and internal."""
    return render_template("planner_data.html", downloads=_downloads())


@bp.get("/export/<any(assets, capacity, services, neighbourhoods):layer>.<any(geojson, csv, gpkg, zip):ext>",
        endpoint="download")
@staff_required("planner", "admin")
def download(layer: str, ext: str):
    """One export as a file download; `?internal=1` for the planners' version with private details."""
    fmt, mimetype = EXTENSIONS[ext]
    if fmt == "hsds" and layer not in export.HSDS_LAYERS:
        abort(404, description="An Open Referral package is made of services: download assets or services.")
    internal = request.args.get("internal") == "1"
    workdir = Path(tempfile.mkdtemp(prefix="assetmap-export-"))
    try:
        target = workdir / f"{layer}.{fmt}"
        export.export(get_read_conn(), layer, fmt, target, internal=internal)
        if fmt == "hsds":
            target = Path(shutil.make_archive(str(workdir / layer), "zip", root_dir=target))
        # Opened, then the folder removed: the open file stays readable until send_file closes it, and nothing is
        # left on disk if the client goes away mid-download.
        handle = open(target, "rb")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if internal:
        _audit(get_conn(), layer, fmt)
    name = f"assetmap-{layer}{'-internal' if internal else ''}-{date.today().isoformat()}.{ext}"
    return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name)


def _audit(conn, layer: str, fmt: str) -> None:
    """Who took contact details and exact home locations out of the system, and when."""
    audit.write(conn, actor=audit.staff_actor(current_user), action="export", entity=layer, user_id=current_user.id,
                after={"format": fmt, "internal": True})
