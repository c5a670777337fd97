"""Open Referral UK (HSDS 3.0) import: API JSON shapes and the CSV package to service rows, then into PostGIS."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.hsds.mapping import agency_kind, client_groups_for, schedule_rule, theme_for
from assetmap.hsds.read import read_hsds
from assetmap.ingest.hsds import import_hsds

SQUARE = {"type": "Polygon", "coordinates": [[[-0.15, 51.52], [-0.13, 51.52], [-0.13, 51.54], [-0.15, 51.52]]]}


def service(**overrides) -> dict:
    """A service_full record as the Open Referral UK API returns it."""
    base = {
        "id": "svc-1", "name": "Money Matters", "description": "Free debt advice.", "status": "active",
        "email": "help@example.org", "url": "https://example.org",
        "organization": {"id": "org-1", "name": "Camden Citizens Advice"},
        "attributes": [{"taxonomy_term": {"id": "t1", "term": "Debt advice", "name": "Debt advice"}},
                       {"taxonomy_term": {"id": "t2", "term": "Older people", "name": "Older people"}}],
        "schedules": [{"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:00:00", "closes_at": "17:00:00"}],
        "service_areas": [{"name": "Camden", "extent": json.dumps(SQUARE), "extent_type": "geojson"}],
        "service_at_locations": [{"id": "sal-1", "location": {
            "id": "loc-1", "location_type": "physical", "name": "Kentish Town Hub", "latitude": 51.55,
            "longitude": -0.14, "addresses": [
                {"address_1": "1 Leighton Road", "city": "London", "postal_code": "nw5 2qe",
                 "address_type": "physical"}]}}],
    }
    base.update(overrides)
    return base


def write_json(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_csv(folder: Path, name: str, rows: list[dict]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# -- mapping rules -------------------------------------------------------------------------------------------------

def test_service_full_maps_every_field(tmp_path):
    rows, report = read_hsds(write_json(tmp_path, "service_full.json", service()))
    assert report.source == "hsds:service_full" and report.read == 1 and not report.rejected
    [(number, row)] = rows
    assert number == 1
    assert row["source_ref"] == row["openreferral_id"] == "svc-1"
    assert row["agency"] == "Camden Citizens Advice" and row["agency_kind"] == "voluntary"
    assert row["name"] == "Money Matters" and row["description"] == "Free debt advice."
    assert row["theme"] == "welfare"
    assert row["client_groups"] == ["older_people"]
    assert row["annual_spend"] is None
    assert row["contact"] == "help@example.org · https://example.org"
    [site] = row["sites"]
    assert site == {"name": "Kentish Town Hub", "kind": "fixed", "address": "1 Leighton Road, London",
                    "postcode": "NW5 2QE", "lon": -0.14, "lat": 51.55, "schedule": "Mo,We 09:00-17:00",
                    "contacts_per_week": None}
    assert row["catchment"]["geometry"].geom_type == "Polygon"


@pytest.mark.parametrize("name, kind", [
    ("NHS North Central London ICB", "nhs"), ("Royal Free London NHS Foundation Trust", "nhs"),
    ("Camden Council", "council"), ("London Borough of Camden Council", "council"),
    ("Metropolitan Police Service", "police"), ("Jobcentre Plus Kentish Town", "dwp"), ("DWP", "dwp"),
    ("Origin Housing", "housing"), ("One Housing Group", "housing"), ("Camden Homes", "housing"),
    ("Westminster Kingsway College", "education"), ("Age UK Camden", "voluntary"),
    ("Example Organization Inc.", "voluntary"),
])
def test_agency_kind_from_organisation_name(name, kind):
    assert agency_kind(name) == kind


@pytest.mark.parametrize("terms, name, theme", [
    (["Mental health support"], "", "mental_health"),   # not "health"
    (["Domestic abuse"], "", "domestic_abuse"),
    (["Housing advice"], "", "housing"),
    (["Job search"], "", "employment"),
    (["Physical health"], "", "health"),
    (["Something unheard of"], "", "other"),
    ([], "Community Counselling", "mental_health"),       # no terms: the name decides
    ([], "Knitting circle", "other"),
])
def test_theme_from_terms_then_name_default_other(terms, name, theme):
    assert theme_for(terms, name) == theme


def test_client_groups_from_terms_and_ages():
    assert client_groups_for(["Carers", "Refugees and asylum seekers"]) == ["carers", "refugees_migrants"]
    assert client_groups_for([]) == []
    assert client_groups_for([], 11, 19) == ["young_people"]
    assert client_groups_for([], 0, 5) == ["children_families"]
    assert client_groups_for([], 65, None) == ["older_people"]
    assert client_groups_for([], 12, 100) == []


@pytest.mark.parametrize("schedule, expected", [
    ({"byday": "TH,FR", "opens_at": "10:00:00", "closes_at": "18:00:00"}, ("Th,Fr", "10:00-18:00")),
    ({"freq": "WEEKLY", "byday": "FR,MO", "opens_at": "9:30", "closes_at": "12:00"}, ("Mo,Fr", "09:30-12:00")),
    ({"freq": "DAILY", "opens_at": "08:00", "closes_at": "20:00"}, ("Mo,Tu,We,Th,Fr,Sa,Su", "08:00-20:00")),
    ({"freq": "WEEKLY", "dtstart": "2024-01-03", "opens_at": "10:00", "closes_at": "11:00"}, ("We", "10:00-11:00")),
    ({"freq": "WEEKLY", "byday": "1MO", "opens_at": "10:00", "closes_at": "11:00"}, ("Mo", "10:00-11:00")),
])
def test_schedule_to_opening_hours(schedule, expected):
    assert schedule_rule(schedule) == expected


@pytest.mark.parametrize("schedule, why", [
    ({"freq": "MONTHLY", "byday": "MO", "opens_at": "10:00", "closes_at": "11:00"}, "freq MONTHLY"),
    ({"byday": "MO", "interval": 2, "opens_at": "10:00", "closes_at": "11:00"}, "every 2 weeks"),
    ({"byday": "TH", "bymonthday": "2,3", "opens_at": "10:00", "closes_at": "11:00"}, "bymonthday"),
    ({"byday": "MO"}, "no opening and closing times"),
    ({"byday": "XX", "opens_at": "10:00", "closes_at": "11:00"}, "names no weekdays"),
])
def test_unconvertible_schedules_say_why(schedule, why):
    with pytest.raises(ValueError, match=why):
        schedule_rule(schedule)


def test_several_schedules_join_and_a_bad_one_is_dropped_with_a_note(tmp_path):
    two = [{"byday": "MO", "opens_at": "09:00", "closes_at": "12:00"},
           {"byday": "MO", "opens_at": "13:00", "closes_at": "17:00"},
           {"byday": "SA", "opens_at": "10:00", "closes_at": "12:00"}]
    rows, _ = read_hsds(write_json(tmp_path, "a.json", service(schedules=two)))
    assert rows[0][1]["sites"][0]["schedule"] == "Mo 09:00-12:00,13:00-17:00; Sa 10:00-12:00"

    bad = [{"freq": "MONTHLY", "byday": "MO", "opens_at": "09:00", "closes_at": "12:00"}]
    rows, report = read_hsds(write_json(tmp_path, "b.json", service(schedules=bad)))
    assert rows[0][1]["sites"][0]["schedule"] is None and not report.rejected
    assert any("schedule dropped" in n and "MONTHLY" in n for n in report.notes)


def test_site_schedule_beats_service_schedule(tmp_path):
    svc = service()
    svc["service_at_locations"][0]["schedules"] = [{"byday": "SU", "opens_at": "10:00", "closes_at": "11:00"}]
    rows, _ = read_hsds(write_json(tmp_path, "s.json", svc))
    assert rows[0][1]["sites"][0]["schedule"] == "Su 10:00-11:00"


def test_service_areas_without_a_readable_extent_give_no_catchment(tmp_path):
    areas = [{"name": "All of MyCity", "extent": "extent", "extent_type": "geojson"}]
    rows, report = read_hsds(write_json(tmp_path, "s.json", service(service_areas=areas)))
    assert rows[0][1]["catchment"] is None
    assert any("All of MyCity" in n and "cannot read" in n for n in report.notes)
    point = [{"name": "A point", "extent": json.dumps({"type": "Point", "coordinates": [0, 51]})}]
    rows, report = read_hsds(write_json(tmp_path, "p.json", service(service_areas=point)))
    assert rows[0][1]["catchment"] is None and any("not a Point" in n for n in report.notes)
    wkt = [{"name": "W", "extent": "POLYGON((0 51, 1 51, 1 52, 0 51))", "extent_type": "wkt"}]
    rows, _ = read_hsds(write_json(tmp_path, "w.json", service(service_areas=wkt)))
    assert rows[0][1]["catchment"]["geometry"].bounds == (0, 51, 1, 52)
    rows, _ = read_hsds(write_json(tmp_path, "n.json", service(service_areas=[])))
    assert rows[0][1]["catchment"] is None


def test_virtual_locations_are_not_sites_and_foreign_postcodes_are_dropped(tmp_path):
    svc = service()
    loc = svc["service_at_locations"][0]["location"]
    loc["addresses"][0]["postal_code"] = "ABC 1234"
    svc["service_at_locations"].append({"location": {"id": "v", "name": "Online", "location_type": "virtual"}})
    rows, report = read_hsds(write_json(tmp_path, "s.json", svc))
    [site] = rows[0][1]["sites"]
    assert site["postcode"] is None and site["address"] == "1 Leighton Road, London"
    assert any("'ABC 1234'" in n and "not a UK postcode" in n for n in report.notes)
    assert any("virtual location 'Online'" in n for n in report.notes)


def test_location_without_coordinates_is_left_for_the_geocoder(tmp_path):
    svc = service()
    loc = svc["service_at_locations"][0]["location"]
    loc["latitude"] = loc["longitude"] = None
    rows, report = read_hsds(write_json(tmp_path, "s.json", svc))
    site = rows[0][1]["sites"][0]
    assert site["lon"] is None and site["lat"] is None and site["postcode"] == "NW5 2QE"
    loc["latitude"] = loc["longitude"] = 0
    rows, report = read_hsds(write_json(tmp_path, "z.json", svc))
    assert rows[0][1]["sites"][0]["lat"] is None and any("0,0" in n for n in report.notes)


# -- rejects -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, reason", [
    ({"lat": 100, "lon": 101}, "location 'Kentish Town Hub' has impossible coordinates (lat 100, long 101)"),
    ({"lat": 51.5, "lon": -181}, "location 'Kentish Town Hub' has impossible coordinates (lat 51.5, long -181)"),
    ({"lat": "north", "lon": 1}, "location 'Kentish Town Hub' has unreadable coordinates (lat north, long 1)"),
    ({"lat": 51.5, "lon": None}, "location 'Kentish Town Hub' has unreadable coordinates (lat 51.5, long None)"),
])
def test_a_location_with_impossible_coordinates_is_dropped_and_its_service_kept(tmp_path, change, reason):
    svc = service()
    good = json.loads(json.dumps(svc["service_at_locations"][0]))
    good["location"]["name"] = "Gospel Oak Library"
    svc["service_at_locations"].append(good)
    loc = svc["service_at_locations"][0]["location"]
    loc["latitude"], loc["longitude"] = change["lat"], change["lon"]
    rows, report = read_hsds(write_json(tmp_path, "s.json", svc))
    assert report.rejected == []
    [(_, row)] = rows
    assert row["source_ref"] == "svc-1" and [s["name"] for s in row["sites"]] == ["Gospel Oak Library"]
    assert [n for n in report.notes if n.startswith("dropped:")] == [
        f"dropped: {row['name']} (service svc-1): {reason}; the service is kept without it"]


@pytest.mark.parametrize("overrides, reason", [
    ({"name": " "}, "service has no name"),
    ({"organization": None}, "service has no organisation (needed as its agency)"),
    ({"status": "defunct"}, "service status is 'defunct'"),
    ({"status": "inactive"}, "service status is 'inactive'"),
])
def test_other_reject_reasons(tmp_path, overrides, reason):
    rows, report = read_hsds(write_json(tmp_path, "s.json", service(**overrides)))
    assert rows == [] and [r.reason for r in report.rejected] == [reason]


def test_every_reason_is_given_at_once(tmp_path):
    svc = service(name="", status="defunct", organization=None)
    _, report = read_hsds(write_json(tmp_path, "s.json", svc))
    assert report.rejected[0].reason == ("service has no name; service has no organisation (needed as its "
                                         "agency); service status is 'defunct'")


# -- the API's shapes ----------------------------------------------------------------------------------------------

def test_list_page_organisation_and_service_at_location_shapes(tmp_path):
    page = {"total_items": 2, "page_number": 1, "contents": [service(id="a"), service(id="b", name="B")]}
    rows, report = read_hsds(write_json(tmp_path, "service_list.json", page))
    assert [r["source_ref"] for _, r in rows] == ["a", "b"] and report.read == 2

    rows, _ = read_hsds(write_json(tmp_path, "list.json", [service(id="c")]))
    assert rows[0][1]["source_ref"] == "c"

    org = {"id": "o", "name": "Camden Council", "services": [
        {k: v for k, v in service(id="d").items() if k != "organization"}]}
    rows, _ = read_hsds(write_json(tmp_path, "organization_full.json", org))
    assert rows[0][1]["agency"] == "Camden Council" and rows[0][1]["agency_kind"] == "council"

    bare = {k: v for k, v in service(id="e").items() if k != "service_at_locations"}
    sal = {"id": "sal", "service": bare, "location": service()["service_at_locations"][0]["location"]}
    rows, _ = read_hsds(write_json(tmp_path, "service_at_location_full.json", sal))
    assert rows[0][1]["sites"][0]["name"] == "Kentish Town Hub"


def test_a_folder_merges_one_service_seen_in_several_files(tmp_path):
    full = service(service_at_locations=[])
    write_json(tmp_path, "service_full.json", full)
    write_json(tmp_path, "service_list.json", {"contents": [{"id": "svc-1", "name": "Money Matters",
                                                             "status": "active"}]})
    other = dict(service()["service_at_locations"][0], service={"id": "svc-1", "name": "Money Matters"})
    write_json(tmp_path, "service_at_location_list.json", {"contents": [other]})
    write_json(tmp_path, "taxonomy.json", {"id": "t", "name": "x", "version": "1", "taxonomy_terms": []})
    rows, report = read_hsds(tmp_path)
    assert report.read == 1 and len(rows) == 1 and report.source == f"hsds:{tmp_path.name}"
    assert rows[0][1]["sites"][0]["name"] == "Kentish Town Hub"
    assert any("taxonomy.json" in n for n in report.notes)


# -- the CSV data package ------------------------------------------------------------------------------------------

def make_package(folder: Path, lat: float = 51.55, lon: float = -0.14) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder, "organizations.csv", [{"id": "o1", "name": "Camden Council", "description": ""}])
    write_csv(folder, "services.csv", [
        {"id": "s1", "organization_id": "o1", "name": "Youth Club", "description": "Evenings", "status": "active",
         "email": "", "url": "", "minimum_age": "11", "maximum_age": "19"},
        {"id": "s2", "organization_id": "o1", "name": "Drop-in", "description": "", "status": "active",
         "email": "", "url": "", "minimum_age": "", "maximum_age": ""}])
    write_csv(folder, "locations.csv", [
        {"id": "l1", "location_type": "physical", "name": "Queen's Crescent Centre", "latitude": lat,
         "longitude": lon},
        {"id": "l2", "location_type": "physical", "name": "Nowhere", "latitude": "123.4", "longitude": "567.8"}])
    write_csv(folder, "addresses.csv", [
        {"id": "a1", "location_id": "l1", "address_1": "45 Queen's Crescent", "address_2": "", "city": "London",
         "postal_code": "NW5 4ES", "address_type": "physical"}])
    write_csv(folder, "service_at_locations.csv", [{"id": "x1", "service_id": "s1", "location_id": "l1"},
                                                   {"id": "x2", "service_id": "s2", "location_id": "l2"}])
    write_csv(folder, "schedules.csv", [
        {"id": "h1", "service_id": "s1", "location_id": "", "service_at_location_id": "x1", "freq": "WEEKLY",
         "byday": "TU,TH", "opens_at": "18:00:00", "closes_at": "21:00:00", "bymonthday": ""}])
    write_csv(folder, "service_areas.csv", [
        {"id": "r1", "service_id": "s1", "name": "Gospel Oak", "extent": json.dumps(SQUARE),
         "extent_type": "geojson"}])
    write_csv(folder, "taxonomy_terms.csv", [{"id": "t1", "name": "Youth work", "term": "Youth work"}])
    write_csv(folder, "attributes.csv", [{"id": "at1", "link_id": "s1", "taxonomy_term_id": "t1",
                                          "link_type": "service"}])
    return folder


def test_csv_package_joins_its_tables(tmp_path):
    rows, report = read_hsds(make_package(tmp_path / "pkg"))
    assert report.source == "hsds:pkg" and report.read == 2
    [(number, row), (second, nowhere)] = rows
    assert number == 1 and row["agency_kind"] == "council" and row["theme"] == "youth"
    assert row["client_groups"] == ["young_people"]
    assert row["sites"] == [{"name": "Queen's Crescent Centre", "kind": "fixed", "address": "45 Queen's Crescent, "
                             "London", "postcode": "NW5 4ES", "lon": -0.14, "lat": 51.55,
                             "schedule": "Tu,Th 18:00-21:00", "contacts_per_week": None}]
    assert row["catchment"]["geometry"].geom_type == "Polygon"
    # Its bad location is dropped, saying why; the service itself is kept.
    assert second == 2 and nowhere["sites"] == [] and report.rejected == []
    assert any(n.startswith("dropped:") and "location 'Nowhere' has impossible coordinates (lat 123.4, long 567.8)"
               in n for n in report.notes)


def test_csv_package_in_a_csv_subfolder_with_datapackage_beside(tmp_path):
    make_package(tmp_path / "pkg" / "csv")
    (tmp_path / "pkg" / "datapackage.json").write_text(json.dumps({"resources": [
        {"name": "service", "path": "services.csv"}]}))
    rows, report = read_hsds(tmp_path / "pkg")
    assert report.source == "hsds:pkg" and len(rows) == 2
    rows, report = read_hsds(tmp_path / "pkg" / "csv")
    assert report.source == "hsds:pkg" and len(rows) == 2


# -- the real Open Referral UK examples ----------------------------------------------------------------------------

def test_real_example_json_drops_its_invalid_location_and_keeps_the_service(realdata, tmp_path):
    folder = realdata / "openreferral_uk_profile_examples"
    for name in ("service_full.json", "organization_full.json", "service_at_location_full.json",
                 "service_at_location_list.json"):
        rows, report = read_hsds(folder / name)
        assert (report.read, len(rows), len(report.rejected)) == (1, 1, 0), name
        assert rows[0][1]["sites"] == [], name
    rows, report = read_hsds(folder)
    [(_, row)] = rows
    assert row["name"] == "Community Counselling" and not report.rejected
    assert any(n.startswith("dropped: Community Counselling") and "'MyCity Civic Center' has impossible coordinates "
               "(lat 100, long 101)" in n for n in report.notes)


def test_real_example_list_without_locations_reads(realdata):
    rows, report = read_hsds(realdata / "openreferral_uk_profile_examples" / "service_list.json")
    [(_, row)] = rows
    assert not report.rejected and row["sites"] == [] and row["agency"] == "Example Organization Inc."
    assert row["theme"] == "mental_health" and row["agency_kind"] == "voluntary"


def test_real_example_csv_package_drops_its_invalid_location(realdata):
    rows, report = read_hsds(realdata / "openreferral_uk_profile_examples" / "csv")
    assert len(rows) == 1 and report.read == 1 and report.source == "hsds:openreferral_uk_profile_examples"
    assert not report.rejected and rows[0][1]["sites"] == []
    assert any("'MyCity Civic Center' has impossible coordinates (lat 100, long 101)" in n for n in report.notes)


def test_real_example_with_fixed_coordinates_maps_everything(realdata, tmp_path):
    data = json.loads((realdata / "openreferral_uk_profile_examples" / "service_full.json").read_text())
    data["service_at_locations"][0]["location"].update(latitude=51.55, longitude=-0.14)
    rows, report = read_hsds(write_json(tmp_path, "fixed.json", data))
    [(_, row)] = rows
    site = row["sites"][0]
    assert site["name"] == "MyCity Civic Center" and site["postcode"] is None and site["schedule"] is None
    assert any("bymonthday" in n for n in report.notes)           # TH,FR on the 2nd–4th: not opening hours
    assert any("ABC 1234" in n for n in report.notes)
    assert row["catchment"] is None                                 # its extent is the word "extent"
    assert row["contact"] == "email@example.com · http://example.com/counselling"


# -- into the database ---------------------------------------------------------------------------------------------

def demo_point(url: str) -> tuple[float, float]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM neighbourhoods "
                            "ORDER BY id LIMIT 1) q").fetchone()


def counts(url: str, source: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("""
            SELECT count(DISTINCT s.id), count(DISTINCT t.id), count(DISTINCT a.id)
              FROM services s LEFT JOIN service_sites t ON t.service_id = s.id
              LEFT JOIN service_areas a ON a.service_id = s.id
             WHERE s.source = %s""", (source,)).fetchone()


def test_import_into_the_demo_town_is_idempotent(fresh_demo_db_url, tmp_path):
    lon, lat = demo_point(fresh_demo_db_url)
    folder = make_package(tmp_path / "pkg", lat=lat, lon=lon)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        report = import_hsds(conn, folder, dry_run=True)
        assert (report.read, report.inserted, len(report.rejected)) == (2, 2, 0) and report.dry_run
        assert counts(fresh_demo_db_url, "hsds:pkg") == (0, 0, 0)

        report = import_hsds(conn, folder)
        assert (report.read, report.inserted, report.updated, len(report.rejected)) == (2, 2, 0, 0)
        assert counts(fresh_demo_db_url, "hsds:pkg") == (2, 1, 1)   # the second service without its bad site
        svc = conn.execute("SELECT agency, agency_kind, theme, client_groups, openreferral_id, source_ref "
                           "FROM services WHERE source = 'hsds:pkg'").fetchone()
        svc = conn.execute("SELECT agency, agency_kind, theme, client_groups, openreferral_id, source_ref "
                           "FROM services WHERE source = 'hsds:pkg' AND source_ref = 's1'").fetchone()
        assert svc == ("Camden Council", "council", "youth", ["young_people"], "s1", "s1")
        site = conn.execute("SELECT t.name, t.schedule, t.postcode, t.neighbourhood_id IS NOT NULL "
                            "FROM service_sites t JOIN services s ON s.id = t.service_id "
                            "WHERE s.source = 'hsds:pkg'").fetchone()
        assert site == ("Queen's Crescent Centre", "Tu,Th 18:00-21:00", "NW5 4ES", True)

        again = import_hsds(conn, folder)
        assert (again.read, again.inserted, again.updated, len(again.rejected)) == (2, 0, 2, 0)
        assert counts(fresh_demo_db_url, "hsds:pkg") == (2, 1, 1)


def test_command_dry_run_on_the_real_examples(realdata, fresh_demo_db_url, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(main, ["import", "hsds", str(realdata / "openreferral_uk_profile_examples"),
                                       "--dry-run", "--rejects", str(rejects)], env={"DATABASE_URL": fresh_demo_db_url})
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "read 1, would insert 1" in result.output and "rejected 0" in result.output
    assert "impossible coordinates (lat 100, long 101)" in result.output and not rejects.exists()
