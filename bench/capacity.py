"""Capacity sharing at scale: 100k offers and 1k needs over 1,024 neighbourhoods, `python -m bench.capacity`.

Times `assetmap.analysis.capacity.links` end to end (supply and need per neighbourhood in SQL, the distances, one
exact transport solution per kind and unit, and each link's offers and needs), and `capacity.balance` alone. The
baseline, in the same run on the same database, is a bare GROUP BY of the offers' quantities per neighbourhood and
kind: the floor for reading that many offers. Exactness: for the kind with the most links, the solution's amount
moved and Σ amount × distance are compared with networkx's max_flow_min_cost on the same balances and distances.
"""

from __future__ import annotations

import argparse
import random
import time

import networkx as nx
import psycopg

from assetmap import schedule_weeks
from assetmap.analysis import capacity
from bench.common import bench_database, best

SIDE = 32            # 32 × 32 neighbourhoods of 500 m
CELL = 500
X0, Y0 = 520_000, 170_000
KINDS = (("volunteer_time", "hours_per_week", (1, 20)), ("space", "places", (5, 60)),
         ("equipment", "items", (1, 10)), ("skills", "hours_per_week", (1, 6)))
SCHEDULES = ("Mo-Fr 09:00-17:00", "Tu 18:00-21:00", "Sa 10:00-16:00", "Mo,We 10:00-12:00", "Th 19:00-22:00",
             "Su 14:00-17:00", "Mo-Su 08:00-20:00", None)


def populate(conn: psycopg.Connection, offers: int, needs: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    conn.execute("CREATE TEMP TABLE bench_blocks (code text, population int, x float8, y float8)")
    with conn.cursor().copy("COPY bench_blocks FROM STDIN") as copy:
        for i in range(SIDE):
            for j in range(SIDE):
                copy.write_row((f"B{i:02d}{j:02d}", rng.randint(800, 2500), X0 + i * CELL, Y0 + j * CELL))
    conn.execute("""INSERT INTO neighbourhoods (code, name, population, geom)
                    SELECT code, 'Block ' || code, population,
                           ST_Transform(ST_Multi(ST_MakeEnvelope(x, y, x + %(c)s, y + %(c)s, 27700)), 4326)
                      FROM bench_blocks""", {"c": CELL})
    side = SIDE * CELL

    def point() -> str:
        return f"SRID=27700;POINT({X0 + rng.uniform(0, side):.1f} {Y0 + rng.uniform(0, side):.1f})"

    conn.execute("CREATE TEMP TABLE bench_offers (n int, x text, kind text, quantity int, unit text, schedule text)")
    with conn.cursor().copy("COPY bench_offers FROM STDIN") as copy:
        for n in range(offers):
            kind, unit, (low, high) = rng.choice(KINDS)
            copy.write_row((n, point(), kind, rng.randint(low, high), unit,
                            rng.choice(SCHEDULES) if unit == "places" else None))
    conn.execute("""
        WITH a AS (
            INSERT INTO assets (name, category, geom, status)
            SELECT 'Bench asset ' || n, 'other', ST_Transform(x::geometry, 4326), 'published' FROM bench_offers
            ORDER BY n RETURNING id)
        INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule)
        SELECT a.id, b.kind, b.quantity, b.unit, b.schedule
          FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM a) a JOIN bench_offers b USING (n)""")
    conn.execute("CREATE TEMP TABLE bench_needs (title text, kind text, quantity int, unit text, schedule text, "
                 "x text)")
    with conn.cursor().copy("COPY bench_needs FROM STDIN") as copy:
        for n in range(needs):
            kind, unit, (low, high) = rng.choice(KINDS)
            # needs larger than a typical offer, so some neighbourhoods run a deficit
            copy.write_row((f"Need {n}", kind, rng.randint(low, high) * 40, unit,
                            rng.choice(SCHEDULES) if unit == "places" else None, point()))
    conn.execute("INSERT INTO capacity_needs (title, kind, quantity, unit, schedule, geom) "
                 "SELECT title, kind, quantity, unit, schedule, ST_Transform(x::geometry, 4326) FROM bench_needs")
    schedule_weeks.refresh(conn)
    conn.execute("ANALYZE")


def independent_check(conn: psycopg.Connection, links: capacity.Table, max_m: float) -> dict:
    """The kind with the most links, solved again by networkx (integer amounts: whole place-hours, hours, items)."""
    by_kind: dict[tuple[str, str], int] = {}
    for r in links.rows:
        by_kind[(r["kind"], r["unit"])] = by_kind.get((r["kind"], r["unit"]), 0) + 1
    kind, unit = max(by_kind, key=by_kind.get)
    rows = [r for r in capacity.balance(conn, geometry=False).rows if (r["kind"], r["unit"]) == (kind, unit)]
    codes = {r["code"] for r in rows}
    graph = nx.DiGraph()
    for r in rows:
        amount = round(r["balance"])
        if amount > 0:
            graph.add_edge("source", ("s", r["code"]), capacity=amount, weight=0)
        elif amount < 0:
            graph.add_edge(("t", r["code"]), "sink", capacity=-amount, weight=0)
    for a, b, d in conn.execute("""SELECT a.code, b.code, ST_Distance(ST_Centroid(a.geom_bng), ST_Centroid(b.geom_bng))
                                     FROM neighbourhoods a JOIN neighbourhoods b ON a.id <> b.id
                                      AND ST_DWithin(ST_Centroid(a.geom_bng), ST_Centroid(b.geom_bng), %s)""",
                                (max_m,)):
        if a in codes and b in codes and graph.has_node(("s", a)) and graph.has_node(("t", b)):
            graph.add_edge(("s", a), ("t", b), weight=round(d))   # whole metres: networkx needs integer weights
    t = time.perf_counter()
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    nx_s = time.perf_counter() - t
    moved = sum(flow["source"].values())
    ours = [r for r in links.rows if (r["kind"], r["unit"]) == (kind, unit)]
    our_moved = sum(r["amount"] for r in ours)
    our_cost = sum(r["amount"] * round(r["distance_km"] * 1000) for r in ours)
    nx_cost = nx.cost_of_flow(graph, flow)
    return {"kind": f"{kind}/{unit}", "links": len(ours), "moved": our_moved, "networkx_moved": moved,
            "cost_m": our_cost, "networkx_cost_m": nx_cost, "networkx_s": round(nx_s, 3),
            "exact": abs(our_moved - moved) < 1e-6 and abs(our_cost - nx_cost) <= 1e-6 * max(1, our_cost)}


def run(admin_url: str, repeat: int = 3, offers: int = 100_000, needs: int = 1_000) -> dict:
    with bench_database(admin_url, "capacity") as url, psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        populate(conn, offers, needs)
        load_s = time.perf_counter() - t
        found: dict = {}
        links_s = best(lambda: found.update(links=capacity.links(conn)), repeat)
        balance_s = best(lambda: capacity.balance(conn, geometry=False), repeat)
        baseline_s = best(lambda: conn.execute(
            "SELECT a.neighbourhood_id, o.kind, sum(o.quantity) FROM capacity_offers o "
            "JOIN assets a ON a.id = o.asset_id GROUP BY 1, 2").fetchall(), repeat)
        check = independent_check(conn, found["links"], 3000)
        return {"offers": offers, "needs": needs, "neighbourhoods": SIDE * SIDE, "load_s": round(load_s, 1),
                "links": len(found["links"].rows), "links_s": round(links_s, 3),
                "balance_s": round(balance_s, 3), "baseline_group_by_s": round(baseline_s, 3),
                "ratio_links_to_baseline": round(links_s / baseline_s, 1), "check": check}


def describe(r: dict) -> str:
    c = r["check"]
    return (f"capacity sharing: {r['offers']:,} offers, {r['needs']:,} needs, {r['neighbourhoods']:,} neighbourhoods: "
            f"{r['links']} suggested links in {r['links_s']} s (supply/need/balance alone {r['balance_s']} s); bare "
            f"GROUP BY of the offers {r['baseline_group_by_s']} s; ratio {r['ratio_links_to_baseline']}x; "
            f"{c['kind']}: moved {c['moved']:,.0f} (networkx {c['networkx_moved']:,}), Σ amount×m {c['cost_m']:,.0f} "
            f"(networkx {c['networkx_cost_m']:,}, {c['networkx_s']} s): {'exact' if c['exact'] else 'DIFFERENT'}")


if __name__ == "__main__":
    from bench.__main__ import server_url
    parser = argparse.ArgumentParser(prog="python -m bench.capacity")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(describe(run(server_url(), args.repeat, args.offers, args.needs)))
