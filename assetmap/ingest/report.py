"""What an import did: rows read, inserted, updated and rejected, and why each rejected row was refused.

Every importer returns an ImportReport. The CLI prints `summary()` and writes `write_rejects()` next to the input
(or where --rejects says); the planner upload page shows the same report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import spreadsheet
from ..errors import AssetMapError


class TooManyRows(AssetMapError):
    """A file with more rows than one import may hold (ASSETMAP_MAX_IMPORT_ROWS); refused before anything is
    written."""

    status = 413


def check_rows(count: int, settings: Any, what: str = "rows") -> None:
    """Refuse an import of more than the settings' max_import_rows (0, or no settings, as a library call: no
    limit). Called by each importer once the file is read and before its transaction starts."""
    limit = getattr(settings, "max_import_rows", 0) if settings is not None else 0
    if limit and count > limit:
        raise TooManyRows(f"the file holds {count:,} {what}, more than the {limit:,} one import may hold "
                          "(ASSETMAP_MAX_IMPORT_ROWS): split it into smaller files, or on the command line lift the "
                          "limit with --no-row-limit")


@dataclass(frozen=True)
class Rejected:
    row_number: int           # 1-based, as a person counts rows in the file (header not counted)
    row: dict[str, Any]       # the row as read
    reason: str               # every problem with it, in words


@dataclass
class ImportReport:
    kind: str
    source: str               # file name, or a label
    dry_run: bool = False
    read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # what was repaired or assumed: "3 polygons made valid"
    outside: int | None = None   # rows imported (or, in a dry run, that would be) outside every neighbourhood

    def reject(self, row_number: int, row: dict[str, Any], reason: str) -> None:
        self.rejected.append(Rejected(row_number, row, reason))

    def drop(self, row_number: int, row_name: str, part: str, reason: str, kept: str) -> None:
        """A bad part of a row (an offer, a site) left out while the rest of the row is imported: one note, in the
        one shape every importer uses, so the CLI, the upload page and the job page all say what was dropped."""
        named = f" ({row_name})" if row_name else ""
        self.notes.append(f"dropped: row {row_number}{named}, {part}: {reason}; the {kept} is kept without it")

    def counts(self) -> dict[str, Any]:
        """What the audit log keeps of an import."""
        counts = {"source": self.source, "read": self.read, "inserted": self.inserted, "updated": self.updated,
                  "rejected": len(self.rejected)}
        return counts | ({"outside": self.outside} if self.outside is not None else {})

    def summary(self) -> str:
        """One line: what came in and what happened to it."""
        verb = "would insert" if self.dry_run else "inserted"
        text = (f"{self.kind} {self.source}: read {self.read}, {verb} {self.inserted}, "
                f"{'would update' if self.dry_run else 'updated'} {self.updated}, rejected {len(self.rejected)}")
        if self.outside:
            text += f"; {self.outside} {'lie' if self.outside != 1 else 'lies'} outside every neighbourhood"
        return text + ("" if not self.dry_run else " (dry run: nothing written)")

    def write_rejects(self, path: Path) -> Path | None:
        """The rejected rows as CSV (row number, reason, then the row's own columns); None when there are none."""
        if not self.rejected:
            return None
        columns: list[str] = []
        for r in self.rejected:
            columns += [c for c in r.row if c not in columns]
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = spreadsheet.writer(f)
            writer.writerow(["row_number", "reason", *columns])
            for r in self.rejected:
                writer.writerow([r.row_number, r.reason, *(_cell(r.row.get(c)) for c in columns)])
        return path


def default_rejects_path(input_path: Path) -> Path:
    """`data/halls.csv` → `data/halls.rejects.csv`."""
    return input_path.with_name(f"{input_path.stem}.rejects.csv")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
