"""Finding spare capacity: the phone-first page /capacity and GET /api/v1/capacity, one set of parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import availability, schedules
from ..errors import InvalidParameter
from ..maps.base import base_map
from ..maps.offline import MapParts, page_parts
from ..model import capacity_search, listing
from ..model.capacity_search import Found, Search
from ..validate import parse_codes, parse_int
from . import terms
from .db import get_conn
from .vendor import vendor_url

bp = Blueprint("capacity", __name__, template_folder="templates")

PARAMS = {"kind", "when", "near", "within_m", "min_quantity", "unit", "cost", "audience", "limit"}
DISTANCES = (500, 1000, 2000, 5000, 10000, 25000)
DAYS = (("Mo", "Monday"), ("Tu", "Tuesday"), ("We", "Wednesday"), ("Th", "Thursday"), ("Fr", "Friday"),
        ("Sa", "Saturday"), ("Su", "Sunday"))
TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(6, 24) for m in (0, 30)) + ("24:00",)


def _number(raw: str | None, param: str, low: float, high: float) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(param, f"expected a number, got {raw[:40]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidParameter(param, f"must be a number between {low:g} and {high:g}")
    return value


def _codes(args: MultiDict, param: str, vocabulary: str) -> list[str] | None:
    return parse_codes(",".join(args.getlist(param)) or None, param, {t.code for t in terms.terms(vocabulary)})


def parse_search(args: MultiDict, *, max_limit: int = 500, default_limit: int = 50) -> Search:
    """The search the parameters describe; InvalidParameter naming the first one that is wrong."""
    unknown = sorted(set(args) - PARAMS)
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; known: {', '.join(sorted(PARAMS))}")
    units = _codes(args, "unit", "units")
    if units and len(units) > 1:
        raise InvalidParameter("unit", "give one unit")
    audience = args.get("audience", "").strip()
    if len(audience) > 100:
        raise InvalidParameter("audience", "must be at most 100 characters")
    return Search(
        kinds=_codes(args, "kind", "capacity_kinds"),
        when=availability.parse_when(args.get("when")),
        near=capacity_search.resolve_near(get_conn(), args.get("near")),
        within_m=_number(args.get("within_m"), "within_m", 1, capacity_search.MAX_WITHIN_M)
        or capacity_search.DEFAULT_WITHIN_M,
        min_quantity=_number(args.get("min_quantity"), "min_quantity", 0, 100_000),
        unit=units[0] if units else None,
        costs=_codes(args, "cost", "costs"),
        audience=audience or None,
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, max_limit),
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def feature(f: Found) -> dict:
    """One offer found, as the API's GeoJSON Feature."""
    return {"type": "Feature", "id": f.offer_id,
            "geometry": {"type": "Point", "coordinates": [round(f.lon, 7), round(f.lat, 7)]},
            "properties": {
                "offer_id": f.offer_id, "asset_id": str(f.public_id), "asset_name": f.asset_name,
                "asset_url": url_for("public.asset_page", public_id=f.public_id),
                "request_url": url_for("exchange.request_form", offer_id=f.offer_id),
                "kind": f.kind, "kind_label": f.kind_label, "quantity": f.quantity, "unit": f.unit,
                "schedule": f.schedule, "schedule_text": f.schedule_text, "cost": f.cost,
                "cost_label": f.cost_label, "audience": f.audience, "description": f.description,
                "organisation": f.organisation, "neighbourhood": f.neighbourhood_code,
                "neighbourhood_name": f.neighbourhood_name,
                "distance_m": None if f.distance_m is None else round(f.distance_m),
                "next_free": _iso(f.next_free), "last_confirmed_at": _iso(f.last_confirmed_at),
                "unconfirmed": f.unconfirmed}}


def _results_map(results, query: Search, settings) -> PageMap:
    """A base map round the results (and the place asked about); static/js/capacity-search.js adds the markers
    from the list, so the page carries each result once."""
    lons = [f.lon for f in results.found] + ([query.near.lon] if query.near else [])
    lats = [f.lat for f in results.found] + ([query.near.lat] if query.near else [])
    the_map = base_map((min(lons), min(lats), max(lons), max(lats)), tiles=settings.tiles,
                       tiles_attribution=settings.tiles_attribution, max_fit_zoom=16)
    return PageMap(page_parts(the_map, vendor_url), the_map.get_name())


@dataclass(frozen=True)
class PageMap:
    parts: MapParts
    map_name: str


def when_from_form(args: Mapping[str, str]) -> str:
    """The page's day and time pickers as a "when" ("Tu 18:00-21:00", "now", or '' for any time)."""
    day, start, end = args.get("day", ""), args.get("from", ""), args.get("to", "")
    if day == "now":
        return "now"
    if day in dict(DAYS):
        return f"{day} {start or '00:00'}-{end or '24:00'}"
    return ""


@bp.get("/capacity")
def search_page():
    """Spare capacity near a place, free at a time: a form that works without JavaScript, a list, and a map."""
    form = request.args
    settings = current_app.config["ASSETMAP"]
    args = MultiDict({k: v for k, v in form.items() if k in PARAMS - {"when"} and v.strip()})
    when = form.get("when") or when_from_form(form)
    if when:
        args["when"] = when
    asked = bool(form)
    error, results, query = None, None, None
    if asked:
        try:
            query = parse_search(args, max_limit=100)
            # Planners also find what the public sees only as totals, to ask for it on a resident's behalf.
            results = capacity_search.search(get_conn(), query, settings, planner=_is_planner())
        except InvalidParameter as exc:
            error = exc
    api_args = args.to_dict(flat=True) | {"limit": "100"}
    return render_template(
        "capacity.html", form=form, error=error, results=results, query=query, asked=asked,
        the_map=_results_map(results, query, settings) if results and results.found else None,
        kinds=terms.terms("capacity_kinds"), costs=terms.terms("costs"), units=terms.terms("units"),
        days=DAYS, times=TIMES, distances=DISTANCES, neighbourhoods=listing.neighbourhood_names(get_conn()),
        api_url=url_for("api.list_capacity", **api_args) if results is not None else None)


def _is_planner() -> bool:
    return current_user.is_authenticated and current_user.role in ("planner", "admin")


@bp.app_template_filter("moment")
def moment_words(value: datetime | None) -> str:
    """A time as people say it: 'Tuesday 8 December, 6pm'."""
    if value is None:
        return ""
    value = value.astimezone(availability.TIMEZONE)
    return f"{value:%A} {value.day} {value:%B}, {schedules.clock(f'{value:%H:%M}')}"


@bp.app_template_filter("distance")
def distance_words(metres: float | None) -> str:
    if metres is None:
        return ""
    return f"{round(metres / 10) * 10:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"
