"""Migrations against a real database: order, idempotence, the lock, atomicity, and the start-up check."""

import threading

import psycopg
import pytest

from assetmap.db import migrate
from tests.helpers import make_app, running_app, scratch_database


@pytest.fixture
def empty_db(admin_url):
    with scratch_database(admin_url) as url:
        yield url


def test_migrate_applies_every_file_once_in_order(empty_db):
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert [m.version for m in migrate.pending(conn)] == [m.version for m in migrate.available()]
        done = migrate.migrate(conn, log=lambda m: None)
        assert [m.version for m in done] == sorted(m.version for m in done)
        assert migrate.migrate(conn, log=lambda m: None) == []
        migrate.check_current(conn)
        rows = conn.execute("SELECT version, checksum FROM schema_migrations ORDER BY version").fetchall()
        assert rows == [(m.version, m.checksum) for m in migrate.available()]


def test_concurrent_migrations_wait_for_each_other(empty_db):
    results, errors = [], []

    def run():
        try:
            with psycopg.connect(empty_db, autocommit=True) as conn:
                results.append(len(migrate.migrate(conn, log=lambda m: None)))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0, 0, len(migrate.available())]


def test_a_failing_migration_leaves_nothing_behind(empty_db, monkeypatch):
    good = migrate.available()
    bad = migrate.Migration(good[-1].version + 1, "broken",
                            "CREATE TABLE half_written (id int); SELECT 1 / 0;")
    monkeypatch.setattr(migrate, "available", lambda: [*good, bad])
    with psycopg.connect(empty_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            migrate.migrate(conn, log=lambda m: None)
        assert conn.execute("SELECT to_regclass('half_written')").fetchone()[0] is None
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == good[-1].version
        with pytest.raises(migrate.SchemaError, match=bad.filename):
            migrate.check_current(conn)


def test_edited_and_unknown_migrations_are_refused(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        with pytest.raises(migrate.SchemaError, match="changed after it was applied"):
            migrate.pending(conn)
        conn.execute("UPDATE schema_migrations SET checksum = %s WHERE version = 1",
                     (migrate.available()[0].checksum,))
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
        with pytest.raises(migrate.SchemaError, match="newer AssetMap"):
            migrate.pending(conn)


def test_app_refuses_to_start_while_the_schema_is_behind(empty_db):
    with pytest.raises(migrate.SchemaError, match="assetmap db migrate"):
        make_app(empty_db)


def test_app_starts_without_a_database_and_reports_503(free_port):
    with running_app(f"postgresql://nobody@127.0.0.1:{free_port}/none?connect_timeout=1") as app:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["database"] == "unreachable"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_repeatable_sql_runs_when_it_changed_and_drops_functions_it_no_longer_has(empty_db):
    with psycopg.connect(empty_db, autocommit=True) as conn:
        logged = []
        migrate.migrate(conn, log=logged.append)
        assert any(line.startswith("applied the repeatable SQL") for line in logged)
        logged.clear()
        migrate.migrate(conn, log=logged.append)
        assert not any("repeatable" in line for line in logged)          # unchanged: not run again
        migrate.check_current(conn)
        # A function an older version shipped, and a database that ran other files than these
        conn.execute("CREATE FUNCTION analysis_gone() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("UPDATE schema_functions SET checksum = 'older'")
        with pytest.raises(migrate.SchemaError, match="analysis functions differ"):
            migrate.check_current(conn)
        migrate.migrate(conn, log=logged.append)
        assert any(line.startswith("applied the repeatable SQL") for line in logged)
        assert conn.execute("SELECT to_regproc('analysis_gone')").fetchone()[0] is None
        assert conn.execute("SELECT to_regproc('analysis_overlaps')").fetchone()[0] is not None
        migrate.check_current(conn)
