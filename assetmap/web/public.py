"""Public pages: the map (/), the accessible list (/assets) and one asset's page, plus our own static files."""

from __future__ import annotations

import itertools
import uuid

from flask import Blueprint, current_app, render_template, request, send_from_directory, url_for

from .. import vocab
from ..config import project_root
from ..errors import InvalidParameter, NotFound
from ..maps import public_map
from ..model import assets, listing, neighbourhoods
from ..validate import parse_codes
from . import capacity, fingerprints, terms
from .db import get_conn
from .vendor import vendor_url

bp = Blueprint("public", __name__, template_folder="templates")

PAGE_SIZE = 50
# Static URLs carry ?v=<content hash> and are cached for a year (see fingerprints); others for an hour.
UNVERSIONED_MAX_AGE = 3600


def static_folder():
    return project_root() / "static"


def static_url(filename: str) -> str:
    """URL of one of our static files, with the hash of its content."""
    return url_for("public.static_file", filename=filename, v=fingerprints.of(static_folder() / filename))


@bp.app_context_processor
def _template_helpers():
    return {"static_url": static_url}


@bp.after_request
def _html_is_not_kept(response):
    # Pages name the current hashes of their scripts and styles: a browser must not keep a page past a deploy.
    if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        response.cache_control.no_cache = True
    return response


@bp.app_template_filter("quantity")
def quantity_in_words(quantity: float | None, unit: str | None) -> str:
    """10, 'hours_per_week' → '10 hours a week'; '' when there is no quantity."""
    return vocab.quantity_in_words(quantity, unit, terms.by_code("units"))


@bp.app_template_filter("cost")
def cost_label(cost: str) -> str:
    term = terms.by_code("costs").get(cost)
    return term.label if term else cost.capitalize()


@bp.app_template_filter("long_date")
def long_date(value) -> str:
    """A date or datetime as '3 March 2026'."""
    return f"{value.day} {value:%B %Y}" if hasattr(value, "day") else str(value)


@bp.get("/")
def map_page():
    """The map of published assets; the markers come from the API, fetched by static/js/public-map.js."""
    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    tiles_url = None
    if assets.published_more_than(conn, settings.map_tiles_above):
        tiles_url = url_for("tiles.tile", name="assets", z=0, x=0, y=0).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    the_map = public_map.build(neighbourhoods.extent(conn), tiles=settings.tiles,
                               tiles_attribution=settings.tiles_attribution, vendor_url=vendor_url,
                               tiles_url=tiles_url)
    return render_template("index.html", the_map=the_map, categories=terms.terms("categories"),
                           groups=terms.terms("category_groups"),
                           capacity_kinds={t.code: t.label for t in terms.terms("capacity_kinds")},
                           units=terms.unit_words(), days=capacity.DAYS, times=capacity.TIMES)


@bp.get("/assets")
def asset_list():
    """Published assets by neighbourhood, filtered by category and neighbourhood, 50 to a page; the pages' links
    carry `after=` or `before=` (keyset paging, model/listing.py)."""
    conn = get_conn()
    categories = terms.terms("categories")
    hoods = listing.neighbourhood_names(conn)
    selected = parse_codes(",".join(request.args.getlist("category")) or None, "category",
                           {c.code for c in categories}) or []
    hood = request.args.get("neighbourhood", "").strip() or None
    if hood is not None and hood not in {h.code for h in hoods}:
        raise InvalidParameter("neighbourhood", "no neighbourhood has this code")
    after, before = request.args.get("after") or None, request.args.get("before") or None
    if after and before:
        raise InvalidParameter("after", "give `after` or `before` (from the page's links), not both")

    result = listing.list_public_assets(conn, categories=selected or None, neighbourhood=hood, limit=PAGE_SIZE,
                                        after=after, before=before)
    # Rows arrive sorted by neighbourhood name: group them in that order.
    groups = [(name, list(items)) for name, items in
              itertools.groupby(result.assets, key=lambda a: a.neighbourhood_name)]

    def page_url(**where: str) -> str:
        return url_for("public.asset_list", category=selected, neighbourhood=hood, **where)

    return render_template(
        "assets_list.html", groups=groups, result=result, categories=categories, neighbourhoods=hoods,
        selected=set(selected), hood=hood, paged=bool(after or before),
        first_url=page_url(),
        prev_url=page_url(before=result.previous) if result.previous else None,
        next_url=page_url(after=result.next) if result.next else None,
        map_url=url_for("public.map_page"))


@bp.get("/assets/<uuid:public_id>")
def asset_page(public_id: uuid.UUID):
    """One published asset and its spare capacity; 404 when unknown or not published."""
    conn = get_conn()
    asset = assets.get_public_asset(conn, public_id)
    if asset is None:
        raise NotFound("We could not find that place. It may have been removed, or not be published yet.")
    colours = {c.code: c.colour for c in terms.terms("categories")}
    return render_template("asset.html", asset=asset, colour=colours.get(asset.category),
                           map_url=url_for("public.map_page", asset=asset.public_id)
                           + f"#17/{asset.lat:.5f}/{asset.lon:.5f}")


@bp.get("/static/<path:filename>")
def static_file(filename: str):
    """Our own CSS, JS and images from <project>/static (the app has no Flask static folder)."""
    return fingerprints.send(static_folder(), filename, request.args.get("v"), UNVERSIONED_MAX_AGE)


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(static_folder(), "favicon.svg", mimetype="image/svg+xml",
                               max_age=UNVERSIONED_MAX_AGE * 24)
