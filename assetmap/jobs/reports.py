"""An ImportReport as JSON for a job's result, and back, so the job's page shows the report the importer made."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from ..ingest.report import ImportReport, Rejected


def plain(value: Any) -> Any:
    """A value as JSON can hold it: cells of a row may be dates, decimals, or floats that are not numbers."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def to_json(report: ImportReport) -> dict[str, Any]:
    return {"kind": report.kind, "source": report.source, "dry_run": report.dry_run, "read": report.read,
            "inserted": report.inserted, "updated": report.updated, "notes": list(report.notes),
            "outside": report.outside,
            "rejected": [{"row_number": r.row_number, "row": plain(r.row), "reason": r.reason}
                         for r in report.rejected]}


def from_json(data: dict[str, Any]) -> ImportReport:
    return ImportReport(kind=data["kind"], source=data["source"], dry_run=data["dry_run"], read=data["read"],
                        inserted=data["inserted"], updated=data["updated"], notes=list(data["notes"]),
                        outside=data.get("outside"),
                        rejected=[Rejected(r["row_number"], r["row"], r["reason"]) for r in data["rejected"]])
