"""The rules a service row must meet (`validate_service`), and its sites'. A bad site does not sink its service.

`services.load_services` checks every row with them before it writes anything.
"""

from __future__ import annotations

import math
from typing import Any

import shapely

from ..model.submission import normalise_postcode, validate_schedule
from .staging import has_coordinates, location_query

# The kinds of agency, in the words a council officer uses for pages and filters.
AGENCY_LABELS = {"nhs": "NHS", "council": "Council", "housing": "Housing", "police": "Police",
                 "dwp": "DWP / Jobcentre", "voluntary": "Voluntary sector", "education": "Education", "other": "Other"}
AGENCY_KINDS = tuple(AGENCY_LABELS)
SITE_KINDS = ("fixed", "outreach", "home_visit")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validate_service(fields: dict[str, Any], *, themes: set[str], groups: set[str], codes: set[str],
                     located: dict) -> tuple[dict, list[dict], list[str], dict[int, str]]:
    """(clean service, clean sites, problems, dropped sites); `located` maps geocoding queries to results.

    A bad site does not sink its service: it is left out (dropped: its index → why) and the service is kept with
    its other sites; the problems are the service's own, each a reason to reject the row."""
    errors: list[str] = []
    svc: dict[str, Any] = {}
    for key, limit, required in (("agency", 200, True), ("name", 200, True), ("description", 5000, False),
                                 ("contact", 1000, False), ("openreferral_id", 200, False)):
        svc[key] = _text(fields.get(key))
        if required and not svc[key]:
            errors.append(f"{key}: missing")
        elif len(svc[key]) > limit:
            errors.append(f"{key}: at most {limit} characters")
    svc["openreferral_id"] = svc["openreferral_id"] or None
    svc["agency_kind"] = _text(fields.get("agency_kind")).lower() or "other"
    if svc["agency_kind"] not in AGENCY_KINDS:
        errors.append(f"agency_kind: must be one of {', '.join(AGENCY_KINDS)}")
    svc["theme"] = _text(fields.get("theme"))
    if svc["theme"] not in themes:
        errors.append(f"theme: unknown theme {svc['theme'][:40]!r}" if svc["theme"] else "theme: missing")
    raw_groups = fields.get("client_groups") or []
    if isinstance(raw_groups, str):
        raw_groups = [g for g in raw_groups.split(";")]
    svc["client_groups"] = sorted({_text(g) for g in raw_groups if _text(g)})
    unknown = [g for g in svc["client_groups"] if g not in groups]
    if unknown:
        errors.append(f"client_groups: unknown {', '.join(unknown)}")
    svc["annual_spend"] = None
    if _text(fields.get("annual_spend")):
        try:
            spend = float(str(fields["annual_spend"]).replace(",", "").lstrip("£"))
            if not math.isfinite(spend) or spend < 0 or spend >= 1e12:
                raise ValueError
            svc["annual_spend"] = round(spend, 2)
        except ValueError:
            errors.append("annual_spend: must be a number of pounds, 0 or more")
    sites, dropped = [], {}
    for i, raw in enumerate(fields.get("sites") or []):
        problems: list[str] = []
        site = _site(i, raw, located, problems)
        if problems:
            dropped[i] = "; ".join(p.removeprefix(f"sites.{i}.") for p in problems)
        sites += [] if problems else [site]
    svc.update(radius_m=None, catchment_codes=None, catchment_wkb=None)
    catchment = fields.get("catchment") or {}
    if catchment.get("geometry") is not None:
        geom = catchment["geometry"]
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append("catchment: not a polygon")
        else:
            svc["catchment_wkb"] = shapely.to_wkb(geom)
    elif catchment.get("radius_m") not in (None, ""):
        try:
            svc["radius_m"] = float(catchment["radius_m"])
            if not 0 < svc["radius_m"] <= 200_000:
                raise ValueError
        except (TypeError, ValueError):
            errors.append("catchment_radius_m: must be a distance in metres, more than 0 and at most 200000")
        if not sites:
            errors.append("catchment_radius_m: a radius needs a site to draw it round")
    elif catchment.get("neighbourhoods"):
        svc["catchment_codes"] = sorted({_text(c) for c in catchment["neighbourhoods"] if _text(c)})
        unknown = [c for c in svc["catchment_codes"] if c not in codes]
        if unknown:
            errors.append(f"catchment_neighbourhoods: unknown {', '.join(unknown[:10])}")
    return svc, sites, errors, dropped


def _site(i: int, raw: dict[str, Any], located: dict, errors: list[str]) -> dict[str, Any]:
    at = f"sites.{i}"
    site = {"name": _text(raw.get("name")), "kind": _text(raw.get("kind")) or "fixed",
            "address": _text(raw.get("address")), "postcode": None, "schedule": None, "contacts_per_week": None}
    if not site["name"] or len(site["name"]) > 200:
        errors.append(f"{at}.name: give the site a name (at most 200 characters)")
    if site["kind"] not in SITE_KINDS:
        errors.append(f"{at}.kind: must be one of {', '.join(SITE_KINDS)}")
    if _text(raw.get("postcode")):
        site["postcode"] = normalise_postcode(_text(raw["postcode"]))
        if site["postcode"] is None:
            errors.append(f"{at}.postcode: is not a UK postcode")
    if _text(raw.get("schedule")):
        try:
            site["schedule"] = validate_schedule(_text(raw["schedule"]))
        except ValueError as exc:
            errors.append(f"{at}.schedule: {exc}")
    if _text(raw.get("contacts_per_week")):
        try:
            n = float(raw["contacts_per_week"])
            if n < 0 or n != int(n) or n > 1e7:
                raise ValueError
            site["contacts_per_week"] = int(n)
        except (TypeError, ValueError):
            errors.append(f"{at}.contacts_per_week: must be a whole number, 0 or more")
    site["lon"] = site["lat"] = None
    if has_coordinates(raw):
        try:
            site["lon"], site["lat"] = float(raw["lon"]), float(raw["lat"])
            if not (-180 <= site["lon"] <= 180 and -90 <= site["lat"] <= 90):
                errors.append(f"{at}.location: the coordinates are outside the world")
        except (TypeError, ValueError):
            errors.append(f"{at}.location: the coordinates are not numbers")
    else:
        query = location_query(raw)
        result = located.get(query) if query else None
        if query is None:
            errors.append(f"{at}.location: give lon and lat, a postcode or an address")
        elif result is None:
            errors.append(f"{at}.location: could not geocode {'postcode' if raw.get('postcode') else 'address'} "
                          f"{query}")
        else:
            site["lon"], site["lat"] = result.lon, result.lat
    return site
