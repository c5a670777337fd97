"""Someone else's asset file: guessing its columns and categories, its day-of-week opening hours, and the mapping
that says both, imported for real."""

from __future__ import annotations

import json

import pandas as pd
import psycopg
import pytest
from opening_hours import OpeningHours

from assetmap import vocab
from assetmap.ingest.asset_files import import_assets, template_csv
from assetmap.ingest.asset_mapping import MappingError, check_mapping
from assetmap.ingest.matching import guess_category, guess_columns, guess_days, guess_mapping
from assetmap.ingest.preview import preview_assets
from assetmap.ingest.read import read_table
from assetmap.ingest.weekdays import DayError, day_hours, schedule

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")
CATEGORIES = vocab.read_terms("categories")


# -- one cell -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell,hours", [
    ("09:00-17:00", [("09:00", "17:00")]),
    ("9am-5pm", [("09:00", "17:00")]),
    ("9.30am to 5.15pm", [("09:30", "17:15")]),
    ("10-4pm", [("10:00", "16:00")]),              # 10am: 10pm would close before it opens
    ("1-5pm", [("13:00", "17:00")]),               # 1pm: the start takes the end's half of the day
    ("9-17", [("09:00", "17:00")]),
    ("0900-1730", [("09:00", "17:30")]),
    ("09:00-05:00", [("09:00", "05:00")]),        # the 24-hour clock is taken at its word
    ("09:00-12:00, 13:00-17:00", [("09:00", "12:00"), ("13:00", "17:00")]),
    ("1pm-5pm & 9am-12 noon", [("09:00", "12:00"), ("13:00", "17:00")]),   # sorted
    ("18:00-02:00", [("18:00", "02:00")]),         # past midnight, as written
    ("6pm-12am", [("18:00", "24:00")]),
    ("24 hours", [("00:00", "24:00")]),
    ("Open 24h", [("00:00", "24:00")]),
    ("Closed", []), ("N/A Closed", []), ("shut", []), ("-", []),
    ("", None), (None, None), ("   ", None),
])
def test_a_day_cell(cell, hours):
    assert day_hours(cell) == hours


@pytest.mark.parametrize("cell,why", [
    ("sometimes", "not opening hours we can read"),
    ("All Day (continuous)", "not opening hours we can read"),
    ("9-5", "say am or pm"),
    ("9am-9am", "same time"),
    ("25:00-26:00", "not a time of day"),
    ("13pm-2pm", "not a time of day"),
    ("9:75-10:00", "not a time of day"),
])
def test_a_cell_we_cannot_read_says_why(cell, why):
    with pytest.raises(ValueError, match=why):
        day_hours(cell)


# -- a week ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cells,expected", [
    ({**dict.fromkeys(WEEK, "9am-5pm"), "saturday": "10:00-13:00", "sunday": "closed"},
     "Mo-Fr 09:00-17:00; Sa 10:00-13:00"),
    ({**dict.fromkeys(WEEK, "09:00-12:00, 13:00-17:00")}, "Mo-Fr 09:00-12:00,13:00-17:00"),
    ({"monday": "9-17", "wednesday": "9-17", "friday": "9-17", "tuesday": "10-12"},
     "Mo,We,Fr 09:00-17:00; Tu 10:00-12:00"),
    ({"saturday": "10am-4pm", "sunday": "10am-4pm"}, "Sa,Su 10:00-16:00"),
    ({"monday": "9-17", "tuesday": "9-17", "thursday": "9-17", "friday": "9-17"}, "Mo,Tu,Th,Fr 09:00-17:00"),
    (dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), "24 hours"), "24/7"),
    ({"monday": "24 hours", "tuesday": "closed"}, "Mo 00:00-24:00"),
    (dict.fromkeys(WEEK, "closed"), "off"),
    ({"friday": "6pm-2am"}, "Fr 18:00-02:00"),
    ({}, None), (dict.fromkeys(WEEK, ""), None),
])
def test_a_week_becomes_one_schedule(cells, expected):
    text = schedule(cells)
    assert text == expected
    if text is not None:
        OpeningHours(text)   # and it is opening_hours syntax


def test_every_bad_day_of_a_row_is_named():
    with pytest.raises(DayError) as exc:
        schedule({"monday": "9am-5pm", "tuesday": "sometimes", "sunday": "9-5"})
    message = str(exc.value)
    assert "tuesday 'sometimes'" in message and "sunday '9-5'" in message and "monday" not in message


def test_a_week_wants_days_of_the_week():
    with pytest.raises(ValueError, match="not days of the week: mon"):
        schedule({"mon": "9-17"})


# -- guesses --------------------------------------------------------------------------------------------------------

def test_columns_are_guessed_by_name_synonym_and_spelling():
    columns = ["Library Name", "asset_type", "Post_Code", "Latitude", "y", "X", "E-mail", "Tel", "Organisation Name",
               "Notes", "UPRN", "Postcde", "Weekly rota"]
    guesses = guess_columns(columns)
    assert guesses["Library Name"] == "name"            # a synonym as its last word
    assert guesses["asset_type"] == "category"
    assert guesses["Post_Code"] == "postcode"
    assert guesses["Latitude"] == "lat" and guesses["y"] is None   # lat taken by the better name
    assert guesses["X"] == "lon"
    assert guesses["E-mail"] == "contact_email" and guesses["Tel"] == "contact_phone"
    assert guesses["Organisation Name"] == "organisation"          # not name: organisation fits it exactly
    assert guesses["Notes"] == "description" and guesses["UPRN"] == "source_ref"
    assert guesses["Postcde"] is None                   # postcode already has its column
    assert guesses["Weekly rota"] is None
    assert guess_columns(["Postcde"]) == {"Postcde": "postcode"}   # spelling, when nothing better has it
    assert guess_columns(["siteName"]) == {"siteName": "name"}


def test_two_names_for_one_field_go_to_the_better_one():
    assert guess_columns(["type", "asset_type"]) == {"type": None, "asset_type": "category"}


def test_day_columns_are_found_by_any_name_of_the_day():
    columns = ["Name", "Mon", "tues_hours", "Opening Wednesday", "THU", "Friday", "sat", "Sunday hours", "Monthly"]
    assert guess_days(columns) == {"monday": "Mon", "tuesday": "tues_hours", "wednesday": "Opening Wednesday",
                                   "thursday": "THU", "friday": "Friday", "saturday": "sat",
                                   "sunday": "Sunday hours"}


@pytest.mark.parametrize("value,code", [
    ("library", "library"), ("Library", "library"), ("Static Library", "library"), ("Libary", "library"),
    ("Community centre or village hall", "community_centre"), ("Village hall", "community_centre"),
    ("Church Hall", "community_centre"),    # a hall before a church: the longer phrase wins
    ("Church", "faith_building"), ("Mosque", "faith_building"), ("GP surgery", "health_wellbeing"),
    ("Food Bank", "food_support"), ("Allotments", "allotment_garden"), ("xyzzy", None), ("", None),
])
def test_category_values_are_matched_to_our_vocabulary(value, code):
    assert guess_category(value, CATEGORIES) == code


def test_a_guessed_mapping_is_one_the_importer_takes(tmp_path):
    path = tmp_path / "halls.csv"
    pd.DataFrame([{"Site": "Mill Hall", "Type": "Village hall", "Mon": "9am-5pm", "Tue": "closed",
                   "Opening hours": "", "Hours a week": 8}]).to_csv(path, index=False)
    mapping = guess_mapping(read_table(path), CATEGORIES)
    check_mapping(mapping)   # raises MappingError if the importer could not take it
    assert mapping["columns"]["Type"] == "category" and mapping["categories"] == {"Village hall": "community_centre"}
    assert mapping["opening_hours"]["days"] == {"monday": "Mon", "tuesday": "Tue"}
    assert mapping["columns"]["Opening hours"] is None      # the day columns make the schedule: no clash
    assert mapping["defaults"] == {"capacity.0.kind": "space", "capacity.0.unit": "hours_per_week"}


# -- the mapping format ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mapping,message", [
    ({"colums": {}}, "unknown mapping sections colums"),
    ({"columns": {"Site": "nmae"}}, "columns mapped to no field of ours: 'Site' → 'nmae'"),
    ({"columns": {"Site": "capacity.0.colour"}}, "no field of ours"),
    ({"defaults": {"colour": "red"}}, "defaults for no field of ours: 'colour'"),
    ({"opening_hours": {"days": {"mon": "Mon"}}}, "days must be monday"),
    ({"opening_hours": {"days": {}}}, "needs days"),
    ({"opening_hours": {"days": {"monday": "Mon"}, "offer": 99}}, "offer is the number"),
    ({"opening_hours": {"days": {"monday": "Mon"}, "hours": 1}}, "unknown keys hours"),
    ({"columns": ["Site"]}, "the columns section must be a table"),
])
def test_a_mapping_that_cannot_work_says_why(mapping, message):
    with pytest.raises(MappingError, match=message):
        check_mapping(mapping)


# -- importing with it ----------------------------------------------------------------------------------------------

@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


DAY_COLUMNS = {"monday": "Mon", "tuesday": "Tue", "wednesday": "Wed", "thursday": "Thu", "friday": "Fri",
               "saturday": "Sat", "sunday": "Sun"}


def hours_file(tmp_path):
    rows = [
        {"Site": "Mill Hall", "Kind": "Village hall", "X": -0.13, "Y": 51.53, "Weekly": 40,
         **dict.fromkeys(("Mon", "Tue", "Wed", "Thu", "Fri"), "9am-5pm"), "Sat": "10:00-13:00", "Sun": "closed"},
        {"Site": "Night Shelter", "Kind": "Church Hall", "X": -0.14, "Y": 51.54, "Weekly": 168,
         **{d: "24 hours" for d in DAY_COLUMNS.values()}},
        {"Site": "Split Library", "Kind": "Static Library", "X": -0.15, "Y": 51.55, "Weekly": 30,
         "Mon": "09:00-12:00, 13:00-17:00", "Wed": "09:00-12:00, 13:00-17:00", "Sat": "N/A Closed"},
        {"Site": "Muddled Hall", "Kind": "Village hall", "X": -0.16, "Y": 51.56, "Weekly": 5, "Mon": "sometimes",
         "Tue": "9-5"},
        {"Site": "Quiet Garden", "Kind": "Allotments", "X": -0.17, "Y": 51.57},   # no hours, no capacity: no offer
    ]
    path = tmp_path / "hours.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


MAPPING = {"columns": {"Site": "name", "Kind": "category", "X": "lon", "Y": "lat", "Weekly": "capacity.0.quantity"},
           "categories": {"Village hall": "community_centre", "Church Hall": "community_centre",
                          "Static Library": "library", "Allotments": "allotment_garden"},
           "defaults": {"capacity.0.kind": "space", "capacity.0.unit": "hours_per_week"},
           "opening_hours": {"days": DAY_COLUMNS}}


def offers(conn):
    return dict(conn.execute("SELECT a.name, o.schedule FROM assets a LEFT JOIN capacity_offers o ON o.asset_id = a.id"
                             " ORDER BY a.name").fetchall())


def test_day_columns_import_as_schedules_and_a_bad_day_leaves_only_the_hours_out(conn, tmp_path):
    report = import_assets(conn, hours_file(tmp_path), mapping=MAPPING)
    assert (report.inserted, report.rejected) == (5, [])
    assert offers(conn) == {"Mill Hall": "Mo-Fr 09:00-17:00; Sa 10:00-13:00", "Night Shelter": "24/7",
                            "Split Library": "Mo,We 09:00-12:00,13:00-17:00",
                            "Muddled Hall": None,      # the row and its capacity came in; its hours did not
                            "Quiet Garden": None}
    assert conn.execute("SELECT count(*) FROM capacity_offers").fetchone()[0] == 4   # none invented for the garden
    assert conn.execute("SELECT quantity FROM capacity_offers o JOIN assets a ON a.id = o.asset_id "
                        "WHERE a.name = 'Muddled Hall'").fetchone()[0] == 5
    [note] = [n for n in report.notes if "opening hours" in n]
    assert note.startswith("opening hours left out of row 4 (the rest of the row imported): monday 'sometimes'")
    assert "tuesday '9-5': say am or pm" in note
    assert not any("columns not imported" in n for n in report.notes)   # the day columns count as used


def test_the_same_mapping_from_a_json_file_and_from_the_command_line(conn, tmp_path, fresh_db_url, monkeypatch):
    from click.testing import CliRunner

    from assetmap.cli import main
    path = hours_file(tmp_path)
    mapping = tmp_path / "hours.mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    result = CliRunner().invoke(main, ["import", "assets", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "inserted 5" in result.output and "monday 'sometimes'" in result.output
    assert offers(conn)["Split Library"] == "Mo,We 09:00-12:00,13:00-17:00"


@pytest.mark.parametrize("change,message", [
    ({"defaults": {}}, "say what it offers"),
    ({"columns": {**MAPPING["columns"], "Mon": "capacity.0.schedule"}}, "both from the day columns and from column"),
    ({"opening_hours": {"days": {**DAY_COLUMNS, "sunday": "Sunday"}}}, "names columns the file does not have: Sunday"),
])
def test_opening_hours_that_cannot_work_stop_the_import_before_it_starts(conn, tmp_path, change, message):
    with pytest.raises(MappingError, match=message):
        import_assets(conn, hours_file(tmp_path), mapping={**MAPPING, **change})
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0


def test_a_column_mapped_to_null_is_not_imported(conn, tmp_path):
    path = tmp_path / "n.csv"
    pd.DataFrame([{"name": "Hall", "category": "community_centre", "lon": -0.1, "lat": 51.5,
                   "description": "junk"}]).to_csv(path, index=False)
    report = import_assets(conn, path, mapping={"columns": {"description": None}})
    assert report.inserted == 1 and "columns not imported: description" in report.notes
    assert conn.execute("SELECT description FROM assets").fetchone()[0] == ""


def test_the_template_imports_as_it_is(conn, tmp_path):
    path = tmp_path / "template.csv"
    path.write_text(template_csv(), encoding="utf-8")
    report = import_assets(conn, path)
    assert (report.inserted, report.rejected, report.notes) == (1, [], [])
    assert conn.execute("SELECT schedule FROM capacity_offers").fetchone()[0] == "Mo-Fr 09:00-17:00; Sa 10:00-13:00"


def test_a_preview_counts_rows_outside_every_neighbourhood_and_writes_nothing(conn, tmp_path):
    conn.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                 "('A', 'Inner', ST_Multi(ST_MakeEnvelope(-0.155, 51.5, -0.12, 51.6, 4326)))")
    preview = preview_assets(conn, hours_file(tmp_path), mapping=MAPPING)
    assert preview.report.dry_run and preview.report.inserted == 5
    assert preview.outside == [4, 5]                       # X -0.16 and -0.17 lie west of the box
    assert any(n.startswith("2 rows lie outside every neighbourhood (rows 4, 5)") for n in preview.report.notes)
    assert [r.neighbourhood for r in preview.rows] == ["Inner", "Inner", "Inner", None, None]
    assert preview.rows[0].schedule == "Mo-Fr 09:00-17:00; Sa 10:00-13:00" and preview.outline["type"]
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0
