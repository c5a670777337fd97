"""Throwaway PostgreSQL clusters for the scaling tests: a primary made with initdb and its hot standby made with
pg_basebackup, each in a folder of its own under /tmp on a free port, stopped and removed by `stop()`.

PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user (`runuser`), in folders that user
owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap import vocab
from assetmap.db import migrate
from assetmap.db.cluster import ClusterError, find_bindir
from assetmap.demo.load import load_demo
from tests.helpers import add_staff

PASSWORD = "scaling-test"
SUPERUSER = "assetmap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_user() -> str | None:
    """Who runs PostgreSQL's programs: None for the current user, `postgres` when that is root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root, and there is no postgres user to run a throwaway PostgreSQL cluster as")
    return "postgres"


class Cluster:
    """A PostgreSQL cluster in a folder of its own on a free port of 127.0.0.1, superuser `assetmap`."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.user = server_user()
        try:
            self.bindir = find_bindir()
        except ClusterError as exc:
            pytest.skip(f"no PostgreSQL server programs here to make a throwaway primary and standby with: {exc}")

    # -- making one ---------------------------------------------------------------------------------------------

    @classmethod
    def initdb(cls) -> Cluster:
        cluster = cls(cls._folder("primary"), free_port())
        try:
            pwfile = cluster.folder / "pw"
            pwfile.write_text(PASSWORD + "\n")
            cluster._own(pwfile)
            # No syncing: nothing here needs to survive a power cut, and it halves initdb's time.
            cluster.run("initdb", "-D", cluster.data, "-U", SUPERUSER, f"--pwfile={pwfile}", "--auth-local=peer",
                        "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def standby(self) -> Cluster:
        """A hot standby of this (running) cluster, made with pg_basebackup and started."""
        replica = Cluster(self._folder("standby"), free_port())
        # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile as well.
        try:
            replica.run("pg_basebackup", "-D", replica.data, "-R", "-X", "stream", "-c", "fast", "--no-sync",
                        "-d", f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={PASSWORD}")
            replica.start()
        except BaseException:
            replica.stop()
            raise
        return replica

    @staticmethod
    def _folder(role: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=f"assetmap-scaling-{role}-", dir="/tmp"))
        user = server_user()
        if user:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        return folder

    def _own(self, path: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    # -- running it ---------------------------------------------------------------------------------------------

    def run(self, program: str, *args) -> str:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        res = subprocess.run([*prefix, str(self.bindir / program), *map(str, args)], capture_output=True,
                             text=True, cwd=self.folder)
        if res.returncode != 0:
            raise RuntimeError(f"{program} failed:\n{res.stdout}\n{res.stderr}\n{self.log()}")
        return res.stdout

    def start(self, **settings: str) -> None:
        options = {"port": self.port, "listen_addresses": "127.0.0.1", "unix_socket_directories": self.folder,
                   "fsync": "off", "full_page_writes": "off", "logging_collector": "off", **settings}
        self.run("pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-w", "-t", "30",
                 "-o", " ".join(f"-c {k}={v}" for k, v in options.items()), "start")

    def log(self) -> str:
        with suppress(OSError):
            return (self.folder / "server.log").read_text(errors="replace")[-3000:]
        return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop it (immediately: it is thrown away) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                with suppress(RuntimeError):
                    self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def demo_database(cluster: Cluster) -> str:
    """The URL of a new `assetmap` database on the running `cluster`, with the schema and the demo town."""
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone():
            pytest.skip("PostGIS is not installed for this PostgreSQL server")
        conn.execute("CREATE DATABASE assetmap")
    url = cluster.url("assetmap")
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.migrate(conn, log=lambda msg: None)
        vocab.sync(conn)
        load_demo(conn, seed=1, scale=1)
    return url


@contextmanager
def demo_replica():
    """(primary URL, standby URL) of the `assetmap` database on a new primary (the schema, the demo town, a
    planner pat@ and a facilitator fay@) and on its hot standby, caught up; both thrown away afterwards. About 5 s."""
    primary = Cluster.initdb()
    standby = None
    try:
        primary.start()
        primary_url = demo_database(primary)
        with psycopg.connect(primary_url, autocommit=True, row_factory=dict_row) as conn:
            add_staff(conn)
        standby = primary.standby()
        standby_url = standby.url("assetmap")
        wait_for_replay(primary_url, standby_url)
        yield primary_url, standby_url
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()


def wait_for_replay(primary_url: str, standby_url: str, seconds: float = 10) -> float:
    """Wait until the standby has replayed everything the primary has written so far; the seconds it took."""
    with psycopg.connect(primary_url, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]
    began = time.monotonic()
    with psycopg.connect(standby_url, autocommit=True) as conn:
        while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s", (lsn,)).fetchone()[0]:
            if time.monotonic() - began > seconds:
                raise AssertionError(f"the standby did not replay to {lsn} within {seconds} s")
            time.sleep(0.002)
    return time.monotonic() - began
