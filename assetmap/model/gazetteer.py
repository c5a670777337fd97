"""Looking places up in the gazetteer table: postcodes exactly, place and street names fuzzily (pg_trgm)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from .submission import normalise_postcode

MIN_SIMILARITY = 0.3


@dataclass(frozen=True)
class Place:
    label: str
    kind: str
    lon: float
    lat: float
    score: float


def search(conn: psycopg.Connection, query: str, limit: int = 5) -> list[Place]:
    """Best matches for a postcode or a place/street name, best first; [] when nothing is close."""
    text = " ".join(query.split()).upper()
    if not text:
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        postcode = normalise_postcode(text)
        if postcode:
            rows = cur.execute("""
                SELECT name AS label, kind, ST_X(geom) AS lon, ST_Y(geom) AS lat, 1.0 AS score
                  FROM gazetteer WHERE kind = 'postcode' AND normalised = %s
                 ORDER BY source LIMIT 1""", (postcode,)).fetchall()
            if rows:
                return [Place(**r) for r in rows]
        # Prefix matches first (someone typing "Mill" wants "Mill Lane"), then trigram similarity.
        rows = cur.execute("""
            SELECT name AS label, kind, ST_X(geom) AS lon, ST_Y(geom) AS lat,
                   greatest(similarity(normalised, %(q)s), CASE WHEN normalised LIKE %(prefix)s THEN 0.9 ELSE 0 END)
                       AS score
              FROM gazetteer
             WHERE normalised %% %(q)s OR normalised LIKE %(prefix)s
             ORDER BY score DESC, kind = 'postcode', length(name), name
             LIMIT %(limit)s""",
            {"q": text, "prefix": text.replace("%", "").replace("_", "") + "%", "limit": limit}).fetchall()
    return [Place(**r) for r in rows if r["score"] >= MIN_SIMILARITY]
