"""Live workshop maps under the real server: `assetmap serve` (gunicorn, gthread, two worker processes) on a copy of
the demo town, with Server-Sent Events read over real sockets.

Which worker holds a stream is read from the kernel, not guessed: the worker process whose TCP connections include
the one from the client's local port (psutil). Likewise each listener's database connection is tied to its worker by
the client port pg_stat_activity shows.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import suppress

import psutil
import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.model import users

LISTENERS = """
    SELECT pid, client_port, query FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'assetmap-listener' ORDER BY pid
"""


# -- the server -----------------------------------------------------------------------------------------------------

class Server:
    """`assetmap serve` with two gthread workers on a loopback port, in a process group of its own."""

    def __init__(self, database_url: str, port: int, home, **settings: str):
        self.port = port
        self.log = open(home / "serve.log", "w+")   # noqa: SIM115 (closed in stop)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETMAP_")}
        # No mail worker beside it (no ASSETMAP_SMTP_URL): the master's children are the two web workers.
        env |= {"DATABASE_URL": database_url, "ASSETMAP_TILES": "none", "ASSETMAP_WORKERS": "2",
                "ASSETMAP_SECRET_KEY": "test", "ASSETMAP_HOME": str(home), **settings}
        self.proc = subprocess.Popen([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(port)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def wait_until_up(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited early:\n{self.output()}")
            with suppress(OSError, http.client.HTTPException):
                status, _ = self.request("GET", "/healthz")
                if status == 200 and len(self.workers()) == 2:
                    return
            time.sleep(0.1)
        pytest.fail(f"the server did not answer within {seconds} s:\n{self.output()}")

    def workers(self) -> list[psutil.Process]:
        """gunicorn's workers: its children but the jobs and mail workers `assetmap serve` starts beside it."""
        return [p for p in psutil.Process(self.proc.pid).children() if "assetmap.cli" not in " ".join(p.cmdline())]

    def holders(self) -> dict[int, int]:
        """Client port → pid of the worker holding that connection to the server's port."""
        held = {}
        for worker in self.workers():
            for c in worker.net_connections(kind="tcp"):
                if c.raddr and c.laddr.port == self.port:
                    held[c.raddr.port] = worker.pid
        return held

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": "application/json", **(headers or {})})
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw.startswith((b"{", b"[")) else raw)
        finally:
            conn.close()

    def stop(self) -> None:
        """SIGINT to the whole group (Ctrl-C), SIGKILL to whatever is left after 2 s: a worker's exit waits for its
        threads, and a stream's thread notices a hung-up client only at its next heartbeat."""
        try:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        finally:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
            self.log.close()


class Stream:
    """GET …/events, its lines read by a thread into a queue of events ({"id", "event", "data"} dicts)."""

    def __init__(self, port: int, code: str, token: str, last_event_id: int | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"X-Participant-Token": token, "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", f"/api/v1/workshops/{code}/events", headers=headers)
        self.sock = self.conn.sock
        self.local_port = self.sock.getsockname()[1]
        self.response = self.conn.getresponse()   # the broker subscribed this stream before answering
        self.status = self.response.status
        self.events: queue.Queue[dict | None] = queue.Queue()
        self.seen: list[dict] = []   # every event taken from the queue so far
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            assert self.response.getheader("Content-Type").startswith("text/event-stream")
            self.thread.start()
        else:
            self.refusal = json.loads(self.response.read())
            self.ended.set()

    def _read(self) -> None:
        event: dict = {}
        try:
            while line := self.response.readline():
                line = line.decode().rstrip("\r\n")
                if not line:
                    if "data" in event:
                        event["data"] = json.loads(event["data"])
                        self.events.put(event)
                    event = {}
                elif not line.startswith(":"):
                    field, _, value = line.partition(":")
                    event[field] = value[1:] if value.startswith(" ") else value
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            self.ended.set()
            self.events.put(None)

    def note_events(self, note_ids: set[int], seconds: float) -> dict[int, dict]:
        """The `note` events carrying these notes' ids, waiting at most `seconds` for all of them."""
        found: dict[int, dict] = {}
        deadline = time.monotonic() + seconds
        while set(found) < note_ids:
            try:
                event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event is None:
                break
            self.seen.append(event)
            if event.get("event") == "note" and event["data"]["id"] in note_ids:
                found[event["data"]["id"]] = event
        return found

    def drain(self, seconds: float) -> list[dict]:
        """Every event taken so far, after waiting `seconds` for any more."""
        time.sleep(seconds)
        with suppress(queue.Empty):
            while (event := self.events.get_nowait()) is not None:
                self.seen.append(event)
        return self.seen

    def close(self) -> None:
        """Hang up (as a closed tab does); the reader thread sees the end of the stream and stops."""
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        if self.thread.ident is not None:
            self.thread.join(timeout=5)
        self.conn.close()


# -- fixtures -------------------------------------------------------------------------------------------------------

@pytest.fixture
def server_env() -> dict:
    """Settings for the server, beyond the database and two workers (a test parametrizes this to change them)."""
    return {}


@pytest.fixture
def server(fresh_demo_db_url, ws_db, free_port, tmp_path, server_env):
    srv = Server(fresh_demo_db_url, free_port, tmp_path, **server_env)
    try:
        srv.wait_until_up()
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def room(server, ws_db) -> dict:
    """A workshop made through the API with the facilitator's token, and two participants' tokens."""
    bearer = {"Authorization": f"Bearer {users.create_token(ws_db, 'fay@example.org', 'tests')}"}
    hoods = [r["code"] for r in ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
    status, made = server.request("POST", "/api/v1/workshops", {"title": "Live map", "neighbourhoods": hoods},
                                  bearer)
    assert status == 201, made
    tokens = []
    for name in ("Ann", "Bo"):
        status, joined = server.request("POST", f"/api/v1/workshops/{made['code']}/participants",
                                        {"name": name, "organisation": "Library"})
        assert status == 201, joined
        tokens.append(joined["participant_token"])
    return {"code": made["code"], "tokens": tokens}


@pytest.fixture
def streams():
    """The streams a test opens, closed at the end whatever happens."""
    opened: list[Stream] = []
    yield opened
    for s in opened:
        s.close()


def post_note(server: Server, room: dict, text: str, token: int = 0) -> tuple[int, float]:
    """A new point note → (its id, time.monotonic() just before the POST)."""
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5, 52.5]},
               "properties": {"kind": "opportunity", "text": text}}
    started = time.monotonic()
    status, body = server.request("POST", f"/api/v1/workshops/{urllib.parse.quote(room['code'])}/notes", feature,
                                  {"X-Participant-Token": room["tokens"][token]})
    assert status == 201, body
    return body["id"], started


def open_on_both_workers(server: Server, room: dict, streams: list[Stream], per_worker: int = 2,
                         most: int = 40) -> dict[int, list[Stream]]:
    """Open streams until each worker holds at least `per_worker` of them: worker pid → its streams."""
    by_worker: dict[int, list[Stream]] = {w.pid: [] for w in server.workers()}
    for i in range(most):
        s = Stream(server.port, room["code"], room["tokens"][i % 2])
        streams.append(s)
        assert s.status == 200, s.refusal
        holders = server.holders()
        assert s.local_port in holders, "no worker holds the stream's connection"
        by_worker[holders[s.local_port]].append(s)
        if all(len(held) >= per_worker for held in by_worker.values()):
            return by_worker
    pytest.fail(f"{most} streams did not reach both workers: {({k: len(v) for k, v in by_worker.items()})}")


def listeners_ready(db, server: Server, seconds: float = 5, not_pids: set[int] = frozenset()) -> list[dict]:
    """The listening connections, once each worker has one that has run LISTEN; checks there is exactly one each."""
    deadline = time.monotonic() + seconds
    while True:
        rows = [r for r in db.execute(LISTENERS).fetchall() if r["pid"] not in not_pids]
        if len(rows) >= 2 and all(r["query"] for r in rows):   # LISTEN is the first statement each one runs
            break
        if time.monotonic() > deadline:
            pytest.fail(f"listeners not ready within {seconds} s: {rows}\n{server.output()}")
        time.sleep(0.05)
    pg_port = int(db.info.port)
    owner = {}
    for worker in server.workers():
        for c in worker.net_connections(kind="tcp"):
            if c.raddr and c.raddr.port == pg_port:
                owner[c.laddr.port] = worker.pid
    listener_workers = sorted(owner.get(r["client_port"]) for r in rows)
    assert listener_workers == sorted(w.pid for w in server.workers()), (rows, owner)
    return rows


# -- the tests ------------------------------------------------------------------------------------------------------

def test_a_note_reaches_every_stream_on_both_workers_through_one_listener_each(server, room, db, streams):
    by_worker = open_on_both_workers(server, room, streams)
    listeners_ready(db, server)   # one LISTEN connection per worker, not one per stream

    note_id, posted = post_note(server, room, "Room free on Tuesdays")
    for pid, held in by_worker.items():
        for s in held:
            got = s.note_events({note_id}, seconds=2 - (time.monotonic() - posted))
            assert note_id in got, f"stream on worker {pid} (port {s.local_port}) missed note {note_id}"
            event = got[note_id]
            assert event["data"]["type"] == "Feature" and event["data"]["properties"]["text"] == "Room free on Tuesdays"
            assert int(event["id"]) > 0
    assert time.monotonic() - posted < 2

    # Still exactly one listener per worker with all those streams open.
    assert len(db.execute(LISTENERS).fetchall()) == 2


def test_a_stream_reopened_with_last_event_id_gets_what_it_missed(server, room, streams):
    first = Stream(server.port, room["code"], room["tokens"][0])
    streams.append(first)
    assert first.status == 200
    before = [post_note(server, room, f"before {i}")[0] for i in range(2)]
    got = first.note_events(set(before), seconds=5)
    assert set(got) == set(before)
    last = max(int(e["id"]) for e in got.values())   # event N: the last one this stream saw
    first.close()
    assert first.ended.wait(5)

    missed = [post_note(server, room, f"while away {i}", token=1)[0] for i in range(3)]
    # Edits while away: the first note seen before (its event is now after N) and one of the missed ones twice.
    code, headers = room["code"], {"X-Participant-Token": room["tokens"][0]}
    status, _ = server.request("PATCH", f"/api/v1/workshops/{code}/notes/{before[0]}",
                               {"type": "Feature", "properties": {"text": "before 0, edited"}}, headers)
    assert status == 200
    for text in ("edited once", "edited twice"):
        status, _ = server.request("PATCH", f"/api/v1/workshops/{code}/notes/{missed[0]}",
                                   {"type": "Feature", "properties": {"text": text}},
                                   {"X-Participant-Token": room["tokens"][1]})
        assert status == 200

    again = Stream(server.port, room["code"], room["tokens"][0], last_event_id=last)
    streams.append(again)
    assert again.status == 200
    wanted = set(missed) | {before[0]}
    replayed = again.note_events(wanted, seconds=5)
    assert set(replayed) == wanted, f"missing {wanted - set(replayed)}"
    assert all(int(e["id"]) > last for e in replayed.values())
    # The latest state of each note, once: the twice-edited note arrives with its last text.
    assert replayed[missed[0]]["data"]["properties"]["text"] == "edited twice"
    assert replayed[before[0]]["data"]["properties"]["text"] == "before 0, edited"
    # Nothing at or before N is sent again: note `before[1]` (unchanged since) never comes back.
    sent = [e["data"]["id"] for e in again.drain(0.5) if e["event"] == "note"]
    assert sent.count(before[1]) == 0 and sent.count(missed[0]) == 1


def test_the_listener_reconnects_after_its_connection_is_terminated(server, room, db, streams):
    """The same open streams keep working: it is the worker's listener that reconnects (and catches up from the
    database), not the browsers. Nothing is posted before the cut, so the catch-up cannot lean on an event the
    broker had already handed out."""
    by_worker = open_on_both_workers(server, room, streams, per_worker=1)
    old = {r["pid"] for r in listeners_ready(db, server)}
    killed = db.execute("SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = 'assetmap-listener'").fetchall()
    assert len(killed) == 2 and all(r["done"] for r in killed)

    during, _ = post_note(server, room, "posted while the listeners were away")
    for s in streams:
        assert during in s.note_events({during}, seconds=5), f"stream on port {s.local_port} missed the note"

    listeners_ready(db, server, not_pids=old)
    assert not ({r["pid"] for r in db.execute(LISTENERS).fetchall()} & old)
    after, posted = post_note(server, room, "posted after they came back")
    for pid, held in by_worker.items():
        for s in held:
            assert after in s.note_events({after}, seconds=2 - (time.monotonic() - posted)), f"worker {pid}"
            assert not s.ended.is_set()   # the same stream throughout


@pytest.mark.parametrize("server_env", [{"ASSETMAP_THREADS": "16"}])
def test_a_full_worker_answers_503_with_retry_after_and_still_serves_other_requests(server, room, streams):
    """16 threads a worker: 8 for live maps, 8 kept for everything else.

    A full worker is idle, and often wins the race to accept the next connection again and again while the other
    still has room (ten refusals in a row have been seen here): so keep trying, as a browser would have to."""
    per_worker = 16 - 8
    held: dict[int, int] = {w.pid: 0 for w in server.workers()}
    refused = []
    for i in range(150):
        s = Stream(server.port, room["code"], room["tokens"][i % 2])
        holder = server.holders()[s.local_port]   # a refused connection is still open (keep-alive) here
        if s.status == 200:
            streams.append(s)
            held[holder] += 1
        else:
            s.close()
            assert s.status == 503 and s.response.getheader("Retry-After") == "5", (s.status, s.refusal)
            assert "live maps" in s.refusal["error"]
            assert held[holder] == per_worker   # refused only once that worker holds all it may
            refused.append(holder)
            time.sleep(0.01)
        if all(n == per_worker for n in held.values()) and refused:
            break
    assert all(n == per_worker for n in held.values()) and refused, (held, len(refused))

    # Both workers full of maps, ordinary requests still get threads.
    for _ in range(6):
        status, state = server.request("GET", f"/api/v1/workshops/{room['code']}")
        assert status == 200 and state["state"] == "open"
