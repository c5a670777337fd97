"""Planners' upload page: the same importers as `assetmap import`, with the same report, from a browser.

Assets without a mapping file go on to the column-matching step (`planner_matching.py`, a blueprint nested in this
one); with a mapping file, and every other kind, the file is imported at once, as the command line would."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePath

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..ingest.asset_files import import_assets
from ..ingest.gazetteer import import_gazetteer
from ..ingest.hsds import import_hsds
from ..ingest.needs import import_needs
from ..ingest.neighbourhoods import import_neighbourhoods
from ..ingest.openactive import import_openactive
from ..ingest.osm import import_osm
from ..ingest.report import ImportReport
from ..ingest.service_files import import_services
from . import planner_matching, uploads
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_upload", __name__, url_prefix="/planner/data/import", template_folder="templates")
bp.register_blueprint(planner_matching.bp)

KINDS = {
    "assets": "Community assets (CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile)",
    "neighbourhoods": "Neighbourhood boundaries (GeoJSON, GeoPackage, zipped Shapefile)",
    "services": "Public services (CSV, XLSX, GeoJSON, GeoPackage)",
    "needs": "Capacity needs: what groups and neighbourhoods are looking for (CSV, XLSX, GeoJSON)",
    "gazetteer": "Postcode centroids (Code-Point Open, ONS Postcode Directory, or postcode,lat,lon CSV)",
    "hsds": "Open Referral UK / HSDS (API JSON, or a zipped CSV data package)",
    "osm": "OpenStreetMap extract (Overpass JSON, OSM XML, GeoJSON)",
    "openactive": "OpenActive sessions with places left (an RPDE feed page or list of pages, JSON)",
}
GAZETTEER_FORMATS = ("codepoint", "onspd", "csv")
SHOWN_REJECTS = planner_matching.SHOWN_REJECTS


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

    mapping = request.files.get("mapping")
    if kind == "assets" and not (mapping and mapping.filename):
        try:
            kept = uploads.keep(upload, current_user.id)
        except zipfile.BadZipFile as exc:
            return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                                   report=None, errors={"file": f"not a zip file we can open: {exc}"}), 400
        return redirect(url_for(".matching.match", upload_id=kept.id, pending=values.get("pending")))
    workdir = Path(tempfile.mkdtemp(prefix="assetmap-upload-"))
    try:
        path = uploads.save(upload, workdir)
        mapping_path = uploads.save(mapping, workdir / "mapping") if mapping and mapping.filename else None
        report = _import(kind, path, values, mapping_path, source=PurePath(uploads.original_name(upload)).stem)
    except (ValueError, zipfile.BadZipFile) as exc:   # an unreadable file or mapping: say so, keep the choices
        return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                               report=None, errors={"file": str(exc)}), 400
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rejects_id = uploads.keep_rejects(report)
    return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                           report=report, shown=report.rejected[:SHOWN_REJECTS], rejects_id=rejects_id)


def _import(kind: str, path: Path, values: dict, mapping_path: Path | None, source: str) -> ImportReport:
    """Run the importer the command line runs, with the app's own settings (and so its geocoder).

    `source` is the file's own name without its extension, as the command line labels it: the name saved on disk
    is made safe (spaces become underscores), and re-imports from either must update the same rows."""
    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    dry_run = values.get("dry_run") == "on"
    if kind == "assets":
        return import_assets(conn, path, source=source, mapping=mapping_path, pending=values.get("pending") == "on",
                             dry_run=dry_run, settings=settings)
    if kind == "neighbourhoods":
        return import_neighbourhoods(conn, path, code_field=values["code_field"], name_field=values["name_field"],
                                     population_field=values.get("population_field") or None,
                                     need_field=values.get("need_field") or None, dry_run=dry_run)
    if kind == "services":
        return import_services(conn, path, source=source, dry_run=dry_run, settings=settings)
    if kind == "needs":
        return import_needs(conn, path, source=source, dry_run=dry_run, settings=settings)
    if kind == "gazetteer":
        return import_gazetteer(conn, path, fmt=values["format"], dry_run=dry_run)
    if kind == "hsds":
        return import_hsds(conn, path, dry_run=dry_run, settings=settings)
    if kind == "openactive":
        return import_openactive(conn, path, dry_run=dry_run, settings=settings)
    return import_osm(conn, path, dry_run=dry_run, settings=settings)


@bp.get("/rejects/<rejects_id>.csv", endpoint="rejects")
@staff_required("planner", "admin")
def rejects(rejects_id: str):
    path = uploads.rejects_path(rejects_id)
    if path is None:
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv")
