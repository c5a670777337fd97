"""Stored catchments and their pieces (migration 0011) follow every write that changes them: a service's areas
added, reshaped or removed, and neighbourhoods added, reshaped or removed. Worked by hand on squares (metres):

    N1 = [0,2000]², N2 = [2000,4000]×[0,2000];  service S: [1000,3000]×[1000,3000] (4 km²), half of it above both
    → pieces N1 [1000,2000]×[1000,2000] (1 km²) and N2 [2000,3000]×[1000,2000] (1 km²), 2 km² outside.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.analysis.shapes import square

KM2 = 1e6


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        c.execute(f"INSERT INTO neighbourhoods (code, name, population, geom) VALUES "
                  f"('N1', 'North One', 1000, {square(0, 0, 2000, 2000)}), "
                  f"('N2', 'North Two', 3000, {square(2000, 0, 4000, 2000)})")
        yield c


def add_service(c, *shapes) -> int:
    sid = c.execute("INSERT INTO services (agency, name, theme) VALUES ('Shire', 'S', 'health') "
                    "RETURNING id").fetchone()["id"]
    for shape in shapes:
        c.execute(f"INSERT INTO service_areas (service_id, geom) VALUES (%s, {shape})", (sid,))
    return sid


def catchment(c, sid):
    return c.execute("SELECT area_m2 / 1e6 AS km2, outside_m2 / 1e6 AS outside FROM service_catchments "
                     "WHERE service_id = %s", (sid,)).fetchone()


def pieces(c, sid) -> dict[str, tuple[bool, float]]:
    rows = c.execute("SELECT n.code, p.whole, p.area_m2 / 1e6 AS km2 FROM catchment_pieces p "
                     "JOIN neighbourhoods n ON n.id = p.neighbourhood_id WHERE p.service_id = %s", (sid,))
    return {r["code"]: (r["whole"], pytest.approx(r["km2"], abs=1e-6)) for r in rows}


def test_a_new_area_is_stored_and_cut(conn):
    sid = add_service(conn, square(1000, 1000, 3000, 3000))
    assert catchment(conn, sid) == {"km2": pytest.approx(4), "outside": pytest.approx(2, abs=1e-6)}
    assert pieces(conn, sid) == {"N1": (False, 1), "N2": (False, 1)}


def test_areas_of_one_service_are_unioned(conn):
    sid = add_service(conn, square(0, 0, 2000, 2000), square(1000, 0, 3000, 2000))
    assert catchment(conn, sid)["km2"] == pytest.approx(6)      # 4 + 4 − the 2 km² they share
    assert pieces(conn, sid) == {"N1": (True, 4), "N2": (False, 2)}


def test_reshaped_and_removed_areas_follow(conn):
    sid = add_service(conn, square(1000, 1000, 3000, 3000))
    conn.execute(f"UPDATE service_areas SET geom = {square(0, 0, 1000, 1000)} WHERE service_id = %s", (sid,))
    assert catchment(conn, sid) == {"km2": pytest.approx(1), "outside": pytest.approx(0, abs=1e-6)}
    assert pieces(conn, sid) == {"N1": (False, 1)}
    conn.execute("DELETE FROM service_areas WHERE service_id = %s", (sid,))
    assert catchment(conn, sid) is None and pieces(conn, sid) == {}


def test_neighbourhoods_added_reshaped_and_removed_recut_the_catchments(conn):
    sid = add_service(conn, square(1000, 1000, 3000, 3000))
    conn.execute(f"INSERT INTO neighbourhoods (code, name, geom) VALUES ('N3', 'Top', {square(0, 2000, 4000, 4000)})")
    assert pieces(conn, sid) == {"N1": (False, 1), "N2": (False, 1), "N3": (False, 2)}
    assert catchment(conn, sid)["outside"] == pytest.approx(0, abs=1e-6)
    conn.execute(f"UPDATE neighbourhoods SET geom = {square(1000, 1000, 3000, 3000)} WHERE code = 'N3'")
    assert pieces(conn, sid)["N3"] == (True, 4)
    conn.execute("DELETE FROM neighbourhoods WHERE code = 'N3'")
    assert pieces(conn, sid) == {"N1": (False, 1), "N2": (False, 1)}
    assert catchment(conn, sid)["outside"] == pytest.approx(2, abs=1e-6)


def test_edge_contact_is_no_piece_and_a_deleted_service_leaves_nothing(conn):
    sid = add_service(conn, square(-1000, 0, 0, 2000))     # shares N1's west edge only
    assert pieces(conn, sid) == {}
    assert catchment(conn, sid)["outside"] == pytest.approx(2)
    conn.execute("DELETE FROM services WHERE id = %s", (sid,))
    assert catchment(conn, sid) is None


def test_overlaps_are_found_through_the_pieces_and_outside_them(conn):
    # A and B meet inside N1 and N2 and outside every neighbourhood (y > 2000): the overlap is measured whole.
    a = add_service(conn, square(1000, 1000, 3000, 3000))
    b = add_service(conn, square(1500, 1500, 2500, 3500))
    # C lies in N2 only and shares a corner square with A: found from the pieces alone.
    c = add_service(conn, square(2500, 500, 3500, 1500))
    rows = {(r["service_a"], r["service_b"]): r for r in conn.execute(
        "SELECT service_a, service_b, overlap_km2, population_both FROM analysis_overlaps()")}
    assert rows[(a, b)]["overlap_km2"] == pytest.approx(1.5)                      # [1500,2500]×[1500,3000]
    assert rows[(a, b)]["population_both"] == pytest.approx(0.25 * 250 + 0.25 * 750)  # ¼ km² in each, 250 and 750 a km²
    assert rows[(a, c)]["overlap_km2"] == pytest.approx(0.25)
    assert rows[(a, c)]["population_both"] == pytest.approx(0.25 * 750)
    assert (b, c) not in rows
