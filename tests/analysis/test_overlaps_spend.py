"""Overlaps, service density and the Total Place count, on shapes whose answers are worked out by hand.

The shapes are drawn in the British National Grid (metres), 2 km squares near Leicester, and stored in EPSG:4326 as
the app stores them; the analyses measure in EPSG:27700 again, so the answers are exact to rounding.

    y
 3000 ┌────────┐                  N1 = [0,2000]²       population 1000
      │   B    │                  N2 = [2000,4000]×[0,2000] population 3000
 2000 ┌───┼────┼───┬───────────┐  A  = N1 (council, housing; older people, carers; £100,000)
      │ A │ AB │ B │    N2     │  B  = [1000,3000]² (NHS, health; older people; £50,000)
 1000 │   └────┼───┘   (D)     │  C  = catchment given as the code "N2" (NHS, housing; carers; £40,000)
      │   N1   │               │  D  = 500 m round (3000, 1000), inside N2 (council, health; no groups; no spend)
    0 └────────┴───────────────┘
      0      2000            4000  x
"""

from __future__ import annotations

import math

import pytest

from tests.analysis.shapes import square


def overlaps(conn, **filters):
    rows = conn.execute("SELECT * FROM analysis_overlaps(%(themes)s, %(groups)s, %(kinds)s)",
                        {"themes": filters.get("themes"), "groups": filters.get("groups"),
                         "kinds": filters.get("kinds")}).fetchall()
    return {(r["name_a"][-1], r["name_b"][-1]): r for r in rows}


def area_of(conn, name):
    return conn.execute("SELECT area_m2 FROM analysis_catchments() c JOIN services s ON s.id = c.service_id "
                        "WHERE s.name = %s", (name,)).fetchone()["area_m2"]


def test_two_squares_overlapping_by_a_quarter(conn):
    ab = overlaps(conn)[("A", "B")]
    assert ab["overlap_km2"] == pytest.approx(1.0, rel=1e-6)          # [1000,2000]²
    assert (ab["share_a"], ab["share_b"]) == (pytest.approx(0.25, rel=1e-6), pytest.approx(0.25, rel=1e-6))
    assert ab["population_both"] == pytest.approx(250, rel=1e-6)      # a quarter of N1's 1000
    assert ab["shared_client_groups"] == ["older_people"]
    assert (ab["same_theme"], ab["same_agency"], ab["pooling_candidate"]) == (False, False, True)
    assert ab["combined_spend"] == 150000


def test_a_catchment_given_as_neighbourhood_codes(conn):
    found = overlaps(conn)
    assert ("A", "C") not in found                                    # N1 and N2 only share an edge
    bc = found[("B", "C")]                                            # B ∩ N2 = [2000,3000]×[1000,2000]
    assert bc["overlap_km2"] == pytest.approx(1.0, rel=1e-6)
    assert (bc["share_a"], bc["share_b"]) == (pytest.approx(0.25, rel=1e-6), pytest.approx(0.25, rel=1e-6))
    assert bc["population_both"] == pytest.approx(750, rel=1e-6)      # a quarter of N2's 3000
    assert bc["shared_client_groups"] == [] and bc["same_agency"] and not bc["pooling_candidate"]


def test_a_radius_catchment(conn):
    area_d = area_of(conn, "Service D")
    assert area_d == pytest.approx(math.pi * 500**2, rel=0.01)        # a 500 m circle, drawn as a polygon
    cd = overlaps(conn)[("C", "D")]                                   # D lies wholly inside C (= N2)
    assert cd["share_b"] == pytest.approx(1.0) and cd["share_a"] == pytest.approx(area_d / 4e6, rel=1e-6)
    assert cd["population_both"] == pytest.approx(3000 * area_d / 4e6, rel=1e-6)
    assert ("B", "D") in overlaps(conn)                               # D reaches y = 1500 > 1000
    assert ("A", "D") not in overlaps(conn)


def test_overlaps_are_the_same_whichever_service_was_added_first(conn):
    before = {k: (r["overlap_km2"], r["population_both"]) for k, r in overlaps(conn).items()}
    # Re-adding B under a new id (higher than C's and D's) turns it from the first member of its pairs to the second.
    conn.execute("UPDATE services SET status = 'closed' WHERE name = 'Service B'")
    conn.execute(f"""WITH s AS (INSERT INTO services (agency, agency_kind, name, theme, client_groups, annual_spend)
                                VALUES ('Shire NHS Trust', 'nhs', 'Service B', 'health', '{{older_people}}', 50000)
                                RETURNING id)
                     INSERT INTO service_areas (service_id, geom) SELECT id, {square(1000, 1000, 3000, 3000)} FROM s""")
    after = {tuple(sorted(k)): (r["overlap_km2"], r["population_both"]) for k, r in overlaps(conn).items()}
    assert after.keys() == before.keys()
    for key, (km2, pop) in before.items():
        assert after[key] == (pytest.approx(km2, rel=1e-9), pytest.approx(pop, rel=1e-9))


def test_the_score_shows_each_weighted_term(conn):
    rows = conn.execute("SELECT * FROM analysis_overlaps(w_population => 1, w_client_groups => 0, w_shares => 0, "
                        "w_spend => 0)").fetchall()
    best = max(rows, key=lambda r: r["score"])
    assert best["population_both"] == max(r["population_both"] for r in rows) and best["score"] == 1.0
    for r in conn.execute("SELECT * FROM analysis_overlaps()"):
        assert r["score"] == pytest.approx(r["population_term"] + r["client_groups_term"] + r["shares_term"]
                                           + r["spend_term"])
        assert 0 <= r["share_a"] <= 1 and 0 <= r["share_b"] <= 1


def test_filters_select_the_services_both_sides_come_from(conn):
    assert set(overlaps(conn, groups=["older_people"])) == {("A", "B")}
    assert set(overlaps(conn, kinds=["nhs"])) == {("B", "C")}
    assert set(overlaps(conn, themes=["health"])) == {("B", "D")}


def test_service_density(conn):
    rows = {r["code"]: r for r in conn.execute("SELECT * FROM analysis_service_density()")}
    assert (rows["N1"]["services"], rows["N1"]["agencies"]) == (2, 2)       # A and B
    assert (rows["N2"]["services"], rows["N2"]["agencies"]) == (3, 2)       # B, C, D; NHS trust and council
    assert rows["N2"]["by_theme"] == {"health": 2, "housing": 1}
    assert rows["N2"]["by_client_group"] == {"carers": 1, "older_people": 1}


def test_spend_apportioned_by_population_and_the_part_outside(conn):
    parts = conn.execute("SELECT s.name, n.code, p.part, p.spend FROM analysis_spend_parts() p "
                         "JOIN services s ON s.id = p.service_id "
                         "LEFT JOIN neighbourhoods n ON n.id = p.neighbourhood_id").fetchall()
    got = {(p["name"][-1], p["code"] or p["part"]): p["spend"] for p in parts}
    # B: 4 km², of which 1 km² in N1 and 1 km² in N2: half its spend is outside; the inside half is shared by
    # population in the catchment, N1 1000 × 1/4 = 250 against N2 3000 × 1/4 = 750.
    assert got == {("A", "N1"): pytest.approx(100000), ("B", "N1"): pytest.approx(6250),
                   ("B", "N2"): pytest.approx(18750), ("B", "outside"): pytest.approx(25000),
                   ("C", "N2"): pytest.approx(40000)}
    per = {r["code"]: r for r in conn.execute("SELECT * FROM analysis_spend()")}
    assert per["N1"]["spend_total"] == pytest.approx(106250) and per["N1"]["spend_per_head"] == pytest.approx(106.25)
    assert per["N2"]["spend_total"] == pytest.approx(58750)
    assert per["N2"]["spend_per_head"] == pytest.approx(58750 / 3000)
    assert per["N1"]["by_agency_kind"] == {"council": pytest.approx(100000), "nhs": pytest.approx(6250)}
    assert per["N2"]["by_theme"] == {"health": pytest.approx(18750), "housing": pytest.approx(40000)}
    total = sum(p["spend"] for p in parts)
    assert total == pytest.approx(190000)   # every pound of A, B and C; D has no spend


def test_spend_of_a_catchment_with_no_population_and_of_a_service_without_one(conn):
    conn.execute("UPDATE neighbourhoods SET population = NULL WHERE code = 'N2'")
    conn.execute("INSERT INTO services (agency, name, theme, annual_spend) VALUES ('Shire Council', 'E', 'other', 7)")
    got = {(r["name"][-1], r["part"]): r["spend"] for r in conn.execute(
        "SELECT s.name, p.part, sum(p.spend) AS spend FROM analysis_spend_parts() p "
        "JOIN services s ON s.id = p.service_id GROUP BY 1, 2")}
    assert got[("C", "no population")] == pytest.approx(40000)
    assert got[("E", "no catchment")] == pytest.approx(7)
    assert got[("B", "neighbourhood")] == pytest.approx(25000)   # all of B's inside half now goes to N1
