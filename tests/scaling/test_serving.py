"""The serving settings in-process: gunicorn's configuration, the web pools' statement timeout (and the command
line's lack of one), and reads that fall back to the primary when the replica cannot be reached."""

from __future__ import annotations

import importlib
import os
import time

import psycopg
import pytest

from assetmap import config
from assetmap.db.connect import connect
from assetmap.web.db import get_conn, get_read_conn
from tests.helpers import running_app


def test_gunicorn_is_configured_from_the_settings_and_the_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSETMAP_HOME", str(tmp_path))
    monkeypatch.setenv("ASSETMAP_THREADS", "40")
    monkeypatch.delenv("ASSETMAP_WORKERS", raising=False)
    import assetmap.gunicorn_conf as conf
    conf = importlib.reload(conf)
    cores = len(os.sched_getaffinity(0))
    assert conf.workers == config.default_workers() == min(max(cores, 2), 8)
    assert (conf.worker_class, conf.threads) == ("gthread", 40)
    assert conf.timeout == 30 and conf.graceful_timeout == 5
    assert "%(M)s" in conf.access_log_format and conf.accesslog == "-"
    assert conf.control_socket == str(tmp_path / "gunicorn.ctl")
    monkeypatch.setenv("ASSETMAP_WORKERS", "3")
    assert importlib.reload(conf).workers == 3


def test_web_connections_carry_the_statement_timeout_and_the_command_line_does_not(demo_db_url):
    with running_app(demo_db_url, statement_timeout=250) as app, app.test_request_context():
        conn = get_conn()
        assert conn.execute("SHOW statement_timeout").fetchone()["statement_timeout"] == "250ms"
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(1)")
    with running_app(demo_db_url, statement_timeout=0) as app, app.test_request_context():
        assert get_conn().execute("SHOW statement_timeout").fetchone()["statement_timeout"] == "0"
    settings = config.Settings(database_url=demo_db_url, statement_timeout=250)
    with connect(settings) as conn:   # what the command line and the workers use
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "0"


def test_reads_fall_back_to_the_primary_when_the_replica_cannot_be_reached(demo_db_url, free_port):
    nowhere = f"postgresql://nobody@127.0.0.1:{free_port}/nothing"
    with running_app(demo_db_url, read_database_url=nowhere) as app:
        with app.test_request_context():
            assert get_read_conn(timeout=0.5) is get_conn()
        # Resting: the next request does not wait for the replica again.
        began = time.monotonic()
        with app.test_request_context():
            assert get_read_conn(timeout=30) is get_conn()
        assert time.monotonic() - began < 1
        status = app.test_client().get("/api/v1/categories").status_code
    assert status == 200


def test_without_a_replica_reads_share_the_request_connection_and_writes_set_no_cookie(fresh_demo_db_url):
    with running_app(fresh_demo_db_url) as app:
        with app.test_request_context():
            assert get_read_conn() is get_conn()
            lon, lat = get_conn().execute("SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) "
                                          "AS y FROM neighbourhoods LIMIT 1").fetchone().values()
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                   "properties": {"name": "No replica hall", "category": "community_centre"}}
        response = app.test_client().post("/api/v1/assets", json=feature)
        assert response.status_code == 201, response.json
        assert "assetmap_wrote" not in response.headers.get("Set-Cookie", "")
