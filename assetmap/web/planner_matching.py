"""The upload page's column-matching step for asset files: match the file's columns, days and categories to ours,
check (a dry run with a map of where the rows land), import (in a job: `planner_jobs.py`), and keep the mapping for
the next upload.

Plain forms throughout (no JavaScript needed): each button posts the whole form, and the page is drawn again from
the file as kept in the private uploads folder. The mapping the form says is the command line's mapping file, so it
can be downloaded and used with `assetmap import assets FILE --mapping M`.
"""

from __future__ import annotations

import json
import shutil

import folium
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import vocab
from ..ingest.asset_files import template_csv
from ..ingest.asset_mapping import MappingError, check_mapping, check_opening_hours, column_targets
from ..ingest.matching import guess_mapping
from ..ingest.preview import Preview, preview_assets
from ..ingest.read import Table, UnreadableFile, read_table
from ..jobs import files as job_files
from ..maps.base import base_map
from ..maps.offline import MapParts, page_parts
from ..model import mappings
from . import uploads
from .auth import staff_required
from .db import get_conn
from .planner_jobs import enqueue_import
from .planner_match_form import Vocab, read_form, view
from .vendor import vendor_url

bp = Blueprint("matching", __name__, template_folder="templates")

SHOWN_REJECTS = 200
ACTIONS = ("check", "import", "mapping")


def _vocab() -> Vocab:
    conn = get_conn()
    return Vocab(vocab.load(conn, "categories"), vocab.load(conn, "capacity_kinds"), vocab.load(conn, "units"))


def _upload(upload_id: str) -> uploads.Upload:
    found = uploads.find(upload_id, current_user.id)
    if found is None:
        abort(404, description="This upload is no longer kept (uploads go after a day, and once imported): "
                               "upload the file again.")
    return found


def _page(upload: uploads.Upload, table: Table | None, mapping: dict | None, *, status: int = 200, **context):
    shown = view(table, mapping, context.setdefault("vocab", _vocab())) if table is not None else None
    return render_template("planner_match.html", upload=upload, view=shown, **context), status


@bp.get("/<upload_id>/match", endpoint="match")
@staff_required("planner", "admin")
def match(upload_id: str):
    """The file's columns beside our fields, filled in from the mapping saved for it, else from guesses."""
    upload = _upload(upload_id)
    try:
        table = read_table(upload.path)
    except UnreadableFile as exc:
        return _page(upload, None, None, status=400, problem=str(exc), values={})
    saved = mappings.find(get_conn(), upload.stem, table.columns)
    mapping = None
    if saved is not None:
        try:
            mapping = check_mapping(saved.mapping)
        except MappingError:   # saved by an older version that allowed something this one does not
            saved = None
    terms = _vocab()
    if mapping is None:
        mapping = guess_mapping(table, terms.categories)
    values = {"source": saved.source if saved else upload.stem, "pending": request.args.get("pending", "")}
    return _page(upload, table, mapping, saved=saved, values=values, vocab=terms)


@bp.post("/<upload_id>/match", endpoint="match_post")
@staff_required("planner", "admin")
def match_post(upload_id: str):
    """Check (dry run and map), import, or download the mapping, as the button pressed says."""
    upload = _upload(upload_id)
    values = request.form.to_dict()
    action = values.get("action")
    try:
        table = read_table(upload.path)
    except UnreadableFile as exc:
        return _page(upload, None, None, status=400, problem=str(exc), values=values)
    terms = _vocab()
    mapping, errors = read_form(request.form, table, terms)
    source = values.get("source", "").strip()
    if not 1 <= len(source) <= 200:
        errors["source"] = "Give the data set a name of 1 to 200 characters: re-imports under it update its rows."
    if action not in ACTIONS:
        errors["action"] = "Press one of the buttons at the end of the form."
    if errors:
        return _page(upload, table, mapping, status=400, errors=errors, values=values, vocab=terms)
    if action == "mapping":
        return _download(mapping, source)

    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    pending = values.get("pending") == "on"
    try:
        if action == "check":
            preview = preview_assets(conn, upload.path, source=source, mapping=mapping, pending=pending,
                                     settings=settings)
            rejects_id = uploads.keep_rejects(preview.report)
            return _page(upload, table, mapping, values=values, vocab=terms, preview=preview,
                         the_map=_preview_map(preview), shown=preview.report.rejected[:SHOWN_REJECTS],
                         rejects_url=rejects_id and url_for("planner_upload.rejects", rejects_id=rejects_id))
        mapping = check_mapping(mapping)   # what the import would refuse, said here rather than on the job's page
        check_opening_hours(table.columns, column_targets(table.columns, mapping), mapping)
    except (MappingError, UnreadableFile) as exc:
        return _page(upload, table, mapping, status=400, errors={"mapping": str(exc)}, values=values, vocab=terms)
    return _enqueue(upload, mapping, source, pending, table.columns)


def _enqueue(upload: uploads.Upload, mapping: dict, source: str, pending: bool, columns: list[str]):
    """Hand the file to an import job, and save the mapping for the next upload, in one transaction."""
    folder = job_files.new(current_app.config["ASSETMAP"])
    path = uploads.move(upload, folder / "upload")
    conn = get_conn()
    try:
        with conn.transaction():
            saved_id = mappings.save(conn, source, columns, mapping, current_user)
            arguments = {"folder": folder.name, "path": str(path.relative_to(folder)), "source": source,
                         "mapping": mapping, "pending": pending, "dry_run": False, "saved_mapping_id": saved_id}
            return enqueue_import("assets", arguments, f"Community assets from {upload.name} as “{source}”", conn)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _download(mapping: dict, source: str) -> Response:
    """The mapping as a file for `--mapping`: sections in their usual order (the database keeps JSON keys its own
    way), empty ones left out."""
    name = (secure_filename(source) or "assets") + ".mapping.json"
    tidy = {k: v for k, v in check_mapping(mapping).items() if v}
    return Response(json.dumps(tidy, indent=2, ensure_ascii=False) + "\n", mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/mappings/<int:mapping_id>.json", endpoint="saved_mapping")
@staff_required("planner", "admin")
def saved_mapping(mapping_id: int):
    """A saved mapping as the command line's mapping file."""
    saved = mappings.get(get_conn(), mapping_id)
    if saved is None:
        abort(404)
    return _download(saved.mapping, saved.source)


@bp.get("/template.csv", endpoint="template")
@staff_required("planner", "admin")
def template():
    """Our columns with one example row: a file in this layout needs no matching."""
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="assetmap-assets-template.csv"'})


def _preview_map(preview: Preview) -> MapParts | None:
    """The first rows as numbered points over the neighbourhoods' outline; no user text goes into the map."""
    placed = [r for r in preview.rows if r.lon is not None]
    if not placed:
        return None
    settings = current_app.config["ASSETMAP"]
    lons, lats = [r.lon for r in placed], [r.lat for r in placed]
    m = base_map((min(lons), min(lats), max(lons), max(lats)), tiles=settings.tiles,
                 tiles_attribution=settings.tiles_attribution, max_fit_zoom=16)
    if preview.outline:
        folium.GeoJson(preview.outline, style_function=lambda _: {"color": "#0b5394", "weight": 2,
                                                                  "fillOpacity": 0.05}).add_to(m)
    outside = set(preview.outside)
    for r in placed:
        colour = "#b00020" if r.row_number in outside or r.problem else "#0b5394"
        # Only the row number reaches the map: folium does not escape tooltip text.
        folium.CircleMarker([r.lat, r.lon], radius=7, color=colour, weight=2, fill=True, fill_opacity=0.7,
                            tooltip=folium.Tooltip(str(r.row_number), permanent=True, direction="top")).add_to(m)
    return page_parts(m, vendor_url)
