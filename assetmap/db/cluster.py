"""The project-local PostGIS cluster: the embedded default when DATABASE_URL is not set.

Layout, all under the state folder (`.assetmap/` in the checkout):

    cluster.json   where the cluster lives, its port, superuser password (mode 600)
    cluster.lock   flock()ed by every command that changes the cluster, so two `db up` never race
    pg/data        PGDATA
    pg/run         the Unix socket
    pg/server.log  the server's log

PostgreSQL refuses to run as root. Started by root, the cluster runs as the unprivileged `postgres` user (Debian's
packages create it; we create an `assetmap` system user when it is missing). That user must be able to reach the
folders; when the checkout is inside a folder it cannot enter (/root is mode 700), the data lives in
/var/lib/assetmap/<checkout>-<hash> instead (durable, unlike /tmp) and cluster.json says so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

SUPERUSER = "assetmap"
FALLBACK_ROOT = Path("/var/lib/assetmap")
SOCKET_PATH_MAX = 107          # sun_path is 108 bytes including the terminating NUL
PORT_SEARCH = 100              # how far past the preferred port to look for a free one


class ClusterError(RuntimeError):
    """The local cluster cannot be created, started or reached; the message says what to do."""


@dataclass
class ClusterState:
    """What cluster.json records."""

    pgdata: str
    socket_dir: str
    log_file: str
    port: int
    password: str
    os_user: str
    bindir: str
    database: str

    def url(self, database: str | None = None) -> str:
        db = database or self.database
        return f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{db}"


@dataclass
class Status:
    running: bool
    pid: int | None
    state: ClusterState | None
    message: str


def find_bindir(explicit: Path | None = None) -> Path:
    """The folder of the newest installed PostgreSQL server (initdb, pg_ctl, postgres)."""
    if explicit:
        if not (explicit / "pg_ctl").exists():
            raise ClusterError(f"ASSETMAP_PG_BINDIR={explicit} has no pg_ctl in it.")
        return explicit
    candidates = []
    for d in Path("/usr/lib/postgresql").glob("*/bin"):
        if (d / "initdb").exists() and (d / "pg_ctl").exists() and d.parent.name.isdigit():
            candidates.append((int(d.parent.name), d))
    if candidates:
        return max(candidates)[1]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).resolve().parent
    raise ClusterError(
        "No PostgreSQL server is installed. On Debian: `sudo apt-get install postgresql postgis`, "
        "or set DATABASE_URL to an existing PostGIS database.")


def server_major(bindir: Path) -> int:
    out = subprocess.run([str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True,
                         check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise ClusterError(f"cannot read the PostgreSQL version from {out!r}")
    return int(match.group(1))


class LocalCluster:
    """Create, start, stop and describe the cluster that lives with this checkout."""

    def __init__(self, home: Path, preferred_port: int = 54329, database: str = "assetmap",
                 bindir: Path | None = None):
        self.home = Path(home).resolve()
        self.preferred_port = preferred_port
        self.database = database
        self.explicit_bindir = bindir
        self.state_file = self.home / "cluster.json"
        self.lock_file = self.home / "cluster.lock"

    # -- state -----------------------------------------------------------------------------------------------

    def state(self) -> ClusterState | None:
        try:
            return ClusterState(**json.loads(self.state_file.read_text()))
        except FileNotFoundError:
            return None

    def _save(self, state: ClusterState) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(state), f, indent=2)
        os.replace(tmp, self.state_file)

    @contextlib.contextmanager
    def _locked(self):
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    # -- running commands as the server's user ---------------------------------------------------------------

    def _run(self, state: ClusterState, args: list[str], **kw) -> subprocess.CompletedProcess:
        cmd = [str(Path(state.bindir) / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", state.os_user, "--", *cmd]
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(cmd, **kw)

    # -- status ------------------------------------------------------------------------------------------------

    def status(self) -> Status:
        state = self.state()
        if state is None:
            return Status(False, None, None, f"no local cluster yet (run `assetmap db up`; state folder {self.home})")
        pid = self._live_postmaster_pid(state)
        if pid is None:
            return Status(False, None, state, "stopped")
        return Status(True, pid, state, "running")

    def _live_postmaster_pid(self, state: ClusterState) -> int | None:
        """The postmaster's pid when one really runs on this data folder; None for no pid file or a stale one."""
        try:
            first = (Path(state.pgdata) / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first)
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
        # After a crash the pid may have been reused by an unrelated process: check it is a postgres.
        if not cmdline or not cmdline[0].endswith(b"postgres"):
            return None
        with contextlib.suppress(OSError, IndexError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return None   # killed, not yet reaped
        return pid

    def _wait_gone(self, state: ClusterState, seconds: float = 10) -> bool:
        """True once no postmaster runs on the data folder (within `seconds`)."""
        deadline = time.monotonic() + seconds
        while self._live_postmaster_pid(state) is not None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    # -- up / down ---------------------------------------------------------------------------------------------

    def up(self, log=print) -> ClusterState:
        """Create the cluster if needed, start it if stopped, make sure PostGIS and the database exist."""
        with self._locked():
            state = self.state() or self._create(log)
            if self._live_postmaster_pid(state) is None:
                self._start(state, log)
            try:
                self._ensure_postgis(state, log)
            except psycopg.OperationalError:
                # A postmaster killed a moment ago can still look alive (the kill not yet delivered, or its pid
                # not yet reaped): wait for it to be gone, then start it, once.
                if not self._wait_gone(state):
                    raise
                self._start(state, log)
                self._ensure_postgis(state, log)
            self._ensure_database(state)
            return state

    def down(self, log=print) -> bool:
        """Stop the cluster (fast shutdown). False when it was not running."""
        with self._locked():
            state = self.state()
            if state is None or self._live_postmaster_pid(state) is None:
                return False
            res = self._run(state, ["pg_ctl", "-D", state.pgdata, "-m", "fast", "-w", "stop"])
            if res.returncode != 0:
                raise ClusterError(f"pg_ctl stop failed:\n{res.stderr or res.stdout}")
            log(f"stopped the local cluster ({state.pgdata})")
            return True

    # -- creating ----------------------------------------------------------------------------------------------

    def _server_user(self) -> str:
        if os.geteuid() != 0:
            return pwd.getpwuid(os.geteuid()).pw_name
        for name in ("postgres", "assetmap"):
            with contextlib.suppress(KeyError):
                pwd.getpwnam(name)
                return name
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "assetmap"],
                       check=True)
        return "assetmap"

    def _reachable_by(self, user: str, path: Path) -> bool:
        if os.geteuid() != 0:
            return True
        res = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path), "-a", "-x", str(path)],
                             capture_output=True)
        return res.returncode == 0

    def _create(self, log) -> ClusterState:
        bindir = find_bindir(self.explicit_bindir)
        user = self._server_user()
        uid = pwd.getpwnam(user).pw_uid
        gid = pwd.getpwnam(user).pw_gid

        base = self.home / "pg"
        base.mkdir(parents=True, exist_ok=True)
        os.chown(base, uid, gid)
        os.chmod(base, 0o700)
        if not self._reachable_by(user, base):
            digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:10]
            base = FALLBACK_ROOT / f"{self.home.parent.name}-{digest}"
            log(f"the {user} user cannot enter {self.home}; keeping the cluster in {base}")
            base.mkdir(parents=True, exist_ok=True)
            os.chmod(FALLBACK_ROOT, 0o755)
            os.chown(base, uid, gid)
            os.chmod(base, 0o700)

        socket_dir = base / "run"
        if len(str(socket_dir / f".s.PGSQL.{self.preferred_port + PORT_SEARCH}")) > SOCKET_PATH_MAX:
            socket_dir = Path("/tmp") / f"assetmap-{hashlib.sha256(str(base).encode()).hexdigest()[:10]}"
        socket_dir.mkdir(parents=True, exist_ok=True)
        os.chown(socket_dir, uid, gid)
        os.chmod(socket_dir, 0o700)

        pgdata = base / "data"
        state = ClusterState(
            pgdata=str(pgdata), socket_dir=str(socket_dir), log_file=str(base / "server.log"),
            port=self.preferred_port, password=secrets.token_urlsafe(24), os_user=user,
            bindir=str(bindir), database=self.database)

        if not (pgdata / "PG_VERSION").exists():
            if pgdata.exists():
                shutil.rmtree(pgdata)   # an initdb that died half-way; nothing of the user's is in it yet
            log(f"creating a PostgreSQL {server_major(bindir)} cluster in {pgdata} (server user {user})")
            pwfile = base / ".pwfile"
            fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(state.password + "\n")
            os.chown(pwfile, uid, gid)
            try:
                res = self._run(state, [
                    "initdb", "-D", str(pgdata), "-U", SUPERUSER, f"--pwfile={pwfile}",
                    "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8",
                    f"--locale={_best_locale()}"])
            finally:
                pwfile.unlink(missing_ok=True)
            if res.returncode != 0:
                raise ClusterError(f"initdb failed:\n{res.stderr or res.stdout}")
            self._write_conf(state)
        self._save(state)
        return state

    def _write_conf(self, state: ClusterState) -> None:
        conf = Path(state.pgdata) / "assetmap.conf"
        text = (
            "# Written by `assetmap db up`; edit postgresql.conf for your own settings.\n"
            f"port = {state.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{state.socket_dir}'\n"
            "logging_collector = off\n"
        )
        if os.geteuid() == 0:
            # write as the server user so the file keeps its owner
            subprocess.run(["runuser", "-u", state.os_user, "--", "tee", str(conf)], input=text, text=True,
                           capture_output=True, check=True)
        else:
            conf.write_text(text)
        main = Path(state.pgdata) / "postgresql.conf"
        include = "include_if_exists = 'assetmap.conf'"
        body = _read_as(state, main)
        if include not in body:
            subprocess.run(
                (["runuser", "-u", state.os_user, "--"] if os.geteuid() == 0 else []) + ["tee", "-a", str(main)],
                input=f"\n{include}\n", text=True, capture_output=True, check=True)

    # -- starting ----------------------------------------------------------------------------------------------

    def _start(self, state: ClusterState, log) -> None:
        pidfile = Path(state.pgdata) / "postmaster.pid"
        if os.path.lexists(pidfile):
            # Our own server died a moment ago (kill -9): its children hold the port until they notice. Wait for
            # them rather than move to another port.
            deadline = time.monotonic() + 10
            while not port_is_free(state.port) and time.monotonic() < deadline:
                time.sleep(0.2)
        if not port_is_free(state.port):
            new = next_free_port(self.preferred_port)
            log(f"port {state.port} is taken by another program; the local cluster moves to port {new}")
            state.port = new
            self._write_conf(state)
            self._save(state)
        # The socket directory may be on a tmpfs that a reboot emptied.
        sock = Path(state.socket_dir)
        if not sock.exists():
            sock.mkdir(parents=True)
            pw = pwd.getpwnam(state.os_user)
            os.chown(sock, pw.pw_uid, pw.pw_gid)
            os.chmod(sock, 0o700)
        if os.path.lexists(pidfile):
            # The postmaster died without cleaning up (kill -9, power cut). Its pid may now belong to another
            # process, which would make PostgreSQL refuse to start; we already know it is not a live postgres.
            log("removing a stale postmaster.pid left by a server that did not shut down cleanly")
            pidfile.unlink()
        deadline = time.monotonic() + 30
        while True:
            res = self._run(state, ["pg_ctl", "-D", state.pgdata, "-l", state.log_file, "-w", "-t", "60", "start"])
            if res.returncode == 0:
                log(f"local cluster running on 127.0.0.1:{state.port} ({state.pgdata})")
                return
            tail = _tail(state.log_file)
            # Backends of a killed postmaster keep its shared memory (and its socket's lock file) until they notice
            # and exit: wait for them.
            dying = "pre-existing shared memory block" in tail or ("lock file" in tail and "already exists" in tail)
            if dying and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            raise ClusterError(f"the local cluster did not start:\n{res.stderr or res.stdout}\n{tail}")

    # -- PostGIS and the database --------------------------------------------------------------------------------

    def _psql(self, state: ClusterState, query: str, params: tuple = (), database: str = "postgres") -> str:
        with psycopg.connect(state.url(database), autocommit=True, connect_timeout=10) as conn:
            rows = conn.execute(query, params).fetchall()
            return "\n".join(str(r[0]) for r in rows)

    def _ensure_postgis(self, state: ClusterState, log) -> None:
        available = self._psql(state, "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
        if available == "1":
            return
        major = server_major(Path(state.bindir))
        package = f"postgresql-{major}-postgis-3"
        if os.geteuid() != 0:
            raise ClusterError(
                f"PostGIS is not installed for PostgreSQL {major}. Install it with "
                f"`sudo apt-get install {package}`, or set DATABASE_URL to an existing PostGIS database.")
        log(f"installing {package} with apt-get")
        install_debian_packages([package])
        available = self._psql(state, "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
        if available != "1":
            raise ClusterError(f"{package} was installed but PostgreSQL still has no postgis extension")

    def _ensure_database(self, state: ClusterState) -> None:
        exists = self._psql(state, "SELECT count(*) FROM pg_database WHERE datname = %s", (state.database,))
        if exists == "0":
            with psycopg.connect(state.url("postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(state.database)))


def install_debian_packages(packages: list[str]) -> None:
    """apt-get update, then install; only ever called as root."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if res.returncode != 0:
            raise ClusterError(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As PostgreSQL does: connections of a server that just stopped linger in TIME_WAIT, and must not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def next_free_port(preferred: int) -> int:
    for port in range(preferred, preferred + PORT_SEARCH):
        if port_is_free(port):
            return port
    raise ClusterError(f"no free port in {preferred}–{preferred + PORT_SEARCH - 1}; set ASSETMAP_DB_PORT")


def _best_locale() -> str:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().split()
    return "C.UTF-8" if {"c.utf8", "c.utf-8"} & set(out) else "C"


def _read_as(state: ClusterState, path: Path) -> str:
    try:
        return path.read_text()
    except PermissionError:
        return subprocess.run(["runuser", "-u", state.os_user, "--", "cat", str(path)],
                              capture_output=True, text=True).stdout


def _tail(path: str, lines: int = 15) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
