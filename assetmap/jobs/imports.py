"""Import jobs: each import the planners' upload page offers, run by the jobs worker on a file handed to the job.

The arguments name the file within the job's folder (`path`) and say what the upload form said; the result is the
importer's report (`reports.to_json`), and for assets how many of the data set lie outside every neighbourhood.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ..cli.imports import count_rows
from ..ingest.asset_files import import_assets
from ..ingest.gazetteer import import_gazetteer
from ..ingest.hsds import import_hsds
from ..ingest.needs import import_needs
from ..ingest.neighbourhoods import import_neighbourhoods
from ..ingest.openactive import import_openactive
from ..ingest.osm import import_osm
from ..ingest.preview import outside_count
from ..ingest.report import ImportReport
from ..ingest.service_files import import_services
from . import reports
from .files import inside
from .kinds import IMPORTS, Context, Handler, import_kind


def _file(args: dict[str, Any], ctx: Context) -> Path:
    if ctx.folder is None:
        raise ValueError("the uploaded file is no longer kept: upload it again")
    path = inside(ctx.folder, args["path"])
    if not path.exists():
        raise ValueError("the uploaded file is no longer kept: upload it again")
    ctx.set_total(count_rows(path) if path.is_file() else None)
    return path


def _assets(conn, args, ctx, path) -> ImportReport:
    return import_assets(conn, path, source=args["source"], mapping=args.get("mapping"),
                         pending=args.get("pending", False), dry_run=args.get("dry_run", False),
                         progress=ctx.progress, settings=ctx.settings)


def _neighbourhoods(conn, args, ctx, path) -> ImportReport:
    return import_neighbourhoods(conn, path, code_field=args["code_field"], name_field=args["name_field"],
                                 population_field=args.get("population_field"), need_field=args.get("need_field"),
                                 dry_run=args.get("dry_run", False), progress=ctx.progress)


def _services(conn, args, ctx, path) -> ImportReport:
    return import_services(conn, path, source=args["source"], dry_run=args.get("dry_run", False),
                           progress=ctx.progress, settings=ctx.settings)


def _needs(conn, args, ctx, path) -> ImportReport:
    return import_needs(conn, path, source=args["source"], dry_run=args.get("dry_run", False), progress=ctx.progress,
                        settings=ctx.settings)


def _gazetteer(conn, args, ctx, path) -> ImportReport:
    return import_gazetteer(conn, path, fmt=args["format"], dry_run=args.get("dry_run", False),
                            progress=ctx.progress)


def _hsds(conn, args, ctx, path) -> ImportReport:
    return import_hsds(conn, path, dry_run=args.get("dry_run", False), progress=ctx.progress, settings=ctx.settings)


def _osm(conn, args, ctx, path) -> ImportReport:
    return import_osm(conn, path, dry_run=args.get("dry_run", False), progress=ctx.progress, settings=ctx.settings)


def _openactive(conn, args, ctx, path) -> ImportReport:
    return import_openactive(conn, path, dry_run=args.get("dry_run", False), progress=ctx.progress,
                             settings=ctx.settings)


_IMPORTERS = {"assets": _assets, "neighbourhoods": _neighbourhoods, "services": _services, "needs": _needs,
              "gazetteer": _gazetteer, "hsds": _hsds, "osm": _osm, "openactive": _openactive}


def _job(kind: str) -> Handler:
    importer = _IMPORTERS[kind]

    def run(conn: psycopg.Connection, args: dict[str, Any], ctx: Context) -> dict[str, Any]:
        report = importer(conn, args, ctx, _file(args, ctx))
        result: dict[str, Any] = {"report": reports.to_json(report)}
        if kind == "assets" and not report.dry_run:
            result["outside"] = outside_count(conn, args["source"])
        return result
    run.__qualname__ = f"import_{kind}_job"
    return run


KINDS: dict[str, Handler] = {import_kind(kind): _job(kind) for kind in IMPORTS}
