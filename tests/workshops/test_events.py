"""Events: numbered in commit order per workshop, replayed from the database after a Last-Event-ID, rendered from
the rows as they are now (a hidden note goes out only as its removal), fanned out by one listener per process."""

from __future__ import annotations

import json
import threading
import time

import psycopg
from psycopg.rows import dict_row

from assetmap.workshops import events, notes, participants, sessions
from assetmap.workshops.live import Broker
from tests.workshops.conftest import point_note


class Staff:
    id = 2
    email = "fay@example.org"


def read_events(response, count: int, timeout: float = 5.0) -> list[tuple[int, str, dict]]:
    """(id, event, data) of the first `count` events of a streamed SSE response."""
    found, buffer, deadline = [], "", time.monotonic() + timeout
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
            if "id" in fields:
                found.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
        if len(found) >= count or time.monotonic() > deadline:
            break
    response.close()
    return found


def test_a_stream_resumes_after_last_event_id(ws_client, workshop, join):
    ann = join("Ann")
    url = f"/api/v1/workshops/{workshop['code']}"
    ids = [ws_client.post(f"{url}/notes", json=point_note("gap", f"note {i}"), headers=ann).get_json()["id"]
           for i in range(3)]
    everything = read_events(ws_client.get(f"{url}/events", headers=ann), 3)
    assert [(e, d["id"]) for _, e, d in everything] == [("note", i) for i in ids]
    missed = read_events(ws_client.get(f"{url}/events", headers=ann | {"Last-Event-ID": str(everything[0][0])}), 2)
    assert [d["properties"]["text"] for _, _, d in missed] == ["note 1", "note 2"]
    assert [seq for seq, _, _ in missed] == [everything[1][0], everything[2][0]]


def test_a_hidden_note_is_replayed_only_as_its_removal(ws_db, workshop, join, ws_client):
    ann = join("Ann")
    code = workshop["code"]
    note = ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("gap", "rude words"),
                          headers=ann).get_json()["id"]
    ws = sessions.by_code(ws_db, code)
    notes.set_hidden(ws_db, ws, note, True, Staff())
    replay = events.since(ws_db, ws.id, 0)
    assert [(e.kind, e.data) for e in replay] == [("note_removed", {"id": note, "status": "hidden",
                                                                   "merged_into": None})]
    assert "rude words" not in json.dumps([e.data for e in replay])


def test_votes_from_one_person_at_once_never_pass_the_limit(fresh_demo_db_url, ws_db, workshop, join, ws_client):
    ann = join("Ann")
    code = workshop["code"]
    ids = [ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("asset", f"n{i}"),
                          headers=ann).get_json()["id"] for i in range(8)]
    ws = sessions.by_code(ws_db, code)
    who = participants.by_token(ws_db, ws, ann["X-Participant-Token"])
    outcomes, barrier = [], threading.Barrier(len(ids))

    def vote(note_id: int) -> None:
        with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
            barrier.wait()
            try:
                notes.vote(conn, ws, who, note_id)
                outcomes.append("ok")
            except sessions.Refused:
                outcomes.append("refused")

    threads = [threading.Thread(target=vote, args=(i,)) for i in ids]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    assert outcomes.count("ok") == 3 and outcomes.count("refused") == 5
    assert ws_db.execute("SELECT count(*) AS n FROM workshop_votes").fetchone()["n"] == 3


def test_events_are_numbered_without_gaps_under_concurrent_writers(fresh_demo_db_url, ws_db, workshop, join,
                                                                   ws_client):
    tokens = [join(f"P{i}") for i in range(6)]
    ws = sessions.by_code(ws_db, workshop["code"])

    def write(token: dict) -> None:
        with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
            who = participants.by_token(conn, ws, token["X-Participant-Token"])
            for i in range(5):
                notes.add(conn, ws, who, notes.validate(point_note("gap", f"{who.id}-{i}")["properties"] |
                                                        {"geometry": point_note("gap", "")["geometry"]}))

    threads = [threading.Thread(target=write, args=(t,)) for t in tokens]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    seqs = [r["seq"] for r in ws_db.execute("SELECT seq FROM workshop_events WHERE workshop_id = %s ORDER BY seq",
                                            (ws.id,))]
    assert seqs == list(range(1, 31))
    assert ws_db.execute("SELECT last_seq FROM workshops WHERE id = %s", (ws.id,)).fetchone()["last_seq"] == 30


def test_one_listener_fans_out_to_every_stream(fresh_demo_db_url, ws_db, workshop, join, ws_client):
    ann = join("Ann")
    ws = sessions.by_code(ws_db, workshop["code"])
    broker = Broker(fresh_demo_db_url)
    try:
        subs = [broker.subscribe(ws.id) for _ in range(50)]
        assert broker.connected.wait(5)
        sent = time.monotonic()
        note = ws_client.post(f"/api/v1/workshops/{ws.code}/notes", json=point_note("gap", "fan"),
                              headers=ann).get_json()["id"]
        got = [s.get(timeout=2) for s in subs]
        assert all(e is not None and e.kind == "note" and e.data["id"] == note for e in got), got[:3]
        assert time.monotonic() - sent < 2
        listeners = ws_db.execute("SELECT count(*) AS n FROM pg_stat_activity "
                                  "WHERE application_name = 'assetmap-listener' AND datname = current_database()")
        assert listeners.fetchone()["n"] == 1
    finally:
        broker.stop()
