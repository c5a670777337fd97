"""Live workshop maps at scale: a note's delay to 500 open maps, `python -m bench.workshop_stream`.

`assetmap serve` (gunicorn, two gthread workers, the default ASSETMAP_THREADS) on a loopback port, over the demo town
at scale 1 with a workshop made through the API. Each client is a participant of its own (joined through the API)
holding one Server-Sent Events stream on a raw asyncio socket, the way a phone's EventSource does; the kernel spreads
the connections over the two workers, and which worker holds each one is read from the kernel (psutil). A client
refused with 503 (its worker full) tries again after 0.1 s; the refusals are counted.

Measured: for each note POSTed (one participant each, spaced 100 ms), the delay from just before the POST to the
moment its `note` event is read by each client, over every (note, client) pair; median and 95th percentile. The
baseline, in the same run on the same server, is the same delay to a single connected client. Also: clients per
worker, the database connections held meanwhile (the listeners against the pooled ones) and each worker's peak
resident memory (VmHWM).

The clients run in this one process, on the same two cores as the server and the database: reading 500 sockets in
turn is part of every figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import psutil
import psycopg

from assetmap.demo.load import load_demo
from assetmap.model import users
from bench.common import bench_database
from bench.servers import stop as stop_server

CLIENTS = 500
NOTES = 50
BASELINE_NOTES = 20
SPACING_S = 0.1
WAIT_S = 10          # after the last note, at most this long for every arrival
HOST = "127.0.0.1"


# -- HTTP on raw sockets --------------------------------------------------------------------------------------------

async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def call(port: int, method: str, path: str, body: dict | None = None,
               headers: dict | None = None) -> tuple[int, dict]:
    """One request on a connection of its own → (status, JSON body)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                "Content-Type: application/json", f"Content-Length: {len(data)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status, response_headers = await read_head(reader)
        raw = await reader.read()
        if response_headers.get("transfer-encoding") == "chunked":
            raw = dechunk(raw)
        return status, json.loads(raw) if raw.strip() else {}
    finally:
        writer.close()


def dechunk(raw: bytes) -> bytes:
    out, i = [], 0
    while True:
        end = raw.index(b"\r\n", i)
        size = int(raw[i:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(raw[end + 2:end + 2 + size])
        i = end + 2 + size + 2


class Client:
    """One open map: an SSE stream whose note events are timed as they are read."""

    def __init__(self, port: int, code: str, token: str):
        self.port, self.code, self.token = port, code, token
        self.arrived: dict[int, float] = {}   # note id → time.perf_counter() when its event was read
        self.local_port = 0
        self.refused = 0                       # 503s (a worker full) before a stream was open
        self.task: asyncio.Task | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        while True:
            reader, writer = await asyncio.open_connection(HOST, self.port)
            writer.write((f"GET /api/v1/workshops/{self.code}/events HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                          f"Accept: text/event-stream\r\nX-Participant-Token: {self.token}\r\n\r\n").encode())
            status, headers = await read_head(reader)
            if status == 200:
                break
            writer.close()
            if status != 503:
                raise RuntimeError(f"stream refused: {status}")
            self.refused += 1
            await asyncio.sleep(0.1)
        self.writer = writer
        self.local_port = writer.get_extra_info("sockname")[1]
        self.task = asyncio.create_task(self.read(reader, headers.get("transfer-encoding") == "chunked"))

    async def read(self, reader: asyncio.StreamReader, chunked: bool) -> None:
        buffer = b""
        with suppress(ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            while True:
                if chunked:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    if size == 0:
                        return
                    data = await reader.readexactly(size + 2)
                    buffer += data[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        return
                    buffer += data
                now = time.perf_counter()
                *messages, buffer = buffer.split(b"\n\n")
                for message in messages:
                    if b"\nevent: note\n" in message:
                        data_line = message[message.index(b"\ndata: ") + 7:]
                        self.arrived.setdefault(json.loads(data_line)["id"], now)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with suppress(asyncio.CancelledError):
                await self.task
        if self.writer is not None:
            self.writer.close()


# -- the server -----------------------------------------------------------------------------------------------------

def start_server(url: str, port: int, home: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "ASSETMAP_TILES": "none", "ASSETMAP_WORKERS": "2",
           "ASSETMAP_SECRET_KEY": "bench", "ASSETMAP_HOME": str(home),
           # 500 people joining from one address within a minute: the room's NAT, as far as the limit can tell.
           "ASSETMAP_WORKSHOP_JOIN_RATE": "2000/hour"}
    for name in ("ASSETMAP_SMTP_URL", "ASSETMAP_THREADS"):   # no mail worker; the default threads
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(port)], env=env,
                            stdout=open(home / "serve.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)


async def wait_until_up(proc: subprocess.Popen, port: int, seconds: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("assetmap serve exited early")
        with suppress(OSError):
            status, _ = await call(port, "GET", "/healthz")
            workers = [p for p in psutil.Process(proc.pid).children()   # not the jobs worker beside them
                       if "assetmap.cli" not in " ".join(p.cmdline())]
            if status == 200 and len(workers) == 2:
                return workers
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {seconds} s")


def holders(workers: list[psutil.Process], port: int) -> dict[int, int]:
    """Client port → pid of the worker holding the connection."""
    return {c.raddr.port: w.pid for w in workers for c in w.net_connections(kind="tcp")
            if c.raddr and c.laddr.port == port}


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


CONNECTIONS = """
    SELECT application_name = 'assetmap-listener' AS listener, client_port FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def connections(monitor: psycopg.Connection, workers: list[psutil.Process]) -> dict[str, int]:
    """The database's connections now, by whose they are: each worker's listener and pooled ones, and any other."""
    pg_port = int(monitor.info.port)
    owner = {c.laddr.port: w.pid for w in workers for c in w.net_connections(kind="tcp")
             if c.raddr and c.raddr.port == pg_port}
    counts = {"listeners": 0, "pooled": 0, "other": 0}
    for listener, client_port in monitor.execute(CONNECTIONS).fetchall():
        counts["other" if client_port not in owner else "listeners" if listener else "pooled"] += 1
    return counts


# -- the run --------------------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def post_notes(port: int, code: str, tokens: list[str], spacing: float,
                     between=None) -> list[tuple[int, float, float]]:
    """One note from each token, `spacing` apart → [(note id, perf_counter just before its POST, the POST's own
    time in ms)]."""
    posted = []
    for i, token in enumerate(tokens):
        started = time.perf_counter()
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5 + i * 1e-4, 52.5]},
                   "properties": {"kind": "opportunity", "text": f"Bench note {i}"}}
        status, body = await call(port, "POST", f"/api/v1/workshops/{code}/notes", feature,
                                  {"X-Participant-Token": token})
        if status != 201:
            raise RuntimeError(f"note refused: {status} {body}")
        posted.append((body["id"], started, (time.perf_counter() - started) * 1000))
        if between is not None:
            between(i)
        await asyncio.sleep(max(0.0, started + spacing - time.perf_counter()))
    return posted


async def wait_for(clients: list[Client], posted: list[tuple[int, float, float]]) -> None:
    wanted = {note for note, _, _ in posted}
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not all(wanted <= c.arrived.keys() for c in clients):
        await asyncio.sleep(0.05)


def delays(clients: list[Client], posted: list[tuple[int, float, float]]) -> tuple[list[float], int, dict]:
    """Delays in ms over every (note, client) pair, how many never arrived, and where the time went: per note, the
    POST's own time, the delay to the first client and the spread from the first to the last (the fan-out, the
    writes and this process reading every socket), as medians."""
    out, missing, first, spread = [], 0, [], []
    for note, started, _ in posted:
        mine = [(c.arrived[note] - started) * 1000 for c in clients if note in c.arrived]
        missing += len(clients) - len(mine)
        out += mine
        if mine:
            first.append(min(mine))
            spread.append(max(mine) - min(mine))
    parts = {"post_ms": round(statistics.median(p for _, _, p in posted), 1),
             "first_arrival_ms": round(statistics.median(first), 1),
             "first_to_last_ms": round(statistics.median(spread), 1)}
    return out, missing, parts


async def measure(url: str, port: int, bearer: str, workers: list[psutil.Process], clients_n: int, notes_n: int,
                  baseline_n: int) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        hoods = [r[0] for r in conn.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
    status, made = await call(port, "POST", "/api/v1/workshops",
                              {"title": "Bench", "neighbourhoods": hoods}, {"Authorization": f"Bearer {bearer}"})
    assert status == 201, made
    code = made["code"]

    limit = asyncio.Semaphore(16)

    async def join(i: int) -> str:
        async with limit:
            status, body = await call(port, "POST", f"/api/v1/workshops/{code}/participants",
                                      {"name": f"Person {i}", "organisation": "Bench"})
        assert status == 201, body
        return body["participant_token"]

    t0 = time.perf_counter()
    tokens = await asyncio.gather(*(join(i) for i in range(clients_n + notes_n + baseline_n)))
    join_s = time.perf_counter() - t0
    readers, baseline_posters, posters = (tokens[:clients_n], tokens[clients_n:clients_n + baseline_n],
                                          tokens[clients_n + baseline_n:])

    # Baseline: one open map.
    single = Client(port, code, readers[0])
    await single.open()
    await asyncio.sleep(0.5)   # its worker's listener connects on the first stream
    posted = await post_notes(port, code, baseline_posters, SPACING_S)
    await wait_for([single], posted)
    base, base_missing, base_parts = delays([single], posted)
    await single.close()
    rss_before = {w.pid: peak_rss_mb(w.pid, "VmRSS") for w in workers}

    # The room: every map open at once.
    clients = [Client(port, code, t) for t in readers]
    t0 = time.perf_counter()

    async def open_one(c: Client) -> None:
        async with limit:
            await c.open()

    await asyncio.gather(*(open_one(c) for c in clients))
    connect_s = time.perf_counter() - t0
    held = holders(workers, port)
    per_worker = {w.pid: sum(held.get(c.local_port) == w.pid for c in clients) for w in workers}
    await asyncio.sleep(0.5)

    samples = []
    with psycopg.connect(url, autocommit=True) as monitor:
        def sample(i: int) -> None:
            if i % 10 == 0:
                samples.append(connections(monitor, workers))
        posted = await post_notes(port, code, posters, SPACING_S, between=sample)
        await wait_for(clients, posted)
        sample(0)
    room, room_missing, room_parts = delays(clients, posted)
    for c in clients:
        await c.close()

    return {
        "clients": clients_n, "notes": notes_n, "spacing_ms": SPACING_S * 1000,
        "joins_s": round(join_s, 2), "connect_all_s": round(connect_s, 2),
        "refused_503_before_open": sum(c.refused for c in clients),
        "clients_per_worker": {str(pid): n for pid, n in per_worker.items()},
        "median_ms": round(statistics.median(room), 1), "p95_ms": round(percentile(room, 95), 1),
        "max_ms": round(max(room), 1), "arrivals": len(room), "missing": room_missing,
        "baseline_single_client_median_ms": round(statistics.median(base), 1),
        "baseline_single_client_p95_ms": round(percentile(base, 95), 1), "baseline_missing": base_missing,
        "ratio_median_to_baseline": round(statistics.median(room) / statistics.median(base), 2),
        "ratio_p95_to_baseline": round(percentile(room, 95) / percentile(base, 95), 2),
        "where_the_time_went": room_parts, "baseline_where_the_time_went": base_parts,
        "db_connections_max": {k: max(s[k] for s in samples) for k in ("listeners", "pooled", "other")},
        "rss_mb_before_clients": {str(pid): mb for pid, mb in rss_before.items()},
        "peak_rss_mb": {str(w.pid): peak_rss_mb(w.pid) for w in workers},
    }


def run(admin_url: str, clients: int = CLIENTS, notes: int = NOTES, baseline_notes: int = BASELINE_NOTES) -> dict:
    with bench_database(admin_url, "stream") as url, tempfile.TemporaryDirectory() as home:
        with psycopg.connect(url, autocommit=True) as conn:
            load_demo(conn, seed=1, scale=1)
            users.add_user(conn, "fay@example.org", "a long enough password", "facilitator")
            bearer = users.create_token(conn, "fay@example.org", "bench")
        import socket
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        proc = start_server(url, port, Path(home))
        try:
            async def main() -> dict:
                workers = await wait_until_up(proc, port)
                return await measure(url, port, bearer, workers, clients, notes, baseline_notes)
            return asyncio.run(main())
        finally:
            stop_server(proc)


def describe(r: dict) -> str:
    w = r["where_the_time_went"]
    workers = ", ".join(f"{n}" for n in r["clients_per_worker"].values())
    rss = ", ".join(f"{before}→{peak} MB" for before, peak in zip(r["rss_mb_before_clients"].values(),
                                                                   r["peak_rss_mb"].values()))
    return (f"workshop stream: {r['notes']} notes to {r['clients']} open maps (per worker: {workers}): POST to "
            f"arrival median {r['median_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms "
            f"({r['arrivals']} arrivals, {r['missing']} missing); baseline, one open map: median "
            f"{r['baseline_single_client_median_ms']} ms, p95 {r['baseline_single_client_p95_ms']} ms; ratio "
            f"{r['ratio_median_to_baseline']}x (median), {r['ratio_p95_to_baseline']}x (p95); per note (medians): "
            f"POST {w['post_ms']} ms, to the first map {w['first_arrival_ms']} ms, first to last map "
            f"{w['first_to_last_ms']} ms; database connections held by the workers: "
            f"{r['db_connections_max']['listeners']} listeners, at most {r['db_connections_max']['pooled']} "
            f"pooled; worker memory (before the maps → peak): {rss}; {r['clients']} maps opened in "
            f"{r['connect_all_s']} s ({r['refused_503_before_open']} 503s first)")


if __name__ == "__main__":
    from bench.__main__ import server_url
    result = run(server_url())
    print(json.dumps(result, indent=1))
    print(describe(result))
