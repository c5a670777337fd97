"""The public list of places (/assets): published assets by neighbourhood then name, a page at a time, and the
small reads for its filters.

Pages are found by keyset, not OFFSET: a page starts after (or, going back, before) the last row of the page it
came from, so the last page of a million costs what the first does (OFFSET read and threw away every row before
it: 21 s for the last page at 1.2M). The number of places is counted only up to COUNT_CAP: beyond that the page
says "more than", rather than counting a million rows for every page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from ..errors import InvalidParameter
from .assets import ASSET_COLUMNS, PublicAsset, filters, offers_of

COUNT_CAP = 10_000
# The list's order, as a row value: places outside every neighbourhood last, then by neighbourhood, name and id.
_KEY = sql.SQL("(a.neighbourhood_name IS NULL, coalesce(a.neighbourhood_name, ''), a.name, a.id)")
_KEY_PARAMS = ("k_outside", "k_hood", "k_name", "k_id")
_KEY_VALUE = sql.SQL("(%(k_outside)s::boolean, %(k_hood)s::text, %(k_name)s::text, %(k_id)s::bigint)")


@dataclass(frozen=True)
class NeighbourhoodName:
    code: str
    name: str


def neighbourhood_names(conn: psycopg.Connection) -> list[NeighbourhoodName]:
    """Every neighbourhood's code and name, by name."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute("SELECT code, name FROM neighbourhoods ORDER BY name, code").fetchall()
    return [NeighbourhoodName(code, name) for code, name in rows]


def cursor_of(key: tuple) -> str:
    """A row's place in the list as an opaque token for a link."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def key_of(token: str, param: str) -> tuple:
    """A token from a link back into the row value it stands for; InvalidParameter when it is not one of ours."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        outside, hood, name, asset_id = value
        if not (isinstance(outside, bool) and isinstance(hood, str) and isinstance(name, str)
                and isinstance(asset_id, int) and not isinstance(asset_id, bool)):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameter(param, "is not a page of this list; go back to its first page") from None
    return outside, hood, name, asset_id


@dataclass(frozen=True)
class AssetPage:
    assets: list[PublicAsset]     # with their offers; `offer_counts` gives how many each has
    offer_counts: dict
    total: int                    # counted up to COUNT_CAP; `total_capped` says when there are more
    total_capped: bool
    previous: str | None          # token of the page before (`before=`), None on the first page
    next: str | None              # token of the page after (`after=`), None on the last page


def list_public_assets(conn: psycopg.Connection, *, categories: list[str] | None = None,
                       neighbourhood: str | None = None, limit: int = 50, after: str | None = None,
                       before: str | None = None) -> AssetPage:
    """One page of published assets by neighbourhood then name: the first, the one `after` a token, or the one
    `before` a token."""
    where, params = filters(None, categories, neighbourhood)
    page_where, order, going_back = where, sql.SQL("ASC"), False
    if after is not None:
        params.update(zip(_KEY_PARAMS, key_of(after, "after")))
        page_where = sql.SQL("{} AND {} > {}").format(where, _KEY, _KEY_VALUE)
    elif before is not None:
        params.update(zip(_KEY_PARAMS, key_of(before, "before")))
        page_where = sql.SQL("{} AND {} < {}").format(where, _KEY, _KEY_VALUE)
        order, going_back = sql.SQL("DESC"), True
    params.update(fetch=limit + 1, cap=COUNT_CAP + 1)
    with conn.cursor(row_factory=dict_row) as cur:
        total = cur.execute(sql.SQL("SELECT count(*) AS n FROM (SELECT 1 FROM public_assets a WHERE {} "
                                    "LIMIT %(cap)s) x").format(where), params).fetchone()["n"]
        rows = cur.execute(sql.SQL("""
            SELECT {columns}, jsonb_array_length(a.capacity) AS offer_count,
                   a.neighbourhood_name IS NULL AS k_outside, coalesce(a.neighbourhood_name, '') AS k_hood
              FROM public_assets a
             WHERE {where}
             ORDER BY a.neighbourhood_name IS NULL {order}, coalesce(a.neighbourhood_name, '') {order},
                      a.name {order}, a.id {order}
             LIMIT %(fetch)s""").format(columns=ASSET_COLUMNS, where=page_where, order=order),
            params).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if going_back:
            rows.reverse()
        offers = offers_of(cur, [r["id"] for r in rows])
    keys = [(r.pop("k_outside"), r.pop("k_hood"), r["name"], r["id"]) for r in rows]
    counts, assets = {}, []
    for r in rows:
        counts[r["public_id"]] = r.pop("offer_count")
        asset_id = r.pop("id")
        assets.append(PublicAsset(**r, offers=offers.get(asset_id, ())))
    has_before = (more if going_back else after is not None) and bool(keys)
    has_after = (before is not None if going_back else more) and bool(keys)
    return AssetPage(assets, counts, min(total, COUNT_CAP), total > COUNT_CAP,
                     cursor_of(keys[0]) if has_before else None, cursor_of(keys[-1]) if has_after else None)
