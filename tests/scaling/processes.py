"""Real server processes for the scaling tests beside PostgreSQL (tests/scaling/postgres.py): PgBouncer and
`assetmap serve`, each in a process group and a temporary folder of its own, stopped (and the folder removed) by
`stop()` whatever happened before; and what the tests say to them with.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import suppress
from pathlib import Path

import mercantile
import psycopg
import pytest

from assetmap.model import users
from tests.helpers import CSRF
from tests.helpers import PASSWORD as PASSWORD_OF_STAFF
from tests.scaling.postgres import free_port, server_user

# -- PgBouncer ------------------------------------------------------------------------------------------------------

class PgBouncer:
    """Debian's pgbouncer in transaction pooling mode, in front of one database, on a free port."""

    def __init__(self, server_url: str, pool_size: int = 10):
        if not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
            pytest.skip("pgbouncer is not installed (scripts/system-deps test installs it)")
        info = psycopg.conninfo.conninfo_to_dict(server_url)
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="assetmap-scaling-pgbouncer-", dir="/tmp"))
        self.user, self.password, self.dbname = info["user"], info["password"], info["dbname"]
        (self.folder / "users.txt").write_text(f'"{self.user}" "{self.password}"\n')
        (self.folder / "pgbouncer.ini").write_text(f"""\
[databases]
{self.dbname} = host={info['host']} port={info['port']} dbname={self.dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {self.folder / 'users.txt'}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
admin_users = {self.user}
logfile = {self.folder / 'pgbouncer.log'}
""")
        pgbouncer = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        user = server_user()   # pgbouncer refuses to run as root too
        if user:
            entry = pwd.getpwnam(user)
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", user, "--"] if user else []
        self.proc = subprocess.Popen([*prefix, pgbouncer, str(self.folder / "pgbouncer.ini")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            with suppress(psycopg.OperationalError), psycopg.connect(self.url(), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"pgbouncer did not start:\n{self.log()}")
            time.sleep(0.05)

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{dbname or self.dbname}"

    def reconnect(self) -> None:
        """RECONNECT on the admin console: server connections are closed and opened afresh once released (so a
        setting made on the role since reaches them)."""
        # The console speaks only the simple query protocol: a client-side cursor sends the text as is.
        with psycopg.connect(self.url("pgbouncer"), autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
            conn.execute(f"RECONNECT {self.dbname}")

    def log(self) -> str:
        with suppress(OSError):
            return (self.folder / "pgbouncer.log").read_text(errors="replace")[-3000:]
        return ""

    def stop(self) -> None:
        try:
            stop_group(self.proc, signal.SIGTERM)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# -- the app --------------------------------------------------------------------------------------------------------

def _serve_env(home: Path, env: dict) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSETMAP_") and k != "DATABASE_URL"}
    return base | {"ASSETMAP_TILES": "none", "ASSETMAP_WORKERS": "2", "ASSETMAP_THREADS": "16",
                   "ASSETMAP_SECRET_KEY": "test", "ASSETMAP_HOME": str(home), **env}


def serve_exit(home: Path, seconds: float = 20, **env: str) -> tuple[int | None, str]:
    """(exit code, output) of an `assetmap serve` expected to refuse to start; None if it was still running after
    `seconds` (then it is stopped)."""
    proc = subprocess.Popen([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(free_port())],
                            env=_serve_env(home, env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=seconds)
        return proc.returncode, output
    except subprocess.TimeoutExpired:
        stop_group(proc, signal.SIGKILL)
        return None, proc.communicate()[0]


class Serve:
    """`assetmap serve` on a free port of 127.0.0.1, in a process group of its own, with these settings."""

    def __init__(self, home: Path, **env: str):
        self.port = free_port()
        self.log_path = home / "serve.log"
        self.log_file = open(self.log_path, "w")   # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(self.port)],
                                     env=_serve_env(home, env), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                output = self.output()
                self.stop()
                pytest.fail(f"assetmap serve exited:\n{output}")
            with suppress(OSError, http.client.HTTPException):
                if self.request("GET", "/healthz")[0] == 200:
                    return
            if time.monotonic() > deadline:
                output = self.output()
                self.stop()
                pytest.fail(f"assetmap serve did not answer within 30 s:\n{output}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, body=None, headers: dict | None = None, cookies: dict | None = None,
                form: dict | None = None):
        """(status, response, body): JSON bodies parsed, others as bytes; `form` is sent form-encoded."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = dict(headers or {})
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if form is not None:
            data, sent["Content-Type"] = urllib.parse.urlencode(form), "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body) if isinstance(body, dict) else body
            sent.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            raw = response.read()
            kind = response.getheader("Content-Type", "")
            return response.status, response, (json.loads(raw) if "json" in kind and raw else raw)
        finally:
            conn.close()

    def sign_in(self, email: str = "pat@example.org") -> dict:
        """The cookies of a staff session, signed in through the form (only the session's: see the replica test)."""
        _, response, page = self.request("GET", "/sign-in")
        jar = set_cookies(response)
        token = CSRF.search(page.decode()).group(1)
        status, response, _ = self.request("POST", "/sign-in", cookies=jar,
                                           form={"email": email, "password": PASSWORD_OF_STAFF, "csrf_token": token})
        assert status == 302, self.output()[-2000:]
        return {"session": set_cookies(response)["session"]}

    def stop(self) -> None:
        """Ctrl-C to the group (gunicorn, its workers, the jobs worker)."""
        try:
            stop_group(self.proc, signal.SIGINT)
        finally:
            self.log_file.close()


def stop_group(proc: subprocess.Popen, first: signal.Signals, seconds: float = 5) -> None:
    """`first` to the process group `proc` leads, then SIGKILL to whatever of the group is left after `seconds`."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, first)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)


def set_cookies(response) -> dict:
    """name → value of each cookie a response sets."""
    jar = {}
    for header in response.msg.get_all("Set-Cookie") or ():
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def bearer(url: str, email: str = "pat@example.org") -> dict:
    """The Authorization header of a new API token for a staff user (tests.helpers.add_staff)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {"Authorization": f"Bearer {users.create_token(conn, email, 'scaling tests')}"}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The web-mercator tile (z, x, y) holding a point."""
    t = mercantile.tile(lon, lat, z)
    return t.z, t.x, t.y
