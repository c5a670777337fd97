"""Open Referral UK (HSDS 3.0) import: read with `assetmap.hsds.read`, load with `load_services`."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..hsds.read import read_hsds
from .report import ImportReport
from .services import load_services


def import_hsds(conn, path: Path | str, *, dry_run: bool = False, progress=None,
                settings: Settings | None = None) -> ImportReport:
    """Read an Open Referral UK JSON file, folder or CSV package and load its services (source hsds:<name>)."""
    rows, report = read_hsds(path)
    return load_services(conn, rows, source=report.source, report=report, dry_run=dry_run, progress=progress,
                         settings=settings)
