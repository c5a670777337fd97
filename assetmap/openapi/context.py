"""What the document depends on in this deployment: the vocabularies' codes and the API's page limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# The code lists a document needs: the vocabulary tables (`assetmap.vocab`), the neighbourhood codes, and the
# agency kinds the analyses filter by.
VOCABULARIES = ("categories", "capacity_kinds", "units", "costs", "themes", "client_groups")


@dataclass(frozen=True)
class Context:
    codes: Mapping[str, Sequence[str]] = field(default_factory=dict)   # vocabulary (or "neighbourhoods", …) → codes
    default_limit: int = 1000
    max_limit: int = 10000

    def of(self, name: str) -> Sequence[str]:
        return self.codes.get(name, ())
