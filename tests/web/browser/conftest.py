"""Browser tests: Playwright drives Debian's ``chromium`` (headless) against the real app served
by uvicorn on a free 127.0.0.1 port.

Playwright never downloads a browser here (never run ``playwright install``): the tests launch
the system's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it). Without it
they skip, except with ``CI=true``, where they fail. Every test in this folder is marked
``browser``: ``pytest -m "not browser"`` leaves them out.

The server runs on its own copy of the test database (``org`` of ``tests/web/conftest.py``,
copied when the server starts), so what the browser does (sessions requested, feedback,
initiatives) never changes the data the other web tests see. One server and one browser per
pytest(-xdist) worker.

Fixtures for the browser tests of every area:

- ``live_url`` — the server's base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash).
- ``live_org`` — the :class:`~tests.web.conftest.Org` of the server's copy (its ``url`` is the
  copy's database URL: open it with ``Workspace.open(live_org.url)`` to check what a test did).
- ``browser`` — the Playwright ``Browser`` (session scope).
- ``page_as(role)`` — a new ``Page`` in a fresh context, logged in through the real login form
  as ``"member"``, ``"other"``, ``"analyst"`` or ``"admin"`` (``page_as(None)``: anonymous, on
  the login page). The test fails if the page opens a JavaScript dialog (``alert`` …: an
  injected script ran) or throws an uncaught JavaScript error.
- ``screenshot(page, name)`` — saves a full-page PNG to ``<dir>/<name>.png`` and returns its
  path; ``<dir>`` is ``$PEERWEAVE_SCREENSHOTS`` or ``tests/artifacts/screenshots``. Name them
  after the area and step (``map_search``), unique across the suite.

Example::

    def test_map_opens(page_as, live_url, screenshot):
        page = page_as("admin")
        page.goto(f"{live_url}/map")
        expect(page.locator("h1")).to_contain_text("map")
        screenshot(page, "map_admin")
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Error, Page, Playwright, expect, sync_playwright

from peerweave.web import create_app
from tests.web.conftest import PASSWORD, ROLES, Org

HERE = Path(__file__).resolve().parent
SCREENSHOTS = Path(
    os.environ.get("PEERWEAVE_SCREENSHOTS") or HERE.parents[1] / "artifacts" / "screenshots"
)
MISSING = "browser tests need Debian's chromium (apt-get install chromium); skipped"
#: Chromium's switches: headless in a container, no background traffic (the network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Milliseconds a Playwright action or wait may take before the test fails.
TIMEOUT_MS = 15_000

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser``."""
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    """The system chromium; skips the test (fails it with ``CI=true``) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true: the browser tests must run, but chromium is missing "
                "(apt-get install chromium)",
                pytrace=False,
            )
        pytest.skip(MISSING)
    return found


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _copy_database(url: str, folder: Path) -> str:
    """A copy of the SQLite database at ``url`` in ``folder`` (the backup API: consistent)."""
    prefix = "sqlite:///"
    assert url.startswith(prefix), f"the browser tests need a SQLite file database, not {url}"
    target = folder / "browser.db"
    source = sqlite3.connect(url[len(prefix) :])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return prefix + str(target)


@pytest.fixture(scope="session")
def live_org(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Org:
    """The test organization on a copy of its database, for the live server."""
    chromium_path()  # skip before copying anything when the browser is missing
    url = _copy_database(org.url, tmp_path_factory.mktemp("browser"))
    settings = dataclasses.replace(org.settings, database_url=url)
    return dataclasses.replace(org, url=url, settings=settings)


@pytest.fixture(scope="session")
def live_url(live_org: Org) -> Iterator[str]:
    """The base URL of the app served by uvicorn in a thread on a free port."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    app = create_app(live_org.settings)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, ws="none", lifespan="on", timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    chromium_path()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless, launched once per worker."""
    launched = _playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def page_as(browser: Browser, live_url: str) -> Iterator[Callable[[str | None], Page]]:
    """``page_as(role)``: a new page logged in through the login form as ``role``."""
    contexts = []
    troubles: list[str] = []

    def make(role: str | None) -> Page:
        assert role is None or role in ROLES, f"no account {role!r}: one of {ROLES}"
        context = browser.new_context(
            base_url=live_url, viewport={"width": 1280, "height": 900}, locale="en-GB"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: troubles.append(f"a {d.type} dialog opened: {d.message!r}"))
        page.on("pageerror", lambda e: troubles.append(f"a JavaScript error: {e}"))
        page.goto(f"{live_url}/login")
        if role is not None:
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form[action='/login'] button[type=submit]")
            if "/login" in page.url:
                raise AssertionError(f"logging in as {role} failed: {page.inner_text('main')}")
        return page

    yield make
    for context in contexts:
        with contextlib.suppress(Error):  # the browser went away already
            context.close()
    assert not troubles, "; ".join(troubles)


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: a full-page PNG in the screenshots folder; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
