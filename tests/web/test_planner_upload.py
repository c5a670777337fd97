"""The planners' upload page runs the importers and shows their report: the same as the command line does."""

import io
import json
import re
import zipfile

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from tests.helpers import XSS, add_staff, csrf_token, follow_job, running_app, scratch_database, sign_in


@pytest.fixture
def db(staff_demo_db):
    return staff_demo_db


@pytest.fixture
def app(upload_app):
    return upload_app


def signed_in(app, email="pat@example.org"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def upload(client, kind, name, content: bytes, **fields):
    """Post the upload form; an import it queues is run, and its job's page returned."""
    data = {"csrf_token": csrf_token(client, "/planner/data/import"), "kind": kind,
            "file": (io.BytesIO(content), name), **fields}
    response = client.post("/planner/data/import", data=data, content_type="multipart/form-data")
    return follow_job(client, response) if response.status_code == 303 else response


def matched(client, response, columns: list[str], action: str = "import", **fields):
    """Through the matching step of an upload: each column to the field of its own name (as guessed)."""
    assert response.status_code == 302, response.get_data(as_text=True)
    page = response.headers["Location"]
    html = client.get(page).get_data(as_text=True)
    for i, col in enumerate(columns):   # the guesses are what the test submits
        assert re.search(rf'<select id="col-{i}"[^>]*>(?:(?!</select>).)*<option value="{col}" selected', html, re.S)
    data = {"csrf_token": csrf_token(client, page), "source": re.search(r'id="source" name="source" value="([^"]*)"',
                                                                        html).group(1), "action": action,
            **{f"col-{i}": col for i, col in enumerate(columns)}, **fields}
    response = client.post(page, data=data)
    return follow_job(client, response) if action == "import" else response


def assets_csv(db) -> bytes:
    lon, lat = db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                          "ORDER BY code LIMIT 1) x").fetchone().values()
    return (f"name,category,lat,lon,description\n"
            f"Upload Hall,community_centre,{lat},{lon},Big room\n"
            f"{XSS},casino,{lat},{lon},bad category\n"
            f"Upload Library,library,{lat},{lon},Books\n").encode()


COLUMNS = ["name", "category", "lat", "lon", "description"]


def test_an_upload_imports_good_rows_and_reports_the_bad_ones(app, db):
    client = signed_in(app)
    response = matched(client, upload(client, "assets", "halls.csv", assets_csv(db)), COLUMNS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "read 3, inserted 2" in html and "rejected 1" in html
    assert "casino" in html and XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    names = {r["name"] for r in db.execute("SELECT name FROM assets WHERE name LIKE 'Upload %%'")}
    assert names == {"Upload Hall", "Upload Library"}
    link = re.search(r'href="(/planner/jobs/\d+/rejects\.csv)"', html).group(1)
    rejects = client.get(link)
    assert rejects.status_code == 200 and rejects.mimetype == "text/csv"
    assert "casino" in rejects.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 302            # not for anonymous visitors


def test_a_dry_run_keeps_nothing(app, db, tmp_path):
    client = signed_in(app)
    before = db.execute("SELECT count(*) AS n FROM assets").fetchone()["n"]
    html = matched(client, upload(client, "assets", "halls.csv", assets_csv(db)), COLUMNS,
                   action="check").get_data(as_text=True)
    assert "would insert 2" in html
    mapping = (io.BytesIO(b'{"columns": {"description": null}}'), "m.json")
    html = upload(client, "assets", "halls.csv", assets_csv(db), dry_run="on", mapping=mapping).get_data(as_text=True)
    assert "would insert 2" in html and "columns not imported: description" in html
    assert db.execute("SELECT count(*) AS n FROM assets").fetchone()["n"] == before


def test_a_bad_mapping_file_is_said_in_words_and_the_choices_kept(app, db):
    client = signed_in(app)
    mapping = (io.BytesIO(b'{"columns": {"name": "nmae"}}'), "m.json")
    response = upload(client, "assets", "halls.csv", assets_csv(db), mapping=mapping, pending="on")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "columns mapped to no field of ours: &#39;name&#39; → &#39;nmae&#39;" in html
    assert 'id="pending" name="pending" checked' in html and 'value="assets" checked' in html


# -- the same file, the same result, from the page and from the command line ---------------------------------------

# Two neighbourhoods and three postcodes: one in each neighbourhood, one in neither; a fourth postcode is unknown.
GAZETTEER = """
INSERT INTO neighbourhoods (code, name, geom) VALUES
    ('W', 'West', ST_Multi(ST_MakeEnvelope(-0.20, 51.50, -0.14, 51.60, 4326))),
    ('E', 'East', ST_Multi(ST_MakeEnvelope(-0.14, 51.50, -0.08, 51.60, 4326)));
INSERT INTO gazetteer (kind, name, normalised, geom, source) VALUES
    ('postcode', 'NW3 3NR', 'NW3 3NR', ST_SetSRID(ST_MakePoint(-0.172809, 51.54353), 4326), 'test'),
    ('postcode', 'NW1 1BD', 'NW1 1BD', ST_SetSRID(ST_MakePoint(-0.137769, 51.534248), 4326), 'test'),
    ('postcode', 'E1 6AN', 'E1 6AN', ST_SetSRID(ST_MakePoint(-0.0729, 51.5205), 4326), 'test');
"""
POSTCODES_ONLY = (b"name,category,postcode\n"
                  b"Belsize Library,library,nw33nr\n"
                  b"Camden Town Hall,community_centre,NW1 1BD\n"
                  b"Spitalfields Hall,community_centre,E1 6AN\n"
                  b"Nowhere Hall,community_centre,ZZ9 9ZZ\n")


def imported(url):
    with psycopg.connect(url) as conn:
        return conn.execute("""
            SELECT a.name, a.source, a.postcode, round(ST_X(a.geom)::numeric, 6), round(ST_Y(a.geom)::numeric, 6),
                   n.code
              FROM assets a LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
             ORDER BY a.name""").fetchall()


@pytest.mark.parametrize("way", ["matching step", "mapping file"])
def test_the_same_file_imports_alike_from_the_page_and_the_command_line(admin_url, template_db, tmp_path, monkeypatch,
                                                                        way):
    """Postcodes only: both geocode them with the same gazetteer, label the data set by the same name (the file's
    own, with its space), and reject the same row for the same reason."""
    name = "camden halls.csv"
    with scratch_database(admin_url, template_db) as web_url, scratch_database(admin_url, template_db) as cli_url:
        for url in (web_url, cli_url):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(GAZETTEER)
        with psycopg.connect(web_url, autocommit=True) as conn:
            add_staff(conn)
        with running_app(web_url, home=tmp_path / "home") as app:
            client = signed_in(app)
            if way == "matching step":
                response = matched(client, upload(client, "assets", name, POSTCODES_ONLY),
                                   ["name", "category", "postcode"])
            else:
                mapping = (io.BytesIO(b"{}"), "mapping.json")
                response = upload(client, "assets", name, POSTCODES_ONLY, mapping=mapping)
            web = response.get_data(as_text=True)
        path = tmp_path / name
        path.write_bytes(POSTCODES_ONLY)
        monkeypatch.setenv("DATABASE_URL", cli_url)
        (tmp_path / "m.json").write_text("{}")
        mapping_option = ["--mapping", str(tmp_path / "m.json")] if way == "mapping file" else []
        args = ["import", "assets", str(path), *mapping_option]
        cli = CliRunner().invoke(main, args)
        assert cli.exit_code == 0, cli.output

        counts = "read 4, inserted 3, updated 0, rejected 1"
        assert counts in web and counts in cli.output
        assert "could not geocode postcode ZZ9 9ZZ" in web
        assert "could not geocode postcode ZZ9 9ZZ" in (tmp_path / "camden halls.rejects.csv").read_text()
        assert imported(web_url) == imported(cli_url)
        assert [(r[0], r[1], r[5]) for r in imported(web_url)] == [
            ("Belsize Library", "camden halls", "W"), ("Camden Town Hall", "camden halls", "E"),
            ("Spitalfields Hall", "camden halls", None)]


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


def test_capacity_needs_upload_like_the_command(app, db):
    client = signed_in(app)
    content = (b"source_ref,title,kind,quantity,unit,schedule,neighbourhood_code\n"
               b"n1,Room for a lunch club,space,20,places,Tu 11:00-14:00,ASH01\n"
               b"n2,Drivers,volunteer_time,5,hours_per_week,,NOWHERE\n")
    html = upload(client, "needs", "lunch needs.csv", content).get_data(as_text=True)
    assert "unknown neighbourhood &#39;NOWHERE&#39;" in html or "unknown neighbourhood 'NOWHERE'" in html
    row = db.execute("SELECT title, source, status FROM capacity_needs WHERE source_ref = 'n1'").fetchone()
    assert row == {"title": "Room for a lunch club", "source": "lunch needs", "status": "open"}
    assert db.execute("SELECT count(*) AS n FROM capacity_needs WHERE source_ref = 'n2'").fetchone()["n"] == 0
