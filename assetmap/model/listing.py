"""Small reads for the public list page's filters."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row


@dataclass(frozen=True)
class NeighbourhoodName:
    code: str
    name: str


def neighbourhood_names(conn: psycopg.Connection) -> list[NeighbourhoodName]:
    """Every neighbourhood's code and name, by name."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute("SELECT code, name FROM neighbourhoods ORDER BY name, code").fetchall()
    return [NeighbourhoodName(code, name) for code, name in rows]
