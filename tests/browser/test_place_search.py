"""The add form's place search: a postcode found fills the postcode field, and the chosen place stays readable."""

from __future__ import annotations

import psycopg
import pytest

from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def served(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url) as conn:
        postcode = conn.execute("SELECT name FROM gazetteer WHERE kind = 'postcode' ORDER BY name LIMIT 1"
                                ).fetchone()[0]
        street = conn.execute("SELECT name FROM gazetteer WHERE kind = 'street' ORDER BY name LIMIT 1").fetchone()[0]
    with running_app(fresh_demo_db_url) as app, LiveServer(app) as live:
        yield live.url, postcode, street


def search(page, text):
    page.fill("#place_query", text)
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("#picker-app[data-placed]")


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_postcode_found_fills_the_postcode_field_and_the_choice_passes_axe(page, axe, served):
    url, postcode, _ = served
    page.goto(url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    search(page, postcode.lower().replace(" ", ""))
    assert page.input_value("#postcode") == postcode
    chosen = page.get_by_role("button", name=postcode)
    assert chosen.get_attribute("aria-pressed") == "true"
    assert axe() == []        # colour contrast of the chosen place included
    page.watch.assert_clean()


def test_a_postcode_typed_by_the_resident_is_kept(page, served):
    url, postcode, _ = served
    page.goto(url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    page.fill("#postcode", "ZZ1 1ZZ")
    search(page, postcode)
    assert page.input_value("#postcode") == "ZZ1 1ZZ"
    page.watch.assert_clean()
