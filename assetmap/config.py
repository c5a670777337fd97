"""Settings, read from environment variables, each with a default and a line of help.

The table in README.md is checked against SETTINGS by a test, so a setting cannot go undocumented.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .ratelimit import Rule  # ratelimit imports only errors.py: no import cycle


def project_root() -> Path:
    """The checkout this package runs from, or the working directory for an installed package."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() else Path.cwd()


def default_workers() -> int:
    """gunicorn workers for this machine: gthread workers run Python one thread at a time (the GIL), so one process
    per core uses the cores (2×cores+1 is the rule for the one-request-at-a-time `sync` worker); at least two, so
    one busy or restarting process does not stop the site; at most eight, so that the workers' pools (8 connections
    each, plus a listener) stay inside PostgreSQL's default max_connections of 100."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        cores = os.cpu_count() or 2
    return min(max(cores, 2), 8)


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
    Setting("api_default_limit", "ASSETMAP_API_DEFAULT_LIMIT", 1000,
            "Features in one page of the API when the request gives no `limit`.", int),
    Setting("workers", "ASSETMAP_WORKERS", default_workers(),
            "gunicorn worker processes for `assetmap serve`. Default: one per CPU core, at least 2, at most 8.",
            int),
    Setting("threads", "ASSETMAP_THREADS", 300,
            "Threads per gunicorn worker (the gthread worker class): each open live workshop map holds one, so "
            "this bounds the live maps a worker serves; 1% of them (at least 8) are kept for ordinary requests.",
            int),
    Setting("listen_database_url", "ASSETMAP_LISTEN_DATABASE_URL", None,
            "A direct connection for the workshop listener when DATABASE_URL goes through a transaction-pooling "
            "PgBouncer (LISTEN does not work through one). Unset: DATABASE_URL."),
    Setting("read_database_url", "ASSETMAP_READ_DATABASE_URL", None,
            "A read replica (a PostgreSQL hot standby) for read-only work: tiles, OGC API, analyses, exports and the "
            "public API's reads. Unset: DATABASE_URL serves them."),
    Setting("statement_timeout", "ASSETMAP_STATEMENT_TIMEOUT", 60000,
            "Longest a web request's SQL statement may run, in ms (0: no limit); the command line and workers are "
            "not limited. Sent when connecting, which PgBouncer refuses: there, set 0 and put it on the web's "
            "database role (docs/scaling.md).", int),
    Setting("map_tiles_above", "ASSETMAP_MAP_TILES_ABOVE", 5000,
            "Published assets above which the public map draws them from vector tiles (on a canvas, counted in a "
            "grid when zoomed out) instead of as markers fetched from the API.", int),
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
    Setting("max_import_rows", "ASSETMAP_MAX_IMPORT_ROWS", 2_000_000,
            "Most rows (features, services, items) one import may hold, uploaded or from the command line "
            "(`--no-row-limit` lifts it there); a larger file is refused before anything is written. 0: no limit.",
            int),
    Setting("max_body_kb", "ASSETMAP_MAX_BODY_KB", 256,
            "Largest request body from anyone not signed in as staff (forms, API writes, workshop notes), in KB; "
            "larger ones get 413 before they are read.", int),
    Setting("secure_cookies", "ASSETMAP_SECURE_COOKIES", None,
            "Mark cookies Secure (HTTPS only): `1` or `0`. Default: on when the app is served over HTTPS.",
            lambda v: v.strip().lower() in ("1", "true", "yes", "on")),
    Setting("pooling_weights", "ASSETMAP_POOLING_WEIGHTS", "population=0.4,client_groups=0.2,shares=0.2,spend=0.2",
            "Weights of the pooling score's four terms (docs/analysis.md), as `term=weight` pairs."),
    Setting("sharing_max_distance_m", "ASSETMAP_SHARING_MAX_DISTANCE_M", 3000.0,
            "Furthest, in metres between neighbourhood centroids, that suggested capacity links and direct matches "
            "reach.", float),
    Setting("need_estimate", "ASSETMAP_NEED_ESTIMATE", "",
            "Estimated need a week per 1,000 residents at the average need score, per capacity kind, as "
            "`kind=amount` pairs (e.g. `volunteer_time=20`). Empty: only recorded needs count."),
    Setting("min_count", "ASSETMAP_MIN_COUNT", 5,
            "Fewest exchanges (or people) that must stand behind a figure before a public page shows it.", int),
    Setting("confirm_months", "ASSETMAP_CONFIRM_MONTHS", 6,
            "Months after which holders are asked to confirm their entry is still right.", int),
    Setting("confirm_grace_months", "ASSETMAP_CONFIRM_GRACE_MONTHS", 3,
            "Months an entry may stay unconfirmed after that (marked on the map) before its offers leave capacity "
            "search.", int),
    Setting("request_rate", "ASSETMAP_REQUEST_RATE", "10/hour",
            "Most requests for spare capacity one client may send, e.g. `10/hour`; counted in the database."),
    Setting("link_rate", "ASSETMAP_LINK_RATE", "60/hour",
            "Most writes one client may make through private links that have no rate of their own (withdrawing or "
            "confirming an entry, acting on a request's page), e.g. `60/hour`; counted in the database."),
    Setting("smtp_url", "ASSETMAP_SMTP_URL", None,
            "Where mail goes: `smtp://user:password@host:port` (STARTTLS when offered) or `smtps://…`. "
            "Unset: no mail is sent, and the pages say so."),
    Setting("mail_from", "ASSETMAP_MAIL_FROM", "AssetMap <noreply@localhost>", "The From address of mail."),
    Setting("public_url", "ASSETMAP_PUBLIC_URL", None,
            "The address people open the site at, e.g. `https://assets.example.org`: links in mail start with it. "
            "Required with ASSETMAP_SMTP_URL."),
    Setting("workshop_note_rate", "ASSETMAP_WORKSHOP_NOTE_RATE", "30/minute",
            "Most notes, edits, withdrawals, comments, votes and unvotes one workshop participant may send, e.g. "
            "`30/minute`."),
    Setting("workshop_join_rate", "ASSETMAP_WORKSHOP_JOIN_RATE", "300/hour",
            "Most joins to workshops from one client address (a whole room may share one), e.g. `300/hour`."),
    Setting("mail_max_attempts", "ASSETMAP_MAIL_MAX_ATTEMPTS", 8,
            "Tries to send one message (with growing pauses) before it goes to the admins' dead-letter list.",
            int),
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
    api_default_limit: int = 1000
    workers: int = field(default_factory=default_workers)
    threads: int = 300
    listen_database_url: str | None = None
    read_database_url: str | None = None
    statement_timeout: int = 60000
    map_tiles_above: int = 5000
    submit_rate: str = "20/hour"
    trusted_proxies: int = 0
    nominatim_url: str | None = None
    geocoder_user_agent: str = "AssetMap"
    geocoder_min_delay: float = 1.0
    max_upload_mb: int = 200
    max_import_rows: int = 2_000_000
    max_body_kb: int = 256
    secure_cookies: bool | None = None
    pooling_weights: str = "population=0.4,client_groups=0.2,shares=0.2,spend=0.2"
    sharing_max_distance_m: float = 3000.0
    need_estimate: str = ""
    min_count: int = 5
    confirm_months: int = 6
    confirm_grace_months: int = 3
    request_rate: str = "10/hour"
    link_rate: str = "60/hour"
    smtp_url: str | None = None
    mail_from: str = "AssetMap <noreply@localhost>"
    public_url: str | None = None
    workshop_note_rate: str = "30/minute"
    workshop_join_rate: str = "300/hour"
    mail_max_attempts: int = 8

    def __post_init__(self) -> None:
        problems = check(self)
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment, then `overrides` (keys as in SETTINGS) on top.

        Raises ValueError naming every unparsable, unknown or inconsistent setting at once (see `check`).
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        for s in SETTINGS:
            raw = environ.get(s.env)
            if raw not in (None, ""):
                try:
                    values[s.key] = s.parse(raw)
                except ValueError as exc:
                    problems.append(f"{s.env}={raw!r} is not valid: {exc}")
        unknown = set(overrides or ()) - {s.key for s in SETTINGS}
        if unknown:
            problems.append(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in (overrides or {}).items() if k not in unknown})
        if values.get("home") is not None:
            values["home"] = Path(values["home"])
        else:
            values.pop("home", None)
        if problems:
            # Say what else is wrong too, so one start reports everything.
            try:
                cls(**values)
            except ValueError as exc:
                problems.append(str(exc))
            raise ValueError("; ".join(problems))
        return cls(**values)


# -- checks -----------------------------------------------------------------------------------------------------

_BY_KEY = {s.key: s for s in SETTINGS}


def _env(key: str) -> str:
    return _BY_KEY[key].env


def check(settings: Settings) -> list[str]:
    """Every problem with these settings, each naming its environment variable(s) and what to do; [] if none.

    Settings that depend on each other are checked together: the API's default page size against its largest,
    the pool's smallest size against its largest.
    """
    problems: list[str] = []
    numbers: dict[str, int | float] = {}

    def number(key: str, kind: type, low: int | float, high: int | None = None) -> None:
        value = getattr(settings, key)
        ok_type = (int, float) if kind is float else (int,)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            problems.append(f"{_env(key)} ({value!r}) is not {'a number' if kind is float else 'a whole number'}")
        elif value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            problems.append(f"{_env(key)} ({value}) must be {span}")
        else:
            numbers[key] = value

    def not_larger(small: str, large: str) -> None:
        if small in numbers and large in numbers and numbers[small] > numbers[large]:
            problems.append(f"{_env(small)} ({numbers[small]}) is larger than {_env(large)} ({numbers[large]}): "
                            "lower the first or raise the second")

    number("db_port", int, 1, 65535)
    number("pool_min", int, 0)
    number("pool_max", int, 1)
    not_larger("pool_min", "pool_max")
    number("api_default_limit", int, 1)
    number("api_max_limit", int, 1)
    not_larger("api_default_limit", "api_max_limit")
    number("workers", int, 1)
    number("statement_timeout", int, 0, 2**31 - 1)
    number("threads", int, 16, 10_000)
    number("map_tiles_above", int, 0)
    number("trusted_proxies", int, 0)
    number("max_upload_mb", int, 1)
    number("max_import_rows", int, 0)
    number("max_body_kb", int, 1)
    number("geocoder_min_delay", float, 0)
    number("sharing_max_distance_m", float, 1, 100_000)
    number("min_count", int, 1)
    number("confirm_months", int, 1, 120)
    number("confirm_grace_months", int, 0, 120)
    number("mail_max_attempts", int, 1, 100)
    for key, parse in (("pooling_weights", pooling_weights), ("need_estimate", need_estimate)):
        try:
            parse(getattr(settings, key))
        except ValueError as exc:
            problems.append(f"{_env(key)} ({getattr(settings, key)!r}) {exc}")

    for key in ("submit_rate", "request_rate", "link_rate", "workshop_note_rate", "workshop_join_rate"):
        value = getattr(settings, key)
        try:
            Rule.parse(value if isinstance(value, str) else "")
        except ValueError:
            problems.append(f"{_env(key)} ({value!r}) is not a rate: give a count per second, minute, hour or day, "
                            "such as 20/hour")
    problems.extend(_mail_problems(settings))

    tiles_problem = _tiles_problem(settings.tiles)
    if tiles_problem:
        problems.append(f"{_env('tiles')} ({settings.tiles!r}) {tiles_problem}")
    return problems


POOLING_TERMS = ("population", "client_groups", "shares", "spend")


def _pairs(text: Any) -> dict[str, float]:
    """`a=1,b=2.5` as {"a": 1.0, "b": 2.5}; ValueError naming what is wrong."""
    if not isinstance(text, str):
        raise ValueError("is not text")
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, eq, value = part.partition("=")
        try:
            number = float(value) if eq else None
        except ValueError:
            number = None
        if not key.strip() or number is None or number < 0 or number != number or number == float("inf"):
            raise ValueError(f"has {part!r}: give name=number pairs with numbers of 0 or more, such as a=0.5,b=1")
        out[key.strip()] = number
    return out


def pooling_weights(text: Any) -> dict[str, float]:
    """The pooling score's weights: every term named, nothing else."""
    weights = _pairs(text)
    unknown, missing = set(weights) - set(POOLING_TERMS), set(POOLING_TERMS) - set(weights)
    if unknown or missing:
        raise ValueError(f"must give a weight for each of {', '.join(POOLING_TERMS)} and nothing else"
                         + (f" (unknown: {', '.join(sorted(unknown))})" if unknown else "")
                         + (f" (missing: {', '.join(sorted(missing))})" if missing else ""))
    return weights


def need_estimate(text: Any) -> dict[str, float]:
    """The need estimate's rates per capacity kind; the kinds are checked against the vocabulary when used."""
    return _pairs(text)


def _mail_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.smtp_url is not None:
        parts = urlsplit(settings.smtp_url) if isinstance(settings.smtp_url, str) else None
        if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            problems.append(f"{_env('smtp_url')} ({settings.smtp_url!r}) is not an SMTP URL: give "
                            "smtp://host:port or smtps://user:password@host:port")
        if not settings.public_url:
            problems.append(f"{_env('smtp_url')} is set but {_env('public_url')} is not: links in mail need the "
                            "address people open the site at, such as https://assets.example.org")
    if settings.public_url is not None:
        parts = urlsplit(settings.public_url) if isinstance(settings.public_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"{_env('public_url')} ({settings.public_url!r}) is not an http(s) address such as "
                            "https://assets.example.org")
    return problems


def _tiles_problem(tiles: Any) -> str | None:
    usage = "give openstreetmap, none, or an http(s) URL template such as https://tiles.example.org/{z}/{x}/{y}.png"
    if not isinstance(tiles, str):
        return f"is not text: {usage}"
    if tiles.strip().lower() in ("openstreetmap", "none"):
        return None
    parts = urlsplit(tiles.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"is neither a basemap name nor an http(s) URL: {usage}"
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in tiles]
    if missing:
        return f"lacks {', '.join(missing)}: {usage}"
    return None
