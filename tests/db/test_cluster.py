"""The project-local cluster, for real: initdb, start, stop, crashes, port clashes, races.

Each test module gets its own cluster in a temporary state folder on a free port, so the developer's own cluster
(.assetmap/, port 54329) is never touched.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from assetmap.db.cluster import LocalCluster, next_free_port


def connect(state):
    return psycopg.connect(state.url("postgres"), autocommit=True, connect_timeout=5)


def reachable_dir():
    """A temporary folder the server's user can enter (pytest's own tmp_path sits in a mode-700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="assetmap-cluster-test-"))
    path.chmod(0o755)
    return path


def remove(c: LocalCluster) -> None:
    c.down(log=lambda m: None)
    st = c.state()
    if st and not Path(st.pgdata).is_relative_to(c.home):
        shutil.rmtree(Path(st.pgdata).parent, ignore_errors=True)
    shutil.rmtree(c.home.parent if c.home.name == ".assetmap" else c.home, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    c = LocalCluster(reachable_dir(), preferred_port=next_free_port(56000), database="assetmap")
    yield c
    remove(c)


def test_up_creates_a_running_cluster_with_postgis(cluster):
    state = cluster.up(log=lambda m: None)
    status = cluster.status()
    assert status.running and status.pid
    assert json.loads((cluster.home / "cluster.json").read_text())["port"] == state.port
    assert oct((cluster.home / "cluster.json").stat().st_mode & 0o777) == "0o600"
    with psycopg.connect(state.url(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        assert conn.execute("SELECT ST_AsText(ST_MakePoint(1, 2))").fetchone()[0] == "POINT(1 2)"
        # The user's data keeps PostgreSQL's durability settings.
        assert conn.execute("SHOW fsync").fetchone()[0] == "on"
        assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    assert Path(state.pgdata).is_relative_to(cluster.home)


def test_up_twice_is_harmless(cluster):
    first = cluster.up(log=lambda m: None)
    pid = cluster.status().pid
    second = cluster.up(log=lambda m: None)
    assert (second.port, cluster.status().pid) == (first.port, pid)


def test_down_then_up_keeps_the_data(cluster):
    state = cluster.up(log=lambda m: None)
    with connect(state) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (v int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    assert cluster.down(log=lambda m: None) is True
    assert cluster.status().running is False
    assert cluster.down(log=lambda m: None) is False
    state = cluster.up(log=lambda m: None)
    with connect(state) as conn:
        assert conn.execute("SELECT v FROM kept").fetchall() == [(42,)]


def test_recovers_after_the_postmaster_is_killed(cluster):
    cluster.up(log=lambda m: None)
    pid = cluster.status().pid
    os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert cluster.status().running is False
    state = cluster.up(log=lambda m: None)
    with connect(state) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_stale_pid_file_naming_another_process_is_cleared(cluster):
    state = cluster.up(log=lambda m: None)
    cluster.down(log=lambda m: None)
    # A crash leaves postmaster.pid behind, and its pid now belongs to an unrelated live process.
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = Path(state.pgdata) / "postmaster.pid"
        pidfile.write_text(f"{sleeper.pid}\n{state.pgdata}\n")
        if os.geteuid() == 0:
            subprocess.run(["chown", state.os_user, str(pidfile)], check=True)
        assert cluster.status().running is False
        cluster.up(log=lambda m: None)
        assert cluster.status().running
    finally:
        sleeper.kill()


def test_a_taken_port_moves_the_cluster(cluster):
    state = cluster.up(log=lambda m: None)
    cluster.down(log=lambda m: None)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # the stopped server's port may be in TIME_WAIT
    blocker.bind(("127.0.0.1", state.port))
    blocker.listen()
    messages = []
    try:
        moved = cluster.up(log=messages.append)
        assert moved.port != state.port
        assert any("is taken" in m for m in messages)
        assert cluster.state().port == moved.port
        with connect(moved) as conn:
            assert conn.execute("SHOW port").fetchone()[0] == str(moved.port)
    finally:
        blocker.close()


def test_two_ups_at_once_make_one_cluster():
    tmp_path = reachable_dir()
    port = next_free_port(56200)
    code = ("import sys; from assetmap.db.cluster import LocalCluster; "
            f"LocalCluster(sys.argv[1], preferred_port={port}).up(log=lambda m: None)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        assert [rc for rc, _ in outcomes] == [0, 0], outcomes
        c = LocalCluster(tmp_path, preferred_port=port)
        assert c.status().running
        with connect(c.state()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        remove(LocalCluster(tmp_path, preferred_port=port))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_a_checkout_the_server_user_cannot_enter_keeps_data_in_var_lib():
    private = reachable_dir() / "private"
    private.mkdir(mode=0o700)
    c = LocalCluster(private / ".assetmap", preferred_port=next_free_port(56400))
    try:
        state = c.up(log=lambda m: None)
        assert state.pgdata.startswith("/var/lib/assetmap/")
        assert c.status().running
    finally:
        remove(c)
        shutil.rmtree(private.parent, ignore_errors=True)


def test_cli_status_and_url(cluster):
    state = cluster.up(log=lambda m: None)
    env = {**os.environ, "ASSETMAP_HOME": str(cluster.home), "ASSETMAP_DB_PORT": str(cluster.preferred_port)}
    env.pop("DATABASE_URL", None)
    assetmap = [sys.executable, "-m", "assetmap.cli"]
    out = subprocess.run([*assetmap, "db", "status"], env=env, capture_output=True, text=True)
    assert "running" in out.stdout and f"127.0.0.1:{state.port}" in out.stdout and state.pgdata in out.stdout
    url = subprocess.run([*assetmap, "db", "url"], env=env, capture_output=True, text=True).stdout.strip()
    assert url == state.url()
    cluster.down(log=lambda m: None)
    out = subprocess.run([*assetmap, "db", "status"], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "stopped" in out.stdout


def test_up_straight_after_the_postmaster_is_killed(cluster):
    """No waiting for the dead postmaster to be gone: its socket lock and shared memory are still about."""
    state = cluster.up(log=lambda m: None)
    os.kill(cluster.status().pid, signal.SIGKILL)
    again = cluster.up(log=lambda m: None)
    with connect(again) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert again.port == state.port   # the dying server's port is its own, not another program's
