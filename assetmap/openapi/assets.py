"""/api/v1 for residents' apps and our map pages: assets, spare capacity, neighbourhoods, categories, places."""

from __future__ import annotations

from ..model.capacity_search import MAX_WITHIN_M
from ..model.submission import LIMITS, MAX_OFFERS, OFFER_LIMITS
from .context import Context
from .schemas import (
    GEOJSON,
    code_list,
    codes,
    collection_of,
    errors,
    feature_with,
    idempotent,
    number,
    obj,
    ok,
    path,
    query,
    ref,
    text,
)

PUBLIC_ID = path("public_id", {"type": "string", "format": "uuid"}, "the asset's public id")
_ETAG = {"ETag": {"description": "ask again with If-None-Match for a 304 when nothing changed",
                  "schema": {"type": "string"}}}
NOT_MODIFIED = {"description": "Not modified since the ETag sent in If-None-Match."}


def schemas(ctx: Context) -> dict:
    offer_out = obj({
        "id": number(integer=True), "kind": text(), "kind_label": text(nullable=True),
        "quantity": number(nullable=True), "unit": text(nullable=True), "schedule": text(nullable=True),
        "cost": text(nullable=True), "cost_label": text(nullable=True), "audience": text(nullable=True),
        "description": text(nullable=True)}, ["id", "kind"])
    asset = obj({
        "id": text(format="uuid"), "name": text(), "category": text(), "description": text(nullable=True),
        "audience": text(nullable=True), "accessibility": text(nullable=True), "address": text(nullable=True),
        "postcode": text(nullable=True), "organisation": text(nullable=True),
        "neighbourhood": text(nullable=True), "neighbourhood_name": text(nullable=True),
        "location_precision": text(nullable=True), "updated_at": text(nullable=True, format="date-time"),
        "last_confirmed_at": text(nullable=True, format="date-time"), "unconfirmed": {"type": "boolean",
                                                                                       "nullable": True},
        "url": text(description="the asset's page on this site"),
        "capacity": {"type": "array", "items": ref("AssetOffer"), "nullable": True,
                     "description": "its active spare-capacity offers"},
    }, ["id", "name", "category", "url"],
        description="A published asset (planners and the edit-link holder also see pending and rejected ones, "
                    "with contact details and the exact point).")
    offer_in = obj({
        "kind": codes(ctx.of("capacity_kinds"), "capacity kind"), "quantity": number(nullable=True, minimum=0),
        "unit": {**codes(ctx.of("units"), "unit"), "nullable": True},
        "schedule": text(OFFER_LIMITS["schedule"], nullable=True, description="opening_hours form, e.g. "
                                                                               "Tu 18:00-21:00"),
        "cost": codes(ctx.of("costs"), "cost"), "audience": text(OFFER_LIMITS["audience"], nullable=True),
        "description": text(OFFER_LIMITS["description"], nullable=True)}, ["kind"], closed=True)
    new_asset = obj({
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": ref("Point"),
        "properties": obj({
            "name": text(LIMITS["name"], minLength=2), "category": codes(ctx.of("categories"), "category"),
            **{k: text(LIMITS[k], nullable=True) for k in ("description", "audience", "accessibility",
                                                           "organisation", "address")},
            "postcode": text(10, nullable=True), "contact_email": text(254, nullable=True, format="email"),
            "contact_phone": text(30, nullable=True), "private_home": {"type": "boolean"},
            "capacity": {"type": "array", "items": ref("NewOffer"), "maxItems": MAX_OFFERS},
        }, ["name", "category"], closed=True),
    }, ["type", "geometry", "properties"], closed=True,
        description="A new asset as a GeoJSON Feature with a Point: the rules of the contribution form apply "
                    "(the point must lie in the area the map covers).")
    capacity_offer = obj({
        "offer_id": number(integer=True), "asset_id": text(format="uuid"), "asset_name": text(),
        "asset_url": text(), "request_url": text(), "kind": text(), "kind_label": text(nullable=True),
        "quantity": number(nullable=True), "unit": text(nullable=True), "schedule": text(nullable=True),
        "schedule_text": text(nullable=True), "cost": text(nullable=True), "cost_label": text(nullable=True),
        "audience": text(nullable=True), "description": text(nullable=True), "organisation": text(nullable=True),
        "neighbourhood": text(nullable=True), "neighbourhood_name": text(nullable=True),
        "distance_m": number(nullable=True, integer=True), "next_free": text(nullable=True, format="date-time"),
        "last_confirmed_at": text(nullable=True, format="date-time"), "unconfirmed": {"type": "boolean"},
    }, ["offer_id", "asset_id", "asset_name", "kind", "unconfirmed"],
        description="A spare-capacity offer as GET /api/v1/capacity lists it (`assetmap.web.capacity.feature`).")
    neighbourhood = obj({
        "code": text(), "name": text(), "population": number(nullable=True, integer=True),
        "need_score": number(nullable=True), "published_assets": number(integer=True),
        "assets_with_capacity": number(integer=True), "capacity_offers": number(integer=True),
        "assets_per_1000": number(nullable=True), "capacity_offers_per_1000": number(nullable=True),
        "exchanges": number(nullable=True, integer=True, description="null below the minimum count"),
        "hours_exchanged": number(nullable=True, description="null below the minimum count"),
        "capacity_totals": {"type": "array", "items": ref("CapacityTotal"),
                            "description": "skills and volunteer hours residents offer from home, never listed "
                                           "one by one: only totals at least the minimum count of homes stand "
                                           "behind (none below it)"},
    }, ["code", "name"])
    capacity_total = obj({
        "kind": text(), "kind_label": text(), "unit": text(nullable=True), "unit_words": text(nullable=True),
        "people": number(integer=True, description="homes offering"), "offers": number(integer=True),
        "quantity": number(nullable=True, description="the offers' quantities added up, in `unit`")},
        ["kind", "people", "offers"])
    term = obj({"code": text(), "label": text(), "description": text(nullable=True),
                "sort_order": number(integer=True), "colour": text(nullable=True), "shape": text(nullable=True),
                "group_code": text(nullable=True), "icon": text(nullable=True)}, ["code", "label"])
    place = obj({"label": text(), "kind": text(enum=["postcode", "address", "street", "place"]),
                 "lon": number(), "lat": number(), "score": number()}, ["label", "kind", "lon", "lat"])
    return {
        "AssetOffer": offer_out, "Asset": asset, "AssetFeature": feature_with(ref("Asset"), ref("Point")),
        "NewOffer": offer_in, "NewAsset": new_asset,
        "CapacityOffer": capacity_offer, "CapacityOfferFeature": feature_with(ref("CapacityOffer"), ref("Point")),
        "Neighbourhood": neighbourhood, "CapacityTotal": capacity_total,
        "NeighbourhoodFeature": feature_with(ref("Neighbourhood")),
        "Term": term, "Place": place,
    }


def paths(ctx: Context) -> dict:
    limit = query("limit", {"type": "integer", "minimum": 1, "maximum": ctx.max_limit},
                  f"at most this many (default {ctx.default_limit})")
    return {
        "/api/v1/assets": {
            "get": {
                "summary": "Published assets with their capacity offers, a page at a time",
                "operationId": "listAssets", "tags": ["assets"],
                "parameters": [
                    query("bbox", text(pattern=r"^\s*-?[0-9.eE+-]+(\s*,\s*-?[0-9.eE+-]+){3}\s*$"),
                          "minx,miny,maxx,maxy in WGS84 degrees"),
                    code_list("category", ctx.of("categories"), "category", "only these categories"),
                    query("when", text(200), "only assets with an offer free then: opening_hours form "
                                             "(Tu 18:00-21:00) or `now`"),
                    limit,
                    query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9}, "skip this many"),
                    query("after", {"type": "integer", "minimum": 0, "maximum": 2**62},
                          "the page after this one (from a `next` link); not with offset"),
                ],
                "responses": {
                    "200": ok("A FeatureCollection; `links` has the next page while there is one",
                              collection_of(ref("AssetFeature"), numberReturned=number(integer=True),
                                            links={"type": "array", "items": obj(
                                                {"rel": text(), "type": text(), "href": text()},
                                                ["rel", "href"])}),
                              GEOJSON, headers={**_ETAG, "Link": {"description": "the next page",
                                                                  "schema": {"type": "string"}}}),
                    "304": NOT_MODIFIED, **errors(400)},
            },
            "post": idempotent({
                "summary": "Add an asset (pending moderation)", "operationId": "createAsset", "tags": ["assets"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewAsset")}}},
                "responses": {
                    "201": ok("Added; the private edit token is shown only here",
                              obj({"id": text(format="uuid"), "status": text(),
                                   "edit_token": text()}, ["id", "status", "edit_token"]),
                              headers={"Location": {"schema": {"type": "string"}}}),
                    **errors(413, 422, 429)},
            }),
        },
        "/api/v1/assets/{public_id}": {
            "get": {
                "summary": "One asset", "operationId": "getAsset", "tags": ["assets"],
                "description": "Pending or rejected assets only for planners (API token) and the edit-link "
                               "holder (X-Edit-Token).",
                "parameters": [PUBLIC_ID, {"name": "X-Edit-Token", "in": "header", "required": False,
                                           "schema": {"type": "string"},
                                           "description": "the private edit token from when it was added"}],
                "security": [{}, {"apiToken": []}],
                "responses": {"200": ok("The asset", ref("AssetFeature"), GEOJSON), **errors(404)},
            },
        },
        "/api/v1/assets/{public_id}/moderation": {
            "post": {
                "summary": "Approve or reject a pending asset", "operationId": "moderateAsset",
                "tags": ["assets"], "security": [{"apiToken": []}], "parameters": [PUBLIC_ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": obj(
                    {"action": text(enum=["approve", "reject"]), "reason": text(nullable=True)},
                    ["action"], closed=True)}}},
                "responses": {"200": ok("The asset's properties after the decision",
                                        {"allOf": [ref("Asset"), obj({"status": text()})]}),
                              **errors(401, 403, 404, 409, 413, 422)},
            },
        },
        "/api/v1/capacity": {
            "get": {
                "summary": "Spare capacity that fits, nearest first", "operationId": "searchCapacity",
                "tags": ["capacity"],
                "parameters": [
                    code_list("kind", ctx.of("capacity_kinds"), "capacity kind", "only these kinds"),
                    query("when", text(200), "free then: opening_hours form (Tu 18:00-21:00) or `now`"),
                    query("near", text(), "`lon,lat`, a postcode, or a street or place name"),
                    query("within_m", {"type": "number", "minimum": 1, "maximum": MAX_WITHIN_M},
                          "metres from `near`"),
                    query("min_quantity", {"type": "number", "minimum": 0, "maximum": 100_000},
                          "at least this much"),
                    query("unit", codes(ctx.of("units"), "unit"), "in this unit"),
                    code_list("cost", ctx.of("costs"), "cost", "only these costs"),
                    query("audience", text(100), "words the offer's audience must contain"),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": ctx.max_limit},
                          "at most this many (default 50)"),
                ],
                "responses": {
                    "200": ok("Offers as GeoJSON, each with when it is next free and last confirmed",
                              collection_of(ref("CapacityOfferFeature"), numberReturned=number(integer=True),
                                            more={"type": "boolean"}, when=text(nullable=True),
                                            near={**obj({"lon": number(), "lat": number(), "label": text()}),
                                                  "nullable": True}),
                              GEOJSON),
                    **errors(400)},
            },
        },
        "/api/v1/neighbourhoods": {
            "get": {
                "summary": "Every neighbourhood with its figures", "operationId": "listNeighbourhoods",
                "tags": ["neighbourhoods"],
                "responses": {"200": ok("Neighbourhoods as GeoJSON", collection_of(ref("NeighbourhoodFeature")),
                                        GEOJSON, headers=_ETAG), "304": NOT_MODIFIED},
            },
        },
        "/api/v1/categories": {
            "get": {
                "summary": "The asset categories and their groups, in display order",
                "operationId": "listCategories", "tags": ["vocabularies"],
                "responses": {"200": ok("Categories and groups", obj({
                    "categories": {"type": "array", "items": ref("Term")},
                    "groups": {"type": "array", "items": ref("Term")}}, ["categories", "groups"]))},
            },
        },
        "/api/v1/places": {
            "get": {
                "summary": "Postcodes and place names from the gazetteer", "operationId": "searchPlaces",
                "tags": ["places"],
                "parameters": [query("q", text(100), "what to look for"),
                               query("limit", {"type": "integer", "minimum": 1, "maximum": 20},
                                     "at most this many (default 5)")],
                "responses": {"200": ok("Places found, best first", obj(
                    {"results": {"type": "array", "items": ref("Place")}}, ["results"])), **errors(400)},
            },
        },
    }
