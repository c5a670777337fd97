"""The analysis pages through Flask's test client: who may see them, that they stay small and carry no figures of
their own (their scripts fetch the tables), that filters reach every table they fetch and every download, and
that a bad filter is named in words."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from assetmap.ingest.neighbourhoods import import_neighbourhoods
from tests.helpers import add_staff, cheap_hashes, close_app, make_app, scratch_database, sign_in

PAGES = ("/planner/overlaps", "/planner/spend", "/planner/capacity")
MB = 1024 * 1024


@pytest.fixture
def client(fresh_demo_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
    app = make_app(fresh_demo_db_url)
    yield app.test_client()
    close_app(app)


def first_pair(client) -> tuple[int, int]:
    p = client.get("/planner/analysis/pooling.geojson?geometry=0").json["features"][0]["properties"]
    return p["service_a"], p["service_b"]


def config_of(html: str) -> dict:
    found = re.search(r"data-config='([^']*)'", html)
    return json.loads(found.group(1).replace("&#34;", '"').replace("&amp;", "&").replace("&#39;", "'"))


@pytest.mark.parametrize("path", PAGES)
def test_only_planners_and_admins_see_the_pages(client, path):
    assert client.get(path).status_code == 302   # to sign in
    sign_in(client, "fay@example.org")           # a facilitator
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_small_and_fetches_its_figures(client, path):
    sign_in(client)
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert len(response.data) < MB
    assert "FeatureCollection" not in html and "District Nursing" not in html   # no table is in the page
    config = config_of(html)
    for name, url in config["urls"].items():
        if name == "overlap_shapes":   # a chosen pair's: needs the pair
            assert client.get(url).status_code == 400
            url += ("&" if "?" in url else "?") + "services=" + ",".join(map(str, first_pair(client)))
        fetched = client.get(url)
        assert fetched.status_code == 200, (name, url)
        assert fetched.json["type"] == "FeatureCollection"
    for url in re.findall(r'href="(/planner/analysis/[^"]+)"', html):
        download = client.get(url.replace("&amp;", "&"))
        assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]


def test_filters_reach_every_table_and_download(client):
    sign_in(client)
    html = client.get("/planner/overlaps?theme=health&client_group=older_people").get_data(as_text=True)
    tables = [u for n, u in config_of(html)["urls"].items() if n != "neighbourhoods"]
    downloads = [u.replace("&amp;", "&") for u in re.findall(r'href="(/planner/analysis/[^"]+)"', html)]
    assert tables and downloads
    for url in tables + downloads:
        assert "theme=health" in url and "client_group=older_people" in url
    # The pooling table on the page is the API's, filtered alike.
    html = client.get("/planner/overlaps?client_group=older_people").get_data(as_text=True)
    pooling = client.get(config_of(html)["urls"]["pooling"]).json["features"]
    assert pooling and all("older_people" in f["properties"]["shared_client_groups"] for f in pooling)
    everything = client.get("/planner/analysis/pooling.geojson?geometry=0").json["features"]
    assert len(pooling) < len(everything)


def test_a_bad_filter_is_named_and_the_page_still_works(client):
    sign_in(client)
    response = client.get("/planner/capacity?kind=hugs")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That filter cannot be used: unknown code hugs" in html
    assert "kind=hugs" not in html
    assert client.get(config_of(html)["urls"]["capacity"]).status_code == 200


def test_pages_stay_small_with_camdens_neighbourhoods(realdata, admin_url, template_db, monkeypatch):
    cheap_hashes(monkeypatch)
    with scratch_database(admin_url, template_db) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            report = import_neighbourhoods(conn, realdata / "camden_lsoa11_imd2019.geojson", code_field="lsoa11cd",
                                           name_field="lsoa11nm", population_field="pop_mid2020_total")
            assert report.rejected == [] and report.inserted == 133
            add_staff(conn)
        app = make_app(url)
        try:
            client = app.test_client()
            sign_in(client)
            for path in PAGES:
                response = client.get(path)
                assert response.status_code == 200 and len(response.data) < MB
            density = client.get("/planner/analysis/density.geojson").json
            assert len(density["features"]) == 133
        finally:
            close_app(app)
