"""Schedules (OSM opening_hours text) in plain English, for the people who read the map, pages and exports.

`in_words("Tu,Th 18:00-21:00")` → "Tuesdays and Thursdays, 6pm to 9pm". The text is first normalised by
opening-hours-py, which applies the format's own rules: a later rule for a day replaces an earlier one, `Su off`
after `Mo-Su` takes Sunday out, `Mo-Su 00:00-24:00` is `24/7`. So the words say what the schedule means, not only
what it says. Rules of the common forms (days, times, closed days, bank and school holidays, "the first Monday of
the month", and months, dates, weeks or years before them) become a sentence; any other rule (Easter, times
relative to sunrise, fallback rules) is shown as written with its days, months and times spelt out: readable, and
never claiming more than the text does.

The words are stored beside the text (capacity_offers.schedule_text, migration 0008) by whatever writes an offer,
so the API, pages and exports read the same words; `refresh_words` brings stored words up to date, and runs on
every `assetmap db migrate`. What is wrong with a schedule that does not parse is `schedule_problems.problem`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import psycopg
from opening_hours import OpeningHours, ParserError
from psycopg.rows import tuple_row

DAYS = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday", "Sa": "Saturday",
        "Su": "Sunday"}
MONTHS = {"Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April", "May": "May", "Jun": "June",
          "Jul": "July", "Aug": "August", "Sep": "September", "Oct": "October", "Nov": "November", "Dec": "December"}
HOLIDAYS = {"PH": "bank holidays", "SH": "school holidays"}
NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}

_DAY = "(?:" + "|".join(DAYS) + ")"
_MONTH = "(?:" + "|".join(MONTHS) + ")"
_NTH = r"(?:[1-5]|-[12])"   # the weeks of a month NTH can name; others are spelt out
_DAY_ITEM = rf"(?:{_DAY}(?:-{_DAY}|\[{_NTH}(?:,{_NTH})*\])?|PH|SH)"
_DAY_SELECTOR = re.compile(rf"{_DAY_ITEM}(?:,{_DAY_ITEM})*")
_MONTH_SELECTOR = re.compile(rf"{_MONTH}(?:-{_MONTH})?(?:,{_MONTH}(?:-{_MONTH})?)*")
_TIME = r"(?:[0-4]\d:[0-5]\d|sunrise|sunset|dawn|dusk)"
_SPAN = rf"{_TIME}(?:-{_TIME}|\+)"
_SPANS = re.compile(rf"{_SPAN}(?:,{_SPAN})*")
# Rules end at ";" or at the ", " of an additional rule, but never inside a quoted comment.
_RULE_END = re.compile(r'(?:;|,\s+)(?=(?:[^"]*"[^"]*")*[^"]*$)')
_TOKEN = re.compile(r'"[^"]*"|\S+')


def words(schedule: str | None) -> str | None:
    """The words for a stored schedule, None when there is none: what the writers of offers store."""
    return in_words(schedule) if schedule and schedule.strip() else None


def checked_words(text: str | None) -> str | None:
    """The words for typed text that is a schedule; None when it is blank or is not one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        OpeningHours(text)
    except ParserError:
        return None
    return in_words(text)


@lru_cache(maxsize=4096)   # importers word the same few schedules thousands of times
def in_words(text: str) -> str:
    """A schedule in plain English. Text that is no schedule at all comes back as it was written."""
    text = text.strip()
    try:
        normal = str(OpeningHours(text).normalize())
    except ParserError:
        return text
    if "||" in normal:   # a fallback rule ("otherwise …"): too rare to phrase, and easy to phrase wrongly
        return _capital(_spelt_out(text))
    # A rule that is only a comment ("by appointment") normalises to `24/7 "…"`: the comment is all it says.
    only_comment = "24/7" not in text
    rules = [_rule(r.strip(), only_comment) for r in _RULE_END.split(normal) if r.strip()]
    return _capital("; ".join(rules))


# What a rule may start with, before its days: a year, then dates, months or weeks (normalised spellings).
_DATE = rf"{_MONTH} \d{{1,2}}(?:-(?:{_MONTH} )?\d{{1,2}})?"
_WEEK = r"week\d\d(?:-\d\d)?(?:/\d+)?"
_SCOPE = re.compile(rf"(?:(?P<year>\d{{4}}(?:-\d{{4}})?)\s*)?"
                    rf"(?:(?:(?P<date>{_DATE})|(?P<months>{_MONTH_SELECTOR.pattern})|(?P<week>{_WEEK}))(?:\s+|$))?")


def _rule(rule: str, only_comment: bool) -> str:
    """One normalised rule as a phrase; spelt out when it is not of a form a sentence can be trusted with."""
    scope = _SCOPE.match(rule)
    tokens = _TOKEN.findall(rule[scope.end():])
    always = tokens[:1] == ["24/7"]
    days = spans = modifier = comment = None
    if always:
        tokens.pop(0)
    elif tokens and _DAY_SELECTOR.fullmatch(tokens[0]):
        days = tokens.pop(0)
    if not always and tokens and _SPANS.fullmatch(tokens[0]):
        spans = tokens.pop(0)
    if tokens and tokens[0] in ("closed", "off", "open", "unknown"):
        modifier = tokens.pop(0)
    if tokens and tokens[0].startswith('"'):
        comment = tokens.pop(0).strip('"')
    closed = modifier in ("closed", "off")
    if tokens or (closed and spans):
        return _spelt_out(rule)
    place, preposition = _scope_words(scope)
    when = _days(days) if days else ""
    if closed:
        on = f"{'in' if days == 'SH' else 'on'} {when}" if days else ""
        phrase = f"{place}: closed {on}" if place and days else _words("closed", on, place and preposition, place)
    elif always and comment and only_comment and not place:
        return comment
    else:
        # Without times a comment says more than "24 hours" would: 'Mo "by appointment"' is "Mondays (by …)".
        hours = _spans(spans) if spans or always or not (comment or modifier == "unknown") else ""
        if days:
            phrase = _comma(f"{place}: {when}" if place else when, hours)
        elif place and (scope.group("date") or not hours):
            phrase = _comma(place, hours)     # one date or a few: "every day" would say too much
        else:
            phrase = _comma(f"{place}: every day" if place else "every day", hours)
    if modifier == "unknown":
        phrase += " (times not certain)"
    return f"{phrase} ({comment})" if comment else phrase


def _words(*words: str) -> str:
    return " ".join(w for w in words if w)


def _comma(first: str, second: str) -> str:
    return f"{first}, {second}" if second else first


def _scope_words(scope: re.Match) -> tuple[str, str]:
    """What a rule's year, dates, months or weeks say, and the word before it after "closed" ("in", "on")."""
    year = scope.group("year")
    year_words = year.replace("-", " to ") if year else ""
    if scope.group("date"):
        return f"{_dates(scope.group('date'))} {year_words}".strip(), "on"
    if scope.group("months"):
        return f"{_months(scope.group('months'))} {year_words}".strip(), "in"
    if scope.group("week"):
        return _weeks(scope.group("week")) + (f" of {year_words}" if year else ""), ""
    return year_words, "in"


def _dates(selector: str) -> str:
    """'Dec 25' → '25 December'; 'Dec 24-Dec 26' → '24 to 26 December'; 'Dec 24-Jan 2' → '24 December to 2 January'."""
    m = re.fullmatch(r"(\w{3}) (\d+)(?:-(?:(\w{3}) )?(\d+))?", selector)
    first = f"{int(m[2])} {MONTHS[m[1]]}"
    if not m[4]:
        return first
    if (m[3] or m[1]) == m[1]:
        return f"{int(m[2])} to {int(m[4])} {MONTHS[m[1]]}"
    return f"{first} to {int(m[4])} {MONTHS[m[3]]}"


def _weeks(selector: str) -> str:
    """'week01-53/2' → 'every other week (weeks 1, 3, 5 and so on)'; 'week10-20' → 'weeks 10 to 20'."""
    m = re.fullmatch(r"week(\d\d)(?:-(\d\d))?(?:/(\d+))?", selector)
    first, last, step = int(m[1]), int(m[2] or m[1]), int(m[3] or 1)
    if step == 1:
        return f"week {first}" if first == last else f"weeks {first} to {last}"
    every = "every other week" if step == 2 else f"every {step} weeks"
    until = f", up to week {last}" if last < 52 else ""
    return f"{every} (weeks {first}, {first + step}, {first + 2 * step} and so on{until})"


def _days(selector: str) -> str:
    """'Mo-We,Fr' → 'Mondays to Wednesdays and Fridays'; 'Mo[1,3]' → 'the first and third Mondays of the month'."""
    order = list(DAYS)
    parts = []
    for item in re.findall(_DAY_ITEM, selector):
        if item in HOLIDAYS:
            parts.append(HOLIDAYS[item])
        elif "[" in item:
            nths = [NTH[int(n)] for n in item[3:-1].split(",")]
            plural = "s" if len(nths) > 1 else ""
            parts.append(f"the {_and(nths)} {DAYS[item[:2]]}{plural} of the month")
        elif "-" in item:
            first, last = order.index(item[:2]), order.index(item[3:])
            length = (last - first) % 7 + 1
            if length == 7:
                parts.append("every day")
            elif length == 2:   # "Sa-Su" reads better as two days than as a range
                parts += [DAYS[item[:2]] + "s", DAYS[item[3:]] + "s"]
            else:
                parts.append(f"{DAYS[item[:2]]}s to {DAYS[item[3:]]}s")
        else:
            parts.append(DAYS[item] + "s")
    return _and(parts)


def _months(selector: str) -> str:
    order = list(MONTHS)
    parts = []
    for item in selector.split(","):
        if "-" not in item:
            parts.append(MONTHS[item])
        elif (order.index(item[4:]) - order.index(item[:3])) % 12 == 1:
            parts += [MONTHS[item[:3]], MONTHS[item[4:]]]
        else:
            parts.append(f"{MONTHS[item[:3]]} to {MONTHS[item[4:]]}")
    return _and(parts)


def _spans(spans: str | None) -> str:
    """'10:00-13:00,14:00-17:00' → '10am to 1pm and 2pm to 5pm'; no times at all is the whole day."""
    if spans is None or spans == "00:00-24:00":
        return "24 hours"
    parts = []
    for span in spans.split(","):
        if span.endswith("+"):
            parts.append(f"from {clock(span[:-1])}")
        else:
            start, end = span.split("-")
            parts.append(f"{clock(start)} to {clock(end)}")
    return _and(parts)


def clock(time: str) -> str:
    """'18:00' → '6pm', '08:30' → '8:30am', '12:00' → 'midday', '26:00' (past midnight) → '2am'."""
    if not time[:1].isdigit():
        return time   # sunrise, sunset, dawn, dusk
    hour, minute = int(time[:2]) % 24, int(time[3:5])
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "midday"
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"


_NAMES = re.compile(r"\b(?:" + "|".join([*DAYS, *MONTHS, *HOLIDAYS, "off", "closed"]) + r")\b")
_CLOCK = re.compile(r"\b[0-4]\d:[0-5]\d\b")
_RANGE = re.compile(r"(?<=[a-z0-9])-(?=[A-Za-z0-9])")
_KEEP = re.compile(r'("[^"]*"|\([^)]*\))')   # comments, and offsets such as (sunrise-01:00), stay as written


def _spelt_out(rule: str) -> str:
    """A rule too unusual for a sentence, as written but with its days, months and times in words."""
    out = []
    for i, piece in enumerate(_KEEP.split(rule)):
        if i % 2:
            out.append(f"({piece[1:-1]})" if piece.startswith('"') else piece)
            continue
        piece = piece.replace("24/7", "every day, 24 hours").replace("||", " or ")
        piece = _CLOCK.sub(lambda m: clock(m.group(0)), piece)
        piece = _NAMES.sub(lambda m: {**DAYS, **MONTHS, **HOLIDAYS}.get(m.group(0), "closed"), piece)
        out.append(_RANGE.sub(" to ", piece))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_REFRESH = """
    UPDATE capacity_offers o SET schedule_text = w.words
      FROM unnest(%(schedules)s::text[], %(words)s::text[]) AS w (schedule, words)
     WHERE o.schedule = w.schedule AND o.schedule_text IS DISTINCT FROM w.words"""


def refresh_words(conn: psycopg.Connection) -> int:
    """Store today's words for every offer whose stored words differ (written before migration 0008, by hand, or
    before the wording last changed); the number of offers changed. A second run changes nothing."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        found = [r[0] for r in cur.execute(
            "SELECT DISTINCT schedule FROM capacity_offers WHERE schedule IS NOT NULL")]
        changed = cur.execute(_REFRESH, {"schedules": found, "words": [in_words(s) for s in found]}).rowcount
        changed += cur.execute("UPDATE capacity_offers SET schedule_text = NULL "
                               "WHERE schedule IS NULL AND schedule_text IS NOT NULL").rowcount
    return changed
