"""gunicorn's settings for AssetMap, from its settings (the environment) and this machine.

`assetmap serve` runs `gunicorn --config python:assetmap.gunicorn_conf --bind HOST:PORT 'assetmap:create_app()'`;
a service manager may run that same line itself. Why each value (docs/scaling.md says more):

- workers: ASSETMAP_WORKERS, by default one per core (at least 2, at most 8: `config.default_workers`).
- gthread, ASSETMAP_THREADS threads: each open live workshop map (an SSE stream) holds a thread for as long as it
  is open. A sync worker would serve one stream per process and be killed at `timeout` mid-stream.
- timeout 30 s: with gthread this is not a limit on a request. The worker's main loop tells the arbiter it is alive
  every second however long its threads' requests run, so `timeout` only ends a process that is wedged (a C call
  holding the interpreter). Requests are bounded where their time goes, in the database: ASSETMAP_STATEMENT_TIMEOUT.
  (The 300 s it used to be was for imports in the request; they run in the jobs worker now.)
- graceful_timeout 5 s: on a restart, ordinary requests finish well inside it; live streams do not finish by
  themselves, so waiting longer only delays the restart, and their pages reconnect.
- no max_requests: restarting a worker every N requests would cut every live map it holds, and no leak has been
  seen that would call for it (a worker's memory levels off: docs/workshops.md).
- the access log, on stdout, gives each request's duration in ms (`%(M)s`), and the X-Forwarded-For a proxy sent
  before the address gunicorn saw (behind a proxy, the proxy's); no referrer, which can carry a private page's address;
  and the private links' secrets replaced by `[redacted]` (`assetmap/access_log.py`).
"""

from __future__ import annotations

import os

from assetmap.config import Settings

_settings = Settings.from_env()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = _settings.workers
worker_class = "gthread"
threads = _settings.threads
timeout = 30
graceful_timeout = 5
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Private links (edit, confirmation, request pages) are their own passwords: never written to the log.
logger_class = "assetmap.access_log.RedactingLogger"
# gunicorn's default control socket is ~/.gunicorn/gunicorn.ctl, one path for every checkout of a user.
control_socket = str(_settings.home / "gunicorn.ctl")
