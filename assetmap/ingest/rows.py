"""What every export reads and writes rows with: which relations, a server-side cursor, and the text of a CSV cell.

Both the layer writers (`ingest.export`) and the HSDS package writer (`hsds.write`) use these.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

CHUNK = 20_000   # rows per GeoPackage write and per cursor round trip


def sources(internal: bool) -> tuple[str, str]:
    """The asset and offer relations to read: the privacy views, or, for an internal export, every asset with the
    shared columns and the offers table."""
    return ("asset_details", "capacity_offers") if internal else ("public_assets", "public_capacity_offers")


def stream(conn: psycopg.Connection, query: str | sql.Composable, params: dict | None = None) -> Iterator[tuple]:
    """Rows of `query` from a server-side cursor, CHUNK at a time (call inside a transaction)."""
    with conn.cursor(name=f"export_{uuid.uuid4().hex[:8]}", row_factory=tuple_row) as cur:
        cur.itersize = CHUNK
        cur.execute(query, params)
        yield from cur


def cell(value: Any) -> str:
    """A CSV cell: empty for NULL, ISO 8601 for times, `repr` precision for floats (so a round trip is exact)."""
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
