"""A load of anonymous submissions (POST /api/v1/assets) from many clients at once, each behaving as a careful
real client: a unique name per submission, an Idempotency-Key, a timeout on every request, and the same request
sent again (same key) after a timeout, a lost connection or a 503, at most RETRIES more times. A submission is
*acknowledged* when one of its requests was answered 201.

Each client sends from an address of its own in 127.0.0.0/8 (all of it is loopback on Linux), so that, as with
real residents, each is rate-limited on its own row rather than all queueing on one.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT = 20.0       # seconds a client waits for one answer
SLACK = 3.0          # beyond TIMEOUT, for a loaded machine to wake the waiting thread
RETRIES = 2
PAUSE_AFTER_LOST = 1.0   # before sending again after a lost connection
MAX_RETRY_AFTER = 5.0


@dataclass
class Attempt:
    began: float       # seconds since the load started
    seconds: float
    outcome: str       # "201", "503", … or "timeout", "refused", "reset", "disconnected"
    replayed: bool = False


@dataclass
class Submission:
    name: str
    attempts: list[Attempt] = field(default_factory=list)
    public_id: str | None = None    # from the 201

    @property
    def acknowledged(self) -> bool:
        return self.public_id is not None


@dataclass
class Fault:
    at: float                      # seconds after the load starts
    name: str
    do: Callable[[], None]
    began: float | None = None     # when it ran, seconds since the load started
    ended: float | None = None


@dataclass
class Result:
    seconds: float
    submissions: list[Submission]
    faults: list[Fault]

    def attempts(self) -> list[Attempt]:
        return [a for s in self.submissions for a in s.attempts]

    def acknowledged(self) -> dict[str, str]:
        """name → public id of each acknowledged submission."""
        return {s.name: s.public_id for s in self.submissions if s.acknowledged}


def _lost(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "reset"
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "disconnected"
    return type(exc).__name__


class Load:
    """`clients` threads submitting to the server on `port` for `seconds`, with `faults` done meanwhile."""

    def __init__(self, port: int, points: list[tuple[float, float]], prefix: str, clients: int = 200,
                 seconds: float = 60.0):
        self.port, self.points, self.prefix = port, points, prefix
        self.clients, self.seconds = clients, seconds
        self._start = 0.0
        self._stop = 0.0
        self._lock = threading.Lock()
        self._submissions: list[Submission] = []

    def run(self, faults: list[Fault]) -> Result:
        self._start = time.monotonic()
        self._stop = self._start + self.seconds
        threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(self.clients)]
        for t in threads:
            t.start()
        for fault in sorted(faults, key=lambda f: f.at):
            time.sleep(max(0.0, self._start + fault.at - time.monotonic()))
            fault.began = self._now()
            fault.do()
            fault.ended = self._now()
        # Each client ends its submission under way: at most 1 + RETRIES requests, each bounded by its timeout.
        bound = (1 + RETRIES) * (TIMEOUT + SLACK) + RETRIES * MAX_RETRY_AFTER
        for t in threads:
            t.join(timeout=max(0.0, self._stop + bound - time.monotonic()))
        hung = sum(t.is_alive() for t in threads)
        assert not hung, f"{hung} clients were still waiting {bound:.0f} s after the load ended"
        return Result(self._now(), self._submissions, faults)

    def _now(self) -> float:
        return time.monotonic() - self._start

    def _client(self, n: int) -> None:
        address = f"127.0.{1 + n // 250}.{1 + n % 250}"
        count = 0
        while time.monotonic() < self._stop:
            count += 1
            name = f"{self.prefix}-{n}-{count}"
            lon, lat = self.points[(n + count) % len(self.points)]
            body = json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                               "properties": {"name": name, "category": "community_centre"}})
            submission = Submission(name)
            with self._lock:
                self._submissions.append(submission)
            self._submit(submission, address, body, str(uuid.uuid4()))

    def _submit(self, submission: Submission, address: str, body: str, key: str) -> None:
        for attempt_no in range(1 + RETRIES):
            began = time.monotonic()
            pause = 0.0
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT, source_address=(address, 0))
            try:
                conn.request("POST", "/api/v1/assets", body=body, headers={
                    "Content-Type": "application/json", "Idempotency-Key": key})
                response = conn.getresponse()
                raw = response.read()
                attempt = Attempt(began - self._start, time.monotonic() - began, str(response.status),
                                  response.getheader("Idempotent-Replayed") == "true")
                if response.status == 201:
                    submission.public_id = json.loads(raw)["id"]
                elif response.status == 503:
                    pause = min(float(response.getheader("Retry-After") or 1), MAX_RETRY_AFTER)
                else:
                    submission.attempts.append(attempt)
                    return     # an answer a retry cannot change
            except (OSError, http.client.HTTPException) as exc:
                attempt = Attempt(began - self._start, time.monotonic() - began, _lost(exc))
                pause = 0.0 if attempt.outcome == "timeout" else PAUSE_AFTER_LOST
            finally:
                conn.close()
            submission.attempts.append(attempt)
            if submission.acknowledged:
                return
            if attempt_no < RETRIES:
                time.sleep(pause)


def recovery(result: Result, fault: Fault) -> float | None:
    """Seconds from the end of `fault` to the first acknowledgement of a request sent after it."""
    firsts = [a.began + a.seconds for a in result.attempts() if a.outcome == "201" and a.began >= fault.ended]
    return min(firsts) - fault.ended if firsts else None


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0.0])[0]


def report(title: str, result: Result, stored: int) -> str:
    """The table the issue asks for: sent / acknowledged / stored / errors by kind / p50 / p99."""
    attempts = result.attempts()
    errors = Counter(a.outcome for a in attempts if a.outcome != "201")
    ms = sorted(a.seconds * 1000 for a in attempts)
    ok_ms = sorted(a.seconds * 1000 for a in attempts if a.outcome == "201")
    acked = sum(s.acknowledged for s in result.submissions)
    lines = [
        f"\n{title}: {len(result.submissions)} submissions in {result.seconds:.0f} s",
        "| sent | requests | acknowledged | stored | replayed | errors by kind | p50 ms | p99 ms | p99 ms of 201s |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {len(result.submissions)} | {len(attempts)} | {acked} | {stored} | {sum(a.replayed for a in attempts)} "
        f"| {', '.join(f'{k}: {v}' for k, v in sorted(errors.items())) or 'none'} "
        f"| {quantile(ms, 50):.0f} | {quantile(ms, 99):.0f} | {quantile(ok_ms, 99):.0f} |",
    ]
    for fault in result.faults:
        back = recovery(result, fault)
        lines.append(f"{fault.name} at {fault.began:.1f} s, took {fault.ended - fault.began:.1f} s; first 201 "
                     + (f"{back:.1f} s after" if back is not None else "never"))
    return "\n".join(lines)
