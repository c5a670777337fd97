"""The mail a request and its exchange send, queued in the caller's transaction (`mail/outbox.py`).

Only the first message to each side carries its private link: the links are stored as hashes, so later messages
cannot repeat them and instead point back to that first one. The holder's address is the entry's private contact
email; the requester's is their contact when it is an email address (a phone number gets no mail).
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from ..config import Settings
from ..mail import outbox

_FACTS = """
    SELECT r.id, r.public_id, r.requester_name, r.requester_organisation, r.purpose, r.wanted_when, r.contact,
           r.status, r.holder_message, a.name AS asset_name, a.contact_email AS holder_email, k.label AS kind_label,
           e.hours, e.recorded_by
      FROM capacity_requests r
      JOIN assets a ON a.id = r.asset_id
      JOIN capacity_kinds k ON k.code = r.kind
      LEFT JOIN exchanges e ON e.request_id = r.id
"""
SIGN_OFF = "\n\nThis message was sent by AssetMap because of a request for spare capacity. Please do not reply."


def _facts(cur: psycopg.Cursor, where: str, value: int) -> dict:
    with cur.connection.cursor(row_factory=dict_row) as c:
        return c.execute(_FACTS + " WHERE " + where, (value,)).fetchone()


def _requester_email(facts: dict) -> str | None:
    return facts["contact"] if "@" in facts["contact"] else None


def _who(facts: dict) -> str:
    org = facts["requester_organisation"]
    return facts["requester_name"] + (f" ({org})" if org else "")


def new_request(cur: psycopg.Cursor, settings: Settings, request_id: int, holder_token: str,
                requester_token: str) -> bool:
    """Tell the holder someone asked, with their private link; give the requester theirs. True if the holder
    was mailed."""
    if not outbox.enabled(settings):
        return False
    f = _facts(cur, "r.id = %s", request_id)
    mailed = outbox.enqueue(
        cur, settings, to=f["holder_email"] or "", topic="request", dedupe_key=f"request:{request_id}:holder",
        subject=f"Request for {f['kind_label'].lower()} at {f['asset_name']}",
        body=(f"{_who(f)} has asked to use {f['kind_label'].lower()} at {f['asset_name']}.\n\n"
              f"What for: {f['purpose']}\n" + (f"When: {f['wanted_when']}\n" if f["wanted_when"] else "")
              + f"\nTo see their contact details and accept or decline, open your private link:\n"
              f"{outbox.link(settings, '/h/' + holder_token)}\n\nKeep this link: it is how you record the "
              "exchange afterwards. Anyone with it can answer for you." + SIGN_OFF))
    to = _requester_email(f)
    if to:
        outbox.enqueue(
            cur, settings, to=to, topic="request", dedupe_key=f"request:{request_id}:requester",
            subject=f"Your request to {f['asset_name']}",
            body=(f"Your request for {f['kind_label'].lower()} at {f['asset_name']} was sent. We will write "
                  f"again when they answer.\n\nYour private link to the request:\n"
                  f"{outbox.link(settings, '/r/' + requester_token)}" + SIGN_OFF))
    return mailed


def decided(cur: psycopg.Cursor, settings: Settings, request_id: int) -> None:
    f = _facts(cur, "r.id = %s", request_id)
    to = _requester_email(f)
    if not to:
        return
    answer = "accepted" if f["status"] == "accepted" else "declined"
    message = f"\n\nTheir message: {f['holder_message']}" if f["holder_message"] else ""
    outbox.enqueue(
        cur, settings, to=to, topic="decision", dedupe_key=f"request:{request_id}:{answer}",
        subject=f"{f['asset_name']} {answer} your request",
        body=(f"{f['asset_name']} {answer} your request for {f['kind_label'].lower()}.{message}\n\n"
              + ("Afterwards, record how many hours it gave you (or confirm what they record) through the private "
                 "link in our first email about this request." if answer == "accepted" else "") + SIGN_OFF))


def recorded(cur: psycopg.Cursor, settings: Settings, exchange_id: int, side: str) -> None:
    """Ask the other side to confirm what one side recorded."""
    f = _facts(cur, "r.id = (SELECT request_id FROM exchanges WHERE id = %s)", exchange_id)
    to = f["holder_email"] if side == "requester" else _requester_email(f)
    if not to or side == "planner":
        return
    outbox.enqueue(
        cur, settings, to=to, topic="exchange", dedupe_key=None,
        subject=f"Please confirm: {f['hours']:g} hours at {f['asset_name']}",
        body=(f"The other side recorded {f['hours']:g} hours for the exchange at {f['asset_name']}. If that is "
              "right, confirm it through your private link (in our first email about this request), so the "
              "hours count. If not, you can correct it there." + SIGN_OFF))


def confirmed(cur: psycopg.Cursor, settings: Settings, exchange_id: int) -> None:
    f = _facts(cur, "r.id = (SELECT request_id FROM exchanges WHERE id = %s)", exchange_id)
    for to in sorted({f["holder_email"], _requester_email(f)} - {None, ""}):
        outbox.enqueue(
            cur, settings, to=to, topic="exchange", dedupe_key=f"exchange:{exchange_id}:confirmed:{to}",
            subject=f"Confirmed: {f['hours']:g} hours at {f['asset_name']}",
            body=(f"Both sides agree: {f['hours']:g} hours at {f['asset_name']}. Thank you: they now count in "
                  "your neighbourhood's figures." + SIGN_OFF))
