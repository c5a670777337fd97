"""Turning postcodes, addresses and place names into points, and points into places.

Every geocoder has the same small interface, so importers and forms need not know which one answers:
`geocode(query) -> GeocodeResult | None` and `geocode_many(queries) -> dict[query, GeocodeResult | None]`.
A result says where its answer came from and how sure it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    source: str          # "gazetteer:postcode", "gazetteer:place", "nominatim", …
    confidence: float    # 0–1: 1.0 for an exact postcode match, trigram similarity for fuzzy names, …
    label: str           # what was matched, as the source names it


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeocodeResult | None: ...

    def geocode_many(self, queries: Iterable[str]) -> dict[str, GeocodeResult | None]: ...
