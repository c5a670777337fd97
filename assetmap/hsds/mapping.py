"""One Open Referral UK (HSDS 3.0) service, in the API's service_full shape, as a row for load_services.

How HSDS maps to our services (each rule is tested):
- agency = the organisation's name; agency_kind from words in it: NHS / Integrated Care Board / Foundation
  Trust → nhs, Police / Constabulary → police, Jobcentre / DWP / Department for Work and Pensions → dwp,
  Council → council, Housing / Homes → housing, School / College / University / Academy → education, anything
  else → voluntary.
- theme: the first of our themes whose keywords appear in the taxonomy terms (attributes, service_taxonomys); failing
  that, in the service name; else "other". client_groups: every group whose keywords appear in the terms, plus groups
  implied by minimum_age/maximum_age; none by default.
- sites: physical locations via service_at_location; address from the location's (physical first) address; a
  postcode that is not a UK postcode is dropped with a note. Virtual and postal-only locations are not sites.
- schedules → OSM opening_hours ("TH,FR" + 10:00:00–18:00:00 → "Th,Fr 10:00-18:00"); a schedule we cannot express
  faithfully (monthly rules, BYMONTHDAY, no times) is dropped with a note; the row is kept.
- service areas → catchment when an extent is a GeoJSON or WKT polygon; else no catchment (with a note).
- A bad child never sinks its parent: a location with impossible or unreadable coordinates is dropped, saying which
  location and which numbers (in the report's notes, "dropped: …"), and the service is kept with its other sites.
  A missing name, a missing organisation and a status of inactive or defunct reject the service.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import shapely
from shapely.geometry import shape

from ..ingest.report import ImportReport
from ..model.submission import normalise_postcode, validate_schedule
from .vocab import AGENCY_KINDS, CLIENT_GROUPS, CLOSED_STATUSES, DAY_ORDER, DAYS, THEMES


class _Reject(Exception):
    """The service cannot be imported; the message says why."""


def service_row(service: dict, report: ImportReport) -> dict:
    """One HSDS service (service_full shape) as a load_services row; raises _Reject with every reason."""
    problems = []
    name = _text(service.get("name"))
    org = service.get("organization") or {}
    agency = _text(org.get("name"))
    sid = _text(service.get("id"))
    if not name:
        problems.append("service has no name")
    if not agency:
        problems.append("service has no organisation (needed as its agency)")
    status = _text(service.get("status")).lower()
    if status in CLOSED_STATUSES:
        problems.append(f"service status is '{status}'")

    if problems:
        raise _Reject("; ".join(problems))
    sites = []
    for sal in service.get("service_at_locations") or []:
        try:
            site = _site(sal, service, name, report)
        except _Reject as exc:
            report.notes.append(f"dropped: {name} (service {sid or 'without an id'}): {exc}; the service is kept "
                                "without it")
            continue
        if site:
            sites.append(site)

    terms = _terms(service)
    return {
        "source_ref": sid,
        "openreferral_id": sid,
        "agency": agency,
        "agency_kind": agency_kind(agency),
        "name": name,
        "description": _text(service.get("description")),
        "theme": theme_for(terms, name),
        "client_groups": client_groups_for(terms, service.get("minimum_age"), service.get("maximum_age")),
        "annual_spend": None,   # HSDS has no spend; funding is free text
        "contact": _contact(service),
        "sites": sites,
        "catchment": _catchment(service.get("service_areas") or [], name, report),
    }


def agency_kind(agency: str) -> str:
    """nhs, police, dwp, council, housing, education or voluntary, from words in the organisation's name."""
    for kind, pattern in AGENCY_KINDS:
        if re.search(pattern, agency, re.IGNORECASE):
            return kind
    return "voluntary"


def theme_for(terms: list[str], name: str = "") -> str:
    """Our theme for a service: from its taxonomy terms, else its name, else 'other'."""
    for texts in (terms, [name]):
        for theme, pattern in THEMES:
            if any(re.search(pattern, t, re.IGNORECASE) for t in texts):
                return theme
    return "other"


def client_groups_for(terms: list[str], minimum_age: Any = None, maximum_age: Any = None) -> list[str]:
    """Every client group named by the taxonomy terms, plus those the age limits imply."""
    groups = [g for g, pattern in CLIENT_GROUPS if any(re.search(pattern, t, re.IGNORECASE) for t in terms)]
    lo, hi = _int(minimum_age), _int(maximum_age)
    if hi is not None and hi < 11:
        groups.append("children_families")
    elif hi is not None and hi <= 25 and (lo or 0) >= 11:
        groups.append("young_people")
    if lo is not None and lo >= 65:
        groups.append("older_people")
    return list(dict.fromkeys(groups))


def _terms(service: dict) -> list[str]:
    """The words of every taxonomy term attached to the service (HSDS 3 attributes, ORUK 1 service_taxonomys)."""
    out = []
    for link in (service.get("attributes") or []) + (service.get("service_taxonomys") or []):
        term = (link or {}).get("taxonomy_term") or (link or {}).get("taxonomy") or {}
        out += [_text(term.get(k)) for k in ("term", "name", "description") if _text(term.get(k))]
    return out


def _site(sal: dict, service: dict, service_name: str, report: ImportReport) -> dict | None:
    loc = sal.get("location") or {}
    label = _text(loc.get("name")) or service_name
    if _text(loc.get("location_type")).lower() in ("virtual", "postal"):
        report.notes.append(f"{service_name}: {loc['location_type']} location '{label}' is not a site; skipped")
        return None
    lat, lon = _coordinate(loc.get("latitude")), _coordinate(loc.get("longitude"))
    if (lat is None) != (lon is None) or isinstance(lat, str) or isinstance(lon, str):
        raise _Reject(f"location '{label}' has unreadable coordinates "
                      f"(lat {loc.get('latitude')}, long {loc.get('longitude')})")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Reject(f"location '{label}' has impossible coordinates (lat {_num(lat)}, long {_num(lon)})")
    if lat == 0 and lon == 0:
        report.notes.append(f"{service_name}: location '{label}' is at 0,0 (a placeholder); left to the geocoder")
        lat = lon = None
    address, postcode = _address(loc, service_name, report)
    return {"name": label[:200], "kind": "fixed", "address": address, "postcode": postcode, "lon": lon, "lat": lat,
            "schedule": _schedule(sal.get("schedules") or loc.get("schedules") or service.get("schedules") or [],
                                  f"{service_name} at {label}", report),
            "contacts_per_week": None}


def _address(loc: dict, service_name: str, report: ImportReport) -> tuple[str, str | None]:
    addresses = loc.get("addresses") or loc.get("physical_addresses") or []
    addresses = sorted(addresses, key=lambda a: _text(a.get("address_type")).lower() != "physical")
    if not addresses:
        return "", None
    a = addresses[0]
    text = ", ".join(_text(a.get(k)) for k in ("address_1", "address_2", "city") if _text(a.get(k)))
    raw = _text(a.get("postal_code"))
    postcode = normalise_postcode(raw) if raw else None
    if raw and not postcode:
        report.notes.append(f"{service_name}: postcode '{raw}' of '{loc.get('name')}' is not a UK postcode; dropped")
    return text, postcode


def _schedule(schedules: list[dict], label: str, report: ImportReport) -> str | None:
    """HSDS recurrence rules as one opening_hours string; None (with a note) when any cannot be expressed."""
    rules: dict[str, list[str]] = {}
    for s in schedules:
        try:
            days, hours = schedule_rule(s)
        except ValueError as exc:
            report.notes.append(f"{label}: schedule dropped ({exc})")
            return None
        rules.setdefault(days, []).append(hours)
    if not rules:
        return None
    text = "; ".join(f"{days} {','.join(hours)}" for days, hours in rules.items())
    try:
        return validate_schedule(text)
    except ValueError as exc:
        report.notes.append(f"{label}: schedule '{text}' dropped ({exc})")
        return None


def schedule_rule(s: dict) -> tuple[str, str]:
    """One HSDS schedule as (days, hours) in opening_hours syntax, e.g. ("Th,Fr", "10:00-18:00"); or ValueError."""
    freq = _text(s.get("freq")).upper() or "WEEKLY"
    if freq not in ("WEEKLY", "DAILY"):
        raise ValueError(f"freq {freq} has no weekly pattern")
    if _int(s.get("interval")) not in (None, 1):
        raise ValueError(f"every {s['interval']} weeks cannot be written as opening hours")
    for key in ("bymonthday", "byweekno", "byyearday"):
        if _text(s.get(key)):
            raise ValueError(f"{key} {s[key]} cannot be written as opening hours")
    opens, closes = _time(s.get("opens_at")), _time(s.get("closes_at"))
    if not opens or not closes:
        raise ValueError("no opening and closing times")
    byday = [d.strip().upper()[-2:] for d in _text(s.get("byday")).split(",") if d.strip()]
    if freq == "DAILY" and not byday:
        byday = DAY_ORDER
    elif not byday and _text(s.get("dtstart")):
        byday = [DAY_ORDER[date.fromisoformat(_text(s["dtstart"])[:10]).weekday()]]   # RFC 5545: dtstart's day
    unknown = [d for d in byday if d not in DAYS]
    if not byday or unknown:
        raise ValueError(f"byday '{s.get('byday') or ''}' names no weekdays")
    days = ",".join(DAYS[d] for d in sorted(set(byday), key=DAY_ORDER.index))
    return days, f"{opens}-{closes}"


def _catchment(areas: list[dict], service_name: str, report: ImportReport) -> dict | None:
    shapes = []
    for area in areas:
        extent, kind = area.get("extent"), _text(area.get("extent_type")).lower()
        if not extent:
            continue
        try:
            geom = _extent(extent, kind)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
            report.notes.append(f"{service_name}: service area '{_text(area.get('name'))[:60]}' has an extent we "
                                f"cannot read as {kind or 'GeoJSON or WKT'} ({str(exc)[:80]}); no catchment from it")
            continue
        shapes.append(geom)
    if not shapes:
        return None
    return {"geometry": shapely.union_all(shapes)}


def _extent(extent: Any, kind: str):
    if kind == "wkt" or (isinstance(extent, str) and not extent.lstrip().startswith("{") and kind != "geojson"):
        geom = shapely.from_wkt(extent)
    else:
        data = json.loads(extent) if isinstance(extent, str) else extent
        if data.get("type") == "Feature":
            data = data["geometry"]
        if data.get("type") == "FeatureCollection":
            geom = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
        else:
            geom = shape(data)
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise ValueError(f"a catchment must be an area, not a {geom.geom_type}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError("coordinates outside longitude/latitude")
    return geom if geom.is_valid else shapely.make_valid(geom)


def _contact(service: dict) -> str:
    phones = [_text(p.get("number")) for p in service.get("phones") or [] if _text(p.get("number"))]
    parts = [_text(service.get("email")), phones[0].strip('"') if phones else "", _text(service.get("url"))]
    return " · ".join(p for p in parts if p)


# -- small helpers -------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if _text(value) else None
    except ValueError:
        return None


def _coordinate(value: Any) -> float | str | None:
    """A float, None when blank, or the text itself when it is not a number (reported as unreadable)."""
    if _text(value) == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return _text(value)


def _num(x: float) -> str:
    return f"{x:g}"


def _time(value: Any) -> str | None:
    m = re.match(r"^(\d{1,2}):(\d{2})", _text(value))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None
