"""The day picker's note ("more detailed than the day picker can show") is for valid schedules only, in Chromium.

A schedule the picker cannot show is either valid but detailed (kept as text: the note says so, in words) or not a
schedule at all (the server's message beside the field says what is wrong; the note must not call it detailed).
"""

from __future__ import annotations

import pytest

from tests.browser.watch import forgive_form_status
from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser

INVALID = "Tuesday 6pm"
DETAILED = "Mo-Fr 09:00-17:00; PH off"


@pytest.fixture
def server(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, submit_rate="1000/hour") as app, LiveServer(app) as live:
        yield live


def note(page, offer: int) -> str:
    return page.locator(f"#offer-{offer} .picker-note").inner_text().strip()


def test_the_picker_note_is_only_for_a_valid_schedule_too_detailed_for_it(page, server):
    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    page.get_by_role("button", name="Add another offer").click()
    page.get_by_role("button", name="Add another offer").click()
    for i, schedule in enumerate((INVALID, DETAILED, "Tu,Th 18:00-21:00")):
        page.select_option(f"#capacity-{i}-kind", "space")
        page.fill(f"#capacity-{i}-schedule", schedule)
    page.get_by_role("button", name="Send for checking").click()          # no name, and one bad schedule
    page.wait_for_selector("#error-summary")

    # Not a schedule: the server's message says what is wrong, in words; the picker says nothing.
    assert page.input_value("#capacity-0-schedule") == INVALID
    assert "“6pm” is on the 12-hour clock" in page.locator("#capacity-0-schedule-error").inner_text()
    assert note(page, 0) == ""
    # Valid but more than the picker shows: kept as text, and the note says so with the schedule in words.
    assert page.input_value("#capacity-1-schedule") == DETAILED
    assert page.locator("#capacity-1-schedule-error").count() == 0
    assert note(page, 1) == ("These times (Mondays to Fridays, 9am to 5pm; closed on bank holidays) are more "
                             "detailed than the day picker can show, so they are kept as text below. Ticking days "
                             "here will replace them.")
    # Simple enough for the picker: shown there, no note.
    assert page.locator("#offer-2").get_by_role("checkbox", name="Tuesday").is_checked()
    assert note(page, 2) == ""
    forgive_form_status(page, 422)
    page.watch.assert_clean()
