"""A map that stays fresh: the one definition of freshness, confirming an entry, and reminding its holder.

An entry (an asset, or one of its offers) is, by its `last_confirmed_at`:
- 'fresh' while that is no older than `confirm_months` (ASSETMAP_CONFIRM_MONTHS);
- 'due' once it is older: the holder is asked, on the edit page and, when mail is configured, by a reminder; the
  map and capacity search mark it unconfirmed;
- 'stale' once it is older than `confirm_months + confirm_grace_months`: still marked on the map, and its offers
  leave capacity search.
"Older than" is strict: an entry confirmed exactly six months ago is still fresh. Months are calendar months,
clamped to the end of a shorter month as PostgreSQL does (31 August less six months is the end of February).

Queries never do this arithmetic themselves: they bind the two cutoffs of `cutoffs(settings)` and compare,
`last_confirmed_at < %(due_before)s` (due or stale), `last_confirmed_at < %(stale_before)s` (stale), or embed
`state_sql('o.last_confirmed_at')` with `Cutoffs.params()`. Creating or editing an entry also confirms it.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..analysis.tables import Table
from ..config import Settings
from ..errors import NotFound
from ..mail import outbox
from . import contributions

FRESH, DUE, STALE = "fresh", "due", "stale"
LINK_DAYS = 90            # how long the link in a reminder works
CONFIRM_PATH = "/confirm/{token}"   # the web layer serves these two paths (web/freshness.py, web/public.py)
ASSET_PATH = "/assets/{public_id}"


def shift_months(moment: datetime, months: int) -> datetime:
    """`moment` moved by whole calendar months (back when negative), the day clamped to the month's last."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    return moment.replace(year=year, month=month0 + 1,
                          day=min(moment.day, calendar.monthrange(year, month0 + 1)[1]))


@dataclass(frozen=True)
class Cutoffs:
    now: datetime
    due_before: datetime     # confirmed before this: due (or stale)
    stale_before: datetime   # confirmed before this: stale

    def state(self, last_confirmed_at: datetime) -> str:
        if last_confirmed_at < self.stale_before:
            return STALE
        return DUE if last_confirmed_at < self.due_before else FRESH

    def params(self) -> dict[str, datetime]:
        return {"due_before": self.due_before, "stale_before": self.stale_before}


def cutoffs(settings: Settings, now: datetime | None = None) -> Cutoffs:
    """The two cutoffs as of `now` (default: this moment), for queries to bind."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return Cutoffs(now, shift_months(now, -settings.confirm_months),
                   shift_months(now, -(settings.confirm_months + settings.confirm_grace_months)))


def state(last_confirmed_at: datetime, settings: Settings, now: datetime | None = None) -> str:
    """'fresh', 'due' or 'stale'."""
    return cutoffs(settings, now).state(last_confirmed_at)


def state_sql(column: str) -> sql.Composed:
    """The same states in SQL for `column` (e.g. 'o.last_confirmed_at'), against the bound cutoffs."""
    c = sql.Identifier(*column.split("."))
    return sql.SQL("CASE WHEN {c} < %(stale_before)s THEN 'stale' WHEN {c} < %(due_before)s THEN 'due' "
                   "ELSE 'fresh' END").format(c=c)


def _sql(name: str) -> str:
    return (files(__package__) / "sql" / name).read_text()


def long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


# -- confirming -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Confirmed:
    asset_id: int
    public_id: uuid.UUID
    name: str
    last_confirmed_at: datetime


def _confirm(cur: psycopg.Cursor, asset_id: int, reason: str) -> Confirmed:
    """The entry and its live offers confirmed now, with a version and an audit row."""
    before = contributions.snapshot(cur, asset_id)
    row = cur.execute("UPDATE assets SET last_confirmed_at = now() WHERE id = %s "
                      "RETURNING id AS asset_id, public_id, name, last_confirmed_at", (asset_id,)).fetchone()
    cur.execute("UPDATE capacity_offers SET last_confirmed_at = now() WHERE asset_id = %s AND status = 'active'",
                (asset_id,))
    contributions.record(cur, actor="resident", action="confirm", asset_id=asset_id, before=before, reason=reason)
    return Confirmed(**row)


def confirm_by_token(conn: psycopg.Connection, token: str) -> Confirmed:
    """The edit-link holder says "still right"; refused for a wrong link, a merged or a withdrawn entry."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        entry = contributions.find_by_token(conn, token)   # NotFound for a wrong link or a merged entry
        status = cur.execute("SELECT status FROM assets WHERE id = %s FOR UPDATE", (entry.id,)).fetchone()["status"]
        if status == "archived":
            raise contributions.Conflict("This entry has been withdrawn, so there is nothing to confirm.")
        return _confirm(cur, entry.id, "still right (edit link)")


@dataclass(frozen=True)
class LinkedEntry:
    """What the landing page of a reminder's link shows: the entry's name and when it was last confirmed."""

    name: str
    public_id: uuid.UUID
    last_confirmed_at: datetime
    expires_at: datetime


def _link(cur: psycopg.Cursor, token: str, *, lock: bool = False) -> dict:
    """The link's row, or NotFound saying why it cannot be used: wrong, used, expired, or its entry gone."""
    row = cur.execute(sql.SQL("""
        SELECT l.id, l.asset_id, l.expires_at, l.used_at, l.expires_at <= now() AS expired,
               a.name, a.public_id, a.status, a.merged_into, a.last_confirmed_at
          FROM confirm_links l JOIN assets a ON a.id = l.asset_id
         WHERE l.token_hash = %s {}""").format(sql.SQL("FOR UPDATE OF l, a" if lock else "")),
        (contributions.hash_token(token),)).fetchone()
    if row is None:
        raise NotFound("This confirmation link is not valid. Check that you opened all of it from the mail.")
    if row["used_at"] is not None:
        raise NotFound(f"This confirmation link has already been used: the entry was confirmed on "
                       f"{long_date(row['used_at'])}. Thank you. Each link works once.")
    if row["expired"]:
        raise NotFound("This confirmation link has expired. To confirm the entry, open the private edit link you "
                       "were given when you added it and press “Still right”.")
    if row["status"] == "archived" or row["merged_into"] is not None:
        raise NotFound("This entry is no longer on the map (it was withdrawn, or merged with another entry), so "
                       "there is nothing to confirm.")
    return row


def entry_for_link(conn: psycopg.Connection, token: str) -> LinkedEntry:
    """The entry a reminder's link confirms, without using the link."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = _link(cur, token)
    return LinkedEntry(row["name"], row["public_id"], row["last_confirmed_at"], row["expires_at"])


def confirm_by_link(conn: psycopg.Connection, token: str) -> Confirmed:
    """Confirm the entry through a reminder's link, which is then used up."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        row = _link(cur, token, lock=True)
        cur.execute("UPDATE confirm_links SET used_at = now() WHERE id = %s", (row["id"],))
        return _confirm(cur, row["asset_id"], "still right (reminder link)")


@dataclass(frozen=True)
class EntryFreshness:
    status: str
    last_confirmed_at: datetime
    state: str


def freshness_by_token(conn: psycopg.Connection, token: str, settings: Settings,
                       now: datetime | None = None) -> EntryFreshness | None:
    """How fresh the entry behind an edit link is; None for a wrong link or a merged entry."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT status, last_confirmed_at FROM assets WHERE edit_token_hash = %s "
                          "AND merged_into IS NULL", (contributions.hash_token(token),)).fetchone()
    if row is None:
        return None
    return EntryFreshness(row["status"], row["last_confirmed_at"], state(row["last_confirmed_at"], settings, now))


# -- reminders --------------------------------------------------------------------------------------------------------

def queue_reminders(conn: psycopg.Connection, settings: Settings, now: datetime | None = None) -> int:
    """Queue one reminder for each published entry that is due, has a contact address and was not asked this
    period; each mail carries a one-time link of its own. Returns how many were queued (0 when mail is off)."""
    if not outbox.enabled(settings):
        return 0
    c = cutoffs(settings, now)
    queued = 0
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Used and expired links are kept a while, so an old link says why it no longer works.
        cur.execute("DELETE FROM confirm_links WHERE expires_at < %s", (c.now - timedelta(days=2 * LINK_DAYS),))
        for row in cur.execute(_sql("freshness_reminders.sql"), c.params()).fetchall():
            token = contributions.new_token()
            link_id = cur.execute("INSERT INTO confirm_links (asset_id, token_hash, expires_at) VALUES (%s, %s, %s) "
                                  "RETURNING id", (row["id"], contributions.hash_token(token),
                                                   c.now + timedelta(days=LINK_DAYS))).fetchone()["id"]
            subject, body = reminder(settings, row, token, c.now)
            if outbox.enqueue(cur, settings, to=row["contact_email"], subject=subject, body=body,
                              topic="confirm_reminder", dedupe_key=row["dedupe_key"]):
                queued += 1
            else:   # another run queued this period's reminder in the meantime
                cur.execute("DELETE FROM confirm_links WHERE id = %s", (link_id,))
    return queued


def reminder(settings: Settings, entry: dict, token: str, now: datetime) -> tuple[str, str]:
    """The reminder's subject and plain-text body."""
    name = " ".join(entry["name"].split())   # one line, for the subject
    stale_on = shift_months(entry["last_confirmed_at"], settings.confirm_months + settings.confirm_grace_months)
    change = ("open the private edit link you were given when you added it and change it there: saving a change "
              "confirms it too. (This mail cannot contain that link, for your safety.)" if entry["has_edit_link"]
              else "please tell the people who run the map.")
    unconfirmed = "it is marked as unconfirmed on the map and its spare capacity no longer shows in searches"
    body = "\n".join([
        "Hello,", "",
        f"“{name}” is on our map of what the neighbourhood has to share, and this address was given for it. It "
        f"was last confirmed on {long_date(entry['last_confirmed_at'])}. Is it still right: the place, what it "
        "offers and when?", "",
        "If nothing has changed, open this link and press “Still right” (it works once, until "
        f"{long_date(now + timedelta(days=LINK_DAYS))}):",
        outbox.link(settings, CONFIRM_PATH.format(token=token)), "",
        f"If something has changed, {change}", "",
        f"Until it is confirmed, {unconfirmed}." if stale_on <= now
        else f"If we do not hear from you, from {long_date(stale_on)} {unconfirmed}.", "",
        "See it as others do: " + outbox.link(settings, ASSET_PATH.format(public_id=entry["public_id"])), "",
        "Your address is never shown publicly.",
    ])
    return f"Is “{name}” still right on the map?", body


# -- the staleness report --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NeighbourhoodFreshness:
    neighbourhood_code: str | None      # None: the entries outside every neighbourhood
    neighbourhood: str
    assets: int
    assets_fresh: int
    assets_due: int
    assets_stale: int
    share_stale: float | None           # of the entries; None without any
    offers: int
    offers_fresh: int
    offers_due: int
    offers_stale: int
    oldest_confirmed_at: datetime | None


def report(conn: psycopg.Connection, settings: Settings, now: datetime | None = None) -> list[NeighbourhoodFreshness]:
    """Per neighbourhood, published entries and their offers that are fresh, due and stale."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(_sql("freshness_report.sql"), cutoffs(settings, now).params()).fetchall()
    return [NeighbourhoodFreshness(**r) for r in rows]


def report_table(rows: list[NeighbourhoodFreshness]) -> Table:
    """The report as a Table, for CSV (the page's download and `assetmap confirmations report`)."""
    columns = tuple(f.name for f in fields(NeighbourhoodFreshness))
    return Table("staleness", columns, [asdict(r) | {
        "share_stale": None if r.share_stale is None else round(r.share_stale, 4),
        "oldest_confirmed_at": r.oldest_confirmed_at.isoformat() if r.oldest_confirmed_at else None,
    } for r in rows])


@dataclass(frozen=True)
class UnconfirmedEntry:
    id: int
    public_id: uuid.UUID
    name: str
    category: str
    last_confirmed_at: datetime
    state: str
    offers: int
    has_contact_email: bool        # staff may know there is an address to remind, never see it here
    reminder_queued_at: datetime | None
    reminder_sent_at: datetime | None


def unconfirmed_entries(conn: psycopg.Connection, settings: Settings, code: str,
                        now: datetime | None = None) -> tuple[str, list[UnconfirmedEntry]]:
    """One neighbourhood's name and its published entries that are due or stale, least recently confirmed first."""
    c = cutoffs(settings, now)
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute("SELECT name FROM neighbourhoods WHERE code = %s", (code,)).fetchone()
        if found is None:
            raise NotFound(f"There is no neighbourhood with the code “{code}”.")
        rows = cur.execute(_sql("freshness_entries.sql"), c.params() | {"code": code}).fetchall()
    return found["name"], [UnconfirmedEntry(**r, state=c.state(r["last_confirmed_at"])) for r in rows]
