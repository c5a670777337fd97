"""Join codes: six characters a room can read off a screen and type on a phone without mistaking one for another."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: the pairs people confuse on a projector or when a code is read aloud.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
# Lower case, spaces and dashes are forgiven: people copy a code as they see it grouped on the screen.
_NOISE = re.compile(r"[\s-]+")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """A typed code in its stored form ('ab3 d-ef' → 'AB3DEF'), or None when it cannot be a code."""
    code = _NOISE.sub("", str(raw or "")).upper()
    return code if _VALID.match(code) else None
