"""The access log of `assetmap serve` never holds a private link's secret."""

from __future__ import annotations

from assetmap.access_log import redact
from tests.scaling.processes import Serve

SECRET = "Xq7-secret-token-value-1234567890abcdef"


def test_private_links_are_redacted_in_words():
    assert redact(f"GET /edit/{SECRET}/requests/abc?x=1 HTTP/1.1") == "GET /edit/[redacted]/requests/abc?x=1 HTTP/1.1"
    assert redact(f"/r/{SECRET}") == "/r/[redacted]" and redact(f"/h/{SECRET}#x") == "/h/[redacted]#x"
    assert redact("/assets/123") == "/assets/123" and redact("/workshops/ABC234") == "/workshops/ABC234"


def test_the_served_access_log_holds_no_token(fresh_db_url, tmp_path):
    server = Serve(tmp_path, DATABASE_URL=fresh_db_url)
    try:
        for path in (f"/edit/{SECRET}", f"/confirm/{SECRET}", f"/r/{SECRET}", f"/h/{SECRET}", "/assets"):
            server.request("GET", path)
    finally:
        server.stop()
    log = server.output()
    assert SECRET not in log
    assert log.count("/edit/[redacted]") == 1 and '"GET /assets HTTP/1.1" 200' in log
