"""`assetmap serve` behind a real PgBouncer in transaction pooling mode, in front of the test server: pages, the
API, a form write, tiles and a workshop note received on its live stream, with the workshop listener connected
directly (LISTEN needs a session of its own). And the statement timeout, which PgBouncer does not let the app send
when connecting, set on the database role instead."""

from __future__ import annotations

import http.client
import json
import time

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from tests.helpers import CSRF, add_staff
from tests.scaling.processes import PgBouncer, Serve, bearer, serve_exit, set_cookies


@pytest.fixture
def bouncer(fresh_demo_db_url):
    if not conninfo_to_dict(fresh_demo_db_url).get("password"):
        pytest.skip("the test server's URL has no password for PgBouncer to log in with")
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
    bouncer = PgBouncer(fresh_demo_db_url)
    try:
        yield bouncer
    finally:
        bouncer.stop()


def test_the_statement_timeout_goes_on_the_role_behind_pgbouncer(fresh_demo_db_url, bouncer, tmp_path):
    # Sent when connecting (the default), PgBouncer refuses it: serve stops and says what to do.
    code, output = serve_exit(tmp_path, DATABASE_URL=bouncer.url())
    assert code == 1, output
    assert "unsupported startup parameter: options" in output
    assert "set ASSETMAP_STATEMENT_TIMEOUT=0 and set statement_timeout on the web app's database role" in output

    # On the role (in this database only), every server connection PgBouncer opens for it carries it; those it
    # opened before keep what they had (RECONNECT on PgBouncer's console renews them).
    info = conninfo_to_dict(fresh_demo_db_url)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET statement_timeout = '300ms'").format(
            sql.Identifier(info["user"]), sql.Identifier(info["dbname"])))
    bouncer.reconnect()
    with psycopg.connect(bouncer.url(), autocommit=True, prepare_threshold=None) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "300ms"
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(1)")


def test_the_app_answers_through_pgbouncer(fresh_demo_db_url, bouncer, tmp_path):
    server = Serve(tmp_path, DATABASE_URL=bouncer.url(), ASSETMAP_STATEMENT_TIMEOUT="0",
                   ASSETMAP_LISTEN_DATABASE_URL=fresh_demo_db_url)
    try:
        for page in ("/", "/api/v1/assets?limit=5", "/api/v1/neighbourhoods", "/tiles/assets/10/511/340.pbf",
                     "/tiles/assets.json"):
            status, _, body = server.request("GET", page)
            assert status == 200, (page, body)

        # A resident's form: CSRF token and session cookie from the page, the entry stored through PgBouncer.
        with psycopg.connect(fresh_demo_db_url) as conn:
            lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c "
                                    "FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone()
        _, response, page = server.request("GET", "/assets/new")
        form = {"csrf_token": CSRF.search(page.decode()).group(1), "name": "Bouncer Hall",
                "category": "community_centre", "lon": str(lon), "lat": str(lat),
                "capacity-0-kind": "space", "capacity-0-quantity": "12", "capacity-0-unit": "places",
                "capacity-0-schedule": "Tu 18:00-21:00", "capacity-0-cost": "free"}
        status, _, body = server.request("POST", "/assets/new", form=form, cookies=set_cookies(response))
        assert status == 303, body
        with psycopg.connect(fresh_demo_db_url) as conn:
            assert conn.execute("SELECT status FROM assets WHERE name = 'Bouncer Hall'").fetchone() == ("pending",)

        # A workshop note reaches an open live map: posted through PgBouncer, heard on the direct listener.
        status, _, made = server.request("POST", "/api/v1/workshops", {"title": "Pooled", "neighbourhoods": []},
                                         bearer(fresh_demo_db_url, "fay@example.org"))
        assert status == 201, made
        code = made["code"]
        status, _, joined = server.request("POST", f"/api/v1/workshops/{code}/participants",
                                           {"name": "Ann", "organisation": "Library"})
        assert status == 201, joined
        token = {"X-Participant-Token": joined["participant_token"]}
        stream = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            stream.request("GET", f"/api/v1/workshops/{code}/events", headers={**token, "Accept": "text/event-stream"})
            events = stream.getresponse()
            assert events.status == 200
            note = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"kind": "opportunity", "text": "Pooled but heard"}}
            status, _, posted = server.request("POST", f"/api/v1/workshops/{code}/notes", note, token)
            assert status == 201, posted
            assert _note_ids(events, posted["id"]) == posted["id"]
        finally:
            stream.close()
        with psycopg.connect(fresh_demo_db_url) as conn:
            listeners = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND application_name = 'assetmap-listener'").fetchone()[0]
        assert listeners >= 1
    finally:
        server.stop()


def _note_ids(events, wanted: int, seconds: float = 10) -> int | None:
    """Read the stream until a `note` event for `wanted` arrives; its id, or None."""
    deadline = time.monotonic() + seconds
    event, data = None, None
    while time.monotonic() < deadline:
        line = events.readline().decode().rstrip("\r\n")
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data = json.loads(line.partition(":")[2])
        elif not line and event == "note" and data and data.get("id") == wanted:
            return wanted
        elif not line:
            event, data = None, None
    return None
