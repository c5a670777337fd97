"""The app factory: settings, schema check, connection pool, blueprints, error handlers. No work at import time."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

import psycopg
from flask import Flask

from ..config import Settings
from ..db.connect import database_url
from ..db.migrate import check_current
from . import (
    admin,
    admin_mail,
    analysis_api,
    api,
    auth,
    capacity,
    compression,
    contribute,
    db,
    errors,
    exchange,
    freshness,
    health,
    ogc,
    openapi,
    planner,
    planner_analysis,
    planner_data,
    planner_history,
    planner_jobs,
    planner_needs,
    planner_requests,
    planner_upload,
    public,
    security,
    tiles,
    vendor,
    workshop_api,
    workshop_layers,
    workshop_live,
    workshop_report,
    workshops,
)
from .json_input import JSONInput

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web app. `config` overrides settings by key (see assetmap.config.SETTINGS).

    Nothing touches the database here but one short check: a reachable database whose schema is behind the code
    stops the start with a message naming the migration command. An unreachable one does not: the app starts,
    /healthz reports 503, and requests succeed once the database is back.
    """
    settings = Settings.from_env(config)
    app = Flask("assetmap", static_folder=None)
    app.config["ASSETMAP"] = settings
    app.config["SECRET_KEY"] = settings.secret_key or _local_secret_key(settings)
    app.config["JSON_SORT_KEYS"] = False
    app.json = JSONInput(app)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 1024 * 1024

    url = database_url(settings)
    _check_schema(url)
    db.init_app(app, url)

    for module in (public, capacity, exchange, contribute, auth, planner, planner_analysis, planner_data,
                   planner_upload, planner_jobs, planner_requests, planner_needs, planner_history, admin, admin_mail,
                   api,
                   analysis_api, health, vendor, freshness, workshops, workshop_api, workshop_layers,
                   workshop_report, tiles, openapi, ogc):
        app.register_blueprint(module.bp)
    auth.init_app(app)
    workshop_live.init_app(app)
    security.init_app(app, exempt_blueprints=(api.bp, analysis_api.bp, workshop_api.bp, workshop_layers.bp))
    compression.init_app(app)
    errors.init_app(app)
    return app


def _check_schema(url: str) -> None:
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        log.warning("database not reachable at start-up (%s); serving anyway, /healthz will say 503",
                    str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        return
    with conn:
        check_current(conn)


def _local_secret_key(settings) -> str:
    """A key generated once and kept in the state folder, so sessions survive restarts."""
    path = settings.home / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        settings.home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            with open(path, "x") as f:   # two workers racing: the first one's key wins
                f.write(key)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text().strip()
        return key
