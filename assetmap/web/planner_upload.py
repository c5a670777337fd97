"""Planners' upload page: the same importers as `assetmap import`, with the same report, from a browser.

Assets without a mapping file go on to the column-matching step (`planner_matching.py`, a blueprint nested in this
one); with a mapping file, and every other kind, the file is handed to an import job at once (`planner_jobs.py`):
the jobs worker imports it as the command line would, and the job's page shows the report."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import PurePath

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..ingest.asset_files import load_mapping
from ..jobs import files as job_files
from . import planner_matching, uploads
from .auth import staff_required
from .planner_jobs import enqueue_import

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
KIND_NAMES = {"assets": "Community assets", "neighbourhoods": "Neighbourhoods", "services": "Public services",
              "needs": "Capacity needs", "gazetteer": "Postcodes", "hsds": "Open Referral services",
              "osm": "OpenStreetMap places", "openactive": "OpenActive sessions"}
GAZETTEER_FORMATS = ("codepoint", "onspd", "csv")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # reports quote rows, which may hold contact details
    return response


@bp.get("", endpoint="form")
@staff_required("planner", "admin")
def form():
    return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values={})


@bp.post("", endpoint="run")
@staff_required("planner", "admin")
def run():
    """Keep the upload for the matching step, or hand it to an import job and go to the job's page."""
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
                               errors=errors), 400

    mapping = request.files.get("mapping")
    if kind == "assets" and not (mapping and mapping.filename):
        try:
            kept = uploads.keep(upload, current_user.id)
        except zipfile.BadZipFile as exc:
            return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                                   errors={"file": f"not a zip file we can open: {exc}"}), 400
        return redirect(url_for(".matching.match", upload_id=kept.id, pending=values.get("pending")))
    folder = job_files.new(current_app.config["ASSETMAP"])
    name = uploads.original_name(upload)
    try:
        path = uploads.save(upload, folder / "file")
        arguments = _arguments(kind, values, source=PurePath(name).stem)
        if kind == "assets":   # read now, so a mistake in it is said on this page with the choices kept
            arguments["mapping"] = load_mapping(uploads.save(mapping, folder / "mapping"))
    except (ValueError, zipfile.BadZipFile) as exc:   # an unreadable file or mapping: say so, keep the choices
        shutil.rmtree(folder, ignore_errors=True)
        return render_template("planner_upload.html", kinds=KINDS, formats=GAZETTEER_FORMATS, values=values,
                               errors={"file": str(exc)}), 400
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    arguments |= {"folder": folder.name, "path": str(path.relative_to(folder))}
    return enqueue_import(kind, arguments, f"{KIND_NAMES[kind]} from {name}")


def _arguments(kind: str, values: dict, source: str) -> dict:
    """What the import job needs of the form: the importer's options, as the command line takes them.

    `source` is the file's own name without its extension, as the command line labels it: the name saved on disk
    is made safe (spaces become underscores), and re-imports from either must update the same rows."""
    arguments = {"dry_run": values.get("dry_run") == "on", "source": source}
    if kind == "assets":
        arguments["pending"] = values.get("pending") == "on"
    elif kind == "neighbourhoods":
        arguments |= {"code_field": values["code_field"], "name_field": values["name_field"],
                      "population_field": values.get("population_field") or None,
                      "need_field": values.get("need_field") or None}
    elif kind == "gazetteer":
        arguments["format"] = values["format"]
    return arguments


@bp.get("/rejects/<rejects_id>.csv", endpoint="rejects")
@staff_required("planner", "admin")
def rejects(rejects_id: str):
    path = uploads.rejects_path(rejects_id)
    if path is None:
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv")
