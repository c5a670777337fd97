"""The community side of the demo town: organisations, assets, their spare capacity and groups' needs."""

import numpy as np
import pandas as pd

from . import catalogue, names
from .draw import dedupe, fill, phones, pick, rng_for, slugs, uuids
from .geometry import CENTRE, jitter_within, nearest, to_lonlat
from .places import Places

ASSET_STATUS = {"published": 0.91, "pending": 0.05, "rejected": 0.02, "archived": 0.02}
OFFERS_PER_ASSET = {0: 0.2, 1: 0.42, 2: 0.26, 3: 0.12}
COST = {"free": 0.55, "donation": 0.2, "subsidised": 0.15, "paid": 0.1}
OFFER_STATUS = {"active": 0.9, "paused": 0.07, "ended": 0.03}
NEED_STATUS = {"open": 0.85, "met": 0.1, "closed": 0.05}
PRIVATE_HOME_SHARE = 0.03
# Added to an offer's description when it has a quantity, so the words say how much as well as the numbers.
QUANTITY_PHRASE = {"space": ", up to {q} people", "transport": ", {q} seats", "volunteer_time": ", {q} hours a week",
                   "skills": ", {q} hours a week", "food": ", about {q} items a week"}


def _slots(rng: np.random.Generator, hood_names, street_names) -> dict[str, np.ndarray]:
    """Values for every name-template slot, one row per name to make."""
    n = len(hood_names)
    return {"hood": np.asarray(hood_names, dtype=object), "street": np.asarray(street_names, dtype=object),
            "town": np.full(n, names.TOWN, dtype=object), "county": np.full(n, names.COUNTY, dtype=object),
            "saint": pick(rng, names.SAINTS, n), "park": pick(rng, names.PARKS, n), "day": pick(rng, names.DAYS, n),
            "surname": pick(rng, names.SURNAMES, n), "pub": pick(rng, names.PUBS, n)}


def _varies(template: str) -> bool:
    """Whether a name template can give more than one name (it has a slot other than town or county)."""
    return any(f"{{{slot}}}" in template for slot in ("hood", "street", "saint", "park", "day", "surname", "pub"))


def organisations(places: Places, seed: int) -> pd.DataFrame:
    """About 120 residents' groups, charities, faith groups, public bodies, businesses and social enterprises."""
    rng = rng_for(seed, "organisations")
    kinds = np.concatenate([[k] * n for k, n in catalogue.ORGANISATIONS.items()])
    hood_names = places.hoods["name"].to_numpy(dtype=object)
    street_names = places.streets["name"].to_numpy(dtype=object)
    # A town has one borough council and one food bank trust: fixed names are used once each, and the rest of
    # each kind comes from templates that vary.
    varying = {k: [t for t in names.ORGANISATIONS[k] if _varies(t)] for k in catalogue.ORGANISATIONS}
    templates = np.empty(len(kinds), dtype=object)
    for kind, count in catalogue.ORGANISATIONS.items():
        fixed = rng.permutation(np.array([t for t in names.ORGANISATIONS[kind] if not _varies(t)], dtype=object))
        templates[kinds == kind] = np.concatenate([fixed[:count], pick(rng, varying[kind], count - len(fixed[:count]))])

    def draw(idx: np.ndarray) -> list[str]:
        return fill(templates[idx], _slots(rng, pick(rng, hood_names, len(idx)), pick(rng, street_names, len(idx))))

    def redraw(idx: np.ndarray) -> list[str]:
        templates[idx] = [pick(rng, varying[k], 1)[0] for k in kinds[idx]]
        return draw(idx)

    every = np.arange(len(kinds))
    org_names = dedupe(draw(every), redraw, pick(rng, hood_names, len(kinds)).tolist(), rounds=20)
    website = [f"https://{s}.example.org" if w else None
               for s, w in zip(slugs(org_names), rng.random(len(kinds)) < 0.5)]
    return pd.DataFrame({"source_ref": [f"org-{i + 1:04d}" for i in every], "name": org_names, "kind": kinds,
                         "website": website})


def assets(places: Places, orgs: pd.DataFrame, seed: int, scale: float) -> pd.DataFrame:
    """Community assets, denser in the centre, each near a postcode in the town."""
    rng = rng_for(seed, "assets")
    n = max(1, round(catalogue.ASSETS * scale))
    hoods, pcs = places.hoods, places.postcodes

    # Where: near a postcode, picked by its neighbourhood's population and closeness to the centre.
    centrality = np.exp(-((np.hypot(hoods["cx"] - CENTRE[0], hoods["cy"] - CENTRE[1]) / 2_000) ** 2))
    hood_weight = (hoods["population"] * (1 + 1.5 * centrality)).to_numpy()
    per_postcode = hood_weight[pcs["hood"]] / np.bincount(pcs["hood"], minlength=len(hoods))[pcs["hood"]]
    anchor = rng.choice(len(pcs), size=n, p=per_postcode / per_postcode.sum())
    hood = pcs["hood"].to_numpy()[anchor]
    x, y = jitter_within(pcs["x"].to_numpy()[anchor], pcs["y"].to_numpy()[anchor], 90.0,
                         hoods["inner"].to_numpy()[hood], rng)
    at = nearest(x, y, pcs["x"].to_numpy(), pcs["y"].to_numpy())
    street = pcs["street"].to_numpy(dtype=object)[at]

    # What: a name template and its description, by category.
    codes = list(catalogue.CATEGORIES)
    category = pick(rng, codes, n, [catalogue.CATEGORIES[c][0] for c in codes])
    hood_names = hoods["name"].to_numpy(dtype=object)[hood]
    template = np.empty(n, dtype=np.int64)

    def draw(idx: np.ndarray) -> list[str]:
        for c in codes:
            mine = idx[category[idx] == c]
            template[mine] = rng.integers(0, len(names.ASSETS[c]), len(mine))
        patterns = [names.ASSETS[c][t][0] for c, t in zip(category[idx], template[idx])]
        return fill(patterns, _slots(rng, hood_names[idx], street[idx]))

    asset_names = dedupe(draw(np.arange(n)), draw, street.tolist())
    description = [names.ASSETS[c][t][1] for c, t in zip(category, template)]
    audience = np.empty(n, dtype=object)
    org_ref = np.full(n, None, dtype=object)
    refs = orgs["source_ref"].to_numpy(dtype=object)
    for c in codes:
        mine = np.flatnonzero(category == c)
        audience[mine] = pick(rng, names.CATEGORY_AUDIENCES.get(c, names.AUDIENCES), len(mine))
        runners = refs[orgs["kind"].isin(catalogue.CATEGORIES[c][1]).to_numpy()]
        owned = mine[rng.random(len(mine)) < 0.85]   # the rest are informal groups or unknown
        org_ref[owned] = pick(rng, runners, len(owned))

    # Some small groups meet in a member's home: never shown exactly, and no house number.
    home_weight = sum(catalogue.CATEGORIES[c][0] for c in catalogue.HOME_CATEGORIES)
    home_share = PRIVATE_HOME_SHARE * sum(w for w, _, _ in catalogue.CATEGORIES.values()) / home_weight
    private = np.isin(category, catalogue.HOME_CATEGORIES) & (rng.random(n) < home_share)
    numbers = rng.integers(1, 160, n).astype(str).astype(object)
    address = np.where(private, street, numbers + " " + street)

    tag_lists = _tag_lists()
    has_email = np.flatnonzero(rng.random(n) < 0.45)
    email = np.full(n, None, dtype=object)
    email[has_email] = [f"{s}@example.org" for s in slugs(np.asarray(asset_names, dtype=object)[has_email])]
    phone = np.where(rng.random(n) < 0.4, np.asarray(phones(rng, n), dtype=object), None)
    lon, lat = to_lonlat(x, y)
    return pd.DataFrame({
        "source_ref": [f"asset-{i + 1:06d}" for i in range(n)],
        "public_id": uuids(rng, n),
        "name": asset_names,
        "category": category,
        "tags": tag_lists[rng.integers(0, len(tag_lists), n)],
        "description": description,
        "audience": audience,
        "accessibility": pick(rng, names.ACCESSIBILITY, n),
        "org_ref": org_ref,
        "address": address,
        "postcode": pcs["postcode"].to_numpy(dtype=object)[at],
        "lon": lon, "lat": lat,
        "location_precision": np.where(private, "generalised", "exact").astype(object),
        "is_private_home": private,
        "contact_email": email,
        "contact_phone": phone,
        "status": pick(rng, list(ASSET_STATUS), n, list(ASSET_STATUS.values())),
    })


def _tag_lists() -> np.ndarray:
    """Every subset of up to three tags, as lists, so tags can be drawn by index."""
    t = names.TAGS
    subsets = [[]] + [[a] for a in t] + [[a, b] for i, a in enumerate(t) for b in t[i + 1:]]
    subsets += [[a, b, c] for i, a in enumerate(t) for j, b in enumerate(t[i + 1:], i + 1) for c in t[j + 1:]]
    out = np.empty(len(subsets), dtype=object)
    out[:] = subsets
    return out


def schedules() -> list[tuple[str, str]]:
    """Every schedule the demo can give, in opening_hours syntax, with the same in words."""
    return [(f"{d} {h}{r}", f"{dw}, {hw}") for d, dw in catalogue.SCHEDULE_DAYS
            for h, hw in catalogue.SCHEDULE_HOURS for r in catalogue.SCHEDULE_RULES]


def _schedules(rng: np.random.Generator, n: int, missing: float) -> tuple[np.ndarray, np.ndarray]:
    """n schedules (None for 'by arrangement') and their words."""
    table = schedules()
    k = rng.integers(0, len(table), n)
    rules = np.array([s for s, _ in table], dtype=object)[k]
    words = np.array([w for _, w in table], dtype=object)[k]
    none = rng.random(n) < missing
    return np.where(none, None, rules), np.where(none, "by arrangement", words)


def _quantities(rng: np.random.Generator, kinds: np.ndarray, given: float) -> tuple[np.ndarray, np.ndarray]:
    """A quantity and unit for each capacity kind, both None together where not given."""
    n = len(kinds)
    quantity = pd.array([None] * n, dtype="Int64")
    unit = np.full(n, None, dtype=object)
    for kind, (u, lo, hi) in catalogue.QUANTITY.items():
        mine = np.flatnonzero((kinds == kind) & (rng.random(n) < given))
        if u is not None and len(mine):
            quantity[mine] = rng.integers(lo, hi + 1, len(mine))
            unit[mine] = u
    return quantity, unit


def offers(assets_: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Zero to three capacity offers per asset, of kinds that suit its category."""
    rng = rng_for(seed, "offers")
    per = rng.choice(list(OFFERS_PER_ASSET), size=len(assets_), p=list(OFFERS_PER_ASSET.values()))
    owner = np.repeat(np.arange(len(assets_)), per)
    n = len(owner)
    category = assets_["category"].to_numpy(dtype=object)[owner]
    kind = np.empty(n, dtype=object)
    for c, (_, _, weights) in catalogue.CATEGORIES.items():
        mine = category == c
        kind[mine] = pick(rng, catalogue.CAPACITY_KINDS, int(mine.sum()), weights)
    schedule, when = _schedules(rng, n, missing=0.1)
    quantity, unit = _quantities(rng, kind, given=0.9)
    what = np.empty(n, dtype=object)
    for k in catalogue.CAPACITY_KINDS:
        mine = kind == k
        what[mine] = pick(rng, names.OFFER_WHAT[k], int(mine.sum()))
    qs = quantity.to_numpy(dtype=object, na_value=None)
    phrase = [QUANTITY_PHRASE.get(k, "").format(q=q) if q is not None else "" for k, q in zip(kind, qs)]
    description = [w.format(when=t) + p for w, t, p in zip(what, when, phrase)]
    return pd.DataFrame({
        "asset_ref": assets_["source_ref"].to_numpy(dtype=object)[owner],
        "kind": kind, "description": description, "quantity": quantity, "unit": unit, "schedule": schedule,
        "audience": pick(rng, names.OFFER_AUDIENCES, n),
        "cost": pick(rng, list(COST), n, list(COST.values())),
        "status": pick(rng, list(OFFER_STATUS), n, list(OFFER_STATUS.values())),
    })


def needs(places: Places, orgs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """What local groups are looking for, mostly in the neighbourhoods in most need."""
    rng = rng_for(seed, "needs")
    n = catalogue.NEEDS
    hoods, pcs = places.hoods, places.postcodes
    need = hoods["need_score"].to_numpy()
    hood = rng.choice(len(hoods), size=n, p=need / need.sum())
    anchor = np.array([rng.choice(np.flatnonzero(pcs["hood"].to_numpy() == h)) for h in hood])
    x, y = jitter_within(pcs["x"].to_numpy()[anchor], pcs["y"].to_numpy()[anchor], 90.0,
                         hoods["inner"].to_numpy()[hood], rng)
    kind = pick(rng, list(names.NEEDS), n, [4, 3, 5, 3, 2, 2, 1])
    picked = [names.NEEDS[k][rng.integers(len(names.NEEDS[k]))] for k in kind]
    quantity, unit = _quantities(rng, kind, given=0.8)
    schedule, _ = _schedules(rng, n, missing=0.4)
    askers = orgs.loc[orgs["kind"].isin(["residents_group", "charity", "faith_group", "social_enterprise", "other"]),
                      "source_ref"].to_numpy(dtype=object)
    lon, lat = to_lonlat(x, y)
    hood_names = hoods["name"].to_numpy()[hood]
    return pd.DataFrame({
        "title": [f"{t} in {h}" for (t, _), h in zip(picked, hood_names)],
        "kind": kind, "description": [d for _, d in picked], "quantity": quantity, "unit": unit,
        "schedule": schedule, "audience": pick(rng, names.OFFER_AUDIENCES, n),
        "org_ref": pick(rng, askers, n), "lon": lon, "lat": lat,
        "status": pick(rng, list(NEED_STATUS), n, list(NEED_STATUS.values())),
    })



# Days since each entry was last confirmed: most recently, some due for a reminder, a few past the grace
# period, so the staleness report and the map's "unconfirmed" marking have something to show.
CONFIRMED_AGES = {(0, 150): 0.8, (190, 260): 0.12, (300, 600): 0.08}


def confirmed(assets_: pd.DataFrame, offers_: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add confirmed_days_ago to assets and offers; an offer is never confirmed later than its asset."""
    rng = rng_for(seed, "confirmed")
    spans = list(CONFIRMED_AGES)
    span = rng.choice(len(spans), size=len(assets_), p=list(CONFIRMED_AGES.values()))
    lo, hi = np.array([spans[i][0] for i in span]), np.array([spans[i][1] for i in span])
    asset_days = pd.Series(rng.integers(lo, hi + 1), index=assets_["source_ref"].to_numpy())
    offer_days = asset_days.reindex(offers_["asset_ref"].to_numpy()).to_numpy()
    return (assets_.assign(confirmed_days_ago=asset_days.to_numpy()),
            offers_.assign(confirmed_days_ago=offer_days))
