"""The analyses on real data: Camden's 133 LSOAs (ONS mid-2020 populations) and services round its real GP practices
and libraries, checked against geopandas/shapely as an independent measure of the same stored shapes."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
import shapely
from psycopg.rows import dict_row

from assetmap.analysis import capacity, overlaps, spend
from assetmap.ingest.neighbourhoods import import_neighbourhoods
from assetmap.ingest.service_files import import_services

BOROUGH_POPULATION = 279_516   # the README of the real data: Camden's mid-2020 total


@pytest.fixture(scope="module")
def camden(realdata, admin_url, template_db, tmp_path_factory):
    from tests.helpers import scratch_database
    folder = tmp_path_factory.mktemp("camden")
    with scratch_database(admin_url, template_db) as url, \
            psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        report = import_neighbourhoods(conn, realdata / "camden_lsoa11_imd2019.geojson", code_field="lsoa11cd",
                                       name_field="lsoa11nm", population_field="pop_mid2020_total")
        assert report.rejected == []
        gps = gpd.read_file(realdata / "camden_gp_practices.geojson")
        # a practice's spend from its list size (£160 a patient a year); a few have no list size: 3,000 patients
        gps["patients"] = gps["patients_registered_jan2021"].fillna(3000).astype(int)
        libraries = gpd.read_file(realdata / "camden_libraries.geojson")
        rows = [{"source_ref": f"gp-{r.ods_code}", "agency": "NHS North Central London ICB", "agency_kind": "nhs",
                 "name": r["name"], "theme": "health", "client_groups": "older_people;long_term_conditions",
                 "annual_spend": 160 * r.patients, "lon": r.geometry.x,
                 "lat": r.geometry.y, "catchment_radius_m": 1000} for _, r in gps.iterrows()]
        rows += [{"source_ref": f"library-{i}", "agency": "London Borough of Camden", "agency_kind": "council",
                  "name": r["name"], "theme": "education", "client_groups": "older_people;children_families",
                  "annual_spend": 250_000, "lon": r.geometry.x, "lat": r.geometry.y, "catchment_radius_m": 1500}
                 for i, (_, r) in enumerate(libraries.iterrows())]
        codes = [r["code"] for r in conn.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 20")]
        rows.append({"source_ref": "social-prescribing", "agency": "Camden Voluntary Action",
                     "agency_kind": "voluntary", "name": "Social prescribing link workers", "theme": "health",
                     "client_groups": "older_people", "annual_spend": 400_000,
                     "catchment_neighbourhoods": ";".join(codes)})
        path = folder / "services.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        assert import_services(conn, path).rejected == []
        yield conn


def stored(conn, query):
    """The query's rows as a GeoDataFrame (its `geom` column in EPSG:27700), read as WKB."""
    rows = conn.execute(f"SELECT ST_AsBinary(geom) AS wkb, * FROM ({query}) q").fetchall()
    frame = pd.DataFrame([{k: v for k, v in r.items() if k not in ("wkb", "geom")} for r in rows])
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb([bytes(r["wkb"]) for r in rows]), crs=27700)


def test_camden_overlaps_agree_with_geopandas(camden):
    pairs = overlaps.overlaps(camden, geometry=False).rows
    shapes = stored(camden, "SELECT service_id, geom FROM analysis_catchments()").set_index("service_id")
    joined = gpd.sjoin(shapes.reset_index(), shapes.reset_index(), predicate="intersects")
    joined = joined[joined["service_id_left"] < joined["service_id_right"]]
    areas = {(a, b): shapes.geometry[a].intersection(shapes.geometry[b]).area
             for a, b in zip(joined["service_id_left"], joined["service_id_right"], strict=True)}
    expected = {k: v for k, v in areas.items() if v > 0.01}
    assert {(r["service_a"], r["service_b"]) for r in pairs} == set(expected)
    assert len(pairs) > 100
    for r in pairs:
        assert r["overlap_km2"] * 1e6 == pytest.approx(expected[(r["service_a"], r["service_b"])], rel=1e-6)
        assert 0 <= r["share_a"] <= 1 and 0 <= r["share_b"] <= 1
        assert r["population_both"] <= BOROUGH_POPULATION


def test_camden_population_is_apportioned_without_loss(camden):
    (total,) = camden.execute("SELECT sum(population) AS n FROM neighbourhoods").fetchone().values()
    assert total == BOROUGH_POPULATION
    (within,) = camden.execute("SELECT analysis_population_within(ST_Union(geom_bng)) AS n "
                               "FROM neighbourhoods").fetchone().values()
    assert within == pytest.approx(BOROUGH_POPULATION, rel=1e-6)


def test_camden_spend_adds_up_and_what_lies_outside_is_said(camden):
    table = spend.spend(camden, geometry=False)
    parts = table.summary
    assert len(table.rows) == 133
    assert sum(r["spend_total"] for r in table.rows) == pytest.approx(parts["neighbourhood"], rel=1e-9)
    assert sum(parts[p] for p in ("neighbourhood", "outside", "no_population", "no_catchment")) == \
        pytest.approx(parts["services_spend"], rel=1e-9)
    # Catchments round practices near the borough's edge reach into Westminster, Islington, Barnet…: some of their
    # spend lies outside Camden's LSOAs, and exactly the share of their area beyond them.
    shapes = stored(camden, "SELECT c.geom, s.annual_spend::float8 AS spend FROM analysis_catchments() c "
                            "JOIN services s ON s.id = c.service_id")
    borough = stored(camden, "SELECT ST_Union(geom_bng) AS geom FROM neighbourhoods").geometry[0]
    outside = sum(r.spend * r.geometry.difference(borough).area / r.geometry.area for r in shapes.itertuples())
    assert parts["outside"] == pytest.approx(outside, rel=1e-4) and parts["outside"] > 0
    per_head = [r["spend_per_head"] for r in table.rows]
    assert all(v is not None and v > 0 for v in per_head)


def test_camden_density_counts_every_lsoa(camden):
    rows = overlaps.density(camden, geometry=False).rows
    assert len(rows) == 133 and all(r["services"] >= 1 for r in rows)


def test_camden_capacity_runs_with_an_estimate(camden):
    from assetmap.analysis.filters import Filters, Options
    table = capacity.balance(camden, Filters(kinds=("volunteer_time",)), Options(estimate={"volunteer_time": 20}))
    assert len(table.rows) == 133
    assert sum(r["need_estimated"] for r in table.rows) == pytest.approx(20 * BOROUGH_POPULATION / 1000, rel=1e-6)
