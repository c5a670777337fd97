"""Uploads import in a job: the upload page queues it, a worker process runs it, and the job's page shows its
progress and then the report; the JSON status, the list of recent imports, and who may see them."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

import pytest

from tests.helpers import csrf_token, follow_job, running_app, sign_in

HALLS = (b"name,category,lon,lat,contact_email\n"
         b"Job Hall,community_centre,-1.5,53.8,hall@example.org\n"
         b"Job Casino,casino,-1.5,53.8,\n"
         b"Job Library,library,-1.5,53.8,\n")


@pytest.fixture
def app(fresh_demo_db_url, staff_demo_db, tmp_path):
    with running_app(fresh_demo_db_url, home=tmp_path / "home") as application:
        yield application


@pytest.fixture
def worker_process(app):
    """`assetmap jobs worker` as the web app's neighbour: the same database and home."""
    settings = app.config["ASSETMAP"]
    env = {**os.environ, "DATABASE_URL": settings.database_url, "ASSETMAP_HOME": str(settings.home)}
    proc = subprocess.Popen([sys.executable, "-m", "assetmap.cli", "jobs", "worker", "--poll", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield proc
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out


def upload(client, name: str, content: bytes, mapping: bytes = b"{}"):
    return client.post("/planner/data/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/planner/data/import"), "kind": "assets",
        "file": (io.BytesIO(content), name), "mapping": (io.BytesIO(mapping), "mapping.json")})


def finished(client, page: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(page + ".json").get_json()
        if status["finished"]:
            return status
        time.sleep(0.2)
    pytest.fail(f"{page} did not finish within {seconds} s")


def test_an_upload_becomes_a_job_that_a_worker_process_imports(app, staff_demo_db, worker_process):
    client = app.test_client()
    sign_in(client)
    response = upload(client, "job halls.csv", HALLS)
    assert response.status_code == 303
    page = response.headers["Location"]
    assert re.fullmatch(r"/planner/jobs/\d+", page)
    status = finished(client, page)
    assert status == {"id": int(page.rsplit("/", 1)[1]), "state": "done", "done": 3, "total": 3, "error": None,
                      "finished": True}
    html = client.get(page).get_data(as_text=True)
    assert "read 3, inserted 2, updated 0, rejected 1" in html
    assert "unknown category" in html and "Job Casino" in html
    assert 'http-equiv="refresh"' not in html and "job-progress.js" not in html   # finished: nothing to follow
    rejects = client.get(re.search(r'href="(/planner/jobs/\d+/rejects\.csv)"', html).group(1))
    assert rejects.mimetype == "text/csv" and "Job Casino" in rejects.get_data(as_text=True)
    names = {r["name"] for r in staff_demo_db.execute("SELECT name FROM assets WHERE source = 'job halls'")}
    assert names == {"Job Hall", "Job Library"}

    listing = client.get("/planner/jobs").get_data(as_text=True)
    assert "Community assets from job halls.csv" in listing and "done: 2 new, 0 updated, 1 rejected" in listing
    assert client.get("/planner/jobs/999999").status_code == 404
    assert client.get("/planner/jobs/999999.json").status_code == 404


def test_a_waiting_job_says_so_and_follows_itself_with_or_without_javascript(app, staff_demo_db):
    client = app.test_client()
    sign_in(client)
    page = upload(client, "halls.csv", HALLS).headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "Waiting for the jobs worker" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert re.search(r'<script src="/static/js/job-progress\.js[^"]*"></script>', html)
    assert f'data-status-url="{page}.json"' in html
    assert client.get(page + ".json").get_json()["state"] == "queued"
    assert client.get(page + "/rejects.csv").status_code == 404          # no report yet

    anonymous = app.test_client()
    assert anonymous.get(page).status_code == 302 and anonymous.get(page + ".json").status_code == 302
    facilitator = app.test_client()
    sign_in(facilitator, "fay@example.org")
    for url in (page, page + ".json", "/planner/jobs"):
        assert facilitator.get(url).status_code == 403


def test_a_file_that_cannot_be_read_fails_its_job_in_words(app, staff_demo_db):
    client = app.test_client()
    sign_in(client)
    html = follow_job(client, upload(client, "latin1.csv", "name\nCaf\xe9\n".encode("latin-1"))).get_data(
        as_text=True)
    assert "The import failed: nothing from the file was kept" in html and "not UTF-8 text" in html
