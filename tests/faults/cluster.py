"""The faults done to a throwaway PostgreSQL (tests/scaling/postgres.py makes it): a fast-shutdown restart, and a
SIGKILL of the postmaster followed by a start, as an operator or a service manager would."""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

from tests.scaling.postgres import Cluster, demo_database


@contextmanager
def demo_primary():
    """(Cluster, URL) of the `assetmap` database (schema and demo town) on a new cluster, removed afterwards."""
    cluster = Cluster.initdb()
    try:
        cluster.start()
        url = demo_database(cluster)
        yield cluster, url
    finally:
        cluster.stop()


def restart_fast(cluster: Cluster) -> None:
    """`pg_ctl restart -m fast`: sessions are ended, open transactions rolled back, the server starts again with
    the options it was started with (postmaster.opts)."""
    # -l: without it the new server would hold pg_ctl's output pipe open, and this call would never return.
    cluster.run("pg_ctl", "-D", cluster.data, "-l", cluster.folder / "server.log", "-m", "fast", "-w", "-t", "60",
                "restart")


def kill_and_start(cluster: Cluster, seconds: float = 60) -> None:
    """SIGKILL the postmaster, then start the cluster again (crash recovery from the WAL).

    A new postmaster refuses to start while the old one's backends still hold its shared memory; they leave as
    soon as they notice their parent is gone, so the start is tried again until they have."""
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + seconds
    while True:
        try:
            cluster.start()
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
