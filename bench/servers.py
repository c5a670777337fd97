"""The HTTP servers the load rows compare, each started on a free loopback port in a session of its own and
stopped (the whole process group) whatever happens:

- ours: `assetmap serve`, exactly as the product runs it (gunicorn's workers and threads from assetmap's settings);
- tipg (OGC Features and Tiles on FastAPI) under uvicorn, from its own virtualenv;
- pygeoapi (Flask, SQLAlchemy PostgreSQL provider) under gunicorn's gthread worker, from its own virtualenv.

Every server gets the same number of worker processes: assetmap's ASSETMAP_WORKERS (default 2). The anchors' virtual
environments (bench/.venvs/<name>, git-ignored) are made with pip on first use: their pins clash with ours.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from assetmap.config import SETTINGS

HOST = "127.0.0.1"
VENVS = Path(__file__).parent / ".venvs"
# ours reads ASSETMAP_WORKERS itself; the anchors get the same number
WORKERS = int(os.environ.get("ASSETMAP_WORKERS") or next(s.default for s in SETTINGS if s.key == "workers"))
ANCHOR_THREADS = 8     # pygeoapi's gthread worker: enough threads for the rows' 8–16 clients
PACKAGES = {"tipg": ["tipg>=1.0,<2", "uvicorn>=0.30"],
            "pygeoapi": ["pygeoapi>=0.20,<0.22", "gunicorn>=23", "psycopg2-binary>=2.9,<3", "SQLAlchemy>=2,<3",
                         "GeoAlchemy2>=0.15"]}
ANCHOR_TABLE = "bench_anchor_assets"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def venv(name: str) -> Path:
    """The bin/ folder of the anchor's virtualenv, made with pip the first time."""
    folder = VENVS / name
    if not (folder / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", *PACKAGES[name]], check=True)
        (folder / ".installed").write_text(" ".join(PACKAGES[name]) + "\n")
    return folder / "bin"


def stop(proc: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextmanager
def running(cmd: list[str], env: dict, log: Path, ready_path: str, timeout: float = 90,
            fixed_port: int | None = None) -> Iterator[str]:
    """Start `cmd` ("{port}" in it and its environment: a free port), wait until GET ready_path answers 200,
    yield the base URL; stop it at the end."""
    port = fixed_port or free_port()
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    env = {k: v.replace("{port}", str(port)) for k, v in env.items()}
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited early; see {log}:\n{log.read_text()[-2000:]}")
            with suppress(OSError):
                with urllib.request.urlopen(base + ready_path, timeout=30) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[0]} did not answer within {timeout} s; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        stop(proc)


def ours(db_url: str, home: Path) -> contextmanager:
    env = {**os.environ, "DATABASE_URL": db_url, "ASSETMAP_HOME": str(home), "ASSETMAP_TILES": "none",
           "ASSETMAP_SECRET_KEY": "bench", "HOST": HOST, "PORT": "{port}"}
    env.pop("ASSETMAP_SMTP_URL", None)
    return running([sys.executable, "-m", "assetmap.cli", "serve"], env, home / "assetmap.log", "/healthz")


def make_anchor_table(conn) -> None:
    """The rows the anchors serve: the public view's published assets, copied into a plain table with a primary
    key and a GiST index (what both anchors read best: tipg and pygeoapi want a key column, and a view's would be
    guessed). The columns are the API feature's."""
    conn.execute(f"DROP TABLE IF EXISTS {ANCHOR_TABLE}")
    conn.execute(f"""CREATE TABLE {ANCHOR_TABLE} AS
                     SELECT id, public_id::text AS public_id, name, category, description, audience, accessibility,
                            address, postcode, organisation, neighbourhood_code, neighbourhood_name,
                            location_precision, updated_at, last_confirmed_at, capacity, geom::geometry(Point, 4326)
                       FROM public_assets""")
    conn.execute(f"ALTER TABLE {ANCHOR_TABLE} ADD PRIMARY KEY (id)")
    conn.execute(f"CREATE INDEX ON {ANCHOR_TABLE} USING gist (geom)")
    conn.execute(f"ANALYZE {ANCHOR_TABLE}")


def _db(db_url: str) -> dict:
    return conninfo_to_dict(db_url)


def tipg(db_url: str, home: Path) -> contextmanager:
    p = _db(db_url)
    url = f"postgresql://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{p['dbname']}"
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]',
           "TIPG_DB_TABLES": json.dumps([f"public.{ANCHOR_TABLE}"]), "TIPG_DB_FUNCTIONS": "[]",
           "TIPG_DB_SPATIAL_EXTENT": "false",
           "TIPG_DB_DATETIME_EXTENT": "false", "TIPG_ADD_TILES_VIEWER": "false"}
    bin_ = venv("tipg")
    return running([str(bin_ / "uvicorn"), "tipg.main:app", "--host", HOST, "--port", "{port}",
                    "--workers", str(WORKERS)], env, home / "tipg.log", f"/collections/public.{ANCHOR_TABLE}")


def pygeoapi(db_url: str, home: Path) -> contextmanager:
    p = _db(db_url)
    port = free_port()
    config = {
        "server": {"bind": {"host": HOST, "port": port}, "url": f"http://{HOST}:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "limits": {"default_items": 10, "max_items": 10000}, "pretty_print": False,
                   "map": {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "attribution": "none"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                               "keywords_type": "theme", "terms_of_service": "https://example.org",
                               "url": "https://example.org"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": {"name": "bench", "email": "bench@example.org", "url": "https://example.org",
                        "role": "pointOfContact"}},
        "resources": {"assets": {
            "type": "collection", "title": "assets", "description": "Published assets", "keywords": ["assets"],
            "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "PostgreSQL", "id_field": "id", "table": ANCHOR_TABLE,
                           "geom_field": "geom",
                           "data": {"host": p["host"], "port": int(p["port"]), "dbname": p["dbname"],
                                    "user": p["user"], "password": p["password"], "search_path": ["public"]}}]}},
    }
    config_path, openapi_path = home / "pygeoapi.yml", home / "pygeoapi-openapi.yml"
    config_path.write_text(json.dumps(config, indent=1))   # JSON is YAML
    bin_ = venv("pygeoapi")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYGEOAPI_CONFIG": str(config_path),
           "PYGEOAPI_OPENAPI": str(openapi_path)}
    subprocess.run([str(bin_ / "pygeoapi"), "openapi", "generate", str(config_path), "--output-file",
                    str(openapi_path)], env=env, check=True, capture_output=True)
    return running([str(bin_ / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", str(WORKERS),
                    "--worker-class", "gthread", "--threads", str(ANCHOR_THREADS),
                    "--control-socket", str(home / "pygeoapi.ctl"), "pygeoapi.flask_app:APP"],
                   env, home / "pygeoapi.log", "/collections/assets", fixed_port=port)
