"""Seeded, vectorised drawing helpers shared by the demo generators."""

from string import Formatter

import numpy as np
import pandas as pd

# Fixed stream numbers, so adding a stream never changes what the others draw (hash() of a name would vary
# between runs).
STREAMS = {"geometry": 1, "places": 2, "organisations": 3, "assets": 4, "offers": 5, "needs": 6, "services": 7,
           "confirmed": 8}


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """The generator for one part of the town: independent of the others and of the scale."""
    return np.random.default_rng([STREAMS[stream], seed])


def pick(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    """n choices from options (with replacement), as an object array of the options themselves."""
    options = np.asarray(options, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float) / np.sum(p)
    return options[rng.choice(len(options), size=n, p=p)]


def fill(templates, slots: dict[str, np.ndarray]) -> list[str]:
    """Format each template with the same row of every slot array."""
    codes, uniques = pd.factorize(np.asarray(templates, dtype=object))
    out = np.empty(len(codes), dtype=object)
    # One template at a time, concatenating whole columns: far faster than formatting row by row.
    for k, template in enumerate(uniques):
        rows = codes == k
        text = np.full(int(rows.sum()), "", dtype=object)
        for literal, field, _, _ in Formatter().parse(template):
            text = text + literal
            if field is not None:
                text = text + np.asarray(slots[field], dtype=object)[rows]
        out[rows] = text
    return out.tolist()


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """n random version-4 UUIDs drawn from rng, so public ids are stable for a seed."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    h = b.tobytes().hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]


def phones(rng: np.random.Generator, n: int) -> list[str]:
    """Numbers from Ofcom's range reserved for drama (01632 960000-960999), so none rings a real person."""
    return [f"01632 960{k:03d}" for k in rng.integers(0, 1000, n).tolist()]


def slugs(texts) -> list[str]:
    """Lower-case words joined by hyphens, for made-up e-mail addresses and websites."""
    s = pd.Series(list(texts), dtype=object).str.lower().str.replace("&", "and").str.replace("'", "")
    return s.str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-").tolist()


def normalise(text: str) -> str:
    """The gazetteer's normalised form: upper case, single spaces."""
    return " ".join(text.upper().split())


def dedupe(names: list[str], redraw, suffixes: list[str], rounds: int = 4) -> list[str]:
    """Redraw names already taken a few times; then tell the rest apart with a suffix (duplicates may remain)."""
    names = list(names)
    dup = _duplicates(names)
    for _ in range(rounds):
        if not len(dup):
            return names
        for i, name in zip(dup.tolist(), redraw(dup)):
            names[i] = name
        before, dup = len(dup), _duplicates(names)
        if len(dup) > 10 and len(dup) > before / 2:   # a big town has run out of names: redrawing won't help
            break
    for i in _duplicates(names).tolist():
        names[i] = f"{names[i]} ({suffixes[i]})"
    return names


def _duplicates(names: list[str]) -> np.ndarray:
    """Indices of names equal to an earlier one."""
    return np.flatnonzero(pd.Series(names, dtype=object).duplicated().to_numpy())
