"""Controlled vocabularies: CSV files in data/, mirrored into tables of the same names."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from .config import project_root

# table → columns besides code (all text except sort_order)
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "categories": ("label", "description", "colour", "icon", "sort_order"),
    "capacity_kinds": ("label", "description", "sort_order"),
    "themes": ("label", "description", "sort_order"),
    "client_groups": ("label", "description", "sort_order"),
}


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    colour: str | None = None
    icon: str | None = None
    sort_order: int = 0


def data_dir() -> Path:
    return project_root() / "data"


def read_file(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    """Rows of data/<name>.csv."""
    with open((folder or data_dir()) / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sync(conn: psycopg.Connection, folder: Path | None = None) -> dict[str, int]:
    """Upsert every vocabulary file into its table, in one transaction; codes are never deleted."""
    counts = {}
    with conn.transaction():
        for table, columns in VOCABULARIES.items():
            rows = read_file(table, folder)
            cols = ("code", *columns)
            stmt = sql.SQL("INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT (code) DO UPDATE SET {sets}").format(
                t=sql.Identifier(table),
                cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
                vals=sql.SQL(", ").join(sql.Placeholder() * len(cols)),
                sets=sql.SQL(", ").join(
                    sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns))
            with conn.cursor() as cur:
                cur.executemany(stmt, [tuple(_value(c, r.get(c)) for c in cols) for r in rows])
            counts[table] = len(rows)
    return counts


def _value(column: str, raw: str | None):
    if column == "sort_order":
        return int(raw or 0)
    return (raw or "").strip()


def load(conn: psycopg.Connection, table: str) -> list[Term]:
    """A vocabulary as stored in the database, in display order."""
    if table not in VOCABULARIES:
        raise KeyError(table)
    cols = ("code", *VOCABULARIES[table])
    rows = conn.execute(
        sql.SQL("SELECT {cols} FROM {t} ORDER BY sort_order, label").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, cols)), t=sql.Identifier(table))).fetchall()
    return [Term(**(r if isinstance(r, dict) else dict(zip(cols, r)))) for r in rows]
