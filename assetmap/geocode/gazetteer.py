"""The offline geocoder: the gazetteer table (postcodes exactly, street and place names by trigram similarity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import psycopg

from ..model.submission import normalise_postcode
from . import GeocodeResult

MIN_SIMILARITY = 0.3
# Ties in similarity go to the most specific kind of place.
_KIND_RANK = "CASE g.kind WHEN 'address' THEN 0 WHEN 'street' THEN 1 ELSE 2 END"


@dataclass(frozen=True)
class ReversePlace:
    neighbourhood_code: str | None
    neighbourhood_name: str | None
    postcode: str | None
    postcode_distance_m: float | None


def normalise_query(query: str) -> str:
    """Upper case, single spaces: the gazetteer's `normalised` form."""
    return " ".join(str(query).upper().split())


class GazetteerGeocoder:
    """Geocodes against the `gazetteer` table; `geocode_many` answers any number of queries in two SQL statements."""

    name = "gazetteer"

    def __init__(self, conn: psycopg.Connection, min_similarity: float = MIN_SIMILARITY):
        self.conn = conn
        self.min_similarity = min_similarity

    def geocode(self, query: str) -> GeocodeResult | None:
        return self.geocode_many([query])[query]

    def geocode_many(self, queries: Iterable[str]) -> dict[str, GeocodeResult | None]:
        """Each query → its best match or None. Postcode-shaped queries only ever match a postcode, exactly."""
        queries = list(dict.fromkeys(queries))
        postcodes: dict[str, str] = {}      # query → canonical postcode
        names: dict[str, str] = {}          # query → normalised text
        for q in queries:
            text = normalise_query(q)
            pc = normalise_postcode(text) if text else None
            if pc:
                postcodes[q] = pc
            elif text:
                names[q] = text
        by_postcode = self._postcodes(sorted(set(postcodes.values())))
        by_name = self._names(sorted(set(names.values())))
        return {q: by_postcode.get(postcodes[q]) if q in postcodes else by_name.get(names.get(q)) for q in queries}

    def candidates(self, query: str, limit: int = 5) -> list[GeocodeResult]:
        """The best few fuzzy matches for a name, best first (for pick-lists and for checking the ranking)."""
        text = normalise_query(query)
        if not text:
            return []
        rows = self._fuzzy([text], limit)
        return [r for _, r in rows]

    def reverse(self, lon: float, lat: float) -> ReversePlace:
        """The neighbourhood a point is in and its nearest postcode (with the distance in metres)."""
        row = self.conn.execute("""
            WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g)
            SELECT n.code, n.name, pc.name, pc.distance
              FROM p
              LEFT JOIN neighbourhoods n ON n.id = neighbourhood_at(p.g)
              LEFT JOIN LATERAL (
                    -- KNN in degrees picks candidates from the GiST index; metres decide among them, since a
                    -- degree of longitude is shorter than one of latitude.
                    SELECT c.name, ST_Distance(c.geom::geography, p.g::geography) AS distance
                      FROM (SELECT name, geom FROM gazetteer WHERE kind = 'postcode'
                             ORDER BY geom <-> p.g LIMIT 10) c
                     ORDER BY distance, c.name LIMIT 1) pc ON true""",
            {"lon": lon, "lat": lat}).fetchone()
        return ReversePlace(*row)

    def _postcodes(self, postcodes: list[str]) -> dict[str, GeocodeResult]:
        if not postcodes:
            return {}
        # One statement for any number of postcodes; DISTINCT ON picks one source when several files hold it.
        rows = self.conn.execute("""
            SELECT DISTINCT ON (g.normalised) g.normalised, g.name, ST_X(g.geom), ST_Y(g.geom)
              FROM unnest(%s::text[]) AS q(postcode)
              JOIN gazetteer g ON g.kind = 'postcode' AND g.normalised = q.postcode
             ORDER BY g.normalised, g.source""", (postcodes,)).fetchall()
        return {pc: GeocodeResult(lon, lat, "gazetteer:postcode", 1.0, name) for pc, name, lon, lat in rows}

    def _names(self, texts: list[str]) -> dict[str, GeocodeResult]:
        return dict(self._fuzzy(texts, 1)) if texts else {}

    def _fuzzy(self, texts: list[str], limit: int) -> list[tuple[str, GeocodeResult]]:
        # `%` uses the GIN index but reads its threshold from a setting; set it for this transaction only.
        with self.conn.transaction():
            self.conn.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                              (str(self.min_similarity),))
            rows = self.conn.execute(f"""
                SELECT q.text, m.kind, m.name, m.lon, m.lat, m.score
                  FROM unnest(%(texts)s::text[]) AS q(text)
                  CROSS JOIN LATERAL (
                        SELECT g.kind, g.name, ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat,
                               similarity(g.normalised, q.text) AS score
                          FROM gazetteer g
                         WHERE g.kind <> 'postcode' AND g.normalised %% q.text
                         ORDER BY score DESC, {_KIND_RANK}, length(g.name), g.name
                         LIMIT %(limit)s) m
                 ORDER BY q.text, m.score DESC""", {"texts": texts, "limit": limit}).fetchall()
        return [(text, GeocodeResult(lon, lat, f"gazetteer:{kind}", round(float(score), 4), name))
                for text, kind, name, lon, lat, score in rows]
