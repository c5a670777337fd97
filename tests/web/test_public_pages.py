"""The public pages (/, /assets, /assets/<id>) rendered by Flask's test client against the demo town."""

import re
import uuid

import psycopg
import pytest

from assetmap import schedules, vocab
from assetmap.model import listing
from assetmap.web.public import PAGE_SIZE
from tests.helpers import running_app

UNITS = {t.code: t for t in vocab.read_terms("units")}

XSS = "<img src=x onerror=alert(1)>"
ASSET_LINK = re.compile(r'href="/assets/([0-9a-f-]{36})"')


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def published(conn, where="true", params=()):
    return conn.execute(
        f"SELECT count(*) FROM public_assets a LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
        f"WHERE {where}", params).fetchone()[0]


# -- / ----------------------------------------------------------------------------------------------------------

def test_map_page_has_a_category_filter_that_is_the_legend(client, demo_conn):
    html = page(client, "/")
    categories = demo_conn.execute("SELECT count(*) FROM categories").fetchone()[0]
    groups = demo_conn.execute("""
        SELECT g.label, g.colour, g.shape, array_agg(c.code ORDER BY c.sort_order)
          FROM category_groups g JOIN categories c ON c.group_code = g.code
         GROUP BY g.code ORDER BY g.sort_order""").fetchall()
    # One fieldset per group: its legend shows the group's shape in its colour, its boxes the group's categories.
    fieldsets = re.findall(r'<fieldset class="category-group">(.*?)</fieldset>', html, flags=re.S)
    assert len(fieldsets) == len(groups)
    for (label, colour, shape, codes), fieldset in zip(groups, fieldsets, strict=True):
        legend = re.search(r"<legend>(.*?)</legend>", fieldset, flags=re.S).group(1)
        assert f'href="#shape-{shape}"' in legend and f'fill="{colour}"' in legend and legend.endswith(f" {label}")
        assert re.findall(r'value="([a-z_]+)" checked', fieldset) == codes
        assert fieldset.count(f'data-colour="{colour}" data-shape="{shape}"') == len(codes)
    assert html.count('type="checkbox" name="category"') == categories
    assert 'href="/assets"' in html                     # the list view
    assert '<main id="main"' in html and 'href="#main"' in html


def test_map_page_hands_our_script_names_not_data(client, demo_conn):
    html = page(client, "/")
    map_name = re.search(r'data-map="(map_[0-9a-f]+)"', html).group(1)
    cluster_name = re.search(r'data-cluster="(marker_cluster_[0-9a-f]+)"', html).group(1)
    assert f"var {map_name} = L.map(" in html
    assert f"var {cluster_name} = L.markerClusterGroup(" in html
    assert 'data-assets-url="/api/v1/assets"' in html and 'data-neighbourhoods-url="/api/v1/neighbourhoods"' in html
    # Asset data are fetched, not embedded: no asset links, no coordinates beyond the map's own view.
    assert not ASSET_LINK.search(html)
    assert len(html) < 30_000
    assert "L.marker(" not in html


def test_map_page_fits_the_neighbourhoods(client, demo_conn):
    minx, miny, maxx, maxy = demo_conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM neighbourhoods) x"
    ).fetchone()
    html = page(client, "/")
    assert re.search(re.escape("fitBounds(") + r"\s*" + re.escape(f"[[{miny}, {minx}], [{maxy}, {maxx}]]"), html)


def test_map_page_of_an_empty_database_shows_england(fresh_db_url):
    with running_app(fresh_db_url) as app:
        html = page(app.test_client(), "/")
    assert "center: [52.8, -1.6]" in html and "fitBounds" not in html


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_static_files_are_served_and_cannot_be_climbed_out_of(client):
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/static/..%2fpyproject.toml").status_code == 404


# -- /assets ----------------------------------------------------------------------------------------------------

NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
PREV = re.compile(r'<a href="([^"]+)" rel="prev">')


def test_list_shows_every_published_asset_fifty_a_page(client, demo_conn):
    total = published(demo_conn)
    assert total > PAGE_SIZE, "the demo town should need more than one page"
    seen, pages, url = [], [], "/assets"
    while url:
        html = page(client, url)
        assert f"{total} places" in html
        ids = ASSET_LINK.findall(html)
        assert len(ids) == PAGE_SIZE or not NEXT.search(html)
        assert ('rel="prev"' in html) == bool(pages)
        seen += ids
        pages.append(ids)
        url = NEXT.search(html).group(1).replace("&amp;", "&") if NEXT.search(html) else None
        assert url is None or ("after=" in url and "page=" not in url)   # keyset, not OFFSET
    assert len(seen) == len(set(seen)) == total
    assert len(pages) == -(-total // PAGE_SIZE)
    hidden = {str(r[0]) for r in demo_conn.execute("SELECT public_id FROM assets WHERE status <> 'published'")}
    assert not hidden & set(seen)

    # Back again from the last page, by the previous links, page by page.
    back = html
    for expected in reversed(pages[:-1]):
        back = page(client, PREV.search(back).group(1).replace("&amp;", "&"))
        assert ASSET_LINK.findall(back) == expected
    assert 'rel="prev"' not in back


def test_list_is_grouped_by_neighbourhood_in_name_order(client, demo_conn):
    html = page(client, "/assets")
    headings = re.findall(r'<h3 id="hood-\d+">([^<]+)</h3>', html)
    names = [r[0] for r in demo_conn.execute("SELECT name FROM neighbourhoods ORDER BY name")]
    assert headings and headings == sorted(headings) and set(headings) <= set(names)
    assert "<h1>List of places</h1>" in html and '<label for="neighbourhood">Neighbourhood</label>' in html


def test_list_filters_by_category_and_neighbourhood(client, demo_conn):
    code, name = demo_conn.execute(
        "SELECT n.code, n.name FROM public_assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
        "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1").fetchone()
    category, label = demo_conn.execute(
        "SELECT c.code, c.label FROM public_assets a JOIN categories c ON c.code = a.category "
        "JOIN neighbourhoods n ON n.id = a.neighbourhood_id WHERE n.code = %s "
        "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1", (code,)).fetchone()
    other = demo_conn.execute("SELECT code FROM categories WHERE code <> %s ORDER BY sort_order LIMIT 1",
                              (category,)).fetchone()[0]

    html = page(client, f"/assets?neighbourhood={code}&category={category}")
    expected = published(demo_conn, "n.code = %s AND a.category = %s", (code, category))
    assert len(ASSET_LINK.findall(html)) == min(expected, PAGE_SIZE)
    assert re.findall(r'<h3 id="hood-\d+">([^<]+)</h3>', html) == [name]
    assert set(re.findall(r'<span class="meta">([^<·]+?)\s*(?:·|</span>)', html)) == {escape(label)}
    assert f'value="{code}" selected' in html and f'value="{category}" checked' in html

    two = page(client, f"/assets?category={category}&category={other}")
    assert f"{published(demo_conn, 'a.category = ANY(%s)', ([category, other],))} places" in two


@pytest.mark.parametrize("query", ["category=no_such_thing", "neighbourhood=XX999", "after=abc", "before=W10=",
                                   "after=WyJ4Il0&before=WyJ4Il0"])
def test_list_refuses_bad_filters_with_a_400_page(client, query):
    html = page(client, f"/assets?{query}", status=400)
    assert "Error 400" in html and "Back to the map" in html


def test_a_page_past_the_end_says_so(client, demo_conn):
    last = demo_conn.execute("SELECT neighbourhood_name, name, id FROM public_assets "
                             "ORDER BY neighbourhood_name IS NULL DESC, neighbourhood_name DESC, name DESC, id DESC "
                             "LIMIT 1").fetchone()
    token = listing.cursor_of((last[0] is None, last[0] or "", last[1], last[2]))
    html = page(client, f"/assets?after={token}")
    assert "There are no more places this way" in html and 'rel="next"' not in html


# -- /assets/<id> -----------------------------------------------------------------------------------------------

def test_asset_page_shows_its_details_and_offers(client, demo_conn):
    public_id, asset_id = demo_conn.execute("""
        SELECT a.public_id, a.id FROM public_assets a JOIN public_capacity_offers o ON o.asset_id = a.id
         WHERE o.quantity IS NOT NULL AND o.schedule IS NOT NULL AND a.address <> ''
         GROUP BY 1, 2 ORDER BY count(*) DESC, 2 LIMIT 1""").fetchone()
    name, address, label = demo_conn.execute(
        "SELECT a.name, a.address, c.label FROM public_assets a JOIN categories c ON c.code = a.category "
        "WHERE a.id = %s", (asset_id,)).fetchone()
    offers = demo_conn.execute("""
        SELECT k.label, o.quantity::float8, o.unit, o.schedule, o.schedule_text FROM public_capacity_offers o
          JOIN capacity_kinds k ON k.code = o.kind WHERE o.asset_id = %s""", (asset_id,)).fetchall()
    html = page(client, f"/assets/{public_id}")
    assert f"<h1>{escape(name)}</h1>" in html
    assert escape(label) in html and escape(address) in html
    assert '<h2 id="offers-heading">Spare capacity</h2>' in html
    for kind_label, quantity, unit, schedule, words in offers:
        heading = escape(kind_label) + (f": {vocab.quantity_in_words(quantity, unit, UNITS)}" if quantity else "")
        assert f"<h3>{heading}</h3>" in html
        if schedule:   # the words for people, the opening_hours text for machines
            assert words == schedules.in_words(schedule)
            assert f'<data class="schedule" value="{escape(schedule)}">{escape(words)}</data>' in html
    assert re.search(r'href="/\?asset=[0-9a-f-]{36}#17/-?\d+\.\d{5}/-?\d+\.\d{5}">Show on the map</a>', html)


def test_a_private_home_shows_no_address(client, demo_conn):
    public_id, address, postcode = demo_conn.execute(
        "SELECT public_id, address, postcode FROM assets WHERE is_private_home AND status = 'published' "
        "ORDER BY address = '', id LIMIT 1").fetchone()
    html = page(client, f"/assets/{public_id}")
    assert "<dt>Address</dt>" not in html
    assert not address or escape(address) not in html
    assert not postcode or postcode not in html
    assert "Shown near, not at, its real place" in html


def test_unknown_or_unpublished_assets_are_404(client, demo_conn):
    pending = demo_conn.execute("SELECT public_id FROM assets WHERE status <> 'published' LIMIT 1").fetchone()[0]
    for public_id in (uuid.uuid4(), pending):
        html = page(client, f"/assets/{public_id}", status=404)
        assert "Page not found" in html and "Error 404" in html
    assert client.get("/assets/not-a-uuid").status_code == 404


@pytest.mark.parametrize("quantity, unit, words", [
    (10, "hours_per_week", "10 hours a week"), (1, "hours_per_week", "1 hour a week"),
    (60, "places", "60 places"), (1, "places", "1 place"), (2.5, "items", "2.5 items"), (None, None, ""),
])
def test_quantities_in_words(quantity, unit, words):
    assert vocab.quantity_in_words(quantity, unit, UNITS) == words


# -- user text stays text ---------------------------------------------------------------------------------------

def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


@pytest.fixture
def xss_app(fresh_db_url):
    """An app on a database of its own holding one asset whose texts are HTML."""
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        public_id = conn.execute("""
            INSERT INTO assets (name, category, description, audience, address, geom, status)
            VALUES (%s, 'other', %s, %s, %s, ST_SetSRID(ST_MakePoint(-1.1, 52.6), 4326), 'published')
            RETURNING public_id""",
            (XSS, "<script>alert(2)</script>", '"><b>bold</b>', "<i>1 High St</i>")).fetchone()[0]
        conn.execute("""
            INSERT INTO capacity_offers (asset_id, kind, description, schedule, audience)
            SELECT id, 'space', '<a href=javascript:alert(3)>x</a>', 'Mo-Fr <u>09:00</u>', '<svg onload=alert(4)>'
              FROM assets WHERE public_id = %s""", (public_id,))
    with running_app(fresh_db_url) as app:
        yield app, public_id


def test_user_text_is_escaped_in_the_list_and_asset_pages(xss_app):
    app, public_id = xss_app
    client = app.test_client()
    listing = page(client, "/assets")
    assert escape(XSS) in listing and XSS not in listing
    html = page(client, f"/assets/{public_id}")
    for raw in (XSS, "<script>alert(2)</script>", "<b>bold</b>", "<i>1 High St</i>",
                "<a href=javascript:alert(3)>", "<u>09:00</u>", "<svg onload=alert(4)>"):
        assert raw not in html, raw
        assert escape(raw) in html, raw
