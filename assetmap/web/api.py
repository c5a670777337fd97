"""/api/v1: JSON for apps, scripts and our own map pages.

The public lists (assets, capacity, neighbourhoods, categories, places) read from a replica when one is configured
(`get_read_conn`, which keeps a client that just wrote on the primary until the replica has its write); one asset
by id reads the primary, as its readers are mostly those who just edited it (edit link, moderation)."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user

from .. import availability, ratelimit, vocab
from ..errors import InvalidParameter, NotFound
from ..geocode import gazetteer
from ..model import assets, capacity_search, contributions, freshness, moderation, neighbourhoods, submission
from ..validate import NUL_MESSAGE, nul_at, parse_bbox, parse_codes, parse_int
from . import capacity
from .auth import api_staff_required
from .db import get_conn, get_read_conn
from .idempotency import idempotent
from .security import client_key

bp = Blueprint("api", __name__, url_prefix="/api/v1")

GEOJSON = "application/geo+json"
KNOWN_ASSET_PARAMS = {"bbox", "category", "when", "limit", "offset", "after"}


def _asset_url() -> str:
    """The asset page's path up to its id: the database appends each id (the routes are the web layer's)."""
    nil = uuid.UUID(int=0)
    return url_for("public.asset_page", public_id=nil).removesuffix(str(nil))


def _due_before():
    """Confirmed before this, an entry is marked unconfirmed (`freshness`)."""
    return freshness.cutoffs(current_app.config["ASSETMAP"]).due_before


def _geojson(text: str) -> Response:
    return Response(text, mimetype=GEOJSON)


def _revalidated(response: Response) -> Response:
    """Published data may change at any moment, so a browser asks again each time, but with an ETag it gets a
    304 and no body when nothing changed: a repeat visit to the map costs a few hundred bytes, not the features."""
    response.add_etag()
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/assets")
def list_assets():
    """Published assets with their capacity offers, as a GeoJSON FeatureCollection, one page at a time."""
    unknown = sorted(set(request.args) - KNOWN_ASSET_PARAMS)
    if unknown:
        raise InvalidParameter(unknown[0], f"unknown parameter; known: {', '.join(sorted(KNOWN_ASSET_PARAMS))}")
    conn = get_read_conn()
    settings = current_app.config["ASSETMAP"]
    bbox = parse_bbox(request.args.get("bbox"))
    known_categories = {t.code for t in vocab.load(conn, "categories")}
    categories = parse_codes(",".join(request.args.getlist("category")) or None, "category", known_categories)
    limit = parse_int(request.args.get("limit"), "limit", settings.api_default_limit, 1,
                      settings.api_max_limit)
    offset = parse_int(request.args.get("offset"), "offset", 0, 0, 10**9)
    after = parse_int(request.args.get("after"), "after", 0, 0, 2**62) if request.args.get("after") else None
    if after is not None and offset:
        raise InvalidParameter("after", "give `after` (from a next link) or `offset`, not both")
    when = availability.parse_when(request.args.get("when"))
    free = capacity_search.free_at(conn, when, settings) if when else None

    page = assets.feature_page(conn, asset_url=_asset_url(), due_before=_due_before(), bbox=bbox,
                               categories=categories, free=free, limit=limit, offset=offset, after=after)
    links = []
    if page.more:
        # The next page starts after this one's last asset (keyset paging: as quick at page 1,000 as at page 1).
        args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "offset"}
        args.update(after=[str(page.last_id)], limit=[str(limit)])
        links.append({"rel": "next", "type": GEOJSON, "href": url_for("api.list_assets", **args)})
    # The features arrive from PostgreSQL as JSON text; splice them in rather than parse and re-serialise.
    head = json.dumps({"type": "FeatureCollection", "numberReturned": page.returned, "links": links})
    response = _geojson(head[:-1] + ', "features": ' + page.features_json + "}")
    if links:
        response.headers["Link"] = f'<{links[0]["href"]}>; rel="next"'
    return _revalidated(response)


@bp.get("/capacity")
def list_capacity():
    """Spare capacity that fits: kind, when (opening_hours form or "now"), near and within_m, min_quantity, unit,
    cost, audience; GeoJSON, nearest first, each offer with when it is next free and last confirmed."""
    settings = current_app.config["ASSETMAP"]
    query = capacity.parse_search(request.args, max_limit=settings.api_max_limit)
    results = capacity_search.search(get_read_conn(), query, settings)
    body = {"type": "FeatureCollection", "numberReturned": len(results.found), "more": results.more,
            "when": query.when.text if query.when else None,
            "near": query.near.__dict__ if query.near else None,
            "features": [capacity.feature(f) for f in results.found]}
    return Response(json.dumps(body), mimetype=GEOJSON)


@bp.get("/neighbourhoods")
def list_neighbourhoods():
    """Every neighbourhood with population, need score, its published assets and spare-capacity offers, both
    per 1,000 residents, and its confirmed exchanges and their hours where at least ASSETMAP_MIN_COUNT stand
    behind them (else null)."""
    min_count = current_app.config["ASSETMAP"].min_count
    return _revalidated(_geojson(neighbourhoods.feature_collection(get_read_conn(), min_count)))


@bp.get("/categories")
def list_categories():
    """The asset category vocabulary and its groups, in display order (labels, colours, shapes for legends)."""
    conn = get_read_conn()
    return {"categories": [t.__dict__ for t in vocab.load(conn, "categories")],
            "groups": [t.__dict__ for t in vocab.load(conn, "category_groups")]}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise submission.ValidationFailed({"body": "send a JSON object (Content-Type: application/json)"})
    nul = nul_at(body)
    if nul:
        raise submission.ValidationFailed({nul: NUL_MESSAGE})
    return body


def _feature_to_fields(body: dict) -> dict:
    """A GeoJSON Feature with a Point → the flat fields the shared rules take; structural errors are 422s too."""
    errors = {}
    for key in sorted(set(body) - {"type", "geometry", "properties"}):
        errors[key] = "unknown member; send a GeoJSON Feature"
    if body.get("type") != "Feature":
        errors["type"] = 'must be "Feature"'
    geometry = body.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(coords, list) \
            or len(coords) != 2:
        errors["geometry"] = "must be a GeoJSON Point: {\"type\": \"Point\", \"coordinates\": [lon, lat]}"
        coords = [None, None]
    properties = body.get("properties")
    if not isinstance(properties, dict):
        errors["properties"] = "must be an object"
        properties = {}
    for key in ("lon", "lat"):
        if key in properties:
            errors[key] = "unknown property; the location is the geometry"
    if errors:
        raise submission.ValidationFailed(errors)
    return {**properties, "lon": coords[0], "lat": coords[1]}


@bp.post("/assets")
@idempotent
def create_asset():
    """A new asset (pending moderation) from a GeoJSON Feature; 201 with its id and a private edit token."""
    conn = get_conn()
    # Counted before it is checked: a client sending one invalid body after another is limited as well.
    ratelimit.hit(conn, f"submit:{client_key()}", ratelimit.Rule.parse(current_app.config["ASSETMAP"].submit_rate))
    fields = _feature_to_fields(_json_body())
    sub = submission.validate(conn, fields, reject_unknown=True)
    created = contributions.create_asset(conn, sub, actor="api")
    response = jsonify({"id": str(created.public_id), "status": created.status, "edit_token": created.edit_token})
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_asset", public_id=created.public_id)
    return response


@bp.get("/assets/<uuid:public_id>")
def get_asset(public_id: uuid.UUID):
    """One asset. Pending or rejected ones only for planners (Bearer token) and the edit-link holder
    (X-Edit-Token header), who also see the exact point and contact details."""
    conn = get_conn()
    privileged = False
    token = request.headers.get("X-Edit-Token")
    if token:
        editable = contributions.find_by_token(conn, token)
        if editable.public_id != public_id:
            raise NotFound("no such asset")
        privileged = True
    else:
        privileged = current_user.is_authenticated and current_user.role in ("planner", "admin")
    found = assets.feature(conn, public_id, asset_url=_asset_url(), due_before=_due_before(),
                           privileged=privileged)
    if found is None:
        raise NotFound("no such asset, or it is not published")
    return Response(json.dumps(found), mimetype=GEOJSON)


@bp.post("/assets/<uuid:public_id>/moderation")
@api_staff_required("planner", "admin")
def moderate_asset(public_id: uuid.UUID):
    """Approve or reject a pending asset: {"action": "approve"|"reject", "reason": "…"}; planners only."""
    body = _json_body()
    unknown = sorted(set(body) - {"action", "reason"})
    errors = {k: "unknown property" for k in unknown}
    if body.get("action") not in ("approve", "reject"):
        errors["action"] = 'must be "approve" or "reject"'
    if body.get("reason") is not None and not isinstance(body.get("reason"), str):
        errors["reason"] = "must be text"
    if errors:
        raise submission.ValidationFailed(errors)
    conn = get_conn()
    moderation.moderate(conn, [moderation.asset_id(conn, public_id)], body["action"], body.get("reason"),
                        current_user)
    found = assets.feature(conn, public_id, asset_url=_asset_url(), due_before=_due_before(), privileged=True)
    return jsonify(found["properties"] | {"id": str(public_id)})


@bp.get("/places")
def search_places():
    """Postcodes and place names from the gazetteer, for placing an asset without tapping the map."""
    q = request.args.get("q", "")
    if len(q) > 100:
        raise InvalidParameter("q", "must be at most 100 characters")
    limit = parse_int(request.args.get("limit"), "limit", 5, 1, 20)
    return {"results": [gazetteer.place_json(p) for p in gazetteer.search(get_read_conn(), q, limit)]}
