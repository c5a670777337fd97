"""OpenActive importer: sessions with places left, from an RPDE feed file, as offers on the places they happen at.

Input: one RPDE page (`{"items": [{"state", "kind", "id", "modified", "data"}], "next": …}`), a JSON list of pages, or
a list of items. A feed is a log of changes, so the importer keeps what it has read in `openactive_items` (migration
0015): a later file may delete a session an earlier one made an offer of, a session may name a series (`superEvent`)
read before, and a series read later changes (or at last places) the sessions read before it. Sessions over since
an earlier import leave their places' offers at the next. The rules (each tested in tests/ingest/test_openactive.py):
- The asset is the session's `location` Place, else its series' (source `openactive`, source_ref the Place's @id,
  else its url, else a hash of name, postcode and point); category sports_leisure (OpenActive describes sport and
  physical activity). Name, street address, UK postcode, `geo` and the organiser's name fill it.
- One offer a session: kind `other` (places on someone else's activity are not a room to use, `space`, nor know-how,
  `skills`; counting them as space would match them to groups looking for rooms), unit places, quantity =
  remainingAttendeeCapacity, schedule = its date and times in Europe/London as opening_hours (`2026 Dec 08
  18:00-19:00`), cost free when any `offers[].price` is 0, paid otherwise (free, with a note, when none is given),
  description = its name and activity, audience = its age range. maximumAttendeeCapacity only checks the number.
- No offer (a note, not a reject): a full, cancelled or ended session. Rejected, with the reason: a session without
  remainingAttendeeCapacity, without a physical location, or with dates or numbers that cannot be read.
- `deleted` items remove their session; the places their offers sat on get the rest of their offers. A place keeps
  at most MAX_OFFERS (20) offers: the sessions ending soonest. An item older than the one already read is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from ..config import Settings
from ..model.submission import MAX_OFFERS, vocabularies
from .assets import load_assets
from .openactive_sessions import is_series, pick, series_ref, session
from .report import ImportReport, check_rows
from .staging import import_transaction, stage

SOURCE = "openactive"
ITEM_COLUMNS = {"feed": "text", "kind": "text", "id": "text", "modified": "text", "ref": "text", "parent_ref": "text",
                "place_ref": "text", "place": "jsonb", "offer": "jsonb", "ends_at": "timestamptz", "data": "jsonb"}
KEY_COLUMNS = {"feed": "text", "kind": "text", "id": "text"}


# -- reading --------------------------------------------------------------------------------------------------------

def read_feed(path: Path | str) -> tuple[list[dict], ImportReport]:
    """The file's items, each with its page's feed and its number in the file, and a report counting them."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    report = ImportReport(kind="openactive", source=path.name)
    pages = [data] if isinstance(data, dict) else data if isinstance(data, list) else None
    if pages is None or not all(isinstance(p, dict) for p in pages):
        raise ValueError(f"{path.name} is not an RPDE page, a list of pages or a list of items")
    if pages and "items" not in pages[0]:
        pages = [{"items": pages}]   # a bare list of items
    items = []
    for page in pages:
        feed = _feed(page.get("next"))
        for item in page.get("items") or []:
            report.read += 1
            item = item if isinstance(item, dict) else {}
            key = {k: item.get(k) for k in ("state", "kind", "id")}
            if key["state"] not in ("updated", "deleted") or key["kind"] in (None, "") or key["id"] in (None, ""):
                report.reject(report.read, key, "an RPDE item needs a state (updated or deleted), a kind and an id")
                continue
            if key["state"] == "updated" and not isinstance(item.get("data"), dict):
                report.reject(report.read, key, "an updated item needs its data (an object)")
                continue
            items.append({**item, "id": str(item["id"]), "feed": feed, "number": report.read})
    return items, report


def _feed(next_url: Any) -> str:
    """A feed's address: its pages' `next` link without the query (ids are unique only within a feed)."""
    parts = urlsplit(str(next_url or ""))
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else ""


def _newer(a: Any, b: Any) -> bool:
    """RPDE order: numbers as numbers, else as text; a tie goes to the later read (the later page)."""
    try:
        return float(a) >= float(b)
    except (TypeError, ValueError):
        return str(a) >= str(b)


# -- loading --------------------------------------------------------------------------------------------------------

def import_openactive(conn: psycopg.Connection, path: Path | str, *, dry_run: bool = False, progress=None,
                      settings: Settings | None = None, now: dt.datetime | None = None) -> ImportReport:
    """Read an OpenActive RPDE feed file and load its sessions' places left as offers (source "openactive")."""
    items, report = read_feed(path)
    return load_openactive(conn, items, report, dry_run=dry_run, progress=progress, settings=settings, now=now)


def load_openactive(conn: psycopg.Connection, items: list[dict], report: ImportReport, *, dry_run: bool = False,
                    progress=None, settings: Settings | None = None, now: dt.datetime | None = None) -> ImportReport:
    """Apply the items to what earlier imports read, then load every place whose sessions changed, with all of its
    sessions' offers, through load_assets (one transaction; a dry run writes nothing)."""
    check_rows(len(items), settings, "feed items")
    now = now or dt.datetime.now(dt.UTC)
    known = vocabularies(conn)
    latest: dict[tuple, dict] = {}
    for item in items:   # one item many times in a file (a list of pages): its latest change counts
        key = (item["feed"], item["kind"], item["id"])
        if key not in latest or _newer(item.get("modified"), latest[key].get("modified")):
            latest[key] = item
    notes: Counter = Counter()
    with import_transaction(conn, dry_run) as cur:
        stage(cur, "openactive_keys", KEY_COLUMNS, list(latest))
        stored = {tuple(r[:3]): r[3:] for r in cur.execute("""
            SELECT o.feed, o.kind, o.id, o.modified, o.place_ref, o.place
              FROM openactive_items o JOIN openactive_keys k USING (feed, kind, id)""")}
        for key in [k for k, item in latest.items() if k in stored and not _newer(item.get("modified"), stored[k][0])]:
            del latest[key]
            notes["items older than what an earlier import read (skipped)"] += 1
        updated = [i for i in latest.values() if i["state"] == "updated"]
        for item in updated:
            item["old"] = (stored.get((item["feed"], item["kind"], item["id"])) or (None, None))[1]
        series, changed = _series(cur, updated)
        again = [{"feed": f, "kind": k, "id": i, "modified": m, "data": d, "number": 0, "old": p}
                 for f, k, i, m, d, p in cur.execute("""
                     SELECT feed, kind, id, modified, data, place_ref FROM openactive_items
                      WHERE parent_ref = ANY(%s)""", (changed,)) if (f, k, i) not in latest]
        places: dict[str, dict] = {}
        numbers: dict[str | None, int] = {}   # each place to load, and the file row that named it first (0: none)
        rows = []
        for item in updated + again:
            found = _session(item, series, now, known, report, notes)
            for ref in (item["old"], found.get("place_ref")):
                numbers[ref] = numbers.get(ref) or item["number"]
            if found:
                places[found["place_ref"]] = found["place"]
            rows.append((item["feed"], item["kind"], item["id"], str(item.get("modified")),
                         pick(item["data"], "@id", "id"), series_ref(item["data"]), found.get("place_ref"),
                         _json(found.get("place")), _json(found.get("offer")), found.get("ends_at"),
                         json.dumps(item["data"])))
        gone = [k for k, i in latest.items() if i["state"] == "deleted" and k in stored]
        for key in gone:
            numbers.setdefault(stored[key][1], 0)
            if stored[key][1]:
                places.setdefault(stored[key][1], stored[key][2])
        notes["items deleted"] += len(gone)
        _remember(cur, rows, gone)
        # Sessions over since an earlier import leave their places' offers now, even when this file names neither.
        for (ref,) in cur.execute("UPDATE openactive_items SET offer = NULL WHERE offer IS NOT NULL AND ends_at < %s "
                                  "RETURNING place_ref", (now,)).fetchall():
            numbers.setdefault(ref, 0)
        numbers.pop(None, None)
        offers = _offers(cur, numbers, places, now, notes)
        report.notes += [f"{what}: {n}" for what, n in notes.items() if n]
        report.notes.append(f"offers: {sum(len(o) for o in offers.values())}, on {len(offers)} places")
        load_assets(conn, [(numbers[ref], {**places[ref], "capacity": found}) for ref, found in offers.items()],
                    source=SOURCE, report=report, dry_run=dry_run, settings=settings, progress=progress)
    return report


def _series(cur: psycopg.Cursor, updated: list[dict]) -> tuple[dict[str, dict], list[str]]:
    """Every series the sessions name, by @id: from this file (also given in full inside a session), else from an
    earlier import; and the @ids of those this file brings, whose sessions read before are read again."""
    series = {pick(i["data"], "@id", "id"): i["data"] for i in updated if is_series(i["data"])}
    for item in updated:
        parent = item["data"].get("superEvent")
        if isinstance(parent, dict) and pick(parent, "@id", "id") and (parent.get("location") or parent.get("name")):
            series.setdefault(pick(parent, "@id", "id"), parent)
    changed = list(series)
    wanted = {p for i in updated if isinstance(p := i["data"].get("superEvent"), str) and p not in series}
    series |= dict(cur.execute("SELECT ref, data FROM openactive_items WHERE ref = ANY(%s)", (list(wanted),)))
    return series, changed


def _session(item: dict, series: dict, now: dt.datetime, known, report: ImportReport, notes: Counter) -> dict:
    """What one updated item became ({} for a series or a rejected session); rejects only the file's own items."""
    if is_series(item["data"]):
        notes["session series read (the parents of sessions)"] += bool(item["number"])
        return {}
    try:
        found = session(item["data"], series, now, known)
    except ValueError as exc:
        if item["number"]:
            report.reject(item["number"], _shown(item), str(exc))
        return {}
    notes[f"sessions {found['why']}, so no offer"] += bool(found["why"])
    notes["sessions with no price, recorded as free"] += found["unpriced"] and not found["why"]
    return found


def _remember(cur: psycopg.Cursor, rows: list[tuple], gone: list[tuple]) -> None:
    """Keep the items read (set-based, like every import) and forget the deleted ones."""
    stage(cur, "openactive_read", ITEM_COLUMNS, rows)
    cur.execute(sql.SQL("""
        INSERT INTO openactive_items ({columns}) SELECT {columns} FROM openactive_read
        ON CONFLICT (feed, kind, id) DO UPDATE SET {updates}, read_at = now()""").format(
        columns=sql.SQL(", ").join(map(sql.Identifier, ITEM_COLUMNS)),
        updates=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in ITEM_COLUMNS)))
    stage(cur, "openactive_gone", KEY_COLUMNS, gone)
    cur.execute("DELETE FROM openactive_items o USING openactive_gone g "
                "WHERE (o.feed, o.kind, o.id) = (g.feed, g.kind, g.id)")


def _offers(cur: psycopg.Cursor, numbers: dict, places: dict, now: dt.datetime, notes: Counter
            ) -> dict[str, list[dict]]:
    """Each place's offers: its sessions not yet over, the MAX_OFFERS ending soonest (a place holds no more)."""
    offers: dict[str, list] = {ref: [] for ref in numbers}
    for ref, place, offer, ends in cur.execute("""
            SELECT place_ref, place, offer, ends_at FROM openactive_items
             WHERE place_ref = ANY(%s) ORDER BY place_ref, ends_at, feed, kind, id""", (list(numbers),)):
        places.setdefault(ref, place)
        if offer is not None and ends >= now:
            offers[ref].append(offer)
    notes[f"places with more than {MAX_OFFERS} sessions to come (the {MAX_OFFERS} ending soonest kept)"] += sum(
        len(o) > MAX_OFFERS for o in offers.values())
    return {ref: o[:MAX_OFFERS] for ref, o in offers.items() if places.get(ref)}


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _shown(item: dict) -> dict:
    """A rejected session, flat, for the rejects CSV."""
    data = item.get("data") or {}
    location = data.get("location") if isinstance(data.get("location"), dict) else {}
    return {"id": item["id"], "kind": item["kind"], "name": pick(data, "name"), "startDate": data.get("startDate"),
            "superEvent": data.get("superEvent") if isinstance(data.get("superEvent"), str) else None,
            "location": location.get("name"), "remainingAttendeeCapacity": data.get("remainingAttendeeCapacity")}
