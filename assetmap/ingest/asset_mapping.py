"""The mapping file that says how someone else's asset file fits our fields (docs/importing.md has the whole format).

    {"columns": {"Site name": "name", "Post code": "postcode", "Notes": null},
     "categories": {"Village hall": "community_centre"},
     "defaults": {"category": "other", "capacity.0.kind": "space"},
     "opening_hours": {"days": {"monday": "Mon", "tuesday": "Tue", ...}, "offer": 0}}

The command line reads it from JSON or TOML (`--mapping`); the upload page's column-matching step builds the same
dict, saves it, and offers it for download. Every section is optional; columns named like our own fields need none.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from .weekdays import DAYS

FIELDS = ("source_ref", "name", "category", "description", "audience", "accessibility", "organisation", "address",
          "postcode", "contact_email", "contact_phone", "private_home", "lon", "lat")
OFFER_FIELDS = ("kind", "quantity", "unit", "schedule", "cost", "audience", "description")
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "long": "lon", "organisation_name": "organisation",
           "organization": "organisation", "email": "contact_email", "phone": "contact_phone",
           "is_private_home": "private_home", "id": "source_ref"}
CAPACITY = re.compile(r"^capacity\.(\d+)\.([a-z_]+)$")
MAX_OFFERS = 20   # as model.submission allows
SECTIONS = ("columns", "categories", "defaults", "opening_hours")


class MappingError(ValueError):
    """The mapping file cannot be read or says something we cannot do."""


def load_mapping(path: Path | str | None) -> dict[str, dict[str, Any]]:
    """A mapping file (JSON or TOML) as a checked mapping (see check_mapping)."""
    mapping: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            if path.suffix.lower() == ".toml":
                mapping = tomllib.loads(path.read_text(encoding="utf-8"))
            else:
                mapping = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MappingError(f"{path.name}: {exc}") from None
        if not isinstance(mapping, dict):
            raise MappingError(f"{path.name}: a mapping is an object with columns, categories, defaults and "
                               "opening_hours sections")
    return check_mapping(mapping)


def is_target(name: str) -> bool:
    """One of our fields, or an offer's field as capacity.<n>.<field>."""
    m = CAPACITY.match(name)
    if m:
        return int(m.group(1)) < MAX_OFFERS and m.group(2) in OFFER_FIELDS
    return name in FIELDS


def check_mapping(mapping: dict) -> dict[str, dict[str, Any]]:
    """Every section as a dict (empty when absent), each checked; MappingError saying what is wrong otherwise."""
    unknown = set(mapping) - set(SECTIONS)
    if unknown:
        raise MappingError(f"unknown mapping sections {', '.join(sorted(unknown))} (expected {', '.join(SECTIONS)})")
    for key in SECTIONS:
        if not isinstance(mapping.get(key) or {}, dict):
            raise MappingError(f"the {key} section must be a table of names and values")
    checked = {k: dict(mapping.get(k) or {}) for k in SECTIONS}
    wrong = [f"{col!r} → {target!r}" for col, target in checked["columns"].items()
             if target not in (None, "") and not (isinstance(target, str) and is_target(target))]
    if wrong:
        raise MappingError(f"columns mapped to no field of ours: {', '.join(wrong)} "
                           f"(fields are {', '.join(FIELDS)} and capacity.<n>.<{'|'.join(OFFER_FIELDS)}>)")
    wrong = [repr(k) for k in checked["defaults"] if not is_target(str(k))]
    if wrong:
        raise MappingError(f"defaults for no field of ours: {', '.join(wrong)}")
    if checked["opening_hours"]:
        checked["opening_hours"] = _check_opening_hours(checked["opening_hours"])
    return checked


def _check_opening_hours(section: dict) -> dict[str, Any]:
    unknown = set(section) - {"days", "offer"}
    if unknown:
        raise MappingError(f"opening_hours: unknown keys {', '.join(sorted(unknown))} (expected days, offer)")
    days = section.get("days")
    if not isinstance(days, dict) or not days:
        raise MappingError("opening_hours needs days: which column holds each day's hours, "
                           'e.g. {"monday": "Mon", "tuesday": "Tue"}')
    bad = sorted(str(d) for d in days if d not in DAYS)
    if bad:
        raise MappingError(f"opening_hours days must be {', '.join(DAYS)}, not {', '.join(bad)}")
    if not all(isinstance(c, str) and c for c in days.values()):
        raise MappingError("opening_hours days each name a column of the file")
    offer = section.get("offer", 0)
    if isinstance(offer, bool) or not isinstance(offer, int) or not 0 <= offer < MAX_OFFERS:
        raise MappingError(f"opening_hours offer is the number of the offer the hours belong to (0 to "
                           f"{MAX_OFFERS - 1}), not {offer!r}")
    return {"days": {d: days[d] for d in DAYS if d in days}, "offer": offer}


def column_targets(columns: list[str], mapping: dict) -> dict[str, str]:
    """Which field each column of the file feeds: the mapping first, then our own names, then common aliases.

    A column the mapping maps to null (or "") feeds nothing, even when it is named like one of our fields."""
    targets = {}
    aliased = {}
    for col in columns:
        if col in mapping["columns"]:
            if mapping["columns"][col] not in (None, ""):
                targets[col] = mapping["columns"][col]
            continue
        key = col.strip().lower()
        if key in FIELDS or (CAPACITY.match(key) and is_target(key)):
            targets[col] = key
        elif ALIASES.get(key) in FIELDS:
            aliased[col] = ALIASES[key]
    # A column named exactly as our field wins over an alias of it: our own export has both `id` and `source_ref`.
    for col, key in aliased.items():
        if key not in targets.values():
            targets[col] = key
    taken = list(targets.values())
    # Two columns feeding one field (say both "lat" and "latitude") would silently lose one of them.
    dupes = sorted({t for t in taken if taken.count(t) > 1})
    if dupes:
        raise MappingError(f"more than one column feeds {', '.join(dupes)}: map one of them explicitly")
    return targets


def check_opening_hours(columns: list[str], targets: dict[str, str], mapping: dict) -> None:
    """The day columns exist, nothing else feeds their offer's schedule, and the offer will have a kind."""
    hours = mapping["opening_hours"]
    if not hours:
        return
    missing = sorted({c for c in hours["days"].values() if c not in columns})
    if missing:
        raise MappingError(f"opening_hours names columns the file does not have: {', '.join(missing)}")
    offer = f"capacity.{hours['offer']}"
    clash = [c for c, t in targets.items() if t == f"{offer}.schedule"]
    if clash:
        raise MappingError(f"{offer}.schedule would come both from the day columns and from column {clash[0]!r}: "
                           "map only one of them")
    if f"{offer}.kind" not in targets.values() and not mapping["defaults"].get(f"{offer}.kind"):
        raise MappingError(f"opening hours become the schedule of offer {hours['offer']}: say what it offers with "
                           f'a default, e.g. "defaults": {{"{offer}.kind": "space"}}, or a {offer}.kind column')
