"""What the benchmarks share: the best of several timings, and a migrated database of their own, dropped after."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from assetmap import vocab
from assetmap.db import migrate


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds: the machine is shared, and noise only ever adds time."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


@contextmanager
def bench_database(admin_url: str, label: str) -> Iterator[str]:
    """The URL of a new database, migrated and with the vocabularies, dropped afterwards whatever happens."""
    name = f"assetmap_bench_{label}_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.migrate(conn, log=lambda m: None)
            vocab.sync(conn)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
