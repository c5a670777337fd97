"""`assetmap backup` and `assetmap restore`: a round trip gives byte-identical exports of every layer; a backup
from a newer AssetMap, or into a newer database, is refused and changes nothing."""

import filecmp

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.ingest import export as ex
from tests.helpers import scratch_database


def run(args, url, **kwargs):
    result = CliRunner().invoke(main, args, env={"DATABASE_URL": url}, **kwargs)
    return result


def exports(url, folder):
    folder.mkdir()
    with psycopg.connect(url, autocommit=True) as conn:
        for layer in ex.LAYERS:
            for fmt in ("geojson", "csv"):
                for internal in (False, True):
                    ex.export(conn, layer, fmt, folder / f"{layer}-{internal}.{fmt}", internal=internal)
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def empty_postgis(admin_url):
    with scratch_database(admin_url) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield url


def test_a_round_trip_gives_identical_exports(fresh_demo_db_url, empty_postgis, tmp_path):
    made = run(["backup", str(tmp_path / "town.dump")], fresh_demo_db_url)
    assert made.exit_code == 0, made.output
    restored = run(["restore", "--yes", str(tmp_path / "town.dump")], empty_postgis)
    assert restored.exit_code == 0, restored.output
    names = exports(fresh_demo_db_url, tmp_path / "before")
    assert names == exports(empty_postgis, tmp_path / "after") and len(names) == 16
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "before", tmp_path / "after", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 16
    # Restoring again over the restored copy (same schema) works too.
    assert run(["restore", "--yes", str(tmp_path / "town.dump")], empty_postgis).exit_code == 0


def test_a_backup_from_a_newer_assetmap_is_refused(fresh_db_url, empty_postgis, tmp_path):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
    assert run(["backup", str(tmp_path / "future.dump")], fresh_db_url).exit_code == 0
    refused = run(["restore", "--yes", str(tmp_path / "future.dump")], empty_postgis)
    assert refused.exit_code != 0 and "newer AssetMap (migrations 9999" in refused.output
    with psycopg.connect(empty_postgis) as conn:
        assert conn.execute("SELECT to_regclass('assets')").fetchone()[0] is None   # nothing restored


def test_a_database_newer_than_the_backup_is_refused(fresh_db_url, tmp_path):
    assert run(["backup", str(tmp_path / "old.dump")], fresh_db_url).exit_code == 0
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        newest = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (newest,))
    assert run(["backup", str(tmp_path / "older.dump")], fresh_db_url).exit_code == 0
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) SELECT version, name, checksum "
                     "FROM (VALUES (%s, 'x', 'x')) v(version, name, checksum)", (newest,))
    refused = run(["restore", "--yes", str(tmp_path / "older.dump")], fresh_db_url)
    assert refused.exit_code != 0 and "newer than the backup" in refused.output


def test_restore_asks_first(fresh_db_url, tmp_path):
    assert run(["backup", str(tmp_path / "x.dump")], fresh_db_url).exit_code == 0
    answered = run(["restore", str(tmp_path / "x.dump")], fresh_db_url, input="n\n")
    assert answered.exit_code != 0 and "Aborted" in answered.output
