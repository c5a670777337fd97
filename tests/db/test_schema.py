"""The schema's own guarantees, checked against a real PostGIS: constraints, derived columns, privacy views."""

import psycopg
import pytest

SQUARE_A = "MULTIPOLYGON(((-1.20 52.60, -1.10 52.60, -1.10 52.65, -1.20 52.65, -1.20 52.60)))"
SQUARE_B = "MULTIPOLYGON(((-1.10 52.60, -1.00 52.60, -1.00 52.65, -1.10 52.65, -1.10 52.60)))"


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES ('A', 'Alpha', %s), ('B', 'Beta', %s)",
                  (SQUARE_A, SQUARE_B))
        yield c


def add_asset(conn, lon, lat, **extra) -> int:
    cols = {"name": "Hall", "category": "community_centre", "status": "published", **extra}
    names = ", ".join(cols)
    marks = ", ".join(["%s"] * len(cols))
    return conn.execute(
        f"INSERT INTO assets ({names}, geom) VALUES ({marks}, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
        (*cols.values(), lon, lat)).fetchone()[0]


def neighbourhood_of(conn, asset_id) -> str | None:
    return conn.execute("SELECT n.code FROM assets a LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
                        "WHERE a.id = %s", (asset_id,)).fetchone()[0]


def test_neighbourhood_is_derived_by_the_database(conn):
    a = add_asset(conn, -1.15, 52.62)
    b = add_asset(conn, -1.05, 52.62)
    outside = add_asset(conn, -2.0, 52.62)
    assert (neighbourhood_of(conn, a), neighbourhood_of(conn, b), neighbourhood_of(conn, outside)) == ("A", "B", None)

    # A client cannot set it to something else…
    conn.execute("UPDATE assets SET neighbourhood_id = (SELECT id FROM neighbourhoods WHERE code = 'B') "
                 "WHERE id = %s", (a,))
    assert neighbourhood_of(conn, a) == "A"
    # …moving the point moves it…
    conn.execute("UPDATE assets SET geom = ST_SetSRID(ST_MakePoint(-1.05, 52.61), 4326) WHERE id = %s", (a,))
    assert neighbourhood_of(conn, a) == "B"


def test_boundary_changes_rederive_assets(conn):
    a = add_asset(conn, -1.15, 52.62)
    # Beta grows over Alpha's eastern half, and Alpha shrinks to its western half.
    conn.execute("UPDATE neighbourhoods SET geom = ST_Multi(ST_MakeEnvelope(-1.20, 52.60, -1.16, 52.65, 4326)) "
                 "WHERE code = 'A'")
    conn.execute("UPDATE neighbourhoods SET geom = ST_Multi(ST_MakeEnvelope(-1.16, 52.60, -1.00, 52.65, 4326)) "
                 "WHERE code = 'B'")
    assert neighbourhood_of(conn, a) == "B"
    conn.execute("DELETE FROM neighbourhoods WHERE code = 'B'")
    assert neighbourhood_of(conn, a) is None
    conn.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES ('C', 'Gamma', %s)", (SQUARE_A,))
    assert neighbourhood_of(conn, a) == "C"


def test_version_and_updated_at_move_on_every_update(conn):
    a = add_asset(conn, -1.15, 52.62)
    v1, t1 = conn.execute("SELECT version, updated_at FROM assets WHERE id = %s", (a,)).fetchone()
    conn.execute("UPDATE assets SET name = 'Church hall', version = 99 WHERE id = %s", (a,))
    v2, t2 = conn.execute("SELECT version, updated_at FROM assets WHERE id = %s", (a,)).fetchone()
    assert (v1, v2) == (1, 2)
    assert t2 > t1


@pytest.mark.parametrize("sql, error", [
    ("INSERT INTO neighbourhoods (code, name, geom) VALUES ('X', 'Bowtie', "
     "'SRID=4326;MULTIPOLYGON(((0 0, 1 1, 1 0, 0 1, 0 0)))')", psycopg.errors.CheckViolation),
    ("INSERT INTO neighbourhoods (code, name, geom) VALUES ('X', 'Polygon', "
     "'SRID=4326;POLYGON((0 0, 1 0, 1 1, 0 0))')", psycopg.errors.InvalidParameterValue),
    ("INSERT INTO neighbourhoods (code, name, geom) VALUES ('X', 'Metres', "
     "'SRID=27700;MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))')", psycopg.errors.InvalidParameterValue),
    ("INSERT INTO assets (name, category, status, geom) VALUES ('x', 'library', 'live', "
     "'SRID=4326;POINT(-1.1 52.6)')", psycopg.errors.CheckViolation),
    ("INSERT INTO assets (name, category, geom) VALUES ('x', 'casino', 'SRID=4326;POINT(-1.1 52.6)')",
     psycopg.errors.ForeignKeyViolation),
    ("INSERT INTO assets (name, category, geom) VALUES ('', 'library', 'SRID=4326;POINT(-1.1 52.6)')",
     psycopg.errors.CheckViolation),
    ("INSERT INTO assets (name, category, is_private_home, geom) VALUES ('x', 'library', true, "
     "'SRID=4326;POINT(-1.1 52.6)')", psycopg.errors.CheckViolation),
    ("INSERT INTO services (agency, name, theme, client_groups) VALUES ('NHS', 'x', 'health', "
     "'{older_people,dragons}')", psycopg.errors.ForeignKeyViolation),
    ("INSERT INTO users (email, role) VALUES ('a@example.org', 'resident')", psycopg.errors.CheckViolation),
])
def test_bad_rows_are_refused(conn, sql, error):
    with pytest.raises(error):
        conn.execute(sql)


def test_every_geometry_column_has_a_gist_index(conn):
    missing = conn.execute("""
        SELECT c.f_table_name || '.' || c.f_geometry_column
          FROM geometry_columns c
         WHERE c.f_table_schema = 'public'
           AND c.f_table_name NOT IN (SELECT viewname FROM pg_views WHERE schemaname = 'public')
           AND NOT EXISTS (
               SELECT 1 FROM pg_indexes i
                WHERE i.tablename = c.f_table_name AND i.indexdef ILIKE '%USING gist (' || c.f_geometry_column || ')%')
    """).fetchall()
    assert missing == []


def test_public_view_hides_pending_contacts_and_home_locations(conn):
    add_asset(conn, -1.15, 52.62, name="Pending hall", status="pending")
    home = add_asset(conn, -1.1512345, 52.6212345, name="Knitting at Jo's", is_private_home=True,
                     location_precision="generalised", address="12 Mill Lane", postcode="AV1 2AB",
                     contact_email="jo@example.org")
    rows = conn.execute("SELECT p.name, p.address, p.postcode, ST_Distance(p.geom::geography, a.geom::geography) "
                        "FROM public_assets p JOIN assets a USING (id)").fetchall()
    assert [r[0] for r in rows] == ["Knitting at Jo's"]
    name, address, postcode, moved_m = rows[0]
    assert (address, postcode) == ("", None)
    assert 0 < moved_m < 180
    columns = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'public_assets'").fetchall()]
    assert not any("contact" in c or "token" in c for c in columns)
    # Two homes in the same 250 m cell share one public point.
    other = add_asset(conn, -1.1513, 52.6213, name="Second home", is_private_home=True,
                      location_precision="generalised")
    pts = conn.execute("SELECT DISTINCT ST_AsText(geom) FROM public_assets WHERE id IN (%s, %s)",
                       (home, other)).fetchall()
    assert len(pts) == 1
