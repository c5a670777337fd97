"""Planners' pages: the moderation queue, approve/reject one or many, merge duplicates."""

from __future__ import annotations

import math

import folium
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import AssetMapError, InvalidParameter
from ..maps.base import base_map
from ..maps.offline import MapParts, page_parts
from ..model import moderation
from ..validate import parse_int
from .auth import staff_required
from .db import get_conn
from .vendor import vendor_url

bp = Blueprint("planner", __name__, url_prefix="/planner", template_folder="templates")

PAGE_SIZE = 50


@bp.after_request
def _no_store(response):
    # These pages show exact locations of homes and private contact details: keep them out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/moderation", endpoint="moderation")
@staff_required("planner", "admin")
def moderation_queue():
    """Pending entries, oldest first, with their offers, near-duplicates and the decisions to take."""
    conn = get_conn()
    page = parse_int(request.args.get("page"), "page", 1, 1, 10**6)
    total = moderation.pending_count(conn)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    items = moderation.queue(conn, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not items and page > 1:   # the last page was emptied by decisions: show what is left
        return redirect(url_for("planner.moderation", page=pages if pages > 1 else None))
    first = (page - 1) * PAGE_SIZE + 1
    return render_template("planner_moderation.html", items=items, total=total, page=page, pages=pages,
                           first=first, the_map=_queue_map(items, first) if items else None)


def _queue_map(items: list[moderation.QueuedAsset], first: int) -> MapParts:
    """One map with every entry of the page, numbered as in the list; no user text goes into it."""
    settings = current_app.config["ASSETMAP"]
    lats, lons = [i.lat for i in items], [i.lon for i in items]
    m = base_map((min(lons), min(lats), max(lons), max(lats)), tiles=settings.tiles,
                 tiles_attribution=settings.tiles_attribution, max_fit_zoom=17)
    for n, item in enumerate(items, start=first):
        # Only the entry's number reaches the map: folium does not escape tooltip text (and its popups need
        # jQuery, which we do not serve).
        folium.CircleMarker([item.lat, item.lon], radius=8, weight=2, fill=True, fill_opacity=0.7,
                            tooltip=folium.Tooltip(str(n), permanent=True, direction="top")).add_to(m)
    return page_parts(m, vendor_url)


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise InvalidParameter("asset_id", "must be a whole number") from None


def _back():
    page = request.form.get("page", "")
    return redirect(url_for("planner.moderation", page=int(page) if page.isdigit() and int(page) > 1 else None))


@bp.post("/moderation/decide")
@staff_required("planner", "admin")
def decide():
    """Approve or reject the entries ticked (or the one whose button was pressed); all or none."""
    form = request.form
    action = form.get("action", "")
    try:
        ids = _ids(form.getlist("asset_id"))
        versions = {i: int(form[f"version_{i}"]) for i in ids if form.get(f"version_{i}", "").isdigit()}
        done = moderation.moderate(get_conn(), ids, action, form.get("reason"), current_user,
                                   expected_versions=versions)
    except AssetMapError as exc:
        flash(_message(exc), "error")
        return _back()
    verb = "Published" if action == "approve" else "Rejected"
    flash(f"{verb} {len(done)} {'entry' if len(done) == 1 else 'entries'}.", "success")
    return _back()


@bp.post("/moderation/merge")
@staff_required("planner", "admin")
def merge():
    """Merge a queued entry into an existing one it duplicates."""
    try:
        keep_id, merge_id = _ids([request.form.get("keep_id", ""), request.form.get("merge_id", "")])
        result = moderation.merge(get_conn(), keep_id, merge_id, current_user)
    except AssetMapError as exc:
        flash(_message(exc), "error")
        return _back()
    detail = f"{result.offers_moved} offer{'s' if result.offers_moved != 1 else ''} moved"
    if result.fields_filled:
        detail += "; filled in " + ", ".join(f.replace("_", " ") for f in result.fields_filled)
    flash(f"Merged “{result.merge_name}” (entry {merge_id}) into “{result.keep_name}” (entry {keep_id}): "
          f"{detail}.", "success")
    return _back()


def _message(exc: AssetMapError) -> str:
    if isinstance(exc, InvalidParameter):
        return exc.message[:1].upper() + exc.message[1:] + "."
    return str(exc)
