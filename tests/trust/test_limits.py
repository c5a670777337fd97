"""Limits answered in plain words: rows per import (ASSETMAP_MAX_IMPORT_ROWS) before anything is written, on the
command line (unless --no-row-limit) and in the importers the upload page's jobs call; page sizes on paged routes."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.config import Settings
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.needs import import_needs
from assetmap.ingest.report import TooManyRows
from assetmap.ingest.service_files import import_services
from assetmap.jobs.imports import _assets  # what the jobs worker runs for an uploaded asset file

HALLS = [{"source_ref": f"h{i}", "name": f"Hall {i}", "category": "community_centre", "lon": -0.13 + i / 1000,
          "lat": 51.53} for i in range(3)]
SERVICES = [{"source_ref": f"s{i}", "agency": "Council", "name": f"Advice {i}", "theme": "housing"} for i in range(3)]
NEEDS = [{"source_ref": f"n{i}", "title": f"Need {i}", "kind": "space", "lon": -0.13, "lat": 51.53}
         for i in range(3)]


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def csv(tmp_path, rows, name):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def written(conn):
    return conn.execute("SELECT (SELECT count(*) FROM assets) + (SELECT count(*) FROM services) + "
                        "(SELECT count(*) FROM capacity_needs) + (SELECT count(*) FROM audit_log)").fetchone()[0]


@pytest.mark.parametrize("importer, rows, name", [(import_assets, HALLS, "assets.csv"),
                                                  (import_services, SERVICES, "services.csv"),
                                                  (import_needs, NEEDS, "needs.csv")])
def test_an_import_over_the_row_limit_is_refused_before_anything_is_written(conn, tmp_path, importer, rows, name):
    path = csv(tmp_path, rows, name)
    with pytest.raises(TooManyRows) as refused:
        importer(conn, path, settings=Settings(max_import_rows=2))
    assert "the file holds 3 rows, more than the 2 one import may hold (ASSETMAP_MAX_IMPORT_ROWS)" in str(
        refused.value)
    assert refused.value.status == 413
    assert written(conn) == 0
    assert importer(conn, path, settings=Settings(max_import_rows=3)).inserted == 3   # at the limit: fine


def test_the_command_line_refuses_in_words_and_the_flag_lifts_it(conn, fresh_db_url, tmp_path):
    path = csv(tmp_path, HALLS, "assets.csv")
    env = {"DATABASE_URL": fresh_db_url, "ASSETMAP_MAX_IMPORT_ROWS": "2"}
    refused = CliRunner().invoke(main, ["import", "assets", str(path)], env=env)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "the file holds 3 rows, more than the 2 one import may hold" in refused.output
    assert "--no-row-limit" in refused.output
    assert written(conn) == 0
    lifted = CliRunner().invoke(main, ["import", "assets", str(path), "--no-row-limit"], env=env)
    assert lifted.exit_code == 0, lifted.output
    assert "inserted 3" in lifted.output


def test_an_upload_job_over_the_limit_fails_with_the_reason(conn, tmp_path):
    class Ctx:
        settings = Settings(max_import_rows=2)
        progress = None

    path = csv(tmp_path, HALLS, "assets.csv")
    with pytest.raises(TooManyRows, match="more than the 2 one import may hold"):
        _assets(conn, {"source": "upload"}, Ctx(), path)
    assert written(conn) == 0


def test_the_row_limit_is_a_checked_setting():
    with pytest.raises(ValueError, match="ASSETMAP_MAX_IMPORT_ROWS"):
        Settings(max_import_rows=-1)
    assert Settings().max_import_rows == 2_000_000   # a county file of a million rows fits


@pytest.mark.parametrize("url", ["/api/v1/assets?limit=10001", "/ogc/collections/assets/items?limit=10001",
                                 "/api/v1/capacity?limit=10001"])
def test_a_page_larger_than_the_largest_is_refused_in_words(client, url):
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "limit" in response.get_data(as_text=True) and "10000" in response.get_data(as_text=True)
