"""Every analysis table by name, for the CLI, the API and the planner pages to ask for in the same words."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from . import capacity, overlaps, spend
from .filters import DEFAULTS, EVERYTHING, Filters, Options
from .tables import Table

# name → (function(conn, filters, options, geometry) → Table, the filters it takes)
_SERVICES = ("themes", "client_groups", "agency_kinds")
TABLES: dict[str, tuple[Callable[..., Table], tuple[str, ...]]] = {
    "overlaps": (lambda c, f, o, g: overlaps.overlaps(c, f, o, geometry=g), _SERVICES),
    "pooling": (lambda c, f, o, g: overlaps.overlaps(c, f, o, candidates_only=True, geometry=g), _SERVICES),
    "density": (lambda c, f, o, g: overlaps.density(c, f, geometry=g), _SERVICES),
    "catchments": (lambda c, f, o, g: overlaps.catchments(c, f), _SERVICES),
    "spend": (lambda c, f, o, g: spend.spend(c, f, geometry=g), _SERVICES),
    "capacity": (lambda c, f, o, g: capacity.balance(c, f, o, geometry=g), ("kinds",)),
    "links": (lambda c, f, o, g: capacity.links(c, f, o, geometry=g), ("kinds",)),
    "matches": (lambda c, f, o, g: capacity.matches(c, f, o, geometry=g), ("kinds",)),
}


def table(conn: psycopg.Connection, name: str, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
          geometry: bool = True) -> Table:
    """The named table (KeyError for an unknown name); filters it does not take must be empty."""
    fn, takes = TABLES[name]
    given = {k for k, v in vars(filters).items() if v}
    if given - set(takes):
        raise ValueError(f"{name} cannot be filtered by {', '.join(sorted(given - set(takes)))}")
    return fn(conn, filters, options, geometry)
