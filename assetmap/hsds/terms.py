"""Our vocabularies as HSDS taxonomies, so an offer's kind, cost, schedule and audience, and an asset's category,
travel in an HSDS package as `attribute` rows and come back exactly.

HSDS's `service_capacity` (3.1) holds only a number, a unit and a description; anything else about a capacity goes
in attributes linked to it (3.1 gives `service_capacity` an `attributes` list, and `attribute.link_entity` names the
table the link points into). Each vocabulary is one taxonomy with a fixed id; a term's `code` is our code, so a
reader needs nothing but the package. Free text (a schedule, an audience) is the `value` of an attribute whose term
says what the text is.
"""

from __future__ import annotations

import uuid
from typing import Any

# The namespace of write.py's ids, so every id in a package is made the same way.
NAMESPACE = uuid.UUID("5b0f7c1e-3d1a-4c55-9a51-8f4e2b7d6a10")

# vocabulary (our table, or "details") → (taxonomy name, description); `link_type` of an attribute is the key.
TAXONOMIES = {
    "capacity_kinds": ("AssetMap capacity kinds", "What kind of spare capacity an offer is (AssetMap data/"
                       "capacity_kinds.csv)."),
    "costs": ("AssetMap costs", "What using spare capacity costs (AssetMap data/costs.csv)."),
    "categories": ("AssetMap categories", "What kind of community asset a place or group is (AssetMap data/"
                   "categories.csv)."),
    "details": ("AssetMap offer details", "Free-text details of an offer of spare capacity, in the attribute's value."),
}
# The "details" taxonomy's terms: (code, name, description).
DETAILS = (
    ("schedule", "When it is available", "An OpenStreetMap opening_hours schedule "
     "(https://wiki.openstreetmap.org/wiki/Key:opening_hours), for example Tu,Th 18:00-21:00."),
    ("audience", "Who it is for", "Who may use the spare capacity, in words."),
)


def hsds_id(*parts: object) -> str:
    """A stable uuid for a row that has no public_id of its own."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def taxonomy_id(vocabulary: str) -> str:
    return hsds_id("taxonomy", "assetmap", vocabulary)


def term_id(vocabulary: str, code: str) -> str:
    return hsds_id("taxonomy_term", "assetmap", vocabulary, code)


def taxonomy_rows(terms: dict[str, list[tuple[str, str, str]]]) -> list[tuple[str, dict]]:
    """(table, row) for each taxonomy and term; `terms` maps a vocabulary to its (code, label, description)."""
    rows = []
    for vocabulary, (name, description) in TAXONOMIES.items():
        rows.append(("taxonomy", {"id": taxonomy_id(vocabulary), "name": name, "description": description}))
        for code, label, about in (DETAILS if vocabulary == "details" else terms[vocabulary]):
            rows.append(("taxonomy_term", {"id": term_id(vocabulary, code), "code": code, "name": label,
                                           "description": about, "taxonomy": name, "language": "en",
                                           "taxonomy_id": taxonomy_id(vocabulary)}))
    return rows


def attribute(entity: str, link_id: str, vocabulary: str, code: str, value: Any = None) -> dict:
    """An attribute row: `link_id` (a row of `entity`) has the term `code` of `vocabulary`, with `value`."""
    return {"id": hsds_id("attribute", entity, link_id, vocabulary, code), "link_id": link_id,
            "taxonomy_term_id": term_id(vocabulary, code), "link_type": vocabulary, "link_entity": entity,
            "value": value}


_OURS = {taxonomy_id(v): v for v in TAXONOMIES}
_BY_NAME = {name.lower(): v for v, (name, _) in TAXONOMIES.items()}


def ours(attributes: list[dict] | None) -> dict[str, tuple[str, str | None]]:
    """(code, value) of each attribute that carries one of our terms, by vocabulary (`capacity_kinds`, `costs`,
    `categories`) or, for details, by the detail (`schedule`, `audience`); the first of each wins.

    A term is ours when its taxonomy is (by id, or by name when a package gives only the name)."""
    found: dict[str, tuple[str, str | None]] = {}
    for link in attributes or []:
        term = (link or {}).get("taxonomy_term") or {}
        vocabulary = _OURS.get(str(term.get("taxonomy_id") or "")) or _BY_NAME.get(
            str(term.get("taxonomy") or "").strip().lower())
        code = str(term.get("code") or "").strip()
        key = code if vocabulary == "details" else vocabulary
        if vocabulary and code and key not in found:
            value = link.get("value")
            found[key] = (code, None if value in (None, "") else str(value))
    return found
