"""Planners' upload page: the same importers as `assetmap import`, with the same report, from a browser."""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from werkzeug.utils import secure_filename

from ..errors import InvalidParameter
from ..ingest.asset_files import import_assets
from ..ingest.gazetteer import import_gazetteer
from ..ingest.hsds import import_hsds
from ..ingest.neighbourhoods import import_neighbourhoods
from ..ingest.osm import import_osm
from ..ingest.report import ImportReport
from ..ingest.service_files import import_services
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_upload", __name__, url_prefix="/planner/data/import", template_folder="templates")

KINDS = {
    "assets": "Community assets (CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile)",
    "neighbourhoods": "Neighbourhood boundaries (GeoJSON, GeoPackage, zipped Shapefile)",
    "services": "Public services (CSV, XLSX, GeoJSON, GeoPackage)",
    "gazetteer": "Postcode centroids (Code-Point Open, ONS Postcode Directory, or postcode,lat,lon CSV)",
    "hsds": "Open Referral UK / HSDS (API JSON, or a zipped CSV data package)",
    "osm": "OpenStreetMap extract (Overpass JSON, OSM XML, GeoJSON)",
}
GAZETTEER_FORMATS = ("codepoint", "onspd", "csv")
REJECTS_KEPT_SECONDS = 24 * 3600
SHOWN_REJECTS = 200
_REJECTS_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _uploads() -> Path:
    folder = current_app.config["ASSETMAP"].home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # reports quote rows, which may hold contact details
    return response


@bp.get("", endpoint="form")
@staff_required("planner", "admin")
def form():
    return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values={}, report=None)


@bp.post("", endpoint="run")
@staff_required("planner", "admin")
def run():
    """Save the upload to a private temporary folder, run the importer, show its report."""
    values = request.form.to_dict()
    kind = values.get("kind")
    upload = request.files.get("file")
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "Choose what the file holds."
    if upload is None or not upload.filename:
        errors["file"] = "Choose a file to upload."
    if kind == "neighbourhoods" and not (values.get("code_field") and values.get("name_field")):
        errors["fields"] = "Say which columns hold the neighbourhood code and name."
    if kind == "gazetteer" and values.get("format") not in GAZETTEER_FORMATS:
        errors["format"] = "Choose the file's layout."
    if errors:
        return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                               report=None, errors=errors), 400

    workdir = Path(tempfile.mkdtemp(prefix="assetmap-upload-"))
    try:
        path = _save(upload, workdir)
        mapping = request.files.get("mapping")
        mapping_path = _save(mapping, workdir / "mapping") if mapping and mapping.filename else None
        report = _import(kind, path, values, mapping_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rejects_id = _keep_rejects(report)
    return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                           report=report, shown=report.rejected[:SHOWN_REJECTS], rejects_id=rejects_id)


def _save(upload, folder: Path) -> Path:
    """The uploaded file on disk under a safe name; a zip is unpacked and its main file returned."""
    folder.mkdir(parents=True, exist_ok=True)
    name = secure_filename(upload.filename) or "upload"
    path = folder / name
    upload.save(path)
    if path.suffix.lower() != ".zip":
        return path
    unpacked = folder / (path.stem + "_files")
    with zipfile.ZipFile(path) as zf:
        for member in zf.infolist():
            target = (unpacked / member.filename).resolve()
            if not target.is_relative_to(unpacked.resolve()):   # a "../" member must not escape the folder
                raise InvalidParameter("file", "the zip file holds a path outside itself")
        zf.extractall(unpacked)
    shapefiles = sorted(unpacked.rglob("*.shp"))
    if shapefiles:
        return shapefiles[0]
    packages = sorted(unpacked.rglob("datapackage.json"))
    return packages[0].parent if packages else unpacked


def _import(kind: str, path: Path, values: dict, mapping_path: Path | None) -> ImportReport:
    """Run the importer the command line runs, with the app's own settings (and so its geocoder)."""
    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    dry_run = values.get("dry_run") == "on"
    if kind == "assets":
        return import_assets(conn, path, mapping=mapping_path, pending=values.get("pending") == "on",
                             dry_run=dry_run, settings=settings)
    if kind == "neighbourhoods":
        return import_neighbourhoods(conn, path, code_field=values["code_field"], name_field=values["name_field"],
                                     population_field=values.get("population_field") or None,
                                     need_field=values.get("need_field") or None, dry_run=dry_run)
    if kind == "services":
        return import_services(conn, path, dry_run=dry_run, settings=settings)
    if kind == "gazetteer":
        return import_gazetteer(conn, path, fmt=values["format"], dry_run=dry_run)
    if kind == "hsds":
        return import_hsds(conn, path, dry_run=dry_run, settings=settings)
    return import_osm(conn, path, dry_run=dry_run, settings=settings)


def _keep_rejects(report: ImportReport) -> str | None:
    """Write the rejects CSV where the report page can link to it for a day; None when nothing was rejected."""
    folder = _uploads()
    now = time.time()
    for old in folder.glob("*.rejects.csv"):
        if now - old.stat().st_mtime > REJECTS_KEPT_SECONDS:
            old.unlink(missing_ok=True)
    if not report.rejected:
        return None
    rejects_id = secrets.token_urlsafe(18)
    report.write_rejects(folder / f"{rejects_id}.rejects.csv")
    return rejects_id


@bp.get("/rejects/<rejects_id>.csv", endpoint="rejects")
@staff_required("planner", "admin")
def rejects(rejects_id: str):
    if not _REJECTS_ID.match(rejects_id):
        abort(404)
    path = _uploads() / f"{rejects_id}.rejects.csv"
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv")
