"""When spare capacity is free: a "when" asked for, matched against offers' opening_hours schedules.

A "when" is itself opening_hours text ("Tu 18:00-21:00", "Mo-Fr 09:00-12:00", "2026 Dec 08 18:00-21:00") or
"now". Both sides go through the maintained parser (opening-hours-py), so bank holidays (`PH off`), closed days
(`We off`), months and dates mean what the format says, with the UK's bank holidays.

The rule: an offer matches when, on at least one occasion the "when" names within the next `HORIZON` (say the
next Tuesday evening, or the one after when that Tuesday is a bank holiday the offer is closed on), the offer is
open for the *whole* window. "Free on Tuesday 18:00-21:00" finds `Tu,Th 17:00-22:00` and not `Tu 19:00-22:00`:
someone booking a room for a meeting needs all of it. The occasion found first is the offer's `next_free`.
"now" matches offers open at this moment.

Everything is computed once per distinct schedule (offers share a few hundred schedules at most), so a search
over many thousands of offers parses each schedule once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError, State

from . import schedule_problems
from .errors import InvalidParameter

# AssetMap maps places in the UK (postcodes, the British National Grid): one clock and one holiday calendar.
TIMEZONE = ZoneInfo("Europe/London")
COUNTRY = "GB"
# How far ahead an occasion may lie: eight weeks see past Christmas and Easter closures.
HORIZON = timedelta(weeks=8)
# A "when" naming more occasions than this in the horizon is too broad to be a booking ("24/7" is one).
MAX_OCCASIONS = 500

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class When:
    text: str                   # as asked, e.g. "Tu 18:00-21:00" or "now"
    occasions: tuple[Span, ...]  # the windows it names, soonest first; one zero-length span for "now"

    @property
    def is_now(self) -> bool:
        return self.text == "now"


def _parse(text: str) -> OpeningHours:
    return OpeningHours(text, timezone=TIMEZONE, country=COUNTRY)


def _open_spans(schedule: OpeningHours, start: datetime, end: datetime) -> list[Span]:
    """The schedule's open time between start and end, with touching spans joined (a rule ending at midnight
    and the next day's starting then are one evening)."""
    spans: list[Span] = []
    for s, e, state, _comment in schedule.intervals(start, end):
        if state != State.OPEN:
            continue
        if spans and spans[-1][1] >= s:
            spans[-1] = (spans[-1][0], max(spans[-1][1], e))
        else:
            spans.append((s, e))
    return spans


def parse_when(text: str | None, now: datetime | None = None, param: str = "when") -> When | None:
    """The occasions a "when" names from now on; None when absent; InvalidParameter naming the problem."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    now = (now or datetime.now(TIMEZONE)).astimezone(TIMEZONE)
    if text.lower() == "now":
        return When("now", ((now, now),))
    if len(text) > 200:
        raise InvalidParameter(param, "is too long: give a day and a time range such as Tu 18:00-21:00, or now")
    try:
        parsed = _parse(text)
    except ParserError:
        wrong = schedule_problems.problem(text) or "it is not in opening_hours form"
        raise InvalidParameter(param, f"{text!r} cannot be read: {wrong}. Give a day and a time range such as "
                                      "Tu 18:00-21:00, or now") from None
    end = now + HORIZON
    occasions = _open_spans(parsed, now, end)
    if occasions and occasions[-1][1] >= end:
        occasions.pop()   # cut short by the horizon: not the whole window asked for
        if not occasions:
            raise InvalidParameter(param, f"{text!r} covers the whole of the next {HORIZON.days // 7} weeks: give "
                                          "a day and a time range such as Tu 18:00-21:00, or now")
    if occasions and occasions[0][0] == now and parsed.is_open(now - timedelta(minutes=1)):
        occasions.pop(0)   # begun already: what is left of it is not the window asked for
    if not occasions:
        raise InvalidParameter(param, f"{text!r} names no time in the next {HORIZON.days // 7} weeks: give a "
                                      "day and a time range such as Tu 18:00-21:00, or now")
    if len(occasions) > MAX_OCCASIONS:
        raise InvalidParameter(param, f"{text!r} names more than {MAX_OCCASIONS} separate times: give one or a "
                                      "few days and a time range, such as Tu 18:00-21:00")
    return When(text, tuple(occasions))


@dataclass(frozen=True)
class Availability:
    matches: bool                # free at one of the occasions asked for (True when nothing was asked)
    next_free: datetime | None   # the first such occasion, or when it is next open at all; None: unknown


def _covered(spans: list[Span], window: Span) -> bool:
    start, end = window
    return any(s <= start and (end < e if start == end else end <= e) for s, e in spans)


def availability(schedule: str | None, when: When | None, now: datetime | None = None) -> Availability:
    """Whether an offer with this schedule is free at `when`, and when next. No schedule, or one that does not
    parse: nobody knows when it is free, so it matches no "when" and has no next_free."""
    now = (now or datetime.now(TIMEZONE)).astimezone(TIMEZONE)
    try:
        parsed = _parse(schedule) if schedule and schedule.strip() else None
    except ParserError:
        parsed = None
    if parsed is None:
        return Availability(when is None, None)
    if when is None:
        spans = _open_spans(parsed, now, now + HORIZON)
        return Availability(True, max(spans[0][0], now) if spans else None)
    first, last = when.occasions[0][0], when.occasions[-1][1]
    spans = _open_spans(parsed, first, last + timedelta(seconds=1))
    for window in when.occasions:
        if _covered(spans, window):
            return Availability(True, window[0])
    return Availability(False, None)


def matching(schedules: Iterable[str | None], when: When | None,
             now: datetime | None = None) -> dict[str | None, Availability]:
    """Each distinct schedule → its availability: the one place a search evaluates schedules."""
    return {s: availability(s, when, now) for s in set(schedules)}
