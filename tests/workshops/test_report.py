"""The report pack on a copy of the demo town: a workshop built through the API, its PDF read back with pypdf, its
page, its notes as GeoJSON (read by pyogrio) and CSV, and who may see them."""

from __future__ import annotations

import base64
import csv
import io
import re

import pyogrio
import pytest
from pypdf import PdfReader

from assetmap.model import users
from assetmap.workshops import exports, notes, report, sessions
from assetmap.workshops.report_maps import DPI, WIDTH_IN
from tests.helpers import PASSWORD, sign_in

XSS_NOTE = "<script>alert(1)</script>"
VISIBLE = {
    "club": ("asset", "Youth club & café, open <b>late</b> on Fridays"),
    "hall": ("asset", "St Mark's hall is free on Tuesday evenings"),
    "doors": ("overlap", "Two outreach teams knock on the same doors in Mill Green"),
    "xss": ("gap", XSS_NOTE),
    "formula": ("question", "=SUM(A1:A9) is what the bus costs?"),
}
HIDDEN_TEXT = "A rude remark the facilitator hid"
WITHDRAWN_TEXT = "A thought its author took back"


def feature(kind: str, text: str, geometry: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"kind": kind, "text": text}}


def square(lon: float, lat: float, d: float = 0.002) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d],
                                                [lon, lat]]]}


@pytest.fixture
def room(ws_client, ws_db, workshop, join) -> dict:
    """The fixture workshop with five visible notes (one an area), votes, a comment, a hidden and a withdrawn note
    and an action: {"code", "ids", "ann" (headers), "ws" (the Workshop)}."""
    code = workshop["code"]
    spot = ws_db.execute("SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(area) AS p "
                         "FROM workshops WHERE code = %s) x", (code,)).fetchone()
    lon, lat = spot["lon"], spot["lat"]
    ann, bob, eve = join("Ann", "NHS"), join("Bob", "Ashcombe Borough Council"), join("@Eve", "-Minus Trust")
    url = f"/api/v1/workshops/{code}/notes"
    ids = {}
    for i, (key, (kind, text)) in enumerate(VISIBLE.items()):
        geometry = square(lon, lat) if key == "doors" else {"type": "Point", "coordinates": [lon + i * 0.001, lat]}
        author = eve if key == "formula" else ann
        made = ws_client.post(url, json=feature(kind, text, geometry), headers=author)
        assert made.status_code == 201, made.get_json()
        ids[key] = made.get_json()["id"]
    for key, voters in {"club": (ann, bob, eve), "hall": (ann,), "doors": (bob, eve)}.items():
        for who in voters:
            assert ws_client.post(f"{url}/{ids[key]}/votes", headers=who).status_code == 201
    assert ws_client.post(f"{url}/{ids['doors']}/comments", json={"text": "We should share one rota & <i>map</i>"},
                          headers=bob).status_code == 201
    for key, text in (("hidden", HIDDEN_TEXT), ("withdrawn", WITHDRAWN_TEXT)):
        made = ws_client.post(url, json=feature("gap", text, {"type": "Point", "coordinates": [lon, lat]}), headers=bob)
        ids[key] = made.get_json()["id"]
    assert ws_client.delete(f"{url}/{ids['withdrawn']}", headers=bob).status_code == 204
    ws = sessions.by_code(ws_db, code)
    fay = users.get_user(ws_db, ws.facilitator_id)
    notes.set_hidden(ws_db, ws, ids["hidden"], True, fay)
    sessions.add_action(ws_db, ws, "Pool the outreach rota for Mill Green", "Bob, Council", fay, note_id=ids["doors"])
    return {"code": code, "ids": ids, "ann": ann, "ws": ws}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_is_a_pdf_with_a_map_and_every_visible_note(ws_client, room):
    response = ws_client.get(f"/workshops/{room['code']}/report.pdf", headers=room["ann"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    pdf = PdfReader(io.BytesIO(response.data))
    assert pdf.metadata.title == "Northside Total Place"
    images = [image for page in pdf.pages for image in page.images]
    assert images and images[0].image.width >= 1000   # the map, decoded by Pillow
    text = flat(" ".join(page.extract_text() for page in pdf.pages))
    for _, note_text in VISIBLE.values():
        assert flat(note_text) in text
    assert HIDDEN_TEXT not in text and WITHDRAWN_TEXT not in text
    assert "We should share one rota & <i>map</i>" in text   # a comment, its markup as characters
    assert "Pool the outreach rota for Mill Green" in text
    assert "Ashcombe Borough Council" in text and "per resident" in text


def test_notes_are_grouped_by_kind_and_ranked_by_votes(ws_app, ws_db, room):
    pack = report.build(ws_db, room["ws"], ws_app.config["ASSETMAP"])
    assert [g.kind for g in pack.groups] == list(sessions.KINDS)
    assets = pack.groups[0].notes
    assert [(n.id, n.votes) for n in assets] == [(room["ids"]["club"], 3), (room["ids"]["hall"], 1)]
    assert [n.number for n in pack.notes] == list(range(1, len(VISIBLE) + 1))
    assert {n.id for n in pack.notes} == {room["ids"][k] for k in VISIBLE}
    doors = next(n for n in pack.notes if n.id == room["ids"]["doors"])
    assert doors.comments[0].author == "Bob" and doors.comments[0].organisation == "Ashcombe Borough Council"
    assert pack.actions == [{"text": "Pool the outreach rota for Mill Green", "owner": "Bob, Council",
                             "note": doors.number}]
    assert {o["organisation"] for o in pack.organisations} == {"NHS", "Ashcombe Borough Council", "-Minus Trust"}
    figures = pack.figures
    assert len(figures.neighbourhoods) == 2 and figures.services > 0 and figures.pairs >= figures.candidate_count
    assert figures.spend is not None and figures.spend["per_resident"] > 0
    assert figures.capacity and all({"kind", "supply", "need", "balance"} <= set(c) for c in figures.capacity)


def test_the_page_escapes_what_people_wrote_and_carries_its_map(ws_app, room):
    client = ws_app.test_client()
    assert sign_in(client, "fay@example.org").status_code in (302, 303)
    response = client.get(f"/workshops/{room['code']}/report")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert XSS_NOTE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>late</b>" not in page and "&lt;b&gt;late&lt;/b&gt;" in page
    assert HIDDEN_TEXT not in page and WITHDRAWN_TEXT not in page
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and f'width="{int(WIDTH_IN * DPI)}"' in page
    club, hall = page.index("Youth club &amp; café"), page.index("St Mark&#39;s hall")
    assert club < hall   # more votes first
    assert f'href="/workshops/{room["code"]}/report.pdf"' in page


def test_notes_as_geojson_read_back_with_pyogrio(ws_client, room, tmp_path):
    response = ws_client.get(f"/workshops/{room['code']}/notes.geojson", headers=room["ann"])
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    path = tmp_path / "notes.geojson"
    path.write_bytes(response.data)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(VISIBLE)
    assert set(frame["text"]) == {text for _, text in VISIBLE.values()}
    assert sorted(frame.geometry.geom_type.unique()) == ["Point", "Polygon"]
    assert frame.crs.to_epsg() == 4326
    club = frame[frame["text"] == VISIBLE["club"][1]].iloc[0]
    assert club["votes"] == 3 and club["number"] == 1 and club["author"] == "Ann"


def test_notes_as_csv_name_their_columns_and_defuse_formulas(ws_client, room):
    response = ws_client.get(f"/workshops/{room['code']}/notes.csv", headers=room["ann"])
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == exports.CSV_COLUMNS
    assert len(rows) == len(VISIBLE)
    formula = next(r for r in rows if r["kind"] == "question")
    assert formula["text"] == "'" + VISIBLE["formula"][1]
    assert formula["author"] == "'@Eve" and formula["organisation"] == "'-Minus Trust"
    doors = next(r for r in rows if r["kind"] == "overlap")
    assert doors["wkt"].startswith("POLYGON") and doors["comments"] == "1" and doors["votes"] == "2"
    assert float(doors["lon"]) < 0 and 52 < float(doors["lat"]) < 53   # a negative longitude stays a number
    assert {r["status"] for r in rows} == {"visible"}


ROUTES = ("report", "report.pdf", "notes.geojson", "notes.csv")


def _statuses(client, code: str, headers: dict | None = None) -> list[int]:
    return [client.get(f"/workshops/{code}/{route}", headers=headers or {}).status_code for route in ROUTES]


def test_who_may_see_the_report(ws_app, ws_db, ws_client, room, fay_token):
    code = room["code"]
    assert _statuses(ws_app.test_client(), code, room["ann"]) == [200] * 4   # a participant, by token

    stranger = ws_app.test_client()
    page = stranger.get(f"/workshops/{code}/report")
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/w/{code}")
    assert _statuses(stranger, code)[1:] == [401] * 3

    other = ws_client.post("/api/v1/workshops", headers=fay_token, json={"title": "Another room"}).get_json()["code"]
    elsewhere = ws_app.test_client()
    joined = elsewhere.post(f"/api/v1/workshops/{other}/participants", json={"name": "Zed"})
    token = {"X-Participant-Token": joined.get_json()["participant_token"]}
    assert _statuses(elsewhere, code, token) == [302, 401, 401, 401]   # cookie and token are the other room's
    assert _statuses(elsewhere, other, token) == [200] * 4

    facilitator = ws_app.test_client()
    sign_in(facilitator, "fay@example.org")
    assert _statuses(facilitator, code) == [200] * 4
    assert _statuses(ws_app.test_client(), code, fay_token) == [200] * 4   # Bearer, for scripts

    users.add_user(ws_db, "flo@example.org", PASSWORD, "facilitator", "Flo")
    users.add_user(ws_db, "ada@example.org", PASSWORD, "admin", "Ada")
    for email, expected in (("flo@example.org", 403), ("pat@example.org", 403), ("ada@example.org", 200)):
        client = ws_app.test_client()
        sign_in(client, email)
        assert _statuses(client, code) == [expected] * 4, email
    assert ws_app.test_client().get("/workshops/ACDEFG/report.pdf").status_code == 404


def test_an_area_without_neighbourhoods_has_no_figures_but_a_report(ws_client, fay_token):
    made = ws_client.post("/api/v1/workshops", headers=fay_token, json={
        "title": "Far away", "area": square(-1.51, 52.5, 0.01)})
    code = made.get_json()["code"]
    page = ws_client.get(f"/workshops/{code}/report", headers=fay_token)
    assert page.status_code == 200
    assert "No figures: the workshop's area covers no neighbourhood" in page.get_data(as_text=True)
    pdf = PdfReader(io.BytesIO(ws_client.get(f"/workshops/{code}/report.pdf", headers=fay_token).data))
    text = flat(" ".join(p.extract_text() for p in pdf.pages))
    assert "No figures" in text and "No notes of this kind." in text and len(pdf.pages[0].images) == 1
