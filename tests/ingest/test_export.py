"""Exports: every layer in every format from the demo town, privacy of public exports, HSDS, CLI and downloads."""

import csv
import io
import json
import subprocess
import zipfile

import psycopg
import pyogrio
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main
from assetmap.hsds.write import HSDS_TABLES, weekly_times
from assetmap.ingest import export as ex
from tests.helpers import add_staff, cheap_hashes, running_app, sign_in

COUNTS = {  # the rows of each main layer, public and internal
    "assets": ("SELECT count(*) FROM public_assets", "SELECT count(*) FROM assets"),
    "capacity": ("SELECT count(*) FROM public_capacity_offers", "SELECT count(*) FROM capacity_offers"),
    "services": ("SELECT count(*) FROM services",) * 2,
    "neighbourhoods": ("SELECT count(*) FROM neighbourhoods",) * 2,
}
GPKG_LAYERS = {"assets": ["assets", "capacity"], "capacity": ["capacity"], "services": ["services", "sites"],
               "neighbourhoods": ["neighbourhoods"]}
HSDS_FILES = {"organizations.csv", "services.csv", "locations.csv", "service_at_locations.csv", "schedules.csv",
              "service_areas.csv", "taxonomies.csv", "taxonomy_terms.csv", "attributes.csv", "units.csv",
              "service_capacity.csv", "datapackage.json"}
# Tables whose fields are HSDS 3.1's (tests/ingest/test_hsds_capacity.py checks them), not the UK profile example's.
HSDS_31_TABLES = {"attribute", "taxonomy_term", "unit", "service_capacity"}


@pytest.fixture(scope="module")
def conn(demo_db_url):
    with psycopg.connect(demo_db_url, autocommit=True) as c:
        yield c


def count(conn, query):
    return conn.execute(query).fetchone()[0]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ogrinfo(path):
    return subprocess.run(["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True).stdout


# -- every layer × format -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
@pytest.mark.parametrize("layer", ex.LAYERS)
def test_geojson(conn, tmp_path, layer, internal):
    path = tmp_path / f"{layer}.geojson"
    n = ex.export(conn, layer, "geojson", path, internal=internal)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert n == len(data["features"]) == count(conn, COUNTS[layer][internal]) > 0
    assert pyogrio.read_info(path)["features"] == n
    if layer == "assets":
        props = data["features"][0]["properties"]
        assert isinstance(props["capacity"], list)
        assert data["features"][0]["id"] == props["id"]


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
@pytest.mark.parametrize("layer", ex.LAYERS)
def test_csv(conn, tmp_path, layer, internal):
    path = tmp_path / f"{layer}.csv"
    n = ex.export(conn, layer, "csv", path, internal=internal)
    rows = read_csv(path)
    assert n == len(rows) == count(conn, COUNTS[layer][internal]) > 0
    expected = [c for c, _ in ex.layers_for(layer, "csv", internal)[0].columns]
    assert list(rows[0])[:len(expected)] == expected
    if layer in ("services", "neighbourhoods"):   # polygons as WKT, which GDAL reads as the geometry
        assert rows[0]["wkt"].startswith("MULTIPOLYGON")
        assert "Feature Count: " + str(n) in ogrinfo(path)


@pytest.mark.parametrize("layer", ex.LAYERS)
def test_geopackage_opens_with_ogrinfo(conn, tmp_path, layer):
    path = tmp_path / f"{layer}.gpkg"
    n = ex.export(conn, layer, "gpkg", path)
    info = ogrinfo(path)
    names = [line.split(": ", 1)[1] for line in info.splitlines() if line.startswith("Layer name: ")]
    assert names == GPKG_LAYERS[layer]
    assert f"Feature Count: {n}" in info
    assert [r[0] for r in pyogrio.list_layers(path)] == GPKG_LAYERS[layer]
    if layer == "assets":
        offers = pyogrio.read_dataframe(path, layer="capacity")
        assert len(offers) == count(conn, COUNTS["capacity"][False])
        assert pyogrio.read_info(path, layer="capacity")["geometry_type"] is None
    if layer == "services":
        assert pyogrio.read_info(path, layer="services")["geometry_type"] == "MultiPolygon"
        assert len(pyogrio.read_dataframe(path, layer="sites")) == count(conn, "SELECT count(*) FROM service_sites")


def test_geopackage_written_in_chunks(conn, tmp_path, monkeypatch):
    monkeypatch.setattr(ex, "CHUNK", 50)
    path = tmp_path / "assets.gpkg"
    n = ex.export(conn, "assets", "gpkg", path, internal=True)
    frame = pyogrio.read_dataframe(path, layer="assets")
    assert len(frame) == n == count(conn, "SELECT count(*) FROM assets")
    assert frame["id"].is_unique


def test_exporting_again_replaces_the_file(conn, tmp_path):
    path = tmp_path / "n.gpkg"
    ex.export(conn, "neighbourhoods", "gpkg", path)
    n = ex.export(conn, "neighbourhoods", "gpkg", path)
    assert pyogrio.read_info(path)["features"] == n


def test_unknown_layer_format_or_hsds_of_neighbourhoods_is_refused(conn, tmp_path):
    for args in (("halls", "csv"), ("assets", "shp"), ("neighbourhoods", "hsds"), ("capacity", "hsds")):
        with pytest.raises(ValueError):
            ex.export(conn, *args, tmp_path / "x")


# -- privacy ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def facts(conn):
    """Pending ids, contact emails, and the exact and generalised points of published private homes."""
    with conn.cursor(row_factory=dict_row) as cur:
        pending = {r["id"] for r in cur.execute(
            "SELECT public_id::text AS id FROM assets WHERE status <> 'published'")}
        emails = {r["e"] for r in cur.execute("SELECT contact_email AS e FROM assets WHERE contact_email <> ''")}
        homes = {r["id"]: r for r in cur.execute("""
            SELECT public_id::text AS id, ST_X(geom) AS x, ST_Y(geom) AS y, ST_X(public_geom) AS gx,
                   ST_Y(public_geom) AS gy, address
              FROM assets WHERE is_private_home AND status = 'published'""")}
    assert pending and emails and homes   # the demo town has all three, or this test proves nothing
    return pending, emails, homes


def _check_public_assets(rows, facts):
    pending, emails, homes = facts
    ids = {r["id"] for r in rows}
    assert not ids & pending
    text = json.dumps(rows)
    assert not any(e in text for e in emails)
    for r in rows:
        if r["id"] in homes:
            h = homes[r["id"]]
            assert (float(r["lon"]), float(r["lat"])) == pytest.approx((h["gx"], h["gy"]), abs=1e-7)
            assert (float(r["lon"]), float(r["lat"])) != pytest.approx((h["x"], h["y"]), abs=1e-7)
            assert not r["address"] and not r["postcode"]
    assert ids & set(homes)


def test_public_csv_has_no_contact_details_pending_entries_or_exact_homes(conn, tmp_path, facts):
    path = tmp_path / "a.csv"
    ex.export(conn, "assets", "csv", path)
    rows = read_csv(path)
    assert "contact_email" not in rows[0] and "status" not in rows[0]
    _check_public_assets(rows, facts)


def test_public_geojson_and_geopackage_too(conn, tmp_path, facts):
    ex.export(conn, "assets", "geojson", tmp_path / "a.geojson")
    features = json.loads((tmp_path / "a.geojson").read_text())["features"]
    for f in features:   # the geometry is the public point too, not only the lon/lat properties
        assert f["geometry"]["coordinates"] == pytest.approx([f["properties"]["lon"], f["properties"]["lat"]])
    _check_public_assets([f["properties"] for f in features], facts)
    ex.export(conn, "assets", "gpkg", tmp_path / "a.gpkg")
    frame = pyogrio.read_dataframe(tmp_path / "a.gpkg", layer="assets")
    rows = json.loads(frame.drop(columns=["geometry", "updated_at"]).to_json(orient="records"))
    _check_public_assets(rows, facts)


def test_public_capacity_is_only_of_published_assets(conn, tmp_path, facts):
    ex.export(conn, "capacity", "csv", tmp_path / "c.csv")
    rows = read_csv(tmp_path / "c.csv")
    assert not {r["asset_id"] for r in rows} & facts[0]
    assert "status" not in rows[0]


def test_internal_export_has_everything(conn, tmp_path, facts):
    pending, emails, homes = facts
    path = tmp_path / "a.csv"
    ex.export(conn, "assets", "csv", path, internal=True)
    rows = {r["id"]: r for r in read_csv(path)}
    assert pending <= set(rows)
    assert emails <= {r["contact_email"] for r in rows.values()}
    for id_, h in homes.items():
        assert (float(rows[id_]["lon"]), float(rows[id_]["lat"])) == (h["x"], h["y"])   # exact, to the bit
        assert rows[id_]["is_private_home"] == "true"
    assert {"status", "version", "source", "source_ref", "contact_phone"} <= set(next(iter(rows.values())))
    ex.export(conn, "capacity", "csv", tmp_path / "c.csv", internal=True)
    assert {"status", "valid_from", "valid_to"} <= set(read_csv(tmp_path / "c.csv")[0])


# -- Open Referral UK / HSDS ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hsds(conn, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hsds") / "package"
    n = ex.export(conn, "assets", "hsds", folder)
    return folder, n


def test_hsds_package_files_and_counts(conn, hsds):
    folder, n = hsds
    assert {p.name for p in folder.iterdir()} == HSDS_FILES
    services = read_csv(folder / "services.csv")
    assert n == len(services) == count(conn, "SELECT (SELECT count(*) FROM services) "
                                             "+ (SELECT count(*) FROM public_assets)")
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        header = next(csv.reader(open(folder / resource["path"], encoding="utf-8")))
        assert header == [f["name"] for f in resource["schema"]["fields"]]


def test_hsds_fields_match_the_open_referral_example_package(hsds, realdata):
    folder, _ = hsds
    example = json.loads((realdata / "openreferral_uk_profile_examples" / "datapackage.json").read_text())
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in example["resources"]}
    for name, (path, _) in HSDS_TABLES.items():
        if name in HSDS_31_TABLES:
            continue
        header = next(csv.reader(open(folder / path, encoding="utf-8")))
        assert header == fields[name], name


def test_hsds_references_hold_and_ids_are_uuids(hsds):
    import uuid
    folder, _ = hsds
    table = {p.stem: read_csv(p) for p in folder.glob("*.csv")}
    ids = {name: {r["id"] for r in rows} for name, rows in table.items()}
    for rows in table.values():
        for r in rows:
            uuid.UUID(r["id"])
    assert {r["organization_id"] for r in table["services"]} <= ids["organizations"]
    assert {r["service_id"] for r in table["service_at_locations"]} <= ids["services"]
    assert {r["location_id"] for r in table["service_at_locations"]} <= ids["locations"]
    assert {r["service_at_location_id"] for r in table["schedules"]} <= ids["service_at_locations"]
    assert {r["service_id"] for r in table["service_areas"]} <= ids["services"]
    for rows in table.values():   # every id once
        assert len(rows) == len({r["id"] for r in rows})
    assert all(json.loads(r["extent"])["type"] == "MultiPolygon" for r in table["service_areas"])


def test_hsds_schedules_keep_the_text_and_fill_simple_weekly_times(hsds):
    folder, _ = hsds
    rows = read_csv(folder / "schedules.csv")
    simple = [r for r in rows if r["description"] == "Mo-Fr 09:00-17:00"]
    assert simple and all((r["byday"], r["opens_at"], r["closes_at"], r["freq"])
                          == ("MO,TU,WE,TH,FR", "09:00", "17:00", "WEEKLY") for r in simple)


def test_hsds_public_package_hides_contact_and_homes(conn, hsds, facts):
    folder, _ = hsds
    pending, emails, homes = facts
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.csv"))
    assert not any(e in text for e in emails)
    assert not {r["id"] for r in read_csv(folder / "services.csv")} & pending
    locations = read_csv(folder / "locations.csv")
    exact = {(h["x"], h["y"]) for h in homes.values()}
    assert not {(float(r["longitude"]), float(r["latitude"])) for r in locations} & exact


def test_hsds_ids_are_stable_between_exports(conn, hsds, tmp_path):
    folder, _ = hsds
    ex.export(conn, "assets", "hsds", tmp_path / "again")
    for name in HSDS_FILES - {"datapackage.json"}:
        assert (tmp_path / "again" / name).read_text() == (folder / name).read_text()


def test_hsds_of_services_has_no_assets(conn, tmp_path):
    n = ex.export(conn, "services", "hsds", tmp_path / "s")
    assert n == count(conn, "SELECT count(*) FROM services")


@pytest.mark.parametrize("text, expected", [
    ("Mo-Fr 09:00-17:00", [("MO,TU,WE,TH,FR", "09:00", "17:00")]),
    ("Tu,Th 09:00-17:00; PH off", [("TU,TH", "09:00", "17:00")]),
    ("Mo 09:00-12:00,13:00-16:00", [("MO", "09:00", "12:00"), ("MO", "13:00", "16:00")]),
    ("Mo-Fr 09:00-17:00; Sa 10:00-12:00", [("MO,TU,WE,TH,FR", "09:00", "17:00"), ("SA", "10:00", "12:00")]),
    ("Fr-Mo 10:00-14:00", [("FR,SA,SU,MO", "10:00", "14:00")]),
    ("24/7", []), ("Mo-Fr 09:00-17:00; Dec 25 off", []), ("sunrise-sunset", []), ("Mo", []),
])
def test_weekly_times(text, expected):
    assert weekly_times(text) == expected


# -- command line -----------------------------------------------------------------------------------------------

def test_command(demo_db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    result = CliRunner().invoke(main, ["export", "neighbourhoods", "-o", str(tmp_path / "n.geojson")])
    assert result.exit_code == 0, result.output
    assert "wrote 30 neighbourhoods" in result.output and "(geojson, public)" in result.output
    result = CliRunner().invoke(main, ["export", "assets", "--format", "hsds", "--internal", "-o", str(tmp_path / "h")])
    assert result.exit_code == 0 and "internal" in result.output
    assert (tmp_path / "h" / "datapackage.json").exists()
    result = CliRunner().invoke(main, ["export", "assets", "-o", str(tmp_path / "a.txt")])
    assert result.exit_code == 2 and "--format" in result.output


# -- planner downloads ------------------------------------------------------------------------------------------

@pytest.fixture
def web(fresh_demo_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as db:
        add_staff(db)
    with running_app(fresh_demo_db_url) as app:
        yield app, fresh_demo_db_url


def test_planner_page_lists_every_download(web):
    app, _ = web
    client = app.test_client()
    sign_in(client)
    response = client.get("/planner/data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for layer in ex.LAYERS:
        for ext in ("geojson", "csv", "gpkg"):
            assert f'href="/planner/data/export/{layer}.{ext}"' in html
            assert f'href="/planner/data/export/{layer}.{ext}?internal=1"' in html
    assert 'href="/planner/data/export/assets.zip"' in html and "neighbourhoods.zip" not in html
    assert "Internal export (contact details and exact home locations)" in html


@pytest.mark.parametrize("url, kind", [("/planner/data/export/assets.geojson", "application/geo+json"),
                                       ("/planner/data/export/capacity.csv", "text/csv"),
                                       ("/planner/data/export/services.gpkg", "application/geopackage+sqlite3"),
                                       ("/planner/data/export/assets.zip", "application/zip")])
def test_downloads(web, tmp_path, url, kind):
    app, _ = web
    client = app.test_client()
    sign_in(client)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == kind
    assert response.headers["Content-Disposition"].startswith("attachment; filename=assetmap-")
    body = response.get_data()
    if kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            assert set(z.namelist()) == HSDS_FILES
    elif kind == "application/geopackage+sqlite3":
        (tmp_path / "s.gpkg").write_bytes(body)
        assert "Layer name: sites" in ogrinfo(tmp_path / "s.gpkg")
    elif kind == "text/csv":
        assert body.startswith(b"asset_id,kind,")
    else:
        assert json.loads(body)["type"] == "FeatureCollection"


def test_internal_download_has_contact_details_and_is_audited(web):
    app, url = web
    client = app.test_client()
    sign_in(client)
    public = client.get("/planner/data/export/assets.csv").get_data(as_text=True)
    internal = client.get("/planner/data/export/assets.csv?internal=1")
    assert "internal" in internal.headers["Content-Disposition"]
    assert "contact_email" in internal.get_data(as_text=True).splitlines()[0]
    assert "contact_email" not in public.splitlines()[0]
    with psycopg.connect(url) as db:
        actor, entity = db.execute("SELECT actor, entity FROM audit_log WHERE action = 'export'").fetchone()
    assert (actor, entity) == ("user:pat@example.org", "assets")


def test_hsds_of_neighbourhoods_is_not_found(web):
    app, _ = web
    client = app.test_client()
    sign_in(client)
    assert client.get("/planner/data/export/neighbourhoods.zip").status_code == 404
    assert client.get("/planner/data/export/halls.csv").status_code == 404


def test_anonymous_users_are_sent_to_sign_in_and_facilitators_refused(web):
    app, _ = web
    client = app.test_client()
    for url in ("/planner/data", "/planner/data/export/assets.csv?internal=1"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    sign_in(client, email="fay@example.org")
    for url in ("/planner/data", "/planner/data/export/assets.csv", "/planner/data/export/assets.csv?internal=1"):
        assert client.get(url).status_code == 403
