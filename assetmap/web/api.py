"""/api/v1: JSON for apps, scripts and our own map pages."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, url_for

from .. import vocab
from ..db.pool import get_conn
from ..errors import InvalidParameter
from ..model import assets, neighbourhoods
from ..validate import parse_bbox, parse_codes, parse_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 1000
KNOWN_ASSET_PARAMS = {"bbox", "category", "limit", "offset"}


def _geojson(text: str) -> Response:
    return Response(text, mimetype=GEOJSON)


@bp.get("/assets")
def list_assets():
    """Published assets with their capacity offers, as a GeoJSON FeatureCollection, one page at a time."""
    unknown = sorted(set(request.args) - KNOWN_ASSET_PARAMS)
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; known: {', '.join(sorted(KNOWN_ASSET_PARAMS))}")
    conn = get_conn()
    settings = current_app.config["ASSETMAP"]
    bbox = parse_bbox(request.args.get("bbox"))
    known_categories = {t.code for t in vocab.load(conn, "categories")}
    categories = parse_codes(",".join(request.args.getlist("category")) or None, "category", known_categories)
    limit = parse_int(request.args.get("limit"), "limit", DEFAULT_LIMIT, 1, settings.api_max_limit)
    offset = parse_int(request.args.get("offset"), "offset", 0, 0, 10**9)

    page = assets.feature_page(conn, bbox=bbox, categories=categories, limit=limit, offset=offset)
    links = []
    if page.more:
        args = request.args.to_dict(flat=False)
        args.update(offset=[str(offset + limit)], limit=[str(limit)])
        links.append({"rel": "next", "type": GEOJSON, "href": url_for("api.list_assets", **args)})
    # The features arrive from PostgreSQL as JSON text; splice them in rather than parse and re-serialise.
    head = json.dumps({"type": "FeatureCollection", "numberReturned": page.returned, "links": links})
    response = _geojson(head[:-1] + ', "features": ' + page.features_json + "}")
    if links:
        response.headers["Link"] = f'<{links[0]["href"]}>; rel="next"'
    return response


@bp.get("/neighbourhoods")
def list_neighbourhoods():
    """Every neighbourhood with population, need score and its number of published assets."""
    return _geojson(neighbourhoods.feature_collection(get_conn()))


@bp.get("/categories")
def list_categories():
    """The asset category vocabulary, in display order (labels, colours and icons for legends)."""
    terms = vocab.load(get_conn(), "categories")
    return {"categories": [t.__dict__ for t in terms]}
