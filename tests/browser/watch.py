"""A watched Chromium page: console errors, uncaught exceptions, dialogs and requests to other hosts are recorded
(the requests aborted), and the page fails its test at the end if any of that happened."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# Quiet on a closed network: no background requests of Chromium's own.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
LOCAL_HOSTS = {"127.0.0.1"}


@dataclass
class Watch:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        found = {"console errors": self.console_errors, "page errors": self.page_errors,
                 "dialogs": self.dialogs, "requests to other hosts": self.external}
        return {k: v for k, v in found.items() if v}

    def assert_clean(self) -> None:
        assert not self.problems(), self.problems()


@contextmanager
def watched_page(browser, **context_options):
    """A page in a fresh context that records console errors, page errors, dialogs and requests, aborts every
    request to another host, and fails the test at the end if any of that happened."""
    context = browser.new_context(service_workers="block", **context_options)
    context.set_default_timeout(15_000)
    watch = Watch()

    def route(r):
        if urlsplit(r.request.url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            watch.external.append(r.request.url)
            r.abort()

    def on_dialog(dialog):
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: m.type == "error" and watch.console_errors.append(f"{m.text} ({m.location})"))
    pg.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    pg.on("dialog", on_dialog)
    pg.on("request", lambda req: watch.requests.append(req.url))
    pg.watch = watch
    yield pg
    context.close()
    assert not watch.problems(), watch.problems()




def forgive_form_status(page, status: int, path: str = "/assets/new") -> None:
    """A form shown again with its mistakes comes with a 4xx status, which Chromium logs as a console error:
    expected there, so take exactly those entries (for `path`) off the watch list."""
    logged = page.watch.console_errors
    ours = [e for e in logged if f"status of {status}" in e and path in e]
    assert ours, logged
    logged[:] = [e for e in logged if e not in ours]
