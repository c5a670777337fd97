"""Requests, exchanges and capacity search in the model: the whole loop, its refusals, versions and audit rows,
and the outbox rows written in the same transactions."""

from dataclasses import replace
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.availability import TIMEZONE, parse_when
from assetmap.config import Settings
from assetmap.errors import NotFound
from assetmap.model import capacity_search, exchanges, moderation, requests, users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import ValidationFailed, validate

LON, LAT = -0.9, 52.6
MAIL = Settings(smtp_url="smtp://127.0.0.1:2525", public_url="https://map.example.org")
NO_MAIL = Settings()


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('west', 'Westgate', ST_Multi(ST_MakeEnvelope(-1.0, 52.5, -0.9, 52.7, 4326))), "
                  "('east', 'Eastgate', ST_Multi(ST_MakeEnvelope(-0.9, 52.5, -0.8, 52.7, 4326)))")
        yield c


def hall(conn, name="Holloway Hall", lon=LON - 0.01, schedule="Tu,Th 17:00-22:00", quantity=40, **fields) -> int:
    data = {"name": name, "category": "community_centre", "lon": lon, "lat": LAT,
            "contact_email": "hall@example.org",
            "capacity": [{"kind": "space", "quantity": quantity, "unit": "places", "schedule": schedule}]} | fields
    asset = create_asset(conn, validate(conn, data)).id
    planner = users.get_user(conn, users.add_user(conn, f"p{asset}@example.org", "a long enough password",
                                                  "planner", "P"))
    moderation.moderate(conn, [asset], "approve", None, planner)
    return conn.execute("SELECT id FROM capacity_offers WHERE asset_id = %s", (asset,)).fetchone()["id"]


def ask(conn, offer_id, settings=MAIL, **fields):
    data = {"requester_name": "Sam Okafor", "requester_organisation": "Eastgate Tenants", "purpose": "Our AGM",
            "wanted_when": "Tuesday evening", "quantity": "20", "contact": "sam@example.org",
            "neighbourhood": "east"} | fields
    return requests.create(conn, offer_id, requests.validate(data, {"west", "east"}), settings, actor="requester")


def outbox(conn):
    return conn.execute("SELECT to_address, subject, body, topic FROM outbox ORDER BY id").fetchall()


def test_the_whole_loop_counts_confirmed_hours_between_neighbourhoods(conn):
    offer = hall(conn)
    sent = ask(conn, offer)
    view = requests.by_holder_token(conn, sent.holder_token)
    assert view.status == "sent" and view.contact == "sam@example.org" and view.quantity == 20
    assert requests.by_requester_token(conn, sent.requester_token).id == view.id

    requests.decide(conn, view.id, "accepted", "The key is with the caretaker", MAIL, actor="holder")
    view = requests.by_requester_token(conn, sent.requester_token)
    assert view.status == "accepted" and view.exchange["status"] == "agreed"
    exchange = view.exchange["id"]

    what = exchanges.validate({"hours": "3", "people_reached": "18", "started_on": "2026-12-08"})
    exchanges.record(conn, exchange, "holder", what, MAIL, actor="holder")
    with pytest.raises(requests.Refused, match="other side confirms"):
        exchanges.confirm(conn, exchange, "holder", MAIL, actor="holder")
    exchanges.confirm(conn, exchange, "requester", MAIL, actor="requester")

    row = conn.execute("SELECT e.status, e.hours, g.code AS giver, r.code AS receiver FROM exchanges e "
                       "JOIN neighbourhoods g ON g.id = e.giver_neighbourhood_id "
                       "JOIN neighbourhoods r ON r.id = e.receiver_neighbourhood_id").fetchone()
    assert (row["status"], float(row["hours"]), row["giver"], row["receiver"]) == ("confirmed", 3.0, "west", "east")

    versions = conn.execute("SELECT entity, version, actor FROM record_versions ORDER BY entity, version").fetchall()
    assert [(v["entity"], v["version"]) for v in versions] == [
        ("capacity_requests", 1), ("capacity_requests", 2), ("exchanges", 1), ("exchanges", 2), ("exchanges", 3)]
    actions = [a["action"] for a in conn.execute(
        "SELECT action FROM audit_log WHERE entity IN ('capacity_requests', 'exchanges') ORDER BY id").fetchall()]
    assert actions == ["create", "accept", "create", "record", "confirm"]
    # No token hash in any version: a leaked history does not leak links.
    assert not any("token" in key for v in conn.execute("SELECT snapshot FROM record_versions").fetchall()
                   for key in v["snapshot"])

    mail = outbox(conn)
    assert [(m["to_address"], m["topic"]) for m in mail] == [
        ("hall@example.org", "request"), ("sam@example.org", "request"), ("sam@example.org", "decision"),
        ("sam@example.org", "exchange"), ("hall@example.org", "exchange"), ("sam@example.org", "exchange")]
    assert f"https://map.example.org/h/{sent.holder_token}" in mail[0]["body"]
    assert f"https://map.example.org/r/{sent.requester_token}" in mail[1]["body"]
    assert "caretaker" in mail[2]["body"]


def test_without_mail_nothing_is_queued(conn):
    sent = ask(conn, hall(conn), NO_MAIL)
    assert not sent.mailed_holder and outbox(conn) == []


def test_a_request_for_an_offer_that_is_not_public_is_refused_and_stores_nothing(conn):
    offer = hall(conn)
    conn.execute("UPDATE capacity_offers SET status = 'paused' WHERE id = %s", (offer,))
    with pytest.raises(NotFound):
        ask(conn, offer)
    assert conn.execute("SELECT count(*) AS n FROM capacity_requests").fetchone()["n"] == 0
    assert outbox(conn) == []


def test_a_request_can_be_answered_once(conn):
    view = requests.by_requester_token(conn, ask(conn, hall(conn)).requester_token)
    requests.decide(conn, view.id, "declined", "", MAIL, actor="holder")
    with pytest.raises(requests.Refused, match="already declined"):
        requests.decide(conn, view.id, "accepted", "", MAIL, actor="holder")
    with pytest.raises(requests.Refused):
        requests.withdraw(conn, view.id, actor="requester")
    assert conn.execute("SELECT count(*) AS n FROM exchanges").fetchone()["n"] == 0


def test_a_confirmed_exchange_meets_its_need(conn):
    offer = hall(conn)
    need = conn.execute("INSERT INTO capacity_needs (title, kind, neighbourhood_id) "
                        "SELECT 'Room for a youth club', 'space', id FROM neighbourhoods WHERE code = 'east' "
                        "RETURNING id").fetchone()["id"]
    req = requests.validate({"requester_name": "Jo", "purpose": "Youth club", "contact": "01234 567890"}, set())
    sent = requests.create(conn, offer, req, MAIL, actor="user:p@example.org", source="proposal", need_id=need)
    view = requests.by_holder_token(conn, sent.holder_token)
    requests.decide(conn, view.id, "accepted", "", MAIL, actor="holder")
    exchange = requests.by_holder_token(conn, sent.holder_token).exchange["id"]
    exchanges.record(conn, exchange, "planner", exchanges.validate({"hours": "2"}), MAIL, actor="planner")
    exchanges.confirm(conn, exchange, "planner", MAIL, actor="planner")
    assert conn.execute("SELECT status FROM capacity_needs WHERE id = %s", (need,)).fetchone()["status"] == "met"
    # A phone number gets no mail: only the holder's messages were queued.
    assert {m["to_address"] for m in outbox(conn)} == {"hall@example.org"}


@pytest.mark.parametrize(("fields", "key", "says"), [
    ({"requester_name": ""}, "requester_name", "is needed"),
    ({"purpose": "x" * 2001}, "purpose", "at most 2000"),
    ({"contact": "sam@"}, "contact", "not an email address"),
    ({"contact": "call me"}, "contact", "email address or a phone number"),
    ({"quantity": "lots"}, "quantity", "must be a number"),
    ({"quantity": "-3"}, "quantity", "more than 0"),
    ({"neighbourhood": "nowhere"}, "neighbourhood", "not one of the neighbourhoods"),
])
def test_bad_requests_name_each_problem(fields, key, says):
    data = {"requester_name": "Sam", "purpose": "AGM", "contact": "sam@example.org"} | fields
    with pytest.raises(ValidationFailed) as caught:
        requests.validate(data, {"east"})
    assert says in caught.value.errors[key]


@pytest.mark.parametrize(("fields", "key"), [
    ({"hours": ""}, "hours"), ({"hours": "-1"}, "hours"), ({"hours": "nan"}, "hours"), ({"hours": "inf"}, "hours"),
    ({"hours": "2", "people_reached": "many"}, "people_reached"),
    ({"hours": "2", "started_on": "2026-12-09", "ended_on": "2026-12-08"}, "ended_on"),
    ({"hours": "2", "started_on": "tuesday"}, "started_on"),
])
def test_bad_records_name_each_problem(fields, key):
    with pytest.raises(ValidationFailed) as caught:
        exchanges.validate(fields)
    assert key in caught.value.errors


def test_search_finds_by_time_and_place_nearest_first_and_leaves_out_stale_offers(conn):
    near = hall(conn, "Near Hall", lon=LON - 0.005)
    far = hall(conn, "Far Hall", lon=LON - 0.05)
    hall(conn, "Day Centre", lon=LON - 0.004, schedule="Mo-Fr 09:00-17:00")
    small = hall(conn, "Small Room", lon=LON - 0.003, quantity=8)
    stale = hall(conn, "Stale Hall", lon=LON - 0.002)
    conn.execute("UPDATE capacity_offers SET last_confirmed_at = now() - interval '10 months' WHERE id = %s",
                 (stale,))
    due = hall(conn, "Due Hall", lon=LON - 0.006)
    conn.execute("UPDATE capacity_offers SET last_confirmed_at = now() - interval '7 months' WHERE id = %s", (due,))
    now = datetime.now(TIMEZONE)
    query = capacity_search.Search(kinds=["space"], when=parse_when("Tu 18:00-21:00", now), min_quantity=20,
                                   near=capacity_search.Place(LON, LAT, "here"), within_m=2000)
    found = capacity_search.search(conn, query, Settings(), now).found
    assert [f.offer_id for f in found] == [near, due]          # nearest first; far is past 2 km
    assert [f.unconfirmed for f in found] == [False, True]
    assert found[0].next_free.weekday() == 1 and found[0].next_free.hour == 18
    assert 300 < found[0].distance_m < 400
    wider = capacity_search.search(conn, replace(query, within_m=10_000, min_quantity=None), Settings(), now).found
    assert {f.offer_id for f in wider} == {near, due, far, small}
    assert now - timedelta(days=1) < found[0].last_confirmed_at
