"""Load with faults (issue 13, item 5): 200 concurrent submitters while PostgreSQL is restarted (fast shutdown) and
killed (SIGKILL), and while a web worker is killed mid-request. Every submission answered 201 must be in the
database exactly once, no request may wait past its timeout, and the app must come back by itself.

The load, the client's retries and the table printed are in tests/faults/load.py; the faults in cluster.py.
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import psycopg
import pytest

from tests.faults.cluster import kill_and_start, restart_fast
from tests.faults.load import SLACK, TIMEOUT, Fault, Load, Result, report
from tests.scaling.processes import Serve

CLIENTS = 200
# What a client may see while the database or a worker is away; anything else (a 500 above all) is a bug.
EXPECTED = {"201", "503", "reset", "disconnected"}


@pytest.fixture
def server(primary, tmp_path):
    _, url = primary
    # The production thread count, not tests/scaling's 16: each of the 200 clients gets a thread at once. The
    # submission limit is per address and every client has its own; it is raised so that none is refused for it.
    serve = Serve(tmp_path, DATABASE_URL=url, ASSETMAP_THREADS="300", ASSETMAP_SUBMIT_RATE="100000/hour")
    try:
        yield serve
    finally:
        serve.stop()


def points(url: str) -> list[tuple[float, float]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM neighbourhoods) x"
                            ).fetchall()


def workers(serve: Serve) -> list[psutil.Process]:
    """gunicorn's workers: its children but the jobs worker `assetmap serve` starts beside it."""
    return [p for p in psutil.Process(serve.proc.pid).children() if "assetmap.cli" not in " ".join(p.cmdline())]


def stored(url: str, prefix: str) -> dict[str, list[str]]:
    """name → public ids of the assets the load stored."""
    found: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        for name, public_id in conn.execute("SELECT name, public_id::text FROM assets WHERE name LIKE %s",
                                            (prefix + "-%",)):
            found.setdefault(name, []).append(public_id)
    return found


def check(result: Result, url: str, prefix: str, serve: Serve, capsys, title: str) -> None:
    rows = stored(url, prefix)
    with capsys.disabled():
        print(report(title, result, sum(map(len, rows.values()))))
    acknowledged = result.acknowledged()
    assert acknowledged, "no submission was acknowledged at all"
    lost = sorted(set(acknowledged) - set(rows))
    assert not lost, f"{len(lost)} acknowledged submissions are not in the database, e.g. {lost[:5]}"
    twice = {name: ids for name, ids in rows.items() if len(ids) > 1}
    assert not twice, f"{len(twice)} submissions were stored more than once, e.g. {list(twice.items())[:3]}"
    wrong = {n: (i, rows[n]) for n, i in acknowledged.items() if rows[n] != [i]}
    assert not wrong, f"answered ids that are not the stored entry's: {list(wrong.items())[:3]}"
    assert set(rows) <= {s.name for s in result.submissions}
    # Each entry committed whole, with its version and its key's answer: nothing half-written, no key left
    # claimed without an answer (its retries would be refused or stuck).
    with psycopg.connect(url) as conn:
        unversioned = conn.execute("SELECT count(*) FROM assets a WHERE a.name LIKE %s AND NOT EXISTS "
                                   "(SELECT 1 FROM asset_versions v WHERE v.asset_id = a.id)",
                                   (prefix + "-%",)).fetchone()[0]
        keys = dict(conn.execute("SELECT status, count(*) FROM idempotency_keys GROUP BY status").fetchall())
    assert unversioned == 0
    assert keys == {201: len(rows)}, f"idempotency keys by status: {keys}, for {len(rows)} entries stored"
    attempts = result.attempts()
    slowest = max(a.seconds for a in attempts)
    assert slowest <= TIMEOUT + SLACK, f"a request took {slowest:.1f} s, past its {TIMEOUT:.0f} s timeout"
    unexpected = sorted({a.outcome for a in attempts} - EXPECTED)
    assert not unexpected, f"answers no client should get: {unexpected}\n{serve.output()[-3000:]}"
    for fault in result.faults:
        assert any(a.outcome == "201" and a.began >= fault.ended for a in attempts), \
            f"nothing was acknowledged after {fault.name}: the app did not recover"
    # And now, with no restart of the app: a new submission is taken at once.
    status, _, body = serve.request("POST", "/api/v1/assets", body={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": list(points(url)[0])},
        "properties": {"name": f"{prefix}-after", "category": "community_centre"}})
    assert status == 201, (status, body)


def test_postgres_restarted_and_killed_under_load(primary, server, capsys):
    cluster, url = primary
    before = sorted(p.pid for p in workers(server))
    load = Load(server.port, points(url), "restarted", clients=CLIENTS, seconds=60)
    result = load.run([Fault(15, "pg_ctl restart -m fast", lambda: restart_fast(cluster)),
                       Fault(35, "SIGKILL of the postmaster, then pg_ctl start", lambda: kill_and_start(cluster))])
    check(result, url, "restarted", server, capsys, "PostgreSQL restarted at 15 s and killed at 35 s")
    # The app came back by itself: the same workers, none restarted by gunicorn.
    assert sorted(p.pid for p in workers(server)) == before


def test_a_web_worker_killed_mid_request(primary, server, capsys):
    _, url = primary
    killed: list[int] = []

    def kill_busiest_worker() -> None:
        # The worker holding the most client connections is in the middle of requests (200 clients keep both busy).
        held = {w.pid: sum(1 for c in w.net_connections(kind="tcp") if c.raddr and c.laddr.port == server.port)
                for w in workers(server)}
        pid = max(held, key=held.get)
        assert held[pid] > 0, "no worker was serving a request to kill"
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    load = Load(server.port, points(url), "worker-killed", clients=CLIENTS, seconds=30)
    result = load.run([Fault(10, "SIGKILL of a busy gunicorn worker", kill_busiest_worker)])
    check(result, url, "worker-killed", server, capsys, "a gunicorn worker killed at 10 s")
    # The kill cut requests under way (their clients sent them again), and gunicorn replaced the worker.
    assert any(a.outcome in ("reset", "disconnected") for a in result.attempts())
    deadline = time.monotonic() + 10
    while len(workers(server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = [p.pid for p in workers(server)]
    assert len(pids) == 2 and killed[0] not in pids
