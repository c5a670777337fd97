"""/api/v1/analysis: the Total Place and capacity analyses for planners (Bearer token), and the request parsing
the planner pages' downloads share with it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..analysis import filters as analysis_filters
from ..analysis.filters import PARAMETER, Options
from ..analysis.run import BY_SERVICE, TABLES, table
from ..errors import InvalidParameter
from .auth import api_staff_required
from .db import get_read_conn

bp = Blueprint("analysis_api", __name__, url_prefix="/api/v1/analysis")

MEDIA = {"geojson": "application/geo+json", "json": "application/json", "csv": "text/csv; charset=utf-8"}
# route → the tables it serves, chosen by `part` (the first is the default)
PARTS = {"overlaps": ("overlaps", "pooling", "density", "catchments", "overlap_shapes"), "spend": ("spend",),
         "capacity": ("capacity", "links", "matches"),
         "reciprocity": ("reciprocity", "reciprocity_organisations", "flows", "trends")}


def respond(name: str, fmt: str, *, download: bool = False) -> Response:
    """Table `name` for this request's filters (`theme`, `client_group`, `agency_kind`, `kind`, comma lists;
    `from`, `to`, months),
    `services` (ids, comma list: only pairs among them, for the tables in BY_SERVICE) and `geometry=0` to leave
    geometry out, as `fmt`."""
    takes = TABLES[name][1]
    known = {"part", "format", "geometry", "download", *(PARAMETER[f] for f in takes)}
    if name in BY_SERVICE:
        known.add("services")
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; known: {', '.join(sorted(known))}")
    geometry = request.args.get("geometry", "1")
    if geometry not in ("0", "1"):
        raise InvalidParameter("geometry", "give 0 or 1")
    conn = get_read_conn()
    chosen = analysis_filters.check(conn, **{f: request.args.getlist(PARAMETER[f]) for f in takes})
    options = Options.from_settings(current_app.config["ASSETMAP"])
    result = table(conn, name, chosen, options, geometry=geometry == "1" and fmt == "geojson",
                   services=_ids(request.args.getlist("services")))
    response = Response(result.dumps(fmt), mimetype=MEDIA[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = MEDIA["csv"]
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"   # internal figures: never into a shared cache
    return response


def _ids(raw: list[str]) -> tuple[int, ...]:
    ids = analysis_filters.split(raw)
    bad = [i for i in ids if not (i.isascii() and i.isdigit() and len(i) < 19)]
    if bad:
        raise InvalidParameter("services", f"give service ids, whole numbers separated by commas (not {bad[0]!r})")
    return tuple(int(i) for i in ids)


def _serve(route: str) -> Response:
    part = request.args.get("part", PARTS[route][0])
    if part not in PARTS[route]:
        raise InvalidParameter("part", f"give one of {', '.join(PARTS[route])}")
    fmt = request.args.get("format", "geojson")
    if fmt not in MEDIA:
        raise InvalidParameter("format", f"give one of {', '.join(MEDIA)}")
    return respond(part, fmt)


@bp.get("/overlaps")
@api_staff_required("planner", "admin")
def overlaps():
    """Pairs of overlapping catchments, highest pooling score first; `part=pooling|density|catchments`."""
    return _serve("overlaps")


@bp.get("/spend")
@api_staff_required("planner", "admin")
def spend():
    """Spend apportioned to each neighbourhood; `summary` says where every pound of the selected services went."""
    return _serve("spend")


@bp.get("/capacity")
@api_staff_required("planner", "admin")
def capacity():
    """Weekly supply, need and balance per neighbourhood and kind; `part=links|matches`."""
    return _serve("capacity")


@bp.get("/reciprocity")
@api_staff_required("planner", "admin")
def reciprocity():
    """Hours and exchanges given and received per neighbourhood (`summary`: the totals);
    `part=reciprocity_organisations|flows|trends`; `kind`, `from`, `to` (months, YYYY-MM)."""
    return _serve("reciprocity")
