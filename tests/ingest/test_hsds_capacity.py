"""Spare capacity in HSDS 3.1: offers out as service_capacity and units, back in as offers, bad rows rejected alone."""

import csv
import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest

from assetmap.hsds.capacity import unit_code
from assetmap.hsds.read import read_package
from assetmap.hsds.terms import taxonomy_id
from assetmap.ingest import export as ex
from assetmap.ingest.hsds import import_hsds

# HSDS 3.1's own field lists (openreferral/specification, branch 3.1-dev: schema/service_capacity.json,
# schema/unit.json; attribute and taxonomy_term from its datapackage.json), written out here so a change to the
# writer cannot also change what it is checked against.
HSDS_31 = {
    "service_capacity.csv": ["id", "service_id", "unit_id", "available", "maximum", "description", "updated"],
    "units.csv": ["id", "name", "scheme", "identifier", "uri"],
    "attributes.csv": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"],
    "taxonomy_terms.csv": ["id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
                           "term_uri"],
    "taxonomies.csv": ["id", "name", "description", "uri", "version"],
}
OFFERS = """
    SELECT a.public_id::text, o.kind, o.quantity::float8, o.unit, o.schedule, o.cost, o.audience, o.description
      FROM public_capacity_offers o JOIN public_assets a ON a.id = o.asset_id WHERE o.quantity IS NOT NULL"""
IMPORTED = """
    SELECT a.source_ref, o.kind, o.quantity::float8, o.unit, o.schedule, o.cost, o.audience, o.description
      FROM capacity_offers o JOIN assets a ON a.id = o.asset_id"""


@pytest.fixture(scope="module")
def demo(demo_db_url):
    with psycopg.connect(demo_db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def package(demo, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hsds31") / "ashcombe"
    ex.export(demo, "assets", "hsds", folder)
    return folder


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- out ------------------------------------------------------------------------------------------------------------

def test_the_new_tables_have_hsds_31_fields_and_the_package_says_31(package):
    for name, fields in HSDS_31.items():
        assert next(csv.reader(open(package / name, encoding="utf-8"))) == fields, name
    descriptor = json.loads((package / "datapackage.json").read_text())
    assert descriptor["version"] == "3.1.0"
    [capacity] = [r for r in descriptor["resources"] if r["name"] == "service_capacity"]
    assert capacity["path"] == "service_capacity.csv"
    assert {k["fields"]: k["reference"]["resource"] for k in capacity["schema"]["foreignKeys"]} == {
        "service_id": "service", "unit_id": "unit"}


def test_each_offer_with_a_quantity_is_a_service_capacity_of_its_assets_service(demo, package):
    capacity = rows(package / "service_capacity.csv")
    offers = demo.execute("""
        SELECT a.public_id::text, o.quantity::float8, o.unit, o.description, o.last_confirmed_at
          FROM public_capacity_offers o JOIN public_assets a ON a.id = o.asset_id
         WHERE o.quantity IS NOT NULL ORDER BY a.id, o.id""").fetchall()
    assert len(capacity) == len(offers) > 100
    units = {u["id"]: u for u in rows(package / "units.csv")}
    services = {s["id"] for s in rows(package / "services.csv")}
    assert {(u["name"], u["scheme"], u["identifier"]) for u in units.values()} == {
        ("Hours a week", "AssetMap", "hours_per_week"), ("Places", "AssetMap", "places"),
        ("Items", "AssetMap", "items")}
    for row, (service_id, quantity, unit, description, confirmed) in zip(capacity, offers, strict=True):
        assert row["service_id"] == service_id and service_id in services
        assert float(row["available"]) == float(row["maximum"]) == quantity   # maximum: we know no better
        assert units[row["unit_id"]]["identifier"] == unit
        assert row["description"] == description
        assert dt.datetime.fromisoformat(row["updated"]) == confirmed


def test_offers_without_a_quantity_have_no_capacity_row(demo, package):
    unquantified = demo.execute("SELECT count(*) FROM public_capacity_offers WHERE quantity IS NULL").fetchone()[0]
    total = demo.execute("SELECT count(*) FROM public_capacity_offers").fetchone()[0]
    assert unquantified > 0 and len(rows(package / "service_capacity.csv")) == total - unquantified


def test_kind_cost_schedule_audience_and_category_ride_as_attributes_of_our_taxonomies(demo, package):
    terms = {t["id"]: t for t in rows(package / "taxonomy_terms.csv")}
    by_link: dict[str, dict] = {}
    for a in rows(package / "attributes.csv"):
        term = terms[a["taxonomy_term_id"]]
        by_link.setdefault(a["link_id"], {})[a["link_type"] if a["link_type"] != "details" else term["code"]] = (
            a["value"] or term["code"])
        assert a["link_entity"] in ("service", "service_capacity")
    assert {t["taxonomy_id"] for t in terms.values()} == {taxonomy_id(v) for v in
                                                         ("capacity_kinds", "costs", "categories", "details")}
    kind, cost, schedule = demo.execute("""
        SELECT o.kind, o.cost, o.schedule FROM public_capacity_offers o JOIN public_assets a ON a.id = o.asset_id
         WHERE o.quantity IS NOT NULL AND o.schedule IS NOT NULL ORDER BY a.id, o.id LIMIT 1""").fetchone()
    first = next(c for c in rows(package / "service_capacity.csv") if "schedule" in by_link[c["id"]])
    assert by_link[first["id"]] == {"capacity_kinds": kind, "costs": cost, "schedule": schedule} | (
        {"audience": by_link[first["id"]]["audience"]} if "audience" in by_link[first["id"]] else {})
    categories = dict(demo.execute("SELECT public_id::text, category FROM public_assets").fetchall())
    assert all(by_link[sid]["categories"] == category for sid, category in categories.items())


# -- round trip -----------------------------------------------------------------------------------------------------

def test_round_trip_into_a_fresh_database_gives_the_same_offers(demo, package, fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        report = import_hsds(conn, package)
        assert not report.rejected, report.rejected[:3]
        assert sorted(conn.execute(IMPORTED).fetchall()) == sorted(demo.execute(OFFERS).fetchall())
        # Our assets come back as assets in their categories, not as public services; the services as services.
        assert dict(conn.execute("SELECT source_ref, category FROM assets").fetchall()) == dict(
            demo.execute("SELECT public_id::text, category FROM public_assets").fetchall())
        assert conn.execute("SELECT count(*) FROM services").fetchone() == demo.execute(
            "SELECT count(*) FROM services").fetchone()
        again = import_hsds(conn, package)
        assert again.inserted == 0 and again.updated == report.inserted
        assert sorted(conn.execute(IMPORTED).fetchall()) == sorted(demo.execute(OFFERS).fetchall())


# -- in: foreign packages and their bad rows ------------------------------------------------------------------------

def write_csv(folder: Path, name: str, table: list[dict]) -> None:
    with open(folder / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def shelter_package(folder: Path, capacities: list[dict]) -> Path:
    """A council night shelter with a site, as a 3.1 CSV package with the given service_capacity rows."""
    folder.mkdir(parents=True)
    write_csv(folder, "organizations.csv", [{"id": "o1", "name": "Camden Council"}])
    write_csv(folder, "services.csv", [{"id": "s1", "organization_id": "o1", "name": "Homeless Night Shelter",
                                        "description": "Emergency beds for people sleeping rough", "status": "active"}])
    write_csv(folder, "locations.csv", [{"id": "l1", "location_type": "physical", "name": "St Giles Hostel",
                                         "latitude": "51.5155", "longitude": "-0.1270"}])
    write_csv(folder, "service_at_locations.csv", [{"id": "x1", "service_id": "s1", "location_id": "l1"}])
    write_csv(folder, "units.csv", [{"id": "u-bed", "name": "Bed", "scheme": "", "identifier": ""},
                                    {"id": "u-kg", "name": "Kilogram", "scheme": "SI", "identifier": "kgm"},
                                    {"id": "u-hrs", "name": "Volunteer hours per week", "scheme": "",
                                     "identifier": ""}])
    write_csv(folder, "service_capacity.csv", capacities)
    return folder


def capacity(id, available, unit_id="u-bed", service_id="s1", description="", maximum=""):
    return {"id": id, "service_id": service_id, "unit_id": unit_id, "available": available, "maximum": maximum,
            "description": description, "updated": "2026-11-30T09:00:00.5+00:00"}


BAD = [capacity("c1", "12", maximum="20", description="Beds tonight"),
       capacity("c2", "150", unit_id="u-kg", description="Food"),
       capacity("c3", "lots"),
       capacity("c4", ""),
       capacity("c5", "0", description="Full on Sundays"),
       capacity("c6", "6", unit_id="u-none"),
       capacity("c7", "200", unit_id="u-hrs"),
       capacity("c8", "3", service_id="s-gone"),
       capacity("c9", "4", unit_id="u-hrs", description="Befriending calls")]


def test_each_bad_capacity_row_is_rejected_with_its_reason_and_its_service_kept(tmp_path):
    read = read_package(shelter_package(tmp_path / "shelter", BAD))
    report = read.report
    assert [(r.row_number, r.reason) for r in report.rejected] == [
        (2, "service_capacity of 'Homeless Night Shelter': unit 'Kilogram' is not one we count in (hours a week, "
            "places or items)"),
        (3, "service_capacity of 'Homeless Night Shelter': available 'lots' is not a number"),
        (4, "service_capacity of 'Homeless Night Shelter': available is missing (how many units are free)"),
        (6, "service_capacity of 'Homeless Night Shelter': its unit_id u-none is not among the package's units"),
        (7, "service_capacity of 'Homeless Night Shelter': quantity: must be more than 0 and at most 168"),
        (8, "service_capacity names service 's-gone', which is not in the package"),
    ]
    assert report.rejected[0].row["table"] == "service_capacity" and report.rejected[0].row["id"] == "c2"
    assert any("Homeless Night Shelter: 1 capacity row(s) with nothing available" in n for n in report.notes)
    [(_, service)] = read.services                     # the service itself is imported as a service, as before
    assert service["name"] == "Homeless Night Shelter"
    [(_, place)] = read.assets                          # and its spare capacity on a place at its site
    assert (place["name"], place["category"], place["lon"], place["lat"]) == (
        "Homeless Night Shelter", "advice_support", -0.127, 51.5155)
    assert place["capacity"] == [
        {"kind": "other", "quantity": 12.0, "unit": "places", "schedule": None, "cost": "free", "audience": "",
         "description": "Beds tonight"},
        {"kind": "other", "quantity": 4.0, "unit": "hours_per_week", "schedule": None, "cost": "free",
         "audience": "", "description": "Befriending calls"}]


def test_into_the_database_the_parent_stays_and_the_report_lists_the_rejects(tmp_path, fresh_db_url):
    folder = shelter_package(tmp_path / "shelter", BAD)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        report = import_hsds(conn, folder)
        assert (report.read, report.inserted, len(report.rejected)) == (1, 2, 6)   # a service and a place
        assert conn.execute("SELECT name, source FROM services").fetchall() == [
            ("Homeless Night Shelter", "hsds:shelter")]
        assert conn.execute("SELECT a.name, o.quantity::int, o.unit FROM assets a JOIN capacity_offers o "
                            "ON o.asset_id = a.id ORDER BY o.unit").fetchall() == [
            ("Homeless Night Shelter", 4, "hours_per_week"), ("Homeless Night Shelter", 12, "places")]
        written = report.write_rejects(tmp_path / "rejects.csv").read_text()
        assert "unit 'Kilogram' is not one we count in" in written and "s-gone" in written


def test_a_service_with_capacity_but_no_site_keeps_the_service_and_says_why(tmp_path):
    service = {"id": "s1", "name": "Phone Befriending", "organization": {"id": "o", "name": "Age UK Camden"},
               "service_at_locations": [{"location": {"id": "v", "name": "Phone", "location_type": "virtual"}}],
               "capacities": [{"id": "c1", "available": 5, "unit": {"id": "u", "name": "Places"},
                               "updated": "2026-11-30T09:00:00Z"}]}
    (tmp_path / "s.json").write_text(json.dumps(service))
    read = read_package(tmp_path / "s.json")
    assert len(read.services) == 1 and read.assets == []
    assert [r.reason for r in read.report.rejected] == [
        "service 'Phone Befriending' has spare capacity but no physical location to hold it on the map; its 1 "
        "capacity row(s) were not imported"]


def test_api_json_capacities_with_their_units_inline_and_our_attributes(tmp_path):
    def term(vocabulary, code):
        return {"taxonomy_term": {"code": code, "taxonomy_id": taxonomy_id(vocabulary)}}
    service = {"id": "s1", "name": "Mill Lane Hall", "organization": {"id": "o", "name": "Mill Lane Residents"},
               "attributes": [term("categories", "community_centre")],
               "service_at_locations": [{"location": {"id": "l", "name": "Hall", "latitude": 51.5,
                                                      "longitude": -0.1}}],
               "capacities": [{"id": "c1", "available": 80, "maximum": 80, "description": "Main hall",
                               "unit": {"id": "u", "name": "Places", "scheme": "AssetMap", "identifier": "places"},
                               "attributes": [term("capacity_kinds", "space"), term("costs", "donation"),
                                              {**term("details", "schedule"), "value": "Tu,Th 18:00-21:00"}]}]}
    (tmp_path / "hall.json").write_text(json.dumps(service))
    read = read_package(tmp_path / "hall.json")
    assert read.services == [] and not read.report.rejected       # one of ours: an asset, not a service
    [(_, place)] = read.assets
    assert place["category"] == "community_centre" and place["capacity"] == [
        {"kind": "space", "quantity": 80.0, "unit": "places", "schedule": "Tu,Th 18:00-21:00", "cost": "donation",
         "audience": "", "description": "Main hall"}]


def test_a_place_holds_twenty_offers_and_the_next_is_rejected(tmp_path):
    many = [capacity(f"c{i}", str(i)) for i in range(1, 23)]
    read = read_package(shelter_package(tmp_path / "many", many))
    assert len(read.assets[0][1]["capacity"]) == 20
    assert [r.row_number for r in read.report.rejected] == [21, 22]
    assert "at most 20 offers" in read.report.rejected[0].reason


@pytest.mark.parametrize("unit, code", [
    ({"name": "Hours a week", "scheme": "AssetMap", "identifier": "hours_per_week"}, "hours_per_week"),
    ({"name": "Bed"}, "places"), ({"name": "Seats"}, "places"), ({"name": "Spaces"}, "places"),
    ({"name": "Volunteer hours per week"}, "hours_per_week"), ({"name": "Food parcels"}, "items"),
    ({"name": "", "identifier": "meals"}, "items"),
])
def test_units_we_can_count_in(unit, code):
    assert unit_code(unit) == code


@pytest.mark.parametrize("unit, why", [({"name": "Kilogram", "identifier": "kgm"}, "'Kilogram' is not one we count"),
                                       ({}, "it has no unit"), ({"name": "Hours"}, "'Hours' is not one we count")])
def test_units_we_cannot_count_in_say_so(unit, why):
    with pytest.raises(ValueError, match=why):
        unit_code(unit)
