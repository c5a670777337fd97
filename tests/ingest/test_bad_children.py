"""A bad child never sinks its parent: a bad offer of an asset, or a bad site of a service, is dropped with its reason
in the report (row, which child, why) and the parent is kept with everything else that is valid."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.assets import load_assets
from assetmap.ingest.report import ImportReport
from assetmap.ingest.service_files import import_services
from assetmap.jobs.reports import from_json, to_json

HALL = {"source_ref": "h1", "name": "Mill Lane Hall", "category": "community_centre", "lon": -0.13, "lat": 51.53}
GOOD = {"kind": "space", "quantity": 3, "unit": "hours_per_week", "schedule": "Tu 18:00-21:00"}


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def offers(conn, ref="h1"):
    return conn.execute("SELECT o.kind, o.schedule FROM capacity_offers o JOIN assets a ON a.id = o.asset_id "
                        "WHERE a.source_ref = %s ORDER BY o.id", (ref,)).fetchall()


@pytest.mark.parametrize("bad, why", [
    ({"kind": "space", "schedule": "every other blue moon"}, "schedule: "),
    ({"kind": "space", "quantity": -4, "unit": "places"}, "quantity: must be more than 0"),
    ({"kind": "space", "quantity": 10 ** 9, "unit": "places"}, "quantity: must be more than 0 and at most"),
    ({"kind": "dragons"}, "kind: unknown kind 'dragons'"),
    ({"kind": "space", "quantity": "lots", "unit": "places"}, "quantity: must be a number"),
    ({"kind": "space", "cost": "an arm"}, "cost: must be one of"),
])
def test_a_bad_offer_is_dropped_and_its_asset_kept_with_the_good_ones(conn, bad, why):
    report = ImportReport(kind="assets", source="t", read=1)
    load_assets(conn, [(1, dict(HALL, capacity=[GOOD, bad, dict(GOOD, kind="equipment")]))], source="t",
                report=report)
    assert (report.inserted, report.rejected) == (1, [])
    assert offers(conn) == [("space", "Tu 18:00-21:00"), ("equipment", "Tu 18:00-21:00")]
    dropped = [n for n in report.notes if n.startswith("dropped:")]
    assert len(dropped) == 1, report.notes
    assert dropped[0].startswith(f"dropped: row 1 (Mill Lane Hall), offer 2 ({bad['kind']}): {why}")
    assert dropped[0].endswith("the place is kept without it")
    # The asset's own audit trail has its version with the two good offers only.
    snapshot = conn.execute("SELECT snapshot FROM asset_versions").fetchone()[0]
    assert len(snapshot["offers"]) == 2


def test_a_bad_asset_is_still_rejected_whole_with_its_offers_problems_too(conn):
    report = ImportReport(kind="assets", source="t", read=1)
    load_assets(conn, [(4, dict(HALL, category="castle", capacity=[GOOD, {"kind": "dragons"}]))], source="t",
                report=report)
    assert report.inserted == 0 and len(report.rejected) == 1
    assert "category: unknown category 'castle'" in report.rejected[0].reason
    assert "capacity.1.kind" in report.rejected[0].reason
    assert not any(n.startswith("dropped:") for n in report.notes)
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0


def test_offers_past_the_most_a_place_holds_are_dropped_not_the_place(conn):
    report = ImportReport(kind="assets", source="t", read=1)
    load_assets(conn, [(1, dict(HALL, capacity=[GOOD] * 23))], source="t", report=report)
    assert report.inserted == 1 and len(offers(conn)) == 20
    assert sum(n.startswith("dropped: row 1") and "at most 20 offers" in n for n in report.notes) == 3


def test_the_file_import_the_cli_and_the_job_report_say_what_was_dropped(conn, fresh_db_url, tmp_path):
    path = tmp_path / "halls.csv"
    rows = [dict(HALL, **{f"capacity.0.{k}": v for k, v in GOOD.items()},
                 **{"capacity.1.kind": "space", "capacity.1.schedule": "whenever"}),
            dict(HALL, source_ref="h2", name="Library")]
    pd.DataFrame(rows).to_csv(path, index=False)
    dry = import_assets(conn, path, dry_run=True)
    assert dry.inserted == 2 and any("dropped: row 1 (Mill Lane Hall), offer 2 (space)" in n for n in dry.notes)
    assert conn.execute("SELECT count(*) FROM assets").fetchone()[0] == 0
    result = CliRunner().invoke(main, ["import", "assets", str(path)], env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 0, result.output
    assert "inserted 2" in result.output and "rejected 0" in result.output
    assert "note: dropped: row 1 (Mill Lane Hall), offer 2 (space): schedule:" in result.output
    assert offers(conn) == [("space", "Tu 18:00-21:00")]
    # The job's page shows the report as stored in the job's JSON: the note survives the round trip.
    assert any(n.startswith("dropped: row 1") for n in from_json(to_json(dry)).notes)


SERVICE = {"source_ref": "s1", "agency": "Camden Council", "agency_kind": "council", "name": "Housing advice",
           "theme": "housing", "site_name": "Town hall", "lon": -0.125, "lat": 51.53}


@pytest.mark.parametrize("bad, why", [
    ({"schedule": "whenever"}, "schedule: "),
    ({"lon": None, "lat": None, "postcode": "ZZ9 9ZZ"}, "location: could not geocode postcode ZZ9 9ZZ"),
    ({"lon": 500, "lat": 51.5}, "location: the coordinates are outside the world"),
    ({"contacts_per_week": -3}, "contacts_per_week: must be a whole number"),
])
def test_a_bad_site_is_dropped_and_its_service_kept(conn, tmp_path, bad, why):
    path = tmp_path / "services.csv"
    pd.DataFrame([dict(SERVICE, **bad)]).to_csv(path, index=False)
    report = import_services(conn, path)
    assert (report.inserted, report.rejected) == (1, [])
    assert conn.execute("SELECT count(*) FROM service_sites").fetchone()[0] == 0
    [note] = [n for n in report.notes if n.startswith("dropped:")]
    assert note.startswith(f"dropped: row 1 (Housing advice), site 1 (Town hall): {why}")
    assert note.endswith("the service is kept without it")


def test_a_radius_with_no_site_left_still_rejects_the_service_saying_why(conn, tmp_path):
    path = tmp_path / "services.csv"
    pd.DataFrame([dict(SERVICE, schedule="whenever", catchment_radius_m=500)]).to_csv(path, index=False)
    report = import_services(conn, path)
    assert report.inserted == 0
    reason = report.rejected[0].reason
    assert "a radius needs a site" in reason and "sites.0: schedule:" in reason
