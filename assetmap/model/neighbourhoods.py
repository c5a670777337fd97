"""Reading neighbourhoods for maps and the API."""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row


def feature_collection(conn: psycopg.Connection, min_count: int) -> str:
    """Every neighbourhood as GeoJSON text, with its published assets, the assets among them offering spare
    capacity and their offers, each also per 1,000 residents (null where the population is unknown), and the
    confirmed exchanges it took part in and their hours: null (withheld) unless at least `min_count` exchanges
    stand behind them, so that no one exchange can be picked out; and `capacity_totals`, the skills and hours
    residents offer from home, which are never listed one by one: per kind and unit, only where at least
    `min_count` homes stand behind the total (`capacity_totals()`, migration 0030). Counts only: no names, no
    organisations."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("""
            SELECT json_build_object(
                       'type', 'FeatureCollection',
                       'features', coalesce(json_agg(json_build_object(
                           'type', 'Feature',
                           'id', n.code,
                           'geometry', ST_AsGeoJSON(n.geom, 6)::json,
                           'properties', json_build_object(
                               'code', n.code,
                               'name', n.name,
                               'population', n.population,
                               'need_score', n.need_score,
                               'published_assets', coalesce(c.assets, 0),
                               'assets_with_capacity', coalesce(c.offering, 0),
                               'capacity_offers', coalesce(c.offers, 0),
                               'assets_per_1000', round(1000.0 * coalesce(c.assets, 0) / nullif(n.population, 0), 2),
                               'capacity_offers_per_1000',
                                   round(1000.0 * coalesce(c.offers, 0) / nullif(n.population, 0), 2),
                               'exchanges', CASE WHEN x.exchanges >= %(min_count)s THEN x.exchanges END,
                               'hours_exchanged',
                                   CASE WHEN x.exchanges >= %(min_count)s THEN round(x.hours::numeric, 1) END,
                               'capacity_totals', coalesce(t.totals, '[]'::json))
                       ) ORDER BY n.code), '[]'::json)
                   )::text
              FROM neighbourhoods n
              -- An asset's neighbourhood is the polygon covering its public point (derived by a trigger, 0001/0027).
              LEFT JOIN (SELECT a.neighbourhood_id, count(DISTINCT a.id) AS assets,
                                count(DISTINCT o.asset_id) AS offering, count(o.id) AS offers
                           FROM public_assets a
                           LEFT JOIN public_capacity_offers o ON o.asset_id = a.id
                          GROUP BY 1) c
                     ON c.neighbourhood_id = n.id
              -- the same figures as the planners' co-production audit (analysis/sql/50_reciprocity.sql)
              LEFT JOIN analysis_reciprocity() x ON x.neighbourhood_id = n.id
              LEFT JOIN (SELECT t.neighbourhood_id,
                                json_agg(json_build_object(
                                    'kind', t.kind, 'kind_label', k.label, 'unit', t.unit,
                                    'unit_words', CASE WHEN t.quantity = 1 THEN u.singular ELSE u.plural END,
                                    'people', t.people, 'offers', t.offers, 'quantity', t.quantity)
                                    ORDER BY k.sort_order, t.unit) AS totals
                           FROM capacity_totals(%(min_count)s) t
                           JOIN capacity_kinds k ON k.code = t.kind
                           LEFT JOIN units u ON u.code = t.unit
                          GROUP BY t.neighbourhood_id) t
                     ON t.neighbourhood_id = n.id
        """, {"min_count": min_count}).fetchone()[0]


def extent(conn: psycopg.Connection) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of all neighbourhoods, or of published assets when there are none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("""
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
              FROM (SELECT coalesce((SELECT ST_Extent(geom) FROM neighbourhoods),
                                    (SELECT ST_Extent(geom) FROM public_assets))::geometry AS e) x
        """).fetchone()
    return None if row[0] is None else tuple(row)
