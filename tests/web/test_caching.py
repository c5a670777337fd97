"""Bytes on the wire: compressed responses, year-long caching of fingerprinted files only, pages never kept, and API
data revalidated with ETags (the Flask test client against the demo town)."""

from __future__ import annotations

import gzip
import hashlib
import re

import brotli
import psycopg
import pytest

from assetmap.config import project_root
from assetmap.web import public
from assetmap.web.vendor import EXTENSION, Packages, vendor_url
from tests.helpers import running_app

YEAR = 365 * 24 * 3600
ASSET_URL = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


def plain(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers, url
    return response.data


def fingerprint(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# -- compression ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("url", ["/", "/assets", "/api/v1/assets?limit=200", "/api/v1/neighbourhoods",
                                 "/api/v1/categories", "static:js/public-map.js", "vendor:leaflet/dist/leaflet.js"])
def test_pages_data_scripts_and_styles_are_compressed(client, url, encoding):
    if url.startswith("static:"):
        url = f"/static/{url[7:]}"
    elif url.startswith("vendor:"):
        url = f"/vendor/{url[7:]}"
    body = plain(client, url)
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    decoded = DECODE[encoding](response.data)
    if url == "/":   # each render has its own CSP nonce and folium element ids, of the same lengths
        assert len(decoded) == len(body) and decoded.startswith(b"<!doctype html>")
    else:
        assert decoded == body
    assert len(response.data) < len(body) / 2


def test_a_client_that_asks_for_no_compression_gets_none(client):
    response = client.get("/api/v1/neighbourhoods", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers and response.data.startswith(b'{"type"')


# -- cache lifetimes --------------------------------------------------------------------------------------------

def test_every_file_the_map_page_names_is_fingerprinted_and_cached_for_a_year(client):
    urls = ASSET_URL.findall(client.get("/").get_data(as_text=True))
    assert len(urls) >= 8
    for url in urls:
        path, version = url.split("?v=")
        folder = project_root() / ("static" if path.startswith("/static/") else "node_modules")
        assert version == fingerprint(folder / path.split("/", 2)[2]), url
        cc = client.get(url).cache_control
        assert (cc.public, cc.max_age, cc.immutable) == (True, YEAR, True), url


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef", "?v=1.9.4"])
def test_a_file_asked_for_without_its_current_fingerprint_is_not_kept_for_long(client, query):
    for path in ("/static/js/public-map.js", "/vendor/leaflet/dist/leaflet.js"):
        response = client.get(path + query)
        assert response.status_code == 200
        assert not response.cache_control.immutable and response.cache_control.max_age <= 24 * 3600, path


def test_pages_are_revalidated_every_time(client):
    for url in ("/", "/assets"):
        cc = client.get(url).cache_control
        assert cc.no_cache and not cc.max_age and not cc.immutable, url


def test_a_changed_static_file_gets_a_new_url_and_its_old_url_loses_immutable(app, tmp_path, monkeypatch):
    monkeypatch.setattr(public, "static_folder", lambda: tmp_path)
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "x.js"
    script.write_text("one();")
    client = app.test_client()
    with app.test_request_context():
        old = public.static_url("js/x.js")
    assert client.get(old).cache_control.immutable

    script.write_text("two(); three();")
    with app.test_request_context():
        new = public.static_url("js/x.js")
    assert new != old and new.endswith(fingerprint(script))
    assert client.get(new).cache_control.immutable
    stale = client.get(old)
    assert stale.data == b"two(); three();" and not stale.cache_control.immutable


def test_a_changed_vendor_file_gets_a_new_url(demo_db_url, tmp_path):
    modules = tmp_path / "node_modules"
    (modules / "leaflet" / "dist").mkdir(parents=True)
    script = modules / "leaflet" / "dist" / "leaflet.js"
    script.write_text("/* 1.9.4 */")
    with running_app(demo_db_url) as app:
        app.extensions[EXTENSION] = Packages(modules, {"leaflet": "1.9.4"})
        with app.test_request_context():
            old = vendor_url("leaflet", "dist/leaflet.js")
        script.write_text("/* 1.9.4, patched in place */")
        with app.test_request_context():
            new = vendor_url("leaflet", "dist/leaflet.js")
        assert old != new and new.endswith(fingerprint(script))
        client = app.test_client()
        assert client.get(new).cache_control.immutable and not client.get(old).cache_control.immutable


# -- API data ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["identity", "br"])
@pytest.mark.parametrize("url", ["/api/v1/neighbourhoods", "/api/v1/assets?limit=50"])
def test_api_data_is_revalidated_with_an_etag(client, url, encoding):
    first = client.get(url, headers={"Accept-Encoding": encoding})
    assert first.status_code == 200 and first.cache_control.no_cache
    etag = first.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_the_etag_changes_when_the_data_does(fresh_demo_db_url):
    with running_app(fresh_demo_db_url) as app:
        client = app.test_client()
        before = client.get("/api/v1/neighbourhoods").headers["ETag"]
        with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
            conn.execute("UPDATE neighbourhoods SET population = population + 1 "
                         "WHERE id = (SELECT min(id) FROM neighbourhoods)")
        response = client.get("/api/v1/neighbourhoods", headers={"If-None-Match": before})
        assert response.status_code == 200 and response.headers["ETag"] != before
