"""Planners' background jobs: queue an upload's import, follow it on its page, and list the recent ones.

The page reloads itself while the job waits or runs (static/js/job-progress.js polls the JSON status and shows the
progress; without JavaScript a meta refresh does), and once the job has finished shows the import's report, as the
upload page used to after importing in the request. Every planner sees every job: they share the data it wrote.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from ..jobs import queue, reports
from ..jobs.kinds import import_kind
from .auth import staff_required
from .db import get_conn

bp = Blueprint("planner_jobs", __name__, url_prefix="/planner/jobs", template_folder="templates")

SHOWN_REJECTS = 200


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"   # reports quote rows, which may hold contact details
    return response


def enqueue_import(kind: str, arguments: dict[str, Any], label: str, conn=None):
    """Queue an import of a file in a job's folder (`arguments` name it); the redirect to the job's page."""
    job_id = queue.enqueue(conn or get_conn(), import_kind(kind), arguments, label=label, requested_by=current_user.id)
    return redirect(url_for("planner_jobs.show", job_id=job_id), 303)


def _job(job_id: int) -> queue.Job:
    job = queue.get(get_conn(), job_id)
    if job is None:
        abort(404, description="There is no such job: finished jobs are kept for a week.")
    return job


@bp.get("", endpoint="index")
@staff_required("planner", "admin")
def index():
    return render_template("planner_jobs.html", jobs=queue.recent(get_conn()))


@bp.get("/<int:job_id>", endpoint="show")
@staff_required("planner", "admin")
def show(job_id: int):
    job = _job(job_id)
    report = reports.from_json(job.result["report"]) if job.state == "done" and job.result else None
    return render_template("planner_job.html", job=job, report=report,
                           shown=report.rejected[:SHOWN_REJECTS] if report else [],
                           rejects_url=url_for(".rejects", job_id=job.id) if report and report.rejected else None)


@bp.get("/<int:job_id>.json", endpoint="status")
@staff_required("planner", "admin")
def status(job_id: int):
    job = _job(job_id)
    return jsonify({"id": job.id, "state": job.state, "done": job.done, "total": job.total, "error": job.error,
                    "finished": job.finished})


@bp.get("/<int:job_id>/rejects.csv", endpoint="rejects")
@staff_required("planner", "admin")
def rejects(job_id: int):
    job = _job(job_id)
    if job.state != "done" or not job.result or not job.result["report"]["rejected"]:
        abort(404)
    with tempfile.TemporaryDirectory(prefix="assetmap-rejects-") as tmp:   # the CSV as the command line writes it
        content = reports.from_json(job.result["report"]).write_rejects(Path(tmp) / "rejects.csv").read_bytes()
    return send_file(io.BytesIO(content), mimetype="text/csv", as_attachment=True, download_name="rejected-rows.csv")
