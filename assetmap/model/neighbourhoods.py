"""Reading neighbourhoods for maps and the API."""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row


def feature_collection(conn: psycopg.Connection) -> str:
    """Every neighbourhood as GeoJSON text, with the number of published assets in each."""
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
                               'published_assets', coalesce(c.n, 0))
                       ) ORDER BY n.code), '[]'::json)
                   )::text
              FROM neighbourhoods n
              LEFT JOIN (SELECT neighbourhood_id, count(*) AS n FROM public_assets GROUP BY 1) c
                     ON c.neighbourhood_id = n.id
        """).fetchone()[0]


def extent(conn: psycopg.Connection) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of all neighbourhoods, or of published assets when there are none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("""
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
              FROM (SELECT coalesce((SELECT ST_Extent(geom) FROM neighbourhoods),
                                    (SELECT ST_Extent(geom) FROM public_assets))::geometry AS e) x
        """).fetchone()
    return None if row[0] is None else tuple(row)
