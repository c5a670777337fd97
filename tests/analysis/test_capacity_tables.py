"""Capacity sharing, the analysis tables, `assetmap analyse` and /api/v1/analysis, on the hand-built town.

To the town of test_overlaps_spend.py (N1 = [0,2000]², N2 = [2000,4000]×[0,2000]; centroids 2 km apart) this adds:

    H1 in N1 at (500, 500):    volunteer time 10 hours a week (no schedule); space 10 places "Tu 18:00-20:00"
    H2 in N2 at (3500, 500):   space 20 places "Tu 18:00-21:00"
    need in N2 at (3200, 800): volunteer time 6 hours a week
    need in N1 (by code):      space 30 places "Tu 18:00-20:00" and space 15 places "Tu 19:00-20:00"

Worked by hand, a week:
    volunteer time: N1 supply 10, need 0, balance +10;  N2 supply 0, need 6, balance −6  → link N1→N2 of 6, 2 km
    space (place-hours): N1 supply 10×2 = 20, need 30×2 + 15×1 = 75, balance −55;  N2 supply 20×3 = 60, balance
        +60 → link N2→N1 of 55, 2 km
    direct matches: the 15-place need (at N1's centroid, (1000, 1000)) is met by H2 (20 places, open Tu 19-20 too)
        at √(2500² + 500²) = 2549.5 m, an hour's overlap; H1 has too few places; the 30-place need has no match;
        the drivers (any time) by H1's volunteers at √(2700² + 300²) = 2716.6 m.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from click.testing import CliRunner

from assetmap import schedule_weeks
from assetmap.analysis import capacity, spend
from assetmap.analysis.filters import Filters, Options
from assetmap.cli import main
from assetmap.model import users
from tests.analysis.shapes import TO_WGS84, X0, Y0
from tests.helpers import add_staff, cheap_hashes, close_app, make_app


def point(x, y) -> str:
    lon, lat = TO_WGS84.transform(X0 + x, Y0 + y)
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)"


@pytest.fixture
def town(conn):
    ids = {}
    for name, x, y in (("H1", 500, 500), ("H2", 3500, 500)):
        ids[name] = conn.execute(f"INSERT INTO assets (name, category, geom, status) VALUES (%s, 'other', "
                                 f"{point(x, y)}, 'published') RETURNING id", (name,)).fetchone()["id"]
    offers = [("H1", "volunteer_time", 10, "hours_per_week", None), ("H1", "space", 10, "places", "Tu 18:00-20:00"),
              ("H2", "space", 20, "places", "Tu 18:00-21:00")]
    for asset, kind, quantity, unit, schedule in offers:
        conn.execute("INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule) "
                     "VALUES (%s, %s, %s, %s, %s)", (ids[asset], kind, quantity, unit, schedule))
    conn.execute(f"INSERT INTO capacity_needs (title, kind, quantity, unit, geom) VALUES "
                 f"('Drivers', 'volunteer_time', 6, 'hours_per_week', {point(3200, 800)})")
    conn.execute("INSERT INTO capacity_needs (title, kind, quantity, unit, schedule, neighbourhood_id) "
                 "SELECT t, 'space', q, 'places', s, id FROM neighbourhoods, "
                 "(VALUES ('Big hall', 30, 'Tu 18:00-20:00'), ('Small room', 15, 'Tu 19:00-20:00')) v(t, q, s) "
                 "WHERE code = 'N1'")
    schedule_weeks.refresh(conn)
    return conn


def by_key(table, *keys):
    return {tuple(r[k] for k in keys): r for r in table.rows}


def test_weekly_supply_need_and_balance_worked_by_hand(town):
    rows = by_key(capacity.balance(town), "code", "kind")
    assert (rows["N1", "volunteer_time"]["supply"], rows["N1", "volunteer_time"]["balance"]) == (10, 10)
    assert rows["N2", "volunteer_time"]["need"] == 6 and rows["N2", "volunteer_time"]["balance"] == -6
    assert rows["N1", "space"]["unit"] == "place_hours_per_week"
    assert rows["N1", "space"]["supply"] == pytest.approx(20)
    assert rows["N1", "space"]["need"] == pytest.approx(75)
    assert rows["N2", "space"]["balance"] == pytest.approx(60)


def test_links_meet_every_deficit_within_reach(town):
    links = capacity.links(town)
    found = by_key(links, "from_code", "to_code", "kind")
    assert set(found) == {("N1", "N2", "volunteer_time"), ("N2", "N1", "space")}
    volunteers, space = found["N1", "N2", "volunteer_time"], found["N2", "N1", "space"]
    assert volunteers["amount"] == pytest.approx(6) and volunteers["distance_km"] == pytest.approx(2, rel=1e-6)
    assert space["amount"] == pytest.approx(55) and space["unit"] == "place_hours_per_week"
    # which offers could carry it, and which needs it would meet
    assert [o["asset_name"] for o in space["offers"]] == ["H2"]
    assert sorted(n["title"] for n in space["needs"]) == ["Big hall", "Small room"]
    assert [n["title"] for n in volunteers["needs"]] == ["Drivers"]
    assert links.geometries[0]["type"] == "LineString"
    assert links.summary["by_kind"]["space/place_hours_per_week"]["moved"] == pytest.approx(55)


def test_nothing_is_linked_beyond_the_distance(town):
    assert capacity.links(town, options=Options(max_distance_m=1500)).rows == []


def test_the_need_estimate_adds_to_recorded_need(town):
    rows = by_key(capacity.balance(town, Filters(kinds=("volunteer_time",)),
                                   Options(estimate={"volunteer_time": 20})), "code", "kind")
    # 20 a week per 1,000 residents, no need scores: N1 (1,000 people) 20, N2 (3,000) 60
    assert rows["N1", "volunteer_time"]["need_estimated"] == pytest.approx(20)
    assert rows["N2", "volunteer_time"]["need"] == pytest.approx(66)
    assert capacity.links(town, Filters(kinds=("volunteer_time",)),
                          Options(estimate={"volunteer_time": 20})).rows == []   # a deficit everywhere


def test_an_estimate_for_an_unknown_kind_is_refused(town):
    with pytest.raises(ValueError, match="ASSETMAP_NEED_ESTIMATE names unknown capacity kinds: hugs"):
        capacity.balance(town, options=Options(estimate={"hugs": 1}))


def test_direct_matches_worked_by_hand(town):
    found = {m["need_title"]: m for m in capacity.matches(town).rows}
    assert {(t, m["asset_name"]) for t, m in found.items()} == {("Small room", "H2"), ("Drivers", "H1")}
    room, drivers = found["Small room"], found["Drivers"]
    assert room["distance_m"] == pytest.approx(math.hypot(2500, 500), abs=0.5)
    assert (room["overlap_hours"], room["times"]) == (pytest.approx(1), "overlap")
    assert drivers["distance_m"] == pytest.approx(math.hypot(2700, 300), abs=0.5)
    assert drivers["times"] == "any time"
    assert capacity.matches(town, options=Options(max_distance_m=2600)).rows[0]["need_title"] == "Small room"


def test_spend_parts_are_named_and_add_up(conn):
    parts = spend.parts(conn)
    assert parts["services_spend"] == 190000
    assert parts["neighbourhood"] + parts["outside"] + parts["no_population"] + parts["no_catchment"] == \
        pytest.approx(190000)
    assert parts["outside"] == pytest.approx(50000 * 0.5)   # half of B lies beyond y = 2000


def test_catchments_of_whole_neighbourhoods_leave_nothing_outside(fresh_demo_db_url):
    import psycopg
    with psycopg.connect(fresh_demo_db_url) as c:
        # Demo catchments are unions of whole neighbourhoods; float rounding once left slivers "outside".
        assert c.execute("SELECT count(*) FROM analysis_spend_parts() WHERE part = 'outside'").fetchone()[0] == 0


# -- the command and the API: the exact columns, the same figures -----------------------------------------------

def analyse(url, *args):
    result = CliRunner().invoke(main, ["analyse", *args], env={"DATABASE_URL": url},
                                                catch_exceptions=False)
    return result


def header_and_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.mark.parametrize("args, first", [
    (["overlaps"], "service_a,service_b,agency_a,agency_b,overlap_km2,share_a,share_b,population_both,"
                   "shared_client_groups,same_theme,score"),
    (["spend"], "code,name,population,spend_total,spend_per_head,nhs,council,housing,police,dwp,voluntary,"
                "education,other"),
    (["capacity"], "code,kind,unit,supply,need,balance"),
    (["capacity", "--links"], "from_code,to_code,kind,unit,amount,distance_km"),
])
def test_cli_csv_columns_are_named_exactly(town, fresh_db_url, args, first):
    result = analyse(fresh_db_url, *args)
    assert result.exit_code == 0, result.output + result.stderr
    header, rows = header_and_rows(result.stdout)
    assert ",".join(header).startswith(first)
    assert rows


def test_cli_figures_match_the_functions(town, fresh_db_url, tmp_path):
    out = tmp_path / "links.geojson"
    result = analyse(fresh_db_url, "capacity", "--links", "-o", str(out))
    assert result.exit_code == 0 and "wrote 2 rows of links" in result.stderr
    collection = json.loads(out.read_text())
    amounts = sorted(f["properties"]["amount"] for f in collection["features"])
    assert amounts == [pytest.approx(6), pytest.approx(55)]
    header, rows = header_and_rows(analyse(fresh_db_url, "overlaps", "--candidates").stdout)
    ab = [r for r in rows if {r[header.index("name_a")], r[header.index("name_b")]} == {"Service A", "Service B"}]
    assert ab and ab[0][header.index("shared_client_groups")] == "older_people"
    assert float(ab[0][header.index("overlap_km2")]) == pytest.approx(1.0, rel=1e-5)
    spend_out = analyse(fresh_db_url, "spend")
    assert "outside every neighbourhood £25,000" in spend_out.stderr


def test_cli_refuses_unknown_codes_and_mixed_flags(town, fresh_db_url):
    bad = analyse(fresh_db_url, "overlaps", "--theme", "knitting")
    assert bad.exit_code == 2 and "--theme: unknown code knitting" in bad.stderr
    mixed = analyse(fresh_db_url, "capacity", "--links", "--matches")
    assert mixed.exit_code == 2 and "at most one of" in mixed.stderr
    wrong = analyse(fresh_db_url, "spend", "--links")
    assert wrong.exit_code == 2 and "--links goes with `assetmap analyse capacity`" in wrong.stderr


@pytest.fixture
def api(town, fresh_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    add_staff(town)
    token = users.create_token(town, "pat@example.org", "test")
    app = make_app(fresh_db_url)
    yield app.test_client(), {"Authorization": f"Bearer {token}"}
    close_app(app)


def test_api_needs_a_planners_token(api):
    client, headers = api
    assert client.get("/api/v1/analysis/overlaps").status_code == 401
    assert client.get("/api/v1/analysis/capacity", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_api_serves_the_same_tables(api):
    client, headers = api
    links = client.get("/api/v1/analysis/capacity?part=links", headers=headers)
    assert links.status_code == 200 and links.mimetype == "application/geo+json"
    assert sorted(f["properties"]["amount"] for f in links.json["features"]) == [pytest.approx(6), pytest.approx(55)]
    spent = client.get("/api/v1/analysis/spend?agency_kind=nhs", headers=headers).json
    assert spent["summary"]["services_spend"] == 90000   # B and C
    csv_text = client.get("/api/v1/analysis/overlaps?format=csv&part=pooling", headers=headers).get_data(as_text=True)
    assert csv_text.startswith("service_a,service_b,agency_a,agency_b,")
    bare = client.get("/api/v1/analysis/overlaps?geometry=0", headers=headers).json
    assert bare["features"] and all(f["geometry"] is None for f in bare["features"])


def test_api_narrows_overlaps_and_catchments_to_services(api, town):
    client, headers = api
    every = client.get("/api/v1/analysis/overlaps", headers=headers).json["features"]
    assert len(every) > 1
    a, b = every[-1]["properties"]["service_a"], every[-1]["properties"]["service_b"]
    pair = client.get(f"/api/v1/analysis/overlaps?services={a},{b}", headers=headers).json["features"]
    assert [(f["properties"]["service_a"], f["properties"]["service_b"]) for f in pair] == [(a, b)]
    assert pair[0]["properties"] == every[-1]["properties"]   # the same score: narrowing is after ranking
    shapes = client.get(f"/api/v1/analysis/overlaps?part=catchments&services={b},{a}", headers=headers).json
    assert sorted(f["properties"]["service_id"] for f in shapes["features"]) == sorted([a, b])
    # The shape they share, without ranking every pair: the same shape as the overlaps table's.
    shared = client.get(f"/api/v1/analysis/overlaps?part=overlap_shapes&services={a},{b}", headers=headers).json
    assert [(f["properties"]["service_a"], f["properties"]["service_b"]) for f in shared["features"]] == [(a, b)]
    assert shared["features"][0]["geometry"] == pair[0]["geometry"]
    alone = client.get(f"/api/v1/analysis/overlaps?part=overlap_shapes&services={a}", headers=headers)
    assert alone.status_code == 400 and alone.json["parameter"] == "services"


@pytest.mark.parametrize("query, parameter", [
    ("/api/v1/analysis/overlaps?services=1,two", "services"),
    ("/api/v1/analysis/overlaps?services=99999999999999999999", "services"),
    ("/api/v1/analysis/spend?services=1", "services"),
    ("/api/v1/analysis/overlaps?theme=knitting", "theme"),
    ("/api/v1/analysis/capacity?kind=hugs", "kind"),
    ("/api/v1/analysis/spend?kind=space", "kind"),
    ("/api/v1/analysis/capacity?part=everything", "part"),
    ("/api/v1/analysis/spend?format=xlsx", "format"),
])
def test_api_names_the_bad_parameter(api, query, parameter):
    client, headers = api
    response = client.get(query, headers=headers)
    assert response.status_code == 400 and response.json["parameter"] == parameter
