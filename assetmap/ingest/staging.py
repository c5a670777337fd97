"""What every importer shares: one transaction (rolled back on a dry run), COPY into TEMP staging tables, progress
reporting and geocoding the rows that come without coordinates."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from ..config import Settings
from ..geocode import GeocodeResult
from ..geocode.online import geocoder_for

PROGRESS_EVERY = 1000
T = TypeVar("T")


@contextmanager
def import_transaction(conn: psycopg.Connection, dry_run: bool) -> Iterator[psycopg.Cursor]:
    """One transaction for the whole import: committed at the end, or rolled back on error or dry run.

    On a connection already inside a transaction this is a savepoint, so a caller can group imports."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        yield cur
        if dry_run:
            raise psycopg.Rollback()


def stage(cur: psycopg.Cursor, table: str, columns: dict[str, str], rows: Iterable[tuple]) -> None:
    """COPY rows into a new TEMP table of the given columns (dropped at commit or rollback)."""
    name = sql.Identifier(table)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        name, sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns.items())))
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
            name, sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
        for row in rows:
            copy.write_row(row)
    # Without statistics the planner guesses 1,000-odd rows and picks nested loops for 100k-row joins.
    cur.execute(sql.SQL("ANALYZE {}").format(name))


class Ticker:
    """Calls progress(n) with the rows done since the last call, every PROGRESS_EVERY rows (matches bar.update)."""

    def __init__(self, progress: Callable[[int], None] | None):
        self.progress = progress
        self.pending = 0

    def tick(self, n: int = 1) -> None:
        self.pending += n
        if self.progress and self.pending >= PROGRESS_EVERY:
            self.progress(self.pending)
            self.pending = 0

    def flush(self) -> None:
        if self.progress and self.pending:
            self.progress(self.pending)
        self.pending = 0


def in_background(items: Iterator[T], ahead: int = 2) -> Iterator[T]:
    """The items of `items`, computed in a thread up to `ahead` items ahead of the caller.

    An importer checks rows in Python while the database writes the previous chunk: psycopg lets go of the GIL
    while it waits, so the two overlap on two cores. The producer must not touch the caller's connection. Its
    exception is raised here, in the caller; a caller that stops early stops the producer at its next item."""
    box: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                box.put((None, item))
            box.put((None, done))
        except BaseException as exc:  # handed to the caller, who re-raises it
            box.put((exc, None))

    thread = threading.Thread(target=produce, name="import rows", daemon=True)
    thread.start()
    try:
        while True:
            error, item = box.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():   # unblock a producer waiting on a full queue
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def stable_ref(*parts) -> str:
    """A source_ref for a row that has none: a hash of what identifies it, stable across re-imports and row order."""
    text = "\x1f".join("" if p is None else str(p).strip().lower() for p in parts)
    return "h:" + hashlib.sha1(text.encode()).hexdigest()[:20]



def location_query(fields: dict) -> str | None:
    """What to geocode for a row without coordinates: its postcode, else its address."""
    for key in ("postcode", "address"):
        value = fields.get(key)
        if value not in (None, "") and str(value).strip():
            return str(value).strip()
    return None


def has_coordinates(fields: dict) -> bool:
    return fields.get("lon") not in (None, "") and fields.get("lat") not in (None, "")


def geocode_missing(conn: psycopg.Connection, settings: Settings | None,
                    items: list[dict]) -> dict[str, GeocodeResult | None]:
    """Geocode, in one geocode_many call, the postcode or address of every item that has no lon/lat.

    The geocoder is the one the caller's settings configure (the gazetteer, then Nominatim when a URL is set), so
    the command line and the upload page place rows alike; None means the built-in defaults (gazetteer only)."""
    queries = {q for f in items if not has_coordinates(f) and (q := location_query(f))}
    if not queries:
        return {}
    return geocoder_for(conn, settings or Settings()).geocode_many(sorted(queries))
