"""The offline geocoder and the residents' place search: one ranking over the `gazetteer` table.

Postcodes match exactly (whatever the spacing and case); street, address and place names match by one fuzzy
ranking (`_ranked_names`), used by the importers' `geocode_many` (the best match per query), by the pick-list
`candidates` and by `search`, which serves `GET /api/v1/places`. So the first result a resident is offered is
the point an importer would give the same text.

The ranking of a name query, best first:
  score = greatest(trigram similarity, PREFIX_SCORE when the name starts with the query (3+ characters));
  then the most specific kind (address, street, place); then the shorter name; then the name.
Matches scoring below the geocoder's min_similarity (MIN_SIMILARITY, 0.3) are dropped. An exact name scores 1.0,
above any prefix match, so "Mill" finds a place called Mill before "Mill Lane", and "Mill Lane" before
"Millbrook Road" (the same prefix score, then the shorter name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row

from ..model.submission import normalise_postcode
from . import GeocodeResult

MIN_SIMILARITY = 0.3
# Someone typing "Mill" wants "Mill Lane", whose trigram similarity to "MILL" is only 0.5.
PREFIX_SCORE = 0.9
# One or two letters say little, and a trigram index cannot narrow a LIKE on fewer than three characters.
MIN_PREFIX_LENGTH = 3


@dataclass(frozen=True)
class ReversePlace:
    neighbourhood_code: str | None
    neighbourhood_name: str | None
    postcode: str | None
    postcode_distance_m: float | None


def normalise_query(query: str) -> str:
    """Upper case, single spaces: the gazetteer's `normalised` form."""
    return " ".join(str(query).upper().split())


def kind_of(result: GeocodeResult) -> str:
    """'postcode', 'address', 'street' or 'place' for a gazetteer result (its source is "gazetteer:<kind>")."""
    return result.source.removeprefix("gazetteer:")


def place_json(result: GeocodeResult) -> dict:
    """A result as `GET /api/v1/places` lists it."""
    return {"label": result.label, "kind": kind_of(result), "lon": result.lon, "lat": result.lat,
            "score": result.confidence}


def search(conn: psycopg.Connection, query: str, limit: int = 5) -> list[GeocodeResult]:
    """The residents' place search: `GazetteerGeocoder.candidates` with the default threshold."""
    return GazetteerGeocoder(conn).candidates(query, limit)


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
        by_name = {text: found[0] for text, found in self._ranked_names(sorted(set(names.values())), 1).items()}
        return {q: by_postcode.get(postcodes[q]) if q in postcodes else by_name.get(names.get(q)) for q in queries}

    def candidates(self, query: str, limit: int = 5) -> list[GeocodeResult]:
        """A pick-list, best first: the exact postcode alone, else the best few names.

        The ranking is geocode_many's; only the inputs differ. A postcode-shaped query that is not in the
        gazetteer (mistyped, or newer than the file) gives geocode_many None, since an importer would put the row
        wherever the top fuzzy match is, unseen. Here a person sees the labels and chooses, so such a query is
        also offered to the name ranking (it rarely resembles a name). Otherwise candidates(q)[0] is
        geocode_many([q])[q].
        """
        text = normalise_query(query)
        if not text:
            return []
        pc = normalise_postcode(text)
        if pc:
            exact = self._postcodes([pc])
            if exact:
                return [exact[pc]]
        return self._ranked_names([text], limit).get(text, [])

    def reverse(self, lon: float, lat: float) -> ReversePlace:
        """The neighbourhood a point is in and its nearest postcode (with the distance in metres)."""
        with self.conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute("""
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

    # The two look-ups. Cursors with tuple rows: the web pool's connections default to dict rows.

    def _postcodes(self, postcodes: list[str]) -> dict[str, GeocodeResult]:
        """Canonical postcode → its point, for those in the gazetteer."""
        if not postcodes:
            return {}
        # One statement for any number of postcodes; DISTINCT ON picks one source when several files hold it.
        with self.conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute("""
                SELECT DISTINCT ON (g.normalised) g.normalised, g.name, ST_X(g.geom), ST_Y(g.geom)
                  FROM unnest(%(postcodes)s::text[]) AS q(postcode)
                  JOIN gazetteer g ON g.kind = 'postcode' AND g.normalised = q.postcode
                 ORDER BY g.normalised, g.source""", {"postcodes": postcodes}).fetchall()
        return {pc: GeocodeResult(lon, lat, "gazetteer:postcode", 1.0, name) for pc, name, lon, lat in rows}

    def _ranked_names(self, texts: list[str], limit: int) -> dict[str, list[GeocodeResult]]:
        """Normalised text → its best `limit` street, address and place names, best first (see the module doc)."""
        if not texts:
            return {}
        # LIKE patterns with the wildcards escaped; None (no prefix matching) for queries too short to mean one.
        prefixes = [t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    if len(t) >= MIN_PREFIX_LENGTH else None for t in texts]
        # `%` uses the GIN index but reads its threshold from a setting; set it for this transaction only.
        with self.conn.transaction(), self.conn.cursor(row_factory=tuple_row) as cur:
            cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", (str(self.min_similarity),))
            rows = cur.execute("""
                SELECT q.text, m.kind, m.name, m.lon, m.lat, m.score
                  FROM unnest(%(texts)s::text[], %(prefixes)s::text[]) AS q(text, prefix)
                  CROSS JOIN LATERAL (
                        SELECT c.*, row_number() OVER (
                                   ORDER BY c.score DESC,
                                            CASE c.kind WHEN 'address' THEN 0 WHEN 'street' THEN 1 ELSE 2 END,
                                            length(c.name), c.name, c.source) AS rank
                          FROM (SELECT g.kind, g.name, g.source, ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat,
                                       greatest(similarity(g.normalised, q.text),
                                                CASE WHEN g.normalised LIKE q.prefix THEN %(prefix_score)s
                                                     ELSE 0 END) AS score
                                  FROM gazetteer g
                                 WHERE g.kind <> 'postcode'
                                   AND (g.normalised %% q.text OR g.normalised LIKE q.prefix)) c
                         WHERE c.score >= %(min_similarity)s
                         ORDER BY rank
                         LIMIT %(limit)s) m
                 ORDER BY q.text, m.rank""",
                {"texts": texts, "prefixes": prefixes, "prefix_score": PREFIX_SCORE,
                 "min_similarity": self.min_similarity, "limit": limit}).fetchall()
        ranked: dict[str, list[GeocodeResult]] = {}
        for text, kind, name, lon, lat, score in rows:
            ranked.setdefault(text, []).append(
                GeocodeResult(lon, lat, f"gazetteer:{kind}", round(float(score), 4), name))
        return ranked
