"""A participant's note or dot sent twice with one Idempotency-Key is added once."""


def test_a_repeated_note_or_vote_is_added_once(ws_client, ws_db, workshop, join):
    ann = join("Ann")
    code = workshop["code"]
    centre = ws_db.execute("SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) c "
                           "FROM neighbourhoods ORDER BY code LIMIT 1) p").fetchone()
    note = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [centre["x"], centre["y"]]},
            "properties": {"kind": "asset", "text": "The bowls club has a free room"}}
    keyed = ann | {"Idempotency-Key": "note-1-abc"}
    first = ws_client.post(f"/api/v1/workshops/{code}/notes", json=note, headers=keyed)
    again = ws_client.post(f"/api/v1/workshops/{code}/notes", json=note, headers=keyed)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ws_db.execute("SELECT count(*) AS n FROM workshop_notes").fetchone()["n"] == 1
    votes = f"/api/v1/workshops/{code}/notes/{first.get_json()['id']}/votes"
    for _ in range(2):
        assert ws_client.post(votes, headers=ann | {"Idempotency-Key": "vote-1-abc"}).status_code == 201
    assert ws_db.execute("SELECT count(*) AS n FROM workshop_votes").fetchone()["n"] == 1
