"""OpenActive: sessions with places left, from RPDE feed files, as offers on the places they happen at.

The feed files in tests/ingest/data are written after the OpenActive Modelling Opportunity Data 2.0 examples
(openactive/data-models, versions/2.x/examples: sessionseries-split_example_1.json, scheduledsession_example_1.json):
a session-series page, a scheduled-sessions page and a later page that deletes a session, in one list of pages.
"""

import copy
import datetime as dt
import json
import re
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from assetmap import schedules
from assetmap.cli import main
from assetmap.ingest.openactive import import_openactive, read_feed
from assetmap.ingest.openactive_sessions import session
from assetmap.model.submission import Vocabularies, validate_schedule
from tests.helpers import add_staff, cheap_hashes, csrf_token, follow_job, running_app, sign_in

DATA = Path(__file__).parent / "data"
FEED, LATER = DATA / "openactive_feed.json", DATA / "openactive_feed_later.json"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
B = "https://booking.example.org"
OFFERS = """
    SELECT a.name, o.kind, o.quantity::int, o.unit, o.schedule, o.cost, o.audience, o.description
      FROM assets a LEFT JOIN capacity_offers o ON o.asset_id = a.id
     WHERE a.source = 'openactive' ORDER BY a.name, o.schedule"""
HALL, SPORTS, LIDO = "Kentish Town Community Centre", "Talacre Community Sports Centre", "Parliament Hill Lido"
YOGA = (HALL, "other", 6, "places", "2026 Dec 08 18:00-19:00", "free", "Ages 16 and over", "Gentle Yoga")
NETBALL = (SPORTS, "other", 8, "places", "2026 Dec 10 10:30-11:30", "paid", "Ages 50 and over", "Walking Netball")
SWIM = (LIDO, "other", 20, "places", "2027 Jun 12 07:00-07:45", "free", "", "Early Swim (Swimming)")


def pages() -> list[dict]:
    return json.loads(FEED.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def db(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        yield conn


# -- reading --------------------------------------------------------------------------------------------------------

def test_a_page_a_list_of_pages_or_a_list_of_items(tmp_path):
    items, report = read_feed(FEED)
    assert report.read == len(items) == 14 and not report.rejected
    assert {i["feed"] for i in items} == {f"{B}/api/rpde/session-series", f"{B}/api/rpde/scheduled-sessions"}
    page = pages()[1]
    items, _ = read_feed(write(tmp_path, "page.json", page))
    assert [i["id"] for i in items] == [f"s-1{n:02d}" for n in range(1, 11)]
    items, _ = read_feed(write(tmp_path, "items.json", page["items"][:2]))
    assert [(i["id"], i["feed"], i["number"]) for i in items] == [("s-101", "", 1), ("s-102", "", 2)]


def test_items_that_are_not_rpde_items_are_rejected(tmp_path):
    bad = {"items": [{"state": "changed", "kind": "ScheduledSession", "id": 1}, {"state": "updated", "id": 2},
                     {"state": "updated", "kind": "ScheduledSession", "id": 3}], "next": ""}
    items, report = read_feed(write(tmp_path, "bad.json", bad))
    assert items == [] and [(r.row_number, r.reason) for r in report.rejected] == [
        (1, "an RPDE item needs a state (updated or deleted), a kind and an id"),
        (2, "an RPDE item needs a state (updated or deleted), a kind and an id"),
        (3, "an updated item needs its data (an object)")]
    with pytest.raises(ValueError, match="not an RPDE page"):
        read_feed(write(tmp_path, "str.json", "hello"))


# -- one session ------------------------------------------------------------------------------------------------------

def series_by_ref() -> dict[str, dict]:
    return {i["data"]["@id"]: i["data"] for i in pages()[0]["items"]}


def a_session(**changes) -> dict:
    data = copy.deepcopy(pages()[1]["items"][0]["data"])   # s-101: Gentle Yoga at the community centre
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_session_at_its_series_place_becomes_an_offer():
    found = session(a_session(), series_by_ref(), NOW, Vocabularies.from_files())
    assert found["place_ref"] == f"{B}/api/places/kentish-town-cc"
    assert found["place"] == {
        "source_ref": f"{B}/api/places/kentish-town-cc", "name": HALL, "category": "sports_leisure",
        "address": "17 Busby Place, Kentish Town", "postcode": "NW5 2SP", "lon": -0.1347, "lat": 51.5485,
        "description": "A community centre with a main hall and a studio.", "organisation": "Camden Active Communities"}
    assert found["offer"] == {"kind": "other", "quantity": 6, "unit": "places", "schedule": "2026 Dec 08 18:00-19:00",
                              "cost": "free", "audience": "Ages 16 and over", "description": "Gentle Yoga"}
    assert validate_schedule(found["offer"]["schedule"]) == found["offer"]["schedule"]
    assert schedules.words(found["offer"]["schedule"]) == "8 December 2026, 6pm to 7pm"
    assert found["parent_ref"] == f"{B}/api/session-series/ss-1" and found["why"] is None


@pytest.mark.parametrize("changes, schedule", [
    ({"startDate": "2027-06-12T17:30:00Z", "endDate": "2027-06-12T18:15:00Z"}, "2027 Jun 12 18:30-19:15"),  # BST
    ({"startDate": "2026-12-08T18:00:00+00:00", "endDate": None, "duration": "PT90M"}, "2026 Dec 08 18:00-19:30"),
    ({"startDate": "2026-12-08T23:00:00Z", "endDate": "2026-12-09T00:30:00Z"}, "2026 Dec 08 23:00-00:30"),
    ({"startDate": "2026-12-08T22:00:00Z", "endDate": "2026-12-09T00:00:00Z"}, "2026 Dec 08 22:00-24:00"),
])
def test_the_schedule_is_the_local_date_and_times(changes, schedule):
    found = session(a_session(**changes), series_by_ref(), NOW, Vocabularies.from_files())
    assert found["offer"]["schedule"] == schedule
    validate_schedule(schedule)


@pytest.mark.parametrize("changes, why", [
    ({"remainingAttendeeCapacity": None}, "no remainingAttendeeCapacity: only a session that says how many places"),
    ({"remainingAttendeeCapacity": 2.5}, "remainingAttendeeCapacity 2.5 is not a whole number"),
    ({"remainingAttendeeCapacity": 20}, "remainingAttendeeCapacity 20 is more than maximumAttendeeCapacity 12"),
    ({"superEvent": f"{B}/api/session-series/nope"}, "no location, and its superEvent https://booking.example.org"
                                                     "/api/session-series/nope is in neither this file nor"),
    ({"superEvent": None}, "no location (a Place with an address or coordinates)"),
    ({"location": {"@type": "VirtualLocation", "url": "https://zoom.example.org"}}, "online only"),
    ({"location": {"@type": "Place", "name": "Somewhere"}}, "location 'Somewhere' has no coordinates, UK postcode"),
    ({"location": {"@type": "Place", "name": "Sea", "geo": {"latitude": 95, "longitude": 1}}},
     "location 'Sea' has impossible coordinates (lat 95, long 1)"),
    ({"location": {"@type": "Place", "name": "Here", "geo": {"latitude": "51.5", "longitude": None}}},
     "location 'Here' has unreadable coordinates (lat '51.5', long None)"),
    ({"startDate": "2026-12-08"}, "startDate '2026-12-08' is not a date and time"),
    ({"endDate": None, "duration": "P1D"}, "no endDate or duration we can read ('P1D')"),
    ({"endDate": "2026-12-10T19:00:00Z"}, "it ends 2026-12-10 19:00, which is not within a day after it starts"),
    ({"offers": [{"price": "three pounds"}]}, "offers[].price ['three pounds'] are not all amounts of money"),
])
def test_sessions_that_cannot_be_offers_say_why(changes, why):
    with pytest.raises(ValueError, match=re.escape(why)):
        session(a_session(**changes), series_by_ref(), NOW, Vocabularies.from_files())


def test_every_reason_is_given_at_once():
    with pytest.raises(ValueError) as caught:
        session(a_session(remainingAttendeeCapacity=None, superEvent=None, startDate="soon"), {}, NOW,
                Vocabularies.from_files())
    assert str(caught.value).count(";") == 2


@pytest.mark.parametrize("changes, why", [
    ({"remainingAttendeeCapacity": 0}, "full"),
    ({"eventStatus": "https://schema.org/EventPostponed"}, "cancelled or postponed"),
    ({"startDate": "2026-11-30T18:00:00Z", "endDate": "2026-11-30T19:00:00Z"}, "over"),
])
def test_full_cancelled_and_past_sessions_are_no_offer_but_keep_their_place(changes, why):
    found = session(a_session(**changes), series_by_ref(), NOW, Vocabularies.from_files())
    assert found["offer"] is None and found["why"] == why and found["place_ref"].endswith("kentish-town-cc")


def test_cost_is_free_when_any_price_is_zero_else_paid():
    series = series_by_ref()
    vocab = Vocabularies.from_files()
    assert session(a_session(offers=[{"price": 0}, {"price": 5}]), series, NOW, vocab)["offer"]["cost"] == "free"
    assert session(a_session(offers=[{"price": 2.5}]), series, NOW, vocab)["offer"]["cost"] == "paid"
    unpriced = session(a_session(superEvent=pages()[1]["items"][7]["data"]["superEvent"]), series, NOW, vocab)
    assert unpriced["offer"]["cost"] == "free" and unpriced["unpriced"]


# -- into the database ------------------------------------------------------------------------------------------------

def test_the_feed_file_becomes_places_with_offers_and_rejects_with_reasons(db, tmp_path):
    report = import_openactive(db, FEED, now=NOW)
    assert (report.read, report.inserted, report.updated) == (14, 3, 0)
    assert db.execute(OFFERS).fetchall() == [YOGA, SWIM, NETBALL]   # s-110, updated then deleted: no offer
    assert [(r.row_number, r.row["id"], r.reason.split(":")[0]) for r in report.rejected] == [
        (7, "s-104", "no remainingAttendeeCapacity"),
        (8, "s-105", "no location, and its superEvent https"),
        (10, "s-107", "it is online only (a VirtualLocation)")]
    assert set(report.notes) >= {"session series read (the parents of sessions): 3",
                                 "sessions full, so no offer: 1", "sessions cancelled or postponed, so no offer: 1",
                                 "sessions over, so no offer: 1", "sessions with no price, recorded as free: 1",
                                 "offers: 3, on 3 places"}
    assert db.execute("SELECT DISTINCT category, status FROM assets").fetchall() == [("sports_leisure", "published")]
    assert db.execute("SELECT count(*) FROM openactive_items").fetchone()[0] == 12   # 13 items, s-110 gone

    again = import_openactive(db, FEED, now=NOW)   # the same file again: updated in place, nothing twice
    assert (again.inserted, again.updated) == (0, 3) and db.execute(OFFERS).fetchall() == [YOGA, SWIM, NETBALL]
    assert "items older than what an earlier import read (skipped)" not in " ".join(again.notes)
    written = report.write_rejects(tmp_path / "rejects.csv").read_text()
    assert "s-104" in written and "online only" in written


def test_a_later_page_deletes_a_session_read_before_and_updates_another(db):
    import_openactive(db, FEED, now=NOW)
    report = import_openactive(db, LATER, now=NOW)
    assert (report.read, report.inserted, report.updated, len(report.rejected)) == (2, 0, 2, 0)
    assert "items deleted: 1" in report.notes
    assert db.execute(OFFERS).fetchall() == [(HALL, *[None] * 7), SWIM, NETBALL[:2] + (3,) + NETBALL[3:]]
    assert db.execute("SELECT count(*) FROM openactive_items WHERE id = 's-101'").fetchone()[0] == 0


def test_a_session_names_a_series_read_in_an_earlier_file_and_a_changed_series_changes_its_offers(db, tmp_path):
    series_page, sessions_page, _ = pages()
    import_openactive(db, write(tmp_path, "series.json", series_page), now=NOW)
    report = import_openactive(db, write(tmp_path, "sessions.json", sessions_page), now=NOW)
    s110 = (SPORTS, "other", 2, "places", "2026 Dec 24 10:30-11:30", *NETBALL[5:])   # not deleted in these files
    assert db.execute(OFFERS).fetchall() == [YOGA, SWIM, NETBALL, s110]
    assert len(report.rejected) == 3

    free = copy.deepcopy(series_page)   # the publisher makes Walking Netball free: its sessions read before follow
    free["items"] = [free["items"][1]]
    free["items"][0]["modified"] += 1000
    free["items"][0]["data"]["offers"][0]["price"] = 0
    import_openactive(db, write(tmp_path, "free.json", free), now=NOW)
    assert {r[5] for r in db.execute(OFFERS).fetchall() if r[0] == SPORTS} == {"free"}


def test_a_session_rejected_for_want_of_its_series_becomes_an_offer_when_the_series_comes(db, tmp_path):
    series_page, sessions_page, _ = pages()
    report = import_openactive(db, write(tmp_path, "sessions.json", sessions_page), now=NOW)
    assert report.inserted == 1 and "superEvent https://booking.example.org/api/session-series/ss-1 is in neither" \
        in report.rejected[0].reason   # only the lido, whose series is inside its session
    report = import_openactive(db, write(tmp_path, "series.json", series_page), now=NOW)
    assert report.inserted == 2 and not report.rejected
    assert db.execute(OFFERS).fetchall()[:3] == [YOGA, SWIM, NETBALL]


def test_an_item_older_than_one_read_before_is_skipped(db, tmp_path):
    import_openactive(db, LATER, now=NOW)
    old = pages()[1]
    old["items"] = [old["items"][2]]   # s-103 as it was, before the later page
    report = import_openactive(db, write(tmp_path, "old.json", old), now=NOW)
    assert "items older than what an earlier import read (skipped): 1" in report.notes


def test_a_place_keeps_the_twenty_sessions_ending_soonest(db, tmp_path):
    series_page, sessions_page, _ = pages()
    template = sessions_page["items"][0]
    sessions_page["items"] = []
    for day in range(1, 24):
        item = copy.deepcopy(template)
        item["id"] = f"d-{day}"
        item["data"].update(startDate=f"2026-12-{day + 1:02d}T18:00:00Z", endDate=f"2026-12-{day + 1:02d}T19:00:00Z")
        sessions_page["items"].append(item)
    report = import_openactive(db, write(tmp_path, "month.json", [series_page, sessions_page]), now=NOW)
    schedules_kept = [r[4] for r in db.execute(OFFERS).fetchall() if r[0] == HALL]
    assert len(schedules_kept) == 20 and schedules_kept[-1] == "2026 Dec 21 18:00-19:00"
    assert "places with more than 20 sessions to come (the 20 ending soonest kept): 1" in report.notes


def test_sessions_over_since_leave_their_places_at_the_next_import(db, tmp_path):
    import_openactive(db, FEED, now=NOW)
    empty = write(tmp_path, "empty.json", {"items": [], "next": f"{B}/api/rpde/scheduled-sessions"})
    report = import_openactive(db, empty, now=dt.datetime(2026, 12, 11, tzinfo=dt.UTC))
    assert report.updated == 2
    assert db.execute(OFFERS).fetchall() == [(HALL, *[None] * 7), SWIM, (SPORTS, *[None] * 7)]
    again = import_openactive(db, empty, now=dt.datetime(2026, 12, 12, tzinfo=dt.UTC))
    assert (again.inserted, again.updated) == (0, 0)   # once gone, they are not loaded again


def test_a_dry_run_writes_nothing(db):
    report = import_openactive(db, FEED, dry_run=True, now=NOW)
    assert report.dry_run and report.inserted == 3
    assert db.execute("SELECT (SELECT count(*) FROM assets), (SELECT count(*) FROM openactive_items)").fetchone() \
        == (0, 0)


# -- the command line and the upload page ---------------------------------------------------------------------------

def test_command(fresh_db_url, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_bytes(FEED.read_bytes())
    result = CliRunner().invoke(main, ["import", "openactive", str(feed), "--dry-run"],
                                env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "openactive feed.json: read 14, would insert 3" in result.output and "rejected 3" in result.output
    assert "no remainingAttendeeCapacity" in (tmp_path / "feed.rejects.csv").read_text()
    result = CliRunner().invoke(main, ["import", "openactive", str(write(tmp_path, "x.json", "x"))],
                                env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 1 and "not an RPDE page" in result.output


def test_the_upload_page_runs_the_same_importer(fresh_demo_db_url, tmp_path, monkeypatch):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
    with running_app(fresh_demo_db_url, home=tmp_path) as app:
        client = app.test_client()
        sign_in(client)
        assert "OpenActive sessions" in client.get("/planner/data/import").get_data(as_text=True)
        data = {"csrf_token": csrf_token(client, "/planner/data/import"), "kind": "openactive",
                "file": (FEED.open("rb"), "openactive_feed.json")}
        html = follow_job(client, client.post("/planner/data/import", data=data,
                                              content_type="multipart/form-data")).get_data(as_text=True)
    assert "read 14" in html and "no remainingAttendeeCapacity" in html
