"""The loopback SMTP server (tests/smtp.py) as fixtures, and settings that point the worker at it."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.config import Settings
from assetmap.mail.worker import Worker
from tests.helpers import cheap_hashes
from tests.smtp import running_smtp


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def smtp_server(free_port):
    with running_smtp(free_port) as server:
        yield server


@pytest.fixture
def inbox(smtp_server):
    return smtp_server.inbox


@pytest.fixture
def settings(fresh_db_url, smtp_server):
    """Mail on, through the test server, into this test's own database."""
    return Settings.from_env({"database_url": fresh_db_url, "smtp_url": smtp_server.url,
                              "public_url": "http://assets.example.org",
                              "mail_from": "AssetMap <noreply@assets.example.org>"})


@pytest.fixture
def db(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def start_worker():
    """`start_worker(settings, **options)`: a Worker running in a thread; each one is stopped at the end of the test,
    which fails if it does not stop within 10 s."""
    started = []

    def start(settings: Settings, **options) -> Worker:
        worker = Worker(settings, **options)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        started.append((worker, thread))
        return worker

    yield start
    for worker, _ in started:
        worker.stop()
    for _, thread in started:
        thread.join(10)
        assert not thread.is_alive(), "the mail worker did not stop within 10 s"
