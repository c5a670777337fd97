"""A workshop's report pack, as data: what was asked, who came, what the room noted (by kind, most votes first,
with the comments), the actions agreed, and the Total Place figures for the workshop's area.

The HTML page, the PDF (report_pdf.py), the map (report_maps.py) and the exports (exports.py) all read this, so a
note has the same number and the same place everywhere. Only visible notes are in it: a hidden, withdrawn or merged
note never leaves the workshop through the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files

import psycopg
from psycopg.rows import tuple_row

from .. import vocab
from ..analysis import run
from ..analysis.capacity import UNIT_WORDS
from ..analysis.filters import Options
from ..config import Settings
from ..ingest.services import AGENCY_LABELS
from . import participants, sessions
from .sessions import KINDS, Workshop

POOLING_SHOWN = 10   # the report lists the strongest candidates; the planners' overlaps page has them all
_FIGURES = (files(__package__) / "sql" / "report_figures.sql").read_text()


@dataclass(frozen=True)
class Comment:
    text: str
    author: str
    organisation: str


@dataclass(frozen=True)
class Note:
    number: int          # its number in the report, on the map and in the exports
    id: int
    kind: str
    text: str
    author: str
    organisation: str
    round: int           # 0-based, as stored
    votes: int
    comments: tuple[Comment, ...]
    geometry: dict       # GeoJSON, WGS84
    status: str
    created_at: str      # ISO 8601, as PostgreSQL wrote it

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class KindGroup:
    kind: str
    label: str
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Figures:
    neighbourhoods: list[dict]                           # code, name, population, geometry
    agencies: list[dict] = field(default_factory=list)   # agency, kind, services (names)
    services: int = 0
    pairs: int = 0                                       # catchments overlapping inside the area
    candidates: list[dict] = field(default_factory=list)   # the strongest pooling candidates among them
    candidate_count: int = 0
    spend: dict | None = None                            # None: no figures
    capacity: list[dict] = field(default_factory=list)   # per kind and unit: supply, need, balance a week


@dataclass(frozen=True)
class Report:
    workshop: Workshop
    generated_at: datetime
    rounds: list[dict]           # number (1-based), prompt, notes
    organisations: list[dict]    # organisation, people
    groups: list[KindGroup]      # every kind, in the order of sessions.KINDS, empty ones too
    actions: list[dict]          # text, owner, note (its number in the report, or None)
    figures: Figures

    @property
    def notes(self) -> list[Note]:
        return [n for g in self.groups for n in g.notes]


def visible_notes(conn: psycopg.Connection, workshop: Workshop) -> list[Note]:
    """The visible notes in report order (kind, then most votes, then first written), numbered from 1."""
    rows = conn.cursor(row_factory=tuple_row).execute(
        "SELECT workshop_note_json(n) FROM workshop_notes n WHERE n.workshop_id = %s AND n.status = 'visible'",
        (workshop.id,)).fetchall()
    order = list(KINDS)
    props = sorted((r[0]["properties"] | {"geometry": r[0]["geometry"]} for r in rows),
                   key=lambda p: (order.index(p["kind"]), -p["votes"], p["id"]))
    return [Note(number=i, id=p["id"], kind=p["kind"], text=p["text"], author=p["author"],
                 organisation=p["organisation"], round=p["round"], votes=p["votes"],
                 comments=tuple(Comment(c["text"], c["author"], c["organisation"]) for c in p["comments"]),
                 geometry=p["geometry"], status=p["status"], created_at=p["created_at"])
            for i, p in enumerate(props, start=1)]


def build(conn: psycopg.Connection, workshop: Workshop, settings: Settings) -> Report:
    notes = visible_notes(conn, workshop)
    groups = [KindGroup(kind, label, tuple(n for n in notes if n.kind == kind)) for kind, label in KINDS.items()]
    per_round: dict[int, int] = defaultdict(int)
    for n in notes:
        per_round[n.round] += 1
    rounds = [{"number": i + 1, "prompt": p, "notes": per_round.get(i, 0)} for i, p in enumerate(workshop.rounds)]
    number_of = {n.id: n.number for n in notes}
    actions = [{"text": a["text"], "owner": a["owner"], "note": number_of.get(a["note_id"])}
               for a in sessions.actions(conn, workshop.id)]
    return Report(workshop, datetime.now(UTC), rounds, participants.organisations(conn, workshop.id), groups,
                  actions, figures(conn, workshop, settings))


def figures(conn: psycopg.Connection, workshop: Workshop, settings: Settings) -> Figures:
    """The area's figures; a workshop without neighbourhoods (an area drawn where there are none) has none."""
    hoods, services, pairs = conn.cursor(row_factory=tuple_row).execute(_FIGURES, {"workshop": workshop.id}).fetchone()
    if not hoods:
        return Figures([])
    by_agency: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in services:
        by_agency[(s["agency"], AGENCY_LABELS.get(s["agency_kind"], s["agency_kind"]))].append(s["name"])
    groups = {t.code: t.label for t in vocab.load(conn, "client_groups")}
    candidates = sorted((p | {"shared_client_groups": [groups.get(g, g) for g in p["shared_client_groups"]]}
                         for p in pairs if not p["same_agency"] and p["shared_client_groups"]),
                        key=lambda p: (-p["people"], -len(p["shared_client_groups"]), -p["area_km2"]))
    codes = {h["code"] for h in hoods}
    return Figures(hoods, [{"agency": a, "kind": k, "services": names} for (a, k), names in by_agency.items()],
                   len(services), len(pairs), candidates[:POOLING_SHOWN], len(candidates),
                   _spend(conn, codes, hoods), _capacity(conn, codes, settings))


def _spend(conn: psycopg.Connection, codes: set[str], hoods: list[dict]) -> dict | None:
    rows = [r for r in run.table(conn, "spend", geometry=False).rows if r["code"] in codes]
    population = sum(h["population"] or 0 for h in hoods)
    total = sum(r["spend_total"] or 0 for r in rows)
    if not population or not total:   # no people recorded, or no service spends here: nothing to divide
        return None
    kinds: dict[str, float] = defaultdict(float)
    for r in rows:
        for kind, amount in r["by_agency_kind"].items():
            kinds[AGENCY_LABELS.get(kind, kind)] += float(amount)
    return {"total": total, "population": population, "per_resident": total / population,
            "by_agency_kind": sorted(kinds.items(), key=lambda kv: -kv[1]),
            "neighbourhoods": [{"name": r["name"], "population": r["population"], "total": r["spend_total"],
                                "per_resident": r["spend_per_head"]} for r in rows]}


def _capacity(conn: psycopg.Connection, codes: set[str], settings: Settings) -> list[dict]:
    try:
        options = Options.from_settings(settings)
        rows = run.table(conn, "capacity", options=options, geometry=False).rows
    except ValueError:   # a need estimate naming a kind this database does not have: no figures, not a failure
        return []
    labels = {t.code: t.label for t in vocab.load(conn, "capacity_kinds")}
    totals: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["code"] not in codes:
            continue
        t = totals.setdefault((r["kind"], r["unit"]), {
            "kind": labels.get(r["kind"], r["kind"]), "unit": UNIT_WORDS.get(r["unit"], r["unit"]),
            "supply": 0.0, "need": 0.0, "balance": 0.0, "offers": 0, "needs": 0})
        for key in ("supply", "need", "balance", "offers", "needs"):
            t[key] += r[key] or 0
    return sorted(totals.values(), key=lambda t: (t["balance"], t["kind"]))


def money(amount: float | None) -> str:
    return "—" if amount is None else f"£{amount:,.0f}"


def number(amount: float | None, places: int = 0) -> str:
    return "—" if amount is None else f"{amount:,.{places}f}"


def balance(amount: float) -> str:
    """A week's balance in words: what a neighbourhood could share, or what it is short of."""
    if round(amount) == 0:
        return "even"
    return f"surplus of {number(amount)}" if amount > 0 else f"shortfall of {number(-amount)}"


def long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"
