"""An app on a demo town of the module's own, with staff API tokens, a workshop with a participant and notes, and
a second workshop for the facilitator's lock, unlock and close."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.model import users
from tests.helpers import add_staff, cheap_hashes, running_app, scratch_database

# High enough that a fuzz run is never rate limited: the 429s are documented, but every write would then be one.
NO_LIMITS = {"submit_rate": "100000/hour", "workshop_note_rate": "100000/minute",
             "workshop_join_rate": "100000/hour"}


@dataclass
class World:
    app: object
    url: str
    planner: str        # API tokens
    facilitator: str
    code: str           # the workshop the participant is in
    spare_code: str     # one for lock, unlock and close
    participant: str    # X-Participant-Token

    def note_ids(self) -> list[int]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return [r[0] for r in conn.execute(
                "SELECT n.id FROM workshop_notes n JOIN workshops w ON w.id = n.workshop_id "
                "WHERE w.code = %s AND n.status = 'visible' ORDER BY n.id", (self.code,)).fetchall()]


@pytest.fixture(scope="module")
def world(admin_url, demo_template):
    with pytest.MonkeyPatch.context() as mp:
        cheap_hashes(mp)
        with scratch_database(admin_url, demo_template) as url:
            with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
                add_staff(conn)
                planner = users.create_token(conn, "pat@example.org", "fuzz")
                facilitator = users.create_token(conn, "fay@example.org", "fuzz")
            with running_app(url, **NO_LIMITS) as app:
                yield _populate(app, url, planner, facilitator)


def _populate(app, url: str, planner: str, facilitator: str) -> World:
    client = app.test_client()
    staff = {"Authorization": f"Bearer {facilitator}"}
    made = [client.post("/api/v1/workshops", headers=staff, json={"title": title, "layers": [
        "assets", "capacity", "services", "catchments", "overlaps", "spend", "capacity_balance"]})
        for title in ("Fuzzing", "Spare")]
    assert [r.status_code for r in made] == [201, 201], [r.get_json() for r in made]
    code, spare = (r.get_json()["code"] for r in made)
    joined = client.post(f"/api/v1/workshops/{code}/participants", json={"name": "Ann", "organisation": "Org"})
    token = joined.get_json()["participant_token"]
    for text in ("The library's back room is free on Tuesdays", "We both run a lunch club"):
        added = client.post(f"/api/v1/workshops/{code}/notes", headers={"X-Participant-Token": token}, json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.91, 52.62]},
            "properties": {"kind": "asset", "text": text}})
        assert added.status_code == 201, added.get_json()
    return World(app, url, planner, facilitator, code, spare, token)
