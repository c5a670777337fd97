"""Capacity sharing: weekly supply against need per neighbourhood, the suggested links between surplus and deficit
neighbourhoods (an exact transport solution, sharing.py), and direct matches of offers to needs.

Supply, need and distances come from sql/40_capacity.sql; the solver runs once per kind and unit, as kinds are
never mixed. Method in docs/analysis.md.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from .. import schedule_weeks, vocab
from .filters import DEFAULTS, EVERYTHING, Filters, Options
from .sharing import solve
from .tables import Table, fetch, rows_of

BALANCE_COLUMNS = ("code", "kind", "unit", "supply", "need", "balance", "name", "population", "need_recorded",
                   "need_estimated", "offers", "needs", "supply_as_given")
LINK_COLUMNS = ("from_code", "to_code", "kind", "unit", "amount", "distance_km", "from_name", "to_name",
                "offer_ids", "need_ids")
MATCH_COLUMNS = ("need_id", "need_title", "offer_id", "asset_id", "asset_name", "kind", "unit", "need_quantity",
                 "offer_quantity", "distance_m", "overlap_hours", "times", "rank")

# The one unit each kind of offer is counted in a week (sql/40_capacity.sql), in words.
UNIT_WORDS = {"hours_per_week": "hours a week", "place_hours_per_week": "place-hours a week", "items": "items"}

_LINK_DETAILS = (Path(__file__).with_name("queries") / "link_details.sql").read_text()


def _estimate(conn: psycopg.Connection, options: Options) -> dict[str, float] | None:
    if not options.estimate:
        return None
    unknown = sorted(set(options.estimate) - set(vocab.codes(conn, "capacity_kinds")))
    if unknown:
        raise ValueError(f"ASSETMAP_NEED_ESTIMATE names unknown capacity kinds: {', '.join(unknown)}")
    return dict(options.estimate)


def _jsonb(value: dict | None) -> Jsonb | None:
    return Jsonb(value) if value is not None else None


def _balance_rows(conn: psycopg.Connection, filters: Filters, options: Options, geometry: bool):
    schedule_weeks.refresh(conn)   # a schedule written by a path that did not store its week yet
    names = ("neighbourhood_id", *BALANCE_COLUMNS)
    fetched = fetch(conn, f"""
        SELECT neighbourhood_id, {', '.join(BALANCE_COLUMNS)},
               {'ST_AsGeoJSON(geom, 5)::json' if geometry else 'NULL::json'}
          FROM analysis_capacity_balance(%(kinds)s::text[], %(estimate)s::jsonb)
         ORDER BY code, kind, unit""",
        {"kinds": filters.kinds_arg(), "estimate": _jsonb(_estimate(conn, options))})
    return rows_of(names, [r[:-1] for r in fetched]), [r[-1] for r in fetched]


def balance(conn: psycopg.Connection, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
            geometry: bool = True) -> Table:
    """One row per neighbourhood, kind and unit: supply, need and balance a week."""
    rows, geometries = _balance_rows(conn, filters, options, geometry)
    for row in rows:
        del row["neighbourhood_id"]
    return Table("capacity", BALANCE_COLUMNS, rows, geometries if geometry else None,
                 summary={"max_distance_m": options.max_distance_m, "need_estimate": dict(options.estimate)})


def links(conn: psycopg.Connection, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
          geometry: bool = True) -> Table:
    """The suggested links: for each kind and unit, as much deficit met from surpluses within the distance as can
    be, with the least total amount × distance; each link lists the offers and needs at its two ends."""
    rows, _ = _balance_rows(conn, filters, options, geometry=False)
    by_id = {r["neighbourhood_id"]: r for r in rows}
    distances = fetch(conn, "SELECT from_id, to_id, distance_m FROM analysis_neighbourhood_distances(%s)",
                             (options.max_distance_m,))
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["kind"], row["unit"])].append(row)
    out: list[dict] = []
    summary: dict[str, dict] = {}
    for (kind, unit), members in sorted(groups.items()):
        surplus = {r["neighbourhood_id"]: r["balance"] for r in members if r["balance"] > 0}
        deficit = {r["neighbourhood_id"]: -r["balance"] for r in members if r["balance"] < 0}
        solution = solve(surplus, deficit, distances, options.max_distance_m)
        summary[f"{kind}/{unit}"] = {"surplus": sum(surplus.values()), "deficit": sum(deficit.values()),
                                     "moved": solution.moved, "amount_x_distance_km": solution.cost / 1000}
        for f in solution.flows:
            out.append({"from_id": f.source, "to_id": f.target, "from_code": by_id[f.source]["code"],
                        "to_code": by_id[f.target]["code"], "from_name": by_id[f.source]["name"],
                        "to_name": by_id[f.target]["name"], "kind": kind, "unit": unit, "amount": f.amount,
                        "distance_km": f.distance / 1000})
    geometries = _details(conn, filters, out, geometry)
    for row in out:
        del row["from_id"], row["to_id"]
    return Table("links", LINK_COLUMNS, out, geometries if geometry else None,
                 summary={"max_distance_m": options.max_distance_m, "by_kind": summary})


def _details(conn: psycopg.Connection, filters: Filters, links_: list[dict], geometry: bool) -> list:
    """Fill in each link's offers (at its surplus end) and needs (at its deficit end); the line between centroids."""
    if not links_:
        return []
    fetched = fetch(conn, _LINK_DETAILS, {
        "from_ids": [r["from_id"] for r in links_], "to_ids": [r["to_id"] for r in links_],
        "kinds": [r["kind"] for r in links_], "units": [r["unit"] for r in links_], "geometry": geometry,
    })
    for row, (offers, needs, line) in zip(links_, fetched, strict=True):
        row["offers"], row["needs"] = offers or [], needs or []
        row["offer_ids"] = [o["offer_id"] for o in row["offers"]]
        row["need_ids"] = [n["need_id"] for n in row["needs"]]
        row["geometry"] = line
    return [row.pop("geometry") for row in links_]


def matches(conn: psycopg.Connection, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
            per_need: int = 5, geometry: bool = True) -> Table:
    """For each open need, the nearest offers that could meet it (sql/40_capacity.sql: analysis_direct_matches)."""
    schedule_weeks.refresh(conn)
    fetched = fetch(conn, f"""
        SELECT {', '.join(MATCH_COLUMNS)}, {'ST_AsGeoJSON(geom, 5)::json' if geometry else 'NULL::json'}
          FROM analysis_direct_matches(%(kinds)s::text[], %(max_m)s, %(per_need)s)
         ORDER BY need_id, rank""",
        {"kinds": filters.kinds_arg(), "max_m": options.max_distance_m, "per_need": per_need})
    return Table("matches", MATCH_COLUMNS, rows_of(MATCH_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched] if geometry else None)
