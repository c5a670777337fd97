"""Spare capacity in HSDS 3.1: our offers as `service_capacity` rows with their `unit`s, and back again.

The fields are HSDS 3.1's, from the Open Referral specification (github.com/openreferral/specification, branch
3.1-dev: `schema/service_capacity.json`, `schema/unit.json`; the changelog `docs/hsds/changelog.md` lists both as
new in 3.1, with `service.capacities`; published at docs.openreferral.org/en/3.1/hsds/schema_reference.html):
- service_capacity: id, service_id, unit_id, available, maximum, description, updated (id, unit, available and
  updated required);
- unit: id, name, scheme, identifier, uri (id and name required).

Out (each rule tested in tests/ingest/test_hsds_capacity.py):
- An asset is already an HSDS service of its own (write.py); each of its offers with a quantity is one
  service_capacity of that service. available = the quantity offered; maximum = the same, because an offer records
  only what is spare, not the whole (a hall for 80 with 80 seats free is all we know); updated = the offer's
  last_confirmed_at; unit = one of our units, written as a unit row with scheme "AssetMap" and our code as its
  identifier. Kind, cost, schedule and audience ride as attributes (terms.py); the description is the offer's.
- An offer without a quantity has no service_capacity: HSDS requires `available` and a unit. It stays in the
  package as the schedule rows of its asset's location, as before 3.1.
In (read.py calls `offers_for` and `asset_row`):
- A service_capacity becomes an offer: quantity = available; unit from our scheme's identifier, else from words in
  the unit's name or identifier (beds, seats, spaces → places; hours a week → hours_per_week; items, parcels,
  meals → items); kind, cost, schedule and audience from our attributes, else kind other, cost free, no schedule.
  maximum is not kept (an offer holds only what is available). `available` 0 is a full service: no offer, a note.
- A bad row (no or unreadable available, a unit we cannot count in, a value our offer rules refuse, the 21st of a
  service) is rejected with its reason; its service and the other capacity rows are kept.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

from .. import vocab
from ..ingest.report import ImportReport
from ..ingest.rows import sources, stream
from ..model.submission import MAX_OFFERS, Vocabularies, validate_offers
from .terms import attribute, hsds_id, ours, taxonomy_rows
from .vocab import THEME_CATEGORIES, UNIT_WORDS

UNIT_SCHEME = "AssetMap"
# What write.py adds to an asset's description and names an organisation-less asset's organisation; read back here.
AUDIENCE_LABEL = "\n\nWho it is for: "
ASSET_ITSELF = "Community asset (no organisation recorded)"


def unit_id(code: str) -> str:
    return hsds_id("unit", code)


# -- out ----------------------------------------------------------------------------------------------------------

def write_capacity(conn: psycopg.Connection, package, internal: bool) -> int:
    """Units, our taxonomies, and a service_capacity (with its attributes) per offer that has a quantity; how many
    offers had none (and so no row)."""
    terms = {v: [(t.code, t.label, t.description) for t in vocab.load(conn, v)]
             for v in ("capacity_kinds", "costs", "categories")}
    for table, row in taxonomy_rows(terms):
        package.write(table, row)
    for t in vocab.load(conn, "units"):
        package.write("unit", {"id": unit_id(t.code), "name": t.label, "scheme": UNIT_SCHEME,
                               "identifier": t.code})
    assets, offers = sources(internal)
    # The public view holds active offers only; the table holds ended and paused ones too, which are not spare.
    active = sql.SQL("AND c.status = 'active'" if internal else "")
    unquantified = 0
    for (public_id, offer_id, kind, quantity, unit, schedule, cost, audience, description,
         confirmed) in stream(conn, sql.SQL("""
            SELECT a.public_id::text, c.id, c.kind, c.quantity::float8, c.unit, c.schedule, c.cost, c.audience,
                   c.description, c.last_confirmed_at
              FROM {offers} c JOIN {assets} a ON a.id = c.asset_id
             WHERE true {active}
             ORDER BY a.id, c.id""").format(offers=sql.Identifier(offers), assets=sql.Identifier(assets),
                                            active=active)):
        if quantity is None:
            unquantified += 1
            continue
        capacity_id = hsds_id("service_capacity", public_id, offer_id)
        amount = int(quantity) if quantity == int(quantity) else quantity
        package.write("service_capacity", {"id": capacity_id, "service_id": public_id, "unit_id": unit_id(unit),
                                           "available": amount, "maximum": amount, "description": description,
                                           "updated": confirmed})
        package.write("attribute", attribute("service_capacity", capacity_id, "capacity_kinds", kind))
        package.write("attribute", attribute("service_capacity", capacity_id, "costs", cost))
        for detail, value in (("schedule", schedule), ("audience", audience)):
            if value:
                package.write("attribute", attribute("service_capacity", capacity_id, "details", detail, value))
    return unquantified


# -- in -----------------------------------------------------------------------------------------------------------

def offers_for(service: dict, report: ImportReport, vocabularies: Vocabularies, origin: str = "") -> list[dict]:
    """The service's capacities as offers (the API's shape); each bad one rejected on the report with its reason."""
    offers = []
    full = 0
    for number, capacity in enumerate(service.get("capacities") or [], start=1):
        try:
            offer = _offer(capacity, vocabularies)
            if offer is not None and len(offers) == MAX_OFFERS:
                raise ValueError(f"a place holds at most {MAX_OFFERS} offers; this is one more")
        except ValueError as exc:
            report.reject(capacity.get("_row") or number, capacity_summary(capacity, service, origin),
                          f"service_capacity of '{service.get('name')}': {exc}")
            continue
        if offer is None:
            full += 1
        else:
            offers.append(offer)
    if full:
        report.notes.append(f"{service.get('name')}: {full} capacity row(s) with nothing available; no offer")
    return offers


def _offer(capacity: dict, vocabularies: Vocabularies) -> dict | None:
    raw = capacity.get("available")
    if raw in (None, ""):
        raise ValueError("available is missing (how many units are free)")
    try:
        available = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"available {str(raw)[:40]!r} is not a number") from None
    if available == 0:
        return None
    if capacity.get("unit") is None and capacity.get("unit_id"):
        raise ValueError(f"its unit_id {capacity['unit_id']} is not among the package's units")
    unit = unit_code(capacity.get("unit") or {})
    mine = ours(capacity.get("attributes"))
    offer = {"kind": _code(mine, "capacity_kinds") or "other", "quantity": available, "unit": unit,
             "schedule": _value(mine, "schedule"), "cost": _code(mine, "costs") or "free",
             "audience": _value(mine, "audience") or "", "description": _text(capacity.get("description"))}
    errors: dict[str, str] = {}
    validate_offers([offer], vocabularies, errors, reject_unknown=False)
    if errors:
        raise ValueError("; ".join(f"{k.removeprefix('capacity.0.')}: {v}" for k, v in errors.items()))
    return offer


def unit_code(unit: dict) -> str:
    """Our unit code for an HSDS unit; ValueError naming the unit when we have none like it."""
    identifier, name = _text(unit.get("identifier")), _text(unit.get("name"))
    if _text(unit.get("scheme")).lower() == UNIT_SCHEME.lower() and identifier:
        return identifier
    for code, pattern in UNIT_WORDS:
        if any(re.search(pattern, text, re.IGNORECASE) for text in (name, identifier) if text):
            return code
    if not (name or identifier):
        raise ValueError("it has no unit (say what `available` counts)")
    raise ValueError(f"unit {name or identifier!r} is not one we count in (hours a week, places or items)")


def asset_row(service: dict, row: dict, offers: list[dict], vocabularies: Vocabularies) -> dict:
    """The place that holds a service's spare capacity, as load_assets fields: at its first site, in our category
    when the service carries one of ours (an asset we exported), else the one its theme suggests."""
    site = (row.get("sites") or [{}])[0]
    category = _code(ours(service.get("attributes")), "categories")
    if category not in vocabularies.categories:
        category = THEME_CATEGORIES.get(row.get("theme"), "other")
    description, _, audience = row.get("description", "").partition(AUDIENCE_LABEL)
    organisation = row.get("agency", "")
    if _text((service.get("organization") or {}).get("description")) == ASSET_ITSELF:
        organisation = ""
    return {"source_ref": row["source_ref"], "name": row["name"], "category": category,
            "description": description.strip(), "audience": audience.strip(), "organisation": organisation,
            "address": site.get("address") or "", "postcode": site.get("postcode"), "lon": site.get("lon"),
            "lat": site.get("lat"), "capacity": offers}


def is_our_asset(service: dict) -> bool:
    """A service that carries one of our categories is an asset this software exported, not a public service."""
    return "categories" in ours(service.get("attributes"))


def capacity_summary(capacity: dict, service: dict, origin: str = "") -> dict:
    """A rejected capacity row, flat, for the rejects CSV."""
    unit = capacity.get("unit") or {}
    return {"table": "service_capacity", "id": capacity.get("id"), "service_id": service.get("id"),
            "name": service.get("name"), "available": capacity.get("available"),
            "unit": unit.get("name") or unit.get("identifier") or capacity.get("unit_id"),
            "file": capacity.get("_file") or origin}


def _code(found: dict, key: str) -> str | None:
    return found[key][0] if key in found else None


def _value(found: dict, key: str) -> str | None:
    return found[key][1] if key in found else None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
