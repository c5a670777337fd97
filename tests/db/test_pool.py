"""The pool lends only working connections, without a round trip on each loan: a connection the server has ended
(a restart, pg_terminate_backend) is noticed by its socket turning readable, and replaced."""

from __future__ import annotations

import time

import psycopg

from assetmap.db.pool import LazyPool


def test_a_connection_the_server_ended_is_replaced_on_loan(demo_db_url):
    pool = LazyPool(demo_db_url, 1, 2, name="assetmap pool test").get()
    try:
        pool.wait()
        with pool.connection() as conn:
            ended = conn.info.backend_pid
        with psycopg.connect(demo_db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (ended,))
        time.sleep(0.2)   # the server's goodbye reaches the socket
        with pool.connection() as conn:
            assert conn.info.backend_pid != ended
            assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
    finally:
        pool.close()


def test_a_healthy_connection_is_lent_without_a_query(demo_db_url):
    pool = LazyPool(demo_db_url, 1, 1, name="assetmap pool test").get()
    try:
        pool.wait()
        with pool.connection() as conn:
            conn.execute("SELECT 1")
            pid = conn.info.backend_pid
        with psycopg.connect(demo_db_url, autocommit=True) as admin:
            calls = _statements(admin, pid)
        with pool.connection() as conn:
            assert conn.info.backend_pid == pid
        with psycopg.connect(demo_db_url, autocommit=True) as admin:
            assert _statements(admin, pid) == calls
    finally:
        pool.close()


def _statements(admin, pid: int) -> str:
    # the last statement a backend ran: an empty query on loan would show as ''
    return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]
