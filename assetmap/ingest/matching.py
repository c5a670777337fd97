"""Guessing how someone else's asset file fits our fields: its columns, its day-of-week columns, its categories.

The upload page's column-matching step shows these guesses for a planner to accept or change; nothing here is
imported unchecked. A guess is by name: a column named like one of our fields or a common synonym of one
(`asset_type` → category, `post_code` → postcode, `y` → lat), else one close to it in spelling (difflib's ratio).
Each field takes at most one column, the best-scoring first. Category values are matched to our vocabulary by code,
label, a few synonyms ("church hall" is a community centre), and then by spelling.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from ..vocab import Term
from .read import Table
from .weekdays import DAYS

# Our fields as the matching step offers them, in the order a planner reads them, with words for each.
TARGETS: dict[str, str] = {
    "name": "Name", "category": "Category", "description": "Description", "address": "Address",
    "postcode": "Postcode", "lat": "Latitude", "lon": "Longitude", "organisation": "Organisation",
    "contact_email": "Contact email (private)", "contact_phone": "Contact phone (private)",
    "audience": "Who it is for", "accessibility": "Accessibility", "private_home": "Is a private home (yes/no)",
    "source_ref": "The file's own id (for re-imports)",
    "capacity.0.kind": "Spare capacity: kind", "capacity.0.quantity": "Spare capacity: how much",
    "capacity.0.unit": "Spare capacity: unit", "capacity.0.schedule": "Opening hours (one OSM opening_hours text)",
    "capacity.0.cost": "Spare capacity: cost", "capacity.0.audience": "Spare capacity: who for",
    "capacity.0.description": "Spare capacity: description",
}

# Names a column for each field goes by, best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "site name", "venue", "venue name", "title", "place", "asset name", "premises"),
    "category": ("category", "asset type", "type", "site type", "venue type", "kind", "class", "fclass"),
    "description": ("description", "desc", "about", "summary", "details", "notes", "comments"),
    "address": ("address", "address1", "address line 1", "street address", "street", "addr", "location"),
    "postcode": ("postcode", "post code", "postal code", "zip", "zip code", "pcd", "pcds"),
    "lat": ("lat", "latitude", "y", "lat wgs84", "wgs84 lat"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon wgs84", "wgs84 long"),
    "organisation": ("organisation", "organization", "organisation name", "organization name", "org",
                     "provider", "operator", "run by", "owner"),
    "contact_email": ("contact email", "email", "e mail", "email address"),
    "contact_phone": ("contact phone", "phone", "telephone", "tel", "phone number", "telephone number", "mobile"),
    "audience": ("audience", "who for", "who it is for", "client group", "suitable for"),
    "accessibility": ("accessibility", "access", "disabled access", "wheelchair access", "step free"),
    "private_home": ("private home", "is private home"),
    "source_ref": ("source ref", "id", "ref", "reference", "identifier", "uprn", "urn", "ods code", "site id"),
    "capacity.0.kind": ("capacity kind", "offer kind"),
    "capacity.0.quantity": ("capacity", "quantity", "places", "spaces", "hours per week", "hours a week"),
    "capacity.0.unit": ("unit", "capacity unit"),
    "capacity.0.schedule": ("opening hours", "opening times", "hours", "schedule", "times"),
    "capacity.0.cost": ("cost", "price", "charge", "fee"),
    "capacity.0.audience": ("capacity audience",),
    "capacity.0.description": ("capacity description", "offer", "offer description"),
}
MIN_SPELLING = 0.8   # difflib ratio a column name needs to a synonym to be guessed by spelling alone

_DAY_NAMES = {"monday": ("monday", "mon"), "tuesday": ("tuesday", "tue", "tues"),
              "wednesday": ("wednesday", "wed", "weds"), "thursday": ("thursday", "thu", "thur", "thurs"),
              "friday": ("friday", "fri"), "saturday": ("saturday", "sat"), "sunday": ("sunday", "sun")}

# Words in a category value that point to one of our categories (used only when that code is in the vocabulary).
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "community_centre": ("community centre", "community center", "village hall", "community hall", "church hall",
                         "hall", "hub", "neighbourhood centre"),
    "faith_building": ("church", "mosque", "temple", "synagogue", "gurdwara", "chapel", "meeting house",
                       "place of worship", "christian", "muslim", "jewish", "hindu", "sikh", "buddhist"),
    "library": ("library", "libraries"),
    "park_green_space": ("park", "green space", "recreation ground", "playing field", "nature reserve", "common"),
    "sports_leisure": ("leisure", "sport", "sports", "pool", "swimming", "gym", "football", "cricket"),
    "school_education": ("school", "nursery", "college", "academy", "primary", "secondary"),
    "health_wellbeing": ("gp", "surgery", "pharmacy", "chemist", "clinic", "health", "medical", "wellbeing"),
    "time_bank": ("time bank", "timebank", "skill swap"),
    "volunteer_group": ("volunteer", "volunteers", "good neighbour", "litter pick"),
    "youth_club": ("youth", "scouts", "guides", "brownies", "cubs"),
    "older_people_group": ("older people", "elderly", "lunch club", "memory cafe", "men's shed", "mens shed"),
    "food_support": ("food bank", "foodbank", "pantry", "community fridge", "soup kitchen"),
    "arts_culture": ("arts", "art", "theatre", "museum", "gallery", "choir", "heritage", "culture"),
    "skills_learning": ("learning", "adult education", "repair cafe", "job club", "digital skills"),
    "transport": ("transport", "dial a ride", "minibus", "car scheme", "cycle hub"),
    "advice_support": ("advice", "citizens advice", "support group", "debt", "benefits"),
    "business": ("shop", "pub", "cafe", "café", "business", "restaurant"),
    "allotment_garden": ("allotment", "community garden", "orchard"),
}
MIN_CATEGORY_SPELLING = 0.75


def words(name: object) -> str:
    """'Post_Code' → 'post code', 'siteName' → 'site name': lower case, single spaces, letters and digits."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text.lower()).replace("'", "").split())


def guess_days(columns: Sequence[str]) -> dict[str, str]:
    """day → the column that holds its hours ('Mon', 'monday_hours', 'Opening Tuesday'); days without one left out."""
    found: dict[str, str] = {}
    for col in columns:
        tokens = words(col).split()
        days = [d for d, names in _DAY_NAMES.items() if any(t in names for t in tokens)]
        if len(days) == 1 and days[0] not in found:
            found[days[0]] = col
    return found


def guess_columns(columns: Sequence[str], skip: Iterable[str] = ()) -> dict[str, str | None]:
    """column → the field it most likely feeds, or None; each field to one column at most, best score first."""
    skip = set(skip)
    scored = []
    for i, col in enumerate(columns):
        if col in skip:
            continue
        for target, synonyms in SYNONYMS.items():
            score = _column_score(words(col), synonyms)
            if score:
                scored.append((-score, i, target, col))
    guesses: dict[str, str | None] = {c: None for c in columns if c not in skip}
    taken: set[str] = set()
    for _, _, target, col in sorted(scored):
        if guesses[col] is None and target not in taken:
            guesses[col] = target
            taken.add(target)
    return guesses


def _column_score(name: str, synonyms: tuple[str, ...]) -> float:
    """1 for the first synonym exactly (spaces aside), a little less for later ones; then 'library name' (a
    synonym as the last words), then spelling."""
    best = 0.0
    for rank, synonym in enumerate(synonyms):
        if name == synonym or name.replace(" ", "") == synonym.replace(" ", ""):
            return 1.0 - rank / 100
        if len(synonym) > 2 and name.endswith(" " + synonym):
            best = max(best, 0.85 - rank / 100)
        ratio = SequenceMatcher(None, name, synonym).ratio()
        if ratio >= MIN_SPELLING:
            best = max(best, ratio * 0.8)
    return best


def category_values(table: Table, column: str, limit: int = 200) -> list[tuple[str, int]]:
    """The distinct values of a column with how many rows have each, commonest first (blanks left out)."""
    counts = Counter(str(r.fields.get(column)) for r in table.records if r.fields.get(column) not in (None, ""))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def guess_category(value: str, terms: Sequence[Term]) -> str | None:
    """The code of our category this value most likely means, or None."""
    text = words(value)
    if not text:
        return None
    codes = {t.code for t in terms}
    for t in terms:
        if text in (words(t.code.replace("_", " ")), words(t.label)):
            return t.code
    # "Allotments" is an allotment: each word also without a plural s.
    padded = f" {text} {' '.join(w[:-1] if w.endswith('s') and not w.endswith('ss') else w for w in text.split())} "
    hits = [(len(w), code) for code, ws in CATEGORY_WORDS.items() if code in codes
            for w in ws if f" {words(w)} " in padded]
    if hits:
        return max(hits)[1]   # the longest phrase: "church hall" is a hall before it is a church
    best, code = 0.0, None
    for t in terms:
        for name in (words(t.label), words(t.code.replace("_", " "))):
            ratio = SequenceMatcher(None, text, name).ratio()
            if ratio > best:
                best, code = ratio, t.code
    return code if best >= MIN_CATEGORY_SPELLING else None


def guess_mapping(table: Table, terms: Sequence[Term]) -> dict:
    """A whole mapping (the format of asset_mapping.py) from the guesses, for a planner to check."""
    days = guess_days(table.columns)
    guesses = guess_columns(table.columns, skip=days.values())
    if days:   # the day columns make the schedule; a column guessed as one as well would clash with them
        guesses = {c: None if t == "capacity.0.schedule" else t for c, t in guesses.items()}
    columns = {c: guesses.get(c) for c in table.columns if c not in days.values()}
    mapping: dict = {"columns": columns, "categories": {}, "defaults": {}}
    category_column = next((c for c, t in columns.items() if t == "category"), None)
    if category_column is not None:
        for value, _ in category_values(table, category_column):
            code = guess_category(value, terms)
            if code is not None and code != value:
                mapping["categories"][value] = code
    if days:
        mapping["opening_hours"] = {"days": {d: days[d] for d in DAYS if d in days}, "offer": 0}
    if days or any(t and t.startswith("capacity.0.") for t in columns.values()):
        if "capacity.0.kind" not in columns.values():
            mapping["defaults"]["capacity.0.kind"] = "space"
        quantity = next((c for c, t in columns.items() if t == "capacity.0.quantity"), None)
        if quantity is not None and "capacity.0.unit" not in columns.values():
            mapping["defaults"]["capacity.0.unit"] = "hours_per_week" if "hour" in words(quantity) else "places"
    return mapping
