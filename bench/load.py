"""The two load generators every HTTP row shares: `wrk` (Debian's package) for HTTP servers, and PostgreSQL's own
`pgbench` for the same SQL run straight against the database. Both run on loopback for a bounded time.

wrk cycles through a list of paths (a Lua script reads them; each of its threads starts at its own place in the
list) on keep-alive connections, and reports requests/s and the latency percentiles; responses other than 2xx and
socket errors are counted and reported, never hidden in the rate.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
THREADS = 2   # the machine's cores: the load generator's own share of them is the same for every server

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
local id = 0
setup = function(thread) id = id + 1; thread:set("offset", id * 7919) end
request = function()
  i = i + 1
  return wrk.format("GET", paths[((i + (offset or 0)) %% #paths) + 1])
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def available() -> str | None:
    """Why the HTTP rows cannot run, or None."""
    if shutil.which("wrk") is None:
        return "wrk not found (scripts/system-deps bench installs it)"
    return None


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _UNITS[unit]


def wrk(base_url: str, paths: list[str], connections: int, seconds: float,
        headers: dict[str, str] | None = None) -> dict:
    """Requests/s, p50 and p99 in ms, and the failures, for `connections` clients hitting `paths` in turn."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "paths.lua"
        script.write_text(LUA % listing)
        cmd = ["wrk", f"-t{min(THREADS, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
               "--timeout", "30s", "-s", str(script)]
        for k, v in (headers or {}).items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [base_url], capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return {"rate": round(rate, 1), "p50_ms": round(pct["50"], 2), "p99_ms": round(pct["99"], 2),
            "requests": total, "failed": failed}


class _Recorder(psycopg.ClientCursor):
    """A cursor that keeps each statement as it was sent, values written in."""
    seen: list[str] = []

    def execute(self, query, params=None, **kw):
        _Recorder.seen.append(self.mogrify(query, params))
        return super().execute(query, params, **kw)


def captured_sql(db_url: str, fn: Callable[[psycopg.Connection], object]) -> str:
    """The last statement `fn(conn)` ran, as sent (values written in), ready for pgbench: the product's own
    code composes it, so the anchor runs what the endpoint runs whatever that becomes."""
    _Recorder.seen.clear()
    with psycopg.connect(db_url, autocommit=True, cursor_factory=_Recorder) as conn:
        fn(conn)
    return _Recorder.seen[-1].strip().rstrip(";") + ";\n"


def pgbench(url: str, script: str | list[str], clients: int, seconds: float) -> dict:
    """Transactions/s, the mean latency, p50 and p99 for `clients` sessions running `script` (pgbench's own language:
    `\\set` lines, then the SQL, with :name variables); given several, each transaction picks one at random."""
    params = conninfo_to_dict(url)
    env = {"PGHOST": params.get("host", ""), "PGPORT": str(params.get("port", "")),
           "PGUSER": params.get("user", ""), "PGPASSWORD": params.get("password", ""),
           "PGDATABASE": params["dbname"], "PATH": "/usr/bin:/bin"}
    scripts = [script] if isinstance(script, str) else script
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(scripts):
            (Path(tmp) / f"{i}.sql").write_text(text)
            files += ["-f", str(Path(tmp) / f"{i}.sql")]
        # -l: one line per transaction (client, number, latency in µs, …), for the same percentiles wrk gives; a
        # failed transaction has the word `failed` there instead, and is counted below, not timed.
        out = subprocess.run([PGBENCH, "-n", "-c", str(clients), "-j", str(THREADS), "-T", f"{seconds:g}",
                              "-l", f"--log-prefix={tmp}/log", *files],
                             capture_output=True, text=True, env=env, timeout=seconds + 60)
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed: {out.stderr.strip()[-500:]}")
        times = (line.split()[2] for log in Path(tmp).glob("log.*") for line in log.read_text().splitlines())
        latencies = sorted(int(t) for t in times if t.isdigit())
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    result = {"rate": round(tps, 1), "mean_ms": round(latency, 2), "failed": int(failed.group(1)) if failed else 0}
    if latencies:
        result |= {"p50_ms": round(latencies[len(latencies) // 2] / 1000, 2),
                   "p99_ms": round(latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1000, 2)}
    return result
