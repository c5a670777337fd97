"""Needs waiting for a planner: a need made from a workshop note arrives `pending`, and a planner opens it (it joins
the capacity analyses and can be met) or turns it down (closed). Each decision is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from ..errors import NotFound
from . import audit
from .audit import Staff


@dataclass(frozen=True)
class PendingNeed:
    id: int
    title: str
    kind_label: str
    description: str
    quantity: float | None
    unit: str | None
    neighbourhood_name: str | None
    source: str
    created_at: datetime


def pending(conn: psycopg.Connection) -> list[PendingNeed]:
    rows = conn.cursor(row_factory=dict_row).execute("""
        SELECT d.id, d.title, k.label AS kind_label, d.description, d.quantity::float8 AS quantity, d.unit,
               n.name AS neighbourhood_name, d.source, d.created_at
          FROM capacity_needs d
          JOIN capacity_kinds k ON k.code = d.kind
          LEFT JOIN neighbourhoods n ON n.id = coalesce(d.neighbourhood_id, neighbourhood_at(d.geom))
         WHERE d.status = 'pending'
         ORDER BY d.created_at, d.id""").fetchall()
    return [PendingNeed(**r) for r in rows]


def decide(conn: psycopg.Connection, need_id: int, approve: bool, staff: Staff) -> None:
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # The audit row, with the whole need before and after, is the database's (migration 0028).
        audit.acting(cur, actor=audit.staff_actor(staff), user_id=staff.id,
                     action="approve" if approve else "reject")
        row = cur.execute("UPDATE capacity_needs SET status = %s WHERE id = %s AND status = 'pending' "
                          "RETURNING id, title", ("open" if approve else "closed", need_id)).fetchone()
        if row is None:
            raise NotFound("That need is no longer waiting: another planner may have decided it.")
