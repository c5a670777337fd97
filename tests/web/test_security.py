"""Headers and cookies that protect every page: CSP with a nonce, CSRF on forms, Secure cookies over HTTPS."""

import re

import pytest

from assetmap.web.security import tile_sources
from tests.helpers import running_app


def test_every_page_has_a_content_security_policy_whose_nonce_matches_its_inline_scripts(client):
    for path in ("/", "/assets", "/assets/new", "/sign-in"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        html = response.get_data(as_text=True)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all(f'nonce="{nonce}"' in attrs for attrs in inline), (path, inline)
        assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler in {path}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    first = client.get("/").headers["Content-Security-Policy"]
    assert first != client.get("/").headers["Content-Security-Policy"]   # a new nonce each time


@pytest.mark.parametrize("tiles, sources", [
    ("none", []),
    ("openstreetmap", ["https://tile.openstreetmap.org"]),
    ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", ["https://*.tiles.example.org"]),
    ("https://maps.example.org/wmts/{z}/{x}/{y}.png", ["https://maps.example.org"]),
])
def test_images_may_come_only_from_the_configured_tiles(tiles, sources):
    assert tile_sources(tiles) == sources


def test_forms_without_a_csrf_token_are_refused(client, demo_conn):
    before = demo_conn.execute("SELECT count(*) FROM assets").fetchone()[0]
    response = client.post("/assets/new", data={"name": "Forged Hall"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "lost track of this page" in html and 'value="Forged Hall"' in html   # what was typed is kept
    assert demo_conn.execute("SELECT count(*) FROM assets").fetchone()[0] == before
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400


def test_session_cookie_flags(demo_db_url):
    with running_app(demo_db_url) as app:
        client = app.test_client()
        page = client.get("/sign-in", base_url="https://assets.example.org")
        cookie = page.headers.get("Set-Cookie", "")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        plain = app.test_client().get("/sign-in").headers.get("Set-Cookie", "")
        assert "HttpOnly" in plain and "Secure" not in plain   # local http use must keep working
