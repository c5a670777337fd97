"""One set of rules for an asset and its spare-capacity offers, shared by the form, the API and the importers.

`validate_submission` takes plain values (strings from a form, JSON values from the API) and returns a clean
`AssetSubmission`, or raises `ValidationFailed` with a message for every field that is wrong, so a form can show
them all at once next to their fields. Field names are those of the API: `name`, `category`, `location`,
`capacity.0.schedule`, …
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from email_validator import EmailNotValidError, validate_email
from psycopg.rows import tuple_row

from .. import vocab
from ..errors import AssetMapError
from ..schedule_problems import problem as schedule_problem

MAX_OFFERS = 20
LIMITS = {"name": 200, "description": 5000, "audience": 1000, "accessibility": 2000, "organisation": 200,
          "address": 500}
OFFER_LIMITS = {"description": 2000, "audience": 1000, "schedule": 500}

ASSET_FIELDS = {"name", "category", "description", "audience", "accessibility", "organisation", "address",
                "postcode", "contact_email", "contact_phone", "private_home", "capacity", "lon", "lat"}
OFFER_FIELDS = {"kind", "quantity", "unit", "schedule", "cost", "audience", "description"}

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,25}$")


@dataclass(frozen=True)
class Vocabularies:
    """The codes the rules accept, from the vocabulary tables (or, for tests without a database, data/)."""

    categories: frozenset[str]
    capacity_kinds: frozenset[str]
    units: dict[str, vocab.Term]      # code → term, for its words and its largest quantity
    costs: frozenset[str]

    @classmethod
    def of(cls, terms: Callable[[str], list[vocab.Term]]) -> Vocabularies:
        return cls(frozenset(t.code for t in terms("categories")), frozenset(t.code for t in terms("capacity_kinds")),
                   {t.code: t for t in terms("units")}, frozenset(t.code for t in terms("costs")))

    @classmethod
    def from_files(cls) -> Vocabularies:
        return cls.of(vocab.read_terms)


class ValidationFailed(AssetMapError):
    """The submission breaks one or more rules; `errors` maps each field to what is wrong with it."""

    status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Offer:
    kind: str
    quantity: float | None = None
    unit: str | None = None
    schedule: str | None = None
    cost: str = "free"
    audience: str = ""
    description: str = ""


@dataclass(frozen=True)
class AssetSubmission:
    name: str
    category: str
    lon: float
    lat: float
    description: str = ""
    audience: str = ""
    accessibility: str = ""
    organisation: str = ""
    address: str = ""
    postcode: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    private_home: bool = False
    offers: tuple[Offer, ...] = field(default_factory=tuple)


def normalise_postcode(raw: str) -> str | None:
    """'av12ab' → 'AV1 2AB'; None when it is not shaped like a UK postcode."""
    m = POSTCODE.match(re.sub(r"\s+", "", raw).upper())
    return f"{m.group(1)} {m.group(2)}" if m else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError
    return str(value).strip()


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _known(code: Any, codes: Collection[str]) -> bool:
    """A code of the vocabulary; a list or an object from JSON is not one (nor hashable)."""
    return isinstance(code, str) and code in codes


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise ValueError


def says_private_home(fields: dict[str, Any]) -> bool:
    """Whether a row's private_home says yes; a value that says neither is the validator's to reject."""
    try:
        return _boolean(fields.get("private_home"))
    except ValueError:
        return False


def validate_schedule(raw: str) -> str:
    """An OSM opening_hours string that parses, or ValueError saying in words what is wrong with it (never the
    parser's own message, which names its grammar rules)."""
    text = raw.strip()
    wrong = schedule_problem(text)
    if wrong:
        raise ValueError(wrong)
    return text


def validate_submission(data: Mapping[str, Any], *, vocabularies: Vocabularies, inside_service_area=None,
                        reject_unknown: bool = False) -> AssetSubmission:
    """Check every rule; return the clean submission or raise ValidationFailed naming each bad field.

    `inside_service_area(lon, lat) -> bool` checks the location (a database query in practice)."""
    errors: dict[str, str] = {}
    if reject_unknown:
        for key in sorted(set(data) - ASSET_FIELDS):
            errors[key] = "unknown property"

    clean: dict[str, Any] = {}
    for key, limit in LIMITS.items():
        try:
            value = _text(data.get(key))
        except TypeError:
            errors[key] = "must be text"
            continue
        if len(value) > limit:
            errors[key] = f"must be at most {limit} characters (this is {len(value)})"
        clean[key] = value
    if "name" not in errors:
        if not clean["name"]:
            errors["name"] = "give the place or group a name"
        elif len(clean["name"]) < 2:
            errors["name"] = "must be at least 2 characters"

    category = data.get("category")
    if not category:
        errors["category"] = "choose a category"
    elif not _known(category, vocabularies.categories):
        errors["category"] = f"unknown category {str(category)[:40]!r}"

    postcode = None
    raw_postcode = data.get("postcode")
    if raw_postcode not in (None, ""):
        postcode = normalise_postcode(str(raw_postcode)) if isinstance(raw_postcode, str) else None
        if postcode is None:
            errors["postcode"] = "is not a UK postcode (for example AV1 2AB)"

    email = None
    if data.get("contact_email") not in (None, ""):
        try:
            email = validate_email(str(data["contact_email"]).strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors["contact_email"] = f"is not an email address we can use: {exc}"
    phone = None
    if data.get("contact_phone") not in (None, ""):
        phone = str(data["contact_phone"]).strip()
        if not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 7:
            errors["contact_phone"] = "is not a phone number (digits, spaces and + ( ) - only)"

    try:
        private_home = _boolean(data.get("private_home"))
    except ValueError:
        errors["private_home"] = "must be true or false"
        private_home = False

    lon = lat = None
    try:
        lon, lat = _number(data.get("lon")), _number(data.get("lat"))
    except (TypeError, ValueError):
        errors["location"] = "the coordinates are not numbers"
    if "location" not in errors:
        if lon is None or lat is None:
            errors["location"] = "put the place on the map, or search for its postcode"
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors["location"] = "the coordinates are outside the world"
        elif inside_service_area is not None and not inside_service_area(lon, lat):
            errors["location"] = "this is outside the area this map covers"

    offers = validate_offers(data.get("capacity"), vocabularies, errors, reject_unknown)

    if errors:
        raise ValidationFailed(errors)
    return AssetSubmission(
        name=clean["name"], category=category, lon=lon, lat=lat, description=clean["description"],
        audience=clean["audience"], accessibility=clean["accessibility"], organisation=clean["organisation"],
        address=clean["address"], postcode=postcode, contact_email=email, contact_phone=phone,
        private_home=private_home, offers=tuple(offers))


def validate_offers(raw: Any, vocabularies: Vocabularies, errors: dict[str, str],
                     reject_unknown: bool) -> list[Offer]:
    """The offers in `raw` checked against the vocabularies; each problem into `errors` under `capacity.N.field`.
    The needs importer checks a need's kind, quantity, unit and schedule with it too: one set of rules for both."""
    units = vocabularies.units
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors["capacity"] = "must be a list of offers"
        return []
    if len(raw) > MAX_OFFERS:
        errors["capacity"] = f"at most {MAX_OFFERS} offers"
        return []
    offers = []
    for i, item in enumerate(raw):
        at = f"capacity.{i}"
        if not isinstance(item, Mapping):
            errors[at] = "must be an object"
            continue
        if reject_unknown:
            for key in sorted(set(item) - OFFER_FIELDS):
                errors[f"{at}.{key}"] = "unknown property"
        kind = item.get("kind")
        if not kind:
            errors[f"{at}.kind"] = "choose what kind of capacity this is"
        elif not _known(kind, vocabularies.capacity_kinds):
            errors[f"{at}.kind"] = f"unknown kind {str(kind)[:40]!r}"
        quantity = unit = None
        try:
            quantity = _number(item.get("quantity"))
        except (TypeError, ValueError):
            errors[f"{at}.quantity"] = "must be a number"
        unit = item.get("unit") or None
        if unit is not None and not _known(unit, units):
            errors[f"{at}.unit"] = f"must be one of {', '.join(units)}"
        elif quantity is not None and unit is None:
            words = [u.plural for u in units.values()]
            errors[f"{at}.unit"] = f"say what the quantity counts ({', '.join(words[:-1])} or {words[-1]})"
        elif unit is not None and quantity is None and f"{at}.quantity" not in errors:
            errors[f"{at}.quantity"] = "give a number for the unit chosen"
        elif quantity is not None and not 0 < quantity <= units[unit].max_quantity:
            errors[f"{at}.quantity"] = f"must be more than 0 and at most {units[unit].max_quantity:g}"
        schedule = None
        if item.get("schedule") not in (None, ""):
            if not isinstance(item["schedule"], str):
                errors[f"{at}.schedule"] = "must be text in opening-hours form, for example Tu 18:00-21:00"
            elif len(item["schedule"]) > OFFER_LIMITS["schedule"]:
                errors[f"{at}.schedule"] = f"must be at most {OFFER_LIMITS['schedule']} characters"
            else:
                try:
                    schedule = validate_schedule(item["schedule"])
                except ValueError as exc:
                    errors[f"{at}.schedule"] = str(exc)
        cost = item.get("cost") or "free"
        if not _known(cost, vocabularies.costs):
            errors[f"{at}.cost"] = f"must be one of {', '.join(sorted(vocabularies.costs))}"
        texts = {}
        for key in ("audience", "description"):
            try:
                texts[key] = _text(item.get(key))
            except TypeError:
                errors[f"{at}.{key}"] = "must be text"
                continue
            if len(texts[key]) > OFFER_LIMITS[key]:
                errors[f"{at}.{key}"] = f"must be at most {OFFER_LIMITS[key]} characters"
        offers.append(Offer(kind=kind, quantity=quantity, unit=unit, schedule=schedule, cost=cost,
                            audience=texts.get("audience", ""), description=texts.get("description", "")))
    return offers


def vocabularies(conn: psycopg.Connection) -> Vocabularies:
    """The codes the rules accept, as this database holds them."""
    return Vocabularies.of(lambda table: vocab.load(conn, table))


def service_area_check(conn: psycopg.Connection, margin_m: float = 2000):
    """A function (lon, lat) → bool: inside the neighbourhoods widened by margin_m? True when there are none."""
    def inside(lon: float, lat: float) -> bool:
        with conn.cursor(row_factory=tuple_row) as cur:
            # The union of every neighbourhood is built once here, not once per operand.
            inside = cur.execute("SELECT coalesce(ST_Covers(area, ST_SetSRID(ST_MakePoint(%s, %s), 4326)), true) "
                                 "FROM service_area(%s) AS area", (lon, lat, margin_m)).fetchone()
        return bool(inside[0])
    return inside


def validate(conn: psycopg.Connection, data: Mapping[str, Any], *, reject_unknown: bool = False) -> AssetSubmission:
    """validate_submission with the vocabularies and service area of this database."""
    return validate_submission(data, vocabularies=vocabularies(conn), inside_service_area=service_area_check(conn),
                               reject_unknown=reject_unknown)
