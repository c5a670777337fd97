"""Planners' analysis pages, /planner/overlaps, /planner/spend, /planner/capacity and /planner/reciprocity (the
co-production audit): a folium map beside tables.

The pages carry no analysis data, so they stay small whatever the place: their scripts (static/js/analysis-*.js)
fetch each layer and table from /planner/analysis/<table>.<ext>, the same tables as /api/v1/analysis (same
function, same filters) for a signed-in planner's session, and the pages' download links point there too. Layers
that grow with the data (every catchment, every shared area) come as vector tiles from /tiles/analysis/ instead,
drawn on a canvas (assetmap/maps/vector_tiles.py), with the page's filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for

from ..analysis import filters as analysis_filters
from ..analysis import reciprocity
from ..analysis.capacity import UNIT_WORDS
from ..analysis.run import TABLES
from ..errors import InvalidParameter, NotFound
from ..ingest.services import AGENCY_LABELS
from ..maps.base import base_map
from ..maps.offline import page_parts
from ..maps.vector_tiles import tile_url, vector_layer
from ..model import neighbourhoods
from .analysis_api import respond
from .auth import staff_required
from .db import get_read_conn
from .terms import terms
from .vendor import vendor_url

bp = Blueprint("planner_analysis", __name__, url_prefix="/planner", template_folder="templates")


@dataclass(frozen=True)
class Page:
    heading: str
    tables: tuple[str, ...]               # what the page offers to download
    filters: tuple[str, ...]              # which of the analyses' filters it offers
    layers: dict[str, dict[str, str]]     # what its script fetches: table → query added to the table's URL
    # tile layers (/tiles/analysis/<layer>) folium puts on the map, off until the script shows them: layer → style
    tiles: dict[str, dict] = field(default_factory=dict)


PAGES = {
    "overlaps": Page("Where services overlap", ("pooling", "overlaps", "density", "catchments"),
                     ("themes", "client_groups", "agency_kinds"),
                     {"density": {}, "pooling": {"geometry": "0"}, "overlap_shapes": {}, "catchments": {}},
                     {"analysis_catchments": {"color": "#1d1d1b", "weight": 1, "opacity": 0.6, "fill": False},
                      "overlaps": {"color": "#542788", "weight": 1, "opacity": 0.7, "fill": True,
                                   "fillColor": "#542788", "fillOpacity": 0.2}}),
    "spend": Page("The Total Place count: spend by neighbourhood", ("spend",),
                  ("themes", "client_groups", "agency_kinds"), {"spend": {}}),
    "capacity": Page("Sharing spare capacity", ("capacity", "links", "matches"), ("kinds",),
                     {"capacity": {}, "links": {}, "matches": {}}),
    "reciprocity": Page("Co-production audit: what matters, measured",
                        ("reciprocity", "reciprocity_organisations", "flows", "trends"),
                        ("kinds", "from_month", "to_month"),
                        {"reciprocity": {}, "flows": {}, "trends": {}, "reciprocity_organisations": {}}),
}
# The tile layers a click on the map asks about (the script opens a popup); the others let clicks through.
INTERACTIVE_TILES = ("overlaps",)
LABELS = {"themes": "Theme", "client_groups": "Client group", "agency_kinds": "Kind of agency",
          "kinds": "Kind of capacity", "from_month": "From", "to_month": "To"}


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # internal figures: never into a shared cache
    return response


def _choices(name: str, chosen: analysis_filters.Filters | None = None) -> list[tuple[str, str]]:
    if name in analysis_filters.MONTHS:
        # the months with exchanges, and one typed into the address even if it has none
        months = set(reciprocity.months(get_read_conn())) | set(_chosen(chosen, name) if chosen else ())
        return [(m, _month_words(m)) for m in sorted(months)]
    if name == "agency_kinds":
        return list(AGENCY_LABELS.items())
    return [(t.code, t.label) for t in terms(analysis_filters.VOCABULARY[name])]


def _month_words(month: str) -> str:
    return date(int(month[:4]), int(month[5:]), 1).strftime("%B %Y")


def _words() -> dict[str, dict[str, str]]:
    """Codes in words for the scripts' tables and legends: the same vocabularies the filters offer."""
    return {**{f: dict(_choices(f)) for f in LABELS if f not in analysis_filters.MONTHS}, "units": UNIT_WORDS}


def _page(name: str):
    conn = get_read_conn()
    page = PAGES[name]
    given = {f: request.args.getlist(analysis_filters.PARAMETER[f]) for f in page.filters}
    error, status = None, 200
    try:
        chosen = analysis_filters.check(conn, **given)
    except InvalidParameter as exc:
        error, status = f"That filter cannot be used: {exc.message}.", 400
        chosen = analysis_filters.check(conn)
    args = chosen.query()
    settings = current_app.config["ASSETMAP"]
    the_map = base_map(neighbourhoods.extent(conn), tiles=settings.tiles, tiles_attribution=settings.tiles_attribution)
    tile_layers = {}
    for layer, style in page.tiles.items():
        # each in a pane of its own over the page's shapes, made by analysis-map.js before the layer is shown
        url = tile_url(url_for("tiles.analysis_tile", name=layer, z=0, x=0, y=0, **args))
        interactive, pane = layer in INTERACTIVE_TILES, f"tiles-{layer}"
        drawn = vector_layer(url, layer, style, name=layer, show=False, interactive=interactive, pane=pane)
        tile_layers[layer] = {"layer": drawn.add_to(the_map).get_name(), "pane": pane, "interactive": interactive}
    parts = page_parts(the_map, vendor_url)
    urls = {t: url_for(".table", name=t, ext="geojson", **args, **q) for t, q in page.layers.items()}
    urls["neighbourhoods"] = url_for("api.list_neighbourhoods")
    config = {"page": name, "map": the_map.get_name(), "urls": urls, "words": _words(), "tiles": tile_layers}
    downloads = [(t, url_for(".table", name=t, ext="csv", download=1, **args),
                  url_for(".table", name=t, ext="geojson", download=1, **args)) for t in page.tables]
    filters = [{"name": analysis_filters.PARAMETER[f], "label": LABELS[f], "options": _choices(f, chosen),
                "chosen": _chosen(chosen, f)} for f in page.filters]
    options = analysis_filters.Options.from_settings(settings)
    return render_template(f"planner_{name}.html", page=name, heading=page.heading, parts=parts, config=config,
                           error=error, downloads=downloads, filters=filters, options=options,
                           today=f"{date.today():%-d %B %Y}"), status


def _chosen(chosen: analysis_filters.Filters, name: str) -> tuple[str, ...]:
    value = getattr(chosen, name)
    return (value,) if isinstance(value, str) else value or ()


@bp.get("/overlaps", endpoint="overlaps")
@staff_required("planner", "admin")
def overlaps_page():
    """Services or agencies per neighbourhood, catchments on demand, and the ranked pooling candidates."""
    return _page("overlaps")


@bp.get("/spend", endpoint="spend")
@staff_required("planner", "admin")
def spend_page():
    """Spend per head by neighbourhood, and the clicked one's spend by agency and theme."""
    return _page("spend")


@bp.get("/capacity", endpoint="capacity")
@staff_required("planner", "admin")
def capacity_page():
    """Surplus and deficit per neighbourhood and kind, the suggested links, and the direct matches."""
    return _page("capacity")


@bp.get("/reciprocity", endpoint="reciprocity")
@staff_required("planner", "admin")
def reciprocity_page():
    """The co-production audit: flows of hours between neighbourhoods, by month and organisation; prints."""
    return _page("reciprocity")


@bp.get("/analysis/<name>.<any(csv, geojson):ext>", endpoint="table")
@staff_required("planner", "admin")
def table(name: str, ext: str):
    """One analysis table as CSV or GeoJSON for the pages' layers and downloads; `?download=1` names a file."""
    if name not in TABLES:
        raise NotFound(f"no analysis table {name!r}; there are {', '.join(TABLES)}")
    return respond(name, ext, download=request.args.get("download") == "1")
