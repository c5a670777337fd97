"""Settings, read from environment variables, each with a default and a line of help.

The table in README.md is checked against SETTINGS by a test, so a setting cannot go undocumented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping


def project_root() -> Path:
    """The checkout this package runs from, or the working directory for an installed package."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() else Path.cwd()


@dataclass(frozen=True)
class Setting:
    key: str            # attribute name on Settings and key in create_app(config={...})
    env: str            # environment variable
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "DATABASE_URL", None,
            "PostgreSQL/PostGIS connection URL. Unset: use the project-local cluster (`assetmap db up`)."),
    Setting("home", "ASSETMAP_HOME", None,
            "Folder for local state (cluster, secret key). Default: `.assetmap/` in the checkout.", Path),
    Setting("db_port", "ASSETMAP_DB_PORT", 54329,
            "Preferred TCP port of the project-local cluster (on 127.0.0.1); the next free one if taken.", int),
    Setting("db_name", "ASSETMAP_DB_NAME", "assetmap", "Database name in the project-local cluster."),
    Setting("pg_bindir", "ASSETMAP_PG_BINDIR", None,
            "Folder with PostgreSQL's initdb/pg_ctl. Default: the newest /usr/lib/postgresql/*/bin.", Path),
    Setting("tiles", "ASSETMAP_TILES", "openstreetmap",
            "Basemap: `openstreetmap`, `none` (no basemap, no outside requests) or an XYZ URL template."),
    Setting("tiles_attribution", "ASSETMAP_TILES_ATTRIBUTION", None,
            "Attribution HTML for a custom tile URL (required by most tile providers)."),
    Setting("secret_key", "ASSETMAP_SECRET_KEY", None,
            "Key that signs session cookies. Default: generated once into the local state folder."),
    Setting("pool_min", "ASSETMAP_POOL_MIN", 1, "Database connections each web worker keeps open.", int),
    Setting("pool_max", "ASSETMAP_POOL_MAX", 8, "Most database connections each web worker opens.", int),
    Setting("api_max_limit", "ASSETMAP_API_MAX_LIMIT", 10000,
            "Largest `limit` the API accepts for one page of features.", int),
    Setting("workers", "ASSETMAP_WORKERS", 2, "gunicorn worker processes for `assetmap serve`.", int),
    Setting("submit_rate", "ASSETMAP_SUBMIT_RATE", "20/hour",
            "Most new or edited contributions one client may send, e.g. `20/hour`; counted in the database."),
    Setting("trusted_proxies", "ASSETMAP_TRUSTED_PROXIES", 0,
            "Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).", int),
    Setting("nominatim_url", "ASSETMAP_NOMINATIM_URL", None,
            "Base URL of a Nominatim server for addresses the gazetteer cannot place. Unset: no online geocoding."),
    Setting("geocoder_user_agent", "ASSETMAP_GEOCODER_USER_AGENT", "AssetMap",
            "User-Agent sent to an online geocoder (Nominatim's policy asks for one naming your deployment)."),
    Setting("geocoder_min_delay", "ASSETMAP_GEOCODER_MIN_DELAY", 1.0,
            "Seconds between requests to an online geocoder (Nominatim's public servers allow one a second).", float),
    Setting("max_upload_mb", "ASSETMAP_MAX_UPLOAD_MB", 200, "Largest file a planner may upload to import, in MB.",
            int),
    Setting("secure_cookies", "ASSETMAP_SECURE_COOKIES", None,
            "Mark cookies Secure (HTTPS only): `1` or `0`. Default: on when the app is served over HTTPS.",
            lambda v: v.strip().lower() in ("1", "true", "yes", "on")),
)


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    home: Path = field(default_factory=lambda: project_root() / ".assetmap")
    db_port: int = 54329
    db_name: str = "assetmap"
    pg_bindir: Path | None = None
    tiles: str = "openstreetmap"
    tiles_attribution: str | None = None
    secret_key: str | None = None
    pool_min: int = 1
    pool_max: int = 8
    api_max_limit: int = 10000
    workers: int = 2
    submit_rate: str = "20/hour"
    trusted_proxies: int = 0
    nominatim_url: str | None = None
    geocoder_user_agent: str = "AssetMap"
    geocoder_min_delay: float = 1.0
    max_upload_mb: int = 200
    secure_cookies: bool | None = None

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from the environment, then `overrides` (keys as in SETTINGS) on top."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            raw = environ.get(s.env)
            if raw not in (None, ""):
                try:
                    values[s.key] = s.parse(raw)
                except ValueError as exc:
                    raise ValueError(f"{s.env}={raw!r} is not valid: {exc}") from None
        unknown = set(overrides or ()) - {s.key for s in SETTINGS}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in (overrides or {}).items()})
        if values.get("home") is not None:
            values["home"] = Path(values["home"])
        else:
            values.pop("home", None)
        return cls(**values)
