"""A private home's neighbourhood is the one its public (generalised) point falls in, never its exact point's
(issue 13, migration 0027): whichever way it is written (the form's model path, an import, becoming a home, a
boundary moving, rows placed before 0027), and whatever the public API and pages show for it."""

from __future__ import annotations

import psycopg
import pytest

from assetmap.db import migrate
from assetmap.ingest.asset_files import import_assets
from assetmap.model import assets as public_assets
from assetmap.model import contributions
from assetmap.model.submission import validate_submission, vocabularies
from tests.helpers import running_app


@pytest.fixture
def conn(fresh_db_url):
    """Alder (a) and Beech (b), split by a meridian between a home's exact point (in Alder, 120 m west of its
    250 m cell's centre) and that centre, its public point (in Beech)."""
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute("""
            CREATE TEMP TABLE spot AS
            SELECT ST_X(p) AS lon, ST_Y(p) AS lat, ST_X(g) AS glon, ST_Y(g) AS glat
              FROM (SELECT ST_Transform(ST_Translate(ST_Transform(g, 27700), -120, 0), 4326) AS p, g
                      FROM generalised_point(ST_SetSRID(ST_MakePoint(-0.9, 52.6), 4326)) AS g) s""")
        lon, lat, glon, glat = c.execute("SELECT * FROM spot").fetchone()
        assert lon < glon and c.execute("SELECT ST_Equals(generalised_point(ST_SetSRID(ST_MakePoint(%s, %s), 4326)), "
                                        "ST_SetSRID(ST_MakePoint(%s, %s), 4326))", (lon, lat, glon, glat)).fetchone()[0]
        mid = (lon + glon) / 2
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('a', 'Alder Ward', ST_Multi(ST_MakeEnvelope(%(mid)s - 0.05, 52.5, %(mid)s, 52.7, 4326))), "
                  "('b', 'Beech Ward', ST_Multi(ST_MakeEnvelope(%(mid)s, 52.5, %(mid)s + 0.05, 52.7, 4326)))",
                  {"mid": mid})
        c.lon, c.lat = lon, lat
        yield c


def code(conn, where: str, *params) -> str | None:
    return conn.execute(f"SELECT n.code FROM assets a LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
                        f"WHERE {where}", params).fetchone()[0]


def submission(conn, *, home: bool):
    return validate_submission({"name": "Knit and Natter", "category": "other", "private_home": home,
                                "lon": conn.lon, "lat": conn.lat}, vocabularies=vocabularies(conn))


def test_a_home_from_the_form_is_published_in_its_public_points_neighbourhood(conn, fresh_db_url):
    home = contributions.create_asset(conn, submission(conn, home=True), status="published")
    place = contributions.create_asset(conn, submission(conn, home=False), status="published")
    assert code(conn, "a.id = %s", home.id) == "b"
    assert code(conn, "a.id = %s", place.id) == "a"        # not a home: its exact point, as before
    assert public_assets.get_public_asset(conn, home.public_id).neighbourhood_code == "b"

    with running_app(fresh_db_url, min_count=1) as app:
        client = app.test_client()
        features = client.get("/api/v1/assets").get_json()["features"]
        by_id = {f["id"]: f["properties"]["neighbourhood"] for f in features}
        assert by_id == {str(home.public_id): "b", str(place.public_id): "a"}
        counts = {f["properties"]["code"]: f["properties"]["published_assets"]
                  for f in client.get("/api/v1/neighbourhoods").get_json()["features"]}
        assert counts == {"a": 1, "b": 1}
        page = client.get(f"/assets/{home.public_id}").get_data(as_text=True)
        assert "Beech Ward" in page and "Alder Ward" not in page


def test_an_imported_home_is_placed_by_its_public_point(conn, tmp_path):
    path = tmp_path / "homes.csv"
    path.write_text("source_ref,name,category,private_home,lon,lat\n"
                    f"h1,Front room,other,yes,{conn.lon},{conn.lat}\n"
                    f"p1,Hall,other,no,{conn.lon},{conn.lat}\n")   # the same point, not a home
    report = import_assets(conn, path, source="homes")
    assert report.inserted == 2 and report.outside == 0
    assert code(conn, "a.source_ref = 'h1'") == "b"
    assert code(conn, "a.source_ref = 'p1'") == "a"
    # The trigger's rule, asked directly, agrees with the import's.
    assert conn.execute("SELECT count(*) FROM assets "
                        "WHERE neighbourhood_id IS DISTINCT FROM neighbourhood_at(public_geom)").fetchone()[0] == 0


def test_becoming_a_home_and_boundaries_moving_follow_the_public_point(conn):
    place = contributions.create_asset(conn, submission(conn, home=False), status="published")
    assert code(conn, "a.id = %s", place.id) == "a"
    conn.execute("UPDATE assets SET is_private_home = true, location_precision = 'generalised' WHERE id = %s",
                 (place.id,))
    assert code(conn, "a.id = %s", place.id) == "b"
    # Beech shrinks east of the public point: the home is in no neighbourhood, whatever its exact point says.
    conn.execute("UPDATE neighbourhoods SET geom = ST_Multi(ST_Translate(geom, 0.02, 0)) WHERE code = 'b'")
    assert code(conn, "a.id = %s", place.id) is None
    conn.execute("UPDATE neighbourhoods SET geom = ST_Multi(ST_Translate(geom, -0.02, 0)) WHERE code = 'b'")
    assert code(conn, "a.id = %s", place.id) == "b"
    conn.execute("UPDATE assets SET is_private_home = false, location_precision = 'exact' WHERE id = %s",
                 (place.id,))
    assert code(conn, "a.id = %s", place.id) == "a"


def test_the_migration_moves_homes_placed_by_their_exact_point(conn):
    home = contributions.create_asset(conn, submission(conn, home=True), status="published")
    place = contributions.create_asset(conn, submission(conn, home=False), status="published")
    alder = conn.execute("SELECT id FROM neighbourhoods WHERE code = 'a'").fetchone()[0]
    with conn.transaction():   # as rows were placed before 0027: by the exact point, the trigger stepping aside
        conn.execute("SELECT set_config('assetmap.neighbourhoods_given', 'on', true)")
        conn.execute("UPDATE assets SET neighbourhood_id = %s", (alder,))
    before = conn.execute("SELECT id, version, updated_at FROM assets ORDER BY id").fetchall()
    (sql,) = [m.sql for m in migrate.available() if m.version == 27]
    conn.execute(sql)
    assert code(conn, "a.id = %s", home.id) == "b"
    assert code(conn, "a.id = %s", place.id) == "a"
    assert conn.execute("SELECT id, version, updated_at FROM assets ORDER BY id").fetchall() == before


def test_the_import_preview_names_the_neighbourhood_the_import_will_store(conn, tmp_path):
    from assetmap.ingest.preview import preview_assets
    path = tmp_path / "homes.csv"
    path.write_text("source_ref,name,category,private_home,lon,lat\n"
                    f"h1,Front room,other,yes,{conn.lon},{conn.lat}\n"
                    f"p1,Hall,other,no,{conn.lon},{conn.lat}\n")
    shown = {row.name: row.neighbourhood for row in preview_assets(conn, path, source="homes").rows}
    assert shown == {"Front room": "Beech Ward", "Hall": "Alder Ward"}
