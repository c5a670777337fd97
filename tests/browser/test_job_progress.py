"""An upload's job page in Chromium: it says the import waits, follows the job as the worker runs it (polling its
JSON status, with no meta refresh), and ends on the report, with no console error. axe-clean both ways."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.helpers import LiveServer, add_staff, cheap_hashes, jobs_worker, running_app, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def site(fresh_db_url, monkeypatch, tmp_path):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        add_staff(conn)
    with running_app(fresh_db_url, home=tmp_path / "home") as app, LiveServer(app) as live:
        yield app, live.url, tmp_path


def test_the_job_page_follows_the_import_to_its_report(page, axe, site):
    app, url, tmp_path = site
    rows = ["name,category,lon,lat"] + [f"Hall {i},community_centre,-0.1,51.5" for i in range(3000)]
    rows.append("Bad Hall,casino,-0.1,51.5")
    (tmp_path / "halls.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "m.json").write_text(json.dumps({"columns": {}}))

    sign_in_page(page, url)
    page.goto(url + "/planner/data/import")
    page.get_by_label("Community assets").check()
    page.set_input_files("#file", str(tmp_path / "halls.csv"))
    page.set_input_files("#mapping", str(tmp_path / "m.json"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/planner/jobs/*")
    assert "Waiting for the jobs worker" in page.locator("#job-status").inner_text()
    assert axe() == []

    loads = []
    page.on("load", lambda: loads.append(page.url))
    with jobs_worker(app):
        page.wait_for_selector("#summary", timeout=60_000)
    assert "read 3001, inserted 3000, updated 0, rejected 1" in page.locator("#summary").inner_text()
    assert "unknown category" in page.locator(".rejects").inner_text()
    assert page.locator("#job-status").count() == 0 and page.locator("#job-progress").count() == 0
    assert len(loads) == 1                                              # one reload, once finished
    assert axe() == []
    page.watch.assert_clean()
