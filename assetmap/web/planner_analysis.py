"""Planners' analysis pages, /planner/overlaps, /planner/spend and /planner/capacity: a folium map beside a table.

The pages carry no analysis data: their script fetches each layer and table from /planner/analysis/<table>.<ext>,
the same tables as /api/v1/analysis (same function, same filters) for a signed-in planner's session, and the
pages' download links point there too.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..analysis.run import TABLES
from ..errors import NotFound
from .analysis_api import respond
from .auth import staff_required

bp = Blueprint("planner_analysis", __name__, url_prefix="/planner", template_folder="templates")


@bp.get("/analysis/<name>.<any(csv, geojson):ext>", endpoint="table")
@staff_required("planner", "admin")
def table(name: str, ext: str):
    """One analysis table as CSV or GeoJSON for the pages' layers and downloads; `?download=1` names a file."""
    if name not in TABLES:
        raise NotFound(f"no analysis table {name!r}; there are {', '.join(TABLES)}")
    return respond(name, ext, download=request.args.get("download") == "1")
