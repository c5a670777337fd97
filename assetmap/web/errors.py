"""Domain errors become HTTP responses here: JSON under /api/, an HTML page elsewhere."""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, jsonify, render_template, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from ..errors import AssetMapError, InvalidParameter
from ..model.submission import ValidationFailed

log = logging.getLogger(__name__)
OUTAGE_RETRY_SECONDS = 5


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(AssetMapError)
    def domain_error(exc: AssetMapError):
        headers = {}
        if getattr(exc, "retry_after", None):   # RateLimited, and a busy server's 503
            headers["Retry-After"] = str(exc.retry_after)
        if _wants_json():
            body = {"error": str(exc)}
            if isinstance(exc, InvalidParameter):
                body = {"error": "invalid parameter", "parameter": exc.param, "message": exc.message}
            elif isinstance(exc, ValidationFailed):
                body = {"errors": exc.errors}
            return jsonify(body), exc.status, headers
        return render_template("error.html", status=exc.status, message=str(exc)), exc.status, headers

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: Exception):
        """The database is down or restarting: a 503 the client may retry, not a 500 that says we broke."""
        log.warning("database unavailable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        message = "The database is not answering just now. Please try again in a few seconds; nothing was lost."
        headers = {"Retry-After": str(OUTAGE_RETRY_SECONDS)}
        if _wants_json():
            return jsonify({"error": "unavailable", "message": message}), 503, headers
        return render_template("error.html", status=503, message=message), 503, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return jsonify({"error": exc.name, "message": exc.description}), exc.code
        return render_template("error.html", status=exc.code, message=exc.description), exc.code
