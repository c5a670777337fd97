"""A resident adds a place from a phone, a planner approves it, it shows on the map; keyboard-only; axe-core.

Each test gets a copy of the demo town of its own (tiles: none), served on 127.0.0.1.
"""

from __future__ import annotations

import psycopg
import pytest

from assetmap.model import moderation, users
from tests.browser.watch import forgive_form_status, watched_page
from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NAME = "Tuesday Knit and Natter"


class Counted:
    """Counts what the resident does, for the add-flow figures: taps (or key presses) and fields filled."""

    def __init__(self, page):
        self.page = page
        self.taps = 0
        self.fields = 0

    def tap(self, locator, **kwargs):
        locator.tap(**kwargs)
        self.taps += 1

    def fill(self, locator, text):
        locator.tap()
        locator.fill(text)
        self.taps += 1
        self.fields += 1

    def choose(self, locator, value):
        locator.select_option(value)   # a tap that opens the picker, a tap on the option
        self.taps += 2
        self.fields += 1


@pytest.fixture
def server(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, submit_rate="1000/hour") as app, LiveServer(app) as live:
        yield live


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def phone(browser):
    """A 390×844 touch screen (the shared `page` fixture has no touch), watched the same way."""
    with watched_page(browser, viewport=PHONE, has_touch=True, is_mobile=True) as pg:
        yield pg


def quiet_spot(db) -> tuple[float, float]:
    """(lat, lon) inside the town, as far as can be from any published asset, so its marker stands alone."""
    return db.execute("""
        SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM neighbourhoods) c
         ORDER BY (SELECT min(ST_Distance(p::geography, a.geom::geography)) FROM public_assets a) DESC
         LIMIT 1""").fetchone()


def shown_on_map(page, base, lat, lon) -> int:
    """How many assets the public map shows at (lat, lon), zoomed right in."""
    page.goto("about:blank")   # a new address that differs only after '#' would not reload the page
    page.goto(f"{base}/#19/{lat}/{lon}")
    page.wait_for_selector("#map-app[data-state=ready]")
    return int(page.get_attribute("#map-app", "data-count"))


def test_a_resident_adds_a_place_from_a_phone_and_it_reaches_the_map(phone, server, db):
    page = phone
    lat, lon = quiet_spot(db)
    before = shown_on_map(page, server.url, lat, lon)

    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    you = Counted(page)
    # The resident has panned to their street; then taps it and nudges the pin.
    page.evaluate("([lat, lon]) => window[document.getElementById('picker-app').dataset.map]"
                  ".setView([lat, lon], 17, {animate: false})", [lat, lon])
    the_map = page.locator("#picker-app .folium-map")
    box = the_map.bounding_box()
    you.tap(the_map, position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.wait_for_selector("#picker-app[data-placed]")
    tapped = page.get_attribute("#picker-app", "data-placed")
    assert "Pin placed" in page.locator("#location-status").inner_text()
    pin = page.locator("#picker-app .leaflet-marker-icon").bounding_box()
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] - 8
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y - 6, steps=4)
    page.mouse.up()
    you.taps += 1
    page.wait_for_function("t => document.getElementById('picker-app').dataset.placed !== t", arg=tapped)
    placed_lon, placed_lat = map(float, page.get_attribute("#picker-app", "data-placed").split(","))
    assert (page.input_value("#lon"), page.input_value("#lat")) == (f"{placed_lon:.6f}", f"{placed_lat:.6f}")

    you.fill(page.locator("#name"), NAME)
    you.choose(page.locator("#category"), "community_centre")
    you.fill(page.locator("#description"), "Knitting, tea and a chat, every Tuesday afternoon.")
    # One offer of spare capacity, its times from the day picker.
    offer = page.locator("#offer-0")
    you.choose(offer.locator("#capacity-0-kind"), "space")
    you.fill(offer.locator("#capacity-0-quantity"), "12")
    assert offer.locator("#capacity-0-unit").input_value() == "places"    # a unit to suit the kind
    you.tap(offer.get_by_role("checkbox", name="Tuesday"))
    you.tap(offer.get_by_role("checkbox", name="Thursday"))
    you.fill(offer.get_by_label("From"), "18:00")
    you.fill(offer.get_by_label("To", exact=True), "21:00")
    assert offer.locator("#capacity-0-schedule").input_value() == "Tu,Th 18:00-21:00"
    you.fill(page.locator("#contact_email"), "knit@example.org")
    you.tap(page.get_by_role("button", name="Send for checking"))

    page.wait_for_url("**/assets/new/sent")
    assert page.locator("h1").inner_text() == "Thank you: we have your entry"
    edit_url = page.input_value("#edit-link")
    assert edit_url.startswith(server.url + "/edit/")
    print(f"\nadd flow on a phone: {you.taps} taps, {you.fields} fields filled, from opening the form "
          "to the confirmation")

    asset_id, status, geom_lon, geom_lat = db.execute(
        "SELECT id, status, ST_X(geom), ST_Y(geom) FROM assets WHERE name = %s", (NAME,)).fetchone()
    assert status == "pending"
    assert (geom_lon, geom_lat) == pytest.approx((placed_lon, placed_lat), abs=1e-6)
    assert db.execute("SELECT kind, quantity, unit, schedule FROM capacity_offers WHERE asset_id = %s",
                      (asset_id,)).fetchall() == [("space", 12, "places", "Tu,Th 18:00-21:00")]
    assert shown_on_map(page, server.url, placed_lat, placed_lon) == before   # pending: not on the map yet

    # A planner approves it (through the model: the moderation screens have tests of their own).
    planner = users.get_user(db, users.add_user(db, "pat@example.org", "correct horse battery", "planner"))
    moderation.moderate(db, [asset_id], "approve", None, planner)

    assert shown_on_map(page, server.url, placed_lat, placed_lon) == before + 1
    page.get_by_role("button", name=NAME, exact=True).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert NAME in popup.inner_text() and "Space: 12 places, free" in popup.inner_text()

    hood = db.execute("SELECT n.code FROM assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
                      "WHERE a.id = %s", (asset_id,)).fetchone()[0]
    page.goto(f"{server.url}/assets?category=community_centre&neighbourhood={hood}")
    assert page.get_by_role("link", name=NAME, exact=True).count() == 1

    # Later, the resident opens the edit link and drops Thursday.
    page.goto(edit_url)
    assert "Status: On the map" in page.locator(".entry-status").first.inner_text()
    offer = page.locator("#offer-0")
    assert offer.get_by_role("checkbox", name="Tuesday").is_checked()
    assert offer.get_by_label("From").input_value() == "18:00"
    offer.get_by_role("checkbox", name="Thursday").tap()
    assert offer.locator("#capacity-0-schedule").input_value() == "Tu 18:00-21:00"
    page.get_by_role("button", name="Save changes").tap()
    page.wait_for_selector(".notice")
    assert "someone will check the change" in page.locator(".notice").inner_text()
    assert "Status: On the map" in page.locator(".entry-status").first.inner_text()
    assert "Your change is waiting to be checked" in page.locator("#your-change").inner_text()
    # The form shows the change; the map keeps the published schedule until a planner approves it.
    assert page.locator("#capacity-0-schedule").input_value() == "Tu 18:00-21:00"
    assert db.execute("SELECT schedule FROM capacity_offers WHERE asset_id = %s",
                      (asset_id,)).fetchone()[0] == "Tu,Th 18:00-21:00"
    moderation.moderate(db, [asset_id], "approve", None, planner)
    assert db.execute("SELECT schedule FROM capacity_offers WHERE asset_id = %s",
                      (asset_id,)).fetchone()[0] == "Tu 18:00-21:00"
    page.watch.assert_clean()


def tab_to(page, selector: str, limit: int = 120) -> int:
    """Press Tab until the element matching `selector` has focus; return how many presses it took."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return n
    raise AssertionError(f"{selector} never got focus in {limit} presses of Tab")


def test_a_resident_adds_a_place_with_the_keyboard_only(page, server, db):
    postcode, p_lon, p_lat = db.execute(
        "SELECT name, ST_X(geom), ST_Y(geom) FROM gazetteer WHERE kind = 'postcode' ORDER BY name LIMIT 1").fetchone()
    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    presses = 0

    presses += tab_to(page, "#name")
    page.keyboard.type("Keyboard Café")
    presses += tab_to(page, "#category")
    page.keyboard.type("Library")              # a closed select picks the option typed
    assert page.input_value("#category") == "library"
    presses += tab_to(page, "#place_query")
    page.keyboard.type(postcode.lower())
    page.keyboard.press("Enter")               # searches; it must not send the form
    presses += 1
    page.wait_for_selector("#picker-app[data-placed]")
    assert page.url.endswith("/assets/new")
    assert f"Pin placed at {postcode}" in page.locator("#location-status").inner_text()
    assert page.get_by_role("button", name=postcode).get_attribute("aria-pressed") == "true"
    presses += tab_to(page, "#capacity-0-kind")
    page.keyboard.type("Equipment")
    presses += tab_to(page, "#capacity-0-schedule")
    page.keyboard.type("Sa 10:00-12:00")
    presses += tab_to(page, "#send")
    page.keyboard.press("Enter")
    presses += 1

    page.wait_for_url("**/assets/new/sent")
    assert page.locator("h1").inner_text() == "Thank you: we have your entry"
    print(f"\nkeyboard-only add flow: {presses} presses of Tab/Enter, 5 things typed")
    row = db.execute("SELECT a.category, ST_X(a.geom), ST_Y(a.geom), o.kind, o.schedule FROM assets a "
                     "JOIN capacity_offers o ON o.asset_id = a.id WHERE a.name = 'Keyboard Café'").fetchone()
    assert row[0] == "library" and row[3:] == ("equipment", "Sa 10:00-12:00")
    assert row[1:3] == pytest.approx((p_lon, p_lat), abs=1e-6)
    page.watch.assert_clean()


def test_a_mistake_is_announced_and_the_pin_comes_back(page, server, db):
    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    page.locator("#picker-app .folium-map").click()
    page.wait_for_selector("#picker-app[data-placed]")
    placed = page.get_attribute("#picker-app", "data-placed")
    page.get_by_role("button", name="Add another offer").click()
    assert page.locator(".offer-fieldset").count() == 2
    assert page.evaluate("() => document.activeElement.id") == "capacity-1-kind"
    page.select_option("#capacity-1-kind", "food")
    page.get_by_role("button", name="Send for checking").click()          # no name
    page.wait_for_selector("#error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    page.get_by_role("link", name="Give the place or group a name.").click()
    assert page.evaluate("() => document.activeElement.id") == "name"
    page.wait_for_selector("#picker-app[data-placed]")
    assert page.get_attribute("#picker-app", "data-placed") == placed    # the pin is where it was
    assert page.input_value("#capacity-1-kind") == "food"
    assert page.locator(".leaflet-marker-icon").count() == 1
    forgive_form_status(page, 422)
    page.watch.assert_clean()


def test_use_my_location_places_the_pin(phone, server, db):
    lat, lon = quiet_spot(db)
    phone.context.grant_permissions(["geolocation"], origin=server.url)
    phone.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 10})
    phone.goto(server.url + "/assets/new")
    phone.wait_for_selector("#picker-app[data-ready=yes]")
    phone.get_by_role("button", name="Use my location").tap()
    phone.wait_for_selector("#picker-app[data-placed]")
    assert (float(phone.input_value("#lon")), float(phone.input_value("#lat"))) == pytest.approx((lon, lat), abs=1e-6)
    assert "where you are" in phone.locator("#location-status").inner_text()
    phone.watch.assert_clean()


def test_the_form_works_without_javascript(browser, server, db):
    postcode, p_lon, p_lat = db.execute(
        "SELECT name, ST_X(geom), ST_Y(geom) FROM gazetteer WHERE kind = 'postcode' ORDER BY name DESC LIMIT 1"
    ).fetchone()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url + "/assets/new")
        assert page.get_by_role("button", name="Find").is_hidden()           # needs the script
        page.fill("#name", "No Script Shed")
        page.select_option("#category", "allotment_garden")
        page.fill("#place_query", postcode)
        page.select_option("#capacity-0-kind", "equipment")
        page.fill("#capacity-0-schedule", "Sa 09:00-12:00")
        page.get_by_role("button", name="Add another offer").click()        # a round trip to the server
        assert page.locator(".offer-fieldset").count() == 2
        assert page.input_value("#capacity-0-schedule") == "Sa 09:00-12:00"
        page.select_option("#capacity-1-kind", "volunteer_time")
        page.fill("#capacity-1-quantity", "4")
        page.select_option("#capacity-1-unit", "hours_per_week")
        page.get_by_role("button", name="Send for checking").click()
        page.wait_for_url("**/assets/new/sent")
        assert page.input_value("#edit-link").startswith(server.url + "/edit/")
    finally:
        context.close()
    asset_id, a_lon, a_lat = db.execute("SELECT id, ST_X(geom), ST_Y(geom) FROM assets WHERE name = 'No Script Shed'"
                                        ).fetchone()
    assert (a_lon, a_lat) == pytest.approx((p_lon, p_lat), abs=1e-6)          # placed at the postcode
    assert db.execute("SELECT kind, schedule, quantity FROM capacity_offers WHERE asset_id = %s ORDER BY id",
                      (asset_id,)).fetchall() == [("equipment", "Sa 09:00-12:00", None), ("volunteer_time", None, 4)]


def test_the_day_picker_writes_and_reads_opening_hours(page, server):
    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    cases = page.evaluate("""() => {
        const f = window.AssetForm.toOpeningHours;
        return [
            f([{days: [0, 1, 2, 3, 4], from: "09:00", to: "12:00"}, {days: [0], from: "14:00", to: "16:00"}]),
            f([{days: [5, 6], from: "", to: ""}]),
            f([{days: [0, 2, 4], from: "18:00", to: "21:00"}]),
            f([{days: [1], from: "18:00", to: ""}]),
            JSON.stringify(window.AssetForm.fromOpeningHours("Mo 09:00-12:00,14:00-16:00; Sa-Mo 10:00-11:00")),
            window.AssetForm.fromOpeningHours("Mo-Fr 09:00-17:00; PH off"),
        ];
    }""")
    assert cases[:4] == ["Mo 09:00-12:00,14:00-16:00; Tu-Fr 09:00-12:00", "Sa,Su", "Mo,We,Fr 18:00-21:00", ""]
    assert cases[4] == ('[{"days":[0],"from":"09:00","to":"12:00"},{"days":[0],"from":"14:00","to":"16:00"},'
                        '{"days":[0,5,6],"from":"10:00","to":"11:00"}]')
    assert cases[5] is None
    page.watch.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE])
def test_pages_pass_axe_wcag_21_aa(page, axe, server, db):
    found = {}
    page.goto(server.url + "/")
    page.wait_for_selector("#map-app[data-state=ready]")
    found["/"] = axe()

    page.goto(server.url + "/assets/new")
    page.wait_for_selector("#picker-app[data-ready=yes]")
    found["/assets/new"] = axe()

    page.get_by_role("button", name="Send for checking").click()
    page.wait_for_selector("#error-summary")
    found["/assets/new with mistakes"] = axe()

    lat, lon = quiet_spot(db)
    page.fill("#name", "Axe Hall")
    page.select_option("#category", "library")
    page.fill("#place_query", "")
    page.evaluate("([lat, lon]) => window[document.getElementById('picker-app').dataset.map]"
                  ".setView([lat, lon], 17, {animate: false})", [lat, lon])
    page.get_by_role("button", name="Put the pin in the middle of the map").click()
    page.get_by_role("button", name="Send for checking").click()
    page.wait_for_url("**/assets/new/sent")
    found["confirmation"] = axe()

    page.goto(page.input_value("#edit-link"))
    page.wait_for_selector("#picker-app[data-ready=yes]")
    found["edit page"] = axe()

    assert {k: v for k, v in found.items() if v} == {}
    forgive_form_status(page, 422)
    page.watch.assert_clean()
