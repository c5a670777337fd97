"""The planners' view of every request: a queue like moderation's, filtered by status, kind and neighbourhood.

Planners broker requests (answer for a holder who never reads mail, record an exchange for someone without the
link), so the queue shows private details; the web layer lets only staff in.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row, tuple_row

from .requests import VIEW, RequestView

# What a planner looks at, in words: a request's own status until it is accepted, then its exchange's.
STAGES = {
    "sent": ("Waiting for an answer", "r.status = 'sent'"),
    "agreed": ("Accepted, not recorded", "e.status = 'agreed'"),
    "recorded": ("Recorded, not confirmed", "e.status = 'recorded'"),
    "confirmed": ("Confirmed", "e.status = 'confirmed'"),
    "closed": ("Declined, withdrawn or did not happen",
               "(r.status IN ('declined', 'withdrawn') OR e.status = 'cancelled')"),
}
_STAGE_OF = """CASE WHEN r.status = 'sent' THEN 'sent' WHEN e.status IN ('agreed', 'recorded', 'confirmed')
                    THEN e.status ELSE 'closed' END"""


@dataclass(frozen=True)
class Queue:
    views: list[RequestView]
    counts: dict[str, int]   # stage → requests in it (under the kind and neighbourhood filters)
    more: bool


def queue(conn: psycopg.Connection, *, stage: str | None, kind: str | None, neighbourhood: str | None,
          limit: int = 50, offset: int = 0) -> Queue:
    """Requests at one stage (all when None), oldest waiting first, so nothing is left unanswered."""
    base = ["true"]
    params: dict = {}
    if kind:
        base.append("r.kind = %(kind)s")
        params["kind"] = kind
    if neighbourhood:
        base.append("(n.code = %(hood)s OR a.neighbourhood_id = (SELECT id FROM neighbourhoods WHERE code = %(hood)s))")
        params["hood"] = neighbourhood
    joins = " LEFT JOIN exchanges e ON e.request_id = r.id"
    where = " AND ".join(base)
    with conn.cursor(row_factory=tuple_row) as cur:
        counts = dict(cur.execute(
            f"SELECT {_STAGE_OF}, count(*) FROM capacity_requests r JOIN assets a ON a.id = r.asset_id "
            f"LEFT JOIN neighbourhoods n ON n.id = r.neighbourhood_id{joins} WHERE {where} GROUP BY 1",
            params).fetchall())
    chosen = f" AND {STAGES[stage][1]}" if stage else ""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            VIEW + joins + f" WHERE {where}{chosen} ORDER BY r.created_at, r.id LIMIT %(fetch)s OFFSET %(offset)s",
            params | {"fetch": limit + 1, "offset": offset}).fetchall()
    return Queue([RequestView(**r) for r in rows[:limit]], {s: counts.get(s, 0) for s in STAGES},
                 len(rows) > limit)


def open_needs(conn: psycopg.Connection, kind: str) -> list[dict]:
    """Open needs of a kind, for proposing an offer to one."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT d.id, d.title, n.name AS neighbourhood_name FROM capacity_needs d "
            "LEFT JOIN neighbourhoods n ON n.id = d.neighbourhood_id WHERE d.status = 'open' AND d.kind = %s "
            "ORDER BY n.name NULLS LAST, d.title", (kind,)).fetchall()
