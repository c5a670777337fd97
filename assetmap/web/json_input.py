"""Request bodies as JSON, refusing two things Python's json module accepts but the app cannot use.

A 100,000-deep array makes the parser recurse until Python gives up (RecursionError, a 500); a lone surrogate
("\\ud800") decodes to a string that PostgreSQL and UTF-8 cannot hold (a 500 where it is stored). Both become a
parse failure here, which Flask answers as a bad request (or, with `get_json(silent=True)`, as no body at all).
"""

from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider


class JSONInput(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("the JSON holds text that is not valid Unicode (a lone surrogate such as \\ud800)") \
                from None
        return value
