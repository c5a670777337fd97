"""`assetmap serve` with DATABASE_URL on a primary and ASSETMAP_READ_DATABASE_URL on its hot standby (real
PostgreSQL processes, the standby made with pg_basebackup and streaming from the primary).

Which server answered is told by the data, not by trust: replay on the standby is paused, a change is made on the
primary, and a read that lacks it was answered by the standby; after replay resumes, the same read has it.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.scaling.postgres import wait_for_replay
from tests.scaling.processes import Serve, bearer, set_cookies, tile_of


@pytest.fixture(scope="module")
def served(replicated, tmp_path_factory):
    primary_url, standby_url = replicated
    server = Serve(tmp_path_factory.mktemp("replica-serve"), DATABASE_URL=primary_url,
                   ASSETMAP_READ_DATABASE_URL=standby_url)
    try:
        yield server
    finally:
        server.stop()


def _centre(url: str) -> tuple[float, float]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                            "ORDER BY code LIMIT 1) x").fetchone()


def _replay(standby_url: str, on: bool) -> None:
    with psycopg.connect(standby_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()" if on else "SELECT pg_wal_replay_pause()")


def _has(url: str, public_id: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM public_assets WHERE public_id = %s", (public_id,)).fetchone()[0] == 1


def test_reads_go_to_the_standby_and_writes_to_the_primary(replicated, served):
    primary_url, standby_url = replicated
    planner = bearer(primary_url)
    session = served.sign_in()
    wait_for_replay(primary_url, standby_url)
    lon, lat = _centre(primary_url)
    tile = "/tiles/assets/{}/{}/{}.pbf".format(*tile_of(lon, lat, 15))
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    capacity_url = "/api/v1/analysis/capacity?format=json&kind=space"
    status, _, before = served.request("GET", capacity_url, headers=planner)
    assert status == 200, before

    _replay(standby_url, on=False)
    try:
        # A resident sends a new place and a planner publishes it: both writes reach the primary.
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                   "properties": {"name": "Replica probe", "category": "community_centre",
                                  "capacity": [{"kind": "space", "quantity": 500, "unit": "places",
                                                "schedule": "Mo-Su 08:00-20:00", "cost": "free"}]}}
        status, response, sent = served.request("POST", "/api/v1/assets", feature)
        assert status == 201, sent
        assert "assetmap_wrote" in set_cookies(response)
        public_id = sent["id"]
        status, response, moderated = served.request("POST", f"/api/v1/assets/{public_id}/moderation",
                                                     {"action": "approve"}, planner)
        assert status == 200, moderated
        wrote = {"assetmap_wrote": set_cookies(response)["assetmap_wrote"]}
        assert _has(primary_url, public_id) and not _has(standby_url, public_id)

        # Everyone else reads the standby, which has not replayed the new place yet ...
        status, _, page = served.request("GET", f"/api/v1/assets?bbox={box}")
        assert status == 200 and public_id not in {f["properties"]["id"] for f in page["features"]}
        status, _, body = served.request("GET", tile)
        assert status == 200 and public_id.encode() not in body
        status, _, csv = served.request("GET", "/planner/data/export/assets.csv", cookies=session)
        assert status == 200 and b"Replica probe" not in csv
        status, _, stale = served.request("GET", capacity_url, headers=planner)
        assert status == 200 and stale == before

        # ... but the planner who published it reads the primary until the standby has it (the cookie).
        status, _, page = served.request("GET", f"/api/v1/assets?bbox={box}", cookies=wrote)
        assert status == 200 and public_id in {f["properties"]["id"] for f in page["features"]}
        status, _, body = served.request("GET", tile, cookies=wrote)
        assert status == 200 and public_id.encode() in body
        status, _, fresh = served.request("GET", capacity_url, headers=planner, cookies=wrote)
        assert status == 200 and fresh != before

        with psycopg.connect(standby_url, autocommit=True) as conn:
            readers = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'assetmap' "
                                   "AND application_name = 'assetmap web read'").fetchone()[0]
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        assert readers >= 1
    finally:
        _replay(standby_url, on=True)

    # Once replayed, the standby serves the new place to everyone.
    wait_for_replay(primary_url, standby_url)
    assert _has(standby_url, public_id)
    status, _, page = served.request("GET", f"/api/v1/assets?bbox={box}")
    assert status == 200 and public_id in {f["properties"]["id"] for f in page["features"]}
    status, _, body = served.request("GET", tile)
    assert public_id.encode() in body
    status, _, csv = served.request("GET", "/planner/data/export/assets.csv", cookies=session)
    assert b"Replica probe" in csv
    assert served.request("GET", capacity_url, headers=planner)[2] == fresh
