"""Online geocoding (a Nominatim server), cached in `geocode_cache`; the chain that puts it after the gazetteer."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

import psycopg
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from ..config import Settings
from . import Geocoder, GeocodeResult
from .gazetteer import GazetteerGeocoder, normalise_query

log = logging.getLogger(__name__)

DEFAULT_CONFIDENCE = 0.6   # when the server gives no `importance`


class NominatimGeocoder:
    """A Nominatim server behind a rate limit; every answer, "not found" too, is kept in geocode_cache."""

    name = "nominatim"

    def __init__(self, conn: psycopg.Connection, url: str, user_agent: str, min_delay_seconds: float = 1.0,
                 timeout: float = 10.0):
        parts = urlsplit(url if "://" in url else f"https://{url}")
        self.conn = conn
        self.failures = 0   # requests that failed after retries: not cached, so tried again next time
        # geopy builds "<scheme>://<domain>/search", so a path prefix (…/nominatim) rides along in `domain`.
        self._client = Nominatim(user_agent=user_agent, domain=parts.netloc + parts.path.rstrip("/"),
                                 scheme=parts.scheme, timeout=timeout)
        # swallow_exceptions=False: a failed request must not look like "not found", or it would be cached as one.
        self._search = RateLimiter(self._client.geocode, min_delay_seconds=min_delay_seconds, max_retries=1,
                                   error_wait_seconds=min_delay_seconds, swallow_exceptions=False)

    def geocode(self, query: str) -> GeocodeResult | None:
        return self.geocode_many([query])[query]

    def geocode_many(self, queries: Iterable[str]) -> dict[str, GeocodeResult | None]:
        """Cached answers in one read; the rest asked one at a time, as the rate limit allows."""
        texts = {q: normalise_query(q) for q in dict.fromkeys(queries)}
        cached = self._cached(sorted({t for t in texts.values() if t}))
        answers: dict[str, GeocodeResult | None] = {}
        for text in dict.fromkeys(t for t in texts.values() if t and t not in cached):
            answers[text] = self._ask(text)
        cached.update(answers)
        return {q: cached.get(t) for q, t in texts.items()}

    def _cached(self, texts: list[str]) -> dict[str, GeocodeResult | None]:
        if not texts:
            return {}
        # A tuple cursor whatever the connection's default: the web pool's connections hand out dict rows.
        with self.conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute("""
                SELECT query, lon, lat, confidence, label FROM geocode_cache
                 WHERE geocoder = %s AND query = ANY(%s::text[])""", (self.name, texts)).fetchall()
        return {q: None if lon is None else GeocodeResult(lon, lat, self.name, conf, label)
                for q, lon, lat, conf, label in rows}

    def _ask(self, text: str) -> GeocodeResult | None:
        try:
            location = self._search(text, exactly_one=True, country_codes="gb")
        except GeopyError as e:
            self.failures += 1
            log.warning("nominatim: %r failed: %s", text, e)
            return None
        result = None
        if location is not None:
            importance = location.raw.get("importance")
            confidence = DEFAULT_CONFIDENCE if importance is None else min(max(float(importance), 0.0), 1.0)
            result = GeocodeResult(location.longitude, location.latitude, self.name, confidence, location.address)
        # Written at once, one row per request: the request is what costs (a second each); an interrupted
        # import keeps every answer it has paid for.
        self.conn.execute("""
            INSERT INTO geocode_cache (geocoder, query, lon, lat, confidence, label, raw)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (geocoder, query) DO NOTHING""",
            (self.name, text, result and result.lon, result and result.lat, result and result.confidence,
             result and result.label, Jsonb(location.raw) if location is not None else None))
        return result


class ChainGeocoder:
    """Tries each geocoder in order; a query goes on to the next only when the ones before found nothing."""

    def __init__(self, geocoders: list[Geocoder]):
        self.geocoders = list(geocoders)

    def geocode(self, query: str) -> GeocodeResult | None:
        return self.geocode_many([query])[query]

    def geocode_many(self, queries: Iterable[str]) -> dict[str, GeocodeResult | None]:
        results: dict[str, GeocodeResult | None] = dict.fromkeys(queries)
        for geocoder in self.geocoders:
            missing = [q for q, r in results.items() if r is None]
            if not missing:
                break
            results.update(geocoder.geocode_many(missing))
        return results


def geocoder_for(conn: psycopg.Connection, settings: Settings) -> Geocoder:
    """The gazetteer, followed by Nominatim when `ASSETMAP_NOMINATIM_URL` is set."""
    gazetteer = GazetteerGeocoder(conn)
    if not settings.nominatim_url:
        return gazetteer
    online = NominatimGeocoder(conn, settings.nominatim_url, settings.geocoder_user_agent,
                               settings.geocoder_min_delay)
    return ChainGeocoder([gazetteer, online])
