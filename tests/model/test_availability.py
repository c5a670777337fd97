"""Matching a "when" against offers' schedules: hand-written cases, holidays and `off` rules included, and a
check against the parser itself on every case."""

from datetime import datetime, timedelta

import pytest
from opening_hours import OpeningHours, State

from assetmap.availability import TIMEZONE, availability, matching, parse_when
from assetmap.errors import InvalidParameter

# Saturday 5 December 2026, 10am. Bank holidays ahead: 25 Dec (Fri), 28 Dec (Mon, for Boxing Day), 1 Jan (Fri).
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=TIMEZONE)


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TIMEZONE)


CASES = [
    # (when, schedule, expected next_free or None for no match)
    ("Tu 18:00-21:00", "Tu,Th 17:00-22:00", at(8, 18)),            # the example: covered
    ("Tu 18:00-21:00", "Mo-Fr 09:00-17:00", None),                  # the example: daytime only
    ("Tu 18:00-21:00", "Tu 19:00-22:00", None),                     # starts too late: not the whole window
    ("Tu 18:00-21:00", "Tu 17:00-20:30", None),                     # ends too early
    ("Tu 18:00-21:00", "Tu 18:00-21:00", at(8, 18)),                # exactly the window
    ("Tu 18:00-21:00", "Tu 18:00-19:30,19:30-21:00", at(8, 18)),    # two touching spans are one evening
    ("Tu 18:00-21:00", "Mo-Su 08:00-23:00; Tu off", None),          # an `off` rule closes Tuesdays
    ("Tu 18:00-21:00", "Mo-Su 08:00-23:00; Dec 08 off", at(15, 18)),  # closed on the 8th: the next Tuesday
    ("Mo 18:00-21:00", "Mo 17:00-22:00; PH off", at(7, 18)),        # an ordinary Monday
    ("Fr 10:00-12:00", "Fr 09:00-17:00; PH off", at(11, 10)),
    ("We 10:00-12:00", "24/7", at(9, 10)),
    ("Sa 09:00-12:00", "Sa 09:00-12:00", at(12, 9)),                # today's window has begun: next week's
    ("Su 10:00-11:00", "Mo-Sa 09:00-17:00", None),                  # never on Sundays
    ("Tu,Th 18:00-20:00", "Th 18:00-22:00", at(10, 18)),            # any of the days asked for
    ("2026 Dec 22 18:00-20:00", "Tu 18:00-21:00", at(22, 18)),      # a date
    ("2026 Dec 22 18:00-20:00", "Mo 18:00-21:00", None),
]


@pytest.mark.parametrize(("asked", "schedule", "expected"), CASES)
def test_a_when_matches_an_offer_open_for_the_whole_window(asked, schedule, expected):
    when = parse_when(asked, NOW)
    found = availability(schedule, when, NOW)
    assert found.matches is (expected is not None)
    assert found.next_free == expected
    if expected is not None:
        # Checked against the parser itself: open at every minute of that window, and only at one it asked for.
        parsed = OpeningHours(schedule, timezone=TIMEZONE, country="GB")
        end = next(e for s, e in when.occasions if s == expected)
        steps = int((end - expected).total_seconds() // 60)
        assert all(parsed.is_open(expected + timedelta(minutes=m)) for m in range(steps))


def test_bank_holidays_close_an_offer_that_says_so():
    # From Boxing Day, the next Monday is 28 December: a bank holiday in England.
    boxing = at(26, 10)
    when = parse_when("Mo 18:00-21:00", boxing)
    assert when.occasions[0][0] == at(28, 18)
    assert availability("Mo 18:00-21:00; PH off", when, boxing).next_free == at(4, 18, month=1, year=2027)
    assert availability("Mo 18:00-21:00", when, boxing).next_free == at(28, 18)
    parsed = OpeningHours("Mo 18:00-21:00; PH off", timezone=TIMEZONE, country="GB")
    assert parsed.state(at(28, 19))[0] == State.CLOSED


def test_now_matches_what_is_open_at_this_moment():
    when = parse_when("now", NOW)
    assert when.is_now
    assert availability("Sa 09:00-12:00", when, NOW).next_free == NOW
    assert not availability("Sa 12:00-16:00", when, NOW).matches
    assert not availability("Sa 08:00-10:00", when, NOW).matches   # closes at 10: not open now


def test_without_a_when_next_free_is_the_next_opening():
    assert availability("Sa 09:00-12:00", None, NOW).next_free == NOW
    assert availability("Mo 09:00-12:00", None, NOW).next_free == at(7, 9)
    nothing = availability(None, None, NOW)
    assert nothing.matches and nothing.next_free is None


def test_an_offer_without_a_schedule_matches_no_when():
    when = parse_when("Tu 18:00-21:00", NOW)
    assert not availability(None, when, NOW).matches
    assert not availability("not a schedule", when, NOW).matches


def test_each_schedule_is_evaluated_once():
    when = parse_when("Tu 18:00-21:00", NOW)
    found = matching(["Tu 18:00-22:00", "Tu 18:00-22:00", None, "Mo 09:00-10:00"], when, NOW)
    assert set(found) == {"Tu 18:00-22:00", None, "Mo 09:00-10:00"}
    assert [found[s].matches for s in ("Tu 18:00-22:00", None, "Mo 09:00-10:00")] == [True, False, False]


@pytest.mark.parametrize(("asked", "says"), [
    ("Tue 18:00-21:00", "so Tue is Tu"),
    ("Tu 6pm-9pm", "12-hour clock"),
    ("2020 Jan 01 10:00-11:00", "names no time in the next 8 weeks"),
    ("Mo-Su 00:00-24:00", "whole of the next 8 weeks"),
    ("x" * 300, "too long"),
])
def test_a_when_that_does_not_parse_names_the_problem(asked, says):
    with pytest.raises(InvalidParameter) as caught:
        parse_when(asked, NOW)
    assert caught.value.param == "when" and says in str(caught.value)


def test_absent_is_none():
    assert parse_when(None) is None and parse_when("  ") is None
