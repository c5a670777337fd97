"""The layers a workshop's map shows (GET /api/v1/workshops/<code>/layers/<layer>), on a copy of the demo town:
only in the workshop's area, only the layers the facilitator chose, only for those taking part, never a private
home's or a home visit's stored point, small, and readable by GIS tools."""

from __future__ import annotations

import io

import pyogrio
import pytest
import shapely

from assetmap.workshops.setup import LAYERS

ALL = list(LAYERS)
PUBLIC = ("assets", "capacity", "services", "catchments")
ANALYSES = ("overlaps", "spend", "capacity_balance")
POINTS = ("assets", "capacity", "services")
# A point is output to 6 decimals (~0.1 m), so one on the area's edge may land just outside it.
ROUNDING = 1e-6


def create(client, headers: dict, **body) -> str:
    response = client.post("/api/v1/workshops", headers=headers, json={"title": "Layers", "layers": ALL, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def joined(client, code: str, name: str = "Ann") -> dict:
    response = client.post(f"/api/v1/workshops/{code}/participants", json={"name": name})
    assert response.status_code == 201, response.get_json()
    return {"X-Participant-Token": response.get_json()["participant_token"]}


def fetch(client, code: str, layer: str, headers: dict) -> dict:
    response = client.get(f"/api/v1/workshops/{code}/layers/{layer}", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def area_of(db, code: str):
    """The workshop's area as stored (not the rounded GeoJSON of the API)."""
    row = db.execute("SELECT ST_AsBinary(area) AS wkb FROM workshops WHERE code = %s", (code,)).fetchone()
    return shapely.from_wkb(row["wkb"])


def coordinates(collection: dict) -> set[tuple[float, float]]:
    return {tuple(f["geometry"]["coordinates"]) for f in collection["features"]}


def rounded(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, 6), round(lat, 6)


def test_every_layer_keeps_to_the_area_and_reads_back_in_gis(ws_client, ws_db, fay_token):
    hoods = [r["code"] for r in ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
    code = create(ws_client, fay_token, neighbourhoods=hoods)
    who, area = joined(ws_client, code), area_of(ws_db, code)
    near = area.buffer(ROUNDING)
    for layer in ALL:
        response = ws_client.get(f"/api/v1/workshops/{code}/layers/{layer}", headers=who)
        assert response.status_code == 200, (layer, response.get_json())
        assert len(response.data) < 1_000_000, layer
        body = response.get_json()
        assert body["type"] == "FeatureCollection" and body["name"] == layer and body["title"] == LAYERS[layer]
        assert body["features"] and body["numberReturned"] == len(body["features"]), layer
        frame = pyogrio.read_dataframe(io.BytesIO(response.data))
        assert len(frame) == len(body["features"]), layer
        for shape in frame.geometry:
            if layer in POINTS:
                assert near.covers(shape), (layer, shape)
            else:   # a polygon reaches into the area, not merely along its edge
                assert shape.intersection(area).area > 0, (layer, shape)
        for number in shapely.get_coordinates(frame.geometry.values).ravel():
            assert round(number, 6) == number, (layer, number)
        if layer in ANALYSES:
            assert {f["properties"]["code"] for f in body["features"]} == set(hoods), layer
            assert all(f["properties"]["figure_label"] for f in body["features"]), layer

    # Complete as well as inside: every published asset whose public point is in the area, and no other.
    shown = {f["id"] for f in fetch(ws_client, code, "assets", who)["features"]}
    expected = {str(r["public_id"]) for r in ws_db.execute("SELECT public_id, ST_AsBinary(geom) AS wkb FROM "
                                                           "public_assets").fetchall()
                if area.covers(shapely.from_wkb(r["wkb"]))}
    assert shown == expected and expected


def test_without_an_area_the_layers_cover_the_whole_map(ws_client, ws_db, fay_token):
    code = create(ws_client, fay_token)
    who = joined(ws_client, code)
    counts = {layer: fetch(ws_client, code, layer, who)["numberReturned"] for layer in ALL}
    one = ws_db.execute("""
        SELECT (SELECT count(*) FROM public_assets) AS assets,
               (SELECT count(*) FROM service_sites t JOIN services s ON s.id = t.service_id
                 WHERE s.status = 'active' AND t.kind <> 'home_visit') AS services,
               (SELECT count(*) FROM service_catchments c JOIN services s ON s.id = c.service_id
                 WHERE s.status = 'active') AS catchments,
               (SELECT count(*) FROM neighbourhoods) AS overlaps,
               (SELECT count(*) FROM neighbourhoods) AS spend,
               (SELECT count(*) FROM analysis_capacity_balance(NULL, NULL)) AS capacity_balance""").fetchone()
    assert {k: counts[k] for k in one} == one
    assert 0 < counts["capacity"] <= ws_db.execute("SELECT count(*) AS n FROM public_capacity_offers").fetchone()["n"]


def test_analysis_layers_carry_the_planners_figures(ws_client, ws_db, fay_token):
    hoods = [r["code"] for r in ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code DESC LIMIT 3")]
    code = create(ws_client, fay_token, neighbourhoods=hoods)
    who = joined(ws_client, code)
    density = {r["code"]: r for r in ws_db.execute("SELECT * FROM analysis_service_density()")}
    for f in fetch(ws_client, code, "overlaps", who)["features"]:
        row = density[f["properties"]["code"]]
        assert (f["properties"]["figure"], f["properties"]["agencies"]) == (row["services"], row["agencies"])
    spend = {r["code"]: r for r in ws_db.execute("SELECT * FROM analysis_spend()")}
    for f in fetch(ws_client, code, "spend", who)["features"]:
        assert f["properties"]["figure"] == pytest.approx(spend[f["properties"]["code"]]["spend_per_head"], abs=0.01)
        assert f["properties"]["figure_label"].startswith("£")
    balance = {(r["code"], r["kind"], r["unit"]): r["balance"]
               for r in ws_db.execute("SELECT * FROM analysis_capacity_balance(NULL, NULL)") if r["code"] in hoods}
    shown = {(f["properties"]["code"], f["properties"]["kind"], f["properties"]["unit"]): f["properties"]["figure"]
             for f in fetch(ws_client, code, "capacity_balance", who)["features"]}
    assert shown.keys() == balance.keys() and balance
    assert all(shown[k] == pytest.approx(float(v), abs=0.05) for k, v in balance.items())


def test_a_private_home_is_never_at_its_exact_point(ws_client, ws_db, fay_token):
    homes = ws_db.execute("""
        SELECT a.id, ST_X(a.geom) AS x, ST_Y(a.geom) AS y, ST_X(a.public_geom) AS px, ST_Y(a.public_geom) AS py,
               EXISTS (SELECT 1 FROM public_capacity_offers o WHERE o.asset_id = a.id) AS offers
          FROM assets a WHERE a.is_private_home AND a.status = 'published'""").fetchall()
    assert homes and any(h["offers"] for h in homes)
    code = create(ws_client, fay_token, layers=["assets", "capacity"])
    who = joined(ws_client, code)
    assets, offers = (coordinates(fetch(ws_client, code, layer, who)) for layer in ("assets", "capacity"))
    for home in homes:
        assert rounded(home["x"], home["y"]) not in assets | offers
        assert rounded(home["px"], home["py"]) in assets   # there, at its generalised point

    # An area drawn tightly round a home's front door does not find the home: the test is on the public point.
    home = next(h for h in homes if shapely.Point(h["x"], h["y"]).distance(shapely.Point(h["px"], h["py"])) > 5e-4)
    box = shapely.box(home["x"] - 2e-4, home["y"] - 2e-4, home["x"] + 2e-4, home["y"] + 2e-4)
    assert not box.covers(shapely.Point(home["px"], home["py"]))
    tight = create(ws_client, fay_token, layers=["assets", "capacity"], area=shapely.geometry.mapping(box))
    who = joined(ws_client, tight)
    for layer in ("assets", "capacity"):
        found = coordinates(fetch(ws_client, tight, layer, who))
        assert rounded(home["px"], home["py"]) not in found and rounded(home["x"], home["y"]) not in found


def test_home_visits_are_not_shown_at_their_stored_point(ws_client, ws_db, fay_token):
    visits = ws_db.execute("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM service_sites WHERE kind = 'home_visit'"
                           ).fetchall()
    assert visits
    code = create(ws_client, fay_token, layers=["services"])
    body = fetch(ws_client, code, "services", joined(ws_client, code))
    assert not {rounded(v["x"], v["y"]) for v in visits} & coordinates(body)
    assert {f["properties"]["kind"] for f in body["features"]} == {"fixed", "outreach"}
    assert all(f["properties"]["service"] and f["properties"]["agency"] for f in body["features"])


def test_only_the_layers_the_facilitator_chose(ws_client, workshop, join):
    who = join("Ann")
    assert ws_client.get(f"/api/v1/workshops/{workshop['code']}/layers/assets", headers=who).status_code == 200
    for layer in ("spend", "catchments", "nonsense"):
        response = ws_client.get(f"/api/v1/workshops/{workshop['code']}/layers/{layer}", headers=who)
        assert response.status_code == 404 and response.is_json
        assert layer in response.get_json()["error"]
    response = ws_client.get(f"/api/v1/workshops/{workshop['code']}/layers/assets?bbox=1,2,3,4", headers=who)
    assert response.status_code == 400 and response.get_json()["parameter"] == "bbox"


def test_only_those_taking_part_see_a_layer(ws_app, ws_client, workshop, join, fay_token):
    url = f"/api/v1/workshops/{workshop['code']}/layers/assets"
    stranger = ws_app.test_client()   # no workshop cookie
    for headers in ({}, {"X-Participant-Token": "not-a-token"}):
        response = stranger.get(url, headers=headers)
        assert response.status_code == 401 and "Join the workshop" in response.get_json()["error"]
    # Another workshop's participant is a stranger here.
    other = create(stranger, fay_token, layers=["assets"])
    assert stranger.get(url, headers=joined(stranger, other)).status_code == 401
    # The participant's token, their cookie (a browser), and the facilitator's Bearer token are let in.
    assert stranger.get(url, headers=join("Ann")).status_code == 200
    assert ws_client.get(url).status_code == 200   # the client kept the cookie set on joining
    assert stranger.get(url, headers=fay_token).status_code == 200
    assert stranger.get("/api/v1/workshops/NOSUCH/layers/assets", headers=fay_token).status_code == 404


def test_public_layers_revalidate_and_analyses_are_never_kept(ws_client, ws_db, fay_token):
    hoods = [r["code"] for r in ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
    code = create(ws_client, fay_token, neighbourhoods=hoods)
    who = joined(ws_client, code)
    for layer in PUBLIC:
        first = ws_client.get(f"/api/v1/workshops/{code}/layers/{layer}", headers=who)
        assert first.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
        again = ws_client.get(f"/api/v1/workshops/{code}/layers/{layer}",
                              headers=who | {"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.data
    for layer in ANALYSES:
        response = ws_client.get(f"/api/v1/workshops/{code}/layers/{layer}", headers=who)
        assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
