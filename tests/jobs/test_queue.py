"""The jobs table and worker: each job claimed once however many workers ask at once, a dead worker's job claimed
again, progress seen while the work's transaction is open, and a failure said in words with nothing of it kept."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import psycopg
import pytest

from assetmap.jobs import files, queue, worker
from assetmap.jobs.kinds import import_kind
from assetmap.jobs.queue import LostLease


def test_two_workers_claiming_at_once_take_each_job_once(conn, fresh_db_url):
    ids = [queue.enqueue(conn, "test:nothing", {"n": i}) for i in range(40)]
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claim_all(name: str) -> None:
        with psycopg.connect(fresh_db_url, autocommit=True) as own:
            start.wait()
            while (job := queue.claim(own, name)) is not None:
                claimed[name].append(job.id)

    threads = [threading.Thread(target=claim_all, args=(name,)) for name in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(claimed["a"] + claimed["b"]) == ids                   # every job, none twice
    assert not set(claimed["a"]) & set(claimed["b"])
    states = conn.execute("SELECT state, attempts, count(*) FROM jobs GROUP BY 1, 2").fetchall()
    assert states == [("running", 1, 40)]


def test_a_claim_skips_a_job_another_worker_has_locked_instead_of_waiting(conn, fresh_db_url):
    first, second = (queue.enqueue(conn, "test:nothing", {}) for _ in range(2))
    with psycopg.connect(fresh_db_url) as other:   # a claim whose transaction is still open holds its row
        with other.transaction():
            assert queue.claim(other, "other").id == first
            conn.execute("SET lock_timeout = '2s'")   # waiting for the lock instead of skipping would fail here
            assert queue.claim(conn, "this").id == second
            assert queue.claim(conn, "this") is None


def test_a_job_whose_lease_ran_out_is_claimed_again_and_the_old_claim_can_change_nothing(conn):
    job_id = queue.enqueue(conn, "test:nothing", {})
    old = queue.claim(conn, "dead worker")
    queue.heartbeat(conn, old)                                          # while the lease holds, nobody else
    assert queue.claim(conn, "another") is None
    conn.execute("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = %s", (job_id,))
    new = queue.claim(conn, "another")
    assert (new.id, new.attempts, new.worker) == (job_id, 2, "another")
    for late in (lambda: queue.heartbeat(conn, old), lambda: queue.progress(conn, old, done=5),
                 lambda: queue.finish(conn, old, {}), lambda: queue.fail(conn, old, "late")):
        with pytest.raises(LostLease):
            late()
    queue.progress(conn, new, done=3, total=10)
    assert (queue.get(conn, job_id).done, queue.get(conn, job_id).total) == (3, 10)


def test_a_job_whose_workers_keep_dying_is_given_up(conn, settings):
    job_id = queue.enqueue(conn, "test:nothing", {})
    for _ in range(queue.MAX_ATTEMPTS):
        assert queue.claim(conn, "dies", lease=timedelta(seconds=-1)).id == job_id
    assert queue.claim(conn, "another") is None
    assert worker.run_queued(conn, settings) == []
    job = queue.get(conn, job_id)
    assert job.state == "failed" and f"{queue.MAX_ATTEMPTS} times" in job.error


@pytest.fixture
def table(conn):
    """A table for test jobs to write to."""
    conn.execute("CREATE TABLE written (value text)")
    return lambda: [r[0] for r in conn.execute("SELECT value FROM written ORDER BY 1")]


def test_a_failing_job_records_its_error_and_keeps_nothing_it_wrote(conn, settings, table, monkeypatch):
    def fails(work, args, ctx):
        work.execute("INSERT INTO written VALUES ('half')")
        raise ValueError(f"row {args['row']} is wrong")

    monkeypatch.setitem(worker.KINDS, "test:fails", fails)
    folder = files.new(settings)
    job_id = queue.enqueue(conn, "test:fails", {"row": 3, "folder": folder.name})
    assert worker.run_queued(conn, settings) == [job_id]
    job = queue.get(conn, job_id)
    assert (job.state, job.error, job.result) == ("failed", "row 3 is wrong", None)
    assert job.finished_at is not None and job.lease_until is None
    assert table() == []                                                # nothing half-written
    assert not folder.exists()                                          # its files go with it


def test_a_job_claimed_again_behind_its_back_keeps_none_of_its_work(conn, settings, table, monkeypatch):
    def overtaken(work, args, ctx):
        work.execute("INSERT INTO written VALUES ('twice')")
        conn.execute("UPDATE jobs SET attempts = attempts + 1")          # another worker's claim, meanwhile
        return {}

    monkeypatch.setitem(worker.KINDS, "test:overtaken", overtaken)
    job_id = queue.enqueue(conn, "test:overtaken", {})
    worker.run_queued(conn, settings)
    assert queue.get(conn, job_id).state == "running"                   # the other claim's now
    assert table() == []


def test_progress_is_seen_while_the_work_runs_and_the_result_once_it_is_kept(conn, settings, table, monkeypatch):
    halfway, go_on = threading.Event(), threading.Event()

    def slow(work, args, ctx):
        work.execute("INSERT INTO written VALUES ('whole')")
        ctx.set_total(10)
        ctx.progress(4)
        halfway.set()
        assert go_on.wait(20)
        ctx.progress(6)
        return {"answer": 42}

    monkeypatch.setitem(worker.KINDS, "test:slow", slow)
    job_id = queue.enqueue(conn, "test:slow", {})
    with psycopg.connect(settings.database_url, autocommit=True) as control:
        runner = threading.Thread(target=worker.run_queued, args=(control, settings))
        runner.start()
        try:
            assert halfway.wait(20)
            job = queue.get(conn, job_id)
            assert (job.state, job.done, job.total, job.result) == ("running", 4, 10, None)
            assert table() == []                                        # the work's transaction is still open
        finally:
            go_on.set()
            runner.join(20)
    job = queue.get(conn, job_id)
    assert (job.state, job.done, job.total, job.result, job.error) == ("done", 10, 10, {"answer": 42}, None)
    assert table() == ["whole"]


def test_an_asset_import_job_counts_its_rows_and_keeps_its_report(conn, settings, monkeypatch):
    written = []   # what the importer reported as it went, written to the job as it came

    def spy(control, job, done=0, total=None):
        written.append((done, total))
        real(control, job, done=done, total=total)
    real = queue.progress
    monkeypatch.setattr(queue, "progress", spy)
    folder = files.new(settings)
    rows = ["name,category,lon,lat"] + [f"Hall {i},community_centre,-1.5,53.8" for i in range(2500)]
    rows.append("Bad Hall,casino,-1.5,53.8")
    (folder / "halls.csv").write_text("\n".join(rows) + "\n")
    job_id = queue.enqueue(conn, import_kind("assets"), {"folder": folder.name, "path": "halls.csv",
                                                          "source": "halls", "mapping": None})
    worker.run_queued(conn, settings)
    job = queue.get(conn, job_id)
    assert job.state == "done", job.error
    assert (job.done, job.total) == (2501, 2501)
    assert written[0] == (0, 2501)                                      # the file's rows counted first
    assert sum(d for d, _ in written) == 2501 and all(d > 0 for d, _ in written[1:])   # then as they are done
    report = job.result["report"]
    assert (report["read"], report["inserted"], report["updated"]) == (2501, 2500, 0)
    assert [(r["row_number"], r["row"]["category"]) for r in report["rejected"]] == [(2501, "casino")]
    assert job.result["outside"] == 2500                                # no neighbourhoods: in none of them
    assert conn.execute("SELECT count(*) FROM assets WHERE source = 'halls'").fetchone()[0] == 2500
    assert not folder.exists()


def test_an_unreadable_file_fails_its_job_in_words(conn, settings):
    folder = files.new(settings)
    (folder / "latin1.csv").write_bytes("name\nCaf\xe9\n".encode("latin-1"))
    job_id = queue.enqueue(conn, import_kind("assets"), {"folder": folder.name, "path": "latin1.csv",
                                                          "source": "x"})
    worker.run_queued(conn, settings)
    job = queue.get(conn, job_id)
    assert job.state == "failed" and "not UTF-8 text" in job.error
    bad = queue.enqueue(conn, "no such kind", {})
    worker.run_queued(conn, settings)
    assert queue.get(conn, bad).error == "no such kind of job: 'no such kind'"


def test_finished_jobs_go_after_their_time(conn):
    kept, old, waiting = (queue.enqueue(conn, "test:nothing", {}) for _ in range(3))
    conn.execute("UPDATE jobs SET state = 'done', finished_at = now() - interval '1 day', lease_until = NULL "
                 "WHERE id = %s", (kept,))
    conn.execute("UPDATE jobs SET state = 'failed', finished_at = now() - interval '8 days', lease_until = NULL "
                 "WHERE id = %s", (old,))
    assert queue.prune(conn) == 1
    assert [j.id for j in queue.recent(conn)] == [waiting, kept]


def test_files_no_waiting_job_names_go_after_a_day(conn, settings):
    waiting, orphan, young = files.new(settings), files.new(settings), files.new(settings)
    queue.enqueue(conn, "test:nothing", {"folder": waiting.name})
    day_ago = time.time() - files.ORPHANED_SECONDS - 60
    for folder in (waiting, orphan):
        os.utime(folder, (day_ago, day_ago))
    files.sweep(settings, queue.folders_in_use(conn))
    assert (waiting.exists(), orphan.exists(), young.exists()) == (True, False, True)
