"""The map page loads its scripts and styles from us, never a CDN; /vendor/ serves only package.json's packages."""

import hashlib
import json
import logging
import re
from contextlib import ExitStack
from urllib.parse import urlsplit

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster

from assetmap.config import project_root
from assetmap.maps import base, offline, public_map
from assetmap.web.vendor import EXTENSION, Packages
from tests.helpers import running_app

# An absolute or protocol-relative URL, up to a quote, bracket, space or backslash (JSON-escaped HTML in scripts).
URL = re.compile(r"(?:https?:)?//[^\s\"'<>\\)]+", re.IGNORECASE)
ATTRIBUTE_URL = re.compile(r'(?:src|href)="([^"]+)"')
EXTENT = (-1.2, 52.5, -1.0, 52.7)


def outside_urls(html: str) -> list[str]:
    return URL.findall(html)


@pytest.fixture
def app_with(demo_db_url):
    """Apps on the demo database with other settings; their pools are closed after the test."""
    with ExitStack() as stack:
        yield lambda **overrides: stack.enter_context(running_app(demo_db_url, **overrides))


def test_with_tiles_none_the_map_page_names_no_other_host(client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="folium-map"' in html
    assert outside_urls(html) == []


def test_with_openstreetmap_only_the_tiles_and_their_attribution_are_outside(app_with):
    html = app_with(tiles="openstreetmap").test_client().get("/").get_data(as_text=True)
    urls = outside_urls(html)
    assert base.OSM_TILES in urls
    assert {urlsplit(u).hostname for u in urls} == {"tile.openstreetmap.org", "www.openstreetmap.org"}
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in html


@pytest.mark.parametrize("attribution, shown", [
    ("Tiles &copy; Example Maps", "Tiles \\u0026copy; Example Maps"),
    (None, '"attribution": "tiles.example.org"'),
])
def test_a_custom_tile_url_is_used_with_its_attribution_or_its_host_name(app_with, attribution, shown):
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    html = app_with(tiles=tiles, tiles_attribution=attribution).test_client().get("/").get_data(as_text=True)
    assert outside_urls(html) == ["https://{s}.tiles.example.org/{z}/{x}/{y}.png"]
    assert shown in html


def test_every_vendor_and_static_url_of_the_map_page_is_served(client):
    html = client.get("/").get_data(as_text=True)
    urls = [u for u in ATTRIBUTE_URL.findall(html) if u.startswith(("/vendor/", "/static/"))]
    assert any(u.startswith("/vendor/leaflet/dist/leaflet.js") for u in urls)
    assert any(u.startswith("/vendor/leaflet.markercluster/dist/leaflet.markercluster.js") for u in urls)
    assert any(u.startswith("/static/js/public-map.js") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable, url
    # Leaflet's CSS points at its images by relative URL: those must resolve too.
    css = client.get("/vendor/leaflet/dist/leaflet.css").get_data(as_text=True)
    for image in set(re.findall(r"url\((images/[^)]+)\)", css)):
        assert client.get(f"/vendor/leaflet/dist/{image}").status_code == 200, image


def test_the_map_page_keeps_zoom_allowed_and_drops_unused_folium_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "user-scalable=no" not in html and "maximum-scale" not in html
    for unused in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "glyphicons"):
        assert unused not in html.lower()


def test_local_assets_are_set_per_map_and_leave_foliums_class_lists_alone():
    before = (list(folium.Map.default_js), list(folium.Map.default_css), list(MarkerCluster.default_js))
    built = public_map.build(EXTENT, tiles="none")
    assert "/vendor/leaflet/dist/leaflet.js" in built.parts.header
    assert (folium.Map.default_js, folium.Map.default_css, MarkerCluster.default_js) == before
    assert folium.Map.default_js[0][1].startswith("https://")   # another map in this process still gets folium's


def test_an_element_with_no_local_copy_fails_loudly():
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(offline.ExternalAsset, match="package.json"):
        offline.page_parts(m)


def test_without_extent_the_map_shows_england():
    built = public_map.build(None, tiles="none")
    assert "center: [52.8, -1.6]" in built.parts.script
    assert "fitBounds" not in built.parts.script
    assert '"maxZoom": 19' in built.parts.script        # MarkerCluster needs it when there is no tile layer


# -- /vendor/ ---------------------------------------------------------------------------------------------------

def test_vendor_serves_dependencies_with_long_cache_headers(client):
    deps = json.loads((project_root() / "package.json").read_text())["dependencies"]
    assert deps == {"leaflet": "1.9.4", "leaflet.markercluster": "1.5.3", "leaflet.vectorgrid": "1.3.0"}
    digest = hashlib.sha256((project_root() / "node_modules/leaflet/dist/leaflet.js").read_bytes()).hexdigest()
    response = client.get(f"/vendor/leaflet/dist/leaflet.js?v={digest[:16]}")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.cache_control.public and response.cache_control.max_age == 365 * 24 * 3600
    # The package's version is not the content's fingerprint (tests/web/test_caching.py has the rules).
    assert not client.get("/vendor/leaflet/dist/leaflet.js?v=1.9.4").cache_control.immutable


@pytest.mark.parametrize("path", [
    "/vendor/leaflet/../../package.json",
    "/vendor/..%2f..",
    "/vendor/..%2f..%2fpackage.json",
    "/vendor/leaflet/..%2f..%2fpackage.json",
    "/vendor/leaflet/%2e%2e/%2e%2e/package.json",
    "/vendor/%2e%2e/package.json",
    "/vendor/leaflet//etc/passwd",
    "/vendor/leaflet/dist/",
    "/vendor/leaflet",
    "/vendor/jquery/dist/jquery.js",
    "/vendor/.bin/x",
])
def test_vendor_refuses_other_packages_and_climbing_out(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b'"dependencies"' not in response.data and b"root:" not in response.data


@pytest.fixture
def fake_node_modules(app_with, tmp_path):
    """An app whose /vendor/ reads a node_modules of our making."""
    modules = tmp_path / "node_modules"
    (modules / "leaflet" / "dist").mkdir(parents=True)
    (modules / "leaflet" / "dist" / "leaflet.js").write_text("/* leaflet */")
    (modules / "secret").mkdir()
    (modules / "secret" / "index.js").write_text("/* not a dependency */")
    (modules / "@scope" / "pkg").mkdir(parents=True)
    (modules / "@scope" / "pkg" / "a.css").write_text("a {}")
    application = app_with()
    application.extensions[EXTENSION] = Packages(modules, {"leaflet": "1.9.4", "@scope/pkg": "1.0.0",
                                                           "missing": "2.0.0"})
    return application


def test_vendor_serves_only_listed_packages_even_when_others_are_installed(fake_node_modules):
    client = fake_node_modules.test_client()
    assert client.get("/vendor/leaflet/dist/leaflet.js").data == b"/* leaflet */"
    assert client.get("/vendor/@scope/pkg/a.css").status_code == 200
    assert client.get("/vendor/secret/index.js").status_code == 404
    assert client.get("/vendor/@scope/other/a.css").status_code == 404


def test_a_missing_package_is_a_404_with_a_hint_in_the_log(fake_node_modules, caplog):
    with caplog.at_level(logging.WARNING, logger="assetmap.web.vendor"):
        response = fake_node_modules.test_client().get("/vendor/missing/index.js")
    assert response.status_code == 404
    assert "npm ci" in caplog.text


def test_the_tiles_map_loads_vectorgrid_from_us():
    built = public_map.build(None, tiles="none", tiles_url="/tiles/assets/{z}/{x}/{y}.pbf")
    assert "/vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js" in built.parts.header
    assert "unpkg" not in built.parts.header and built.tiles_name in built.parts.script
