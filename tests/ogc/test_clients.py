"""Clients nobody here wrote, against /ogc on a real port: OWSLib's Features, GDAL's OAPIF driver (ogrinfo and
ogr2ogr, with a -where pushed to the server as a filter), and the ogctests suite (Features Part 1 Core, and the
Part 3 queryables tests).

A recorder in front of the app keeps each request's path and query, so a test can say what the server was asked
(more than one page; a filter= when GDAL had a -where), not only what came back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs

import pyogrio
import pytest

from tests.helpers import LiveServer

COLLECTION_IDS = ["assets", "capacity", "service_sites", "catchments", "neighbourhoods"]


class Recorder:
    """A WSGI middleware that notes every request's path and query parameters."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.seen.append((environ["PATH_INFO"], parse_qs(environ.get("QUERY_STRING", ""))))
        return self.app(environ, start_response)

    def items_requests(self, collection: str) -> list[dict]:
        with self.lock:
            return [q for path, q in self.seen if path == f"/ogc/collections/{collection}/items"]

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()


@pytest.fixture(scope="module")
def server(app):
    recorder = Recorder(app)
    with LiveServer(recorder) as live:
        live.recorder = recorder
        yield live


@pytest.fixture
def recorder(server):
    server.recorder.clear()
    return server.recorder


def count(demo_conn, query: str) -> int:
    return demo_conn.execute(query).fetchone()[0]


# -- OWSLib ---------------------------------------------------------------------------------------------------------

def test_owslib_reads_every_collection_and_pages_past_the_first(server, recorder, demo_conn):
    from owslib.ogcapi.features import Features
    api = Features(server.url + "/ogc/")
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in api.conformance()["conformsTo"]
    assert api.feature_collections() == COLLECTION_IDS
    assert api.api()["openapi"].startswith("3.0")
    for collection in COLLECTION_IDS:
        assert api.collection(collection)["id"] == collection
        assert "geometry" in api.collection_queryables(collection)["properties"]
        first = api.collection_items(collection, limit=2)
        assert first["numberReturned"] == 2 and first["numberMatched"] > 2
        second = api.collection_items(collection, limit=2, offset=2)
        assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in first["features"])
        one = api.collection_item(collection, str(second["features"][0]["id"]))
        assert one["id"] == second["features"][0]["id"]
    # all of a collection, a page at a time, by the next links' keyset token
    total = count(demo_conn, "SELECT count(*) FROM public_service_sites")
    page, seen = api.collection_items("service_sites", limit=10), []
    while True:
        seen += [f["id"] for f in page["features"]]
        nexts = [link for link in page["links"] if link["rel"] == "next" and link["type"] == "application/geo+json"]
        if not nexts:
            break
        after = parse_qs(nexts[0]["href"].split("?", 1)[1])["after"][0]
        page = api.collection_items("service_sites", limit=10, after=after)
    assert len(seen) == len(set(seen)) == total > 20
    filtered = api.collection_items("assets", filter="category = 'library'", limit=1000)
    assert filtered["numberMatched"] == count(demo_conn, "SELECT count(*) FROM public_assets "
                                                         "WHERE category = 'library'")
    assert any("filter" in q for q in recorder.items_requests("assets"))


# -- GDAL -----------------------------------------------------------------------------------------------------------

def gdal(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} is not installed (gdal-bin, in scripts/system-deps for the tests)")
    done = subprocess.run(args, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_ogrinfo_lists_every_collection(server):
    listing = gdal("ogrinfo", "-ro", "-so", "-q", f"OAPIF:{server.url}/ogc")
    for n, collection in enumerate(COLLECTION_IDS, start=1):
        assert f"{n}: {collection}" in listing
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/ogc", "neighbourhoods")
    assert "Geometry: Multi Polygon" in summary and "name: String" in summary


def test_ogr2ogr_copies_every_public_asset_a_page_at_a_time(server, recorder, demo_conn, tmp_path):
    out = tmp_path / "assets.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server.url}/ogc", "assets", "-oo", "PAGE_SIZE=100")
    info = pyogrio.read_info(out)
    assert info["features"] == count(demo_conn, "SELECT count(*) FROM public_assets") > 200
    assert {"name", "category", "last_confirmed_at"} <= set(info["fields"])
    pages = [q for q in recorder.items_requests("assets") if "after" in q]
    assert len(pages) >= 2   # GDAL followed our keyset next links


def test_ogr2ogr_where_is_sent_to_the_server_as_a_filter(server, recorder, demo_conn, tmp_path):
    """GDAL 3.6 sends a -where as a CQL filter when filter-lang's values include cql-text (its draft name for
    cql2-text), over the properties our OpenAPI document lists for the collection's items path."""
    out = tmp_path / "libraries.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server.url}/ogc", "assets", "-oo", "PAGE_SIZE=100",
         "-where", "category = 'library' AND capacity = 1")
    expected = count(demo_conn, "SELECT count(*) FROM public_assets "
                                "WHERE category = 'library' AND jsonb_array_length(capacity) > 0")
    assert pyogrio.read_info(out)["features"] == expected > 0
    filtered = [q for q in recorder.items_requests("assets") if "filter" in q]
    assert filtered, f"GDAL sent no filter: {recorder.items_requests('assets')}"
    assert "category = 'library'" in filtered[0]["filter"][0]
    assert filtered[0]["filter-lang"] == ["cql-text"]
    # it did not fetch the whole layer and filter it itself: only its first look at the layer (one page, for the
    # fields) went without the filter
    unfiltered = [q for q in recorder.items_requests("assets") if "filter" not in q]
    assert len(unfiltered) == 1 and "after" not in unfiltered[0]


# -- ogctests ---------------------------------------------------------------------------------------------------------

def ogctests_dir() -> Path:
    spec = pytest.importorskip("ogctests")
    return Path(spec.__file__).parent


def run_ogctests(url: str, *args: str) -> subprocess.CompletedProcess:
    """ogctests is a pytest suite of its own: run it in a process of its own, outside our pytest configuration."""
    root = ogctests_dir()
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", os.devnull,
                           "--rootdir", str(root), "-q", "-rfEs", "-W", "ignore::DeprecationWarning", *args],
                          capture_output=True, text=True, timeout=600, cwd=root,
                          env={**os.environ, "INSTANCE_URL": url})


# ogctests 0.1.15 asks Part 1's /ats/core/crs84 (its test_ast2) for Part 2's conformance class (crs): a Part 1
# server in CRS84 only, as the standard allows, fails it; everything else in its core suite runs.
CORE_DESELECTED = ["features/core/test_crs.py::test_ast2"]


def test_ogctests_features_part_1_core(server):
    core = str(ogctests_dir() / "features" / "core")
    done = run_ogctests(server.url + "/ogc", core, *(f"--deselect={d}" for d in CORE_DESELECTED))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_ogctests_part_3_declarations(server):
    """Its Part 3 tests that can pass. The rest cannot, whatever the server: in ogctests 0.1.15 the queryables-link
    test (ct2) reads a Link header by splitting it at every ',' and '=' and compares the quoted rel with the
    unquoted URI, and stores a key (`href`) its parser never sets, so ct3 has no URL to fetch; the query-parameter
    test (ct5) sends the text 'valid-value' to whichever queryable comes last (a date-time here) and wants a 200;
    the filter tests pass filter-lang as a dict, read a string as a dict and name an undefined CQL2_FILTER_LANG."""
    filtering = ogctests_dir() / "features" / "filtering"
    done = run_ogctests(server.url + "/ogc", f"{filtering / 'test_queryables.py'}::test_ct1",
                        f"{filtering / 'test_queryables_query_parameters.py'}::test_ct4")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
