"""Schedules in words reach people through the API, the list and the asset page; the opening_hours text stays."""

from __future__ import annotations

import json

import psycopg
import pytest

from assetmap import schedules
from tests.helpers import running_app


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    return json.loads(response.data)


def test_api_offers_carry_the_schedule_in_words_and_the_cost_label(client, demo_conn):
    labels = dict(demo_conn.execute("SELECT code, label FROM costs").fetchall())
    offers = [o for f in get_json(client, "/api/v1/assets")["features"] for o in f["properties"]["capacity"]]
    timed = [o for o in offers if o["schedule"]]
    assert timed and len(timed) < len(offers)          # the demo town has offers with and without times
    for o in offers:
        assert o["schedule_text"] == (schedules.in_words(o["schedule"]) if o["schedule"] else None)
        assert o["cost_label"] == labels[o["cost"]]
    assert {"Mondays to Fridays, 9am to 5pm", "Every day, 9am to 5pm"} & {o["schedule_text"] for o in timed}


def test_one_asset_in_the_api_carries_the_words_too(client, demo_conn):
    public_id, schedule = demo_conn.execute("""
        SELECT a.public_id, o.schedule FROM public_assets a JOIN public_capacity_offers o ON o.asset_id = a.id
         WHERE o.schedule LIKE '%%PH off' ORDER BY o.id LIMIT 1""").fetchone()
    capacity = get_json(client, f"/api/v1/assets/{public_id}")["properties"]["capacity"]
    words = {o["schedule"]: o["schedule_text"] for o in capacity}
    assert words[schedule] == schedules.in_words(schedule) and words[schedule].endswith("closed on bank holidays")


def test_the_list_shows_when_each_offer_is_free_in_words(client, demo_conn):
    asset_id, name, category, hood = demo_conn.execute("""
        SELECT a.id, a.name, a.category, a.neighbourhood_code FROM public_assets a
         WHERE (SELECT count(*) FROM public_capacity_offers o WHERE o.asset_id = a.id AND o.schedule IS NOT NULL) > 1
         ORDER BY a.id LIMIT 1""").fetchone()
    offers = demo_conn.execute("""
        SELECT k.label, o.schedule, o.schedule_text FROM public_capacity_offers o
          JOIN capacity_kinds k ON k.code = o.kind
         WHERE o.asset_id = %s AND o.schedule IS NOT NULL""", (asset_id,)).fetchall()
    page = client.get(f"/assets?category={category}&neighbourhood={hood}").get_data(as_text=True)
    item = page[page.index(f">{name}</a>"):]
    item = item[:item.index("</li>")]
    for label, schedule, words in offers:
        assert words == schedules.in_words(schedule)
        assert f'{label}: <data class="schedule" value="{schedule}">{words}</data>' in item


@pytest.fixture
def noted(fresh_db_url):
    """An app on a database holding one asset whose schedule carries a note that is HTML."""
    schedule = 'Tu 18:00-21:00 "<b>bring a cup</b>"'
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        public_id = conn.execute("""
            INSERT INTO assets (name, category, geom, status)
            VALUES ('Hall', 'other', ST_SetSRID(ST_MakePoint(-1.1, 52.6), 4326), 'published')
            RETURNING public_id""").fetchone()[0]
        conn.execute("""
            INSERT INTO capacity_offers (asset_id, kind, schedule, schedule_text)
            SELECT id, 'space', %s, %s FROM assets WHERE public_id = %s""",
                     (schedule, schedules.words(schedule), public_id))
    with running_app(fresh_db_url) as app:
        yield app, public_id


def test_a_note_in_a_schedule_stays_text_in_its_words(noted):
    app, public_id = noted
    client = app.test_client()
    for url in ("/assets", f"/assets/{public_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<b>" not in page
        assert "Tuesdays, 6pm to 9pm (&lt;b&gt;bring a cup&lt;/b&gt;)" in page
