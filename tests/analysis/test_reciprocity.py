"""What matters, measured (sql/50_reciprocity.sql), on exchanges written by hand, worked out by hand.

Three neighbourhoods side by side, N1 = [0,2000]², N2 = [2000,4000]×[0,2000], N3 = [0,2000]×[2000,4000]; a hall in
N1 run by Age UK (an organisations row), a garden in N2 whose organisation is only typed ("Green Hands"), and a
private home in N3 with no organisation. Recorded needs A and B. The confirmed exchanges:

    #   giver (org)         receiver (org)        hours  people  need  kind            month    crosses
    E1  N1 (Age UK)      →  N2 (" green hands ")  3      10      -     space           2025-01  yes
    E2  N1 (Age UK)      →  N1 (a person)         2      1       -     volunteer_time  2025-01  no (within)
    E3  N2 (Green Hands) →  N1 ("Age UK")         4      5       A     volunteer_time  2025-02  yes
    E4  N3 (none)        →  N2 ("Food Bank")      1.5    -       B     space           2025-03  yes
    E5  N2 (Green Hands) →  N3 ("FOOD  BANK")     2.5    4       B     space           2025-03  yes
    E6  N1 (Age UK)      →  outside ("Scouts")    1      2       -     volunteer_time  2025-03  no (unknown)
    E10 N3 (none)        →  N3 (a person)         1      1       -     skills          2025-05  no (within)

E1 ended in January, E2 only started then, E3 has only its confirmation date (10 February), E4 started in February
and ended in March: an exchange counts in the month it ended, else started, else was confirmed. Besides, three
exchanges that must not count: recorded (100 hours), agreed, and cancelled (50 hours).

By neighbourhood (given | received | each exchange once):
    N1: hours 6 | 6 | 10 (3+2+4+1); exchanges 3 | 2 | 4; crossing 2 (E1, E3); partner neighbourhoods {N2} = 1;
        partner organisations {Green Hands, Scouts, Age UK (E2's giver)} = 3; needs {A} = 1; people 18
    N2: hours 6.5 | 4.5 | 11; exchanges 2 | 2 | 4; crossing 4; partners {N1, N3} = 2; organisations {Age UK,
        Food Bank} = 2; needs {A, B} = 2; people 19
    N3: hours 2.5 | 3.5 | 5; exchanges 2 | 2 | 3; crossing 2; partners {N2} = 1; organisations {Food Bank,
        Green Hands} = 2; needs {B} = 1; people 5
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from psycopg.rows import tuple_row

from assetmap.analysis import reciprocity
from assetmap.analysis.filters import Filters, check
from assetmap.analysis.run import table
from assetmap.cli import main
from assetmap.errors import InvalidParameter
from assetmap.model import users
from tests.analysis.exchanges import add_exchange
from tests.analysis.shapes import TO_WGS84, X0, Y0, square
from tests.helpers import add_staff, cheap_hashes, close_app, make_app, sign_in


def point(x, y) -> str:
    lon, lat = TO_WGS84.transform(X0 + x, Y0 + y)
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)"


def one(conn, query, params=None):
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query, params).fetchone()[0]


@pytest.fixture
def audit(fresh_db_url):
    import psycopg
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute(f"INSERT INTO neighbourhoods (code, name, population, geom) VALUES "
                  f"('N1', 'North One', 1000, {square(0, 0, 2000, 2000)}), "
                  f"('N2', 'North Two', 3000, {square(2000, 0, 4000, 2000)}), "
                  f"('N3', 'North Three', 2000, {square(0, 2000, 2000, 4000)})")
        n = {code: one(c, "SELECT id FROM neighbourhoods WHERE code = %s", (code,)) for code in ("N1", "N2", "N3")}
        age_uk = one(c, "INSERT INTO organisations (name, kind) VALUES ('Age UK', 'charity') RETURNING id")
        hall = one(c, f"INSERT INTO assets (name, category, geom, status, organisation_id) VALUES "
                      f"('Hall', 'other', {point(500, 500)}, 'published', %s) RETURNING id", (age_uk,))
        garden = one(c, f"INSERT INTO assets (name, category, geom, status, organisation_name) VALUES "
                        f"('Garden', 'other', {point(3000, 500)}, 'published', 'Green Hands') RETURNING id")
        home = one(c, f"INSERT INTO assets (name, category, geom, status, is_private_home, "
                      f"location_precision) VALUES "
                      f"('Home', 'other', {point(500, 3000)}, 'published', true, 'generalised') RETURNING id")
        need = {t: one(c, "INSERT INTO capacity_needs (title, kind, neighbourhood_id) VALUES (%s, 'space', %s) "
                          "RETURNING id", (t, n[code])) for t, code in (("A", "N1"), ("B", "N2"))}
        add_exchange(c, hall, receiver=n["N2"], hours=3, people=10, organisation=" green hands ",
                     ended="2025-01-20")
        add_exchange(c, hall, receiver=n["N1"], hours=2, people=1, kind="volunteer_time", started="2025-01-05",
                     requester="Sam Private", contact="sam@private.example")
        add_exchange(c, garden, receiver=n["N1"], hours=4, people=5, organisation="Age UK", need_id=need["A"],
                     kind="volunteer_time", confirmed_at="2025-02-10 12:00+00")
        add_exchange(c, home, receiver=n["N2"], hours=1.5, organisation="Food Bank", need_id=need["B"],
                     started="2025-02-27", ended="2025-03-02")
        add_exchange(c, garden, receiver=n["N3"], hours=2.5, people=4, organisation="FOOD  BANK",
                     need_id=need["B"], ended="2025-03-02")
        add_exchange(c, hall, receiver=None, hours=1, people=2, organisation="Scouts", kind="volunteer_time",
                     ended="2025-03-15")
        add_exchange(c, home, receiver=n["N3"], hours=1, people=1, kind="skills", ended="2025-05-09")
        # none of these count
        add_exchange(c, hall, receiver=n["N2"], hours=100, status="recorded", ended="2025-01-10",
                     organisation="Not Yet")
        add_exchange(c, garden, receiver=n["N1"], hours=None, status="agreed", organisation="Not Yet")
        add_exchange(c, garden, receiver=n["N1"], hours=50, status="cancelled", organisation="Not Yet")
        yield c


def by(table_, key):
    return {r[key]: r for r in table_.rows}


def test_per_neighbourhood_worked_by_hand(audit):
    rows = by(reciprocity.neighbourhoods(audit), "code")
    figures = ("hours_given", "hours_received", "hours", "exchanges_given", "exchanges_received", "exchanges",
               "cross_boundary", "partner_neighbourhoods", "partner_organisations", "needs_met", "people_reached")
    assert {code: tuple(r[f] for f in figures) for code, r in rows.items()} == {
        "N1": (6, 6, 10, 3, 2, 4, 2, 1, 3, 1, 18),
        "N2": (6.5, 4.5, 11, 2, 2, 4, 4, 2, 2, 2, 19),
        "N3": (2.5, 3.5, 5, 2, 2, 3, 2, 1, 2, 1, 5),
    }


def test_per_organisation_worked_by_hand(audit):
    result = reciprocity.organisations(audit)
    names = [r["organisation"] for r in result.rows]
    # most hours first (Age UK 10, Green Hands 9.5, the food bank 4, Scouts 1), the unnamed sides last
    assert names[:2] == ["Age UK", "Green Hands"] and names[3:] == ["Scouts", None]
    assert names[2] in ("Food Bank", "FOOD  BANK")   # one organisation, however it was typed
    rows = dict(zip(["age", "green", "food", "scouts", "unnamed"], result.rows, strict=True))
    figures = ("hours_given", "hours_received", "hours", "exchanges_given", "exchanges_received", "exchanges",
               "cross_boundary", "partner_organisations", "partner_neighbourhoods", "neighbourhoods", "needs_met",
               "people_reached")
    assert {k: tuple(r[f] for f in figures) for k, r in rows.items()} == {
        "age": (6, 4, 10, 3, 1, 4, 2, 2, 2, 1, 1, 18),
        "green": (6.5, 3, 9.5, 2, 1, 3, 3, 2, 2, 1, 2, 19),
        "food": (0, 4, 4, 0, 2, 2, 2, 1, 2, 2, 1, 4),
        "scouts": (0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 2),
        # E2 (received), E4 and E10 (given) — E10 was between two people, so it counts once here
        "unnamed": (2.5, 3, 4.5, 2, 2, 3, 1, 2, 3, 2, 1, 2),
    }
    assert [r["named"] for r in result.rows] == [True, True, True, True, False]


def test_flows_between_and_within_neighbourhoods(audit):
    result = reciprocity.flows(audit)
    assert [(r["from_code"], r["to_code"], r["hours"], r["exchanges"], r["people_reached"], r["within"])
            for r in result.rows] == [
        ("N2", "N1", 4, 1, 5, False), ("N1", "N2", 3, 1, 10, False), ("N2", "N3", 2.5, 1, 4, False),
        ("N1", "N1", 2, 1, 1, True), ("N3", "N2", 1.5, 1, 0, False), ("N3", "N3", 1, 1, 1, True)]
    assert [g["type"] for g in result.geometries] == ["LineString"] * 3 + ["Point", "LineString", "Point"]
    # N2 → N1 runs from N2's point on surface (x 2000–4000) to N1's (x 0–2000)
    (x0, _), (x1, _) = result.geometries[0]["coordinates"]
    assert x0 > x1


def test_months_and_totals(audit):
    rows = reciprocity.trends(audit).rows
    assert [(r["month"], r["hours"], r["exchanges"], r["cross_boundary"], r["people_reached"], r["needs_met"])
            for r in rows] == [("2025-01", 5, 2, 1, 11, 0), ("2025-02", 4, 1, 1, 5, 1), ("2025-03", 5, 3, 2, 6, 1),
                               ("2025-04", 0, 0, 0, 0, 0), ("2025-05", 1, 1, 0, 1, 0)]
    assert [r["cross_boundary_share"] for r in rows] == [0.5, 1, pytest.approx(2 / 3), None, 0]
    totals = reciprocity.totals(audit)
    assert totals == {"exchanges": 7, "hours": 15, "cross_boundary": 4, "within_neighbourhood": 2,
                      "outside_neighbourhoods": 1, "with_individuals": 3, "neighbourhoods": 3, "organisations": 4,
                      "needs_met": 2, "people_reached": 23, "first_exchange_month": "2025-01",
                      "last_exchange_month": "2025-05", "from": None, "to": None, "kinds": []}


def test_only_confirmed_exchanges_count(audit):
    before = by(reciprocity.neighbourhoods(audit), "code")["N1"]["hours_given"]
    audit.execute("UPDATE exchanges SET status = 'confirmed', confirmed_by = 'requester', confirmed_at = now() "
                  "WHERE status = 'recorded'")
    after = by(reciprocity.neighbourhoods(audit), "code")
    assert (before, after["N1"]["hours_given"], after["N2"]["hours_received"]) == (6, 106, 104.5)
    assert "Not Yet" in [r["organisation"] for r in reciprocity.organisations(audit).rows]


def test_filters_by_kind_and_months(audit):
    space = by(reciprocity.neighbourhoods(audit, Filters(kinds=("space",))), "code")
    assert (space["N2"]["hours_given"], space["N2"]["hours_received"], space["N1"]["exchanges"]) == (2.5, 4.5, 1)
    spring = Filters(from_month="2025-02", to_month="2025-03")
    assert reciprocity.totals(audit, spring)["exchanges"] == 4     # E3, E4, E5, E6
    assert reciprocity.totals(audit, spring)["hours"] == 9
    assert [r["month"] for r in reciprocity.trends(audit, spring).rows] == ["2025-02", "2025-03"]
    quiet = Filters(from_month="2025-04", to_month="2025-04")
    assert [(r["month"], r["exchanges"]) for r in reciprocity.trends(audit, quiet).rows] == [("2025-04", 0)]
    assert reciprocity.flows(audit, quiet).rows == []
    assert reciprocity.totals(audit, Filters(from_month="2025-05"))["hours"] == 1
    assert reciprocity.totals(audit, Filters(to_month="2025-01"))["hours"] == 5


@pytest.mark.parametrize("given, parameter", [
    ({"from_month": "2025-13"}, "from"), ({"to_month": "March"}, "to"),
    ({"from_month": ["2025-01", "2025-02"]}, "from"), ({"from_month": "2025-05", "to_month": "2025-04"}, "to"),
    ({"kinds": "hugs"}, "kind")])
def test_bad_filters_are_named(audit, given, parameter):
    with pytest.raises(InvalidParameter) as caught:
        check(audit, **given)
    assert caught.value.param == parameter


def test_the_months_a_filter_offers(audit):
    import datetime
    assert reciprocity.months(audit, today=datetime.date(2025, 7, 3)) == [
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    with pytest.raises(ValueError, match="cannot be filtered by from_month"):
        table(audit, "capacity", Filters(from_month="2025-01"))


# -- the command, the API, the planner's downloads, the public aggregate ----------------------------------------

def test_cli_writes_each_table(audit, fresh_db_url):
    run = CliRunner()
    flows = run.invoke(main, ["analyse", "reciprocity", "--flows", "--from", "2025-01", "--to", "2025-01"],
                       env={"DATABASE_URL": fresh_db_url}, catch_exceptions=False)
    assert flows.exit_code == 0, flows.stderr
    rows = list(csv.reader(io.StringIO(flows.stdout)))
    assert rows[0][:5] == ["from_code", "to_code", "hours", "exchanges", "people_reached"]
    assert sorted(r[:3] for r in rows[1:]) == [["N1", "N1", "2.0"], ["N1", "N2", "3.0"]]
    summary = run.invoke(main, ["analyse", "reciprocity"], env={"DATABASE_URL": fresh_db_url})
    assert "7 confirmed exchanges, 15.0 hours; 4 crossed a neighbourhood boundary" in summary.stderr
    bad = run.invoke(main, ["analyse", "reciprocity", "--from", "2025-1"], env={"DATABASE_URL": fresh_db_url})
    assert bad.exit_code == 2 and "--from: give one month as YYYY-MM" in bad.stderr
    wrong = run.invoke(main, ["analyse", "capacity", "--organisations"], env={"DATABASE_URL": fresh_db_url})
    assert wrong.exit_code == 2 and "--organisations goes with `assetmap analyse reciprocity`" in wrong.stderr


@pytest.fixture
def app(audit, fresh_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    add_staff(audit)
    application = make_app(fresh_db_url, min_count=4)
    yield application
    close_app(application)


def test_api_parts_and_filters(app, audit):
    token = users.create_token(audit, "pat@example.org", "test")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/analysis/reciprocity?kind=space", headers=headers).get_json()
    assert body["summary"]["exchanges"] == 3 and body["summary"]["kinds"] == ["space"]
    trends = client.get("/api/v1/analysis/reciprocity?part=trends&format=csv&from=2025-02&to=2025-03",
                        headers=headers)
    assert trends.status_code == 200 and trends.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert trends.get_data(as_text=True).splitlines()[1:] == ["2025-02,4.0,1,1,1.0,5,1",
                                                              "2025-03,5.0,3,2,0.666667,6,1"]
    bad = client.get("/api/v1/analysis/reciprocity?from=2025-13", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "from"
    wrong = client.get("/api/v1/analysis/capacity?from=2025-01", headers=headers)
    assert wrong.status_code == 400 and wrong.get_json()["parameter"] == "from"
    assert client.get("/api/v1/analysis/reciprocity").status_code == 401


def test_planner_downloads_and_the_page_are_for_planners(app):
    client = app.test_client()
    for path in ("/planner/reciprocity", "/planner/analysis/flows.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, "fay@example.org")
    assert client.get("/planner/reciprocity").status_code == 403
    client = app.test_client()
    sign_in(client)
    page = client.get("/planner/reciprocity?from=2025-02")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Co-production audit" in html
    assert '<option value="2025-02" selected>February 2025</option>' in html
    assert "/planner/analysis/flows.geojson?from=2025-02" in html
    flows = client.get("/planner/analysis/flows.geojson?download=1")
    assert flows.headers["Content-Disposition"] == 'attachment; filename="flows.geojson"'
    collection = json.loads(flows.get_data(as_text=True))
    assert len(collection["features"]) == 6 and collection["features"][0]["geometry"]["type"] == "LineString"
    organisations = client.get("/planner/analysis/reciprocity_organisations.csv?download=1").get_data(as_text=True)
    assert organisations.splitlines()[0].startswith("organisation,named,hours_given,hours_received")
    assert "Sam Private" not in organisations and "robin@example.org" not in organisations
    refused = client.get("/planner/reciprocity?to=someday")
    assert refused.status_code == 400 and "give one month as YYYY-MM" in refused.get_data(as_text=True)


def neighbourhood_figures(client, **headers):
    response = client.get("/api/v1/neighbourhoods", headers=headers)
    props = {f["properties"]["code"]: f["properties"] for f in response.get_json()["features"]}
    return response, {k: (p["exchanges"], p["hours_exchanged"]) for k, p in props.items()}


def test_public_figures_are_withheld_below_the_minimum_count(app, audit, fresh_db_url):
    # min_count 4: N1 and N2 took part in 4 exchanges each (shown), N3 in 3 (withheld)
    response, figures = neighbourhood_figures(app.test_client())
    assert figures == {"N1": (4, 10), "N2": (4, 11), "N3": (None, None)}
    text = response.get_data(as_text=True)
    for private in ("Age UK", "Green Hands", "Food Bank", "Scouts", "Sam Private", "robin@example.org", "Robin"):
        assert private not in text
    # the ETag still answers 304 while nothing changed, and changes when an exchange is confirmed
    etag = response.headers["ETag"]
    assert app.test_client().get("/api/v1/neighbourhoods", headers={"If-None-Match": etag}).status_code == 304
    home = one(audit, "SELECT id FROM assets WHERE name = 'Home'")
    n3 = one(audit, "SELECT id FROM neighbourhoods WHERE code = 'N3'")
    add_exchange(audit, home, receiver=n3, hours=2, ended="2025-05-20")
    response, figures = neighbourhood_figures(app.test_client(), **{"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert figures["N3"] == (4, 7)   # at the minimum count: shown

    default = make_app(fresh_db_url)   # ASSETMAP_MIN_COUNT's default, 5: everything withheld here
    try:
        assert set(neighbourhood_figures(default.test_client())[1].values()) == {(None, None)}
    finally:
        close_app(default)
