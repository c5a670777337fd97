"""The demo town as loaded into PostGIS: what the issue promises, checked by the database itself."""

import psycopg
import pytest
from opening_hours import OpeningHours

from assetmap.demo.load import DemoAlreadyLoaded, load_demo


def one(conn, query, params=()):
    return conn.execute(query, params).fetchone()[0]


def test_counts(demo_conn):
    assert one(demo_conn, "SELECT count(*) FROM neighbourhoods") >= 25
    assert one(demo_conn, "SELECT count(*) FROM assets") >= 400
    assert one(demo_conn, "SELECT count(DISTINCT category) FROM assets") == one(
        demo_conn, "SELECT count(*) FROM categories")
    assert one(demo_conn, "SELECT count(*) FROM capacity_needs") >= 50
    assert one(demo_conn, "SELECT count(*) FROM services") >= 40
    assert one(demo_conn, "SELECT count(DISTINCT agency) FROM services") >= 6
    assert one(demo_conn, "SELECT count(DISTINCT agency_kind) FROM services") >= 6
    with_offers = one(demo_conn, "SELECT count(DISTINCT asset_id) FROM capacity_offers")
    assert with_offers > one(demo_conn, "SELECT count(*) FROM assets") / 2
    assert one(demo_conn, "SELECT count(*) FROM services s WHERE NOT EXISTS "
                          "(SELECT 1 FROM service_sites t WHERE t.service_id = s.id)") == 0
    assert one(demo_conn, "SELECT count(*) FROM services s WHERE NOT EXISTS "
                          "(SELECT 1 FROM service_areas a WHERE a.service_id = s.id)") == 0
    assert one(demo_conn, "SELECT count(*) FROM services WHERE annual_spend > 0") == one(
        demo_conn, "SELECT count(*) FROM services")
    assert one(demo_conn, "SELECT count(*) FROM gazetteer WHERE kind = 'postcode'") > 100


def test_neighbourhoods_tile_the_town_without_gaps_or_overlaps(demo_conn):
    overlap_m2 = one(demo_conn, """
        SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0)
          FROM neighbourhoods a JOIN neighbourhoods b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)""")
    assert overlap_m2 < 1.0
    # A gap would be a hole in the union of all neighbourhoods.
    holes, parts = demo_conn.execute("""
        SELECT sum(ST_NumInteriorRings(g)), count(*)
          FROM (SELECT (ST_Dump(ST_Union(geom))).geom g FROM neighbourhoods) u""").fetchone()
    assert (holes, parts) == (0, 1)
    assert all(p > 0 for (p,) in demo_conn.execute("SELECT population FROM neighbourhoods"))


def test_every_asset_has_its_neighbourhood_from_the_spatial_join(demo_conn):
    assert one(demo_conn, "SELECT count(*) FROM assets WHERE neighbourhood_id IS NULL") == 0
    assert one(demo_conn, """
        SELECT count(*) FROM assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id
         WHERE NOT ST_Covers(n.geom, a.public_geom)""") == 0   # a private home's: its generalised point's
    assert one(demo_conn, "SELECT count(*) FROM service_sites WHERE neighbourhood_id IS NULL") == 0


def test_the_town_is_in_england(demo_conn):
    # British National Grid must apply: every asset inside the grid's valid area in England.
    minx, miny, maxx, maxy = demo_conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(geom)::geometry e FROM neighbourhoods) x").fetchone()
    assert -5.7 < minx < maxx < 1.8 and 49.9 < miny < maxy < 55.8


def test_schedules_are_valid_opening_hours(demo_conn):
    schedules = [r[0] for r in demo_conn.execute(
        "SELECT schedule FROM capacity_offers WHERE schedule IS NOT NULL UNION "
        "SELECT schedule FROM service_sites WHERE schedule IS NOT NULL UNION "
        "SELECT schedule FROM capacity_needs WHERE schedule IS NOT NULL")]
    assert len(schedules) > 5
    for s in schedules:
        OpeningHours(s)   # raises on a syntax error


def test_catchments_overlap_across_agencies_for_the_same_client_group(demo_conn):
    pairs = one(demo_conn, """
        SELECT count(*)
          FROM services s1 JOIN service_areas a1 ON a1.service_id = s1.id,
               services s2 JOIN service_areas a2 ON a2.service_id = s2.id
         WHERE s1.id < s2.id AND s1.agency <> s2.agency
           AND s1.client_groups && s2.client_groups
           AND ST_Area(ST_Intersection(a1.geom, a2.geom)::geography) > 100000""")
    assert pairs >= 3


def test_private_homes_are_generalised(demo_conn):
    assert one(demo_conn, "SELECT count(*) FROM assets WHERE is_private_home") > 0
    assert one(demo_conn, "SELECT count(*) FROM assets WHERE is_private_home "
                          "AND location_precision <> 'generalised'") == 0


def digest(conn) -> list:
    return conn.execute("""
        SELECT (SELECT md5(string_agg(code || name || ST_AsEWKT(geom), ',' ORDER BY code)) FROM neighbourhoods),
               (SELECT md5(string_agg(source_ref || name || category || ST_AsEWKT(geom), ',' ORDER BY source_ref))
                  FROM assets),
               (SELECT count(*) FROM capacity_offers),
               (SELECT md5(string_agg(source_ref || name || annual_spend, ',' ORDER BY source_ref)) FROM services)
    """).fetchone()


def test_same_seed_same_town_and_loading_twice_is_refused(fresh_db_url, demo_conn):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        load_demo(conn, seed=1, scale=1)
        assert digest(conn) == digest(demo_conn)
        with pytest.raises(DemoAlreadyLoaded):
            load_demo(conn, seed=1, scale=1)
        load_demo(conn, seed=2, scale=1, replace=True)
        assert digest(conn) != digest(demo_conn)
        assert one(conn, "SELECT count(*) FROM neighbourhoods") == one(
            conn, "SELECT count(DISTINCT code) FROM neighbourhoods")


def test_scale_multiplies_assets(fresh_db_url, demo_conn):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        counts = load_demo(conn, seed=1, scale=3)
        base = one(demo_conn, "SELECT count(*) FROM assets")
        assert 2.5 * base <= counts["assets"] == one(conn, "SELECT count(*) FROM assets") <= 3.5 * base
        assert one(conn, "SELECT count(*) FROM services") == one(demo_conn, "SELECT count(*) FROM services")


def test_a_failed_load_leaves_nothing(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        # A constraint no catchment can meet makes the load fail late, after assets and offers are in.
        conn.execute("ALTER TABLE service_areas ADD CONSTRAINT refuse_all CHECK (false)")
        with pytest.raises(psycopg.errors.CheckViolation):
            load_demo(conn, seed=1, scale=1)
        for table in ("neighbourhoods", "organisations", "assets", "capacity_offers", "services", "gazetteer"):
            assert one(conn, f"SELECT count(*) FROM {table}") == 0, table
