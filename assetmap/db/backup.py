"""Backups: the database in pg_dump's custom format, and back again, with its schema version checked.

`backup` is a plain `pg_dump --format=custom` (compressed, restorable table by table with pg_restore). `restore`
first reads which migrations the backup holds: one this code does not know means the backup was made by a newer
AssetMap, and nothing is touched. A database that has migrations the backup lacks is newer than the backup, and is
refused too (restore into an empty database instead). Otherwise the backup replaces what the database holds, in
one transaction, and the schema is migrated forward if the backup is older than the code.

Extensions stay as the database has them: the backup's CREATE/DROP EXTENSION entries are left out of the restore
(so it never drops PostGIS under other objects); any the database lacks are created first, which for PostGIS needs
a superuser once, as `assetmap db up` does.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from . import migrate
from .cluster import find_bindir


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


def _run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def backup(url: str, path: Path, bindir: Path | None = None) -> int:
    """Write the database at `url` to `path` (custom format); its size in bytes."""
    tools = find_bindir(bindir)
    _run([str(tools / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path),
          "--dbname", url])
    return path.stat().st_size


def versions(path: Path, bindir: Path | None = None) -> set[int]:
    """The migrations recorded in a backup."""
    tools = find_bindir(bindir)
    text = _run([str(tools / "pg_restore"), "--data-only", "--table=schema_migrations", "--file=-", str(path)])
    found, copying = set(), False
    for line in text.splitlines():
        if line.startswith("COPY ") and "schema_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying and line:
            found.add(int(line.split("\t", 1)[0]))
    if not found:
        raise BackupError(f"{path} holds no AssetMap schema (no schema_migrations rows): is it an AssetMap backup?")
    return found


def _create_extensions(url: str, names: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            try:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise BackupError(f"the database needs the extension {name} and cannot create it "
                                  f"({exc.diag.message_primary}):"
                                  f" ask its administrator to run CREATE EXTENSION {name}") from None


def restore(url: str, path: Path, bindir: Path | None = None, log=print) -> set[int]:
    """Replace the database's contents with the backup's; the migrations applied afterwards."""
    tools = find_bindir(bindir)
    held = versions(path, bindir)
    ours = {m.version for m in migrate.available()}
    newer = sorted(held - ours)
    if newer:
        raise BackupError(f"the backup was made by a newer AssetMap (migrations {', '.join(map(str, newer))} are "
                          "unknown here): upgrade AssetMap first")
    with psycopg.connect(url, autocommit=True) as conn:
        extra = sorted(set(migrate.applied(conn)) - held)
    if extra:
        raise BackupError(f"the database is newer than the backup (it has migrations {', '.join(map(str, extra))} "
                          "that the backup lacks): restore into an empty database and point DATABASE_URL at it")
    toc = _run([str(tools / "pg_restore"), "--list", str(path)])
    _create_extensions(url, [line.split()[-1] for line in toc.splitlines()
                             if not line.startswith(";") and " EXTENSION - " in line])
    keep = "\n".join(line for line in toc.splitlines() if " EXTENSION " not in line)
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write(keep + "\n")
        listing.flush()
        _run([str(tools / "pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--use-list", listing.name, "--dbname", url, str(path)])
    log(f"restored {path} ({len(held)} migrations)")
    with psycopg.connect(url, autocommit=True) as conn:
        done = migrate.migrate(conn, log=log)
    return {m.version for m in done}
