"""Small parsers that turn outside input into values or raise InvalidParameter. Shared by pages, API and CLI."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import UTC, datetime

from .errors import InvalidParameter

BBox = tuple[float, float, float, float]


def parse_bbox(raw: str | None, param: str = "bbox") -> BBox | None:
    """'minx,miny,maxx,maxy' in WGS84 degrees (lon, lat) → a tuple; None when absent."""
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameter(param, "expected four comma-separated numbers: minx,miny,maxx,maxy")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter(param, "expected four comma-separated numbers: minx,miny,maxx,maxy") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter(param, "coordinates must be finite numbers")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise InvalidParameter(param, "longitudes must be between -180 and 180")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter(param, "latitudes must be between -90 and 90")
    if minx > maxx or miny > maxy:
        raise InvalidParameter(param, "minx must not exceed maxx, nor miny maxy")
    return (minx, miny, maxx, maxy)


def parse_int(raw: str | None, param: str, default: int, minimum: int, maximum: int) -> int:
    """An integer in [minimum, maximum]; `default` when absent."""
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(param, f"expected a whole number, got {raw[:40]!r}") from None
    if not minimum <= value <= maximum:
        raise InvalidParameter(param, f"must be between {minimum} and {maximum}")
    return value


def parse_codes(raw: str | None, param: str, known: Collection[str]) -> list[str] | None:
    """A comma-separated list of vocabulary codes (repeatable parameter values joined); None when absent."""
    if raw is None or raw.strip() == "":
        return None
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = ", ".join(repr(c[:40]) for c in unknown[:5])
        raise InvalidParameter(param, f"unknown value(s) {shown}; known: {', '.join(sorted(known))}")
    return codes


NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def nul_at(value: object, at: str = "") -> str | None:
    """Where decoded JSON holds a NUL character (`properties.name`, `rounds.0`), which PostgreSQL text cannot
    store; None when it holds none. A key with one is named by its parent."""
    if isinstance(value, str):
        return (at or "body") if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if "\x00" in str(key):
            return at or "body"
        found = nul_at(item, f"{at}.{key}" if at else str(key))
        if found:
            return found
    return None


def in_utc(moment: datetime) -> datetime:
    """A moment in UTC (a naive one is taken as UTC), as every moment from outside is bound: RFC 3339 and Python
    allow offsets up to ±23:59, PostgreSQL only to ±15:59, and `+16:00` failed in the database as a 500.
    ValueError where the moment in UTC falls outside the years 1–9999."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is outside the years 1 to 9999 in UTC") from None
