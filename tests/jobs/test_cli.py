"""`assetmap jobs status` and `assetmap jobs run-queued` on a queue with a job in it."""

from __future__ import annotations

from click.testing import CliRunner

from assetmap.cli import main
from assetmap.jobs import files, queue
from assetmap.jobs.kinds import import_kind


def test_status_and_run_queued(conn, settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSETMAP_HOME", str(settings.home))
    folder = files.new(settings)
    (folder / "needs.csv").write_text("source_ref,title,kind\nn1,Room for a lunch club,space\n")
    job_id = queue.enqueue(conn, import_kind("needs"), {"folder": folder.name, "path": "needs.csv",
                                                         "source": "needs"}, label="Capacity needs from needs.csv")
    status = CliRunner().invoke(main, ["jobs", "status"])
    assert status.exit_code == 0, status.output
    assert "queued: 1, running: 0, done: 0, failed: 0" in status.output
    assert f"job {job_id} import:needs queued (attempt 0, 0 rows): Capacity needs from needs.csv" in status.output

    ran = CliRunner().invoke(main, ["jobs", "run-queued"])
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == f"job {job_id} (import:needs): done"
    assert CliRunner().invoke(main, ["jobs", "run-queued"]).output.strip() == "no jobs waiting"
    assert "queued: 0, running: 0, done: 1, failed: 0" in CliRunner().invoke(main, ["jobs", "status"]).output
