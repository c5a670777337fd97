"""Idempotency-Key on POST /api/v1/assets: a retry after a timeout gets the first answer, never a second entry."""

import json
import threading
import urllib.request

import psycopg
import pytest

from tests.helpers import LiveServer, running_app


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        yield conn


def feature(db, name="Tuesday Knit and Natter"):
    lon, lat = db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                          "ORDER BY code LIMIT 1) x").fetchone()
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "category": "community_centre"}}


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM assets WHERE name IN ('Tuesday Knit and Natter', 'Something else')"
                      ).fetchone()[0]


def test_a_retry_gets_the_first_answer_and_adds_nothing(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="100/hour") as app:
        client = app.test_client()
        key = {"Idempotency-Key": "6f1c2a52-0b7e-4e59-9a0f-31c2d8a1e7b4"}
        first = client.post("/api/v1/assets", json=feature(db), headers=key)
        again = client.post("/api/v1/assets", json=feature(db), headers=key)
        assert first.status_code == again.status_code == 201
        assert again.get_json() == first.get_json() and "Idempotent-Replayed" not in first.headers
        assert again.headers["Idempotent-Replayed"] == "true" and again.headers["Location"] == first.headers["Location"]
        assert stored(db) == 1
        # Without a key, or with a new one, the same body is a new entry, as before.
        assert client.post("/api/v1/assets", json=feature(db)).status_code == 201
        assert client.post("/api/v1/assets", json=feature(db), headers={"Idempotency-Key": "another-key-1"}) \
            .status_code == 201
        assert stored(db) == 3
        # The table holds neither the key nor the edit token in the clear.
        raw = b"".join(bytes(r[0]) + bytes(r[1]) for r in db.execute("SELECT key_hash, response FROM idempotency_keys"))
        assert first.get_json()["edit_token"].encode() not in raw and key["Idempotency-Key"].encode() not in raw


def test_the_same_key_with_another_request_is_refused(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="100/hour") as app:
        client = app.test_client()
        key = {"Idempotency-Key": "key-for-one-request"}
        assert client.post("/api/v1/assets", json=feature(db), headers=key).status_code == 201
        other = client.post("/api/v1/assets", json=feature(db, "Something else"), headers=key)
        assert other.status_code == 422 and "different request" in other.get_json()["error"]
        assert client.post("/api/v1/assets", json=feature(db), headers={"Idempotency-Key": "short"}).status_code == 400
        assert stored(db) == 1


def test_refusals_are_kept_and_still_count_against_the_rate_limit(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="2/hour") as app:
        client = app.test_client()
        for n in range(2):
            bad = client.post("/api/v1/assets", json={"type": "Feature"}, headers={"Idempotency-Key": f"bad-one-{n}"})
            assert bad.status_code == 422
        limited = client.post("/api/v1/assets", json=feature(db), headers={"Idempotency-Key": "good-one-1"})
        assert limited.status_code == 429
        # A "try again later" is not kept: the same key may succeed once the window has passed.
        db.execute("DELETE FROM rate_limits")
        assert client.post("/api/v1/assets", json=feature(db), headers={"Idempotency-Key": "good-one-1"}) \
            .status_code == 201


def test_two_copies_sent_at_once_make_one_entry(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="100/hour") as app, LiveServer(app) as live:
        body = json.dumps(feature(db)).encode()
        answers = []

        def send():
            req = urllib.request.Request(live.url + "/api/v1/assets", data=body, method="POST", headers={
                "Content-Type": "application/json", "Idempotency-Key": "sent-twice-at-once"})
            with urllib.request.urlopen(req, timeout=30) as response:
                answers.append((response.status, json.loads(response.read())))

        threads = [threading.Thread(target=send) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(answers) == 4 and {s for s, _ in answers} == {201}
        assert len({a["id"] for _, a in answers}) == 1
        assert stored(db) == 1
