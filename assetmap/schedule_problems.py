"""What is wrong with a schedule that does not parse, in words a resident can act on.

The parser (opening-hours-py) says where it stopped and which grammar rules it expected there ("expected
timespan_plus"): right for a programmer, no help on a form. `problem` looks at what was typed, most telling mistake
first (the 12-hour clock, day names, a dot in a time, …), then at the word where the parser stopped, and says what
the mistake is and how to write it instead. The parser's own message never reaches a person.
"""

from __future__ import annotations

import re

from opening_hours import OpeningHours, ParserError

from .schedules import DAYS

EXAMPLE = "Tu,Th 18:00-21:00"
HOW = "write days as two letters (Mo Tu We Th Fr Sa Su) and times as hours and minutes, like " + EXAMPLE

# Day words people type, beyond the names themselves ("Tuesday", "Tues" → "Tu"), and how the format writes them.
DAY_WORDS = {"weekday": "Mo-Fr", "weekdays": "Mo-Fr", "weekend": "Sa,Su", "weekends": "Sa,Su", "daily": "Mo-Su",
             "everyday": "Mo-Su"}
_DAY_WORD = re.compile(r"\b(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
                       r"|sat(?:urday)?|sun(?:day)?)s?\b|\b(?:week(?:day|end)s?|daily|everyday)\b", re.I)
_TWELVE_HOUR = re.compile(r"\b(\d{1,2})(?:[:.](\d\d))?\s*([ap])\.?m\b\.?", re.I)
_CLOCK_WORD = re.compile(r"\b(noon|midday|midnight)\b", re.I)
_DOT_TIME = re.compile(r"\b\d{1,2}[.h]\d\d\b")
_FOUR_DIGITS = re.compile(r"\b([0-2]\d)([0-5]\d)\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{1,2})\b")
_BARE_HOURS = re.compile(r"(?<![\d:])\d{1,2}(?![\d:])")
_JOINED_BY_WORD = re.compile(r"\d\d:\d\d\s+(to|till|until|til)\s+\d", re.I)
_CODE = "(?:" + "|".join(DAYS) + ")"
_DAYS_JOINED = re.compile(rf"\b{_CODE}\s*(&|/|\+|\band\b)\s*{_CODE}\b", re.I)
_HOLIDAY = re.compile(r"\b(?:bank|public)\s+holidays?\b", re.I)
_POSITION = re.compile(r"-->\s*\d+:(\d+)")


def problem(text: str) -> str | None:
    """None when `text` is a schedule; else what is wrong with it, as a phrase (no full stop)."""
    try:
        OpeningHours(text)
        return None
    except ParserError as exc:
        message = str(exc)
    found = _POSITION.search(message)
    word = _word_at(text, int(found.group(1)) - 1 if found else 0)
    typed = re.sub(r'"[^"]*"', '""', text)   # what a note in quotes says is never the mistake
    for check in (_clock, _except, _day_names, _dots, _out_of_range, _joined, _notes):
        said = check(typed, word)
        if said:
            return said
    return _at_word(text, word, message)


def _word_at(text: str, index: int) -> str:
    """The word the parser stopped in, or the one before when it stopped on a space or at the end."""
    words = list(re.finditer(r'"[^"]*"?|[^\s"]+', text))   # a note in quotes is one word
    at = next((i for i, m in enumerate(words) if m.start() <= index < m.end()), None)
    if at is None:
        at = max((i for i, m in enumerate(words) if m.end() <= index), default=None)
        if at is None:
            return ""
    note = words[at].group(0)
    if len(note) > 1 and note[0] == note[-1] == '"' and at + 1 < len(words):
        at += 1   # a closed note is never the mistake: what follows it is
    return words[at].group(0)


def _quoted(word: str) -> str:
    return f"“{word[:30]}”"


def _clock(typed: str, word: str) -> str | None:
    m = _TWELVE_HOUR.search(typed)
    if m:
        hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
        return (f"{_quoted(m.group(0).strip())} is on the 12-hour clock: write times on the 24-hour clock as hours "
                f"and minutes, so {m.group(0).strip()} is {hour:02d}:{m.group(2) or '00'}")
    m = _CLOCK_WORD.search(typed)
    if m:
        time = "12:00" if m.group(1).lower() != "midnight" else "00:00 (or 24:00 at the end of a time)"
        return f"write {_quoted(m.group(1))} as a time: {time}"
    return None


def _day_names(typed: str, word: str) -> str | None:
    m = _DAY_WORD.search(typed)
    if m:
        name = m.group(0)
        code = DAY_WORDS.get(name.lower()) or name[:2].capitalize()
        return (f"{_quoted(name)} is not how days are written: use two letters (Mo Tu We Th Fr Sa Su), "
                f"so {name} is {code}")
    return None


def _except(typed: str, word: str) -> str | None:
    m = re.search(r"\b(except|but not|apart from)\b", typed, re.I)
    if m:
        return f"to leave days out, add them as closed instead of {_quoted(m.group(1))}: like Mo-Fr 09:00-17:00; We off"
    return None


def _dots(typed: str, word: str) -> str | None:
    m = _DOT_TIME.search(typed)
    if m:
        return (f"{_quoted(m.group(0))} needs a colon between the hours and the minutes: "
                f"{re.sub(r'[.h]', ':', m.group(0)).zfill(5)}")
    m = _FOUR_DIGITS.search(word)
    if m:
        return f"{_quoted(m.group(0))} needs a colon between the hours and the minutes: {m.group(1)}:{m.group(2)}"
    return None


def _out_of_range(typed: str, word: str) -> str | None:
    for m in _TIME.finditer(typed):
        hour, minute = int(m.group(1)), int(m.group(2))
        starts = typed[m.end():m.end() + 1] == "-"
        if minute > 59 or len(m.group(2)) != 2:
            return f"{_quoted(m.group(0))} is not a time: minutes go from 00 to 59, with two digits"
        if hour > 24 and not typed[:m.start()].endswith("-"):   # an end past midnight may be 26:00
            return f"{_quoted(m.group(0))} is not a time: hours go from 00 to 24"
        if starts and hour > 23:
            return f"{_quoted(m.group(0))} cannot start a time: starts go from 00:00 to 23:59 (midnight is 00:00)"
    return None


def _joined(typed: str, word: str) -> str | None:
    m = _JOINED_BY_WORD.search(typed)
    if m:
        return f"join the start and end of a time with a dash, not {_quoted(m.group(1))}: like 18:00-21:00"
    m = _DAYS_JOINED.search(typed)
    if m:
        return f"separate days with commas, not {_quoted(m.group(1))}: like Tu,Th"
    if _HOLIDAY.search(typed):
        return "write bank holidays as PH: add “; PH off” to say it is closed on them"
    return None


def _notes(typed: str, word: str) -> str | None:
    if typed.count('"') % 2:   # quoted notes were emptied above: a quote left over was never closed
        return 'a note in double quotes needs a closing quote, like Mo-Fr 09:00-17:00 "by appointment"'
    if word.startswith("("):
        return 'put notes in double quotes, not brackets, like Mo-Fr 09:00-17:00 "by appointment"'
    return None


def _at_word(text: str, word: str, message: str) -> str:
    """What the parser's position says, when nothing typed above explains it."""
    expected = message.strip().splitlines()[-1]
    if ("rule_separator" in expected and "unexpected" in expected) or text.rstrip().endswith(";"):
        return "there is a “;” with nothing after it: remove it, or add the days and times that follow it"
    if "timespan_plus" in expected or "extended_time" in expected:
        return f"{_quoted(word.rstrip('-'))} needs an end time as well as a start, like 18:00-21:00"
    if word.endswith(":") and re.fullmatch(r"[A-Za-z,-]+:", word):
        return (f"leave out the colon after {_quoted(word[:-1])}: the days, a space, then the times, "
                "like Mo-Fr 09:00-17:00")
    if _BARE_HOURS.fullmatch(word.split("-")[0] or "x"):
        return f"{_quoted(word)} has no minutes: write times as hours and minutes, like 09:00-17:00"
    after_times = re.search(r"\d\d:\d\d", text[:text.find(word)])
    if after_times and (re.fullmatch(rf"{_CODE}\S*", word, re.I) or word.lower() in ("and", "&", "also")):
        return "put a “;” between two sets of days and times, like Tu 18:00-21:00; Th 10:00-12:00"
    if word:
        return f"{_quoted(word)} is not a day or a time: {HOW}"
    return HOW
