"""Schema migrations: numbered .sql files applied in order, each in its own transaction; then the repeatable SQL.

A session-level advisory lock makes concurrent `assetmap db migrate` runs (two workers starting, two terminals)
wait for each other instead of applying the same file twice. Each applied file is recorded with a checksum, so an
edit to a migration that has already run is caught instead of silently diverging.

Repeatable SQL (`assetmap/analysis/sql/*.sql`: the analyses' functions) is not numbered: the files are re-applied,
in name order and all in one transaction, whenever any of them differs from what the database last ran. Before
they run, every function named `analysis_*` is dropped, so a function renamed or removed from the files does not
linger and a changed signature needs no hand-written DROP.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from .. import schedule_weeks, schedules

# Any constant works; it only has to be the same for every process migrating this database.
MIGRATION_LOCK_KEY = 0x61737365746D6170  # "assetmap" in ASCII, as a bigint

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaError(RuntimeError):
    """The database schema is not what this code expects; the message says what to run."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def available() -> list[Migration]:
    """The migrations shipped with this package, in order."""
    found = []
    for entry in resources.files("assetmap.db.migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SchemaError(f"two migrations share a number: {versions}")
    return found


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def applied(conn: psycopg.Connection) -> dict[int, tuple[str, str]]:
    """version → (name, checksum) of the migrations recorded in the database; empty when none."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return {}
    rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def pending(conn: psycopg.Connection) -> list[Migration]:
    """Migrations not yet applied; raises SchemaError when the database is ahead of or differs from the code."""
    done = applied(conn)
    ours = available()
    known = {m.version for m in ours}
    ahead = sorted(set(done) - known)
    if ahead:
        raise SchemaError(
            f"the database has migrations this code does not know ({ahead}); it was migrated by a newer AssetMap")
    for m in ours:
        if m.version in done and done[m.version][1] != m.checksum:
            raise SchemaError(f"migration {m.filename} was changed after it was applied to this database")
    return [m for m in ours if m.version not in done]


REPEATABLE = ("assetmap.analysis", "sql")

_CREATE_FUNCTIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_functions (
    name       text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

_DROP_ANALYSIS_FUNCTIONS = r"""
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema() AND p.proname LIKE 'analysis\_%' LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', f);
    END LOOP;
END
$$
"""


def repeatable() -> dict[str, str]:
    """name → checksum of the repeatable SQL files shipped with this package."""
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in _repeatable_files()}


def _repeatable_files() -> list[tuple[str, str]]:
    folder = resources.files(REPEATABLE[0]) / REPEATABLE[1]
    return sorted((e.name, e.read_text(encoding="utf-8")) for e in folder.iterdir() if e.name.endswith(".sql"))


def _functions_applied(conn: psycopg.Connection) -> dict[str, str]:
    if not conn.execute("SELECT to_regclass('schema_functions') IS NOT NULL").fetchone()[0]:
        return {}
    return dict(conn.execute("SELECT name, checksum FROM schema_functions").fetchall())


def apply_repeatable(conn: psycopg.Connection) -> bool:
    """Re-apply the repeatable SQL when it differs from what the database ran; True when it was applied."""
    ours = repeatable()
    conn.execute(_CREATE_FUNCTIONS_TABLE)
    if _functions_applied(conn) == ours:
        return False
    with conn.transaction():
        conn.execute(_DROP_ANALYSIS_FUNCTIONS)
        for _name, text in _repeatable_files():
            conn.execute(text.encode())
        conn.execute("DELETE FROM schema_functions")
        conn.execute("INSERT INTO schema_functions (name, checksum) SELECT * FROM unnest(%s::text[], %s::text[])",
                     (list(ours), list(ours.values())))
    return True


def migrate(conn: psycopg.Connection, log=print) -> list[Migration]:
    """Apply every pending migration, each in one transaction, under the migration lock."""
    if not conn.autocommit:
        raise ValueError("migrate() needs an autocommit connection: each migration opens its own transaction")
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        conn.execute(_CREATE_TABLE)
        todo = pending(conn)   # read after taking the lock: another process may have just applied some
        for m in todo:
            with conn.transaction():
                # No parameters, so psycopg sends the file with the simple protocol: many statements at once.
                conn.execute(m.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (m.version, m.name, m.checksum))
            log(f"applied {m.filename}")
        if apply_repeatable(conn):
            log(f"applied the repeatable SQL ({len(repeatable())} files in assetmap/analysis/sql)")
        # Words the SQL cannot make (schedules in words, migration 0008) are brought up to date on every run, so a
        # change to their wording reaches stored rows without a migration of its own.
        worded = schedules.refresh_words(conn)
        if worded:
            log(f"schedules in words: {worded} offers updated")
        weeks = schedule_weeks.refresh(conn, everything=True)
        if weeks:
            log(f"schedule weeks: {weeks} schedules stored")
        return todo
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def check_current(conn: psycopg.Connection) -> None:
    """Raise SchemaError naming the pending migrations when the schema is behind the code."""
    todo = pending(conn)
    if todo:
        names = ", ".join(m.filename for m in todo)
        raise SchemaError(
            f"the database schema is behind this version of AssetMap ({len(todo)} pending: {names}). "
            "Run `assetmap db migrate` (or `make run`, which does it for you).")
    if _functions_applied(conn) != repeatable():
        raise SchemaError("the database's analysis functions differ from this version of AssetMap (assetmap/analysis/"
                          "sql). Run `assetmap db migrate` (or `make run`, which does it for you).")
