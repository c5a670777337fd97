"""JSON bodies Python accepts but the app cannot use are refused as bad input, never a 500, nothing written."""

import json

import psycopg
import pytest

from tests.helpers import running_app

POINT = {"type": "Point", "coordinates": [-1.1, 52.6]}


@pytest.fixture
def client(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, submit_rate="1000/hour") as app:
        yield app.test_client()


def stored(url) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0]


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,                                  # nested past Python's recursion limit
    b'{"type": "Feature", "geometry": ' + json.dumps(POINT).encode() +
    b', "properties": {"name": "\\ud800 hall", "category": "community_centre"}}',   # a lone surrogate
    json.dumps({"type": "Feature", "geometry": POINT,
                "properties": {"name": ["a", "list"], "category": {"an": "object"}}}).encode(),
    b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, Infinity]}, "properties": {}}',
])
def test_unusable_json_is_refused_and_nothing_is_stored(client, fresh_demo_db_url, body):
    before = stored(fresh_demo_db_url)
    response = client.post("/api/v1/assets", data=body, content_type="application/json")
    assert response.status_code in (400, 422) and response.is_json
    assert stored(fresh_demo_db_url) == before
