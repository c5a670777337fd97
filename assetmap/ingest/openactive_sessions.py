"""One OpenActive session as the place it happens at (asset fields) and the offer its places left make.

Pure: no database. `ingest/openactive.py` reads the feed, keeps its state and loads the places; the rules are in its
docstring, and each is tested in tests/ingest/test_openactive.py. Property names are those of the OpenActive
Modelling Opportunity Data 2.0 specification (github.com/openactive/data-models, versions/2.x/examples:
scheduledsession_example_1.json, sessionseries-split_example_1.json, scheduledsession-split_example_1.json).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from ..model.submission import Vocabularies, normalise_postcode, validate_offers, validate_schedule
from .staging import stable_ref

CATEGORY, KIND, UNIT = "sports_leisure", "other", "places"
LOCAL = ZoneInfo("Europe/London")   # opening_hours is local time
SERIES = ("SessionSeries", "EventSeries", "CourseInstance")
OFF = ("EventCancelled", "EventPostponed")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_series(data: dict) -> bool:
    """A series (the parent of sessions) rather than a session; a series with places of its own is a session."""
    return pick(data, "@type", "type") in SERIES and "remainingAttendeeCapacity" not in data


def series_ref(data: dict) -> str | None:
    """The @id of a session's series (`superEvent`: a link, or the series itself)."""
    parent = data.get("superEvent")
    return parent if isinstance(parent, str) else pick(parent, "@id", "id") if isinstance(parent, dict) else None


def session(data: dict, series: dict[str, dict], now: dt.datetime, known: Vocabularies) -> dict:
    """What a session becomes: place_ref, place (asset fields), offer (None when full, cancelled or ended, with
    `why`), ends_at; ValueError naming every reason it cannot be read."""
    parent, parent_ref = data.get("superEvent"), series_ref(data)
    parent = {**series.get(parent_ref, {}), **(parent if isinstance(parent, dict) else {})}

    def get(*keys: str) -> Any:
        mine = pick(data, *keys)
        return mine if mine is not None else pick(parent, *keys)

    problems: list[str] = []
    remaining = data.get("remainingAttendeeCapacity")
    most = data.get("maximumAttendeeCapacity")
    if remaining is None:
        problems.append("no remainingAttendeeCapacity: only a session that says how many places are left is an offer")
    elif not _whole(remaining):
        problems.append(f"remainingAttendeeCapacity {remaining!r} is not a whole number")
    elif _whole(most) and remaining > most:
        problems.append(f"remainingAttendeeCapacity {remaining} is more than maximumAttendeeCapacity {most}")
    place = get("location")
    fields = None
    if isinstance(place, dict) and pick(place, "@type", "type") != "VirtualLocation":
        fields = _place(place, problems)
    elif isinstance(place, dict):
        problems.append("it is online only (a VirtualLocation): no place to put on the map")
    elif parent_ref and not parent:
        problems.append(f"no location, and its superEvent {parent_ref} is in neither this file nor an earlier import "
                        "(import the SessionSeries feed too)")
    else:
        problems.append("no location (a Place with an address or coordinates)")
    start, end = _times(data, problems)
    prices = [o.get("price") for o in get("offers") or [] if isinstance(o, dict) and o.get("price") is not None]
    if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and p >= 0 for p in prices):
        problems.append(f"offers[].price {prices} are not all amounts of money")
        prices = []
    name, labels = _text(get("name")), [_text(a.get("prefLabel")) for a in _list(get("activity"))
                                        if isinstance(a, dict) and a.get("prefLabel")]
    extra = [a for a in labels if a.lower() not in name.lower()]
    offer = {"kind": KIND, "quantity": remaining, "unit": UNIT, "schedule": None,
             "cost": "paid" if prices and min(prices) > 0 else "free", "audience": _audience(get),
             "description": (f"{name} ({', '.join(extra)})" if name and extra else name or ", ".join(labels))[:2000]}
    if start and end:
        until = "24:00" if end.time() == dt.time() else f"{end:%H:%M}"
        try:
            offer["schedule"] = validate_schedule(f"{start.year} {MONTHS[start.month - 1]} {start.day:02d} "
                                                  f"{start:%H:%M}-{until}")
        except ValueError as exc:
            problems.append(f"its times make no schedule: {exc}")
    errors: dict[str, str] = {}
    # A full session is checked as if it had a place left: it is no offer, but the rest of it must still read.
    validate_offers([{**offer, "quantity": remaining or 1}] if not problems else [], known, errors, False)
    problems += [f"{k.removeprefix('capacity.0.')}: {v}" for k, v in errors.items()]
    if problems:
        raise ValueError("; ".join(problems))
    why = next((w for w, off in (("cancelled or postponed", str(get("eventStatus")).endswith(OFF)),
                                 ("full", remaining == 0), ("over", end < now)) if off), None)
    fields["organisation"] = _text(pick(get("organizer") or {}, "name"))[:200]
    return {"parent_ref": parent_ref, "place_ref": fields["source_ref"], "place": fields, "ends_at": end,
            "offer": None if why else offer, "why": why, "unpriced": not prices}


def _place(place: dict, problems: list[str]) -> dict:
    """A Place as asset fields (no organisation yet); its problems added to `problems`."""
    name = _text(place.get("name"))
    address = place.get("address")
    address = address if isinstance(address, dict) else {"streetAddress": address}
    street = ", ".join(_text(address.get(k)) for k in ("streetAddress", "addressLocality") if _text(address.get(k)))
    postcode = normalise_postcode(_text(address.get("postalCode"))) if _text(address.get("postalCode")) else None
    geo = place.get("geo") if isinstance(place.get("geo"), dict) else {}
    lat, lon = geo.get("latitude"), geo.get("longitude")
    if not name:
        problems.append("its location has no name")
    if lat is not None or lon is not None:
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)):
            problems.append(f"location '{name}' has unreadable coordinates (lat {lat!r}, long {lon!r})")
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(f"location '{name}' has impossible coordinates (lat {lat}, long {lon})")
    elif not (postcode or street):
        problems.append(f"location '{name}' has no coordinates, UK postcode or address")
    ref = pick(place, "@id", "id", "url") or stable_ref(name, postcode, lon, lat)
    return {"source_ref": str(ref), "name": name[:200], "category": CATEGORY, "address": street[:500],
            "postcode": postcode, "lon": lon, "lat": lat, "description": _text(place.get("description"))[:5000]}


def _times(data: dict, problems: list[str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The session's start and end in local time (its own: a series' dates span many sessions)."""
    start, end = _instant(data.get("startDate")), _instant(data.get("endDate"))
    if start is None:
        problems.append(f"startDate {data.get('startDate')!r} is not a date and time")
    if end is None and start is not None and data.get("duration"):
        length = _duration(data["duration"])
        end = start + length if length else None
    if start is not None and end is None:
        problems.append(f"no endDate or duration we can read ({data.get('endDate') or data.get('duration')!r})")
    elif start is not None and not dt.timedelta(0) < end - start <= dt.timedelta(days=1):
        problems.append(f"it ends {end:%Y-%m-%d %H:%M}, which is not within a day after it starts")
        end = None
    return start, end


def _instant(value: Any) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(str(value)) <= 10:   # a date with no time of day
        return None
    return (when if when.tzinfo else when.replace(tzinfo=LOCAL)).astimezone(LOCAL)


def _duration(text: Any) -> dt.timedelta | None:
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", str(text))
    return dt.timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0)) if m and any(m.groups()) else None


def _audience(get) -> str:
    ages, gender = get("ageRange"), str(get("genderRestriction") or "")
    ages = ages if isinstance(ages, dict) else {}
    low, high = ages.get("minValue"), ages.get("maxValue")
    parts = [f"Ages {low} to {high}" if low and high else f"Ages {low} and over" if low else
             f"Ages up to {high}" if high else "",
             "Women and girls only" if gender.endswith("FemaleOnly") else
             "Men and boys only" if gender.endswith("MaleOnly") else ""]
    return "; ".join(p for p in parts if p)


def pick(d: dict, *keys: str) -> Any:
    """The first of `keys` that `d` gives a value (JSON-LD has both `@id` and `id`, `@type` and `type`)."""
    return next((d[k] for k in keys if d.get(k) not in (None, "", [])), None)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _whole(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and value == int(value)
