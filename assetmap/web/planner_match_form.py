"""The column-matching form, both ways: a mapping (the command line's format) shown as form fields, and the
submitted fields read back into a mapping, with a message for each field that cannot be used.

The form names columns, days and category values by their position in the file as read on the server (`col-3`,
`day-monday` = "3", `cat-0`), never by text from the browser, so a tampered form can at worst choose a different
column of the same file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..ingest.asset_mapping import check_mapping, column_targets, is_target
from ..ingest.matching import TARGETS, category_values, guess_category
from ..ingest.read import Table
from ..ingest.weekdays import DAYS
from ..vocab import Term

SAMPLES = 3
SHOWN_VALUES = 200
OFFER = "capacity.0"


@dataclass(frozen=True)
class ColumnRow:
    index: int
    name: str
    samples: tuple[str, ...]
    target: str | None
    days: tuple[str, ...] = ()              # the days whose opening hours it holds


@dataclass(frozen=True)
class ValueRow:
    index: int
    value: str
    rows: int
    code: str | None


@dataclass(frozen=True)
class MatchView:
    """What the form shows: each column with examples and its field, the day columns, the category values."""
    columns: list[ColumnRow]
    targets: dict[str, str]                 # every field a select offers, with its words
    days: dict[str, int | None]             # day → column index
    category_column: int | None
    values: list[ValueRow]
    more_values: int                        # distinct values beyond those shown
    default_category: str
    offer_kind: str
    offer_unit: str


@dataclass(frozen=True)
class Vocab:
    categories: Sequence[Term]
    kinds: Sequence[Term]
    units: Sequence[Term]


def _samples(table: Table, column: str) -> tuple[str, ...]:
    seen: list[str] = []
    for r in table.records:
        value = r.fields.get(column)
        if value not in (None, "") and str(value) not in seen:
            seen.append(str(value)[:60])
            if len(seen) == SAMPLES:
                break
    return tuple(seen)


def view(table: Table, mapping: dict, vocab: Vocab) -> MatchView:
    """The form for this mapping: explicit choices as they are, other columns as the importer would read them."""
    mapping = check_mapping(mapping)
    targets: list[str | None] = []
    for col in table.columns:
        if col in mapping["columns"]:
            targets.append(mapping["columns"][col] or None)
        else:
            targets.append(column_targets([col], mapping).get(col))
    offered = dict(TARGETS)
    offered.update({t: t for t in targets if t and t not in offered})
    index = {c: i for i, c in enumerate(table.columns)}
    day_columns = (mapping["opening_hours"] or {}).get("days", {})
    days = {d: index.get(day_columns[d]) if d in day_columns else None for d in DAYS}
    category_column = next((i for i, t in enumerate(targets) if t == "category"), None)
    values, more = [], 0
    if category_column is not None:
        found = category_values(table, table.columns[category_column], limit=10**9)
        codes = {t.code for t in vocab.categories}
        for j, (value, n) in enumerate(found[:SHOWN_VALUES]):
            code = mapping["categories"].get(value) or (value if value in codes else None)
            values.append(ValueRow(j, value, n, code))
        more = max(len(found) - SHOWN_VALUES, 0)
    defaults = mapping["defaults"]
    return MatchView(
        columns=[ColumnRow(i, c, _samples(table, c), targets[i], tuple(d for d in DAYS if days[d] == i))
                 for i, c in enumerate(table.columns)],
        targets=offered, days=days, category_column=category_column, values=values, more_values=more,
        default_category=str(defaults.get("category") or ""), offer_kind=str(defaults.get(f"{OFFER}.kind") or ""),
        offer_unit=str(defaults.get(f"{OFFER}.unit") or ""))


def read_form(form: Mapping[str, str], table: Table, vocab: Vocab) -> tuple[dict[str, Any], dict[str, str]]:
    """The mapping the submitted form says, and field name → what is wrong with it (empty when nothing is)."""
    errors: dict[str, str] = {}
    columns: dict[str, str | None] = {}
    fed_by: dict[str, str] = {}
    for i, col in enumerate(table.columns):
        target = form.get(f"col-{i}", "").strip() or None
        if target is not None and not is_target(target):
            errors[f"col-{i}"] = "Choose one of our fields, or “not imported”."
            target = None
        if target is not None and target in fed_by:
            errors[f"col-{i}"] = (f"Column “{fed_by[target]}” already feeds {TARGETS.get(target, target)}: "
                                  "choose one of them.")
        if target:
            fed_by.setdefault(target, col)
        columns[col] = target

    days: dict[str, str] = {}
    for day in DAYS:
        raw = form.get(f"day-{day}", "").strip()
        if raw:
            if raw.isdigit() and int(raw) < len(table.columns):
                days[day] = table.columns[int(raw)]
            else:
                errors[f"day-{day}"] = "Choose one of the file's columns, or none."

    categories: dict[str, str] = {}
    codes = {t.code for t in vocab.categories}
    column = next((c for c, t in columns.items() if t == "category"), None)
    if column is not None:
        listed = form.get("cat_column", "") == str(table.columns.index(column))
        for j, (value, _) in enumerate(category_values(table, column, SHOWN_VALUES)):
            # Values listed for another column (the category column was just changed) mean nothing here: guess.
            code = form.get(f"cat-{j}", "").strip() if listed else (guess_category(value, vocab.categories) or "")
            if code and code not in codes:
                errors[f"cat-{j}"] = "Choose one of our categories."
            elif code and code != value:
                categories[value] = code

    defaults: dict[str, str] = {}
    choice = {"default_category": (codes, "category"), "offer_kind": ({t.code for t in vocab.kinds}, f"{OFFER}.kind"),
              "offer_unit": ({t.code for t in vocab.units}, f"{OFFER}.unit")}
    with_offer = bool(days) or any(t and t.startswith(f"{OFFER}.") for t in columns.values())
    for name, (allowed, key) in choice.items():
        raw = form.get(name, "").strip()
        if raw and raw not in allowed:
            errors[name] = "Choose one from the list."
        elif raw and (key == "category" or with_offer):
            defaults[key] = raw
    if days and f"{OFFER}.kind" not in defaults and f"{OFFER}.kind" not in columns.values():
        errors["offer_kind"] = "Say what the opening hours are the hours of (for a library or hall, “Space”)."
    if days and f"{OFFER}.schedule" in columns.values():
        errors["days"] = ("Opening hours come from the day columns and from a column mapped to “Opening hours”: "
                          "keep one of them.")

    # "Not imported" needs saying only for a column the importer would otherwise read by its name.
    empty = check_mapping({})
    columns = {c: t for c, t in columns.items() if t is not None or column_targets([c], empty)}
    mapping: dict[str, Any] = {"columns": columns, "categories": categories, "defaults": defaults}
    if days:
        mapping["opening_hours"] = {"days": days, "offer": 0}
    return mapping, errors
