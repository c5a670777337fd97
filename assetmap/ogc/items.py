"""A collection's items: the query parameters read and checked, one page of features, one feature.

Pages follow the collection's key (`k`), and a next link names the last key of its page (`after=`): the index
finds where a page starts however deep it is (OFFSET read and threw away every row before the page: 824 ms at 1.2M
assets, against 1.5 ms). `offset` is still taken, because the standard and some clients use it, up to MAX_OFFSET.
`numberMatched` is counted only up to COUNT_CAP (the public list's cap) and left out beyond it, so that a page never
costs a count of a million rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from .. import vocab
from ..errors import InvalidParameter, NotFound
from ..model.listing import COUNT_CAP
from ..validate import BBox, in_utc, parse_bbox, parse_int
from . import cql2
from .collections import CRS84, Collection

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000
# Parameters every items request may carry besides one per property.
COMMON_PARAMS = ("f", "limit", "offset", "after", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang",
                 "filter-crs")
CRS84_NAMES = {CRS84, "http://www.opengis.net/def/crs/OGC/1.3/CRS84h", "[OGC:CRS84]", "OGC:CRS84",
               "urn:ogc:def:crs:OGC:1.3:CRS84"}

_SQL = {name: (files(__package__) / "sql" / f"{name}.sql").read_text() for name in ("items", "item")}


@dataclass(frozen=True)
class Query:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: int | None = None
    bbox: BBox | None = None
    interval: tuple[datetime | None, datetime | None] | None = None   # datetime=, as [start, end); None ends open
    equals: tuple[tuple[str, tuple], ...] = ()                          # property query parameters: name, values
    filter: cql2.Filter | None = None


@dataclass(frozen=True)
class Page:
    features_json: str        # a JSON array of GeoJSON Features, as text
    returned: int
    more: bool
    last_key: int | None      # the next page starts after this key
    matched: int | None       # None: more than COUNT_CAP


def parse_query(conn: psycopg.Connection, coll: Collection, args: Mapping[str, list[str]]) -> Query:
    """The items parameters (each name → its values, as a query string gives them) read and checked."""
    names = {p.name for p in coll.properties}
    for name, given in args.items():
        if name not in COMMON_PARAMS and name not in names:
            raise InvalidParameter(name, "unknown parameter; this collection takes "
                                   f"{', '.join([*COMMON_PARAMS, *sorted(names)])}")
        if len(given) > 1 and name not in names:
            raise InvalidParameter(name, "give it once")
    one = {name: given[0] for name, given in args.items() if given}
    for param in ("bbox-crs", "crs", "filter-crs"):
        if param in one and one[param] not in CRS84_NAMES:
            raise InvalidParameter(param, f"only {CRS84} (longitude, latitude) is supported")
    if one.get("offset") and one.get("after"):
        raise InvalidParameter("after", "give `after` (from a next link) or `offset`, not both")
    offset = parse_int(one.get("offset"), "offset", 0, 0, 10**12)
    if offset > MAX_OFFSET:
        raise InvalidParameter("offset", f"must be at most {MAX_OFFSET}; to go further, follow the response's "
                               "next link (it starts the page after the last feature, however deep)")
    after = parse_int(one.get("after"), "after", 0, 0, 2**63 - 1) if one.get("after") else None
    bbox = one.get("bbox")
    if bbox is not None and len(bbox.split(",")) == 6:   # a 3D box: heights mean nothing for our features
        parts = bbox.split(",")
        bbox = ",".join([parts[0], parts[1], parts[3], parts[4]])
    filter_ = None
    if one.get("filter"):
        filter_ = cql2.compile_text(one["filter"], coll, one.get("filter-lang") or "cql2-text")
    elif "filter-lang" in one and one["filter-lang"] not in cql2.LANGUAGES:
        raise InvalidParameter("filter-lang", f"must be one of {', '.join(cql2.LANGUAGES[:2])}")
    return Query(limit=parse_int(one.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), offset=offset,
                 after=after, bbox=parse_bbox(bbox), interval=parse_datetime(one.get("datetime")),
                 equals=_equals(conn, coll, {n: v for n, v in args.items() if n in names}), filter=filter_)


def _equals(conn: psycopg.Connection, coll: Collection, given: dict[str, list[str]]) -> tuple:
    """Property query parameters: a property's values (commas separate codes of a vocabulary), each read as the
    property's type."""
    found = []
    for name, raws in given.items():
        prop = coll.property(name)
        if prop.vocabulary:
            known = {t.code for t in vocab.load(conn, prop.vocabulary)}
            codes = [c.strip() for raw in raws for c in raw.split(",") if c.strip()]
            unknown = [c for c in codes if c not in known]
            if unknown or not codes:
                raise InvalidParameter(name, f"unknown value {(unknown or [''])[0][:40]!r}; known: "
                                       f"{', '.join(sorted(known))}")
            found.append((name, tuple(codes)))
            continue
        try:
            found.append((name, tuple(cql2.literal(_typed(raw, prop.type), prop.type) for raw in raws)))
        except InvalidParameter:
            raise InvalidParameter(name, f"expected a {prop.type} value") from None
    return tuple(found)


def _typed(raw: str, kind: str):
    if kind == "integer":
        return int(raw) if raw.strip().lstrip("-").isdigit() else raw
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.strip().lower(), raw)
    return raw


def parse_datetime(raw: str | None) -> tuple[datetime | None, datetime | None] | None:
    """`datetime=` as OGC API gives it: an instant, or an interval start/end with `..` or nothing for an open end.
    Returns [start, end); a date without a time stands for its whole day."""
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split("/")
    if len(parts) > 2:
        raise InvalidParameter("datetime", "expected an instant or start/end (RFC 3339, `..` for an open end)")
    if len(parts) == 1:
        start, end = _instant(parts[0])
        return start, end
    start = None if parts[0] in ("", "..") else _instant(parts[0])[0]
    end = None if parts[1] in ("", "..") else _instant(parts[1])[1]
    if start is None and end is None:
        raise InvalidParameter("datetime", "an interval needs at least one end")
    if start is not None and end is not None and start >= end:
        raise InvalidParameter("datetime", "the interval's start must come before its end")
    return start, end


def _instant(text: str) -> tuple[datetime, datetime]:
    """An RFC 3339 date-time (a moment, returned as [it, it + 1 µs)) or date (its whole day, in UTC)."""
    text = text.strip()
    try:
        if "T" not in text.upper():
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(), UTC)
            return start, start + timedelta(days=1)
        moment = in_utc(datetime.fromisoformat(text.upper().replace("Z", "+00:00")))
        return moment, moment + timedelta(microseconds=1)
    except (ValueError, OverflowError):   # OverflowError: the day or moment after 9999-12-31's last
        raise InvalidParameter("datetime", f"{text[:40]!r} is not an RFC 3339 date-time such as "
                               "2025-01-31T09:00:00Z") from None


def conditions(coll: Collection, query: Query) -> tuple[sql.Composable, dict]:
    """The query's filters as one WHERE expression over the source `s`, and their bound values."""
    conds: list[sql.Composable] = [sql.SQL("true")]
    params: dict = {}
    if query.bbox is not None:
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox))
        conds.append(sql.SQL("s.geom && ST_Transform(ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326), "
                             "{srid})").format(srid=sql.Literal(coll.srid)))
    if query.interval is not None and coll.datetime:
        start, end = query.interval
        params.update(t_start=start, t_end=end)
        conds.append(sql.SQL("(%(t_start)s::timestamptz IS NULL OR {t} >= %(t_start)s) AND "
                             "(%(t_end)s::timestamptz IS NULL OR {t} < %(t_end)s)").format(
            t=sql.Identifier("s", coll.datetime)))
    for i, (name, given) in enumerate(query.equals):
        params[f"eq{i}"] = list(given)
        pg_type = cql2.PG_TYPES[coll.property(name).type]
        conds.append(sql.SQL("{} = ANY({}::{}[])").format(sql.Identifier("s", name), sql.Placeholder(f"eq{i}"),
                                                          sql.SQL(pg_type)))
    if query.filter is not None:
        params.update(query.filter.params)
        conds.append(query.filter.where)
    return sql.SQL(" AND ").join(conds), params


def _properties(coll: Collection) -> sql.Composable:
    return sql.SQL("json_build_object({})").format(sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(p.name), sql.Identifier("s", p.name)) for p in coll.properties))


def page(conn: psycopg.Connection, coll: Collection, query: Query) -> Page:
    """One page of features in key order, from the start, `offset` rows in, or `after` a key."""
    where, params = conditions(coll, query)
    source = sql.SQL(coll.source)
    page_where = where if query.after is None else sql.SQL("{} AND s.k > %(after)s").format(where)
    params.update(fetch=query.limit + 1, limit=query.limit, offset=query.offset, after=query.after)
    statement = sql.SQL(_SQL["items"]).format(source=source, where=page_where, properties=_properties(coll))
    with conn.cursor(row_factory=tuple_row) as cur:
        text, returned, more, last_key = cur.execute(statement, params).fetchone()
        matched = cur.execute(sql.SQL("SELECT count(*) FROM (SELECT 1 FROM ({source}) s WHERE {where} "
                                      "LIMIT %(cap)s) x").format(source=source, where=where),
                              {**params, "cap": COUNT_CAP + 1}).fetchone()[0]
    return Page(text, returned, bool(more), last_key, matched if matched <= COUNT_CAP else None)


def feature(conn: psycopg.Connection, coll: Collection, feature_id: str) -> dict:
    """One feature by its id; NotFound when there is none (or the id cannot be one of this collection's)."""
    try:
        key = uuid.UUID(feature_id) if coll.id_type == "uuid" else \
            int(feature_id) if coll.id_type == "integer" else feature_id
    except ValueError:
        raise NotFound(f"no feature {feature_id[:60]!r} in {coll.id}") from None
    if isinstance(key, int) and not -2**63 <= key < 2**63:
        raise NotFound(f"no feature {feature_id[:60]!r} in {coll.id}")
    statement = sql.SQL(_SQL["item"]).format(source=sql.SQL(coll.source), properties=_properties(coll))
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(statement, {"id": key}).fetchone()
    if row is None:
        raise NotFound(f"no feature {feature_id[:60]!r} in {coll.id}")
    return row[0]
