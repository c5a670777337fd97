"""The vocabularies as the pages use them: read once per request, however many offers a page shows."""

from __future__ import annotations

from flask import g

from .. import vocab
from .db import get_conn


def terms(table: str) -> list[vocab.Term]:
    """The vocabulary `table` in display order, loaded on first use in this request."""
    cache = g.setdefault("vocab_terms", {})
    if table not in cache:
        cache[table] = vocab.load(get_conn(), table)
    return cache[table]


def by_code(table: str) -> dict[str, vocab.Term]:
    return {t.code: t for t in terms(table)}


def unit_words() -> dict[str, tuple[str, str]]:
    """unit → (singular, plural), for the pages' scripts, which say quantities in words as the server does."""
    return {t.code: (t.singular, t.plural) for t in terms("units")}
