"""Domain errors become HTTP responses here: JSON under /api/, an HTML page elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import AssetMapError, InvalidParameter
from ..model.submission import ValidationFailed


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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return jsonify({"error": exc.name, "message": exc.description}), exc.code
        return render_template("error.html", status=exc.code, message=exc.description), exc.code
