"""Fixed-window rate limits kept in PostgreSQL, so every worker and machine shares one count per client."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row

from .errors import AssetMapError

_RULE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class RateLimited(AssetMapError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(f"Too many submissions from your connection. Please try again in "
                         f"{_plural(retry_after)}.")
        self.retry_after = retry_after


def _plural(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class Rule:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rule:
        """'10/hour' → Rule(10, 3600)."""
        m = _RULE.match(text)
        if not m or int(m.group(1)) < 1:
            raise ValueError(f"{text!r} is not a rate such as 10/hour")
        return cls(int(m.group(1)), _SECONDS[m.group(2)])


def hit(conn: psycopg.Connection, key: str, rule: Rule) -> None:
    """Count one hit for `key`; raise RateLimited when the window's limit is passed."""
    with conn.cursor(row_factory=tuple_row) as cur:
        hits, retry = cur.execute("""
            WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / %(s)s) * %(s)s) AS start)
            INSERT INTO rate_limits (key, window_start, hits)
            SELECT %(key)s, w.start, 1 FROM w
            ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
            RETURNING hits, ceil(extract(epoch FROM window_start + make_interval(secs => %(s)s) - now()))::int
        """, {"key": key, "s": rule.seconds}).fetchone()
        if hits == 1:
            # Cheap housekeeping on the first hit of a window: old windows are useless.
            cur.execute("DELETE FROM rate_limits WHERE window_start < now() - interval '2 days'")
    if hits > rule.limit:
        raise RateLimited(max(retry, 1))
