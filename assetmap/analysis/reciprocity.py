"""What matters, measured: hours and exchanges given and received per neighbourhood and per organisation, the
flows between neighbourhoods, and the trend by month (sql/50_reciprocity.sql). Only confirmed exchanges count;
a person acting on their own is counted, never named. Every figure is defined in docs/analysis.md.
"""

from __future__ import annotations

import datetime

import psycopg

from .filters import EVERYTHING, Filters
from .tables import Table, fetch, rows_of

FIGURES = ("hours_given", "hours_received", "exchanges_given", "exchanges_received", "cross_boundary")
NEIGHBOURHOOD_COLUMNS = ("code", "name", *FIGURES, "partner_neighbourhoods", "partner_organisations", "needs_met",
                         "people_reached", "exchanges", "hours", "population")
ORGANISATION_COLUMNS = ("organisation", "named", *FIGURES, "partner_organisations", "partner_neighbourhoods",
                        "neighbourhoods", "needs_met", "people_reached", "exchanges", "hours")
FLOW_COLUMNS = ("from_code", "to_code", "hours", "exchanges", "people_reached", "from_name", "to_name", "within")
TREND_COLUMNS = ("month", "hours", "exchanges", "cross_boundary", "cross_boundary_share", "people_reached",
                 "needs_met")
TOTAL_COLUMNS = ("exchanges", "hours", "cross_boundary", "within_neighbourhood", "outside_neighbourhoods",
                 "with_individuals", "neighbourhoods", "organisations", "needs_met", "people_reached",
                 "first_exchange_month", "last_exchange_month")
_ARGS = "%(kinds)s::text[], %(first_month)s::date, %(last_month)s::date"


def _args(filters: Filters) -> dict:
    return {"kinds": filters.kinds_arg(), **filters.months_args()}


def _geometry(geometry: bool) -> str:
    return "ST_AsGeoJSON(geom, 5)::json" if geometry else "NULL::json"


def neighbourhoods(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, geometry: bool = True) -> Table:
    """One row per neighbourhood, zeros where nothing was exchanged; the summary holds the totals."""
    fetched = fetch(conn, f"""
        SELECT {', '.join(NEIGHBOURHOOD_COLUMNS)}, {_geometry(geometry)}
          FROM analysis_reciprocity({_ARGS}) ORDER BY code""", _args(filters))
    return Table("reciprocity", NEIGHBOURHOOD_COLUMNS, rows_of(NEIGHBOURHOOD_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched] if geometry else None, summary=totals(conn, filters))


def organisations(conn: psycopg.Connection, filters: Filters = EVERYTHING) -> Table:
    """One row per named organisation that took part, most hours first, then one row (`named` false, no name)
    for all the sides with no organisation."""
    fetched = fetch(conn, f"""
        SELECT {', '.join(ORGANISATION_COLUMNS)} FROM analysis_reciprocity_organisations({_ARGS})
         ORDER BY NOT named, hours DESC, lower(organisation)""", _args(filters))
    return Table("reciprocity_organisations", ORGANISATION_COLUMNS, rows_of(ORGANISATION_COLUMNS, fetched))


def flows(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, geometry: bool = True) -> Table:
    """Hours and exchanges from each giving neighbourhood to each receiving one, most hours first."""
    fetched = fetch(conn, f"""
        SELECT {', '.join(FLOW_COLUMNS)}, {_geometry(geometry)}
          FROM analysis_flows({_ARGS}) ORDER BY hours DESC, from_code, to_code""", _args(filters))
    return Table("flows", FLOW_COLUMNS, rows_of(FLOW_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched] if geometry else None)


def trends(conn: psycopg.Connection, filters: Filters = EVERYTHING) -> Table:
    """One row per month (`YYYY-MM`), months without exchanges included."""
    fetched = fetch(conn, f"""
        SELECT to_char(month, 'YYYY-MM'), {', '.join(TREND_COLUMNS[1:])}
          FROM analysis_trends({_ARGS}) ORDER BY month""", _args(filters))
    return Table("trends", TREND_COLUMNS, rows_of(TREND_COLUMNS, fetched))


def totals(conn: psycopg.Connection, filters: Filters = EVERYTHING) -> dict:
    """The key figures of the whole selection, with the filters that made it (months as `YYYY-MM`)."""
    (row,) = fetch(conn, f"SELECT {', '.join(TOTAL_COLUMNS)} FROM analysis_reciprocity_totals({_ARGS})",
                   _args(filters))
    out = dict(zip(TOTAL_COLUMNS, row, strict=True))
    for key in ("first_exchange_month", "last_exchange_month"):
        out[key] = out[key].strftime("%Y-%m") if out[key] else None
    return out | {"from": filters.from_month, "to": filters.to_month, "kinds": list(filters.kinds)}


def months(conn: psycopg.Connection, today: datetime.date | None = None) -> list[str]:
    """Every month (`YYYY-MM`) from the first with a confirmed exchange to this one (or the last with one, if
    later): what the filters offer."""
    today = today or datetime.date.today()
    ((first, last),) = fetch(conn, "SELECT min(month), max(month) FROM analysis_exchanges()")
    first, last = min(first or today, today), max(last or today, today)
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
