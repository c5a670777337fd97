"""Planners' pages: the moderation queue (filtered, sorted), approve/reject one or many, merge and undo a merge."""

from __future__ import annotations

import math

import folium
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import AssetMapError, InvalidParameter
from ..maps.base import base_map
from ..maps.offline import MapParts, page_parts
from ..model import merges, moderation, queue
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


FILTERS = ("neighbourhood", "category", "source", "older_than_days", "sort")


def _filter(values) -> queue.QueueFilter:
    return queue.QueueFilter(**{k: values.get(k, "").strip() for k in FILTERS if values.get(k, "").strip()})


@bp.get("/moderation", endpoint="moderation")
@staff_required("planner", "admin")
def moderation_queue():
    """Pending entries and changes to published ones, with their offers, near-duplicates, what they change, and
    the decisions to take."""
    conn = get_conn()
    f = _filter(request.args)
    page = parse_int(request.args.get("page"), "page", 1, 1, 10**6)
    total = queue.pending_count(conn, f)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    items = queue.queue(conn, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not items and page > 1:   # the last page was emptied by decisions: show what is left
        return redirect(url_for("planner.moderation", page=pages if pages > 1 else None, **f.args()))
    first = (page - 1) * PAGE_SIZE + 1
    return render_template("planner_moderation.html", items=items, total=total, page=page, pages=pages,
                           first=first, the_map=_queue_map(items, first) if items else None, filter=f,
                           keep={**f.args(), "page": page}, choices=_choices(queue.facets(conn)),
                           sorts=queue.SORTS, all_pending=total if f.is_everything() else queue.pending_count(conn),
                           reasons=moderation.REJECTION_REASONS, past_merges=merges.recent_merges(conn))


def _choices(facets: queue.Facets) -> dict[str, list[tuple[str, str]]]:
    """(value, label) of each filter's options, with how many entries wait under each."""
    return {
        "neighbourhood": [(code, f"{name} ({n})") for code, name, n in facets.neighbourhoods],
        "category": [(code, f"{label} ({n})") for code, label, n in facets.categories],
        "source": [(source, f"{source} ({n})") for source, n in facets.sources],
        "older_than_days": list(queue.AGES.items()),
        "sort": [(code, label) for code, (label, _) in queue.SORTS.items()],
    }


def _queue_map(items: list[queue.QueuedAsset], first: int) -> MapParts:
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
    """To the queue as the planner left it: the same filters, the same page."""
    form = request.form
    args = {k: form[k] for k in FILTERS if form.get(k)}
    page = form.get("page", "")
    if page.isdigit() and int(page) > 1:
        args["page"] = int(page)
    return redirect(url_for("planner.moderation", **args))


@bp.post("/moderation/decide")
@staff_required("planner", "admin")
def decide():
    """Approve or reject the entries ticked (or the one whose button was pressed); all or none."""
    form = request.form
    action = form.get("action", "")
    if not form.getlist("asset_id"):
        flash("Nothing is ticked: tick the entries to approve or reject first.", "error")
        return _back()
    try:
        ids = _ids(form.getlist("asset_id"))
        # What the planner saw: an entry at a version, or a change to a published one at a version of the change.
        versions = {i: int(form[f"version_{i}"]) for i in ids if form.get(f"version_{i}", "").isdigit()}
        changes = {i: int(form[f"change_version_{i}"]) for i in ids
                   if form.get(f"change_version_{i}", "").isdigit()}
        done = moderation.moderate(get_conn(), ids, action, form.get("reason"), current_user,
                                   expected_versions=versions, expected_changes=changes)
    except AssetMapError as exc:
        flash(_message(exc), "error")
        return _back()
    verb = "Published" if action == "approve" else "Rejected"
    links = _public_links(done) if action == "approve" else []
    flash({"text": f"{verb} {len(done)} {'entry' if len(done) == 1 else 'entries'}.", "links": links}, "success")
    return _back()


def _public_links(ids: list[int], most: int = 10) -> list[dict]:
    """Names and public pages of the entries just published, for the message after approving."""
    return [{"name": name, "url": url_for("public.asset_page", public_id=public_id)}
            for name, public_id in moderation.names(get_conn(), ids, most)]


@bp.post("/moderation/merge")
@staff_required("planner", "admin")
def merge():
    """Merge a queued entry into an existing one it duplicates, after a page that asks to confirm."""
    try:
        keep_id, merge_id = _ids([request.form.get("keep_id", ""), request.form.get("merge_id", "")])
        if request.form.get("confirm") != "yes":
            return render_template("planner_merge.html", pair=merges.merge_pair(get_conn(), keep_id, merge_id),
                                   keep=_kept_form())
        result = merges.merge(get_conn(), keep_id, merge_id, current_user)
    except AssetMapError as exc:
        flash(_message(exc), "error")
        return _back()
    detail = f"{result.offers_moved} offer{'s' if result.offers_moved != 1 else ''} moved"
    if result.fields_filled:
        detail += "; filled in " + ", ".join(f.replace("_", " ") for f in result.fields_filled)
    flash(f"Merged “{result.merge_name}” (entry {merge_id}) into “{result.keep_name}” (entry {keep_id}): "
          f"{detail}. You can undo this under “Recent merges”.", "success")
    return _back()


@bp.post("/moderation/unmerge")
@staff_required("planner", "admin")
def unmerge():
    """Undo a merge from the queue's history."""
    try:
        [merge_id] = _ids([request.form.get("merge_id", "")])
        result = merges.unmerge(get_conn(), merge_id, current_user)
    except AssetMapError as exc:
        flash(_message(exc), "error")
        return _back()
    flash(f"Undid the merge of “{result.merge_name}” (entry {merge_id}) into “{result.keep_name}”: "
          f"{result.offers_moved} offer{'s' if result.offers_moved != 1 else ''} moved back.", "success")
    return _back()


def _kept_form() -> dict:
    """The queue's filters and page, carried through the confirmation page."""
    return {k: request.form[k] for k in (*FILTERS, "page") if request.form.get(k)}


def _message(exc: AssetMapError) -> str:
    if isinstance(exc, InvalidParameter):
        return exc.message[:1].upper() + exc.message[1:] + "."
    return str(exc)
