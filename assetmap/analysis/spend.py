"""The Total Place count: spend apportioned to neighbourhoods (sql/30_spend.sql), and where every pound went."""

from __future__ import annotations

import psycopg

from ..ingest.services import AGENCY_KINDS
from .filters import EVERYTHING, Filters
from .tables import Table, fetch, rows_of

SPEND_COLUMNS = ("code", "name", "population", "spend_total", "spend_per_head", *AGENCY_KINDS, "services")
PARTS = ("neighbourhood", "outside", "no population", "no catchment")
_FILTERS = "%(themes)s::text[], %(groups)s::text[], %(agency_kinds)s::text[]"


def spend(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, geometry: bool = True) -> Table:
    """One row per neighbourhood: spend apportioned to it, per head, one column per agency kind, and the
    breakdowns by agency and theme (JSON only). The summary says where the selected services' spend went."""
    fetched = fetch(conn, f"""
        SELECT code, name, population, services, spend_total, spend_per_head, by_agency_kind, by_agency, by_theme,
               {'ST_AsGeoJSON(geom, 5)::json' if geometry else 'NULL::json'}
          FROM analysis_spend({_FILTERS}) ORDER BY code""", filters.services_args())
    names = ("code", "name", "population", "services", "spend_total", "spend_per_head", "by_agency_kind",
             "by_agency", "by_theme")
    rows = rows_of(names, [r[:-1] for r in fetched])
    for row in rows:
        for kind in AGENCY_KINDS:
            row[kind] = float(row["by_agency_kind"].get(kind, 0))
    return Table("spend", SPEND_COLUMNS, rows, [r[-1] for r in fetched] if geometry else None,
                 summary=parts(conn, filters))


def parts(conn: psycopg.Connection, filters: Filters = EVERYTHING) -> dict[str, float]:
    """The selected services' spend, and how much of it lies in each part (see docs/analysis.md)."""
    by_part = dict(fetch(
        conn,
        f"SELECT part, sum(spend) FROM analysis_spend_parts({_FILTERS}) GROUP BY part",
        filters.services_args()))
    ((total,),) = fetch(conn, f"SELECT coalesce(sum(annual_spend), 0)::float8 FROM analysis_services({_FILTERS})",
                        filters.services_args())
    out = {"services_spend": total}
    out.update({part.replace(" ", "_"): float(by_part.get(part) or 0) for part in PARTS})
    return out
