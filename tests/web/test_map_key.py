"""What the public map reads at a glance, server side: category groups with a colour and a shape each, and the
neighbourhoods' counts and rates per 1,000 residents, counted in PostGIS."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from assetmap import vocab
from tests.helpers import running_app


def neighbourhoods(client) -> dict[str, dict]:
    response = client.get("/api/v1/neighbourhoods")
    assert response.status_code == 200
    return {f["properties"]["code"]: f["properties"] for f in json.loads(response.data)["features"]}


def test_every_shape_a_group_uses_is_drawn_on_the_map_page(client, demo_conn):
    html = client.get("/").get_data(as_text=True)
    symbols = set(re.findall(r'<symbol id="shape-([a-z_]+)"', html))
    shapes = {r[0] for r in demo_conn.execute("SELECT shape FROM category_groups")}
    assert shapes <= symbols and len(shapes) == 7
    # The key: a ring for spare capacity, and a cluster.
    assert 'class="ring"' in html and "key-cluster" in html


def test_a_categorys_colour_is_its_groups_after_migrate(demo_conn):
    rows = demo_conn.execute("""
        SELECT c.code, c.colour, g.colour FROM categories c LEFT JOIN category_groups g ON g.code = c.group_code
    """).fetchall()
    assert len(rows) == 19 and all(colour == group for _code, colour, group in rows)
    assert {t.code: t.colour for t in vocab.read_terms("categories")} == {code: colour for code, colour, _ in rows}


def test_the_categories_api_lists_the_groups(client):
    body = json.loads(client.get("/api/v1/categories").data)
    groups = {g["code"]: g for g in body["groups"]}
    assert all(groups[c["group_code"]]["colour"] == c["colour"] for c in body["categories"])
    assert {g["shape"] for g in groups.values()} >= {"circle", "square"}


def test_neighbourhoods_carry_counts_and_rates_per_1000_residents(client, demo_conn):
    # Counted here by point in polygon on the public points (a home counts where its generalised point lies, 0027),
    # apart from the trigger the API relies on.
    expected = {code: (assets, offering, offers, population) for code, assets, offering, offers, population in
                demo_conn.execute("""
        SELECT n.code, count(DISTINCT a.id), count(DISTINCT o.asset_id), count(o.id), n.population
          FROM neighbourhoods n
          LEFT JOIN assets a ON a.status = 'published' AND ST_Covers(n.geom, a.public_geom)
          LEFT JOIN public_capacity_offers o ON o.asset_id = a.id
         GROUP BY n.code, n.population""")}
    got = neighbourhoods(client)
    assert set(got) == set(expected)
    assert sum(p["capacity_offers"] for p in got.values()) > 0
    for code, (assets, offering, offers, population) in expected.items():
        p = got[code]
        assert (p["published_assets"], p["assets_with_capacity"], p["capacity_offers"]) == (assets, offering, offers)
        assert p["assets_per_1000"] == pytest.approx(1000 * assets / population, abs=0.005)
        assert p["capacity_offers_per_1000"] == pytest.approx(1000 * offers / population, abs=0.005)


def test_a_neighbourhood_without_a_population_has_no_rate(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
        conn.execute("UPDATE neighbourhoods SET population = NULL WHERE code = %s", (codes[0],))
        conn.execute("UPDATE neighbourhoods SET population = 0 WHERE code = %s", (codes[1],))
    with running_app(fresh_demo_db_url) as app:
        got = neighbourhoods(app.test_client())
    for code in codes:
        assert got[code]["assets_per_1000"] is None and got[code]["capacity_offers_per_1000"] is None
        assert got[code]["published_assets"] > 0
