"""Every analysis table by name, for the CLI, the API and the planner pages to ask for in the same words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import psycopg

from . import capacity, overlaps, reciprocity, spend
from .filters import DEFAULTS, EVERYTHING, Filters, Options
from .tables import Table

# name → (function(conn, filters, options, geometry, services) → Table, the filters it takes)
_SERVICES = ("themes", "client_groups", "agency_kinds")
_EXCHANGES = ("kinds", "from_month", "to_month")
TABLES: dict[str, tuple[Callable[..., Table], tuple[str, ...]]] = {
    "overlaps": (lambda c, f, o, g, s: overlaps.overlaps(c, f, o, geometry=g, services=s), _SERVICES),
    "pooling": (lambda c, f, o, g, s: overlaps.overlaps(c, f, o, candidates_only=True, geometry=g, services=s),
                _SERVICES),
    "density": (lambda c, f, o, g, s: overlaps.density(c, f, geometry=g), _SERVICES),
    "catchments": (lambda c, f, o, g, s: overlaps.catchments(c, f, services=s), _SERVICES),
    "overlap_shapes": (lambda c, f, o, g, s: overlaps.shapes(c, f, services=s), _SERVICES),
    "spend": (lambda c, f, o, g, s: spend.spend(c, f, geometry=g), _SERVICES),
    "capacity": (lambda c, f, o, g, s: capacity.balance(c, f, o, geometry=g), ("kinds",)),
    "links": (lambda c, f, o, g, s: capacity.links(c, f, o, geometry=g), ("kinds",)),
    "matches": (lambda c, f, o, g, s: capacity.matches(c, f, o, geometry=g), ("kinds",)),
    "reciprocity": (lambda c, f, o, g, s: reciprocity.neighbourhoods(c, f, geometry=g), _EXCHANGES),
    "reciprocity_organisations": (lambda c, f, o, g, s: reciprocity.organisations(c, f), _EXCHANGES),
    "flows": (lambda c, f, o, g, s: reciprocity.flows(c, f, geometry=g), _EXCHANGES),
    "trends": (lambda c, f, o, g, s: reciprocity.trends(c, f), _EXCHANGES),
}
# The tables that can be narrowed to a few services by id (a pair on the overlaps page, say).
BY_SERVICE = frozenset({"overlaps", "pooling", "catchments", "overlap_shapes"})


def table(conn: psycopg.Connection, name: str, filters: Filters = EVERYTHING, options: Options = DEFAULTS, *,
          geometry: bool = True, services: Sequence[int] = ()) -> Table:
    """The named table (KeyError for an unknown name); filters it does not take must be empty, and only the
    tables in BY_SERVICE take `services` (ids: only rows among those services)."""
    fn, takes = TABLES[name]
    given = {k for k, v in vars(filters).items() if v}
    if given - set(takes):
        raise ValueError(f"{name} cannot be filtered by {', '.join(sorted(given - set(takes)))}")
    if services and name not in BY_SERVICE:
        raise ValueError(f"{name} cannot be narrowed to services")
    return fn(conn, filters, options, geometry, tuple(services))
