"""Changes to published entries: they wait for a planner while the approved version stays public; offer ids stay."""

import pytest

from assetmap.model import contributions, drafts, merges, moderation, queue
from assetmap.model.contributions import Conflict, create_asset, find_by_token, match_offers, update_by_token
from assetmap.model.submission import Offer, validate

LON, LAT = -0.9, 52.6
M_LAT = 1 / 111_200
ROOM = {"kind": "space", "quantity": 20, "unit": "places", "schedule": "Tu 18:00-21:00"}
HOURS = {"kind": "volunteer_time", "quantity": 10, "unit": "hours_per_week"}
VAN = {"kind": "transport", "description": "Minibus, 12 seats"}


def entry(name="Mill Lane Hall", **fields) -> dict:
    return {"name": name, "category": "community_centre", "lon": LON, "lat": LAT, "description": "A hall",
            "contact_email": "hall@example.org"} | fields


def published(conn, planner, **fields) -> contributions.Created:
    made = create_asset(conn, validate(conn, entry(**fields)))
    moderation.moderate(conn, [made.id], "approve", None, planner)
    return made


def edit(conn, made, **fields):
    """Save the form as the edit page would send it: what it shows (a waiting change included), with `fields`."""
    shown = find_by_token(conn, made.edit_token)
    base = shown.proposed if shown.draft and shown.draft.status == "pending" else shown.submission
    data = {"name": base.name, "category": base.category, "lon": base.lon, "lat": base.lat,
            "description": base.description, "contact_email": base.contact_email, "contact_phone": base.contact_phone,
            "capacity": [vars(o) for o in base.offers]} | fields
    return update_by_token(conn, made.edit_token, validate(conn, data), shown.version)


def public_name(conn, asset_id):
    row = conn.execute("SELECT name FROM public_assets WHERE id = %s", (asset_id,)).fetchone()
    return row and row["name"]


def offer_ids(conn, asset_id):
    return [r["id"] for r in conn.execute("SELECT id FROM capacity_offers WHERE asset_id = %s ORDER BY id",
                                          (asset_id,))]


def draft_history(conn, asset_id):
    versions = conn.execute("SELECT version, snapshot->>'status' AS status FROM record_versions "
                            "WHERE entity = 'asset_drafts' AND entity_id = %s ORDER BY version", (asset_id,)).fetchall()
    audit = conn.execute("SELECT action, actor, user_id, reason, after IS NULL AS gone FROM audit_log "
                         "WHERE entity = 'asset_drafts' AND entity_id = %s ORDER BY id", (asset_id,)).fetchall()
    return [(v["version"], v["status"]) for v in versions], audit


# -- a change waits while the published entry stays ---------------------------------------------------------------

def test_an_edited_published_entry_stays_public_in_its_approved_form_until_the_change_is_approved(conn, planner):
    made = published(conn, planner, capacity=[ROOM])
    offers_before = offer_ids(conn, made.id)
    public_before = conn.execute("SELECT * FROM public_assets WHERE id = %s", (made.id,)).fetchone()

    after = edit(conn, made, name="Mill Lane Community Hall", description="A hall and a garden")
    assert after.status == "published" and after.draft.status == "pending"
    assert after.submission.name == "Mill Lane Hall" and after.proposed.name == "Mill Lane Community Hall"
    assert {c.field for c in after.changes} == {"Name", "Description"}
    public_now = conn.execute("SELECT * FROM public_assets WHERE id = %s", (made.id,)).fetchone()

    def content(row):   # what the public reads (saving confirms the entry: only its confirmation time moves)
        return {k: row[k] for k in ("name", "description", "category", "geom")} | {
            "capacity": [{k: v for k, v in o.items() if k != "last_confirmed_at"} for o in row["capacity"]]}
    assert content(public_now) == content(public_before)
    assert public_now["last_confirmed_at"] > public_before["last_confirmed_at"]
    assert offer_ids(conn, made.id) == offers_before

    [item] = queue.queue(conn)
    assert item.id == made.id and item.is_change and item.name == "Mill Lane Community Hall"
    assert [(c.field, c.before, c.after) for c in item.changes] == [
        ("Name", "Mill Lane Hall", "Mill Lane Community Hall"), ("Description", "A hall", "A hall and a garden")]
    assert queue.pending_count(conn) == 1 and item.offers[0].schedule_text == "Tuesdays, 6pm to 9pm"

    moderation.moderate(conn, [made.id], "approve", None, planner, expected_changes={made.id: item.version})
    assert public_name(conn, made.id) == "Mill Lane Community Hall"
    assert find_by_token(conn, made.edit_token).draft is None
    assert offer_ids(conn, made.id) == offers_before
    assert queue.queue(conn) == [] and queue.pending_count(conn) == 0
    last = conn.execute("SELECT action, reason, user_id, before->>'name' AS was, after->>'name' AS now "
                        "FROM audit_log WHERE entity = 'assets' AND entity_id = %s ORDER BY id DESC LIMIT 1",
                        (made.id,)).fetchone()
    assert last == {"action": "moderate", "reason": "approve: the change to the published entry",
                    "user_id": planner.id, "was": "Mill Lane Hall", "now": "Mill Lane Community Hall"}


def test_rejecting_a_change_keeps_the_published_entry_and_tells_the_resident_why(conn, planner):
    made = published(conn, planner)
    edit(conn, made, name="Best Hall In Town!!!")
    moderation.moderate(conn, [made.id], "reject", "Please keep to the hall's real name", planner)
    shown = find_by_token(conn, made.edit_token)
    assert shown.status == "published" and public_name(conn, made.id) == "Mill Lane Hall"
    assert shown.draft.status == "rejected" and shown.draft.reason == "Please keep to the hall's real name"
    assert [(c.before, c.after) for c in shown.changes] == [("Mill Lane Hall", "Best Hall In Town!!!")]
    assert queue.queue(conn) == []
    # A rejected change cannot be decided again; a new edit is a new change to check.
    with pytest.raises(moderation.NotModeratable):
        moderation.moderate(conn, [made.id], "approve", None, planner)
    edit(conn, made, name="Mill Lane Village Hall")
    assert find_by_token(conn, made.edit_token).draft.status == "pending"
    assert [i.name for i in queue.queue(conn)] == ["Mill Lane Village Hall"]


def test_a_private_change_applies_at_once_and_a_public_one_waits(conn, planner):
    made = published(conn, planner)
    after = edit(conn, made, contact_phone="01234 567890")
    assert after.draft is None and after.submission.contact_phone == "01234 567890"
    assert queue.queue(conn) == []
    # With a public change, the contact details still apply at once; only the public change waits.
    after = edit(conn, made, contact_email="new@example.org", name="Mill Lane Village Hall")
    assert after.submission.contact_email == "new@example.org" and after.submission.name == "Mill Lane Hall"
    assert after.draft.status == "pending" and after.proposed.name == "Mill Lane Village Hall"
    # A small nudge of the pin is not public: it applies at once too.
    nudged = edit(conn, made, name="Mill Lane Hall", lat=LAT + 10 * M_LAT)
    assert nudged.draft is None and nudged.submission.lat == pytest.approx(LAT + 10 * M_LAT)


def test_a_second_edit_replaces_the_waiting_change_and_undoing_it_drops_it(conn, planner):
    made = published(conn, planner)
    edit(conn, made, name="Mill Lane Village Hall")
    first = find_by_token(conn, made.edit_token).draft
    edit(conn, made, description="A hall with a kitchen")     # the form still carries the waiting new name
    second = find_by_token(conn, made.edit_token)
    assert second.proposed.name == "Mill Lane Village Hall"
    assert second.proposed.description == "A hall with a kitchen"
    assert second.draft.version == first.version + 1 and second.draft.created_at == first.created_at
    [item] = queue.queue(conn)
    assert {c.field for c in item.changes} == {"Name", "Description"}

    back = edit(conn, made, name="Mill Lane Hall", description="A hall")
    assert back.draft is None and queue.queue(conn) == [] and public_name(conn, made.id) == "Mill Lane Hall"
    versions, audit = draft_history(conn, made.id)
    assert versions == [(1, "pending"), (2, "pending"), (3, "dropped")]
    assert [a["action"] for a in audit] == ["propose", "propose", "dropped"] and audit[-1]["gone"]
    # A later change counts on from there, so a page showing an older one cannot decide it.
    edit(conn, made, name="Mill Lane Village Hall")
    assert find_by_token(conn, made.edit_token).draft.version == 4


def test_entries_never_published_are_still_edited_in_place(conn, planner):
    made = create_asset(conn, validate(conn, entry()))
    assert edit(conn, made, name="Renamed").submission.name == "Renamed"
    moderation.moderate(conn, [made.id], "reject", "Not a community asset", planner)
    after = edit(conn, made, description="Open to everyone")
    assert after.status == "pending" and after.draft is None and after.submission.description == "Open to everyone"


def test_decisions_on_changes_check_what_the_planner_saw(conn, planner):
    made = published(conn, planner)
    pending = create_asset(conn, validate(conn, entry("Another Hall", lat=LAT + 0.05))).id
    edit(conn, made, name="Mill Lane Village Hall")
    seen = {i.id: i for i in queue.queue(conn)}
    assert seen[made.id].is_change and not seen[pending].is_change
    edit(conn, made, description="Edited again")           # the change moves on after the page was loaded
    with pytest.raises(Conflict, match="changed after you loaded the page"):
        moderation.moderate(conn, [pending, made.id], "approve", None, planner,
                            expected_versions={pending: seen[pending].version},
                            expected_changes={made.id: seen[made.id].version})
    with pytest.raises(Conflict):       # the planner saw an entry, but what waits now is a change
        moderation.moderate(conn, [made.id], "approve", None, planner, expected_versions={made.id: 999})
    fresh = {i.id: i for i in queue.queue(conn)}
    done = moderation.moderate(conn, [pending, made.id], "approve", None, planner,
                               expected_versions={pending: fresh[pending].version},
                               expected_changes={made.id: fresh[made.id].version})
    assert done == [pending, made.id]
    assert public_name(conn, made.id) == "Mill Lane Village Hall" and public_name(conn, pending) == "Another Hall"
    with pytest.raises(Conflict):       # the change the planner saw was approved meanwhile
        moderation.moderate(conn, [made.id], "approve", None, planner, expected_changes={made.id: 1})


def test_withdrawal_removes_a_waiting_change(conn, planner):
    made = published(conn, planner)
    edit(conn, made, name="Mill Lane Village Hall")
    contributions.withdraw_by_token(conn, made.edit_token)
    assert conn.execute("SELECT count(*) AS n FROM asset_drafts").fetchone()["n"] == 0
    assert queue.pending_count(conn) == 0
    assert draft_history(conn, made.id)[0][-1] == (2, "withdrawn")


# -- every write is kept ------------------------------------------------------------------------------------------

def test_every_write_of_a_change_has_a_version_and_an_audit_row(conn, planner):
    made = published(conn, planner)
    asset_versions = conn.execute("SELECT count(*) AS n FROM asset_versions WHERE asset_id = %s",
                                  (made.id,)).fetchone()["n"]
    edit(conn, made, name="Mill Lane Village Hall")
    moderation.moderate(conn, [made.id], "reject", "Not its name", planner)
    edit(conn, made, name="Mill Lane Hall (Village Hall)")
    moderation.moderate(conn, [made.id], "approve", None, planner)
    versions, audit = draft_history(conn, made.id)
    assert versions == [(1, "pending"), (2, "rejected"), (3, "pending"), (4, "approved")]
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("propose", "resident"), ("moderate", "user:pat@example.org"), ("propose", "resident"),
        ("approved", "user:pat@example.org")]
    assert audit[1]["reason"] == "reject: Not its name" and audit[1]["user_id"] == planner.id
    # The asset: each save (it confirms the entry, and applies private details) and the approval.
    rows = conn.execute("SELECT v.version, v.snapshot->>'name' AS name, l.action FROM asset_versions v "
                        "JOIN audit_log l ON l.entity = 'assets' AND l.entity_id = v.asset_id "
                        "AND (l.after->>'version')::int = v.version WHERE v.asset_id = %s ORDER BY v.version",
                        (made.id,)).fetchall()
    assert len(rows) == asset_versions + 3
    assert [(r["name"], r["action"]) for r in rows[-3:]] == [
        ("Mill Lane Hall", "update"), ("Mill Lane Hall", "update"), ("Mill Lane Hall (Village Hall)", "moderate")]


# -- offers keep their ids ----------------------------------------------------------------------------------------

def request_for(conn, asset_id, offer_id) -> int:
    return conn.execute("""
        INSERT INTO capacity_requests (asset_id, offer_id, kind, requester_name, purpose, contact, requester_token_hash)
        VALUES (%s, %s, 'space', 'Sam', 'A meeting', 'sam@example.org', sha256(random()::text::bytea)) RETURNING id
    """, (asset_id, offer_id)).fetchone()["id"]


def test_offer_ids_survive_an_edit_of_the_description(conn, planner):
    made = published(conn, planner, capacity=[ROOM, HOURS])
    ids = offer_ids(conn, made.id)
    edit(conn, made, description="A hall, newly painted")
    moderation.moderate(conn, [made.id], "approve", None, planner)
    assert offer_ids(conn, made.id) == ids
    assert conn.execute("SELECT description FROM public_assets WHERE id = %s",
                        (made.id,)).fetchone()["description"] == "A hall, newly painted"


def test_changing_one_offer_keeps_its_id_and_removing_one_keeps_its_requests(conn, planner):
    made = create_asset(conn, validate(conn, entry(capacity=[ROOM, HOURS, VAN])))
    room, hours, van = offer_ids(conn, made.id)
    asked = request_for(conn, made.id, hours)
    dropped = request_for(conn, made.id, room)
    edit(conn, made, capacity=[ROOM | {"quantity": 25}, HOURS, VAN])
    rows = conn.execute("SELECT id, quantity::int AS q FROM capacity_offers WHERE asset_id = %s ORDER BY id",
                        (made.id,)).fetchall()
    assert [(r["id"], r["q"]) for r in rows] == [(room, 25), (hours, 10), (van, None)]
    # Drop the room and change the hours: the hours keep their id, the room's request keeps its asset.
    edit(conn, made, capacity=[HOURS | {"quantity": 12}, VAN])
    assert offer_ids(conn, made.id) == [hours, van]
    requests = {r["id"]: r for r in conn.execute("SELECT id, asset_id, offer_id FROM capacity_requests")}
    assert requests[asked]["offer_id"] == hours
    assert requests[dropped] == {"id": dropped, "asset_id": made.id, "offer_id": None}
    # A new offer is a new row; paused ones, not on the form, are left alone.
    conn.execute("UPDATE capacity_offers SET status = 'paused' WHERE id = %s", (van,))
    edit(conn, made, capacity=[HOURS | {"quantity": 12}, ROOM])
    ids = offer_ids(conn, made.id)
    assert ids[:2] == [hours, van] and len(ids) == 3 and ids[2] > van


def test_matching_offers():
    a, b, c = Offer("space", 20, "places"), Offer("volunteer_time", 10, "hours_per_week"), Offer("space", 5, "places")
    assert match_offers([a, b, c], [a, b, c]) == [0, 1, 2]
    assert match_offers([a, b], [b, a]) == [1, 0]                       # unchanged offers keep theirs, wherever
    assert match_offers([a, b], [Offer("space", 30, "places"), b]) == [0, 1]
    # Drop the first room and change the second: the second keeps its own id, not the dropped one's.
    assert match_offers([a, b, c], [b, Offer("space", 6, "places")]) == [1, 2]
    assert match_offers([a], [Offer("transport")]) == [None]              # another kind is another offer
    assert match_offers([a, c], []) == [] and match_offers([], [a]) == [None]


# -- merges and what approving applies ----------------------------------------------------------------------------

def test_merging_discards_the_duplicates_change_and_keeps_the_kept_entrys(conn, planner):
    keep = published(conn, planner, description="", capacity=[ROOM])
    dupe = published(conn, planner, name="Mill Lane Hall", lat=LAT + 20 * M_LAT, description="Big hall",
                     capacity=[HOURS])
    edit(conn, dupe, name="Mill Lane Hall (duplicate)")
    edit(conn, keep, name="Mill Lane Village Hall")
    merges.merge(conn, keep.id, dupe.id, planner)
    assert [i.id for i in queue.queue(conn)] == [keep.id]
    versions, audit = draft_history(conn, dupe.id)
    assert versions[-1] == (2, "merged") and audit[-1]["reason"].startswith("its entry was merged into asset")

    # Approving the kept entry's change applies only what its resident changed: the merge's filled description
    # and moved offer stay.
    moderation.moderate(conn, [keep.id], "approve", None, planner)
    row = conn.execute("SELECT name, description, capacity FROM public_assets WHERE id = %s", (keep.id,)).fetchone()
    assert row["name"] == "Mill Lane Village Hall" and row["description"] == "Big hall"
    assert sorted(o["kind"] for o in row["capacity"]) == ["space", "volunteer_time"]


def test_resolve_applies_only_what_the_resident_changed():
    base = validate_offline(name="Hall", description="", offers=(Offer("space", 20, "places"),))
    typed = validate_offline(name="Big Hall", description="", offers=(Offer("space", 30, "places"),))
    now = validate_offline(name="Hall", description="Filled by a merge",
                           offers=(Offer("space", 20, "places"), Offer("transport")))
    got = drafts.resolve(base, typed, now)
    assert (got.name, got.description) == ("Big Hall", "Filled by a merge")
    assert got.offers == (Offer("space", 30, "places"), Offer("transport"))
    assert drafts.resolve(base, base, now) == now


def validate_offline(**fields):
    from assetmap.model.submission import AssetSubmission
    return AssetSubmission(**({"name": "Hall", "category": "community_centre", "lon": LON, "lat": LAT} | fields))


def test_a_pending_entry_published_before_shows_what_changed_since(conn, planner):
    """Entries can come back to pending other than by an edit (an import, an undone merge): the queue still shows
    them against their last published version."""
    made = published(conn, planner)
    conn.execute("UPDATE assets SET status = 'pending', name = 'Mill Lane Hall (reopened)' WHERE id = %s",
                 (made.id,))
    [item] = queue.queue(conn)
    assert not item.is_change
    assert [(c.field, c.before, c.after) for c in item.changes] == [
        ("Name", "Mill Lane Hall", "Mill Lane Hall (reopened)")]


def test_small_moves_are_measured_from_the_approved_point_so_they_cannot_add_up(conn, planner):
    made = published(conn, planner)
    step = 20 * M_LAT                      # each under MOVE_IS_MATERIAL_M (25 m)
    first = edit(conn, made, lat=LAT + step)
    assert first.draft is None and first.submission.lat == pytest.approx(LAT + step)   # a nudge applies at once
    for n in range(2, 41):                 # forty such edits walked an entry 800 m without review
        edit(conn, made, lat=LAT + n * step)
    shown = find_by_token(conn, made.edit_token)
    assert shown.submission.lat == pytest.approx(LAT + step)           # the public point stayed near the approved one
    assert shown.draft.status == "pending" and shown.proposed.lat == pytest.approx(LAT + 40 * step)
    assert [i.name for i in queue.queue(conn)] == ["Mill Lane Hall"]
    moderation.moderate(conn, [made.id], "approve", None, planner)
    # Approved: the next small move is measured from the new point, and applies at once.
    nudged = edit(conn, made, lat=LAT + 41 * step)
    assert nudged.draft is None and nudged.submission.lat == pytest.approx(LAT + 41 * step)
