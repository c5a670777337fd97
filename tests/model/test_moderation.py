"""Moderation in the model: the queue, approve/reject (one or many), near-duplicates, merge; history of each."""

import pytest

from assetmap.errors import InvalidParameter, NotFound
from assetmap.model import merges, moderation, queue
from assetmap.model.contributions import Conflict, create_asset
from assetmap.model.submission import validate

LON, LAT = -0.9, 52.6
M_LAT = 1 / 111_200          # degrees of latitude in a metre, near enough


def add(conn, name, north_m=0.0, status="pending", **fields) -> int:
    data = {"name": name, "category": "community_centre", "lon": LON, "lat": LAT + north_m * M_LAT} | fields
    return create_asset(conn, validate(conn, data), status=status).id


def status_of(conn, asset_id):
    return conn.execute("SELECT status, moderation_reason, moderated_by, moderated_at, merged_into "
                        "FROM assets WHERE id = %s", (asset_id,)).fetchone()


def history(conn, asset_id):
    versions = conn.execute("SELECT version, actor, snapshot FROM asset_versions WHERE asset_id = %s "
                            "ORDER BY version", (asset_id,)).fetchall()
    audit = conn.execute("SELECT action, actor, user_id, before, after, reason FROM audit_log "
                         "WHERE entity = 'assets' AND entity_id = %s ORDER BY id", (asset_id,)).fetchall()
    return versions, audit


# -- approve and reject -----------------------------------------------------------------------------------------

def test_approve_publishes_and_keeps_history(conn, planner):
    asset = add(conn, "St Mary's Church Hall")
    assert moderation.moderate(conn, [asset], "approve", None, planner) == [asset]
    row = status_of(conn, asset)
    assert row["status"] == "published" and row["moderated_by"] == planner.id and row["moderated_at"]
    assert row["moderation_reason"] is None
    assert conn.execute("SELECT count(*) AS n FROM public_assets WHERE id = %s", (asset,)).fetchone()["n"] == 1

    versions, audit = history(conn, asset)
    assert [v["snapshot"]["status"] for v in versions] == ["pending", "published"]
    assert versions[-1]["actor"] == "user:pat@example.org"
    last = audit[-1]
    assert (last["action"], last["actor"], last["user_id"]) == ("moderate", "user:pat@example.org", planner.id)
    assert last["before"]["status"] == "pending" and last["after"]["status"] == "published"
    assert last["reason"] == "approve"


def test_reject_needs_a_reason(conn, planner):
    asset = add(conn, "Spam spam spam")
    for reason in (None, "", "   "):
        with pytest.raises(InvalidParameter) as exc:
            moderation.moderate(conn, [asset], "reject", reason, planner)
        assert exc.value.param == "reason" and exc.value.status == 400
    assert status_of(conn, asset)["status"] == "pending"
    assert len(history(conn, asset)[1]) == 1     # only the creation


def test_reject_keeps_the_reason_and_a_rejection_can_be_reversed(conn, planner):
    asset = add(conn, "Bob's garage")
    moderation.moderate(conn, [asset], "reject", "  Not open to the public  ", planner)
    row = status_of(conn, asset)
    assert row["status"] == "rejected" and row["moderation_reason"] == "Not open to the public"
    assert history(conn, asset)[1][-1]["reason"] == "reject: Not open to the public"

    moderation.moderate(conn, [asset], "approve", None, planner)
    row = status_of(conn, asset)
    assert row["status"] == "published" and row["moderation_reason"] is None
    assert [v["snapshot"]["status"] for v in history(conn, asset)[0]] == ["pending", "rejected", "published"]


def test_only_pending_entries_can_be_decided(conn, planner):
    published = add(conn, "Library", status="published")
    rejected = add(conn, "Garage", status="rejected")
    for ids, action in (([published], "approve"), ([published], "reject"), ([rejected], "reject")):
        with pytest.raises(moderation.NotModeratable, match=r"is (published|rejected): only") as exc:
            moderation.moderate(conn, ids, action, "reason", planner)
        assert exc.value.status == 409
    with pytest.raises(NotFound, match="no asset with id 999"):
        moderation.moderate(conn, [999], "approve", None, planner)
    with pytest.raises(InvalidParameter, match="action"):
        moderation.moderate(conn, [rejected], "delete", None, planner)
    with pytest.raises(InvalidParameter, match="at least one"):
        moderation.moderate(conn, [], "approve", None, planner)


def test_bulk_decisions_are_all_or_nothing(conn, planner):
    a, b, c = add(conn, "Hall A"), add(conn, "Hall B"), add(conn, "Hall C")
    published = add(conn, "Hall D", status="published")
    with pytest.raises(moderation.NotModeratable):
        moderation.moderate(conn, [a, b, published], "reject", "duplicate", planner)
    assert {status_of(conn, i)["status"] for i in (a, b)} == {"pending"}
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'moderate'").fetchone()["n"] == 0

    assert moderation.moderate(conn, [a, b, a], "reject", "duplicate", planner) == [a, b]
    assert moderation.moderate(conn, [c], "approve", "", planner) == [c]
    assert [status_of(conn, i)["status"] for i in (a, b, c)] == ["rejected", "rejected", "published"]
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'moderate'").fetchone()["n"] == 3


def test_an_entry_edited_since_the_page_was_loaded_is_not_decided_blind(conn, planner):
    asset = add(conn, "Hall")
    seen = conn.execute("SELECT version FROM assets WHERE id = %s", (asset,)).fetchone()["version"]
    conn.execute("UPDATE assets SET description = 'now selling crypto' WHERE id = %s", (asset,))
    with pytest.raises(Conflict):
        moderation.moderate(conn, [asset], "approve", None, planner, expected_versions={asset: seen})
    assert status_of(conn, asset)["status"] == "pending"
    moderation.moderate(conn, [asset], "approve", None, planner, expected_versions={asset: seen + 1})
    assert status_of(conn, asset)["status"] == "published"


# -- the queue and duplicates -----------------------------------------------------------------------------------

def test_queue_is_oldest_first_with_exact_points_and_details(conn, planner):
    newer = add(conn, "Newer hall", postcode="av1 2ab",
                capacity=[{"kind": "space", "quantity": 30, "unit": "places"}, {"kind": "skills"}])
    older = add(conn, "Older hall", north_m=40, private_home=True)
    add(conn, "Published hall", north_m=2000, status="published")
    conn.execute("UPDATE assets SET created_at = now() - interval '2 days' WHERE id = %s", (older,))

    items = queue.queue(conn)
    assert [i.id for i in items] == [older, newer]
    assert queue.pending_count(conn) == 2
    home, hall = items
    # Planners see the exact point even of a private home, which the public sees only generalised.
    assert home.is_private_home and home.lat == pytest.approx(LAT + 40 * M_LAT) and home.lon == pytest.approx(LON)
    assert hall.category_label == "Community centre or village hall"
    assert hall.neighbourhood_name == "Holloway Green" and hall.postcode == "AV1 2AB"
    assert hall.offers_count == 2 and [o.kind for o in hall.offers] == ["space", "skills"]
    assert hall.offers[0].quantity == 30 and hall.offers[0].kind_label == "Space"
    assert queue.queue(conn, limit=1, offset=1)[0].id == newer


def test_near_duplicates_by_name_and_distance(conn):
    asset = add(conn, "St Mary's Church Hall")
    near_twin = add(conn, "St Marys Church Hall", north_m=60, status="published")
    far_twin = add(conn, "St Mary's Church Hall", north_m=600, status="published")
    neighbour = add(conn, "Riverside Allotments", north_m=10, status="published")
    archived = add(conn, "St Mary's Church Hall", north_m=5, status="archived")
    rejected = add(conn, "St. Mary's Hall", north_m=100, status="rejected")

    found = {d.id: d for d in queue.near_duplicates(conn, asset)}
    assert set(found) == {near_twin, rejected}
    assert far_twin not in found and neighbour not in found and archived not in found
    twin = found[near_twin]
    assert twin.name == "St Marys Church Hall" and twin.status == "published"
    assert 55 < twin.distance_m < 65 and twin.similarity >= queue.SIMILARITY and not twin.same_postcode
    # The queue carries the same duplicates.
    queued = next(i for i in queue.queue(conn) if i.id == asset)
    assert {d.id for d in queued.duplicates} == {near_twin, rejected}


def test_near_duplicates_by_postcode_whatever_its_spacing(conn):
    asset = add(conn, "Tuesday Lunch Club", postcode="AV1 2AB")
    same = add(conn, "Tuesday Lunch Club at the Hall", north_m=900, status="published")
    conn.execute("UPDATE assets SET postcode = 'av12ab' WHERE id = %s", (same,))
    add(conn, "Tuesday Lunch Club", north_m=900, postcode="AV9 9ZZ", status="published")
    no_postcode = add(conn, "No Postcode Place", north_m=900, status="published")

    found = queue.near_duplicates(conn, asset)
    assert [d.id for d in found] == [same]
    assert found[0].same_postcode and found[0].distance_m > 800
    assert no_postcode not in [d.id for d in queue.near_duplicates(conn, no_postcode)]


def test_a_shared_postcode_alone_is_not_a_duplicate(conn):
    """A postcode covers a street of different places: without a similar name they are not duplicates."""
    asset = add(conn, "Tuesday Lunch Club", postcode="AV1 2AB")
    add(conn, "Mill Lane Community Centre", north_m=20, postcode="AV1 2AB", status="published")
    add(conn, "Riverside Allotments", north_m=900, postcode="AV1 2AB", status="published")
    assert queue.near_duplicates(conn, asset) == []


def test_hostile_names_are_just_data(conn):
    evil = "x'); DROP TABLE assets; --"
    asset = add(conn, evil)
    twin = add(conn, evil, north_m=10)
    assert [d.id for d in queue.near_duplicates(conn, asset)] == [twin]
    assert queue.queue(conn)[0].name == evil


# -- merge ------------------------------------------------------------------------------------------------------

def test_merge_moves_offers_fills_blanks_and_keeps_both_histories(conn, planner):
    keep = add(conn, "Mill Lane Community Centre", status="published",
               capacity=[{"kind": "space", "quantity": 60, "unit": "places", "schedule": "Tu 18:00-21:00"}])
    dupe = add(conn, "Mill Lane Community Centre", north_m=20, description="Big hall, small kitchen",
               postcode="AV1 2AB", contact_email="hall@example.org",
               capacity=[{"kind": "space", "quantity": 60, "unit": "places", "schedule": "Tu 18:00-21:00"},
                         {"kind": "volunteer_time", "quantity": 10, "unit": "hours_per_week"}])

    result = merges.merge(conn, keep, dupe, planner)
    assert result.offers_moved == 1
    assert set(result.fields_filled) == {"description", "postcode", "contact_email"}

    kept = conn.execute("SELECT * FROM assets WHERE id = %s", (keep,)).fetchone()
    assert kept["status"] == "published" and kept["description"] == "Big hall, small kitchen"
    assert kept["postcode"] == "AV1 2AB" and kept["name"] == "Mill Lane Community Centre"
    kinds = [r["kind"] for r in conn.execute(
        "SELECT kind FROM capacity_offers WHERE asset_id = %s ORDER BY id", (keep,))]
    assert kinds == ["space", "volunteer_time"]     # the same room offered twice is kept once

    merged = status_of(conn, dupe)
    assert merged["status"] == "archived" and merged["merged_into"] == keep
    assert merged["moderated_by"] == planner.id

    for asset_id, other in ((keep, dupe), (dupe, keep)):
        versions, audit = history(conn, asset_id)
        assert len(versions) == 2 and versions[-1]["actor"] == "user:pat@example.org"
        assert audit[-1]["action"] == "merge" and audit[-1]["user_id"] == planner.id
        assert f"asset {other}" in audit[-1]["reason"]
    # What the duplicate said stays readable in its versions, offers included.
    first = history(conn, dupe)[0][0]["snapshot"]
    assert first["description"] == "Big hall, small kitchen" and len(first["offers"]) == 2
    # Merged entries are no longer anyone's duplicates, nor in the queue.
    assert queue.near_duplicates(conn, keep) == []
    assert dupe not in [i.id for i in queue.queue(conn)]


def test_merge_does_not_copy_a_home_address_into_a_public_entry(conn, planner):
    keep = add(conn, "Knit and Natter", status="published")
    home = add(conn, "Knit and Natter", north_m=30, private_home=True, address="12 Mill Lane", postcode="AV1 2AB",
               audience="Anyone who knits")
    result = merges.merge(conn, keep, home, planner)
    kept = conn.execute("SELECT address, postcode, audience FROM assets WHERE id = %s", (keep,)).fetchone()
    assert kept == {"address": "", "postcode": None, "audience": "Anyone who knits"}
    assert result.fields_filled == ("audience",)


def test_merge_refusals(conn, planner):
    a, b = add(conn, "Hall"), add(conn, "Hall", north_m=5)
    with pytest.raises(InvalidParameter, match="into itself"):
        merges.merge(conn, a, a, planner)
    with pytest.raises(NotFound):
        merges.merge(conn, a, 999, planner)
    merges.merge(conn, a, b, planner)
    with pytest.raises(moderation.NotModeratable, match="archived") as exc:
        merges.merge(conn, a, b, planner)
    assert exc.value.status == 409
    with pytest.raises(moderation.NotModeratable):
        merges.merge(conn, b, a, planner)


def test_the_edit_link_of_a_merged_entry_says_what_happened(conn, planner):
    from assetmap.errors import NotFound
    from assetmap.model.contributions import find_by_token
    from assetmap.model.submission import validate
    keep = add(conn, "Mill Lane Community Centre", status="published")
    made = create_asset(conn, validate(conn, {"name": "Mill Lane Community Centre", "category": "community_centre",
                                              "lon": conn.execute("SELECT ST_X(geom) FROM assets WHERE id = %s",
                                                                  (keep,)).fetchone()["st_x"],
                                              "lat": conn.execute("SELECT ST_Y(geom) FROM assets WHERE id = %s",
                                                                  (keep,)).fetchone()["st_y"]}))
    merges.merge(conn, keep, made.id, planner)
    with pytest.raises(NotFound, match="merged"):
        find_by_token(conn, made.edit_token)


def test_undo_a_merge_puts_everything_back(conn, planner):
    keep = add(conn, "Mill Lane Community Centre", status="published",
               capacity=[{"kind": "space", "quantity": 60, "unit": "places"}])
    dupe = add(conn, "Mill Lane Community Centre", north_m=20, description="Big hall", contact_email="h@example.org",
               capacity=[{"kind": "volunteer_time", "quantity": 10, "unit": "hours_per_week"}])
    before_keep = conn.execute("SELECT description, contact_email FROM assets WHERE id = %s", (keep,)).fetchone()
    merges.merge(conn, keep, dupe, planner)
    assert [m.merge_id for m in merges.recent_merges(conn)] == [dupe]

    undone = merges.unmerge(conn, dupe, planner)
    assert undone.offers_moved == 1 and set(undone.fields_filled) == {"description", "contact_email"}
    assert conn.execute("SELECT description, contact_email FROM assets WHERE id = %s",
                        (keep,)).fetchone() == before_keep
    back = status_of(conn, dupe)
    assert back["status"] == "pending" and back["merged_into"] is None and back["moderated_by"] is None
    assert [r["kind"] for r in conn.execute("SELECT kind FROM capacity_offers WHERE asset_id = %s",
                                            (dupe,))] == ["volunteer_time"]
    assert dupe in [i.id for i in queue.queue(conn)]
    assert merges.recent_merges(conn) == []
    for asset_id in (keep, dupe):
        assert history(conn, asset_id)[1][-1]["action"] == "unmerge"
    with pytest.raises(moderation.NotModeratable, match="not merged"):
        merges.unmerge(conn, dupe, planner)


def test_undo_is_refused_once_the_kept_entry_has_changed(conn, planner):
    keep = add(conn, "Hall", status="published")
    dupe = add(conn, "Hall", north_m=5, description="Kitchen")
    merges.merge(conn, keep, dupe, planner)
    conn.execute("UPDATE assets SET name = 'Hall (renamed)' WHERE id = %s", (keep,))
    with pytest.raises(Conflict, match="changed since the merge"):
        merges.unmerge(conn, dupe, planner)
    assert status_of(conn, dupe)["status"] == "archived"


def test_queue_filters_and_sorts(conn):
    conn.execute("INSERT INTO neighbourhoods (code, name, geom) "
                 "VALUES ('nb', 'North Bank', ST_Multi(ST_MakeEnvelope(-1.0, 52.7, -0.8, 52.9, 4326)))")
    old = add(conn, "Zebra Crossing Club")
    new = add(conn, "Apple Tree Hall", category="library")
    north = add(conn, "Northern Light", north_m=15_000)
    conn.execute("UPDATE assets SET created_at = now() - interval '10 days' WHERE id = %s", (old,))
    conn.execute("UPDATE assets SET source = 'osm' WHERE id = %s", (north,))

    def ids(**f):
        return [i.id for i in queue.queue(conn, queue.QueueFilter(**f))]
    assert ids() == [old, new, north]
    assert ids(sort="newest") == [north, new, old]
    assert ids(sort="name") == [new, north, old]
    assert ids(neighbourhood="nb") == [north]
    assert ids(category="library") == [new]
    assert ids(source="osm") == [north]
    assert ids(older_than_days="7") == [old]
    assert queue.pending_count(conn, queue.QueueFilter(neighbourhood="hg")) == 2
    facets = queue.facets(conn)
    assert ("nb", "North Bank", 1) in facets.neighbourhoods and ("osm", 1) in facets.sources
    with pytest.raises(InvalidParameter):
        queue.QueueFilter(sort="random")


def test_an_edited_entry_shows_what_changed_since_it_was_published(conn, planner):
    from assetmap.model.contributions import update_by_token
    made = create_asset(conn, validate(conn, {"name": "Hall", "category": "community_centre", "lon": LON,
                                              "lat": LAT, "description": "Small",
                                              "capacity": [{"kind": "space", "quantity": 20, "unit": "places"}]}))
    moderation.moderate(conn, [made.id], "approve", None, planner)
    version = conn.execute("SELECT version FROM assets WHERE id = %s", (made.id,)).fetchone()["version"]
    update_by_token(conn, made.edit_token, validate(conn, {
        "name": "Big Hall", "category": "community_centre", "lon": LON, "lat": LAT + 100 * M_LAT,
        "description": "Small", "capacity": [{"kind": "space", "quantity": 40, "unit": "places"}]}), version)
    [item] = queue.queue(conn)
    changes = {c.field: c for c in item.changes}
    assert set(changes) == {"Name", "Location", "Spare capacity"}
    assert (changes["Name"].before, changes["Name"].after) == ("Hall", "Big Hall")
    assert changes["Location"].after == "moved 100 m"
    assert "20" in changes["Spare capacity"].before and "40" in changes["Spare capacity"].after
    fresh = add(conn, "Never published")
    assert next(i for i in queue.queue(conn) if i.id == fresh).changes is None


def test_the_same_name_further_away_is_flagged_but_is_not_a_duplicate(conn):
    asset = add(conn, "Tuesday Lunch Club")
    branch = add(conn, " tuesday lunch club", north_m=2000, status="published")
    add(conn, "Tuesday Lunch Club Extra", north_m=3000, status="published")
    add(conn, "Tuesday Lunch Club", north_m=4000, status="archived")
    [item] = [i for i in queue.queue(conn) if i.id == asset]
    assert [s.id for s in item.same_name_elsewhere] == [branch]
    assert 1990 < item.same_name_elsewhere[0].distance_m < 2010
    assert branch not in [d.id for d in item.duplicates]
