"""Loading community assets in bulk: validate every row with the shared rules, then upsert them set-based.

`load_assets` is the core every asset importer calls (files here, OpenStreetMap elsewhere); `import_assets` in
`asset_files.py` reads a file into its rows. A row without a source_ref gets `stable_ref(name, postcode, lon, lat)`:
a hash of what identifies the place rather than its row number, so re-importing the same file in another order (or
with rows added) updates the same assets instead of swapping their details round. The cost: renaming a place in a
file without source_refs imports it as a new asset.

The speed is the database's: rows are checked in a thread while the database writes the chunk before, and each
chunk is one statement (sql/asset_upsert.sql) that places the assets in neighbourhoods once per point, upserts them
and writes their offers and versions from what the inserts return. Most of what is left is the assets table's own
index upkeep (bench/imports.py measures it against ogr2ogr).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql

from .. import schedule_weeks, schedules
from ..config import Settings
from ..model import audit
from ..model.submission import MAX_OFFERS, AssetSubmission, ValidationFailed, validate_submission, vocabularies
from .report import ImportReport
from .staging import (
    Ticker,
    geocode_missing,
    has_coordinates,
    import_transaction,
    in_background,
    location_query,
    stable_ref,
    stage,
)

STATUSES = ("published", "pending")

ASSET_COLUMNS = {"ord": "bigint", "source_ref": "text", "name": "text", "category": "text", "description": "text",
                 "audience": "text", "accessibility": "text", "organisation_name": "text", "address": "text",
                 "postcode": "text", "contact_email": "text", "contact_phone": "text", "is_private_home": "boolean",
                 "lon": "float8", "lat": "float8"}
OFFER_COLUMNS = {"source_ref": "text", "ord": "bigint", "kind": "text", "quantity": "numeric", "unit": "text",
                 "schedule": "text", "schedule_text": "text", "cost": "text", "audience": "text",
                 "description": "text"}


def load_assets(conn: psycopg.Connection, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str,
                report: ImportReport, status: str = "published", dry_run: bool = False,
                settings: Settings | None = None, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate (row_number, fields) rows, reject the bad ones, upsert the rest by (source, source_ref).

    Rows are checked in a thread, CHUNK at a time, while the database writes the chunk before (in_background)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    rows = list(rows)   # counted in report.read by whoever read them from the file
    report.dry_run = dry_run
    known = vocabularies(conn)
    found = geocode_missing(conn, settings, [f for _, f in rows])
    geocoded = [0]

    ticker = Ticker(progress)
    with import_transaction(conn, dry_run) as cur:
        writer = _Writer(cur, source=source, status=status)
        for checked, n in in_background(_checked(rows, found, known, report, geocoded)):
            writer.write(checked)
            ticker.tick(n)
        ticker.flush()
        writer.finish()
        report.inserted += writer.inserted
        report.updated += writer.updated
        # Counted before the commit, so a dry run says it too: a point in no neighbourhood is often a wrong one.
        anywhere = cur.execute("SELECT EXISTS (SELECT 1 FROM neighbourhoods)").fetchone()[0]
        report.outside = writer.outside if anywhere else 0
        if geocoded[0]:
            report.notes.append(f"{geocoded[0]} located by geocoding their postcode or address")
        audit.write(cur, actor=f"import:{source}", action="import", entity="assets",
                    after=report.counts() | {"status": status})
    return report


CHUNK = 20_000   # rows checked in Python while the database writes the chunk before


def _checked(rows: list[tuple[int, dict[str, Any]]], found: dict, known, report: ImportReport,
             geocoded: list[int]) -> Iterator[tuple[list[tuple[int, str, AssetSubmission]], int]]:
    """(valid rows, rows looked at) CHUNK rows at a time; each bad row rejected on the report with its reason.

    Runs in in_background's thread: it reads only its arguments and writes only the report and `geocoded`."""
    seen: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        valid: list[tuple[int, str, AssetSubmission]] = []
        for number, fields in rows[start:start + CHUNK]:
            data = dict(fields)
            if not has_coordinates(fields):
                query = location_query(fields)
                if query is None:
                    report.reject(number, fields, "no location: give lon and lat, a postcode or an address")
                    continue
                result = found.get(query)
                if result is None:
                    what = "postcode" if fields.get("postcode") not in (None, "") else "address"
                    report.reject(number, fields, f"could not geocode {what} {query}")
                    continue
                data["lon"], data["lat"] = result.lon, result.lat
                geocoded[0] += 1
            try:
                sub = _submission(number, data, known, report)
            except ValidationFailed as exc:
                report.reject(number, fields, "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
                continue
            ref = _text(fields.get("source_ref")) or stable_ref(sub.name, sub.postcode, round(sub.lon, 6),
                                                                 round(sub.lat, 6))
            if ref in seen:
                report.reject(number, fields, f"source_ref {ref!r} repeats row {seen[ref]}")
                continue
            seen[ref] = number
            valid.append((number, ref, sub))
        yield valid, min(CHUNK, len(rows) - start)


def _submission(number: int, data: dict[str, Any], known, report: ImportReport) -> AssetSubmission:
    """The row checked by the shared rules. A bad offer does not sink its asset: it is dropped, with its reason on
    the report, and the asset is kept with its valid offers; anything wrong with the asset itself rejects the row."""
    values = {k: data.get(k) for k in _SUBMISSION_KEYS}
    offers = values["capacity"]
    dropped: dict[int, str] = {}
    if isinstance(offers, list) and len(offers) > MAX_OFFERS:
        dropped = {i: f"a place holds at most {MAX_OFFERS} offers" for i in range(MAX_OFFERS, len(offers))}
    values["capacity"] = _without(offers, dropped)
    try:
        sub = validate_submission(values, vocabularies=known, inside_service_area=None)
    except ValidationFailed as exc:
        bad = _offer_problems(exc.errors)
        if not bad or sum(len(p) for p in bad.values()) < len(exc.errors):
            raise
        sub = validate_submission(values | {"capacity": _without(values["capacity"], bad)}, vocabularies=known,
                                  inside_service_area=None)
        dropped |= {i: "; ".join(p) for i, p in bad.items()}
    for i in sorted(dropped):
        offer = offers[i] if isinstance(offers[i], dict) else {}
        kind = _text(offer.get("kind"))[:40]
        report.drop(number, _text(data.get("name"))[:80], f"offer {i + 1}" + (f" ({kind})" if kind else ""),
                    dropped[i], "place")
    return sub


def _offer_problems(errors: dict[str, str]) -> dict[int, list[str]]:
    """The errors that belong to one offer (`capacity.N`, `capacity.N.field`), by the offer's index."""
    bad: dict[int, list[str]] = {}
    for key, message in errors.items():
        parts = key.split(".", 2)
        if parts[0] == "capacity" and len(parts) > 1 and parts[1].isdigit():
            bad.setdefault(int(parts[1]), []).append(f"{parts[2]}: {message}" if len(parts) > 2 else message)
    return bad


def _without(offers: Any, dropped: dict[int, Any]) -> Any:
    return [o for i, o in enumerate(offers) if i not in dropped] if dropped and isinstance(offers, list) else offers


_SUBMISSION_KEYS = ("name", "category", "description", "audience", "accessibility", "organisation", "address",
                    "postcode", "contact_email", "contact_phone", "private_home", "capacity", "lon", "lat")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


_UPSERT = (files(__package__) / "sql" / "asset_upsert.sql").read_text()


class _Writer:
    """Writes checked rows chunk by chunk in the import's transaction: COPY to TEMP staging, then one statement
    (sql/asset_upsert.sql) upserts the assets, placed in neighbourhoods set-based, with their offers and versions."""

    def __init__(self, cur: psycopg.Cursor, *, source: str, status: str):
        self.cur = cur
        self.params = {"status": status, "source": source, "actor": f"import:{source}"}
        self.inserted = self.updated = self.outside = 0
        self.schedules: set[str] = set()
        self.upsert = sql.SQL(_UPSERT).format(columns=_snapshot_columns(cur))

    def write(self, valid: list[tuple[int, str, AssetSubmission]]) -> None:
        if not valid:
            return
        cur = self.cur
        stage(cur, "import_assets", ASSET_COLUMNS, (
            (n, ref, s.name, s.category, s.description, s.audience, s.accessibility, s.organisation, s.address,
             s.postcode, s.contact_email, s.contact_phone, s.private_home, s.lon, s.lat) for n, ref, s in valid))
        offers = [(ref, i, o.kind, o.quantity, o.unit, o.schedule, schedules.words(o.schedule), o.cost, o.audience,
                   o.description) for _, ref, s in valid for i, o in enumerate(s.offers)]
        stage(cur, "import_offers", OFFER_COLUMNS, offers)
        self.schedules.update(o[5] for o in offers if o[5])
        # On for this one statement; a failure rolls the setting back with everything else.
        cur.execute("SELECT set_config('assetmap.neighbourhoods_given', 'on', true)")
        inserted, updated, outside = cur.execute(self.upsert, self.params).fetchone()
        cur.execute("SELECT set_config('assetmap.neighbourhoods_given', 'off', true)")
        self.inserted += inserted
        self.updated += updated
        self.outside += outside

    def finish(self) -> None:
        schedule_weeks.remember(self.cur, self.schedules)


def _snapshot_columns(cur: psycopg.Cursor) -> sql.Composable:
    """asset_snapshot()'s columns of the row an INSERT … RETURNING names `assets` (lon, lat, offers are added).

    to_jsonb(assets) would turn all four geometry columns into GeoJSON only to drop three, each a lookup of its
    coordinate system (~20 µs a row); the columns are named from the catalogue (so new ones are kept), and a
    geometry kept (geom_bng) is written by ST_AsGeoJSON with the same short CRS and digits as to_jsonb."""
    columns = cur.execute(
        "SELECT attname, atttypid = 'geometry'::regtype FROM pg_attribute WHERE attrelid = 'assets'::regclass "
        "AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('edit_token_hash', 'geom', 'public_geom', "
        "'tile_geom') ORDER BY attnum").fetchall()

    def value(name: str, geometry: bool) -> sql.Composable:
        column = sql.SQL("assets.{}").format(sql.Identifier(name))
        return sql.SQL("ST_AsGeoJSON({}, 17, 2)::jsonb").format(column) if geometry else column
    # jsonb_build_object takes at most 100 arguments: build it in slices of 40 columns joined with ||.
    return sql.SQL(" || ").join([sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(name), value(name, geometry)) for name, geometry in columns[i:i + 40]))
        for i in range(0, len(columns), 40)])
