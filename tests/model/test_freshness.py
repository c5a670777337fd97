"""Freshness in the model: the states and their cutoffs, "still right" by edit link and by a reminder's link,
reminders once per period, and the staleness report on hand-built data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main
from assetmap.config import Settings
from assetmap.errors import NotFound
from assetmap.model import contributions, freshness, merges, users
from assetmap.model.submission import validate

NOW = datetime(2026, 8, 31, 12, 0, tzinfo=UTC)
SETTINGS = Settings()                                  # 6 months, then 3 of grace
MAIL = Settings(smtp_url="smtp://127.0.0.1:2525", public_url="https://assets.example.org")
US = timedelta(microseconds=1)


# -- the states -----------------------------------------------------------------------------------------------------

def test_cutoffs_are_calendar_months_clamped_to_the_end_of_a_shorter_month():
    c = freshness.cutoffs(SETTINGS, NOW)
    assert c.due_before == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)      # 31 August less six months
    assert c.stale_before == datetime(2025, 11, 30, 12, 0, tzinfo=UTC)   # less nine
    assert freshness.shift_months(datetime(2024, 3, 31, tzinfo=UTC), -1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert freshness.shift_months(datetime(2025, 11, 15, tzinfo=UTC), 3) == datetime(2026, 2, 15, tzinfo=UTC)


def test_states_at_exactly_the_cutoffs():
    c = freshness.cutoffs(SETTINGS, NOW)
    assert freshness.state(NOW, SETTINGS, NOW) == "fresh"
    assert freshness.state(c.due_before, SETTINGS, NOW) == "fresh"       # exactly six months: not older yet
    assert freshness.state(c.due_before - US, SETTINGS, NOW) == "due"
    assert freshness.state(c.stale_before, SETTINGS, NOW) == "due"       # exactly nine months: still due
    assert freshness.state(c.stale_before - US, SETTINGS, NOW) == "stale"


def test_no_grace_goes_straight_from_fresh_to_stale():
    settings = Settings(confirm_months=12, confirm_grace_months=0)
    c = freshness.cutoffs(settings, NOW)
    assert c.due_before == c.stale_before == datetime(2025, 8, 31, 12, 0, tzinfo=UTC)
    assert [freshness.state(t, settings, NOW) for t in (c.due_before, c.due_before - US)] == ["fresh", "stale"]


def test_the_sql_states_agree_with_python_at_the_cutoffs(fresh_db_url):
    c = freshness.cutoffs(SETTINGS, NOW)
    moments = [NOW, c.due_before, c.due_before - US, c.stale_before, c.stale_before - US]
    query = psycopg.sql.SQL("SELECT {} FROM unnest(%(moments)s::timestamptz[]) AS t(last_confirmed_at)").format(
        freshness.state_sql("t.last_confirmed_at"))
    with psycopg.connect(fresh_db_url) as conn:
        in_sql = [r[0] for r in conn.execute(query, c.params() | {"moments": moments})]
    assert in_sql == [c.state(m) for m in moments] == ["fresh", "fresh", "due", "due", "stale"]


# -- confirming -----------------------------------------------------------------------------------------------------

@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('hg', 'Holloway Green', ST_Multi(ST_MakeEnvelope(-1.0, 52.5, -0.8, 52.7, 4326))), "
                  "('mw', 'Mill Ward', ST_Multi(ST_MakeEnvelope(-0.8, 52.5, -0.6, 52.7, 4326)))")
        yield c


def add(conn, name="St Mary's Hall", lon=-0.9, status="published", age=None, email="hall@example.org",
        offers=1) -> contributions.Created:
    """An entry with `offers` offers, confirmed `age` ago (as if created then)."""
    data = {"name": name, "category": "community_centre", "lon": lon, "lat": 52.6, "contact_email": email,
            "capacity": [{"kind": "space", "quantity": 10, "unit": "places", "schedule": "Tu 18:00-21:00"}] * offers}
    created = contributions.create_asset(conn, validate(conn, data), status=status)
    if age is not None:
        age_entry(conn, created.id, age)
    return created


def age_entry(conn, asset_id: int, age: timedelta) -> None:
    conn.execute("UPDATE assets SET last_confirmed_at = now() - %s WHERE id = %s", (age, asset_id))
    conn.execute("UPDATE capacity_offers SET last_confirmed_at = now() - %s WHERE asset_id = %s", (age, asset_id))


def confirmed_at(conn, asset_id):
    row = conn.execute("SELECT last_confirmed_at, now() AS now FROM assets WHERE id = %s", (asset_id,)).fetchone()
    offers = [r["last_confirmed_at"] for r in conn.execute(
        "SELECT last_confirmed_at FROM capacity_offers WHERE asset_id = %s AND status = 'active'", (asset_id,))]
    return row["last_confirmed_at"], offers, row["now"]


def test_creating_an_entry_confirms_it(conn):
    created = add(conn)
    asset, offers, now = confirmed_at(conn, created.id)
    assert now - asset < timedelta(seconds=5) and len(offers) == 1 and now - offers[0] < timedelta(seconds=5)


@pytest.mark.parametrize("change", [{}, {"description": "Now with a lift."}])
def test_editing_an_entry_confirms_it_even_while_a_public_change_waits(conn, change):
    created = add(conn, age=timedelta(days=400))
    entry = contributions.find_by_token(conn, created.edit_token)
    contributions.update_by_token(conn, created.edit_token, replace(entry.submission, **change), entry.version)
    asset, offers, now = confirmed_at(conn, created.id)
    assert now - asset < timedelta(seconds=5) and now - offers[0] < timedelta(seconds=5)


def history(conn, asset_id):
    versions = conn.execute("SELECT version, actor, snapshot FROM asset_versions WHERE asset_id = %s ORDER BY version",
                            (asset_id,)).fetchall()
    audit = conn.execute("SELECT action, actor, before, after, reason FROM audit_log WHERE entity = 'assets' "
                         "AND entity_id = %s ORDER BY id", (asset_id,)).fetchall()
    return versions, audit


def test_still_right_confirms_the_entry_and_its_live_offers_with_a_version_and_an_audit_row(conn):
    created = add(conn, age=timedelta(days=200), offers=2)
    paused = conn.execute("UPDATE capacity_offers SET status = 'paused' WHERE id = (SELECT min(id) FROM "
                          "capacity_offers WHERE asset_id = %s) RETURNING id, last_confirmed_at",
                          (created.id,)).fetchone()
    done = freshness.confirm_by_token(conn, created.edit_token)

    asset, offers, now = confirmed_at(conn, created.id)
    assert done.asset_id == created.id and done.last_confirmed_at == asset and now - asset < timedelta(seconds=5)
    assert offers == [asset]   # the live offer, at the same moment
    assert conn.execute("SELECT last_confirmed_at FROM capacity_offers WHERE id = %s",
                        (paused["id"],)).fetchone()["last_confirmed_at"] == paused["last_confirmed_at"]
    versions, audit = history(conn, created.id)
    assert versions[-1]["actor"] == "resident"
    assert versions[-1]["snapshot"]["last_confirmed_at"] != versions[-2]["snapshot"]["last_confirmed_at"]
    last = audit[-1]
    assert (last["action"], last["actor"], last["reason"]) == ("confirm", "resident", "still right (edit link)")
    assert last["before"]["version"] + 1 == last["after"]["version"] == versions[-1]["version"]


def test_still_right_is_refused_for_a_wrong_link_a_withdrawn_or_a_merged_entry(conn):
    with pytest.raises(NotFound, match="not valid"):
        freshness.confirm_by_token(conn, "no-such-token")
    withdrawn = add(conn, "Old Hall")
    contributions.withdraw_by_token(conn, withdrawn.edit_token)
    with pytest.raises(contributions.Conflict, match="withdrawn"):
        freshness.confirm_by_token(conn, withdrawn.edit_token)
    kept, duplicate = add(conn, "Mill Hall"), add(conn, "Mill Hall again")
    planner = users.get_user(conn, users.add_user(conn, "pat@example.org", "a long enough password", "planner"))
    merges.merge(conn, kept.id, duplicate.id, planner)
    with pytest.raises(NotFound, match="merged"):
        freshness.confirm_by_token(conn, duplicate.edit_token)
    assert [a["action"] for a in history(conn, withdrawn.id)[1]] == ["create", "withdraw"]


# -- reminders and their links --------------------------------------------------------------------------------------

def outbox(conn):
    return conn.execute("SELECT to_address, subject, body, topic, dedupe_key FROM outbox ORDER BY id").fetchall()


def link_token(body: str) -> str:
    line = next(x for x in body.splitlines() if x.startswith("https://assets.example.org/confirm/"))
    return line.rsplit("/", 1)[1]


def test_reminders_go_once_per_period_to_due_published_entries_with_an_address(conn):
    due = add(conn, "Due Hall", age=timedelta(days=200))
    add(conn, "Fresh Hall", age=timedelta(days=100))
    add(conn, "Silent Hall", age=timedelta(days=200), email=None)
    add(conn, "Waiting Hall", age=timedelta(days=200), status="pending")
    stale = add(conn, "Stale Hall", age=timedelta(days=400))

    assert freshness.queue_reminders(conn, SETTINGS) == 0          # mail is not configured: nothing at all
    assert outbox(conn) == [] and conn.execute("SELECT count(*) AS n FROM confirm_links").fetchone()["n"] == 0

    assert freshness.queue_reminders(conn, MAIL) == 2
    mails = outbox(conn)
    assert [m["subject"] for m in mails] == ["Is “Stale Hall” still right on the map?",
                                             "Is “Due Hall” still right on the map?"]
    day = conn.execute("SELECT to_char(last_confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM assets "
                       "WHERE id = %s", (due.id,)).fetchone()["d"]
    assert mails[1]["dedupe_key"] == f"confirm:{due.id}:{day}"
    assert {m["topic"] for m in mails} == {"confirm_reminder"} and {m["to_address"] for m in mails} == {
        "hall@example.org"}
    assert f"https://assets.example.org/assets/{due.public_id}" in mails[1]["body"]
    assert due.edit_token not in mails[1]["body"]                  # the edit link is never mailed
    assert "Until it is confirmed, it is marked as unconfirmed" in mails[0]["body"]
    assert "If we do not hear from you, from " in mails[1]["body"]

    assert freshness.queue_reminders(conn, MAIL) == 0               # the same period: no second mail
    freshness.confirm_by_link(conn, link_token(mails[0]["body"]))   # the stale one is confirmed from its mail
    assert freshness.queue_reminders(conn, MAIL) == 0               # and is fresh now
    age_entry(conn, stale.id, timedelta(days=190))                  # a new period comes round
    assert freshness.queue_reminders(conn, MAIL) == 1
    assert len(outbox(conn)) == 3


def test_a_reminders_link_confirms_once_and_expires(conn):
    first, second = add(conn, "First Hall", age=timedelta(days=200)), add(conn, "Second Hall", age=timedelta(days=250))
    assert freshness.queue_reminders(conn, MAIL) == 2
    tokens = {m["subject"]: link_token(m["body"]) for m in outbox(conn)}
    one, two = tokens["Is “First Hall” still right on the map?"], tokens["Is “Second Hall” still right on the map?"]

    entry = freshness.entry_for_link(conn, one)                     # looking does not use it up
    assert entry.name == "First Hall" and freshness.entry_for_link(conn, one) == entry
    done = freshness.confirm_by_link(conn, one)
    assert done.asset_id == first.id and confirmed_at(conn, first.id)[0] == done.last_confirmed_at
    assert history(conn, first.id)[1][-1]["reason"] == "still right (reminder link)"
    for use in (freshness.entry_for_link, freshness.confirm_by_link):
        with pytest.raises(NotFound, match="already been used"):
            use(conn, one)

    conn.execute("UPDATE confirm_links SET expires_at = now() WHERE asset_id = %s", (second.id,))
    with pytest.raises(NotFound, match="expired"):
        freshness.confirm_by_link(conn, two)
    with pytest.raises(NotFound, match="not valid"):
        freshness.confirm_by_link(conn, one[:-2])
    assert freshness.state(confirmed_at(conn, second.id)[0], SETTINGS) == "due"


def test_a_link_to_an_entry_withdrawn_since_is_refused(conn):
    created = add(conn, age=timedelta(days=200))
    freshness.queue_reminders(conn, MAIL)
    contributions.withdraw_by_token(conn, created.edit_token)
    with pytest.raises(NotFound, match="no longer on the map"):
        freshness.confirm_by_link(conn, link_token(outbox(conn)[0]["body"]))


# -- the report -----------------------------------------------------------------------------------------------------

def test_the_report_counts_entries_and_offers_per_neighbourhood(conn):
    day = timedelta(days=1)
    add(conn, "HG fresh", age=10 * day, offers=2)
    add(conn, "HG due", age=200 * day, offers=1)
    oldest = add(conn, "HG stale", age=400 * day, offers=3)
    add(conn, "HG pending", age=400 * day, status="pending")      # not published: not counted
    add(conn, "MW due", lon=-0.7, age=250 * day, offers=0, email=None)
    add(conn, "Far away", lon=-0.59, age=500 * day, offers=1)      # outside every neighbourhood

    rows = {r.neighbourhood: r for r in freshness.report(conn, SETTINGS)}
    assert list(rows) == ["Holloway Green", "Mill Ward", "Outside every neighbourhood"]
    hg, mw, out = rows["Holloway Green"], rows["Mill Ward"], rows["Outside every neighbourhood"]
    assert (hg.assets_fresh, hg.assets_due, hg.assets_stale, hg.assets) == (1, 1, 1, 3)
    assert (hg.offers_fresh, hg.offers_due, hg.offers_stale, hg.offers) == (2, 1, 3, 6)
    assert hg.share_stale == pytest.approx(1 / 3)
    assert hg.oldest_confirmed_at == confirmed_at(conn, oldest.id)[0]
    assert (mw.neighbourhood_code, mw.assets_due, mw.assets_stale, mw.offers, mw.share_stale) == ("mw", 1, 0, 0, 0)
    assert (out.neighbourhood_code, out.assets_stale, out.offers_stale, out.share_stale) == (None, 1, 1, 1)

    csv = freshness.report_table(list(rows.values())).to_csv().splitlines()
    assert csv[0].startswith("neighbourhood_code,neighbourhood,assets,assets_fresh,assets_due,assets_stale,share_stale")
    assert csv[1].startswith("hg,Holloway Green,3,1,1,1,0.3333,6,2,1,3,")

    name, entries = freshness.unconfirmed_entries(conn, SETTINGS, "hg")
    assert name == "Holloway Green"
    assert [(e.name, e.state, e.offers, e.has_contact_email) for e in entries] == [
        ("HG stale", "stale", 3, True), ("HG due", "due", 1, True)]
    assert freshness.queue_reminders(conn, MAIL) == 3
    assert all(e.reminder_queued_at and e.reminder_sent_at is None
               for e in freshness.unconfirmed_entries(conn, SETTINGS, "hg")[1])
    assert [(e.name, e.has_contact_email) for e in freshness.unconfirmed_entries(conn, SETTINGS, "mw")[1]] == [
        ("MW due", False)]
    with pytest.raises(NotFound):
        freshness.unconfirmed_entries(conn, SETTINGS, "nope")


# -- the command ----------------------------------------------------------------------------------------------------

def test_the_commands_remind_once_and_print_the_report(conn, fresh_db_url):
    add(conn, "Due Hall", age=timedelta(days=200))
    runner = CliRunner()

    def run(*args, **env):
        return runner.invoke(main, ["confirmations", *args], env={"DATABASE_URL": fresh_db_url, **env},
                             catch_exceptions=False)

    off = run("remind")
    assert off.exit_code == 0 and off.stdout == "0 reminders queued\n" and "not configured" in off.stderr
    mail = {"ASSETMAP_SMTP_URL": MAIL.smtp_url, "ASSETMAP_PUBLIC_URL": MAIL.public_url}
    assert run("remind", **mail).stdout == "1 reminder queued\n"
    assert run("remind", **mail).stdout == "0 reminders queued\n"
    report = run("report").stdout.splitlines()
    assert report[0].startswith("neighbourhood_code,")
    assert report[1].startswith("hg,Holloway Green,1,0,1,0,0.0,1,0,1,0,")
