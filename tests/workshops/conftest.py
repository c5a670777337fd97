"""Workshops on a copy of the demo town: a facilitator with an API token, a workshop over two neighbourhoods, and
participants joined through the API."""

from __future__ import annotations

import pytest

from assetmap.model import users
from tests.helpers import cheap_hashes, running_app


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def ws_db(staff_demo_db):
    """The demo town with a planner (pat@) and a facilitator (fay@), as dict rows."""
    return staff_demo_db


@pytest.fixture
def ws_app(fresh_demo_db_url, ws_db):
    with running_app(fresh_demo_db_url) as application:
        yield application


@pytest.fixture
def ws_client(ws_app):
    return ws_app.test_client()


def token_for(conn, email: str) -> str:
    return users.create_token(conn, email, "tests")


@pytest.fixture
def fay_token(ws_db) -> dict:
    """Headers carrying the facilitator's API token."""
    return {"Authorization": f"Bearer {token_for(ws_db, 'fay@example.org')}"}


@pytest.fixture
def workshop(ws_client, ws_db, fay_token) -> dict:
    """A workshop over the demo town's first two neighbourhoods (by code), 3 votes each: {"code", "join_url", …}."""
    hoods = [r["code"] for r in ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
    response = ws_client.post("/api/v1/workshops", headers=fay_token,
                              json={"title": "Northside Total Place", "neighbourhoods": hoods, "votes_per_person": 3,
                                    "layers": ["assets", "capacity"]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def join(ws_client, workshop):
    """`join(name, organisation)` → headers carrying that new participant's token."""
    def joined(name: str, organisation: str = "") -> dict:
        response = ws_client.post(f"/api/v1/workshops/{workshop['code']}/participants",
                                  json={"name": name, "organisation": organisation})
        assert response.status_code == 201, response.get_json()
        return {"X-Participant-Token": response.get_json()["participant_token"]}
    return joined


def point_note(kind: str, text: str, lon: float = -1.5, lat: float = 52.5) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": kind, "text": text}}
