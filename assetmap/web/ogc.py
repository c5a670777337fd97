"""/ogc: OGC API – Features (Part 1 Core, Part 3 Filtering with CQL2) over the public layers, for QGIS, GDAL,
OWSLib and anything else that speaks it. JSON (GeoJSON for features) by default; HTML for a browser (`f=html`, or an
Accept header that prefers text/html). Errors are OGC exceptions: {"code": …, "description": …}."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from .. import ogc, vocab
from ..errors import AssetMapError, InvalidParameter
from ..ogc import collections, cql2, items, openapi
from .db import get_read_conn

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def _wants_html() -> bool:
    f = request.args.get("f")
    if f is not None:
        if f not in ("json", "html"):
            raise InvalidParameter("f", "must be json or html")
        return f == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, SCHEMA_JSON, HTML])
    return best == HTML


def _url(endpoint: str, f: str | None = None, **values) -> str:
    return url_for(endpoint, _external=True, **values, **({"f": f} if f else {}))


def _links(endpoint: str, media: str, title: str, **values) -> list[dict]:
    """This resource as JSON (`self` when JSON was asked for) and as HTML (`alternate`)."""
    html = _wants_html()
    return [{"href": _url(endpoint, "json", **values), "rel": "alternate" if html else "self", "type": media,
             "title": f"{title} as {'GeoJSON' if media == GEOJSON else 'JSON'}"},
            {"href": _url(endpoint, "html", **values), "rel": "self" if html else "alternate", "type": HTML,
             "title": f"{title} as HTML"}]


def _respond(body: dict, template: str, media: str = JSON, **context) -> Response:
    if _wants_html():
        return Response(render_template(f"ogc/{template}", body=body, **context), mimetype=HTML)
    return Response(json.dumps(body), mimetype=media)


@bp.errorhandler(AssetMapError)
def _ogc_error(exc: AssetMapError):
    if request.args.get("f") == "html" or (request.args.get("f") is None and
                                           request.accept_mimetypes.best_match([JSON, HTML]) == HTML):
        return render_template("error.html", status=exc.status, message=str(exc)), exc.status
    code = "InvalidParameterValue" if isinstance(exc, InvalidParameter) else type(exc).__name__
    return jsonify({"code": code, "description": str(exc)}), exc.status


@bp.get("/")
def landing():
    body = {"title": "AssetMap", "description": "Community assets, their spare capacity, and the public services "
                                                "that reach each neighbourhood, as OGC API – Features.",
            "links": [*_links("ogc.landing", JSON, "This page"),
                      {"href": _url("ogc.api"), "rel": "service-desc", "type": openapi.OPENAPI_JSON,
                       "title": "The API's OpenAPI 3.0 description"},
                      {"href": _url("ogc.conformance"), "rel": "conformance", "type": JSON,
                       "title": "Conformance classes"},
                      {"href": _url("ogc.collection_list"), "rel": "data", "type": JSON, "title": "Collections"}]}
    return _respond(body, "landing.html")


@bp.get("/conformance")
def conformance():
    body = {"conformsTo": list(ogc.CONFORMANCE)}
    return _respond(body, "conformance.html", links=_links("ogc.conformance", JSON, "Conformance"))


@bp.get("/api")
def api():
    document = openapi.document(server_url=url_for("ogc.landing", _external=True).rstrip("/"))
    return Response(json.dumps(document), mimetype=openapi.OPENAPI_JSON)


def _collection_body(coll: collections.Collection, conn) -> dict:
    values = {"collection_id": coll.id}
    return {
        "id": coll.id, "title": coll.title, "description": coll.description, "itemType": "feature",
        "crs": [collections.CRS84], "storageCrs": collections.CRS84 if coll.srid == 4326 else
        f"http://www.opengis.net/def/crs/EPSG/0/{coll.srid}",
        "extent": collections.extent(conn, coll.id),
        "links": [*_links("ogc.collection", JSON, coll.title, **values),
                  {"href": _url("ogc.item_list", **values), "rel": "items", "type": GEOJSON,
                   "title": f"{coll.title} as GeoJSON"},
                  {"href": _url("ogc.item_list", "html", **values), "rel": "items", "type": HTML,
                   "title": f"{coll.title} as HTML"},
                  {"href": _url("ogc.queryables", **values), "rel": QUERYABLES_REL, "type": SCHEMA_JSON,
                   "title": "Queryables"}],
    }


@bp.get("/collections")
def collection_list():
    conn = get_read_conn()
    body = {"links": _links("ogc.collection_list", JSON, "Collections"),
            "collections": [_collection_body(c, conn) for c in collections.COLLECTIONS.values()]}
    return _respond(body, "collections.html")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    coll = collections.collection(collection_id)
    return _respond(_collection_body(coll, get_read_conn()), "collection.html", coll=coll)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """The queryables as JSON Schema: every property (vocabulary codes as an enum), and the geometry."""
    coll = collections.collection(collection_id)
    conn = get_read_conn()
    properties = {cql2.GEOMETRY: {"title": "Geometry", "format": coll.geometry, "x-ogc-role": "primary-geometry"}}
    for p in coll.properties:
        schema = {"title": p.title, **p.schema()}
        if p.vocabulary:
            schema["enum"] = [t.code for t in vocab.load(conn, p.vocabulary)]
        properties[p.name] = schema
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _url("ogc.queryables", collection_id=coll.id), "type": "object", "title": coll.title,
            "properties": properties, "additionalProperties": False}
    return _respond(body, "queryables.html", SCHEMA_JSON, coll=coll)


@bp.get("/collections/<collection_id>/items")
def item_list(collection_id: str):
    coll = collections.collection(collection_id)
    conn = get_read_conn()
    args = {k: v for k, v in request.args.lists()}
    query = items.parse_query(conn, coll, args)
    found = items.page(conn, coll, query)
    values = {"collection_id": coll.id}
    kept = {k: v for k, v in args.items() if k not in ("f", "offset", "after")}
    links = [*_links("ogc.item_list", GEOJSON, coll.title, **values, **kept),
             {"href": _url("ogc.collection", **values), "rel": "collection", "type": JSON, "title": coll.title}]
    if found.more:
        # The next page starts after this one's last feature (keyset paging: as quick at page 1,000 as at page 1).
        for media, f in ((GEOJSON, "json"), (HTML, "html")):
            links.append({"href": _url("ogc.item_list", f, **values, **kept, after=found.last_key),
                          "rel": "next", "type": media, "title": "The next page"})
    head = {"type": "FeatureCollection", "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "numberReturned": found.returned, "links": links}
    if found.matched is not None:
        head["numberMatched"] = found.matched
    if _wants_html():
        body = {**head, "features": json.loads(found.features_json)}
        response = Response(render_template("ogc/items.html", body=body, coll=coll, matched_cap=items.COUNT_CAP),
                            mimetype=HTML)
    else:
        # The features arrive from PostgreSQL as JSON text; splice them in rather than parse and re-serialise.
        text = json.dumps(head)
        response = Response(text[:-1] + ', "features": ' + found.features_json + "}", mimetype=GEOJSON)
    header = [*links, {"href": _url("ogc.queryables", **values), "rel": QUERYABLES_REL, "type": SCHEMA_JSON}]
    response.headers["Link"] = ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"; type="{link["type"]}"'
                                         for link in header)
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    coll = collections.collection(collection_id)
    found = items.feature(get_read_conn(), coll, feature_id)
    values = {"collection_id": coll.id, "feature_id": feature_id}
    found["links"] = [*_links("ogc.item", GEOJSON, "This feature", **values),
                      {"href": _url("ogc.collection", collection_id=coll.id), "rel": "collection", "type": JSON,
                       "title": coll.title}]
    return _respond(found, "item.html", GEOJSON, coll=coll)
