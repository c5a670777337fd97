"""What every part of the document shares: the error bodies of `assetmap.web.errors` and `assetmap.web.auth`,
GeoJSON, the security schemes, and small builders for parameters and responses. Each is defined once here and
referred to by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

GEOJSON = "application/geo+json"
JSON = "application/json"

Schema = dict[str, Any]


def ref(name: str, kind: str = "schemas") -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def text(max_length: int | None = None, *, nullable: bool = False, **more: Any) -> Schema:
    out: Schema = {"type": "string", **more}
    if max_length is not None:
        out["maxLength"] = max_length
    if nullable:
        out["nullable"] = True
    return out


def number(*, nullable: bool = False, integer: bool = False, **more: Any) -> Schema:
    out: Schema = {"type": "integer" if integer else "number", **more}
    if nullable:
        out["nullable"] = True
    return out


def codes(values: Sequence[str], what: str) -> Schema:
    """One code of a vocabulary: an enum of this deployment's codes (read when the document is served), or any
    string when the vocabulary is empty (OpenAPI forbids an empty enum; the server then refuses every value)."""
    if not values:
        return {"type": "string", "description": f"a {what} code"}
    return {"type": "string", "enum": list(values)}


def obj(properties: dict[str, Schema], required: Sequence[str] = (), *, closed: bool = False, **more: Any) -> Schema:
    out: Schema = {"type": "object", "properties": properties, **more}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    return out


def query(name: str, schema: Schema, description: str, **more: Any) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **more}


def code_list(name: str, values: Sequence[str], what: str, description: str) -> Schema:
    """A repeatable filter of vocabulary codes (`?kind=a&kind=b`; the server also takes `a,b` in one value)."""
    return query(name, {"type": "array", "items": codes(values, what)}, description, style="form", explode=True)


def path(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def content(schema: Schema, media: str = JSON) -> dict:
    return {media: {"schema": schema}}


def ok(description: str, schema: Schema, media: str = JSON, *, headers: dict | None = None) -> dict:
    out = {"description": description, "content": content(schema, media)}
    if headers:
        out["headers"] = headers
    return out


def body(schema: Schema, description: str, media: str = JSON) -> dict:
    return {"required": True, "description": description, "content": content(schema, media)}


IDEMPOTENT = {"Idempotent-Replayed": {"description": "`true` on the first answer given again",
                                      "schema": {"type": "string"}}}


def idempotent(operation: dict) -> dict:
    """`operation` (a write) taking an Idempotency-Key."""
    operation.setdefault("parameters", []).append(ref("IdempotencyKey", "parameters"))
    operation["responses"].setdefault("422", ref("Unprocessable", "responses"))
    for response in operation["responses"].values():
        if "content" in response:
            response.setdefault("headers", {}).update(IDEMPOTENT)
    return operation


def errors(*statuses: int) -> dict[str, Schema]:
    """The shared error responses for these status codes, by reference."""
    return {str(s): ref(ERROR_RESPONSES[s][0], "responses") for s in statuses}


# -- error bodies ----------------------------------------------------------------------------------------------

ERROR = obj({
    "error": text(description="what went wrong, in plain words (or `invalid parameter`, `unauthorised`, "
                              "`forbidden`, or an HTTP status name)"),
    "message": text(description="more about it, when there is more to say"),
    "parameter": text(description="the query parameter that is wrong (with `error: invalid parameter`)"),
}, ["error"], description="An error: `assetmap.web.errors` and the API's sign-in check produce these.")

VALIDATION = obj({
    "errors": {"type": "object", "additionalProperties": {"type": "string"},
               "description": "each field that is wrong, with what is wrong with it"},
}, ["errors"], description="A body the server could not accept: every problem at once, by field.")

_RETRY = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}

# status → (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "A parameter has a value the server cannot use (named in `parameter`), or one it does "
                        "not know; on every route, one holding a NUL character."),
    401: ("Unauthorised", "No valid credentials: an API token (Bearer) or, on workshop routes, a participant "
                          "token."),
    403: ("Forbidden", "The credentials are valid but their role (or their workshop) may not do this."),
    404: ("NotFound", "No such thing, or not one the caller may see."),
    409: ("Conflict", "The thing's state does not allow this now (moderated already, workshop locked or closed, "
                      "no votes left)."),
    413: ("TooLarge", "The request body is larger than the server accepts."),
    415: ("UnsupportedMediaType", "The body was not sent as the media type this route needs."),
    422: ("Unprocessable", "The body breaks one or more rules: every problem, by field."),
    429: ("TooManyRequests", "Too many of these from one client: wait as `Retry-After` says."),
    503: ("Busy", "This server cannot take this now: try again after `Retry-After`."),
}


def _error_response(status: int) -> dict:
    name, description = ERROR_RESPONSES[status]
    # a 422 is a body's problems by field, or (an Idempotency-Key sent again with another request) an Error
    schema = {"anyOf": [ref("ValidationErrors"), ref("Error")]} if status == 422 else ref("Error")
    out: dict[str, Any] = {"description": description, "content": content(schema)}
    if status in (429, 503):
        out["headers"] = _RETRY
    if status == 401:
        out["headers"] = {"WWW-Authenticate": {"description": "on routes that need an API token",
                                               "schema": {"type": "string"}}}
    return out


# -- GeoJSON ---------------------------------------------------------------------------------------------------

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
POINT = obj({"type": {"type": "string", "enum": ["Point"]}, "coordinates": POSITION}, ["type", "coordinates"])
GEOMETRY = obj({
    "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                        "MultiPolygon", "GeometryCollection"]},
    "coordinates": {"type": "array"},
    "geometries": {"type": "array", "items": {"type": "object"}},
}, ["type"], description="A GeoJSON geometry (RFC 7946), longitude and latitude in WGS84.")
FEATURE = obj({
    "type": {"type": "string", "enum": ["Feature"]},
    "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "geometry": {**GEOMETRY, "nullable": True},
    "properties": {"type": "object", "nullable": True},
}, ["type", "geometry", "properties"], description="A GeoJSON Feature.")
FEATURE_COLLECTION = obj({
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "features": {"type": "array", "items": ref("Feature")},
}, ["type", "features"], description="A GeoJSON FeatureCollection; routes add members of their own.")


def collection_of(feature: Schema, **members: Schema) -> Schema:
    """A FeatureCollection whose features are `feature`, with `members` besides."""
    return {"allOf": [ref("FeatureCollection"), obj({"features": {"type": "array", "items": feature}, **members})]}


def feature_with(properties: Schema, geometry: Schema | None = None) -> Schema:
    """A Feature whose properties are `properties` (and whose geometry is `geometry`)."""
    own: Schema = {"properties": properties}
    if geometry is not None:
        own["geometry"] = geometry
    return {"allOf": [ref("Feature"), obj(own)]}


def components() -> dict:
    return {
        "schemas": {"Error": ERROR, "ValidationErrors": VALIDATION, "Geometry": GEOMETRY, "Point": POINT,
                    "Feature": FEATURE, "FeatureCollection": FEATURE_COLLECTION},
        "responses": {name: _error_response(status) for status, (name, _) in ERROR_RESPONSES.items()},
        "parameters": {"IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 8, "maxLength": 255},
            "description": "8 to 255 printable characters, e.g. a random UUID: the same request sent again within "
                           "24 hours gets the first answer (with `Idempotent-Replayed: true`) and changes nothing; "
                           "the same key with another request is a 422 (`assetmap.web.idempotency`)."}},
        "securitySchemes": {
            "apiToken": {"type": "http", "scheme": "bearer",
                         "description": "A staff API token (made on /admin or with `assetmap token`). The API "
                                        "never takes the sign-in cookie, so it needs no CSRF token."},
            "participantToken": {"type": "apiKey", "in": "header", "name": "X-Participant-Token",
                                 "description": "The token a workshop participant got on joining. In a browser the "
                                                "HttpOnly cookie set on joining (named `assetmap_w_` and the "
                                                "workshop's code) does instead; the workshop's facilitator may "
                                                "send their API token."},
        },
    }
