"""The injection corpus (tests/trust/payloads.py, 138 payloads) through every kind of user-writable field — an
imported asset file's columns (names, descriptions, audiences, access, organisations, addresses, offers), a
resident's request, a workshop participant's name, notes and comments — rendered on the public list, asset pages,
map popups, the planners' queue and requests, a private link's page, and a workshop's participant map, screen,
control page and report, in Chromium: no script runs, no dialog opens, no other host is asked for anything and
nothing breaks the page's Content-Security-Policy (the page watcher fails on a CSP report or a console error).
"""

from __future__ import annotations

import csv

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.ingest.asset_files import import_assets
from assetmap.model import requests
from tests.helpers import LiveServer, add_staff, running_app, sign_in_page
from tests.trust.payloads import PAYLOADS

pytestmark = pytest.mark.browser

STEP = 0.0002    # degrees between payload entries (about 15 m): a few at a time in view at zoom 19


def _not_run(page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__pwned === undefined"), f"a payload ran on {where}"


@pytest.fixture
def town(fresh_demo_db_url, tmp_path):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        hood = conn.execute("SELECT code, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y "
                            "FROM neighbourhoods ORDER BY code LIMIT 1").fetchone()
        n = len(PAYLOADS)
        rows = [{"source_ref": f"p{i}", "name": p, "category": "community_centre",
                 "lon": round(hood["x"] + (i % 12) * STEP, 6), "lat": round(hood["y"] + (i // 12) * STEP, 6),
                 "description": PAYLOADS[(i + 1) % n], "audience": PAYLOADS[(i + 2) % n],
                 "accessibility": PAYLOADS[(i + 3) % n], "organisation": PAYLOADS[(i + 4) % n],
                 "address": PAYLOADS[(i + 5) % n], "capacity.0.kind": "space", "capacity.0.quantity": 5,
                 "capacity.0.unit": "places", "capacity.0.description": PAYLOADS[(i + 6) % n]}
                for i, p in enumerate(PAYLOADS)]
        path = tmp_path / "payloads.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        report = import_assets(conn, path, source="payloads")
        assert report.inserted >= 0.9 * n, report.rejected[:3]
        pending = import_assets(conn, path, source="payloads-pending", pending=True)
        assert pending.inserted >= 0.9 * n
        with running_app(fresh_demo_db_url, submit_rate="10000/hour", request_rate="10000/hour",
                         workshop_note_rate="10000/hour", workshop_join_rate="10000/hour") as app:
            offer = conn.execute("SELECT o.id FROM capacity_offers o JOIN assets a ON a.id = o.asset_id "
                                 "WHERE a.source = 'payloads' ORDER BY o.id LIMIT 1").fetchone()["id"]
            sent = requests.create(conn, offer, requests.RequestInput(PAYLOADS[0][:200], PAYLOADS[1][:200],
                                                                      PAYLOADS[2], PAYLOADS[3][:200], 2,
                                                                      "resident@example.org"),
                                   app.config["ASSETMAP"], actor="requester")
            with LiveServer(app) as live:
                yield {"conn": conn, "app": app, "url": live.url, "hood": hood, "sent": sent}


def _workshop(page, town) -> str:
    """A workshop over the payload neighbourhood, joined in this page by a participant named with a payload, who
    adds payload notes and a comment through the API with the page's cookie."""
    client = town["app"].test_client()
    from assetmap.model import users
    token = users.create_token(town["conn"], "fay@example.org")
    code = client.post("/api/v1/workshops", headers={"Authorization": f"Bearer {token}"}, json={
        "title": PAYLOADS[5][:120], "neighbourhoods": [town["hood"]["code"]], "rounds": [PAYLOADS[6][:200]],
        "layers": ["assets"]}).get_json()["code"]
    for i, payload in enumerate(PAYLOADS[:40]):
        who = client.post(f"/api/v1/workshops/{code}/participants",
                          json={"name": payload[:60], "organisation": PAYLOADS[-1 - i][:100]}).get_json()
        headers = {"X-Participant-Token": who["participant_token"]}
        note = client.post(f"/api/v1/workshops/{code}/notes", headers=headers, json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [town["hood"]["x"] + i * 1e-4,
                                                                             town["hood"]["y"]]},
            "properties": {"kind": "gap", "text": PAYLOADS[i + 40]}}).get_json()
        client.post(f"/api/v1/workshops/{code}/notes/{note['id']}/comments", headers=headers,
                    json={"text": PAYLOADS[i + 80]})
    return code


def test_no_payload_runs_anywhere(page, town):
    url, conn, hood = town["url"], town["conn"], town["hood"]
    shown = set()
    # The public list, page by page, with every payload name on it.
    page.goto(f"{url}/assets?neighbourhood={hood['code']}&category=community_centre")
    while True:
        _not_run(page, page.url)
        shown |= {t.strip() for t in page.locator("main a").all_inner_texts()}
        following = page.locator("a[rel=next]")
        if not following.count():
            break
        following.first.click()
    names = {r["name"] for r in conn.execute(
        "SELECT a.name FROM assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
        "WHERE a.source = 'payloads' AND n.code = %s", (hood["code"],))}
    assert len(names) >= 100 and names <= shown, f"the list shows every payload name as text: {names - shown}"
    # Asset pages: name, description, audience, access, organisation, offers.
    ids = [r["public_id"] for r in conn.execute(
        "SELECT public_id FROM assets WHERE source = 'payloads' ORDER BY source_ref")]
    for public_id in ids[::6]:
        page.goto(f"{url}/assets/{public_id}")
        _not_run(page, f"/assets/{public_id}")
    # Map popups.
    for i in range(0, len(PAYLOADS), 17):
        lat, lon = hood["y"] + (i // 12) * STEP, hood["x"] + (i % 12) * STEP
        page.goto(f"{url}/#19/{lat}/{lon}")
        page.wait_for_selector("#map-app[data-state=ready]")
        marker = page.locator(".asset-marker")
        if marker.count():
            marker.first.click()
            page.locator(".leaflet-popup-content").wait_for()
        _not_run(page, f"the map at {lat},{lon}")
    # A private link's page: the holder sees the request's words.
    page.goto(f"{url}/h/{town['sent'].holder_token}")
    _not_run(page, "the holder's page")
    page.goto(f"{url}/r/{town['sent'].requester_token}")
    _not_run(page, "the requester's page")
    # Planners: the queue (pending payload entries) and the requests.
    sign_in_page(page, url)
    for path in ("/planner/moderation", "/planner/requests", f"/planner/requests/{town['sent'].public_id}"):
        page.goto(url + path)
        _not_run(page, path)
    # A workshop: its facilitator's control page and screen, and the report.
    code = _workshop(page, town)
    page.context.clear_cookies()
    sign_in_page(page, url, email="fay@example.org", lands="**/workshops**")
    for path in (f"/workshops/{code}", f"/workshops/{code}/screen", f"/workshops/{code}/report"):
        page.goto(url + path)
        _not_run(page, path)
    # A participant's map, joined in this browser with a payload for a name.
    page.context.clear_cookies()
    page.goto(f"{url}/w/{code}")
    page.get_by_label("Your name").fill(PAYLOADS[3][:60])
    page.get_by_role("button", name="Join").click()
    page.wait_for_selector("#workshop-map, .leaflet-container")
    _not_run(page, f"/w/{code} as a participant")
    page.watch.assert_clean()
