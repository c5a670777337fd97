"""The resident's add form, confirmation, edit link and withdrawal, through Flask's test client on a real database."""

from __future__ import annotations

import html
import re

import psycopg
import pytest
from markupsafe import escape

from assetmap.model.contributions import hash_token
from assetmap.web import contribute
from tests.helpers import CSRF, csrf_token, running_app

XSS = "<img src=x onerror=alert(1)>"
EDIT_LINK = re.compile(r'id="edit-link"[^>]*>(http://localhost/edit/([A-Za-z0-9_-]+))</textarea>')


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        yield conn


RATE = {"submit_rate": "1000/hour"}   # the rate limit has its own test below


@pytest.fixture
def site(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, **RATE) as application:
        yield application


@pytest.fixture
def client(site):
    return site.test_client()


def point(db) -> tuple[float, float]:
    """A point inside the demo town."""
    return db.execute("SELECT round(ST_X(c)::numeric, 6)::float, round(ST_Y(c)::numeric, 6)::float "
                      "FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone()


def token_of(client, url="/assets/new") -> str:
    return csrf_token(client, url)


def form(db, **changes) -> dict:
    """A valid entry as the browser would post it, with one offer; `changes` override or (None) remove fields."""
    lon, lat = point(db)
    data = {
        "name": "St Mary's Hall", "category": "community_centre", "description": "A hall with a kitchen.\r\nBig.",
        "audience": "Everyone", "accessibility": "Step-free", "organisation": "St Mary's PCC",
        "address": "1 Church Lane", "postcode": "", "contact_email": "hall@example.org", "contact_phone": "",
        "lon": str(lon), "lat": str(lat), "place_query": "", "website": "",
        "capacity-0-kind": "space", "capacity-0-quantity": "12", "capacity-0-unit": "places",
        "capacity-0-schedule": "Tu,Th 18:00-21:00", "capacity-0-cost": "free",
        "capacity-0-audience": "Local groups", "capacity-0-description": "The small hall",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post_new(client, data, **kwargs):
    return client.post("/assets/new", data={"csrf_token": token_of(client), **data}, **kwargs)


def submit(client, db, **changes) -> str:
    """Send a valid entry; return its edit token, read from the confirmation page."""
    response = post_new(client, form(db, **changes), follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return EDIT_LINK.search(response.get_data(as_text=True)).group(2)


def stored(db, token):
    return db.execute("SELECT id, status, name, description, contact_email, contact_phone, ST_X(geom), ST_Y(geom) "
                      "FROM assets WHERE edit_token_hash = %s", (hash_token(token),)).fetchone()


def field_tag(page: str, field_id: str) -> str:
    return re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page).group(0)


# -- the add form -------------------------------------------------------------------------------------------------

def test_the_form_renders_with_one_blank_offer_a_map_and_a_honeypot(client, db):
    response = client.get("/assets/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Add a place</h1>" in page
    categories = db.execute("SELECT count(*) FROM categories").fetchone()[0]
    category_select = re.search(r'<select id="category".*?</select>', page, re.S).group(0)
    assert category_select.count("<option") == categories + 1
    assert re.findall(r'id="offer-(\d+)"', page) == ["0"]            # one offer (the template is "__i__")
    for name in ("kind", "quantity", "unit", "schedule", "cost", "audience", "description"):
        assert f'name="capacity-0-{name}"' in page and f'name="capacity-__i__-{name}"' in page
    assert 'type="hidden" id="lon" name="lon"' in page and 'type="hidden" id="lat" name="lat"' in page
    honeypot = field_tag(page, "website")
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert "Leave this empty" in page
    assert CSRF.search(page)
    assert re.search(r'data-map="(map_[0-9a-f]+)"', page) and 'data-places-url="/api/v1/places"' in page
    # CSP: every inline script carries the nonce; no inline event handlers.
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert "src=" in attrs or f'nonce="{nonce}"' in attrs
    assert not re.search(r"\son[a-z]+=", page)
    assert "never shown" in page and "approximate location" in page


def test_a_valid_entry_is_stored_pending_with_its_offers_and_the_link_is_shown_once(client, db):
    response = post_new(client, form(db, **{
        "capacity-1-kind": "", "capacity-1-cost": "free",                       # a blank row: ignored
        "capacity-2-kind": "volunteer_time", "capacity-2-quantity": "10", "capacity-2-unit": "hours_per_week",
        "capacity-2-cost": "donation"}))
    assert response.status_code == 303
    assert response.headers["Location"] == "/assets/new/sent"               # the link is not in the address

    page = client.get("/assets/new/sent")
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    text = page.get_data(as_text=True)
    url, token = EDIT_LINK.search(text).groups()
    assert "St Mary&#39;s Hall" in text and "only once" in text
    asset_id, status, name, description, email, *_ = stored(db, token)
    assert (status, name, description, email) == ("pending", "St Mary's Hall", "A hall with a kitchen.\nBig.",
                                                  "hall@example.org")
    offers = db.execute("SELECT kind, quantity, unit, schedule, cost FROM capacity_offers WHERE asset_id = %s "
                        "ORDER BY id", (asset_id,)).fetchall()
    assert offers == [("space", 12, "places", "Tu,Th 18:00-21:00", "free"),
                      ("volunteer_time", 10, "hours_per_week", None, "donation")]

    again = client.get("/assets/new/sent").get_data(as_text=True)
    assert "shown once" in again and token not in again and not EDIT_LINK.search(again)


def test_a_unit_without_a_quantity_is_dropped_not_an_error(client, db):
    token = submit(client, db, **{"capacity-0-quantity": "", "capacity-0-unit": "places"})
    row = db.execute("SELECT quantity, unit FROM capacity_offers WHERE asset_id = %s", (stored(db, token)[0],))
    assert row.fetchone() == (None, None)


def test_an_entry_with_no_offer_is_fine(client, db):
    changes = {f"capacity-0-{f}": "" for f in ("kind", "quantity", "unit", "schedule", "audience", "description")}
    token = submit(client, db, **changes)
    assert db.execute("SELECT count(*) FROM capacity_offers WHERE asset_id = %s",
                      (stored(db, token)[0],)).fetchone()[0] == 0


INVALID = [
    ({"name": ""}, "name", "name", "Give the place or group a name."),
    ({"category": "castle"}, "category", "category", "Unknown category"),
    ({"postcode": "XYZ 123"}, "postcode", "postcode", "Postcode is not a UK postcode"),
    ({"contact_email": "not-an-email"}, "contact_email", "contact_email", "Email is not an email address"),
    ({"contact_phone": "call me"}, "contact_phone", "contact_phone", "Phone is not a phone number"),
    ({"lon": "", "lat": ""}, "location", "place_query", "Put the place on the map"),
    ({"lon": "0.5", "lat": "40"}, "location", "place_query", "outside the area this map covers"),
    ({"capacity-0-schedule": "whenever"}, "capacity-0-schedule", "capacity-0-schedule", "is not a day or a time"),
    ({"capacity-0-quantity": "lots"}, "capacity-0-quantity", "capacity-0-quantity", "How much must be a number"),
    ({"capacity-0-quantity": "5", "capacity-0-unit": ""}, "capacity-0-unit", "capacity-0-unit", "Say what"),
    ({"capacity-0-kind": ""}, "capacity-0-kind", "capacity-0-kind", "Choose what kind"),
]


@pytest.mark.parametrize("changes, field, target, message", INVALID, ids=[i[1] + ":" + i[3][:12] for i in INVALID])
def test_each_mistake_is_shown_next_to_its_field_and_everything_typed_is_kept(client, db, changes, field, target,
                                                                                message):
    data = form(db, private_home="on", **{"capacity-0-description": "Tables & <chairs>"}, **changes)
    response = post_new(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0] == 0

    summary = re.search(r'<div class="error-summary" id="error-summary" role="alert" tabindex="-1".*?</div>',
                        page, re.S).group(0)
    assert f'href="#{target}"' in summary and message in html.unescape(summary)
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S).group(1)
    assert message in html.unescape(error)
    tag = field_tag(page, target)
    assert f"{field}-error" in tag and 'aria-invalid="true"' in tag
    assert page.index(f'id="{field}-error"') < page.index(tag)             # the message comes before the input
    assert page.count('aria-invalid="true"') == 1

    # What the resident typed comes back, offers and point included.
    assert f'value="{escape(data["name"])}"' in field_tag(page, "name")
    assert ">A hall with a kitchen.\nBig.</textarea>" in page
    assert "Tables &amp; &lt;chairs&gt;</textarea>" in page
    assert f'value="{data["lon"]}"' in field_tag(page, "lon") and f'value="{data["lat"]}"' in field_tag(page, "lat")
    assert "checked" in field_tag(page, "private_home")
    assert f'value="{escape(data["capacity-0-schedule"])}"' in field_tag(page, "capacity-0-schedule")
    assert re.search(rf'<option value="{data["category"]}" selected>', page) or data["category"] == "castle"


def test_a_mistake_in_a_later_offer_points_at_that_offer(client, db):
    data = form(db, **{"capacity-0-kind": "", "capacity-0-quantity": "", "capacity-0-unit": "",
                       "capacity-0-schedule": "", "capacity-0-audience": "", "capacity-0-description": "",
                       "capacity-1-kind": "equipment", "capacity-1-schedule": "every other Tuesday",
                       "capacity-1-cost": "free"})
    page = post_new(client, data).get_data(as_text=True)
    assert 'href="#capacity-1-schedule"' in page and "Offer 2: " in page
    assert 'id="capacity-1-schedule-error"' in page and 'id="capacity-0-schedule-error"' not in page


BAD_SCHEDULES = [
    ("Tuesday 6pm-9pm", "“6pm” is on the 12-hour clock: write times on the 24-hour clock as hours and minutes, so "
                        "6pm is 18:00."),
    ("Mon-Fri 09:00-17:00", "“Mon” is not how days are written: use two letters (Mo Tu We Th Fr Sa Su), so Mon is Mo."),
    ("Tu 18:00", "“18:00” needs an end time as well as a start, like 18:00-21:00."),
    ("Tu 18.00-21.00", "“18.00” needs a colon between the hours and the minutes: 18:00."),
    ("Mo-Fr 09:00-17:00;", "There is a “;” with nothing after it: remove it, or add the days and times that "
                           "follow it."),
]


@pytest.mark.parametrize("schedule, message", BAD_SCHEDULES, ids=[b[0] for b in BAD_SCHEDULES])
def test_a_bad_schedule_is_explained_in_words_never_in_the_parsers(client, db, schedule, message):
    page = post_new(client, form(db, **{"capacity-0-schedule": schedule})).get_data(as_text=True)
    error = html.unescape(re.search(r'<p class="field-error" id="capacity-0-schedule-error">(.*?)</p>', page,
                                    re.S).group(1))
    summary = html.unescape(re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0))
    assert error == f'<span class="visually-hidden">Error: </span>{message}'
    assert f"Offer 1: {message}" in summary
    for parser_words in ("expected", "EOI", "timespan", "-->", "Failed to parse", "not a schedule we understand"):
        assert parser_words not in error and parser_words not in summary
    # The day picker is told this text is no schedule, so it does not call it "more detailed" than it can show.
    assert 'data-words=""' in field_tag(page, "capacity-0-schedule")


def test_the_day_picker_is_given_the_words_of_a_valid_schedule_and_they_are_stored(client, db):
    detailed = "Mo-Fr 09:00-17:00; PH off"
    page = post_new(client, form(db, name="", **{"capacity-0-schedule": detailed})).get_data(as_text=True)
    assert 'data-words="Mondays to Fridays, 9am to 5pm; closed on bank holidays"' in field_tag(
        page, "capacity-0-schedule")
    token = submit(client, db, **{"capacity-0-schedule": detailed})
    assert db.execute("SELECT schedule, schedule_text FROM capacity_offers WHERE asset_id = %s",
                      (stored(db, token)[0],)).fetchall() == [
        (detailed, "Mondays to Fridays, 9am to 5pm; closed on bank holidays")]


def test_add_another_offer_without_javascript_keeps_everything_and_stores_nothing(client, db):
    response = post_new(client, form(db, add_offer="1"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'id="offer-(\d+)"', page) == ["0", "1"]
    assert "autofocus" in field_tag(page, "capacity-1-kind")
    assert 'value="Tu,Th 18:00-21:00"' in field_tag(page, "capacity-0-schedule")
    assert "error-summary" not in page
    assert db.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0] == 0


def test_the_honeypot_pretends_success_and_stores_nothing(client, db):
    response = post_new(client, form(db, website="http://spam.example"), follow_redirects=True)
    assert response.status_code == 200
    assert EDIT_LINK.search(response.get_data(as_text=True))               # a bot sees what a person sees
    assert db.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0] == 0


def test_without_a_pin_a_searched_postcode_places_the_entry(client, db):
    postcode, lon, lat = db.execute("SELECT name, ST_X(geom), ST_Y(geom) FROM gazetteer WHERE kind = 'postcode' "
                                    "ORDER BY name LIMIT 1").fetchone()
    token = submit(client, db, lon="", lat="", place_query=postcode.lower().replace(" ", ""))
    assert stored(db, token)[6:] == pytest.approx((lon, lat), abs=1e-6)


def test_a_missing_csrf_token_shows_the_form_again_with_everything_kept(client, db):
    response = client.post("/assets/new", data=form(db))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "send it again" in page and 'value="St Mary&#39;s Hall"' in page
    assert db.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0] == 0


def test_entries_are_rate_limited(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="1/hour") as application:
        client = application.test_client()
        assert post_new(client, form(db)).status_code == 303
        response = post_new(client, form(db, name="Second"))
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert db.execute("SELECT count(*) FROM assets WHERE source = 'resident'").fetchone()[0] == 1


# -- the edit link ------------------------------------------------------------------------------------------------

def edit_form(client, token) -> dict:
    """The edit page's fields as the browser would send them back unchanged."""
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = html.unescape(value.group(1)) if value else "on"
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(body)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    return {k: v for k, v in data.items() if "__i__" not in k}


def test_the_edit_page_is_filled_in_and_shows_the_status(client, db):
    token = submit(client, db)
    response = client.get(f"/edit/{token}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer" and "no-store" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    assert "Status: Waiting to be checked" in page
    data = edit_form(client, token)
    assert data["name"] == "St Mary's Hall" and data["contact_email"] == "hall@example.org"
    assert data["capacity-0-quantity"] == "12" and data["capacity-0-unit"] == "places"
    assert data["capacity-0-schedule"] == "Tu,Th 18:00-21:00" and "capacity-1-kind" not in data
    assert data["version"] == str(db.execute("SELECT version FROM assets WHERE id = %s",
                                             (stored(db, token)[0],)).fetchone()[0])
    assert f'action="/edit/{token}/withdraw"' in page


def publish(db, token):
    db.execute("UPDATE assets SET status = 'published' WHERE edit_token_hash = %s", (hash_token(token),))


def test_a_public_change_waits_to_be_checked_while_the_published_version_stays(client, db):
    token = submit(client, db)
    publish(db, token)
    assert "Status: On the map" in client.get(f"/edit/{token}").get_data(as_text=True)
    data = edit_form(client, token) | {"capacity-0-description": "The small hall, and the garden"}
    response = client.post(f"/edit/{token}", data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/edit/{token}"
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert "someone will check the change before it is shown" in page and "Status: On the map" in page
    change = page[page.index('id="your-change"'):page.index('id="asset-form"')]
    assert "Your change is waiting to be checked" in change
    assert "The published version stays on the map\n    until someone approves your change." in change
    assert "<dt>Spare capacity</dt>" in change and "The small hall, and the garden" in change
    # The form shows the change, so the next save builds on it; the entry and its offer are as published.
    assert edit_form(client, token)["capacity-0-description"] == "The small hall, and the garden"
    assert stored(db, token)[1] == "published"
    assert db.execute("SELECT description FROM capacity_offers WHERE asset_id = %s",
                      (stored(db, token)[0],)).fetchone()[0] == "The small hall"


def test_a_turned_down_change_shows_the_reason_and_the_published_version(client, db):
    from assetmap.model import moderation, users
    token = submit(client, db)
    publish(db, token)
    client.post(f"/edit/{token}", data=edit_form(client, token) | {"name": "Best <b>Hall</b> Ever"})
    planner = users.get_user(db, users.add_user(db, "pat@example.org", "a long enough password", "planner"))
    moderation.moderate(db, [stored(db, token)[0]], "reject", "Please use the hall's <b>real</b> name", planner)
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert "Your change was not accepted" in page and "Status: On the map" in page
    assert "The reason we gave: Please use the hall&#39;s &lt;b&gt;real&lt;/b&gt; name" in page
    assert "Your change: Best &lt;b&gt;Hall&lt;/b&gt; Ever" in page
    assert edit_form(client, token)["name"] == "St Mary's Hall" and stored(db, token)[2] == "St Mary's Hall"


def test_a_contact_change_keeps_a_published_entry_on_the_map(client, db):
    token = submit(client, db)
    publish(db, token)
    data = edit_form(client, token) | {"contact_phone": "01234 567890"}
    assert client.post(f"/edit/{token}", data=data).status_code == 303
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert "saved and shown on the map" in page and 'id="your-change"' not in page
    assert stored(db, token)[1] == "published" and stored(db, token)[5] == "01234 567890"


def test_an_invalid_edit_is_shown_again_and_changes_nothing(client, db):
    token = submit(client, db)
    data = edit_form(client, token) | {"name": "", "description": "New words"}
    response = client.post(f"/edit/{token}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#name"' in page and ">New words</textarea>" in page and "Change your entry" in page
    assert stored(db, token)[2] == "St Mary's Hall"


def test_an_edit_that_lost_a_race_keeps_what_the_resident_typed(client, db):
    token = submit(client, db)
    data = edit_form(client, token) | {"description": "My careful new words"}
    db.execute("UPDATE assets SET accessibility = 'changed meanwhile' WHERE edit_token_hash = %s",
               (hash_token(token),))
    response = client.post(f"/edit/{token}", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else" in page and ">My careful new words</textarea>" in page
    assert f'href="/edit/{token}">Load the latest version' in page
    assert stored(db, token)[3] == "A hall with a kitchen.\nBig."


def test_a_rejected_entry_shows_the_reason(client, db):
    token = submit(client, db)
    db.execute("UPDATE assets SET status = 'rejected', moderation_reason = 'Please add <b>where</b> it is' "
               "WHERE edit_token_hash = %s", (hash_token(token),))
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert "Status: Not published" in page and "Please add &lt;b&gt;where&lt;/b&gt; it is" in page


def test_withdrawing_asks_first_then_takes_the_entry_off_the_map(client, db):
    token = submit(client, db)
    publish(db, token)
    csrf = token_of(client, f"/edit/{token}")
    asking = client.post(f"/edit/{token}/withdraw", data={"csrf_token": csrf})
    assert asking.status_code == 200 and "Yes, withdraw it" in asking.get_data(as_text=True)
    assert asking.headers["Referrer-Policy"] == "no-referrer"
    assert stored(db, token)[1] == "published"

    done = client.post(f"/edit/{token}/withdraw", data={"csrf_token": csrf, "confirm": "yes"})
    assert done.status_code == 303
    assert stored(db, token)[1] == "archived"
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert "Entry withdrawn" in page and 'id="asset-form"' not in page
    public_id = db.execute("SELECT public_id FROM assets WHERE id = %s", (stored(db, token)[0],)).fetchone()[0]
    assert client.get(f"/assets/{public_id}").status_code == 404
    # Saving the old form afterwards changes nothing.
    assert client.post(f"/edit/{token}", data={"csrf_token": csrf, "name": "Back"}).status_code == 303
    assert stored(db, token)[1:3] == ("archived", "St Mary's Hall")


@pytest.mark.parametrize("method, path", [("get", ""), ("post", ""), ("post", "/withdraw")])
def test_a_wrong_edit_link_is_a_404(client, method, path):
    csrf = token_of(client)
    response = getattr(client, method)(f"/edit/not-a-real-token{path}", data={"csrf_token": csrf, "confirm": "yes"})
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


def test_html_in_a_name_is_text_on_the_confirmation_and_edit_pages(client, db):
    response = post_new(client, form(db, name=XSS), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert XSS not in page and escape(XSS) in page
    token = EDIT_LINK.search(page).group(2)
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    assert XSS not in page and f'value="{escape(XSS)}"' in page


# -- pieces -------------------------------------------------------------------------------------------------------

def test_rule_messages_become_sentences():
    assert contribute.sentence("Postcode", "is not a UK postcode") == "Postcode is not a UK postcode."
    assert contribute.sentence("Name", "give the place a name") == "Give the place a name."
    errors = contribute.field_errors({"capacity.1.unit": "say what it counts", "location": "put it on the map"},
                                     used=[0, 3])
    assert errors == {"capacity-3-unit": "Say what it counts.", "location": "Put it on the map."}
    assert contribute.error_summary(errors, offers=4) == [("place_query", "Put it on the map."),
                                                          ("capacity-3-unit", "Offer 4: Say what it counts.")]
