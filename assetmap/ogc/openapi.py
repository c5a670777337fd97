"""The OpenAPI 3.0 description of /ogc: `paths()` and `components()` for merging into the app's own API document,
and `document()`, the whole of it, served at /ogc/api (the landing page's service-desc).

Each collection's items path is written out as well as the templated one, with a query parameter per property:
GDAL's OAPIF driver (3.6) looks up /collections/<id>/items relative to the service's root, and sends a `-where`
to the server only for parameters listed there (and as a CQL filter when filter-lang's values include `cql-text`,
the draft name it knows). So document() keeps its paths relative to a `servers` entry of /ogc, and paths() adds the
prefix for a document served from the site's root.
"""

from __future__ import annotations

from . import cql2, items
from .collections import COLLECTIONS

PREFIX = "/ogc"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema,
            "style": "form", "explode": False, **extra}


def components() -> dict:
    """Parameters and schemas the /ogc paths refer to; their names start with Ogc so a merge cannot clash."""
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}}
    links = {"type": "array", "items": _ref("schemas", "OgcLink")}
    return {
        "parameters": {
            "OgcF": _query("f", "The response's format; without it, the Accept header chooses (JSON unless it "
                           "prefers HTML).", {"type": "string", "enum": ["json", "html"]}),
            "OgcCollectionId": {"name": "collectionId", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": list(COLLECTIONS)}},
            "OgcFeatureId": {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
            "OgcLimit": _query("limit", "Features per page.", {"type": "integer", "minimum": 1,
                                                               "maximum": items.MAX_LIMIT,
                                                               "default": items.DEFAULT_LIMIT}),
            "OgcOffset": _query("offset", f"Features to skip, at most {items.MAX_OFFSET}; go further by the next "
                                "link.", {"type": "integer", "minimum": 0, "maximum": items.MAX_OFFSET}),
            "OgcAfter": _query("after", "Where the page starts: from a next link (keyset paging).",
                               {"type": "integer", "minimum": 0}),
            "OgcBbox": _query("bbox", "West, south, east, north in CRS84 (a 3D box's heights are ignored).",
                              {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
            "OgcBboxCrs": _query("bbox-crs", "Only CRS84.", {"type": "string", "enum": [items.CRS84]}),
            "OgcCrs": _query("crs", "Only CRS84.", {"type": "string", "enum": [items.CRS84]}),
            "OgcDatetime": _query("datetime", "An RFC 3339 instant or interval (`..` for an open end), matched "
                                  "against last_confirmed_at (assets and capacity); other collections have no "
                                  "time and ignore it.", {"type": "string"}),
            "OgcFilter": _query("filter", "A CQL2 filter over the collection's queryables.", {"type": "string"}),
            "OgcFilterLang": _query("filter-lang", "The filter's language (cql-text: the draft name of cql2-text, "
                                    "for GDAL up to 3.6).",
                                    {"type": "string", "enum": list(cql2.LANGUAGES), "default": "cql2-text"}),
            "OgcFilterCrs": _query("filter-crs", "Only CRS84.", {"type": "string", "enum": [items.CRS84]}),
        },
        "schemas": {
            "OgcLink": link,
            "OgcException": {"type": "object", "required": ["code"], "properties": {
                "code": {"type": "string"}, "description": {"type": "string"}}},
            "OgcLandingPage": {"type": "object", "required": ["links"], "properties": {
                "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
            "OgcConformance": {"type": "object", "required": ["conformsTo"], "properties": {
                "conformsTo": {"type": "array", "items": {"type": "string"}}}},
            "OgcCollection": {"type": "object", "required": ["id", "links"], "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                "links": links, "extent": {"type": "object"}, "itemType": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string"}}}},
            "OgcCollections": {"type": "object", "required": ["links", "collections"], "properties": {
                "links": links, "collections": {"type": "array", "items": _ref("schemas", "OgcCollection")}}},
            "OgcFeature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
                "type": {"type": "string", "enum": ["Feature"]}, "id": {"oneOf": [{"type": "string"},
                                                                                  {"type": "integer"}]},
                "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object",
                                                                                 "nullable": True},
                "links": links}},
            "OgcFeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("schemas", "OgcFeature")}, "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0}}},
            "OgcQueryables": {"type": "object", "description": "A JSON Schema (2020-12) of the queryables."},
        },
    }


# Every operation can answer 400: a bad `f`, or (app-wide) a NUL character in any query parameter. An error comes
# as HTML when the page was asked for as HTML (`f=html`, or a browser's Accept).
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/OgcException"}},
                  "text/html": {"schema": {"type": "string"}}}


def _error(code: str) -> dict:
    return {"description": {"400": "A parameter is not right", "404": "Not found"}[code], "content": _ERROR_CONTENT}


def _responses(schema: str, *media: str, errors: tuple[str, ...] = ()) -> dict:
    found = {"200": {"description": "OK", "content": {
        **{m: {"schema": _ref("schemas", schema)} for m in media}, "text/html": {"schema": {"type": "string"}}}}}
    for code in ("400", *errors):
        found[code] = _error(code)
    return found


def _get(operation: str, summary: str, parameters: list, responses: dict, tags=("OGC API Features",)) -> dict:
    return {"get": {"operationId": operation, "summary": summary, "tags": list(tags),
                    "parameters": parameters, "responses": responses}}


_ITEMS = ["OgcLimit", "OgcOffset", "OgcAfter", "OgcBbox", "OgcBboxCrs", "OgcDatetime", "OgcCrs", "OgcFilter",
          "OgcFilterLang", "OgcFilterCrs", "OgcF"]


def _items_parameters(properties=()) -> list:
    return [*(_ref("parameters", p) for p in _ITEMS),
            *(_query(p.name, f"{p.title}: equal to (vocabulary codes: any of, separated by commas)",
                     p.schema()) for p in properties)]


def _relative_paths() -> dict:
    f = _ref("parameters", "OgcF")
    cid, fid = _ref("parameters", "OgcCollectionId"), _ref("parameters", "OgcFeatureId")
    paths = {
        "/": _get("ogcLandingPage", "Landing page", [f], _responses("OgcLandingPage", "application/json",
                                                                     errors=())),
        "/conformance": _get("ogcConformance", "Conformance classes declared", [f],
                             _responses("OgcConformance", "application/json", errors=())),
        "/api": _get("ogcApi", "This API's OpenAPI 3.0 description", [], {"200": {
            "description": "OK", "content": {OPENAPI_JSON: {"schema": {"type": "object"}}}}, "400": _error("400")}),
        "/collections": _get("ogcCollections", "The collections", [f],
                             _responses("OgcCollections", "application/json", errors=())),
        "/collections/{collectionId}": _get("ogcCollection", "One collection", [cid, f],
                                            _responses("OgcCollection", "application/json", errors=("404",))),
        "/collections/{collectionId}/queryables": _get(
            "ogcQueryables", "What a filter may use, as JSON Schema", [cid, f],
            _responses("OgcQueryables", "application/schema+json", errors=("404",))),
        "/collections/{collectionId}/items": _get(
            "ogcItems", "Features, a page at a time", [cid, *_items_parameters()],
            _responses("OgcFeatureCollection", GEOJSON, errors=("404",))),
        "/collections/{collectionId}/items/{featureId}": _get(
            "ogcItem", "One feature", [cid, fid, f], _responses("OgcFeature", GEOJSON, errors=("404",))),
    }
    for coll in COLLECTIONS.values():
        paths[f"/collections/{coll.id}/items"] = _get(
            f"ogcItems_{coll.id}", f"{coll.title}, a page at a time", _items_parameters(coll.properties),
            _responses("OgcFeatureCollection", GEOJSON))
    return paths


def paths(prefix: str = PREFIX) -> dict:
    """Every /ogc route's path item, its path starting with `prefix`."""
    return {prefix + path: item for path, item in _relative_paths().items()}


def document(server_url: str = PREFIX) -> dict:
    """The whole OpenAPI 3.0 document of /ogc, its paths relative to `server_url`."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "AssetMap OGC API – Features", "version": "1.0.0",
                 "description": "Community assets, spare capacity, service sites, catchments and neighbourhoods "
                                "as OGC API – Features (Part 1 Core, Part 3 Filtering with CQL2)."},
        "servers": [{"url": server_url}],
        "paths": paths(prefix=""),
        "components": components(),
    }
