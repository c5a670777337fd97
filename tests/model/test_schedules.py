"""Schedules in words (assetmap.schedules), what is wrong with a bad one (assetmap.schedule_problems), and the words
kept up to date in the database by `db migrate`."""

from __future__ import annotations

import psycopg
import pytest

from assetmap import schedules
from assetmap.db import migrate
from assetmap.schedule_problems import problem

# Hand-written: opening_hours text as residents and importers give it → what people read.
IN_WORDS = [
    ("Tu,Th 18:00-21:00", "Tuesdays and Thursdays, 6pm to 9pm"),
    ("Mo-Fr 09:00-17:00", "Mondays to Fridays, 9am to 5pm"),
    ("24/7", "Every day, 24 hours"),
    ("Mo-Su 00:00-24:00", "Every day, 24 hours"),
    ("PH off", "Closed on bank holidays"),
    ("Mo-Fr 09:00-17:00; PH off", "Mondays to Fridays, 9am to 5pm; closed on bank holidays"),
    ("Sa 10:00-13:00,14:00-17:00", "Saturdays, 10am to 1pm and 2pm to 5pm"),
    ("Mo-Fr 08:30-12:00", "Mondays to Fridays, 8:30am to midday"),
    ("Tu 12:15-13:45", "Tuesdays, 12:15pm to 1:45pm"),
    ("Sa 00:00-12:00", "Saturdays, midnight to midday"),
    ("Mo,We,Fr 18:00-19:30", "Mondays, Wednesdays and Fridays, 6pm to 7:30pm"),
    ("Sa,Su 10:00-16:00", "Saturdays and Sundays, 10am to 4pm"),
    ("Mo-We,Fr 10:00-12:00", "Mondays to Wednesdays and Fridays, 10am to midday"),
    ("10:00-18:00", "Every day, 10am to 6pm"),
    ("Mo-Fr", "Mondays to Fridays, 24 hours"),
    ("Mo-Fr 09:00-17:00; Sa 10:00-13:00", "Mondays to Fridays, 9am to 5pm; Saturdays, 10am to 1pm"),
    ("Mo-Th 09:00-17:00; Fr 09:00-16:30", "Mondays to Thursdays, 9am to 5pm; Fridays, 9am to 4:30pm"),
    # The format's own rules apply: a closed day leaves the range, a later rule replaces an earlier one.
    ("Mo-Fr 09:00-17:00; We off", "Mondays, Tuesdays, Thursdays and Fridays, 9am to 5pm"),
    ("Mo-Sa 09:00-17:00; Su off", "Mondays to Saturdays, 9am to 5pm"),
    ("Mo-Fr 09:00-17:00; Mo 10:00-12:00", "Mondays, 10am to midday; Tuesdays to Fridays, 9am to 5pm"),
    ("Mo 09:00-12:00; We 09:00-12:00; Fr 09:00-12:00", "Mondays, Wednesdays and Fridays, 9am to midday"),
    ("Mo-Fr 09:00-17:00, PH off", "Mondays to Fridays, 9am to 5pm; closed on bank holidays"),
    ("off", "Closed"),
    ("Mo-Fr 22:00-02:00", "Mondays to Fridays, 10pm to 2am"),
    ("Fr 22:00-26:00", "Fridays, 10pm to 2am"),
    ("Mo-Fr 09:00+", "Mondays to Fridays, from 9am"),
    ("Mo-Fr,PH 10:00-12:00", "Mondays to Fridays and bank holidays, 10am to midday"),
    ("Mo-Fr 09:00-17:00; PH 10:00-14:00", "Mondays to Fridays, 9am to 5pm; bank holidays, 10am to 2pm"),
    ("Mo-Fr 09:00-17:00; SH off", "Mondays to Fridays, 9am to 5pm; closed in school holidays"),
    ("Mo[1] 19:00-21:00", "The first Monday of the month, 7pm to 9pm"),
    ("Mo[1,3] 19:00-21:00", "The first and third Mondays of the month, 7pm to 9pm"),
    ("Fr[-1] 10:00-12:00", "The last Friday of the month, 10am to midday"),
    ("Mo-Fr 09:00-17:00; Mo[1] off", "Mondays to Fridays, 9am to 5pm; closed on the first Monday of the month"),
    ("Jul-Aug Mo-Fr 10:00-16:00", "July and August: Mondays to Fridays, 10am to 4pm"),
    ("Apr-Sep Sa 10:00-16:00", "April to September: Saturdays, 10am to 4pm"),
    ("Mo-Fr 09:00-17:00; Dec 25 off", "Mondays to Fridays, 9am to 5pm; closed on 25 December"),
    ("Dec 24-26 off", "Closed on 24 to 26 December"),
    ("week 1-53/2 Fr 09:00-12:00", "Every other week (weeks 1, 3, 5 and so on): Fridays, 9am to midday"),
    ('Mo-Fr 09:00-17:00 "by appointment"', "Mondays to Fridays, 9am to 5pm (by appointment)"),
    ('"by appointment"', "By appointment"),
    ('We 18:00-21:00 "bring a cup; no dogs"', "Wednesdays, 6pm to 9pm (bring a cup; no dogs)"),
    ("sunrise-sunset", "Every day, sunrise to sunset"),
    # Rarer forms are shown as written, with days, months and times spelt out, rather than as a wrong sentence.
    ("easter off", "Easter closed"),
    ("sunrise-(sunset-01:00)", "Sunrise-(sunset-01:00)"),
    ('Mo 10:00-12:00 || "call first"', "Monday 10am to midday or (call first)"),
]


@pytest.mark.parametrize("text, words", IN_WORDS, ids=[t for t, _ in IN_WORDS])
def test_schedules_in_words(text, words):
    assert schedules.in_words(text) == words


def test_words_are_none_without_a_schedule_and_text_that_is_none_comes_back_as_written():
    assert schedules.words(None) is None and schedules.words("  ") is None
    assert schedules.words(" Tu 18:00-21:00 ") == "Tuesdays, 6pm to 9pm"
    assert schedules.in_words("Mo-Fr <u>09:00</u>") == "Mo-Fr <u>09:00</u>"   # the page escapes it, as any text


def test_checked_words_only_for_a_schedule():
    assert schedules.checked_words("Mo-Fr 09:00-17:00; PH off") == "Mondays to Fridays, 9am to 5pm; closed on " \
                                                                    "bank holidays"
    for text in ("Tuesday 6pm", "", None, "whenever"):
        assert schedules.checked_words(text) is None


# Bad schedules → the problem in words (a fragment of each message). None of them is the parser's text.
PROBLEMS = [
    ("Tuesday 6pm", "“6pm” is on the 12-hour clock", "so 6pm is 18:00"),
    ("Mo-Fr 9am-5pm", "“9am” is on the 12-hour clock", "so 9am is 09:00"),
    ("Tue 18:00-21:00", "“Tue” is not how days are written", "so Tue is Tu"),
    ("Monday-Friday 09:00-17:00", "“Monday” is not how days are written", "so Monday is Mo"),
    ("weekends 10:00-12:00", "“weekends” is not how days are written", "so weekends is Sa,Su"),
    ("Tu 18.00-21.00", "“18.00” needs a colon", "18:00"),
    ("Mo-Fr 0900-1700", "“0900” needs a colon", "09:00"),
    ("Mo-Fr 9-5", "“9-5” has no minutes", "like 09:00-17:00"),
    ("Tu 18:00 to 21:00", "with a dash, not “to”", "18:00-21:00"),
    ("Tu 18:00", "“18:00” needs an end time", "18:00-21:00"),
    ("Tu 18:00-", "“18:00” needs an end time", "18:00-21:00"),
    ("Tu 25:00-26:00", "“25:00” is not a time", "hours go from 00 to 24"),
    ("Mo 24:00-25:00", "“24:00” cannot start a time", "00:00"),
    ("Tu 10:75-11:00", "“10:75” is not a time", "minutes go from 00 to 59"),
    ("Tu & Th 18:00-21:00", "separate days with commas, not “&”", "Tu,Th"),
    ("Tu 18:00-21:00 Th 18:00-21:00", "put a “;” between two sets of days and times", "; Th"),
    ("Mo-Fr 09:00-17:00;", "a “;” with nothing after it", "remove it"),
    ("Mo-Fr: 09:00-17:00", "leave out the colon after “Mo-Fr”", "Mo-Fr 09:00-17:00"),
    ("Mo-Fr 09:00-17:00 closed bank holidays", "write bank holidays as PH", "PH off"),
    ("Mo-Fr 09:00-17:00 except Wednesday", "to leave days out", "; We off"),
    ("Mo-Fr 09:00-17:00 (not at lunch)", "put notes in double quotes", '"by appointment"'),
    ('Mo-Fr 09:00-17:00 "by appointment', "needs a closing quote", '"by appointment"'),
    ('Mo-Fr 09:00-17:00 "Sunday school" x', "“x” is not a day or a time", "Tu,Th 18:00-21:00"),
    ("whenever", "“whenever” is not a day or a time", "two letters (Mo Tu We Th Fr Sa Su)"),
]


@pytest.mark.parametrize("text, problem_is, advice", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_bad_schedules_are_explained_in_words(text, problem_is, advice):
    said = problem(text)
    assert problem_is in said and advice in said
    for grammar in ("expected", "EOI", "timespan", "rule_separator", "-->", "Failed to parse"):
        assert grammar not in said


def test_good_schedules_have_no_problem():
    for text, _ in IN_WORDS:
        assert problem(text) is None, text


# -- the words in the database ----------------------------------------------------------------------------------

def test_db_migrate_fills_missing_and_stale_words_and_a_second_run_changes_nothing(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        asset = conn.execute("INSERT INTO assets (name, category, geom) VALUES ('Hall', 'other', "
                             "ST_SetSRID(ST_MakePoint(-1.1, 52.6), 4326)) RETURNING id").fetchone()[0]
        # Written as by hand (no words), with words an older wording gave, and without a schedule but with words.
        conn.execute("""
            INSERT INTO capacity_offers (asset_id, kind, schedule, schedule_text) VALUES
                (%(a)s, 'space', 'Tu,Th 18:00-21:00', NULL),
                (%(a)s, 'space', 'Mo-Fr 09:00-17:00; PH off', 'Mo-Fr 9-5, not PH'),
                (%(a)s, 'space', NULL, 'left over')""", {"a": asset})
        logged = []
        assert migrate.migrate(conn, log=logged.append) == []
        # the offers were written by hand, so their reference weeks are stored too (schedule_weeks.refresh)
        assert logged == ["schedules in words: 3 offers updated", "schedule weeks: 2 schedules stored"]
        assert conn.execute("SELECT schedule_text FROM capacity_offers ORDER BY id").fetchall() == [
            ("Tuesdays and Thursdays, 6pm to 9pm",),
            ("Mondays to Fridays, 9am to 5pm; closed on bank holidays",), (None,)]
        versions = conn.execute("SELECT array_agg(version ORDER BY id) FROM capacity_offers").fetchone()[0]
        logged.clear()
        migrate.migrate(conn, log=logged.append)
        assert logged == []
        assert conn.execute("SELECT array_agg(version ORDER BY id) FROM capacity_offers").fetchone()[0] == versions
