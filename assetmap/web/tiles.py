"""/tiles: vector tiles of the public layers, and a TileJSON document per layer, for our maps, QGIS and MapLibre.

Tiles change when the data do, so they are never cached blind: each carries an ETag and `no-cache`, and a client
that already has a tile gets a 304 without its body.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from .. import tiles
from ..errors import InvalidParameter
from ..validate import parse_codes
from . import terms
from .db import get_read_conn

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

MVT = "application/vnd.mapbox-vector-tile"


def _filters(name: str) -> dict:
    """The layer's filters from the query string, each checked against its vocabulary, by their bound names."""
    known = tiles.layer(name).filters
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; this layer takes {', '.join(sorted(known)) or 'none'}")
    found = {}
    for param, vocabulary in known.items():
        if param in request.args:
            codes = {t.code for t in terms.terms(vocabulary)}
            found[tiles.BOUND_AS[param]] = parse_codes(",".join(request.args.getlist(param)), param, codes)
    return found


@bp.get("/<name>/<int:z>/<int:x>/<int:y>.pbf")
def tile(name: str, z: int, x: int, y: int):
    body = tiles.tile(get_read_conn(), name, z, x, y, **_filters(name))
    response = Response(body, mimetype=MVT)
    response.add_etag()
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/<name>.json")
def tilejson(name: str):
    """TileJSON 3.0.0; filters given here are carried into its tile URL."""
    filters = _filters(name)
    template = url_for(".tile", name=name, z=0, x=0, y=0, _external=True).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    query = request.query_string.decode()
    response = jsonify(tiles.tilejson(get_read_conn(), name, template + (f"?{query}" if query and filters else "")))
    response.cache_control.no_cache = True
    return response
