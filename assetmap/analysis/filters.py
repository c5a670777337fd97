"""The filters every analysis takes, checked against the vocabularies, and the options the settings give them.

The same names are used by the CLI (`--theme`, `--client-group`, `--agency-kind`, `--kind`), the API (`theme`,
`client_group`, `agency_kind`, `kind`, each a comma list) and the planner pages, so a figure on a page can be
reproduced from the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import psycopg

from .. import config, vocab
from ..errors import InvalidParameter
from ..ingest.services import AGENCY_KINDS

# Each filter: the vocabulary its codes come from (None: a fixed list), and its name in the API.
VOCABULARY = {"themes": "themes", "client_groups": "client_groups", "agency_kinds": None, "kinds": "capacity_kinds"}
PARAMETER = {"themes": "theme", "client_groups": "client_group", "agency_kinds": "agency_kind", "kinds": "kind"}


@dataclass(frozen=True)
class Filters:
    """Empty means everything."""
    themes: tuple[str, ...] = ()
    client_groups: tuple[str, ...] = ()
    agency_kinds: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def services_args(self) -> dict[str, list[str] | None]:
        """Bound values for the service analyses' three filter arguments (NULL: no filter)."""
        return {"themes": list(self.themes) or None, "groups": list(self.client_groups) or None,
                "agency_kinds": list(self.agency_kinds) or None}

    def kinds_arg(self) -> list[str] | None:
        return list(self.kinds) or None


def allowed(conn: psycopg.Connection, name: str) -> list[str]:
    table = VOCABULARY[name]
    return list(AGENCY_KINDS) if table is None else vocab.codes(conn, table)


def check(conn: psycopg.Connection, **given: Iterable[str] | None) -> Filters:
    """Filters from lists of codes (or comma lists), each checked; InvalidParameter (named as in the API) for
    the first filter with an unknown code."""
    values: dict[str, tuple[str, ...]] = {}
    for name, raw in given.items():
        if name not in VOCABULARY:
            raise TypeError(f"unknown filter {name}")
        codes = split(raw)
        if codes:
            known = allowed(conn, name)
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise InvalidParameter(PARAMETER[name], f"unknown {'codes' if len(unknown) > 1 else 'code'} "
                                  f"{', '.join(unknown)}; known: {', '.join(known)}")
        values[name] = codes
    return Filters(**values)


def split(raw: Iterable[str] | str | None) -> tuple[str, ...]:
    """`a,b` or ["a", "b,c"] as ("a", "b", "c"), without blanks or repeats."""
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        for code in str(item).split(","):
            code = code.strip()
            if code and code not in out:
                out.append(code)
    return tuple(out)


@dataclass(frozen=True)
class Options:
    """What the settings decide for the analyses (see the README's settings table)."""
    weights: Mapping[str, float] = field(default_factory=lambda: config.pooling_weights(
        config.Settings.pooling_weights))
    max_distance_m: float = config.Settings.sharing_max_distance_m
    estimate: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: config.Settings) -> Options:
        return cls(weights=config.pooling_weights(settings.pooling_weights),
                   max_distance_m=float(settings.sharing_max_distance_m),
                   estimate=config.need_estimate(settings.need_estimate))


EVERYTHING = Filters()
DEFAULTS = Options()
