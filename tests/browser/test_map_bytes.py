"""What the public map fetches: each view's places once, nothing again on zooming back out, and on a repeat visit
only the page itself and two tiny revalidations (headless Chromium against the demo town, tiles: none)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAP = "window[document.getElementById('map-app').dataset.map]"


def asset_requests(page) -> list[str]:
    return [u for u in page.watch.requests if urlsplit(u).path == "/api/v1/assets"]


def settle(page, bbox_changed_from: str | None = None, bbox_back_to: str | None = None) -> str:
    """Wait until the map has counted the places in its new view; its bbox."""
    page.wait_for_function("""([from, to]) => {
        const app = document.getElementById("map-app");
        return app.dataset.state === "ready" && (from ? app.dataset.bbox !== from : app.dataset.bbox === to);
    }""", arg=[bbox_changed_from, bbox_back_to])
    page.wait_for_load_state("networkidle")
    return page.get_attribute("#map-app", "data-bbox")


@pytest.mark.parametrize("viewport", [PHONE])
def test_the_places_are_fetched_once_on_load_and_not_again_on_zooming_in_and_back_out(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_load_state("networkidle")
    loaded = asset_requests(page)
    assert len(loaded) == 1, loaded                     # the demo town's view is one page of the API
    count = page.get_attribute("#map-app", "data-count")
    bbox = page.get_attribute("#map-app", "data-bbox")

    page.locator(".leaflet-control-zoom-in").click()
    settle(page, bbox_changed_from=bbox)
    assert int(page.get_attribute("#map-app", "data-count")) < int(count)   # fewer in view, none fetched
    page.locator(".leaflet-control-zoom-out").click()
    settle(page, bbox_back_to=bbox)
    assert asset_requests(page) == loaded
    assert page.get_attribute("#map-app", "data-count") == count

    # A view beyond what was fetched is fetched, once.
    page.evaluate(f"() => {MAP}.panBy([{PHONE['width']}, 0], {{animate: false}})")
    settle(page, bbox_changed_from=bbox)
    assert len(asset_requests(page)) == 2 and len(set(asset_requests(page))) == 2
    page.watch.assert_clean()


@pytest.fixture
def cached_context(browser):
    """A browser context whose cache works: the watched page's request routing turns Chromium's cache off, so this
    one records requests itself, and fails on console errors and on requests to other hosts all the same."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    problems = []
    context.on("console", lambda m: m.type == "error" and problems.append(m.text))
    context.on("weberror", lambda e: problems.append(str(e.error)))
    context.on("request", lambda r: urlsplit(r.url).hostname != "127.0.0.1" and problems.append(r.url))
    yield context
    context.close()
    assert problems == []


def visit(context, url: str) -> list[tuple[str, int]]:
    """Open the map in a new tab; (path, status on the wire) of the responses that came from the server, not the
    cache. Chrome's DevTools protocol tells them apart: only a response from the network has "extra info"."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    paths, sent = {}, []
    cdp.on("Network.requestWillBeSent", lambda e: paths.setdefault(e["requestId"], urlsplit(e["request"]["url"]).path))
    cdp.on("Network.responseReceivedExtraInfo", lambda e: sent.append((e["requestId"], e["statusCode"])))
    page.goto(url)
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_load_state("networkidle")
    page.close()
    return sorted((paths[request], status) for request, status in sent)


def test_a_repeat_visit_takes_scripts_and_styles_from_the_cache_and_revalidates_the_data(cached_context, live_server):
    first = visit(cached_context, live_server.url + "/")
    assert len(first) >= 10 and any(path.startswith("/vendor/leaflet/") for path, _ in first)
    again = visit(cached_context, live_server.url + "/")
    assert again == [("/", 200), ("/api/v1/assets", 304), ("/api/v1/neighbourhoods", 304)], again
