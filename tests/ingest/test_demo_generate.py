"""The generated demo town: deterministic, complete, geometrically sound and consistent with data/*.csv."""

import csv
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
import shapely
from opening_hours import OpeningHours

from assetmap.demo import generate_town
from assetmap.demo.community import schedules
from assetmap.demo.services import OFFICE_HOURS, SESSIONS, VISITING_HOURS

DATA = Path(__file__).resolve().parents[2] / "data"
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$")


def vocabulary(name: str) -> list[dict]:
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def codes(name: str) -> set[str]:
    return {row["code"] for row in vocabulary(name)}


@pytest.fixture(scope="module")
def town():
    return generate_town(seed=1, scale=1)


def points(frame) -> np.ndarray:
    return shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())


# Determinism ---------------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_data(town):
    assert generate_town(seed=1, scale=1).digest() == town.digest()


def test_different_seed_gives_different_data(town):
    other = generate_town(seed=2, scale=1)
    assert other.digest() != town.digest()
    assert not other.neighbourhoods["geom"].iloc[0].equals(town.neighbourhoods["geom"].iloc[0])


def test_scale_changes_only_assets_and_offers(town):
    bigger = generate_town(seed=1, scale=3)
    assert len(bigger.assets) == 3 * len(town.assets)
    assert len(bigger.offers) > 2.5 * len(town.offers)
    for name in ("neighbourhoods", "gazetteer", "organisations", "needs", "services", "service_sites"):
        assert getattr(bigger, name).equals(getattr(town, name)), name


@pytest.mark.parametrize("seed, scale", [(-1, 1), (1, 0), (1, -2)])
def test_bad_seed_or_scale_is_refused(seed, scale):
    with pytest.raises(ValueError):
        generate_town(seed=seed, scale=scale)


# Counts --------------------------------------------------------------------------------------------------------

def test_counts_at_scale_one(town):
    assert len(town.neighbourhoods) >= 25
    assert len(town.assets) >= 400
    assert len(town.needs) >= 50
    assert len(town.services) >= 40
    assert town.services["agency"].nunique() >= 6
    assert 100 <= len(town.organisations) <= 150
    assert set(town.assets["category"]) == codes("categories")
    gazetteer = town.gazetteer["kind"].value_counts()
    assert 550 <= gazetteer["postcode"] <= 650 and gazetteer["street"] >= 150
    assert gazetteer["place"] == len(town.neighbourhoods) + 1


# Geometry ------------------------------------------------------------------------------------------------------

def test_neighbourhoods_tile_the_town_without_gaps_or_overlaps(town):
    geoms = town.neighbourhoods["geom"].to_numpy()
    assert all(g.geom_type == "MultiPolygon" for g in geoms)
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)
    assert union.area == pytest.approx(town.boundary.area, rel=1e-9)
    assert shapely.symmetric_difference(union, town.boundary).area <= 1e-9 * town.boundary.area
    for a, b in combinations(geoms, 2):
        assert shapely.intersection(a, b).area <= 1e-12 * town.boundary.area


def test_town_is_in_england(town):
    lon, lat = town.boundary.centroid.x, town.boundary.centroid.y
    assert -2.5 < lon < 0 and 52 < lat < 53.5   # the East Midlands


def test_every_point_is_inside_the_town(town):
    shapely.prepare(town.boundary)
    for name in ("assets", "needs", "service_sites", "gazetteer"):
        frame = getattr(town, name)
        assert shapely.contains(town.boundary, points(frame)).all(), name
        assert (frame["lon"].round(7) == frame["lon"]).all() and (frame["lat"].round(7) == frame["lat"]).all()


def test_each_asset_is_in_exactly_one_neighbourhood(town):
    tree = shapely.STRtree(town.neighbourhoods["geom"].to_numpy())
    hits = tree.query(points(town.assets), predicate="covered_by")
    assert np.bincount(hits[0], minlength=len(town.assets)).tolist() == [1] * len(town.assets)


def test_service_areas_are_valid_multipolygons(town):
    geoms = town.service_areas["geom"].to_numpy()
    assert len(geoms) == len(town.services)
    assert all(g.geom_type == "MultiPolygon" and not g.is_empty for g in geoms)
    assert shapely.is_valid(geoms).all()
    assert (shapely.area(shapely.difference(geoms, town.boundary)) <= 1e-9 * town.boundary.area).all()


@pytest.mark.parametrize("group", ["people_with_mental_ill_health", "older_people"])
def test_catchments_overlap_across_agencies_for_one_client_group(town, group):
    services = town.services.merge(town.service_areas, left_on="source_ref", right_on="service_ref")
    serving = services[services["client_groups"].map(lambda groups: group in groups)]
    overlapping = {frozenset((a.agency, b.agency))
                   for a, b in combinations(serving.itertuples(), 2)
                   if a.agency != b.agency and shapely.intersection(a.geom, b.geom).area > 0.01 * a.geom.area}
    agencies = set().union(*overlapping)
    assert len(agencies) >= 3 and len(overlapping) >= 3


# Neighbourhoods, places and postcodes -------------------------------------------------------------------------

def test_neighbourhood_attributes(town):
    n = town.neighbourhoods
    assert n["code"].is_unique and n["name"].is_unique
    assert n["population"].between(1_500, 9_000).all()
    assert n["need_score"].between(5, 60).all()
    # Need is patterned, not noise: higher in the east.
    east = shapely.centroid(n["geom"].to_numpy())
    assert np.corrcoef(shapely.get_x(east), n["need_score"])[0, 1] > 0.2


def test_postcodes_look_british_but_are_not_real(town):
    postcodes = town.gazetteer.loc[town.gazetteer["kind"] == "postcode", "name"]
    assert postcodes.is_unique
    assert all(UK_POSTCODE.match(p) for p in postcodes)
    assert {p.split()[0] for p in postcodes} == {f"AV{d}" for d in range(1, 7)}
    for frame in (town.assets, town.service_sites):
        assert frame["postcode"].isin(set(postcodes)).all()


def test_gazetteer_is_normalised_and_unique(town):
    g = town.gazetteer
    assert (g["normalised"] == g["name"].str.upper().str.split().str.join(" ")).all()
    assert not g.duplicated(["kind", "normalised"]).any()
    assert "ASHCOMBE" in set(g.loc[g["kind"] == "place", "normalised"])


# Organisations and assets -------------------------------------------------------------------------------------

def test_organisations(town):
    o = town.organisations
    assert set(o["kind"]) <= {"residents_group", "charity", "faith_group", "public_body", "business",
                              "social_enterprise", "other"}
    assert o["source_ref"].is_unique and o["name"].is_unique


def test_assets_are_realistic_and_fit_the_schema(town):
    a = town.assets
    assert a["source_ref"].is_unique and a["public_id"].is_unique
    assert a["name"].duplicated().mean() < 0.02
    assert a["name"].str.len().between(1, 200).all()
    assert (a["description"].str.len() <= 5000).all() and (a["accessibility"].str.len() <= 2000).all()
    assert a["org_ref"].dropna().isin(set(town.organisations["source_ref"])).all()
    assert a["org_ref"].notna().mean() > 0.7
    status = a["status"].value_counts(normalize=True)
    assert status["published"] > 0.85 and 0.02 < status["pending"] < 0.1
    assert set(status.index) == {"published", "pending", "rejected", "archived"}
    assert all(set(tags) <= {"wifi", "kitchen", "parking", "step-free", "hearing-loop", "garden", "meeting-room",
                             "free", "family-friendly", "toilets"} for tags in a["tags"])
    assert a["contact_phone"].dropna().str.match(r"^01632 960\d{3}$").all()


def test_private_homes_are_generalised(town):
    a = town.assets
    homes = a[a["is_private_home"]]
    assert 0.01 < len(homes) / len(a) < 0.06
    assert (homes["location_precision"] == "generalised").all()
    assert (a.loc[~a["is_private_home"], "location_precision"] == "exact").all()
    assert not homes["address"].str.match(r"^\d").any()   # no house number for someone's home


# Capacity -----------------------------------------------------------------------------------------------------

def test_offers(town):
    o = town.offers
    per_asset = o["asset_ref"].value_counts()
    assert per_asset.max() <= 3
    assert len(per_asset) >= 0.7 * len(town.assets)
    assert o["asset_ref"].isin(set(town.assets["source_ref"])).all()
    assert set(o["kind"]) == codes("capacity_kinds")
    assert set(o["cost"]) == {"free", "donation", "subsidised", "paid"}


@pytest.mark.parametrize("table", ["offers", "needs"])
def test_quantity_and_unit_come_together(town, table):
    frame = getattr(town, table)
    assert (frame["quantity"].isna() == frame["unit"].isna()).all()
    assert set(frame["unit"].dropna()) <= {"hours_per_week", "places", "items"}
    assert frame["quantity"].dropna().between(1, 100_000).all()


def test_needs(town):
    n = town.needs
    assert n["org_ref"].isin(set(town.organisations["source_ref"])).all()
    assert set(n["kind"]) <= codes("capacity_kinds")
    assert (n["status"] == "open").mean() > 0.7
    assert n["title"].str.len().between(1, 200).all()


def test_every_schedule_parses():
    candidates = {s for s, _ in schedules()} | set(OFFICE_HOURS) | set(SESSIONS) | set(VISITING_HOURS)
    for schedule in candidates:
        OpeningHours(schedule)


def test_every_generated_schedule_is_a_known_one(town):
    candidates = {s for s, _ in schedules()} | set(OFFICE_HOURS) | set(SESSIONS) | set(VISITING_HOURS)
    used = set()
    for frame in (town.offers, town.needs, town.service_sites):
        used |= set(frame["schedule"].dropna())
    assert used <= candidates
    for schedule in used:
        OpeningHours(schedule)


# Services -----------------------------------------------------------------------------------------------------

def test_services(town):
    s = town.services
    assert set(s["agency_kind"]) <= {"nhs", "council", "housing", "police", "dwp", "voluntary", "education", "other"}
    assert set(s["theme"]) <= codes("themes")
    assert all(groups and set(groups) <= codes("client_groups") for groups in s["client_groups"])
    assert s["annual_spend"].between(20_000, 4_000_000).all()
    assert s["public_id"].is_unique and s["source_ref"].is_unique
    assert (s["status"] == "active").all()


def test_service_sites(town):
    sites = town.service_sites
    per_service = sites["service_ref"].value_counts()
    assert per_service.between(1, 4).all() and len(per_service) == len(town.services)
    assert set(sites["kind"]) == {"fixed", "outreach", "home_visit"}
    assert (sites["contacts_per_week"] >= 0).all()


# Vocabulary files ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["category_groups", "categories", "capacity_kinds", "themes", "client_groups"])
def test_vocabulary_files_are_well_formed(name):
    rows = vocabulary(name)
    assert rows and len({r["code"] for r in rows}) == len(rows)
    for row in rows:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", row["code"])
        assert row["label"] and row["description"]
        assert int(row["sort_order"]) >= 0
    assert len({int(r["sort_order"]) for r in rows}) == len(rows)


# Okabe and Ito's palette for colour-blind readers, less its yellow, which vanishes on a light basemap.
OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7"}


def test_category_groups_have_distinct_colour_blind_safe_colours_and_distinct_shapes():
    groups = vocabulary("category_groups")
    assert {r["colour"] for r in groups} <= OKABE_ITO and len({r["colour"] for r in groups}) == len(groups)
    assert len({r["shape"] for r in groups}) == len(groups)
    assert {r["group_code"] for r in vocabulary("categories")} == {r["code"] for r in groups}
    for row in vocabulary("categories"):
        assert re.fullmatch(r"[a-z0-9-]+", row["icon"]) and "colour" not in row   # a category's is its group's


def test_capacity_kinds_are_exactly_the_agreed_ones():
    assert codes("capacity_kinds") == {"space", "equipment", "volunteer_time", "skills", "transport", "food", "other"}
