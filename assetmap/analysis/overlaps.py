"""Where services overlap: pairs of catchments, pooling candidates, service density, and the catchments themselves.

Each function selects from one SQL function of sql/20_overlaps.sql (or sql/10_services.sql), so the pages, the
API, the CLI and a planner's own SQL get the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from ..errors import InvalidParameter
from .filters import DEFAULTS, EVERYTHING, Filters, Options
from .tables import Table, fetch, rows_of

OVERLAP_COLUMNS = ("service_a", "service_b", "agency_a", "agency_b", "overlap_km2", "share_a", "share_b",
                   "population_both", "shared_client_groups", "same_theme", "score",
                   "name_a", "name_b", "agency_kind_a", "agency_kind_b", "theme_a", "theme_b", "same_agency",
                   "combined_spend", "pooling_candidate", "population_term", "client_groups_term", "shares_term",
                   "spend_term")
DENSITY_COLUMNS = ("code", "name", "population", "services", "agencies", "by_theme", "by_client_group")
CATCHMENT_COLUMNS = ("service_id", "name", "agency", "agency_kind", "theme", "client_groups", "area_km2")

_FILTERS = "%(themes)s::text[], %(groups)s::text[], %(agency_kinds)s::text[]"


def _geometry(column: str, wanted: bool) -> str:
    return f"ST_AsGeoJSON({column}, 5)::json" if wanted else "NULL::json"


def overlaps(conn: psycopg.Connection, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
             candidates_only: bool = False, services: Sequence[int] = (), geometry: bool = True,
             limit: int | None = None) -> Table:
    """Every overlapping pair, highest score first; only pooling candidates, or only pairs among `services`."""
    w = options.weights
    query = f"""
        SELECT {', '.join(OVERLAP_COLUMNS)},
               -- the shape for the rows returned only: the function's own geom column would draw every pair
               {_geometry('analysis_overlap_shape(service_a, service_b)', geometry)}
          FROM analysis_overlaps({_FILTERS}, %(w_population)s, %(w_client_groups)s, %(w_shares)s, %(w_spend)s)
         WHERE (NOT %(candidates)s OR pooling_candidate)
           AND (%(services)s::bigint[] IS NULL OR (service_a = ANY (%(services)s) AND service_b = ANY (%(services)s)))
         ORDER BY score DESC, service_a, service_b
         LIMIT %(limit)s"""
    fetched = fetch(conn, query, filters.services_args() | {
        "w_population": w["population"], "w_client_groups": w["client_groups"], "w_shares": w["shares"],
        "w_spend": w["spend"], "candidates": candidates_only, "services": list(services) or None,
        "limit": limit})
    return Table("overlaps", OVERLAP_COLUMNS, rows_of(OVERLAP_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched] if geometry else None,
                 summary={"pairs": len(fetched), "weights": dict(w)})


def density(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, geometry: bool = True) -> Table:
    """Per neighbourhood, the services and agencies that touch it, by theme and by client group."""
    fetched = fetch(
        conn,
        f"SELECT {', '.join(DENSITY_COLUMNS)}, {_geometry('geom', geometry)} "
        f"FROM analysis_service_density({_FILTERS}) ORDER BY code", filters.services_args())
    return Table("density", DENSITY_COLUMNS, rows_of(DENSITY_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched] if geometry else None)


def catchments(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, services: Sequence[int] = ()) -> Table:
    """The catchments the analyses use (one shape per service), for drawing them."""
    fetched = fetch(conn, f"""
        SELECT s.id, s.name, s.agency, s.agency_kind, s.theme, s.client_groups, c.area_m2 / 1e6,
               ST_AsGeoJSON(ST_Transform(c.geom, 4326), 5)::json
          FROM analysis_catchments({_FILTERS}) c
          JOIN services s ON s.id = c.service_id
         WHERE %(services)s::bigint[] IS NULL OR s.id = ANY (%(services)s)
         ORDER BY s.id""", filters.services_args() | {"services": list(services) or None})
    return Table("catchments", CATCHMENT_COLUMNS, rows_of(CATCHMENT_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched])


SHAPE_COLUMNS = ("service_a", "service_b")


def shapes(conn: psycopg.Connection, filters: Filters = EVERYTHING, *, services: Sequence[int]) -> Table:
    """The shape each pair among `services` shares, for a map: without the whole analysis that ranks the pairs."""
    if len(set(services)) < 2:
        raise InvalidParameter("services", "give the ids of at least two services whose shared shapes to draw")
    fetched = fetch(conn, f"""
        SELECT x.service_id, y.service_id, ST_AsGeoJSON(o.shape, 5)::json
          FROM analysis_catchments({_FILTERS}) x
          JOIN analysis_catchments({_FILTERS}) y ON y.service_id > x.service_id AND y.geom && x.geom
         CROSS JOIN LATERAL (SELECT analysis_overlap_shape(x.service_id, y.service_id) AS shape) o
         WHERE x.service_id = ANY (%(services)s) AND y.service_id = ANY (%(services)s)
           AND ST_Area(ST_Transform(o.shape, 27700)) > 0.01
         ORDER BY 1, 2""", filters.services_args() | {"services": list(services)})
    return Table("overlap_shapes", SHAPE_COLUMNS, rows_of(SHAPE_COLUMNS, [r[:-1] for r in fetched]),
                 [r[-1] for r in fetched])
