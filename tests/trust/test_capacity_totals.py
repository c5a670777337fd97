"""Skills and volunteer hours offered from private homes are published only as neighbourhood totals, at or above
ASSETMAP_MIN_COUNT homes: the sums, the threshold, the kinds (data/capacity_kinds.csv) and every public reader."""

from __future__ import annotations

import mapbox_vector_tile
import mercantile
import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap import tiles
from assetmap.ingest import export as ex
from assetmap.model import capacity_search, requests
from assetmap.model.capacity_search import Search
from tests.helpers import add_staff, cheap_hashes, running_app, sign_in

HOODS = {"west": (-1.0, -0.9), "east": (-0.9, -0.8)}
LAT = 52.6


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        for code, (x0, x1) in HOODS.items():
            c.execute("INSERT INTO neighbourhoods (code, name, geom) "
                      "VALUES (%s, %s, ST_Multi(ST_MakeEnvelope(%s, 52.5, %s, 52.7, 4326)))",
                      (code, code.title(), x0, x1))
        yield c


def place(conn, hood: str, n: int, *offers, home: bool = True) -> int:
    """A published asset in `hood` with offers (kind, quantity, unit, description)."""
    x0, _ = HOODS[hood]
    asset = conn.execute("""
        INSERT INTO assets (name, category, geom, location_precision, is_private_home, status)
        VALUES (%s, 'other', ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, 'published') RETURNING id""",
        (f"{hood} place {n}", x0 + 0.003 + 0.007 * n, LAT, "generalised" if home else "exact", home)
    ).fetchone()["id"]
    for kind, quantity, unit, description in offers:
        conn.execute("INSERT INTO capacity_offers (asset_id, kind, quantity, unit, description) "
                     "VALUES (%s, %s, %s, %s, %s)", (asset, kind, quantity, unit, description))
    return asset


def totals(client) -> dict[str, list[dict]]:
    body = client.get("/api/v1/neighbourhoods").get_json()
    return {f["properties"]["code"]: f["properties"]["capacity_totals"] for f in body["features"]}


def test_totals_sum_per_kind_and_unit_and_appear_only_at_the_minimum(conn, fresh_db_url):
    # West: three homes offer skills (one of them twice), two offer volunteer time; a time bank offers hours.
    place(conn, "west", 1, ("skills", 2, "hours_per_week", "IT help at home"),
          ("skills", 1.5, "hours_per_week", "Sewing repairs"))
    place(conn, "west", 2, ("skills", 3, "hours_per_week", "Bookkeeping"), ("volunteer_time", 4, "hours_per_week", ""))
    place(conn, "west", 3, ("skills", 1, "hours_per_week", "First aid"), ("volunteer_time", 6, "hours_per_week", ""))
    place(conn, "west", 4, ("volunteer_time", 30, "hours_per_week", "Time bank members"), home=False)
    # East: two homes only.
    place(conn, "east", 1, ("skills", 5, "hours_per_week", "Gardening"))
    place(conn, "east", 2, ("skills", 5, "hours_per_week", "Cooking"))

    with running_app(fresh_db_url, min_count=3) as app:
        got = totals(app.test_client())
    assert got["east"] == []   # two homes: nothing at all, not even "fewer than 3"
    assert [(t["kind"], t["unit"], t["people"], t["offers"], t["quantity"], t["unit_words"]) for t in got["west"]] \
        == [("skills", "hours_per_week", 3, 4, 7.5, "hours a week")]   # volunteer time: two homes, withheld

    with running_app(fresh_db_url, min_count=2) as app:
        got = totals(app.test_client())
    assert [(t["kind"], t["people"], t["quantity"]) for t in got["west"]] == [("volunteer_time", 2, 10),
                                                                                ("skills", 3, 7.5)]
    assert [(t["kind"], t["people"], t["offers"], t["quantity"]) for t in got["east"]] == [("skills", 2, 2, 10)]

    # The threshold lives in the database function: no caller can ask it for less than one home a row.
    assert conn.execute("SELECT count(*) FROM capacity_totals(0)").fetchone()["count"] == 3


def test_individual_offers_of_homes_leave_every_public_reader_but_organisations_stay(conn, fresh_db_url, tmp_path):
    home = place(conn, "west", 1, ("skills", 2, "hours_per_week", "Zanzibar knitting lessons"),
                 ("space", 4, "places", "Quillon garden shed"))
    place(conn, "west", 2, ("volunteer_time", 30, "hours_per_week", "Xylo time bank hours"), home=False)
    withheld = conn.execute("SELECT id FROM capacity_offers WHERE kind = 'skills'").fetchone()["id"]
    public_id = conn.execute("SELECT public_id FROM assets WHERE id = %s", (home,)).fetchone()["public_id"]

    with running_app(fresh_db_url) as app:
        client = app.test_client()
        texts = {url: client.get(url).get_data(as_text=True) for url in (
            "/api/v1/assets", f"/api/v1/assets/{public_id}", f"/assets/{public_id}", "/capacity?kind=skills",
            "/api/v1/capacity", "/ogc/collections/capacity/items", "/ogc/collections/assets/items",
            "/api/v1/neighbourhoods")}
        request_form = client.get(f"/capacity/offers/{withheld}/request")
    for layer in ex.LAYERS:
        path = tmp_path / f"{layer}.geojson"
        ex.export(conn, layer, "geojson", path)
        texts[path.name] = path.read_text(encoding="utf-8")

    for where, text in texts.items():
        assert "Zanzibar" not in text, where
    # The home's other offer (a shed is not personal data) and the time bank's hours stay listed.
    assert "Quillon garden shed" in texts[f"/assets/{public_id}"]
    assert "Xylo time bank hours" in texts["/api/v1/capacity"]
    assert "Xylo time bank hours" in texts["/ogc/collections/capacity/items"]
    assert request_form.status_code == 404

    # Planners' analyses still count it: the capacity analysis reads every live offer.
    supply = conn.execute("SELECT supply FROM analysis_offer_supply(ARRAY['skills'])").fetchall()
    assert sum(float(r["supply"]) for r in supply) == 2


def test_the_kinds_come_from_the_vocabulary(conn, fresh_db_url):
    place(conn, "west", 1, ("transport", 3, "places", "Zanzibar car seats"))
    with running_app(fresh_db_url) as app:
        assert "Zanzibar" in app.test_client().get("/api/v1/capacity").get_data(as_text=True)
    conn.execute("UPDATE capacity_kinds SET totals_only = true WHERE code = 'transport'")
    with running_app(fresh_db_url) as app:
        assert "Zanzibar" not in app.test_client().get("/api/v1/capacity").get_data(as_text=True)


def test_planners_find_withheld_offers_and_log_requests_for_residents(conn, fresh_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    add_staff(conn)
    place(conn, "west", 1, ("skills", 2, "hours_per_week", "Zanzibar knitting lessons"))
    withheld = conn.execute("SELECT id FROM capacity_offers").fetchone()["id"]
    with running_app(fresh_db_url) as app:
        settings = app.config["ASSETMAP"]
        assert capacity_search.search(conn, Search(kinds=["skills"]), settings).found == []
        staff = capacity_search.search(conn, Search(kinds=["skills"]), settings, planner=True).found
        assert [(f.offer_id, f.withheld) for f in staff] == [(withheld, True)]
        with pytest.raises(Exception, match="no longer on the map"):
            requests.create(conn, withheld, requests.RequestInput("Sam", "", "Knitting club", "", None,
                                                                  "sam@example.org"), settings, actor="requester")
        sent = requests.create(conn, withheld, requests.RequestInput("Sam", "", "Knitting club", "", None,
                                                                     "sam@example.org"), settings,
                               actor="planner", source="planner")
        assert sent.public_id

        client = app.test_client()
        sign_in(client)
        page = client.get("/capacity?kind=skills").get_data(as_text=True)
        assert "Zanzibar knitting lessons" in page and f"/planner/requests/new/{withheld}" in page
        assert f"/capacity/offers/{withheld}/request" not in page
        assert client.get(f"/planner/requests/new/{withheld}").status_code == 200
        public = app.test_client().get("/capacity?kind=skills").get_data(as_text=True)
        assert "Zanzibar" not in public and "only as neighbourhood totals" in public


def test_the_assets_tiles_flag_an_offer_only_where_the_public_sees_one(conn):
    """The assets tiles ask `capacity` of the offers directly (migration 0031's rules), not through public_assets:
    each point's flag must still be exactly whether its public JSON lists an offer."""
    cases = {
        place(conn, "west", 1, ("skills", 2, "hours_per_week", "")): False,                   # a home's: totals only
        place(conn, "west", 2, ("space", 4, "places", "")): True,                            # a home's room: shown
        place(conn, "west", 3, ("volunteer_time", 9, "hours_per_week", ""), home=False): True,  # a time bank's
        place(conn, "east", 1, ("space", 4, "places", ""), home=False): False,               # ended, below
        place(conn, "east", 2, ("space", 4, "places", ""), home=False): False,               # expired, below
        place(conn, "east", 3, home=False): False,                                           # no offer at all
    }
    ended, expired = list(cases)[3:5]
    conn.execute("UPDATE capacity_offers SET status = 'ended' WHERE asset_id = %s", (ended,))
    conn.execute("UPDATE capacity_offers SET valid_from = current_date - 30, valid_to = current_date - 1 "
                 "WHERE asset_id = %s", (expired,))
    z = 16
    for asset, expected in cases.items():
        row = conn.execute("SELECT public_id::text AS id, ST_X(geom) AS x, ST_Y(geom) AS y, "
                           "jsonb_array_length(capacity) > 0 AS listed FROM public_assets WHERE id = %s",
                           (asset,)).fetchone()
        x, y, _ = mercantile.tile(row["x"], row["y"], z)
        found = [f["properties"] for f in mapbox_vector_tile.decode(tiles.tile(conn, "assets", z, x, y))["assets"][
            "features"] if f["properties"]["id"] == row["id"]]
        assert found == [{"id": row["id"], "category": "other", "capacity": expected}], asset
        assert row["listed"] is expected
