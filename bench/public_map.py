"""The public map at 10k, 100k and 1M published assets, in headless Chromium (1280 × 800, a fresh profile per
visit), against what people would make instead with folium: a `folium.Marker` loop and a `FastMarkerCluster` of
the same points, written to HTML files and served compressed (brotli, as ours) by a plain static server.

For each page:
- time to first points: from navigation start to the first animation frame in which a point is on screen — a
  `.leaflet-marker-icon` in the document (a loaded marker image, or a cluster's bubble) or a tile canvas
  (`canvas.leaflet-tile`, ours above ASSETMAP_MAP_TILES_ABOVE) with a painted pixel. A script injected before
  the page's own (through the DevTools protocol, so the pages' CSP does not apply) checks each frame and keeps
  performance.now() of the first such frame.
- page bytes: what the network delivered (DevTools' encodedDataLength: headers and compressed bodies) for every
  response finished by the moment the first points were seen (polled every 25 ms).
- JS heap: DevTools' Performance.getMetrics JSHeapUsedSize once the page has gone quiet (network idle, at most
  15 s after the first points).

Anchors are measured in the browser up to BROWSER_CAP points each (the Marker loop at 10k, FastMarkerCluster at
100k): beyond them a run would not finish in the bench's time (docs/benchmarks.md). The Marker page's bytes at
100k are extrapolated from its compressed HTML at 2k and 10k (linear in the markers), and reported as such.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
import time
from pathlib import Path

import brotli
import folium
import psycopg
from folium.plugins import FastMarkerCluster

from assetmap.config import project_root
from assetmap.maps.offline import use_local_assets
from bench import county, servers

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 800}
BROWSER_CAP = {"marker": 10_000, "fastmarkercluster": 100_000}
TIMEOUT_S = {"ours": 60, "marker": 90, "fastmarkercluster": 90}

FIRST_POINTS = """
(() => {
  function painted(canvas) {
    if (!canvas.width || !canvas.height) return false;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i]) return true;
    return false;
  }
  const checked = new WeakSet();   // a tile canvas found empty is looked at again only while it is new
  function seen() {
    for (const icon of document.getElementsByClassName("leaflet-marker-icon")) {
      if (icon.tagName !== "IMG" || (icon.complete && icon.naturalWidth)) return true;
    }
    for (const canvas of document.querySelectorAll("canvas.leaflet-tile")) {
      if (painted(canvas)) return true;
      checked.add(canvas);
    }
    return false;
  }
  function frame() {
    if (seen()) { window.__firstPoints = performance.now(); return; }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
"""


# -- the anchors' pages ---------------------------------------------------------------------------------------------

def _folium_map() -> folium.Map:
    # No basemap, as ours in the bench (ASSETMAP_TILES=none); maxZoom on the map itself: MarkerCluster needs it.
    m = folium.Map(tiles=None, maxZoom=18)
    m.fit_bounds([[county.LAT0, county.LON0], [county.LAT1, county.LON1]])
    return m


def marker_page(points: list[tuple[float, float]]) -> str:
    m = _folium_map()
    for lon, lat in points:
        folium.Marker([lat, lon]).add_to(m)
    use_local_assets(m)
    return m.get_root().render()


def cluster_page(points: list[tuple[float, float]]) -> str:
    m = _folium_map()
    # Its default callback draws each marker with Leaflet.awesome-markers (from a CDN, which we drop): a plain
    # Leaflet marker instead, the same as the Marker loop's.
    FastMarkerCluster([[lat, lon] for lon, lat in points],
                      callback="function (row) { return L.marker(new L.LatLng(row[0], row[1])); }").add_to(m)
    use_local_assets(m)
    return m.get_root().render()


class _Static(http.server.SimpleHTTPRequestHandler):
    """Files from a folder, /vendor/<package>/<file> from node_modules, compressed once and kept (brotli when the
    browser takes it, else gzip), as a static server with precompressed files would send them."""
    cache: dict = {}

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        root = project_root() / "node_modules" if path.startswith("/vendor/") else Path(self.directory)
        file = root / path.removeprefix("/vendor/").lstrip("/")
        if not file.is_file():
            self.send_error(404)
            return
        encoding = "br" if "br" in self.headers.get("Accept-Encoding", "") else "gzip"
        key = (file, encoding)
        if key not in self.cache:
            raw = file.read_bytes()
            self.cache[key] = brotli.compress(raw, quality=9) if encoding == "br" else gzip.compress(raw, 6)
        body = self.cache[key]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _compressed_size(html: str) -> int:
    return len(brotli.compress(html.encode(), quality=9))


# -- the browser ----------------------------------------------------------------------------------------------------

def visit(browser, url: str, timeout_s: float) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Performance.enable")
    page.add_init_script(FIRST_POINTS)
    received: dict[str, int] = {}
    body: dict[str, int] = {}    # uncompressed bodies, for like-for-like figures beside the compressed ones
    tile_ids: set[str] = set()   # our vector tiles: "before tiles" is the page without them
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.dataReceived", lambda e: body.__setitem__(e["requestId"],
                                                              body.get(e["requestId"], 0) + e["dataLength"]))
    cdp.on("Network.requestWillBeSent",
           lambda e: tile_ids.add(e["requestId"]) if ".pbf" in e["request"]["url"] else None)
    try:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        deadline = time.monotonic() + timeout_s
        first = None
        while first is None and time.monotonic() < deadline:
            page.wait_for_timeout(25)
            first = page.evaluate("window.__firstPoints")
        if first is None:
            return {"timed_out_s": timeout_s, "bytes_so_far": sum(received.values())}
        done = set(received)
        result = {"first_points_ms": round(first), "bytes": sum(received.values()), "requests": len(received),
                  "bytes_before_tiles": sum(n for r, n in received.items() if r not in tile_ids),
                  # tiles are sent uncompressed (and DevTools reports no body chunks for them): as received
                  "uncompressed_bytes": sum(received[r] if r in tile_ids else body.get(r, 0) for r in done),
                  "uncompressed_bytes_before_tiles": sum(body.get(r, 0) for r in done if r not in tile_ids)}
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:   # noqa: BLE001 (Playwright's TimeoutError: take the heap as it is)
            pass
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        result["js_heap_mb"] = round(metrics["JSHeapUsedSize"] / 2 ** 20, 1)
        return result
    finally:
        context.close()


def _points(db_url: str, n: int) -> list[tuple[float, float]]:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM public_assets ORDER BY id LIMIT %s", (n,)).fetchall()


def run(db_url: str, home: Path, size: int, anchors: bool = True) -> dict:
    """The row for `size` published assets (the bench database holds that many now)."""
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not found"}
    from playwright.sync_api import sync_playwright

    out: dict = {"assets": size}
    pages = home / f"folium-{size}"
    pages.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            with servers.ours(db_url, home) as base:
                visit(browser, base + "/", TIMEOUT_S["ours"])   # the workers' first request builds their caches
                out["ours"] = visit(browser, base + "/", TIMEOUT_S["ours"])
            if anchors:
                out.update(_anchors(browser, db_url, pages, size))
        finally:
            browser.close()
    return out


_MEASURED: dict = {}   # (anchor, points) → its figures, measured once per run


def _anchors(browser, db_url: str, pages: Path, size: int) -> dict:
    points = _points(db_url, size)
    made: dict = {}
    handler = functools.partial(_Static, directory=str(pages))
    server = http.server.ThreadingHTTPServer((servers.HOST, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://{servers.HOST}:{server.server_port}"
        for name, build in (("marker", marker_page), ("fastmarkercluster", cluster_page)):
            n = min(size, BROWSER_CAP[name])
            if (name, n) not in _MEASURED:
                t = time.perf_counter()
                html = build(points[:n])
                render_s = time.perf_counter() - t
                (pages / f"{name}.html").write_text(html)
                _MEASURED[name, n] = {"points": n, "html_bytes": len(html),
                                      "html_compressed_bytes": _compressed_size(html),
                                      "python_render_s": round(render_s, 1),
                                      **visit(browser, f"{base}/{name}.html", TIMEOUT_S[name])}
            made[name] = dict(_MEASURED[name, n])
            if n < size:   # the same page with `size` points: its HTML grows linearly, the rest stays
                small = _compressed_size(build(points[:n // 5]))
                per_point = (made[name]["html_compressed_bytes"] - small) / (n - n // 5)
                made[name]["extrapolated_to"] = size
                made[name]["extrapolated_bytes"] = round(made[name].get("bytes", made[name].get("bytes_so_far", 0))
                                                         + per_point * (size - n))
                small_html = len(build(points[:n // 5]))
                per_point_html = (made[name]["html_bytes"] - small_html) / (n - n // 5)
                made[name]["extrapolated_uncompressed_bytes"] = round(
                    made[name].get("uncompressed_bytes", made[name]["html_bytes"]) + per_point_html * (size - n))
    finally:
        server.shutdown()
        server.server_close()
    return made
