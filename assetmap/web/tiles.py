"""/tiles: vector tiles of the public layers, and a TileJSON document per layer, for our maps, QGIS and MapLibre.

Tiles change when the data do, so they are never cached blind: each carries an ETag and `no-cache`, and a client
that already has a tile gets a 304 without its body.

The analyses' layers (overlaps, spend, the analyses' catchments) are for planners: /tiles/analysis/<layer>/…, for
a signed-in planner's session or an API token (QGIS), with the analyses' filters, and kept out of shared caches.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from .. import tiles
from ..analysis import filters as analysis_filters
from ..errors import InvalidParameter
from ..maps.vector_tiles import tile_url
from ..validate import parse_codes
from . import terms
from .auth import bearer_allowed, staff_required
from .db import get_read_conn

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

MVT = "application/vnd.mapbox-vector-tile"


def _known_only(known: dict) -> dict:
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; this layer takes {', '.join(sorted(known)) or 'none'}")
    return known


def _filters(name: str) -> dict:
    """The layer's filters from the query string, each checked against its vocabulary, by their bound names."""
    known = _known_only(tiles.layer(name).filters)
    found = {}
    for param, vocabulary in known.items():
        if param in request.args:
            codes = {t.code for t in terms.terms(vocabulary)}
            found[tiles.BOUND_AS[param]] = parse_codes(",".join(request.args.getlist(param)), param, codes)
    return found


def _analysis_filters(name: str) -> dict:
    """An analysis layer's filters, checked as the analyses check them, by the names its source binds."""
    known = _known_only(tiles.layer(name, private=True).filters)
    chosen = analysis_filters.check(get_read_conn(), **{f: request.args.getlist(p) for p, f in known.items()})
    return chosen.services_args()


def _tile(name: str, z: int, x: int, y: int, filters: dict, private: bool):
    body = tiles.tile(get_read_conn(), name, z, x, y, **filters)
    response = Response(body, mimetype=MVT)
    response.add_etag()
    response.cache_control.no_cache = True
    response.cache_control.private = private or None
    return response.make_conditional(request)


def _tilejson(name: str, endpoint: str, filters: dict, private: bool):
    template = tile_url(url_for(endpoint, name=name, z=0, x=0, y=0, _external=True))
    query = request.query_string.decode()
    response = jsonify(tiles.tilejson(get_read_conn(), name, template + (f"?{query}" if query and filters else "")))
    response.cache_control.no_cache = True
    response.cache_control.private = private or None
    return response


@bp.get("/<name>/<int:z>/<int:x>/<int:y>.pbf")
def tile(name: str, z: int, x: int, y: int):
    return _tile(name, z, x, y, _filters(name), private=False)


@bp.get("/<name>.json")
def tilejson(name: str):
    """TileJSON 3.0.0; filters given here are carried into its tile URL."""
    return _tilejson(name, ".tile", _filters(name), private=False)


@bp.get("/analysis/<name>/<int:z>/<int:x>/<int:y>.pbf")
@staff_required("planner", "admin")
@bearer_allowed
def analysis_tile(name: str, z: int, x: int, y: int):
    """An analysis layer's tile (overlaps, spend, analysis_catchments), for planners."""
    return _tile(name, z, x, y, _analysis_filters(name), private=True)


@bp.get("/analysis/<name>.json")
@staff_required("planner", "admin")
@bearer_allowed
def analysis_tilejson(name: str):
    """TileJSON for an analysis layer; its filters are carried into the tile URL."""
    return _tilejson(name, ".analysis_tile", _analysis_filters(name), private=True)
