"""The filters every analysis takes, checked against the vocabularies, and the options the settings give them.

The same names are used by the CLI (`--theme`, `--client-group`, `--agency-kind`, `--kind`, `--from`, `--to`),
the API (`theme`, `client_group`, `agency_kind`, `kind`, each a comma list; `from` and `to`, months as `YYYY-MM`)
and the planner pages, so a figure on a page can be reproduced from the command line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import psycopg

from .. import config, vocab
from ..errors import InvalidParameter
from ..ingest.services import AGENCY_KINDS

# Each filter: the vocabulary its codes come from (None: a fixed list), and its name in the API.
VOCABULARY = {"themes": "themes", "client_groups": "client_groups", "agency_kinds": None, "kinds": "capacity_kinds"}
PARAMETER = {"themes": "theme", "client_groups": "client_group", "agency_kinds": "agency_kind", "kinds": "kind",
             "from_month": "from", "to_month": "to"}
# The filters that are one month each (`YYYY-MM`), not lists of codes: the first and last month counted.
MONTHS = ("from_month", "to_month")
_MONTH = re.compile(r"^(?!0000)(\d{4})-(0[1-9]|1[0-2])$")   # no year 0: Python's dates start at 1


@dataclass(frozen=True)
class Filters:
    """Empty means everything."""
    themes: tuple[str, ...] = ()
    client_groups: tuple[str, ...] = ()
    agency_kinds: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    from_month: str | None = None
    to_month: str | None = None

    def services_args(self) -> dict[str, list[str] | None]:
        """Bound values for the service analyses' three filter arguments (NULL: no filter)."""
        return {"themes": list(self.themes) or None, "groups": list(self.client_groups) or None,
                "agency_kinds": list(self.agency_kinds) or None}

    def kinds_arg(self) -> list[str] | None:
        return list(self.kinds) or None

    def months_args(self) -> dict[str, date | None]:
        """Bound values for the exchange analyses' two month arguments: each month's first day (NULL: no bound)."""
        return {"first_month": month_start(self.from_month), "last_month": month_start(self.to_month)}

    def query(self) -> dict[str, str]:
        """The filters that are set, as the API's query parameters."""
        out = {}
        for name, value in vars(self).items():
            if value:
                out[PARAMETER[name]] = value if isinstance(value, str) else ",".join(value)
        return out


def allowed(conn: psycopg.Connection, name: str) -> list[str]:
    table = VOCABULARY[name]
    return list(AGENCY_KINDS) if table is None else vocab.codes(conn, table)


def check(conn: psycopg.Connection, **given: Iterable[str] | None) -> Filters:
    """Filters from lists of codes (or comma lists), each checked; InvalidParameter (named as in the API) for
    the first filter with an unknown code."""
    values: dict[str, tuple[str, ...] | str | None] = {}
    for name, raw in given.items():
        if name in MONTHS:
            values[name] = month(name, raw)
            continue
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
    if values.get("from_month") and values.get("to_month") and values["to_month"] < values["from_month"]:
        raise InvalidParameter("to", f"{values['to_month']} is before the first month, {values['from_month']}")
    return Filters(**values)


def month(name: str, raw: Iterable[str] | str | None) -> str | None:
    """One month as `YYYY-MM` (None when not given); InvalidParameter for anything else."""
    given = split(raw)
    if not given:
        return None
    if len(given) > 1 or not _MONTH.match(given[0]):
        raise InvalidParameter(PARAMETER[name], f"give one month as YYYY-MM, e.g. 2025-04 (not {','.join(given)!r})")
    return given[0]


def month_start(value: str | None) -> date | None:
    return None if value is None else date(int(value[:4]), int(value[5:7]), 1)


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
