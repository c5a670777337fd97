"""Public writes have a small body limit and count against the rate limit whether or not they are valid."""

import psycopg
import pytest

from tests.helpers import add_staff, running_app, sign_in


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        yield conn


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM assets WHERE source IN ('resident', 'api')").fetchone()[0]


def test_a_large_anonymous_body_is_refused_before_it_is_read(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, max_body_kb=16) as app:
        client = app.test_client()
        big = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1, 52]},
               "properties": {"name": "x" * 20_000, "category": "community_centre"}}
        response = client.post("/api/v1/assets", json=big)
        assert response.status_code == 413
        assert client.post("/assets/new", data={"name": "x" * 20_000}).status_code == 413
        small = client.post("/api/v1/assets", json=big | {"properties": {"name": "Hall"}})
        assert small.status_code == 422   # under the limit: read and checked as usual
        assert stored(db) == 0


def test_signed_in_staff_keep_the_upload_limit(fresh_demo_db_url, db):
    add_staff(db)
    with running_app(fresh_demo_db_url, max_body_kb=16) as app:
        client = app.test_client()
        sign_in(client)
        response = client.post("/planner/data/import", data={"note": "y" * 20_000})
        assert response.status_code != 413


def test_invalid_submissions_count_against_the_rate_limit(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="3/hour") as app:
        client = app.test_client()
        for _ in range(3):
            assert client.post("/api/v1/assets", json={"type": "Feature"}).status_code == 422
        valid = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1, 52]},
                 "properties": {"name": "Hall", "category": "community_centre"}}
        response = client.post("/api/v1/assets", json=valid)
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert stored(db) == 0


def test_writes_through_a_private_link_have_a_rate_per_client(fresh_demo_db_url, db):
    """Confirming and withdrawing through an edit link count against ASSETMAP_LINK_RATE: the third write in the
    window is a 429 with Retry-After, and it changes nothing."""
    from psycopg.rows import dict_row

    from assetmap.model import contributions
    from assetmap.model.submission import validate
    from tests.helpers import csrf_token

    lon, lat = db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                          "ORDER BY code LIMIT 1) x").fetchone()
    with db.cursor(row_factory=dict_row) as cur:
        data = {"name": "Rate Hall", "category": "community_centre", "lon": lon, "lat": lat,
                "contact_email": "hall@example.org"}
        created = contributions.create_asset(cur.connection, validate(cur.connection, data), status="published")
    edit = f"/edit/{created.edit_token}"
    with running_app(fresh_demo_db_url, link_rate="2/hour") as app:
        client = app.test_client()
        token = csrf_token(client, edit)
        for _ in range(2):
            assert client.post(f"{edit}/confirm", data={"csrf_token": token}).status_code == 303
        refused = client.post(f"{edit}/withdraw", data={"csrf_token": token, "confirm": "yes"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "try again" in refused.get_data(as_text=True)
    status = db.execute("SELECT status FROM assets WHERE id = %s", (created.id,)).fetchone()[0]
    assert status == "published"
