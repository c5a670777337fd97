"""/ogc against the demo town: landing page, conformance, collections, items (paging by next links to the end,
bbox, property parameters, datetime, CQL2 filters), single features, queryables, the OpenAPI document, HTML for a
browser, OGC exceptions for mistakes, and no private home's exact point anywhere."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape
from openapi_spec_validator import validate as validate_openapi

from assetmap import ogc
from assetmap.ogc import items, openapi

COLLECTION_IDS = ["assets", "capacity", "service_sites", "catchments", "neighbourhoods"]
# each collection's count, from the view it reads
COUNTS = {"assets": "SELECT count(*) FROM public_assets",
          "capacity": "SELECT count(*) FROM public_capacity_offers",
          "service_sites": "SELECT count(*) FROM public_service_sites",
          "catchments": "SELECT count(*) FROM public_catchments",
          "neighbourhoods": "SELECT count(*) FROM neighbourhoods"}


def get_json(client, url: str, media: str = "application/json", status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == media
    return response.get_json(force=True)


def rel(doc: dict, name: str, media: str | None = None) -> str:
    found = [link["href"] for link in doc["links"] if link["rel"] == name and media in (None, link.get("type"))]
    assert found, f"no {name} link in {doc['links']}"
    return found[0].removeprefix("http://localhost")


def test_landing_page_and_conformance(client):
    landing = get_json(client, "/ogc/")
    assert client.get("/ogc").status_code == 308   # to /ogc/
    assert rel(landing, "service-desc", openapi.OPENAPI_JSON) == "/ogc/api"
    assert rel(landing, "data") == "/ogc/collections"
    conformance = get_json(client, rel(landing, "conformance"))["conformsTo"]
    assert conformance == list(ogc.CONFORMANCE)
    for uri in ("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
                "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"):
        assert uri in conformance   # the set QGIS needs before it sends a filter to the server


def test_collections_list_each_with_its_extent(client, demo_conn):
    listed = get_json(client, "/ogc/collections")["collections"]
    assert [c["id"] for c in listed] == COLLECTION_IDS
    for c in listed:
        assert get_json(client, f"/ogc/collections/{c['id']}") == c
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        assert -180 <= w < e <= 180 and -90 <= s < n <= 90
        assert rel(c, "items", "application/geo+json") == f"/ogc/collections/{c['id']}/items"
    get_json(client, "/ogc/collections/private_homes", status=404)


@pytest.mark.parametrize("collection", COLLECTION_IDS)
def test_paging_by_next_links_reaches_every_feature_once(client, demo_conn, collection):
    total = demo_conn.execute(COUNTS[collection]).fetchone()[0]
    assert total > 0
    limit = max(2, total // 3)   # three or four pages
    url, seen, pages = f"/ogc/collections/{collection}/items?limit={limit}", [], 0
    while url:
        page = get_json(client, url, "application/geo+json")
        assert page["type"] == "FeatureCollection" and page["numberReturned"] == len(page["features"]) <= limit
        assert page["numberMatched"] == total
        seen += [f["id"] for f in page["features"]]
        nexts = [link for link in page["links"] if link["rel"] == "next" and link["type"] == "application/geo+json"]
        url = nexts[0]["href"].removeprefix("http://localhost") if nexts else None
        assert url is None or "after=" in url
        pages += 1
    assert pages >= 3 and len(seen) == len(set(seen)) == total


def test_offset_is_bounded_and_points_at_next_links(client):
    first = get_json(client, "/ogc/collections/assets/items?limit=5", "application/geo+json")
    skipped = get_json(client, "/ogc/collections/assets/items?limit=3&offset=2", "application/geo+json")
    assert [f["id"] for f in skipped["features"]] == [f["id"] for f in first["features"]][2:5]
    too_deep = get_json(client, f"/ogc/collections/assets/items?offset={items.MAX_OFFSET + 1}", status=400)
    assert too_deep["code"] == "InvalidParameterValue" and "next link" in too_deep["description"]


@pytest.mark.parametrize("query, message", [
    ("limit=unlimited", "limit"), ("limit=0", "limit"), (f"limit={items.MAX_LIMIT + 1}", "limit"),
    ("ooga=booga", "unknown parameter"), ("bbox=1,2,3", "bbox"), ("datetime=yesterday", "datetime"),
    ("category=castle", "unknown value"), ("capacity=perhaps", "boolean"), ("crs=EPSG:27700", "crs"),
    ("filter=nope%3D1", "unknown property"), ("filter-lang=sql&filter=name%3D%27x%27", "filter-lang"),
    ("after=3&offset=2", "not both"), ("f=xml", "json or html"),
])
def test_mistakes_are_ogc_exceptions_in_plain_words(client, query, message):
    body = get_json(client, f"/ogc/collections/assets/items?{query}", status=400)
    assert set(body) == {"code", "description"} and message in body["description"]


def test_bbox_property_parameters_and_datetime_select_what_the_view_holds(client, demo_conn):
    w, s, e, n = demo_conn.execute("SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM "
                                   "(SELECT ST_Extent(geom) x FROM public_assets) b").fetchone()
    mid = (w + e) / 2
    expected = {str(r[0]) for r in demo_conn.execute(
        "SELECT public_id FROM public_assets WHERE category IN ('library', 'youth_club') "
        "AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", (w, s, mid, n)).fetchall()}
    page = get_json(client, f"/ogc/collections/assets/items?limit=10000&category=library,youth_club"
                            f"&bbox={w},{s},{mid},{n}", "application/geo+json")
    assert expected and {f["id"] for f in page["features"]} == expected
    assert all(f["properties"]["category"] in ("library", "youth_club") for f in page["features"])

    middle = demo_conn.execute("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY last_confirmed_at) "
                               "FROM public_assets").fetchone()[0]
    since = demo_conn.execute("SELECT count(*) FROM public_assets WHERE last_confirmed_at >= %s",
                              (middle,)).fetchone()[0]
    stamp = middle.isoformat().replace("+00:00", "Z")
    assert get_json(client, f"/ogc/collections/assets/items?datetime={stamp}/..&limit=1",
                    "application/geo+json")["numberMatched"] == since
    until = get_json(client, f"/ogc/collections/assets/items?datetime=../{stamp}&limit=1", "application/geo+json")
    before = demo_conn.execute("SELECT count(*) FROM public_assets WHERE last_confirmed_at <= %s",
                               (middle,)).fetchone()[0]
    assert until["numberMatched"] == before   # an interval includes both its ends
    # collections without a time ignore datetime
    hoods = get_json(client, "/ogc/collections/neighbourhoods/items?datetime=2001-01-01", "application/geo+json")
    assert hoods["numberMatched"] == demo_conn.execute("SELECT count(*) FROM neighbourhoods").fetchone()[0]


def test_cql2_filters_in_text_and_json(client, demo_conn):
    libraries = demo_conn.execute("SELECT count(*) FROM public_assets WHERE category = 'library'").fetchone()[0]
    text = get_json(client, "/ogc/collections/assets/items?filter=category%3D%27library%27&limit=1",
                    "application/geo+json")
    as_json = json.dumps({"op": "=", "args": [{"property": "category"}, "library"]})
    by_json = client.get("/ogc/collections/assets/items", query_string={"filter": as_json,
                                                                        "filter-lang": "cql2-json", "limit": 1})
    assert text["numberMatched"] == by_json.get_json(force=True)["numberMatched"] == libraries > 1
    # the next link carries the filter
    assert "filter=" in rel(text, "next", "application/geo+json")
    big = client.get("/ogc/collections/capacity/items", query_string={
        "filter": "quantity > 5 AND kind IN ('space', 'volunteer_time')", "limit": 10000}).get_json(force=True)
    assert big["features"] and all(f["properties"]["quantity"] > 5 for f in big["features"])


def test_single_features(client):
    for collection in COLLECTION_IDS:
        first = get_json(client, f"/ogc/collections/{collection}/items?limit=1", "application/geo+json")
        feature = first["features"][0]
        one = get_json(client, f"/ogc/collections/{collection}/items/{feature['id']}", "application/geo+json")
        assert one["properties"] == feature["properties"] and one["geometry"] == feature["geometry"]
        assert rel(one, "collection") == f"/ogc/collections/{collection}"
        get_json(client, f"/ogc/collections/{collection}/items/0000", status=404)
    get_json(client, "/ogc/collections/assets/items/00000000-0000-0000-0000-000000000000", status=404)


def test_queryables_are_json_schema(client):
    response = client.get("/ogc/collections/capacity/queryables")
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    schema = response.get_json(force=True)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "http://localhost/ogc/collections/capacity/queryables"
    assert schema["properties"]["geometry"]["format"] == "geometry-point"
    assert "space" in schema["properties"]["kind"]["enum"]
    assert schema["properties"]["quantity"]["type"] == "number"
    link = client.get("/ogc/collections/capacity/items?limit=1").headers["Link"]
    assert '/ogc/collections/capacity/queryables>; rel="http://www.opengis.net/def/rel/ogc/1.0/queryables"' in link


def test_openapi_document_and_fragments_are_valid(client):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = response.get_json(force=True)
    validate_openapi(document)
    assert document["servers"] == [{"url": "http://localhost/ogc"}]
    for collection in COLLECTION_IDS:   # GDAL reads each collection's own path for the parameters it may send
        listed = document["paths"][f"/collections/{collection}/items"]["get"]["parameters"]
        names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in listed}
        assert names >= {"OgcLimit", "OgcBbox", "OgcFilter", "OgcFilterLang"}
        assert names >= set(get_json(client, f"/ogc/collections/{collection}/queryables",
                                     "application/schema+json")["properties"]) - {"geometry"}
    merged = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": openapi.paths(),
              "components": openapi.components()}
    validate_openapi(merged)
    served = {rule.rule for rule in client.application.url_map.iter_rules() if rule.rule.startswith("/ogc")}
    documented = {p.replace("{collectionId}", "<collection_id>").replace("{featureId}", "<feature_id>")
                  for p in openapi.paths() if not any(f"/collections/{c}/" in p for c in COLLECTION_IDS)}
    assert served == documented


def test_html_for_a_browser(client):
    for url in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/assets",
                "/ogc/collections/assets/queryables", "/ogc/collections/assets/items?limit=5"):
        response = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert response.status_code == 200 and response.mimetype == "text/html", url
        assert "<h1>" in response.get_data(as_text=True)
        assert client.get(url + ("&" if "?" in url else "?") + "f=html").mimetype == "text/html"
    page = client.get("/ogc/collections/assets/items?limit=5&f=html").get_data(as_text=True)
    assert 'rel="next"' in page and page.count("/ogc/collections/assets/items/") >= 5
    first = get_json(client, "/ogc/collections/assets/items?limit=1", "application/geo+json")["features"][0]
    one = client.get(f"/ogc/collections/assets/items/{first['id']}?f=html").get_data(as_text=True)
    assert str(escape(first["properties"]["name"])) in one


def test_no_private_home_is_at_its_exact_point(client, demo_conn):
    homes = demo_conn.execute("""
        SELECT a.public_id::text, ST_X(a.geom), ST_Y(a.geom), a.address FROM assets a
         WHERE a.status = 'published' AND a.is_private_home AND NOT ST_Equals(a.geom, a.public_geom)""").fetchall()
    assert homes, "the demo town has published private homes"
    pages = [client.get(f"/ogc/collections/{c}/items?limit=10000").get_data(as_text=True)
             for c in ("assets", "capacity")]
    for public_id, lon, lat, address in homes:
        exact = json.dumps([round(lon, 7), round(lat, 7)])
        for text in pages:
            assert exact not in text.replace(" ", "")
        one = get_json(client, f"/ogc/collections/assets/items/{public_id}", "application/geo+json")
        assert one["geometry"]["coordinates"] != [round(lon, 7), round(lat, 7)]
        assert one["properties"]["address"] == "" and one["properties"]["postcode"] is None
        # shrinking a box or a filter round the front door must not find the home
        near = f"{lon - 1e-6},{lat - 1e-6},{lon + 1e-6},{lat + 1e-6}"
        found = get_json(client, f"/ogc/collections/assets/items?bbox={near}", "application/geo+json")
        assert public_id not in {f["id"] for f in found["features"]}
        found = client.get("/ogc/collections/assets/items", query_string={
            "filter": f"S_INTERSECTS(geometry, POINT({lon} {lat}))"}).get_json(force=True)
        assert public_id not in {f["id"] for f in found["features"]}
        if address:
            found = client.get("/ogc/collections/assets/items",
                               query_string={"filter": f"address = '{address}'" if "'" not in address else
                                             "address IS NULL"}).get_json(force=True)
            assert public_id not in {f["id"] for f in found["features"]}
