"""A workshop's set-up as typed (a form or JSON) → WorkshopInput, with every problem named at once."""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely

from ..model.submission import ValidationFailed
from .geometry import GeometryProblem, parse_area

LAYERS = {"assets": "Community assets", "capacity": "Spare capacity", "services": "Service sites",
          "catchments": "Service catchments", "overlaps": "Where services overlap", "spend": "Spend per resident",
          "capacity_balance": "Capacity surplus and shortfall"}
DEFAULT_ROUNDS = ("What already works here?", "Where do we overlap?", "What could we pool?")
MAX_ROUNDS = 12


@dataclass(frozen=True)
class WorkshopInput:
    title: str
    rounds: tuple[str, ...]
    round_minutes: int | None
    votes_per_person: int
    layers: tuple[str, ...]
    neighbourhood_codes: tuple[str, ...]
    area: shapely.MultiPolygon | None


def validate(fields: dict, neighbourhood_codes: set[str]) -> WorkshopInput:
    """Set-up fields (strings or lists, from a form or JSON) → WorkshopInput; every problem at once."""
    errors: dict[str, str] = {}
    title = " ".join(str(fields.get("title") or "").split())
    if not title:
        errors["title"] = "is needed"
    elif len(title) > 200:
        errors["title"] = "must be at most 200 characters"
    rounds = _lines(fields.get("rounds"))
    if fields.get("rounds") is None:
        rounds = list(DEFAULT_ROUNDS)
    if not rounds:
        errors["rounds"] = "needs at least one prompt"
    elif len(rounds) > MAX_ROUNDS or any(len(r) > 300 for r in rounds):
        errors["rounds"] = f"at most {MAX_ROUNDS} prompts of at most 300 characters each"
    minutes = _int(fields.get("round_minutes"), "round_minutes", 1, 240, errors, required=False)
    votes = _int(fields.get("votes_per_person"), "votes_per_person", 0, 50, errors, default=5)
    layers = _list(fields.get("layers"), default=["assets"])
    unknown = [x for x in layers if x not in LAYERS]
    if unknown:
        errors["layers"] = f"unknown layer {unknown[0]!r}; choose from {', '.join(LAYERS)}"
    hoods = _list(fields.get("neighbourhoods"), default=[])
    missing = [c for c in hoods if c not in neighbourhood_codes]
    if missing:
        errors["neighbourhoods"] = f"{missing[0]!r} is not a neighbourhood on this map"
    area = None
    raw_area = fields.get("area")
    if raw_area not in (None, ""):
        try:
            area = parse_area(json.loads(raw_area) if isinstance(raw_area, str) else raw_area)
        except (GeometryProblem, ValueError) as exc:
            errors["area"] = str(exc) if isinstance(exc, GeometryProblem) else "is not GeoJSON"
    if errors:
        raise ValidationFailed(errors)
    return WorkshopInput(title, tuple(rounds), minutes, votes, tuple(dict.fromkeys(layers)), tuple(hoods), area)


def _lines(raw) -> list[str]:
    items = raw if isinstance(raw, list) else str(raw or "").splitlines()
    return [" ".join(str(x).split()) for x in items if str(x).strip()]


def _list(raw, default: list[str]) -> list[str]:
    if raw is None or raw == "":
        return default
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(x).strip() for x in items if str(x).strip()]


def _int(raw, key: str, lo: int, hi: int, errors: dict, *, required: bool = True, default: int | None = None):
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[key] = "must be a whole number"
        return default
    if not lo <= value <= hi:
        errors[key] = f"must be from {lo} to {hi}"
    return value
