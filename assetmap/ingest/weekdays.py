"""Opening hours given one column per weekday ("09:00-17:00", "9am-5pm", "closed") as one OSM opening_hours string.

Spreadsheets from councils and charities rarely hold opening_hours syntax; they hold a column per day. `schedule`
turns a row's seven cells into the schedule an offer keeps (checked by the same parser as every schedule):

    monday..friday "9am-5pm", saturday "10:00-13:00", sunday "closed"  →  "Mo-Fr 09:00-17:00; Sa 10:00-13:00"

A cell may hold several ranges ("09:00-12:00, 13:00-17:00"), "24 hours", or a word for closed ("closed", "shut",
"N/A Closed", "-"). A blank cell counts as closed when other days have hours, since that is how such sheets are
filled in; a row with every cell blank has no schedule at all. A cell we cannot read raises DayError naming the
day, the value and why, and the caller decides what happens to the row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..model.submission import validate_schedule

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OSM_DAYS = dict(zip(DAYS, ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")))
EXAMPLES = "09:00-17:00, 9am-5pm, 09:00-12:00 and 13:00-17:00, 24 hours or closed"

_CLOSED = re.compile(r"^(?:(?:n/?a|not applicable)[\s,.:-]*)?(?:closed(?: all day)?|shut|off|none|no|not open)?$"
                     r"|^[-–—x]$")
_ALL_DAY = re.compile(r"^(?:open )?(?:24 ?(?:h|hr|hrs|hours)(?: a day)?|24/7|all day and night)$")
_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\+|/)\s*")
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|—|\bto\b|\btill\b|\buntil\b)\s*(.+)$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")   # 9, 9am, 09:30, 9.30, 0930
_BARE_HOUR = re.compile(r"^\d{1,2}$")
_WORDS = {"noon": (12, 0, None), "midday": (12, 0, None), "12 noon": (12, 0, None), "midnight": (24, 0, None)}


class DayError(ValueError):
    """A day's cell is not opening hours we can read; the message says which day, what it said and why."""


def schedule(cells: Mapping[str, Any]) -> str | None:
    """The OSM opening_hours string for day → cell (days as in DAYS); None when every cell is blank."""
    unknown = sorted(set(cells) - set(DAYS))
    if unknown:
        raise ValueError(f"not days of the week: {', '.join(unknown)} (use {', '.join(DAYS)})")
    hours: dict[str, list[tuple[str, str]] | None] = {}
    problems = []
    for day in DAYS:
        try:
            hours[day] = day_hours(cells.get(day))
        except ValueError as exc:
            problems.append(f"{day} {str(cells.get(day))[:60]!r}: {exc}")
    if problems:
        raise DayError("; ".join(problems))
    if all(h is None for h in hours.values()):
        return None
    ranges = {day: tuple(h or ()) for day, h in hours.items()}
    if all(r == (("00:00", "24:00"),) for r in ranges.values()):
        return "24/7"
    if not any(ranges.values()):
        return "off"
    groups: dict[tuple, list[str]] = {}
    for day in DAYS:
        if ranges[day]:
            groups.setdefault(ranges[day], []).append(day)
    rules = [f"{_day_list(days)} {','.join(f'{a}-{b}' for a, b in times)}" for times, days in groups.items()]
    try:
        return validate_schedule("; ".join(rules))
    except ValueError as exc:   # not expected from the rules built above; said plainly if it ever happens
        raise DayError(str(exc)) from None


def day_hours(value: Any) -> list[tuple[str, str]] | None:
    """One cell as [(opens, closes), …] in HH:MM; [] when closed, None when blank; ValueError when unreadable."""
    if value is None:
        return None
    text = " ".join(str(value).strip().lower().replace("\u2009", " ").split())
    if text == "":
        return None
    text = text.strip("()[] ")
    if _CLOSED.match(text):
        return []
    if _ALL_DAY.match(text):
        return [("00:00", "24:00")]
    ranges = []
    for part in _SEPARATORS.split(text):
        m = _RANGE.match(part)
        if not m:
            raise ValueError(f"not opening hours we can read (write them like {EXAMPLES})")
        ranges.append(_range(m.group(1), m.group(2)))
    return sorted(ranges)


def _range(start: str, end: str) -> tuple[str, str]:
    (h1, m1, s1), (h2, m2, s2) = _time(start), _time(end)
    h1 = 0 if h1 == 24 else h1   # opening at midnight
    if s1 is None and s2 is not None:
        # "10-4pm" is 10am to 4pm but "1-5pm" is 1pm to 5pm: the start takes the end's half of the day when that
        # keeps it before the end.
        h1 = _twelve(h1, s2) if _twelve(h1, s2) * 60 + m1 < _twelve(h2, s2) * 60 + m2 else _twelve(h1, _other(s2))
    elif s1 is not None:
        h1 = _twelve(h1, s1)
    if s2 is not None:
        h2 = _twelve(h2, s2)
        if h2 == 0 and m2 == 0:
            h2 = 24   # "6pm-12am" closes at midnight
    if (h1, m1) == (h2, m2):
        raise ValueError("opens and closes at the same time")
    if (h2, m2) < (h1, m1) and max(h1, h2) <= 12 and _BARE_HOUR.match(start.strip()) and _BARE_HOUR.match(end.strip()):
        # "9-5" is most likely 9am to 5pm, but a schedule must not guess: 05:00 the next morning is what it says.
        raise ValueError("say am or pm (9am-5pm) or use the 24-hour clock (09:00-17:00)")
    if h1 > 23 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError("not a time of day")
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"


def _time(text: str) -> tuple[int, int, str | None]:
    """'9.30am' → (9, 30, 'am'); '17:00' → (17, 0, None); ValueError for anything else."""
    text = text.strip()
    if text in _WORDS:
        return _WORDS[text]
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a time (write them like {EXAMPLES})")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    suffix = m.group(3).replace(".", "") if m.group(3) else None
    if minute > 59 or (suffix and not 1 <= hour <= 12):
        raise ValueError(f"{text!r} is not a time of day")
    return hour, minute, suffix


def _twelve(hour: int, suffix: str) -> int:
    """A 12-hour clock hour in 24-hour terms: 12am → 0, 12pm → 12, 5pm → 17."""
    if hour > 12:
        return hour
    return hour % 12 + (12 if suffix == "pm" else 0)


def _other(suffix: str) -> str:
    return "am" if suffix == "pm" else "pm"


def _day_list(days: list[str]) -> str:
    """['monday', 'tuesday', 'wednesday', 'friday'] → 'Mo-We,Fr': runs of three or more days as ranges."""
    index = [DAYS.index(d) for d in days]
    runs: list[list[int]] = []
    for i in index:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        names = [OSM_DAYS[DAYS[i]] for i in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) >= 3 else ",".join(names))
    return ",".join(parts)
