"""Controlled vocabularies: CSV files in data/, mirrored into tables of the same names."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql

from .config import project_root

# table → columns besides code, in the order their files are synced (units before the kinds that name one, groups
# before their categories).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "units": ("label", "description", "singular", "plural", "max_quantity", "sort_order"),
    "costs": ("label", "description", "sort_order"),
    "category_groups": ("label", "description", "colour", "shape", "sort_order"),
    "categories": ("label", "description", "group_code", "icon", "sort_order"),
    "capacity_kinds": ("label", "description", "default_unit", "sort_order", "totals_only"),
    "themes": ("label", "description", "sort_order"),
    "client_groups": ("label", "description", "sort_order"),
}
_NUMBERS = {"sort_order": int, "max_quantity": float}
_BOOLEANS = {"totals_only"}
_NULLABLE = {"default_unit", "group_code"}   # foreign keys: empty in the file means none
# Columns a table has that its file does not: a category's colour is its group's, set by sync().
_DERIVED = {"categories": ("colour",)}


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    sort_order: int = 0
    colour: str | None = None          # category groups, and categories (their group's): marker and legend colour
    shape: str | None = None           # category groups: marker and legend shape (a symbol on the map page)
    group_code: str | None = None      # categories: the group that gives them colour and shape
    icon: str | None = None            # categories: Font Awesome icon name
    singular: str | None = None        # units: "hour a week", read after a quantity of 1
    plural: str | None = None          # units: "hours a week"
    max_quantity: float | None = None  # units: the most one offer may give
    default_unit: str | None = None    # capacity kinds: the unit a new offer starts with
    totals_only: bool = False          # capacity kinds: a private home's offers are published as totals only


def data_dir() -> Path:
    return project_root() / "data"


def read_file(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    """Rows of data/<name>.csv."""
    with open((folder or data_dir()) / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_terms(name: str, folder: Path | None = None) -> list[Term]:
    """A vocabulary as its file in data/ has it, in display order (for code that runs without a database)."""
    columns = ("code", *VOCABULARIES[name])
    terms = [Term(**{c: _value(c, r.get(c)) for c in columns}) for r in read_file(name, folder)]
    if name == "categories":
        colours = {g.code: g.colour for g in read_terms("category_groups", folder)}
        terms = [replace(t, colour=colours.get(t.group_code)) for t in terms]
    return sorted(terms, key=lambda t: (t.sort_order, t.label))


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
        # The palette lives once, in the groups' file; a category's colour is its group's.
        conn.execute("""
            UPDATE categories c SET colour = g.colour FROM category_groups g
             WHERE g.code = c.group_code AND c.colour IS DISTINCT FROM g.colour""")
    return counts


def _value(column: str, raw: str | None):
    if column in _BOOLEANS:
        return (raw or "").strip().lower() in ("true", "yes", "1")
    if column in _NUMBERS:
        return _NUMBERS[column](raw or 0)
    text = (raw or "").strip()
    return None if column in _NULLABLE and not text else text


def load(conn: psycopg.Connection, table: str) -> list[Term]:
    """A vocabulary as stored in the database, in display order."""
    if table not in VOCABULARIES:
        raise KeyError(table)
    cols = ("code", *VOCABULARIES[table], *_DERIVED.get(table, ()))
    rows = conn.execute(
        sql.SQL("SELECT {cols} FROM {t} ORDER BY sort_order, label").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, cols)), t=sql.Identifier(table))).fetchall()
    terms = [Term(**(r if isinstance(r, dict) else dict(zip(cols, r)))) for r in rows]
    return [replace(t, max_quantity=float(t.max_quantity)) if t.max_quantity is not None else t for t in terms]


def codes(conn: psycopg.Connection, table: str) -> list[str]:
    """The codes of a vocabulary, in display order."""
    return [t.code for t in load(conn, table)]


def quantity_in_words(quantity: float | None, unit: str | None, units: dict[str, Term]) -> str:
    """10, 'hours_per_week' → '10 hours a week' (`units` by code, as the units vocabulary has them); '' when
    there is no quantity. static/js/public-map.js says it the same way, from the same words."""
    if quantity is None or unit is None:
        return ""
    number = f"{quantity:g}" if quantity != int(quantity) else str(int(quantity))
    term = units.get(unit)
    singular, plural = (term.singular, term.plural) if term else (unit.replace("_", " "),) * 2
    return f"{number} {singular if quantity == 1 else plural}"
