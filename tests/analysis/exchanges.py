"""Requests and exchanges written straight into the tables of migration 0012, for the reciprocity tests: the
figures read only those tables, so they are tested without the code that records exchanges."""

from __future__ import annotations

import os

from psycopg.rows import tuple_row

ASSET = object()   # the giving neighbourhood is the asset's


def add_exchange(conn, asset_id: int, *, receiver: int | None, hours: float | None, status: str = "confirmed",
                 kind: str = "space", organisation: str = "", requester: str = "Robin Requester",
                 contact: str = "robin@example.org", need_id: int | None = None, people: int | None = None,
                 started: str | None = None, ended: str | None = None,
                 confirmed_at: str = "2025-06-30 12:00+00", giver=ASSET) -> int:
    """A request for asset `asset_id` by someone in neighbourhood `receiver` (an id, or None: outside every
    neighbourhood) and the exchange it became, given from the asset's neighbourhood unless `giver` (an id or
    None) says otherwise. Returns the exchange's id."""
    recorded = status in ("recorded", "confirmed")
    confirmed = status == "confirmed"
    with conn.cursor(row_factory=tuple_row) as cur:
        if giver is ASSET:
            giver = cur.execute("SELECT neighbourhood_id FROM assets WHERE id = %s", (asset_id,)).fetchone()[0]
        request_id = cur.execute("""
            INSERT INTO capacity_requests (asset_id, need_id, kind, requester_name, requester_organisation,
                                           purpose, contact, neighbourhood_id, status, requester_token_hash)
            VALUES (%s, %s, %s, %s, %s, 'A test', %s, %s, 'accepted', %s) RETURNING id""",
            (asset_id, need_id, kind, requester, organisation, contact, receiver, os.urandom(32))).fetchone()[0]
        return cur.execute("""
            INSERT INTO exchanges (request_id, status, hours, people_reached, started_on, ended_on,
                                   giver_neighbourhood_id, receiver_neighbourhood_id, recorded_by, recorded_at,
                                   confirmed_by, confirmed_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
            (request_id, status, hours, people, started, ended, giver, receiver,
             "holder" if recorded else None, "2025-06-29 12:00+00" if recorded else None,
             "requester" if confirmed else None, confirmed_at if confirmed else None)).fetchone()[0]
