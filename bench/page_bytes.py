"""Bytes the public map costs a phone (390×844): `/` on a first visit and on a repeat visit in the same browser,
against the same first visit with compression refused (Accept-Encoding: identity) as the baseline; and how many
/api/v1/assets requests the map makes on load and after zooming in and back out.

The demo town at scale 1 (seed 1, as the tests use), served by werkzeug in a thread, tiles "none", in Debian's
Chromium driven by Playwright. Bytes are what Chrome's DevTools protocol reports as received for each request
(headers and body as sent, so compressed), summed; a response from the browser's cache counts nothing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import psycopg

from assetmap import create_app
from assetmap.demo.load import load_demo
from bench.common import bench_database

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
MAP = "window[document.getElementById('map-app').dataset.map]"


def visit(context, url: str, zoom_in_and_out: bool = False) -> dict:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    received, urls = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.setdefault(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_load_state("networkidle")

    def api_requests() -> int:
        return sum("/api/v1/assets?" in u for u in urls.values())

    result = {"bytes": sum(received.values()), "requests": sum(1 for n in received.values() if n),
              "api_requests_on_load": api_requests()}
    if zoom_in_and_out:
        for button in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"):
            bbox = page.get_attribute("#map-app", "data-bbox")
            page.locator(button).click()
            page.wait_for_function("""b => { const app = document.getElementById("map-app");
                return app.dataset.state === "ready" && app.dataset.bbox !== b; }""", arg=bbox)
            page.wait_for_load_state("networkidle")
        result["api_requests_after_zoom_in_and_out"] = api_requests()
    page.close()
    return result


def run(admin_url: str) -> dict:
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not found"}
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    with bench_database(admin_url, "bytes") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            assets = load_demo(conn, seed=1, scale=1)["assets"]
        app = create_app({"database_url": url, "tiles": "none", "secret_key": "bench"})
        logging.getLogger("werkzeug").setLevel(logging.WARNING)   # not a line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        page_url = f"http://127.0.0.1:{server.server_port}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
                context = browser.new_context(viewport=PHONE)
                first = visit(context, page_url, zoom_in_and_out=True)
                repeat = visit(context, page_url)
                context.close()
                plain_context = browser.new_context(viewport=PHONE,
                                                    extra_http_headers={"Accept-Encoding": "identity"})
                plain = visit(plain_context, page_url)
                browser.close()
        finally:
            server.shutdown()
            app.extensions["assetmap.pool"].close()
    return {"assets": assets, "first_visit_bytes": first["bytes"], "first_visit_requests": first["requests"],
            "repeat_visit_bytes": repeat["bytes"], "repeat_visit_requests": repeat["requests"],
            "baseline_uncompressed_first_visit_bytes": plain["bytes"],
            "ratio_to_baseline": round(first["bytes"] / plain["bytes"], 3),
            "api_requests_on_load": first["api_requests_on_load"],
            "api_requests_after_zoom_in_and_out": first["api_requests_after_zoom_in_and_out"]}
