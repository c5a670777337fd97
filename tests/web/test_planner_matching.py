"""The upload page's column-matching step: guesses filled in, a dry run with the rows outside every neighbourhood,
an import that keeps its mapping for the next upload, and mistakes said in words with nothing written."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from assetmap.ingest.asset_files import import_assets
from assetmap.model import users
from tests.helpers import PASSWORD, XSS, csrf_token, follow_job, sign_in


@pytest.fixture
def db(staff_demo_db):
    return staff_demo_db


@pytest.fixture
def app(upload_app):
    return upload_app


class FormFields(HTMLParser):
    """What a browser would submit from the page's POST form as it stands: text and hidden inputs, ticked boxes,
    each select's selected option (or its first)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("type") in ("text", "hidden") and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields[a["name"]] = "on"
        elif tag == "select":
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
                self.fields.setdefault(self._select, self._first)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_of(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def signed_in(app, email="pat@example.org"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def upload(client, name: str, content: bytes) -> str:
    """Upload an asset file; the matching page's address."""
    response = client.post("/planner/data/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/planner/data/import"), "kind": "assets",
        "file": (io.BytesIO(content), name)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def post(client, page: str, fields: dict, action: str):
    """Press a button; an import it queues is run, and its job's page returned."""
    response = client.post(page, data={**fields, "action": action})
    return follow_job(client, response) if action == "import" and response.status_code == 303 else response


def column(fields: dict, html: str, name: str) -> str:
    """The form field of the file's column called `name`."""
    return re.search(rf'<label for="(col-\d+)">{re.escape(name)}</label>', html).group(1)


def point_in(db, code_order=0) -> tuple[float, float]:
    row = db.execute("SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) c "
                     "FROM neighbourhoods ORDER BY code OFFSET %s LIMIT 1) p", (code_order,)).fetchone()
    return row["x"], row["y"]


def halls_csv(db) -> bytes:
    (x1, y1), (x2, y2) = point_in(db, 0), point_in(db, 1)
    return ("Site Name,Type,Notes,Y,X,Mon,Tue,Wed,Thu,Fri,Sat,Sun,Hours a week\n"
            f"Upload Mill Hall,Village hall,Big room,{y1},{x1},9am-5pm,9am-5pm,9am-5pm,9am-5pm,9am-5pm,10:00-13:00,"
            "closed,30\n"
            f"Upload Chapel,Chapel,Side room,{y2},{x2},24 hours,24 hours,24 hours,24 hours,24 hours,24 hours,"
            "24 hours,20\n"
            "Upload Far Hall,Village hall,Far away,57.1,-4.5,sometimes,,,,,,,5\n"
            f"Upload No Category,,Nothing,{y1},{x1},,,,,,,,\n").encode()


def count(db, where="name LIKE 'Upload %%'"):
    return db.execute(f"SELECT count(*) AS n FROM assets WHERE {where}").fetchone()["n"]


def test_guesses_are_filled_in_and_a_check_writes_nothing(app, db):
    client = signed_in(app)
    page = upload(client, "halls.csv", halls_csv(db))
    html = client.get(page).get_data(as_text=True)
    fields = form_of(html)
    assert 'id="guessed"' in html and fields["source"] == "halls"
    assert {fields[column(fields, html, c)] for c in ("Site Name", "Type", "Notes", "Y", "X", "Hours a week")} == \
        {"name", "category", "description", "lat", "lon", "capacity.0.quantity"}
    assert [fields[f"day-{d}"] for d in ("monday", "sunday")] == \
        [column(fields, html, "Mon")[4:], column(fields, html, "Sun")[4:]]
    assert (fields["offer_kind"], fields["offer_unit"]) == ("space", "hours_per_week")
    values = dict(re.findall(r'<label for="(cat-\d+)">([^<]*)</label>', html))
    chosen = {values[k]: fields[k] for k in values}
    assert chosen == {"Village hall": "community_centre", "Chapel": "faith_building"}

    before = count(db, "true")
    html = post(client, page, fields, "check").get_data(as_text=True)
    assert "read 4, would insert 3, would update 0, rejected 1" in html
    assert "category: choose a category" in html                    # row 4: no category and no default
    assert re.search(r'id="outside" class="outside">1 row lies\s+outside every neighbourhood \(row\s+3\)', html)
    assert "opening hours left out of row 3" in html and "monday &#39;sometimes&#39;" in html
    assert "Mo-Fr 09:00-17:00; Sa 10:00-13:00" in html and "24/7" in html   # the preview's schedules
    assert 'class="preview-map"' in html
    assert re.search(r'<script nonce="[^"]+">', html) and "L.circleMarker" in html
    assert count(db, "true") == before
    assert client.get(page).status_code == 200                      # the upload is still there to import


def test_an_import_keeps_its_mapping_and_the_next_upload_starts_from_it(app, db, tmp_path):
    client = signed_in(app)
    page = upload(client, "halls.csv", halls_csv(db))
    html = client.get(page).get_data(as_text=True)
    fields = form_of(html)
    fields[column(fields, html, "Notes")] = ""                      # adjust a guess: notes are not imported
    values = {v: k for k, v in re.findall(r'<label for="(cat-\d+)">([^<]*)</label>', html)}
    fields[values["Chapel"]] = "community_centre"                   # and a category value
    fields["default_category"] = "other"
    fields["source"] = "halls register"
    response = post(client, page, fields, "import")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "read 4, inserted 4, updated 0, rejected 0" in html
    assert re.search(r'id="outside" class="outside">1 asset of\s+“halls register” lies outside', html)
    rows = db.execute("""
        SELECT a.name, a.category, a.description, a.source, o.kind, o.quantity, o.unit, o.schedule
          FROM assets a LEFT JOIN capacity_offers o ON o.asset_id = a.id
         WHERE a.name LIKE 'Upload %%' ORDER BY a.name""").fetchall()
    assert [(r["name"], r["category"], r["description"], r["schedule"]) for r in rows] == [
        ("Upload Chapel", "community_centre", "", "24/7"),
        ("Upload Far Hall", "community_centre", "", None),
        ("Upload Mill Hall", "community_centre", "", "Mo-Fr 09:00-17:00; Sa 10:00-13:00"),
        ("Upload No Category", "other", "", None)]
    assert {r["source"] for r in rows} == {"halls register"}
    assert {(r["kind"], r["unit"]) for r in rows if r["kind"]} == {("space", "hours_per_week")}
    assert client.get(page).status_code == 404                      # the file is gone once imported

    link = re.search(r'href="(/planner/data/import/mappings/\d+\.json)"', html).group(1)
    saved = client.get(link)
    assert saved.mimetype == "application/json" and "attachment" in saved.headers["Content-Disposition"]
    mapping = saved.get_json()
    assert "Notes" not in mapping["columns"]   # a column the importer would not read by itself needs no null
    assert mapping["columns"]["Site Name"] == "name" and mapping["categories"]["Chapel"] == "community_centre"
    assert mapping["opening_hours"]["days"]["monday"] == "Mon" and mapping["defaults"]["category"] == "other"
    assert app.test_client().get(link).status_code == 302           # not for anonymous visitors
    audit = db.execute("SELECT actor, action FROM audit_log WHERE entity = 'import_mappings'").fetchall()
    assert audit == [{"actor": "user:pat@example.org", "action": "create"}]

    # The downloaded file is the command line's mapping: the same file through it updates the same assets.
    path = tmp_path / "halls.csv"
    path.write_bytes(halls_csv(db))
    again = import_assets(db, path, source="halls register", mapping=mapping)
    assert (again.inserted, again.updated) == (0, 4)

    # Next year's file, under another name, with the same columns: the saved choices, not the guesses.
    page = upload(client, "halls 2026.csv", halls_csv(db))
    html = client.get(page).get_data(as_text=True)
    fields = form_of(html)
    assert 'id="saved"' in html and "halls register" in html and "Pat" in html
    assert fields["source"] == "halls register"
    assert fields[column(fields, html, "Notes")] == ""
    values = {v: k for k, v in re.findall(r'<label for="(cat-\d+)">([^<]*)</label>', html)}
    assert fields[values["Chapel"]] == "community_centre" and fields["default_category"] == "other"


def test_mistakes_are_said_beside_their_fields_and_nothing_is_written(app, db):
    client = signed_in(app)
    page = upload(client, "halls.csv", halls_csv(db))
    html = client.get(page).get_data(as_text=True)
    fields = form_of(html)
    before = count(db, "true")
    notes = column(fields, html, "Notes")
    bad = {**fields, notes: "name", "offer_kind": "", "source": " ", "day-tuesday": "99", "default_category": "casino"}
    response = post(client, page, bad, "import")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="error-message" id="{notes}-error">Column “Site Name” already feeds Name' in html
    assert "Say what the opening hours are the hours of" in html
    assert "Give the data set a name" in html and "Choose one of the file&#39;s columns" in html
    assert "Choose one from the list." in html
    assert form_of(html)[notes] == "name"                            # the planner's choices are kept
    # Two sources for the opening hours are refused too.
    clash = {**fields, column(fields, html, "Hours a week"): "capacity.0.schedule"}
    html = post(client, page, clash, "check").get_data(as_text=True)
    assert "Opening hours come from the day columns and from a column" in html
    assert count(db, "true") == before


def test_the_category_values_follow_the_category_column(app, db):
    client = signed_in(app)
    page = upload(client, "halls.csv", halls_csv(db))
    html = client.get(page).get_data(as_text=True)
    fields = form_of(html)
    fields[column(fields, html, "Type")] = ""
    fields[column(fields, html, "Notes")] = "category"            # "Big room", "Side room" … now the categories
    fields["cat-0"] = "library"                                    # meant for "Village hall": must not carry over
    html = post(client, page, fields, "check").get_data(as_text=True)
    assert "Values of “Notes” and our categories" in html
    values = {v: k for k, v in re.findall(r'<label for="(cat-\d+)">([^<]*)</label>', html)}
    assert set(values) == {"Big room", "Side room", "Far away", "Nothing"}
    assert all(form_of(html)[k] == "" for k in values.values())    # nothing guessed for these, nothing carried


def test_the_mapping_and_the_template_download(app, db, tmp_path):
    client = signed_in(app)
    page = upload(client, "halls.csv", halls_csv(db))
    fields = form_of(client.get(page).get_data(as_text=True))
    response = post(client, page, {**fields, "source": "My halls"}, "mapping")
    assert response.mimetype == "application/json"
    assert 'filename="My_halls.mapping.json"' in response.headers["Content-Disposition"]
    mapping = response.get_json()
    assert list(mapping) == ["columns", "categories", "defaults", "opening_hours"]
    path = tmp_path / "halls.csv"
    path.write_bytes(halls_csv(db))
    assert import_assets(db, path, mapping=mapping, dry_run=True).inserted == 3   # as the page's check said

    template = client.get("/planner/data/import/template.csv")
    assert template.mimetype == "text/csv"
    header = template.get_data(as_text=True).splitlines()[0].split(",")
    assert header[:3] == ["source_ref", "name", "category"] and "capacity.0.schedule" in header


def test_an_upload_is_its_planners_and_its_id_is_checked(app, db):
    users.add_user(db, "ada@example.org", PASSWORD, "admin")
    page = upload(signed_in(app), "halls.csv", halls_csv(db))
    assert signed_in(app, "ada@example.org").get(page).status_code == 404      # another planner's upload
    assert signed_in(app, "fay@example.org").get(page).status_code == 403      # facilitators do not import
    client = signed_in(app)
    for bad in ("short", "..%2F..%2Fetc", "a" * 65, "x" * 20):
        assert client.get(f"/planner/data/import/{bad}/match").status_code == 404
    forged = form_of(client.get(page).get_data(as_text=True)) | {"csrf_token": "forged"}
    assert post(client, page, forged, "import").status_code == 400             # CSRF on the form
    assert count(db) == 0


def test_user_text_is_escaped_and_an_unreadable_file_said_in_words(app, db):
    client = signed_in(app)
    page = upload(client, "x.csv", f"name,{XSS}\nUpload Hall,{XSS}\n".encode())
    html = client.get(page).get_data(as_text=True)
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    page = upload(client, "latin1.csv", "name\nCaf\xe9\n".encode("latin-1"))
    response = client.get(page)
    assert response.status_code == 400 and "not UTF-8 text" in response.get_data(as_text=True)
