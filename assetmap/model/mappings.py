"""Column mappings saved from the upload page's matching step, found again by source and column set.

A saved mapping is the command line's mapping file (see `ingest/asset_mapping.py`) with who saved it and when; saving
one again for the same source and columns replaces it (and writes an audit row, as every planner's change does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from . import audit


@dataclass(frozen=True)
class SavedMapping:
    id: int
    source: str
    columns: tuple[str, ...]
    mapping: dict[str, Any]
    saved_by: str | None       # the planner's name or email, if their account still exists
    updated_at: dt.datetime


def columns_key(columns: Iterable[str]) -> str:
    """The same key for the same set of column names, whatever their order in the file."""
    return hashlib.sha256("\x1f".join(sorted(set(columns))).encode()).hexdigest()


_SELECT = """
    SELECT m.id, m.source, m.columns, m.mapping, nullif(coalesce(nullif(u.display_name, ''), u.email), '') AS saved_by,
           m.updated_at
      FROM import_mappings m LEFT JOIN users u ON u.id = m.saved_by"""


def _saved(row: dict) -> SavedMapping:
    return SavedMapping(row["id"], row["source"], tuple(row["columns"]), row["mapping"], row["saved_by"],
                        row["updated_at"])


def find(conn: psycopg.Connection, source: str, columns: Iterable[str]) -> SavedMapping | None:
    """The mapping saved for this source and column set; else the latest saved for the same columns; else None."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(_SELECT + """
             WHERE m.columns_key = %(key)s
             ORDER BY m.source = %(source)s DESC, m.updated_at DESC, m.id DESC
             LIMIT 1""", {"key": columns_key(columns), "source": source}).fetchone()
    return _saved(row) if row else None


def get(conn: psycopg.Connection, mapping_id: int) -> SavedMapping | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(_SELECT + " WHERE m.id = %s", (mapping_id,)).fetchone()
    return _saved(row) if row else None


def save(conn: psycopg.Connection, source: str, columns: Iterable[str], mapping: dict[str, Any],
         user: audit.Staff) -> int:
    """Keep this mapping for the source and column set (replacing an older one); its id."""
    columns = sorted(set(columns))
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("""
            INSERT INTO import_mappings (source, columns_key, columns, mapping, saved_by)
            VALUES (%(source)s, %(key)s, %(columns)s, %(mapping)s, %(user_id)s)
            ON CONFLICT (source, columns_key) DO UPDATE
               SET columns = EXCLUDED.columns, mapping = EXCLUDED.mapping, saved_by = EXCLUDED.saved_by
            RETURNING id, (xmax = 0) AS inserted""",
            {"source": source, "key": columns_key(columns), "columns": columns, "mapping": Jsonb(mapping),
             "user_id": user.id}).fetchone()
        audit.write(cur, actor=audit.staff_actor(user), action="create" if row["inserted"] else "update",
                    entity="import_mappings", entity_id=row["id"], after={"source": source, "mapping": mapping},
                    user_id=user.id)
    return row["id"]
