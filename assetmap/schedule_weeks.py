"""How much of a week a schedule is open, for the capacity analyses: its hours a week and its 5-minute slots.

A schedule (OSM opening_hours) is expanded by opening-hours-py — the parser that validates it on the way in — over
one reference week, Monday 3 March 2025 00:00 to the next Monday: a term-time week with no bank holiday, so `PH off`
and `SH off` take nothing away. Only time the schedule is *open* counts (not "unknown", such as a comment-only rule).

- `hours`: the open time in hours, exact (`Tu 18:00-21:00` is 3.0; `Mo-Fr 09:00-17:30` is 42.5);
- `slots`: 2016 characters, one per 5 minutes from Monday 00:00, "1" where any part of the slot is open. Two
  schedules can meet when their slots share a "1" (`bit_count(a.slots & b.slots) > 0` in SQL).

Both are kept per distinct schedule text in the table `schedule_weeks` (migration 0010), so SQL — the analyses, a
planner's QGIS — reads them without a parser. Whatever writes offers or needs calls `remember`; `refresh` (run by
`assetmap db migrate` and before each capacity analysis) adds any that are missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import psycopg
from opening_hours import OpeningHours, ParserError, State
from psycopg.rows import tuple_row

REFERENCE_MONDAY = datetime(2025, 3, 3)
SLOT_MINUTES = 5
SLOTS = 7 * 24 * 60 // SLOT_MINUTES


@dataclass(frozen=True)
class Week:
    hours: float
    slots: str


@lru_cache(maxsize=4096)
def week(schedule: str | None) -> Week | None:
    """The reference week of a schedule; None when there is no schedule or it does not parse."""
    text = (schedule or "").strip()
    if not text:
        return None
    try:
        parsed = OpeningHours(text)
    except ParserError:
        return None
    end = REFERENCE_MONDAY + timedelta(days=7)
    slots = bytearray(b"0" * SLOTS)
    seconds = 0.0
    for start, stop, state, _comment in parsed.intervals(REFERENCE_MONDAY, end):
        if state != State.OPEN:
            continue
        stop = min(stop, end)
        seconds += (stop - start).total_seconds()
        first = int((start - REFERENCE_MONDAY).total_seconds() // (SLOT_MINUTES * 60))
        last = -int(-(stop - REFERENCE_MONDAY).total_seconds() // (SLOT_MINUTES * 60))   # ceiling
        slots[first:last] = b"1" * (last - first)
    return Week(hours=seconds / 3600, slots=slots.decode())


_UPSERT = """
INSERT INTO schedule_weeks (schedule, hours, slots)
SELECT s, h, b::bit(2016) FROM unnest(%(schedules)s::text[], %(hours)s::float8[], %(slots)s::text[]) AS t(s, h, b)
ON CONFLICT (schedule) DO UPDATE SET hours = EXCLUDED.hours, slots = EXCLUDED.slots
 WHERE (schedule_weeks.hours, schedule_weeks.slots) IS DISTINCT FROM (EXCLUDED.hours, EXCLUDED.slots)
"""


def remember(conn: psycopg.Connection | psycopg.Cursor, schedules: Iterable[str | None]) -> int:
    """Store the weeks of these schedules (those that parse); the number of rows written or changed."""
    found = {s: w for s in set(schedules) if (w := week(s)) is not None}
    if not found:
        return 0
    names = sorted(found)
    return conn.execute(_UPSERT, {"schedules": names, "hours": [found[s].hours for s in names],
                                  "slots": [found[s].slots for s in names]}).rowcount


_MISSING = """
SELECT schedule FROM capacity_offers WHERE schedule IS NOT NULL
UNION SELECT schedule FROM capacity_needs WHERE schedule IS NOT NULL
EXCEPT SELECT schedule FROM schedule_weeks
"""


def refresh(conn: psycopg.Connection, *, everything: bool = False) -> int:
    """Store the weeks of the offers' and needs' schedules that have none yet (all of them, recomputed, with
    `everything`, as `db migrate` does so a change to this module reaches stored rows); rows written."""
    query = _MISSING.replace("EXCEPT SELECT schedule FROM schedule_weeks", "") if everything else _MISSING
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:   # whatever rows the caller's conn makes
        return remember(conn, [r[0] for r in cur.execute(query)])
