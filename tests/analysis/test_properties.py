"""Properties of the SQL analyses on random rectangles, checked against shapely as an independent measure.

Each example writes its neighbourhoods and services inside a transaction that is rolled back, so one database
serves every example. Rectangles are in the British National Grid (metres) on a 100 m lattice, so every area is
exact and "touching along an edge" really happens.
"""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from tests.analysis.shapes import square
from tests.helpers import scratch_database

CELL = 100
coordinate = st.integers(0, 40).map(lambda v: v * CELL)


@st.composite
def rectangles(draw):
    x0, x1 = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(coordinate, min_size=2, max_size=2, unique=True)))
    return x0, y0, x1, y1


services_strategy = st.lists(st.tuples(rectangles(), st.integers(0, 1_000_000), st.sampled_from(("nhs", "council"))),
                             min_size=2, max_size=6)
# A 2 × 2 grid of 2 km neighbourhoods, each with its own population (or none).
populations_strategy = st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=4, max_size=4)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def db(admin_url, template_db):
    with scratch_database(admin_url, template_db) as url, psycopg.connect(url, autocommit=True) as c:
        yield c


def load(conn, populations, services):
    for k, population in enumerate(populations):
        x, y = (k % 2) * 2000, (k // 2) * 2000
        conn.execute(f"INSERT INTO neighbourhoods (code, name, population, geom) "
                     f"VALUES (%s, %s, %s, {square(x, y, x + 2000, y + 2000)})", (f"G{k}", f"Grid {k}", population))
    ids = []
    for n, ((x0, y0, x1, y1), spend, kind) in enumerate(services):
        ids.append(conn.execute(f"""
            WITH s AS (INSERT INTO services (agency, agency_kind, name, theme, client_groups, annual_spend)
                       VALUES (%s, %s, %s, 'health', '{{older_people}}', %s) RETURNING id)
            INSERT INTO service_areas (service_id, geom) SELECT id, {square(x0, y0, x1, y1)} FROM s
            RETURNING service_id""", (f"Agency {kind}", kind, f"S{n}", spend)).fetchone()[0])
    return ids


@EXAMPLES
@given(populations=populations_strategy, services=services_strategy)
def test_overlaps_match_shapely_and_are_symmetric(db, populations, services):
    with db.transaction(force_rollback=True):
        ids = load(db, populations, services)
        found = {(a, b): (km2, sa, sb, pop) for a, b, km2, sa, sb, pop in db.execute(
            "SELECT service_a, service_b, overlap_km2, share_a, share_b, population_both FROM analysis_overlaps()")}
        shapes = {i: box(*r) for i, (r, _, _) in zip(ids, services, strict=True)}
        expected = {}
        for a in ids:
            for b in ids:
                if a < b and shapes[a].intersection(shapes[b]).area > 0:
                    expected[(a, b)] = shapes[a].intersection(shapes[b]).area
        assert set(found) == set(expected)            # each overlapping pair once, lower id first; none invented
        for (a, b), (km2, share_a, share_b, population) in found.items():
            assert km2 * 1e6 == pytest.approx(expected[(a, b)], rel=1e-6)
            assert 0 <= share_a <= 1 and 0 <= share_b <= 1
            assert share_a == pytest.approx(expected[(a, b)] / shapes[a].area, rel=1e-6)
            assert share_b == pytest.approx(expected[(a, b)] / shapes[b].area, rel=1e-6)
            inside = sum((p or 0) * shapes[a].intersection(shapes[b]).intersection(cell(k)).area / 4e6
                         for k, p in enumerate(populations))
            assert population == pytest.approx(inside, rel=1e-6, abs=1e-6)


def cell(k):
    x, y = (k % 2) * 2000, (k // 2) * 2000
    return box(x, y, x + 2000, y + 2000)


@EXAMPLES
@given(populations=populations_strategy, services=services_strategy)
def test_apportioned_spend_adds_up_to_the_input_spend(db, populations, services):
    with db.transaction(force_rollback=True):
        load(db, populations, services)
        parts = dict(db.execute("SELECT part, sum(spend) FROM analysis_spend_parts() GROUP BY part").fetchall())
        total = sum(spend for _, spend, _ in services)
        assert sum(parts.values()) == pytest.approx(total, rel=1e-9, abs=1e-6)
        assert all(v >= -1e-6 for v in parts.values())
        # The neighbourhoods' totals are the 'neighbourhood' part, and the part outside is what lies beyond the grid.
        (apportioned,) = db.execute("SELECT coalesce(sum(spend_total), 0) FROM analysis_spend()").fetchone()
        assert apportioned == pytest.approx(parts.get("neighbourhood", 0), rel=1e-9, abs=1e-6)
        outside = sum(spend * (1 - box(*r).intersection(box(0, 0, 4000, 4000)).area / box(*r).area)
                      for r, spend, _ in services)
        assert parts.get("outside", 0) == pytest.approx(outside, rel=1e-6, abs=1e-3)


@EXAMPLES
@given(services=services_strategy)
def test_service_density_counts_the_services_covering_more_than_an_edge(db, services):
    with db.transaction(force_rollback=True):
        load(db, [1000] * 4, services)
        found = dict(db.execute("SELECT code, services FROM analysis_service_density()").fetchall())
        expected = {f"G{k}": sum(box(*r).intersection(cell(k)).area > 0 for r, _, _ in services) for k in range(4)}
        assert found == expected
