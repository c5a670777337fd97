"""Every change to a service (its sites, catchment and spend) or a capacity need is in the audit log with who, when,
before and after, whichever path made it: the importers (CLI and library), a planner's decision, a workshop note
made into a need, an exchange meeting a need, psql. Migration 0028's triggers write them; `audit.acting` says who."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main
from assetmap.ingest.needs import import_needs
from assetmap.ingest.service_files import import_services
from assetmap.model import need_review, users

SERVICE = {"source_ref": "s1", "agency": "Camden Council", "agency_kind": "council", "name": "Housing advice",
           "theme": "housing", "annual_spend": "120000", "site_name": "Town hall", "lon": -0.125, "lat": 51.53,
           "catchment_radius_m": 800}
NEED = {"source_ref": "n1", "title": "Volunteers for the food bank", "kind": "volunteer_time", "quantity": 6,
        "unit": "hours_per_week", "lon": -0.15, "lat": 51.53}


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('A', 'A', ST_Multi(ST_MakeEnvelope(-0.2, 51.5, -0.1, 51.6, 4326)))")
        yield c


def log(conn, entity, since=0):
    return conn.execute("SELECT * FROM audit_log WHERE entity = %s AND id > %s AND action <> 'import' ORDER BY id",
                        (entity, since)).fetchall()


def last_id(conn):
    return conn.execute("SELECT coalesce(max(id), 0) AS m FROM audit_log").fetchone()["m"]


def csv(tmp_path, rows, name):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_service_import_logs_each_service_site_and_catchment_then_only_what_changes(conn, fresh_db_url, tmp_path):
    path = csv(tmp_path, [SERVICE], "services.csv")
    result = CliRunner().invoke(main, ["import", "services", str(path)], env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 0, result.output
    [svc], [site], [area] = log(conn, "services"), log(conn, "service_sites"), log(conn, "service_areas")
    for row in (svc, site, area):
        assert (row["actor"], row["action"], row["before"]) == ("import:services", "create", None)
        assert row["at"] is not None
    assert svc["after"]["annual_spend"] == 120000 and svc["after"]["name"] == "Housing advice"
    assert site["after"]["name"] == "Town hall" and site["after"]["geom"]["type"] == "Point"
    assert "geom_bng" not in area["after"] and area["after"]["geom"]["type"] == "MultiPolygon"

    mark = last_id(conn)
    import_services(conn, path)   # the same file again: nothing changed, nothing logged per row
    assert log(conn, "services", mark) == log(conn, "service_sites", mark) == log(conn, "service_areas", mark) == []

    import_services(conn, csv(tmp_path, [dict(SERVICE, annual_spend="90000", site_name="Library")], "services.csv"))
    [update] = log(conn, "services", mark)
    assert update["action"] == "update" and update["entity_id"] == svc["entity_id"]
    assert (update["before"]["annual_spend"], update["after"]["annual_spend"]) == (120000, 90000)
    changes = [(r["action"], (r["before"] or r["after"])["name"]) for r in log(conn, "service_sites", mark)]
    assert sorted(changes) == [("create", "Library"), ("delete", "Town hall")]
    assert log(conn, "service_areas", mark) == []   # the same radius round the same point


def test_a_needs_import_logs_each_need_with_before_and_after(conn, tmp_path):
    import_needs(conn, csv(tmp_path, [NEED], "needs.csv"))
    [made] = log(conn, "capacity_needs")
    assert (made["actor"], made["action"], made["after"]["title"]) == ("import:needs", "create", NEED["title"])
    mark = last_id(conn)
    import_needs(conn, csv(tmp_path, [dict(NEED, quantity=9)], "needs.csv"))
    [changed] = log(conn, "capacity_needs", mark)
    assert changed["entity_id"] == made["entity_id"] and changed["actor"] == "import:needs"
    assert (float(changed["before"]["quantity"]), float(changed["after"]["quantity"])) == (6, 9)


def test_a_dry_run_logs_nothing(conn, tmp_path):
    import_services(conn, csv(tmp_path, [SERVICE], "services.csv"), dry_run=True)
    import_needs(conn, csv(tmp_path, [NEED], "needs.csv"), dry_run=True)
    assert conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"] == 0


def test_a_planners_decision_on_a_need_is_one_row_with_who_and_the_whole_need(conn):
    staff = users.get_user(conn, users.add_user(conn, "pat@example.org", "a long enough password", "planner", "Pat"))
    need_id = conn.execute("INSERT INTO capacity_needs (title, kind, geom, status, source) VALUES "
                           "('Drivers', 'volunteer_time', ST_SetSRID(ST_MakePoint(-0.15, 51.53), 4326), 'pending', "
                           "'workshop:ABC') RETURNING id").fetchone()["id"]
    mark = last_id(conn)
    need_review.decide(conn, need_id, True, staff)
    [row] = log(conn, "capacity_needs", mark)
    assert (row["actor"], row["user_id"], row["action"]) == ("user:pat@example.org", staff.id, "approve")
    assert (row["before"]["status"], row["after"]["status"], row["after"]["title"]) == ("pending", "open", "Drivers")


def test_a_change_in_psql_is_logged_as_the_database_role_and_derived_changes_are_not(conn):
    conn.execute("INSERT INTO services (agency, name, theme) VALUES ('NHS', 'Clinic', 'health')")
    [row] = log(conn, "services")
    assert row["actor"].startswith("database:") and row["user_id"] is None
    svc = row["entity_id"]
    conn.execute("INSERT INTO service_sites (service_id, name, geom) "
                 "VALUES (%s, 'Surgery', ST_SetSRID(ST_MakePoint(-0.15, 51.53), 4326))", (svc,))
    mark = last_id(conn)
    # A new boundary re-derives the site's neighbourhood: no one changed the site, so no audit row.
    conn.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                 "('B', 'B', ST_Multi(ST_MakeEnvelope(-0.16, 51.52, -0.14, 51.54, 4326)))")
    assert log(conn, "service_sites", mark) == []
    conn.execute("DELETE FROM services WHERE id = %s", (svc,))
    deleted = {(r["entity"], r["action"]) for r in
               conn.execute("SELECT entity, action FROM audit_log WHERE id > %s", (mark,)).fetchall()}
    assert deleted == {("services", "delete"), ("service_sites", "delete")}


def test_audit_export_carries_the_service_rows(conn, fresh_db_url, tmp_path):
    import_services(conn, csv(tmp_path, [SERVICE], "services.csv"))
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    out = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(main, ["audit", "export", "--from", today, "--to", today, "-o", str(out)],
                                env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    services = [r for r in rows if r["entity"] == "services" and r["action"] == "create"]
    assert services and services[0]["after"]["name"] == "Housing advice" and services[0]["actor"] == "import:services"
