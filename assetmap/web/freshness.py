"""Keeping the map fresh: "still right" from the edit page or a reminder's one-time link, and the planners'
staleness report. What fresh, due and stale mean is `assetmap.model.freshness`'s alone."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from ..model import freshness
from .auth import staff_required
from .db import get_conn
from .security import limit_link_writes

bp = Blueprint("freshness", __name__, template_folder="templates")

PRIVATE_ENDPOINTS = ("freshness.confirm_edit", "freshness.confirm_link")


def _settings():
    return current_app.config["ASSETMAP"]


@bp.after_request
def _private(response):
    # The links carry a secret in their path: no referrer to take it elsewhere, no cache to keep it, no index.
    # The report shows which entries have a contact address: no cache either.
    response.headers["Cache-Control"] = "no-store"
    if request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_template_global()
def confirmation_for(token: str | None) -> freshness.EntryFreshness | None:
    """For the edit page's "still right" block (_confirm_block.html): how fresh this edit link's entry is."""
    return freshness.freshness_by_token(get_conn(), token, _settings()) if token else None


@bp.post("/edit/<token>/confirm", endpoint="confirm_edit")
def confirm_edit(token: str):
    """One tap on the edit page: the entry is still right. Back to the edit page, which says so."""
    limit_link_writes()
    done = freshness.confirm_by_token(get_conn(), token)
    flash(f"Thank you — marked as still right on {freshness.long_date(done.last_confirmed_at)}.", "saved")
    return redirect(url_for("contribute.edit", token=token), 303)


@bp.route("/confirm/<token>", methods=["GET", "POST"], endpoint="confirm_link")
def confirm_link(token: str):
    """A reminder's one-time link: the entry's name and a "Still right" button; pressing it uses the link up."""
    conn = get_conn()
    if request.method == "GET":
        return render_template("confirm_link.html", entry=freshness.entry_for_link(conn, token), token=token)
    limit_link_writes()
    done = freshness.confirm_by_link(conn, token)
    return render_template("confirm_link.html", done=done)


@bp.errorhandler(CSRFError)
def _session_lost(exc: CSRFError):
    """A phone that lost its session cookie: ask for the tap again rather than show an error."""
    token = (request.view_args or {}).get("token", "")
    if request.endpoint == "freshness.confirm_edit":
        flash("We could not mark your entry as still right because your browser lost track of this page. "
              "Please press “Still right” again.", "saved")
        return redirect(url_for("contribute.edit", token=token), 303)
    if request.endpoint == "freshness.confirm_link":
        entry = freshness.entry_for_link(get_conn(), token)
        problem = "Your browser lost track of this page. Please press “Still right” again."
        return render_template("confirm_link.html", entry=entry, token=token, problem=problem), 400
    return render_template("error.html", status=400, message=exc.description), 400


@bp.get("/planner/staleness", endpoint="staleness")
@staff_required("planner", "admin")
def staleness():
    """Per neighbourhood, entries and offers fresh, due and stale; `?neighbourhood=CODE` lists that one's
    unconfirmed entries."""
    conn = get_conn()
    settings = _settings()
    code = request.args.get("neighbourhood", "").strip()
    if code:
        name, entries = freshness.unconfirmed_entries(conn, settings, code)
        return render_template("planner_staleness.html", code=code, name=name, entries=entries, settings=settings)
    rows = freshness.report(conn, settings)
    return render_template("planner_staleness.html", rows=rows, settings=settings, totals=_totals(rows))


def _totals(rows: list[freshness.NeighbourhoodFreshness]) -> dict[str, int]:
    keys = ("assets", "assets_fresh", "assets_due", "assets_stale", "offers", "offers_fresh", "offers_due",
            "offers_stale")
    return {k: sum(getattr(r, k) for r in rows) for k in keys}


@bp.get("/planner/staleness.csv", endpoint="staleness_csv")
@staff_required("planner", "admin")
def staleness_csv():
    """The report as CSV, one row per neighbourhood."""
    table = freshness.report_table(freshness.report(get_conn(), _settings()))
    return Response(table.to_csv(), headers={"Content-Type": "text/csv; charset=utf-8",
                                             "Content-Disposition": 'attachment; filename="staleness.csv"'})
