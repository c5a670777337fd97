"""The planners' upload page runs the importers and shows their report."""

import io
import json
import re
import zipfile

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.helpers import XSS, add_staff, csrf_token, running_app, sign_in


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        yield conn


@pytest.fixture
def app(fresh_demo_db_url, db, tmp_path):
    with running_app(fresh_demo_db_url, home=tmp_path) as application:
        yield application


def signed_in(app, email="pat@example.org"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def upload(client, kind, name, content: bytes, **fields):
    data = {"csrf_token": csrf_token(client, "/planner/data/import"), "kind": kind,
            "file": (io.BytesIO(content), name), **fields}
    return client.post("/planner/data/import", data=data, content_type="multipart/form-data")


def assets_csv(db) -> bytes:
    lon, lat = db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                          "ORDER BY code LIMIT 1) x").fetchone().values()
    return (f"name,category,lat,lon,description\n"
            f"Upload Hall,community_centre,{lat},{lon},Big room\n"
            f"{XSS},casino,{lat},{lon},bad category\n"
            f"Upload Library,library,{lat},{lon},Books\n").encode()


def test_an_upload_imports_good_rows_and_reports_the_bad_ones(app, db):
    client = signed_in(app)
    response = upload(client, "assets", "halls.csv", assets_csv(db))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "read 3, inserted 2" in html and "rejected 1" in html
    assert "casino" in html and XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    names = {r["name"] for r in db.execute("SELECT name FROM assets WHERE name LIKE 'Upload %%'")}
    assert names == {"Upload Hall", "Upload Library"}
    link = re.search(r'href="(/planner/data/import/rejects/[^"]+\.csv)"', html).group(1)
    rejects = client.get(link)
    assert rejects.status_code == 200 and rejects.mimetype == "text/csv"
    assert "casino" in rejects.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 302            # not for anonymous visitors


def test_a_dry_run_keeps_nothing(app, db):
    client = signed_in(app)
    before = db.execute("SELECT count(*) AS n FROM assets").fetchone()["n"]
    html = upload(client, "assets", "halls.csv", assets_csv(db), dry_run="on").get_data(as_text=True)
    assert "would insert 2" in html
    assert db.execute("SELECT count(*) AS n FROM assets").fetchone()["n"] == before


def test_neighbourhoods_need_their_fields_and_a_zipped_hsds_package_is_read(app, db, tmp_path):
    client = signed_in(app)
    response = upload(client, "neighbourhoods", "areas.geojson", b"{}")
    assert response.status_code == 400 and "code and name" in response.get_data(as_text=True)

    service = {"id": "svc-1", "name": "Upload Advice Service", "organization": {"id": "org-1", "name": "Ashcombe CVS"},
               "service_at_locations": [{"location": {"id": "loc-1", "name": "Town Hall",
                                                      "latitude": 200, "longitude": 10}}]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("service.json", json.dumps(service))
    html = upload(client, "hsds", "services.zip", buffer.getvalue()).get_data(as_text=True)
    assert "impossible coordinates" in html


def test_only_planners_may_upload(app):
    assert app.test_client().get("/planner/data/import").status_code == 302
    assert signed_in(app, "fay@example.org").get("/planner/data/import").status_code == 403


def test_a_zip_may_not_write_outside_its_folder(app, db):
    client = signed_in(app)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../escaped.csv", "name\nx\n")
    response = upload(client, "assets", "evil.zip", buffer.getvalue())
    assert response.status_code == 400
