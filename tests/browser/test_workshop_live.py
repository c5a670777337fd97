"""A workshop in three browsers: a facilitator (control page and big screen in two tabs of one browser) and two
participants, one on a phone. A note added by one appears on the other's map and on the screen within 2 s; dot
votes tally and stop at the limit with a message; after locking, a note is refused in words; the participant page
passes axe-core."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import PHONE
from tests.browser.watch import forgive_form_status, watched_page
from tests.helpers import LiveServer, cheap_hashes, running_app, sign_in_page

pytestmark = pytest.mark.browser
ARRIVES_WITHIN_MS = 2000


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def server(fresh_demo_db_url, staff_demo_db):
    hoods = [r["name"] for r in staff_demo_db.execute("SELECT name FROM neighbourhoods ORDER BY name LIMIT 2")]
    with running_app(fresh_demo_db_url) as app, LiveServer(app) as live:
        live.hoods = hoods
        yield live


def set_up(page, server) -> str:
    """The facilitator signs in and sets up a workshop over two neighbourhoods with 2 votes each; its code."""
    sign_in_page(page, server.url, "fay@example.org", lands="**/workshops")
    page.get_by_role("link", name="Set up a workshop").click()
    page.fill("#title", "Northside <b>Total Place</b>")
    page.fill("#votes_per_person", "2")
    page.fill("#round_minutes", "20")
    for name in server.hoods:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Set up the workshop").click()
    page.wait_for_url("**/workshops/*")
    return page.locator(".join-code").inner_text().strip()


def join(page, server, code: str, name: str, organisation: str) -> None:
    page.goto(f"{server.url}/w?code={code.lower()}")
    page.fill("#name", name)
    page.fill("#organisation", organisation)
    page.get_by_role("button", name="Join the workshop").click()
    page.wait_for_selector("#note-form")
    page.locator("#live-status", has_text="Live").wait_for()


def add_note(page, kind: str, text: str) -> None:
    page.get_by_label(kind, exact=True).check()
    page.fill("#note-text", text)
    page.get_by_role("button", name="Use the centre of the map").click()
    page.get_by_role("button", name="Add the note").click()


def wait_for_text(page, selector: str, text: str, timeout: float = ARRIVES_WITHIN_MS) -> None:
    page.locator(selector, has_text=text).first.wait_for(timeout=timeout)


def test_live_workshop_in_three_browsers(browser, page, axe, server):
    with watched_page(browser) as facilitator, watched_page(browser, viewport=PHONE, has_touch=True,
                                                            is_mobile=True) as phone:
        code = set_up(facilitator, server)
        screen = facilitator.context.new_page()   # a second tab: the big screen shares the first tab's stream
        screen.goto(f"{server.url}/workshops/{code}/screen")
        assert screen.locator(".join-code").inner_text().strip() == code
        assert "<b>" in screen.locator("h1").inner_text()   # escaped, shown as typed

        join(page, server, code, "Ann", "NHS Community Health")
        # The layer the facilitator chose (the set-up form's default, assets) is on the map, in the layer control.
        page.locator(".leaflet-control-layers-overlays label", has_text="Community assets").wait_for(state="attached")
        join(phone, server, code, "Bo", "Northside Residents")
        assert axe() == []

        # A note from the phone reaches the other participant's list and map, and the screen, within 2 s.
        started = time.monotonic()
        add_note(phone, "Gap", "No youth club after 6pm <script>alert(1)</script>")
        wait_for_text(page, "#notes-list .note-text", "No youth club after 6pm")
        wait_for_text(screen, "#screen-top .text", "No youth club after 6pm")
        wait_for_text(facilitator, "#notes-list .note-text", "No youth club after 6pm")
        arrived_s = time.monotonic() - started
        assert page.locator(".leaflet-tooltip.note-number").count() == 1
        assert screen.locator(".leaflet-tooltip.note-number").count() == 1

        # A comment half-typed on one note survives another note arriving (the list is redrawn).
        page.locator("#notes-list li", has_text="No youth club").get_by_text("Comment", exact=True).click()
        page.locator("#notes-list textarea").first.fill("Half a thought")
        add_note(phone, "Opportunity", "The school hall is free after 6pm")
        wait_for_text(page, "#notes-list .note-text", "The school hall is free")
        assert page.locator("#notes-list textarea").first.input_value() == "Half a thought"

        add_note(page, "Asset", "The library has a free room on Tuesdays")
        wait_for_text(phone, "#notes-list .note-text", "The library has a free room")

        # Votes tally, and the third dot is refused in words (2 per person).
        gap = phone.locator("#notes-list li", has_text="No youth club")
        for expected in (1, 2):
            gap.get_by_role("button", name="Vote", exact=False).first.click()
            wait_for_text(screen, "#screen-top .tally", str(expected))
        assert phone.locator("#votes-left").inner_text() == "0"
        gap.get_by_role("button", name="Vote", exact=False).first.click()
        wait_for_text(phone, "#vote-error", "You have used all 2 of your votes")
        forgive_form_status(phone, 409, f"/api/v1/workshops/{code}/notes")
        assert screen.locator("#screen-top li").first.locator(".tally").inner_text() == "2"

        # Locked: the participant is told, and a note is refused with a clear message.
        facilitator.get_by_role("button", name="Lock input", exact=True).click()
        wait_for_text(page, "#state-banner", "paused")
        wait_for_text(screen, "#screen-state", "Paused")
        add_note(page, "Question", "Who runs the bus?")
        wait_for_text(page, "#note-error", "The facilitator has paused the workshop")
        forgive_form_status(page, 409, f"/api/v1/workshops/{code}/notes")
        assert page.locator("#note-text").input_value() == "Who runs the bus?"   # what was typed stays

        screen.close()
    print(f"note from the phone on the other maps after {arrived_s * 1000:.0f} ms")


def test_numbers_on_the_map_follow_a_withdrawn_note(browser, page, server):
    """Notes are numbered in order on every map; when one goes, the ones after it move up, on the map as in the
    list (the map's labels once kept their old numbers)."""
    with watched_page(browser) as facilitator:
        code = set_up(facilitator, server)
    join(page, server, code, "Ann", "")
    add_note(page, "Gap", "First note")
    # The form clears when the server answers: the next note waits for that, or its text could be cleared.
    wait_for_text(page, "#place-status", "Added", timeout=15_000)
    add_note(page, "Gap", "Second note")
    wait_for_text(page, ".leaflet-tooltip.note-number", "2", timeout=15_000)
    first = page.locator("#notes-list li", has_text="First note")
    first.get_by_role("button", name="Withdraw my note").click()
    first.get_by_role("button", name="Press again to take it off the map").click()
    page.locator("#notes-list li", has_text="First note").wait_for(state="detached")
    # Labels fade out over 200 ms: wait for the old ones to go.
    page.locator(".leaflet-tooltip.note-number", has_text="2").wait_for(state="detached", timeout=15_000)
    assert page.locator(".leaflet-tooltip.note-number").all_inner_texts() == ["1"]
    assert "Gap 1" in page.locator("#notes-list li", has_text="Second note").inner_text()
