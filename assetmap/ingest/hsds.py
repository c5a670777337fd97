"""Open Referral UK (HSDS 3.0 and 3.1) import: read with `assetmap.hsds.read`, then load the public services with
`load_services` and the places holding spare capacity with `load_assets`, in one transaction."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..hsds.read import HsdsRows, read_package
from .assets import load_assets
from .report import ImportReport, check_rows
from .services import load_services
from .staging import import_transaction


def import_hsds(conn, path: Path | str, *, dry_run: bool = False, progress=None,
                settings: Settings | None = None) -> ImportReport:
    """Read an Open Referral UK JSON file, folder or CSV package and load it (source hsds:<name>)."""
    return load_hsds(conn, read_package(path), dry_run=dry_run, progress=progress, settings=settings)


def load_hsds(conn, rows: HsdsRows, *, dry_run: bool = False, progress=None,
              settings: Settings | None = None) -> ImportReport:
    """Load what read_package read: services, then the assets holding spare capacity; the counts are of both."""
    report = rows.report
    check_rows(len(rows.services) + len(rows.assets), settings, "services and places")
    with import_transaction(conn, dry_run) as cur:
        load_services(conn, rows.services, source=report.source, report=report, dry_run=dry_run, progress=progress,
                      settings=settings)
        if rows.assets:
            # The services load's list of what it wrote lives until the commit; the asset load makes its own.
            cur.execute("DROP TABLE IF EXISTS import_done")
            before, refused = report.inserted + report.updated, len(report.rejected)
            load_assets(conn, rows.assets, source=report.source, report=report, status="published",
                        dry_run=dry_run, settings=settings, progress=progress)
            gone = {r.row_number for r in report.rejected[refused:]}
            offers = sum(len(f.get("capacity") or []) for n, f in rows.assets if n not in gone)
            places = report.inserted + report.updated - before
            report.notes.append(f"{places} of them community assets (places holding spare capacity), with {offers} "
                                "offers between them")
    return report
