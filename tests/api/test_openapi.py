"""/api/v1/openapi.json: a valid OpenAPI 3.0 document that documents every /api/v1 route the app has and no
other (and the same for /ogc, whose part `assetmap.ogc.openapi` gives), with enums from this database's
vocabularies; a merge that renames what clashes."""

from __future__ import annotations

import re

import psycopg
import pytest
from openapi_spec_validator import validate

from assetmap import openapi
from assetmap.web import analysis_api

METHODS = {"get", "post", "put", "patch", "delete"}


def _rules(app, prefixes: tuple[str, ...]) -> set[tuple[str, str]]:
    """(path with `{}` for each variable, method) for each rule of the app under `prefixes`."""
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefixes):
            path = re.sub(r"<[^<>]+>", "{}", rule.rule)
            out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def _documented(doc: dict) -> set[tuple[str, str]]:
    """The same for the document: its variables' names may differ from the rules' (OGC's `collectionId`)."""
    return {(re.sub(r"\{[^{}]+\}", "{}", path), m) for path, item in doc["paths"].items() for m in item
            if m in METHODS}


@pytest.fixture(scope="module")
def served(world):
    response = world.app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_0(served):
    assert served["openapi"].startswith("3.0.")
    validate(served)


def test_every_api_route_is_documented_and_nothing_else(served, world):
    prefixes = ("/api/v1/", "/ogc")
    routes = _rules(world.app, prefixes)
    assert ("/api/v1/assets/{}", "get") in routes   # the converter's syntax is gone
    documented = {r for r in _documented(served) if r[0].startswith(prefixes)}
    assert routes - documented == set(), "routes the document does not describe"
    # A path written out for one value of a rule's variable (OGC's /ogc/collections/assets/items) is that rule's.
    adapter = world.app.url_map.bind("localhost")
    spelt_out = {(p, m) for p, m in documented - routes if "{}" not in p and adapter.test(p, m.upper())}
    assert documented - routes - spelt_out == set(), "documented routes the app does not have"


def test_enums_follow_the_vocabulary_tables(served, world):
    """A code added to a vocabulary is in the next document the server hands out (nothing cached)."""
    with psycopg.connect(world.url, autocommit=True) as conn:
        kinds = [r[0] for r in conn.execute("SELECT code FROM capacity_kinds ORDER BY code")]
    params = {p["name"]: p for p in served["paths"]["/api/v1/capacity"]["get"]["parameters"]}
    assert sorted(params["kind"]["schema"]["items"]["enum"]) == kinds
    with psycopg.connect(world.url, autocommit=True) as conn:
        conn.execute("INSERT INTO capacity_kinds (code, label) VALUES ('openapi_test', 'A kind for this test')")
        try:
            again = world.app.test_client().get("/api/v1/openapi.json").get_json()
        finally:
            conn.execute("DELETE FROM capacity_kinds WHERE code = 'openapi_test'")
    params = {p["name"]: p for p in again["paths"]["/api/v1/capacity"]["get"]["parameters"]}
    assert "openapi_test" in params["kind"]["schema"]["items"]["enum"]


def test_a_second_request_with_the_etag_gets_304(world):
    client = world.app.test_client()
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_analysis_parts_are_the_routes_own():
    assert {route: parts for route, (_, parts) in openapi.analysis.ROUTES.items()} == analysis_api.PARTS


def test_an_empty_vocabulary_is_any_string_not_an_empty_enum():
    doc = openapi.document(openapi.Context({}))
    validate(doc)
    params = {p["name"]: p for p in doc["paths"]["/api/v1/capacity"]["get"]["parameters"]}
    assert "enum" not in params["unit"]["schema"]


def test_merging_renames_a_clashing_component_and_its_references():
    doc = openapi.document(openapi.Context({}))
    other = {"type": "object", "properties": {"code": {"type": "integer"}}}
    paths = {"/ogc/things": {"get": {"responses": {"200": {"description": "things", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}}
    merged = openapi.merge(doc, paths, {"schemas": {"Error": other, "Feature": doc["components"]["schemas"][
        "Feature"]}})
    validate(merged)
    assert merged["components"]["schemas"]["Error"] == doc["components"]["schemas"]["Error"]
    assert merged["components"]["schemas"]["OgcError"] == other
    assert "OgcFeature" not in merged["components"]["schemas"]   # the same definition: kept once
    schema = merged["paths"]["/ogc/things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/OgcError"}


def test_merging_refuses_a_path_both_parts_document():
    doc = openapi.document(openapi.Context({}))
    with pytest.raises(ValueError, match="/api/v1/places"):
        openapi.merge(doc, {"/api/v1/places": {}}, {})
