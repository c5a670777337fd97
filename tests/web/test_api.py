"""/api/v1 against the demo town in a real PostGIS."""

import json

import pytest
from shapely.geometry import box, shape


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return response, json.loads(response.data)


def published_count(conn, where="true", params=()):
    return conn.execute(f"SELECT count(*) FROM assets WHERE status = 'published' AND {where}", params).fetchone()[0]


def test_assets_is_a_feature_collection_of_every_published_asset(client, demo_conn):
    response, body = get_json(client, "/api/v1/assets")
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    features = body["features"]
    assert len(features) == published_count(demo_conn) >= 400
    assert body["numberReturned"] == len(features)
    assert body["links"] == []
    for f in features:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert -6 < lon < 2 and 50 < lat < 56          # England
        props = f["properties"]
        assert props["url"] == f"/assets/{f['id']}"
        assert isinstance(props["capacity"], list)
    with_offers = [f for f in features if f["properties"]["capacity"]]
    assert len(with_offers) > len(features) / 2
    offer = with_offers[0]["properties"]["capacity"][0]
    assert set(offer) == {"id", "kind", "quantity", "unit", "schedule", "schedule_text", "cost", "cost_label",
                          "audience", "description", "last_confirmed_at"}


def test_pending_rejected_and_private_details_never_appear(client, demo_conn):
    _, body = get_json(client, "/api/v1/assets")
    ids = {f["id"] for f in body["features"]}
    hidden = {str(r[0]) for r in demo_conn.execute(
        "SELECT public_id FROM assets WHERE status <> 'published'").fetchall()}
    assert hidden and not ids & hidden
    text = json.dumps(body)
    assert "contact" not in text and "edit_token" not in text
    emails = [r[0] for r in demo_conn.execute("SELECT contact_email FROM assets WHERE contact_email IS NOT NULL")]
    assert not any(e in text for e in emails)


def test_private_homes_are_shown_only_at_a_generalised_point(client, demo_conn):
    _, body = get_json(client, "/api/v1/assets")
    homes = {str(pid): (x, y, addr) for pid, x, y, addr in demo_conn.execute(
        "SELECT public_id, ST_X(geom), ST_Y(geom), address FROM assets "
        "WHERE is_private_home AND status = 'published'").fetchall()}
    assert homes, "the demo town should include published private homes"
    for f in body["features"]:
        if f["id"] in homes:
            x, y, _ = homes[f["id"]]
            assert f["geometry"]["coordinates"] != [x, y]
            assert f["properties"]["location_precision"] == "generalised"
            assert f["properties"]["address"] == "" and f["properties"]["postcode"] is None


def test_bbox_returns_exactly_the_assets_inside(client, demo_conn):
    minx, miny, maxx, maxy = demo_conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(geom)::geometry e FROM assets WHERE status = 'published') x").fetchone()
    # the south-west quarter of the town
    bbox = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    _, body = get_json(client, "/api/v1/assets?bbox=" + ",".join(map(str, bbox)))
    area = box(*bbox)
    assert body["features"]
    assert all(area.covers(shape(f["geometry"])) for f in body["features"])
    expected = demo_conn.execute(
        "SELECT count(*) FROM public_assets WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", bbox).fetchone()[0]
    assert len(body["features"]) == expected < published_count(demo_conn)


def test_category_filter(client, demo_conn):
    _, body = get_json(client, "/api/v1/assets?category=library")
    assert {f["properties"]["category"] for f in body["features"]} == {"library"}
    assert len(body["features"]) == published_count(demo_conn, "category = 'library'")
    _, both = get_json(client, "/api/v1/assets?category=library,park_green_space")
    _, repeated = get_json(client, "/api/v1/assets?category=library&category=park_green_space")
    assert len(both["features"]) == len(repeated["features"]) == published_count(
        demo_conn, "category IN ('library', 'park_green_space')")


def test_paging_visits_every_asset_once(client, demo_conn):
    seen, url, pages = [], "/api/v1/assets?limit=150", 0
    while url:
        response, body = get_json(client, url)
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        assert (response.headers.get("Link") is not None) == bool(nxt)
        assert all("after=" in n and "offset=" not in n for n in nxt)   # keyset, not OFFSET
        url = nxt[0] if nxt else None
        pages += 1
    assert len(seen) == len(set(seen)) == published_count(demo_conn)
    assert pages == -(-len(seen) // 150)


def test_offset_paging_still_gives_the_same_pages(client):
    _, first = get_json(client, "/api/v1/assets?limit=150")
    after = [link["href"] for link in first["links"] if link["rel"] == "next"][0]
    _, by_key = get_json(client, after)
    _, by_offset = get_json(client, "/api/v1/assets?limit=150&offset=150")
    assert [f["id"] for f in by_key["features"]] == [f["id"] for f in by_offset["features"]]
    response, body = get_json(client, "/api/v1/assets?after=10&offset=150", status=400)
    assert response.status_code == 400 and body["parameter"] == "after"


@pytest.mark.parametrize("query, parameter", [
    ("bbox=1,2,3", "bbox"),
    ("bbox=0,0,x,1", "bbox"),
    ("bbox=10,0,1,1", "bbox"),
    ("bbox=0,-100,1,1", "bbox"),
    ("limit=0", "limit"),
    ("limit=10001", "limit"),
    ("limit=many", "limit"),
    ("offset=-1", "offset"),
    ("after=x", "after"),
    ("after=-3", "after"),
    ("category=casino", "category"),
    ("category=library,%3Cscript%3E", "category"),
    ("colour=red", "colour"),
])
def test_bad_parameters_get_a_400_naming_them(client, query, parameter):
    response, body = get_json(client, f"/api/v1/assets?{query}", status=400)
    assert response.mimetype == "application/json"
    assert body["parameter"] == parameter
    assert body["message"]


def test_unknown_api_route_is_a_json_404(client):
    response, body = get_json(client, "/api/v1/nothing", status=404)
    assert body["error"] == "Not Found"


def test_neighbourhoods(client, demo_conn):
    response, body = get_json(client, "/api/v1/neighbourhoods")
    assert response.mimetype == "application/geo+json"
    features = body["features"]
    assert len(features) == demo_conn.execute("SELECT count(*) FROM neighbourhoods").fetchone()[0] >= 25
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in features)
    assert sum(f["properties"]["published_assets"] for f in features) == published_count(
        demo_conn, "neighbourhood_id IS NOT NULL")
    assert all(f["properties"]["population"] > 0 for f in features)


def test_categories(client, demo_conn):
    _, body = get_json(client, "/api/v1/categories")
    codes = [c["code"] for c in body["categories"]]
    assert "library" in codes
    assert len(codes) == demo_conn.execute("SELECT count(*) FROM categories").fetchone()[0]
