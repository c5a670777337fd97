"""Service overlaps at scale: 10k catchments over 4,096 neighbourhoods, `python -m bench.overlaps`.

Times `assetmap.analysis.overlaps.overlaps` end to end (every intersecting pair of catchments: area, shares, the
population in both apportioned from neighbourhoods by area, shared client groups, the pooling score) on circles of
300–1,500 m round random points, drawn as the services importer draws a radius catchment.

The baseline, in the same run on the same polygons (read from the database beforehand, not timed), is geopandas
doing the same geometry work as well as it can: `sjoin` for the intersecting pairs, shapely's vectorised
intersection for their overlaps, and `geopandas.overlay` of those overlaps with the neighbourhoods for the
population in each. Both answers are compared: pairs, total overlap area and total population in both. A second
baseline is `geopandas.overlay(catchments, catchments)` alone: the overlaps' shapes, with no population or score.
"""

from __future__ import annotations

import argparse
import random
import time

import geopandas as gpd
import numpy as np
import psycopg
import shapely

from assetmap import vocab
from assetmap.analysis import overlaps
from assetmap.ingest.services import AGENCY_KINDS
from bench.common import bench_database, best

SIDE = 64            # 64 × 64 neighbourhoods of 1 km
CELL = 1000
X0, Y0 = 400_000, 150_000
RADII = (300, 1500)
AGENCIES = 60


def populate(conn: psycopg.Connection, catchments: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    conn.execute("""INSERT INTO neighbourhoods (code, name, population, geom)
                    SELECT format('B%%s-%%s', i, j), format('Block %%s-%%s', i, j), 500 + (i * 7 + j * 13) %% 2000,
                           ST_Transform(ST_Multi(ST_MakeEnvelope(%(x)s + i * %(c)s, %(y)s + j * %(c)s,
                                                                 %(x)s + (i + 1) * %(c)s, %(y)s + (j + 1) * %(c)s,
                                                                 27700)), 4326)
                      FROM generate_series(0, %(n)s - 1) i, generate_series(0, %(n)s - 1) j""",
                 {"x": X0, "y": Y0, "c": CELL, "n": SIDE})
    themes = vocab.codes(conn, "themes")
    groups = vocab.codes(conn, "client_groups")
    conn.execute("CREATE TEMP TABLE bench_services (n int, agency text, agency_kind text, theme text, "
                 "client_groups text[], spend numeric, x float8, y float8, radius float8)")
    side = SIDE * CELL
    with conn.cursor().copy("COPY bench_services FROM STDIN") as copy:
        for n in range(catchments):
            agency = rng.randrange(AGENCIES)
            copy.write_row((n, f"Agency {agency}", AGENCY_KINDS[agency % len(AGENCY_KINDS)], rng.choice(themes),
                            rng.sample(groups, rng.randint(1, 3)), rng.randint(50, 2000) * 1000,
                            X0 + rng.uniform(0, side), Y0 + rng.uniform(0, side), rng.uniform(*RADII)))
    conn.execute("""
        WITH s AS (
            INSERT INTO services (agency, agency_kind, name, theme, client_groups, annual_spend, source, source_ref)
            SELECT agency, agency_kind, 'Service ' || n, theme, client_groups, spend, 'bench', n::text
              FROM bench_services ORDER BY n RETURNING id, source_ref)
        INSERT INTO service_areas (service_id, geom)
        SELECT s.id, ST_Multi(ST_Buffer(ST_Transform(ST_SetSRID(ST_MakePoint(b.x, b.y), 27700), 4326)::geography,
                                        b.radius)::geometry)
          FROM s JOIN bench_services b ON b.n::text = s.source_ref""")
    conn.execute("ANALYZE")


def frames(conn: psycopg.Connection) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The catchments and neighbourhoods exactly as the analysis sees them (EPSG:27700)."""
    rows = conn.execute("SELECT service_id, ST_AsBinary(geom) FROM analysis_catchments() ORDER BY 1").fetchall()
    catchments = gpd.GeoDataFrame({"service_id": [r[0] for r in rows]},
                                  geometry=shapely.from_wkb([bytes(r[1]) for r in rows]), crs=27700)
    rows = conn.execute("SELECT id, population, ST_AsBinary(geom_bng) FROM neighbourhoods ORDER BY id").fetchall()
    hoods = gpd.GeoDataFrame({"nid": [r[0] for r in rows], "population": [r[1] for r in rows]},
                             geometry=shapely.from_wkb([bytes(r[2]) for r in rows]), crs=27700)
    hoods["n_area"] = hoods.area
    return catchments, hoods


def geopandas_overlaps(catchments: gpd.GeoDataFrame, hoods: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every intersecting pair (lower id first) with its overlap, area, shares and population in both."""
    joined = gpd.sjoin(catchments, catchments, predicate="intersects", lsuffix="a", rsuffix="b")
    joined = joined[joined["service_id_a"] < joined["service_id_b"]]
    geom_a = catchments.geometry.values[joined.index.to_numpy()]
    geom_b = catchments.geometry.values[joined["index_b"].to_numpy()]
    shared = shapely.intersection(geom_a, geom_b)
    pairs = gpd.GeoDataFrame({"a": joined["service_id_a"].to_numpy(), "b": joined["service_id_b"].to_numpy(),
                              "area_a": shapely.area(geom_a), "area_b": shapely.area(geom_b)},
                             geometry=shared, crs=27700)
    pairs["area"] = pairs.area
    pairs = pairs[pairs["area"] > 0.01].reset_index(drop=True)
    pairs["share_a"] = pairs["area"] / pairs["area_a"]
    pairs["share_b"] = pairs["area"] / pairs["area_b"]
    pairs["pair"] = np.arange(len(pairs))
    cut = gpd.overlay(pairs[["pair", "geometry"]], hoods, how="intersection", keep_geom_type=True)
    cut["people"] = cut["population"] * cut.area / cut["n_area"]
    people = cut.groupby("pair")["people"].sum()
    pairs["population_both"] = people.reindex(pairs["pair"]).fillna(0).to_numpy()
    return pairs


def run(admin_url: str, repeat: int = 3, catchments: int = 10_000) -> dict:
    with bench_database(admin_url, "overlaps") as url, psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        populate(conn, catchments)
        load_s = time.perf_counter() - t
        found: dict = {}
        ours_s = best(lambda: found.update(ours=overlaps.overlaps(conn, geometry=False)), repeat)
        cs, hoods = frames(conn)
        gp_s = best(lambda: found.update(theirs=geopandas_overlaps(cs, hoods)), repeat)
        overlay_s = best(lambda: gpd.overlay(cs, cs, how="intersection", keep_geom_type=True), repeat)
        ours, theirs = found["ours"].rows, found["theirs"]
        area = sum(r["overlap_km2"] for r in ours)
        people = sum(r["population_both"] for r in ours)
        their_area = float(theirs["area"].sum()) / 1e6
        their_people = float(theirs["population_both"].sum())
        return {"catchments": catchments, "neighbourhoods": SIDE * SIDE, "load_s": round(load_s, 1),
                "pairs": len(ours), "seconds": round(ours_s, 2), "baseline_geopandas_s": round(gp_s, 2),
                "ratio_to_baseline": round(ours_s / gp_s, 2), "baseline_overlay_only_s": round(overlay_s, 2),
                "ratio_to_overlay_only": round(ours_s / overlay_s, 2),
                "check": {"geopandas_pairs": len(theirs), "overlap_km2": round(area, 3),
                          "geopandas_overlap_km2": round(their_area, 3), "population_both": round(people),
                          "geopandas_population_both": round(their_people),
                          "same": len(ours) == len(theirs) and abs(area - their_area) <= 1e-6 * their_area
                          and abs(people - their_people) <= 1e-6 * their_people}}


def describe(r: dict) -> str:
    c = r["check"]
    return (f"service overlaps: {r['catchments']:,} catchments over {r['neighbourhoods']:,} neighbourhoods "
            f"(loaded and cut into pieces in {r['load_s']} s): "
            f"{r['pairs']:,} overlapping pairs in {r['seconds']} s; geopandas (sjoin, intersection, overlay for "
            f"population) {r['baseline_geopandas_s']} s; ratio {r['ratio_to_baseline']}x; geopandas.overlay of the "
            f"catchments alone (shapes only) {r['baseline_overlay_only_s']} s, ratio {r['ratio_to_overlay_only']}x; "
            f"overlap "
            f"{c['overlap_km2']:,} km² (geopandas {c['geopandas_overlap_km2']:,}), population in both "
            f"{c['population_both']:,} (geopandas {c['geopandas_population_both']:,}): "
            f"{'the same' if c['same'] else 'DIFFERENT'}")


if __name__ == "__main__":
    from bench.__main__ import server_url
    parser = argparse.ArgumentParser(prog="python -m bench.overlaps")
    parser.add_argument("--catchments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(describe(run(server_url(), args.repeat, args.catchments)))
