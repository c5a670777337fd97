"""A schedule's reference week: hours a week and 5-minute slots, from the parser that validates schedules."""

from __future__ import annotations

import psycopg
import pytest

from assetmap import schedule_weeks
from assetmap.schedule_weeks import SLOTS, week


@pytest.mark.parametrize(("schedule", "hours"), [
    ("Tu 18:00-21:00", 3.0),
    ("Tu,Th 17:00-22:00", 10.0),
    ("Mo-Fr 09:00-17:30", 42.5),
    ("24/7", 168.0),
    ("Mo-Su 09:00-17:00; Su off", 48.0),    # a later rule takes Sunday out
    ("Sa 22:00-02:00", 4.0),                # past midnight into Sunday
    ("Mo 10:00-12:00; PH off", 2.0),        # the reference week has no bank holiday
])
def test_hours_a_week(schedule, hours):
    assert week(schedule).hours == pytest.approx(hours)


def test_slots_say_when_and_meet_where_schedules_do():
    tuesday = week("Tu 18:00-21:00").slots
    assert len(tuesday) == SLOTS and tuesday.count("1") == 36        # 3 hours of 5 minutes
    first = (24 * 60 + 18 * 60) // 5                                 # Tuesday 18:00
    assert tuesday[first - 1:first + 1] == "01" and tuesday[first + 35:first + 37] == "10"
    evenings = week("Tu,Th 17:00-22:00").slots
    office = week("Mo-Fr 09:00-17:00").slots
    assert any(a == b == "1" for a, b in zip(tuesday, evenings))
    assert not any(a == b == "1" for a, b in zip(tuesday, office))


def test_no_schedule_or_one_that_does_not_parse_has_no_week():
    assert week(None) is None and week("  ") is None and week("Tuesday evenings") is None


def test_remember_and_refresh_store_each_schedule_once(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        assert schedule_weeks.remember(conn, ["Tu 18:00-21:00", "Tu 18:00-21:00", "nonsense", None]) == 1
        assert schedule_weeks.remember(conn, ["Tu 18:00-21:00"]) == 0
        hours, ones = conn.execute("SELECT hours, bit_count(slots) FROM schedule_weeks").fetchone()
        assert (hours, ones) == (3.0, 36)
        conn.execute("INSERT INTO capacity_needs (title, kind, schedule, geom) "
                     "VALUES ('x', 'space', 'Sa 10:00-12:00', ST_SetSRID(ST_MakePoint(0, 51), 4326))")
        assert schedule_weeks.refresh(conn) == 1 and schedule_weeks.refresh(conn) == 0
        assert schedule_weeks.refresh(conn, everything=True) == 0     # recomputed, nothing differs
