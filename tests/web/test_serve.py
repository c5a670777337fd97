"""`assetmap serve`, the command behind `make run`: real gunicorn workers on a real port."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import scratch_database


def serve(database_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "ASSETMAP_TILES": "none", "ASSETMAP_WORKERS": "2",
           "ASSETMAP_SECRET_KEY": "test"}
    return subprocess.Popen([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers, response.read()


def wait_until_up(proc: subprocess.Popen, url: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited early:\n{proc.stdout.read()}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)     # what Ctrl-C sends
    try:
        return proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_serve_stop_and_serve_again(demo_db_url, demo_conn, free_port):
    base = f"http://127.0.0.1:{free_port}"
    published = demo_conn.execute("SELECT count(*) FROM assets WHERE status = 'published'").fetchone()[0]
    for _ in range(2):
        proc = serve(demo_db_url, free_port)
        try:
            status, _, body = wait_until_up(proc, f"{base}/healthz")
            assert status == 200 and json.loads(body)["status"] == "ok"
            status, headers, page = get(f"{base}/")
            assert status == 200 and b"leaflet" in page.lower()
            assert b"https://" not in page and b"http://" not in page   # tiles none: nothing from outside
            status, _, body = get(f"{base}/api/v1/assets")
            assert len(json.loads(body)["features"]) == published >= 400
        finally:
            code = stop(proc)
        assert code == 0


def test_serve_refuses_while_the_schema_is_behind(admin_url, free_port):
    with scratch_database(admin_url) as url:
        proc = serve(url, free_port)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "assetmap db migrate" in out
    assert "Traceback" not in out
