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
