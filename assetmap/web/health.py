"""/healthz: is this worker able to serve? Checks the database, for load balancers and `make run`."""

from __future__ import annotations

import psycopg
from flask import Blueprint, jsonify
from psycopg_pool import PoolTimeout

from .db import get_conn

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        conn = get_conn(timeout=2.0)
        conn.execute("SELECT 1")
    except (PoolTimeout, psycopg.Error) as exc:
        return jsonify({"status": "unavailable", "database": "unreachable",
                        "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
