"""A planner's first day: someone else's file of Camden's libraries, columns matched in Chromium, imported with its
opening hours; the next upload of the same file starts from the saved mapping. axe-clean.

The file is built from the real DCMS libraries extract (/work/shared/realdata) with unfamiliar column names and
opening times in words of the kind councils write, plus one reading room outside the borough. The neighbourhoods are
Camden's 130 LSOAs (2021), so every library but the reading room falls in one.
"""

from __future__ import annotations

import csv
import json

import psycopg
import pytest

from assetmap.ingest.neighbourhoods import import_neighbourhoods
from tests.helpers import LiveServer, add_staff, cheap_hashes, jobs_worker, running_app, sign_in_page

pytestmark = pytest.mark.browser

# The dataset's opening patterns as a sheet would give them: times in several spellings, and closed days.
HOURS = {"All Day (continuous)": "9am-8pm", "AM & PM (continuous)": "10:00-17:00",
         "PM & Eve (continuous)": "13:00-20:00", "PM Only": "1pm-5pm", "Closed": "Closed", "N/A Closed": "N/A Closed"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_COLUMNS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLUMNS = ["Library Name", "Kind of site", "Street", "Post Code", "Latitude", "Longitude", *DAY_COLUMNS,
           "Weekly hours", "Email", "Run by"]


def libraries_csv(realdata, path):
    features = json.loads((realdata / "camden_libraries.geojson").read_text())["features"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for feature in features:
            p = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"]
            out.writerow([p["name"], p["type"], p["address1"], p["postcode"], lat, lon,
                          *(HOURS[p[d]] for d in DAYS), p["hours_per_week"], p["email"] or "", p["operation_2023"]])
        # Just over the border in Islington, and of a kind our guesses do not know.
        out.writerow(["Canonbury Reading Room", "Reading Room", "1 Canonbury Place", "", 51.5448, -0.0980,
                      *["10:00-16:00"] * 5, "closed", "closed", 30, "", "CR"])
    return len(features) + 1


@pytest.fixture
def camden(fresh_db_url, realdata, monkeypatch, tmp_path):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        report = import_neighbourhoods(conn, realdata / "camden_lsoa21_imd2025.geojson", code_field="lsoa21cd",
                                       name_field="lsoa21nm")
        assert report.inserted == 130
        add_staff(conn)
    path = tmp_path / "Camden libraries 2023.csv"
    rows = libraries_csv(realdata, path)
    with running_app(fresh_db_url, home=tmp_path / "home") as app, LiveServer(app) as live, jobs_worker(app):
        yield live.url, fresh_db_url, path, rows




def upload(page, url, path):
    page.goto(url + "/planner/data/import")
    page.get_by_label("Community assets").check()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("h1:has-text('Match the columns')")


def field(page, column):
    """The select of our fields beside the file's column of this name."""
    return page.locator("table[aria-labelledby=columns-heading]").get_by_label(column, exact=True)


def test_a_planner_matches_someone_elses_file_and_imports_it(page, axe, camden):
    url, db_url, path, rows = camden
    sign_in_page(page, url)
    upload(page, url, path)
    assert axe() == []

    # The guesses: names and synonyms, each day's column, an offer of space for the hours.
    guessed = {c: field(page, c).input_value() for c in COLUMNS}
    assert guessed["Library Name"] == "name" and guessed["Street"] == "address"
    assert guessed["Post Code"] == "postcode" and guessed["Email"] == "contact_email"
    assert (guessed["Latitude"], guessed["Longitude"]) == ("lat", "lon")
    assert [page.locator(f"#day-{d}").input_value() for d in DAYS] == \
        [str(COLUMNS.index(c)) for c in DAY_COLUMNS]
    assert page.locator("#offer_kind").input_value() == "space"

    # Adjust what the guesses missed, and check.
    field(page, "Kind of site").select_option("category")
    field(page, "Weekly hours").select_option("capacity.0.quantity")
    assert field(page, "Run by").input_value() == "organisation"       # LA, CR: codes, not names
    field(page, "Run by").select_option("")
    page.locator("#offer_unit").select_option("hours_per_week")
    page.get_by_role("button", name="Check: dry run and map").click()
    page.wait_for_selector("#preview")
    assert "unknown category 'Reading Room'" in page.locator(".rejects").inner_text()

    # The category values of the new column, with our guess for the libraries; the reading room mapped by hand.
    values = page.locator("#category-values")
    assert values.get_by_label("Static Library", exact=True).input_value() == "library"
    values.get_by_label("Reading Room", exact=True).select_option("library")
    page.get_by_role("button", name="Check: dry run and map").click()
    page.wait_for_selector("#preview")
    summary = page.locator("#summary").inner_text()
    assert f"read {rows}, would insert {rows}, would update 0, rejected 0" in summary
    # Regent's Park is closed: its hours are no number, so its offer is dropped and the library kept without it.
    dropped = page.locator("#report li").filter(has_text="dropped:").inner_text()
    assert "Regent's Park" in dropped and "offer 1 (space): quantity: must be a number" in dropped, dropped
    outside = page.locator("#outside").inner_text()
    assert outside.startswith(f"1 row lies outside every neighbourhood (row {rows})"), outside
    page.wait_for_selector(".preview-map .leaflet-container")
    assert page.locator(".preview-map path.leaflet-interactive").count() == rows + 1   # the points and the outline
    assert page.locator("#preview-rows").get_by_text("Mo-Sa 09:00-20:00; Su 10:00-17:00").count() == 1
    assert axe() == []
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0          # a check writes nothing

    page.get_by_role("button", name="Import", exact=True).click()   # a job's page, which follows it to its end
    page.wait_for_selector("h1:has-text('imported')")
    assert axe() == []
    assert f"inserted {rows}," in page.locator("#summary").inner_text()
    assert "row 11 (Regent's Park), offer 1 (space)" in page.locator("#report").inner_text()
    assert "1 asset of “Camden libraries 2023” lies outside" in page.locator("#outside").inner_text()
    with psycopg.connect(db_url) as conn:
        schedules = dict(conn.execute("""
            SELECT a.name, o.schedule FROM assets a JOIN capacity_offers o ON o.asset_id = a.id
             WHERE o.kind = 'space' AND o.unit = 'hours_per_week' AND a.category = 'library'""").fetchall())
        outside_names = [r[0] for r in conn.execute("SELECT name FROM assets WHERE neighbourhood_id IS NULL")]
    assert len(schedules) == rows - 1
    assert schedules["Pancras Square Library"] == "Mo-Sa 09:00-20:00; Su 10:00-17:00"
    assert schedules["Belsize Community Library"] == "Mo-We 09:00-20:00"
    assert schedules["Keats Community Library"] == "Tu-Fr 09:00-20:00; Sa,Su 13:00-17:00"
    assert schedules["Primrose Hill Community Library"] == "Mo,Fr 09:00-20:00; We 13:00-20:00; Sa 10:00-17:00"
    assert schedules["Canonbury Reading Room"] == "Mo-Fr 10:00-16:00"
    assert outside_names == ["Canonbury Reading Room"]

    # The same file again: the saved mapping, not the guesses, fills the form.
    upload(page, url, path)
    assert page.locator("#saved").is_visible()
    assert field(page, "Kind of site").input_value() == "category"
    assert field(page, "Weekly hours").input_value() == "capacity.0.quantity"
    assert field(page, "Run by").input_value() == ""
    assert page.locator("#offer_unit").input_value() == "hours_per_week"
    assert page.locator("#category-values").get_by_label("Reading Room", exact=True).input_value() == "library"
    assert page.locator("#source").input_value() == "Camden libraries 2023"
    page.watch.assert_clean()
