"""The import page, the snowball tree and the htmx peer search in a real browser.

The import tests commit into a server of their own (an empty database with one admin): a
people file marks everyone missing from it as left, which must not touch the shared live
server the other browser tests use. The snowball and the peer search only read, on the
shared one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from peerweave.store import Store
from peerweave.store.accounts import add_user
from peerweave.web import WebSettings, create_app
from peerweave.web.auth import hash_password
from peerweave.workspace import Workspace
from tests.web.browser.conftest import TIMEOUT_MS, _free_socket
from tests.web.conftest import PASSWORD, SECRET, Org

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
SCRIPT = "<script>alert(1)</script>"

PageAs = Callable[[str | None], Page]
Shot = Callable[[Page, str], Path]


@pytest.fixture(scope="module")
def import_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own on an empty database with one admin account; its base URL."""
    folder = tmp_path_factory.mktemp("browser-import")
    url = f"sqlite:///{folder}/org.db"
    Store.init(url).close()
    with Workspace.open(url) as ws, ws.store.transaction() as session:
        add_user(
            session=session, username="admin", password_hash=hash_password(PASSWORD), role="admin"
        )
    sock = _free_socket()
    app = create_app(WebSettings(url, SECRET))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def admin_page(browser: Browser, import_server: str) -> Iterator[Page]:
    """The import server's admin, logged in; fails on a JavaScript dialog or error."""
    context = browser.new_context(base_url=import_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    troubles: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda d: troubles.append(f"a {d.type} dialog opened: {d.message!r}"))
    page.on("pageerror", lambda e: troubles.append(f"a JavaScript error: {e}"))
    page.goto("/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    yield page
    context.close()
    assert not troubles, "; ".join(troubles)


def test_admin_checks_a_people_file_then_commits_it(
    admin_page: Page, tmp_path: Path, screenshot: Shot
) -> None:
    header, rest = (EXAMPLES / "people.csv").read_text().split("\n", 1)
    people = tmp_path / "people.csv"
    people.write_text(f"{header}\nE900,{SCRIPT},e900@example.com,,R&D,,,,,,,false\n{rest}")
    page = admin_page
    page.goto("/import")
    expect(page.locator("h1")).to_have_text("Import data")
    page.locator("input[name=kind][value=people]").check()
    page.set_input_files("input[name=file]", str(people))
    page.get_by_role("button", name="Check the file").click()
    report = page.locator("#report .report")
    expect(report.locator("h2")).to_contain_text("Checked: people.csv")
    expect(page).to_have_url(re.compile(r"/import$"))  # htmx swapped the report in: no reload
    expect(report.locator("table.preview")).to_contain_text(SCRIPT)  # shown as text
    expect(report.get_by_role("cell", name="new people")).to_be_visible()
    screenshot(page, "import_checked")
    page.get_by_role("button", name=re.compile("^Commit: import")).click()
    expect(report.locator("p.message")).to_contain_text("Committed: import #")
    expect(report.get_by_role("cell", name="people added")).to_be_visible()
    screenshot(page, "import_committed")


def test_a_picture_named_people_csv_is_refused(
    admin_page: Page, tmp_path: Path, screenshot: Shot
) -> None:
    fake = tmp_path / "people.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    page = admin_page
    page.goto("/import")
    page.set_input_files("input[name=file]", str(fake))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#report p.error")).to_have_text(
        "people.csv is not a CSV file: it looks like a PNG image; export the sheet as CSV (UTF-8)"
    )
    screenshot(page, "import_refused")


def test_the_snowball_tree_of_a_skill(page_as: PageAs, live_org: Org, screenshot: Shot) -> None:
    with Workspace.open(live_org.url) as ws:
        scores = ws.recognition().scores
    skill = str(scores.groupby("skill")["sessions_taught"].sum().idxmax())
    page = page_as("admin")
    page.goto("/learning/leads")
    section = page.locator("#snowball")
    section.locator("input[name=skill]").fill(skill)
    section.get_by_role("button", name="Show the tree").click()
    expect(page.locator("#snowball img.chart")).to_be_visible()
    expect(page.locator("#snowball .seeder").first).to_be_visible()
    assert page.locator("#snowball img.chart").evaluate("i => i.complete && i.naturalWidth") > 300
    page.locator("#snowball").scroll_into_view_if_needed()
    screenshot(page, "snowball_tree")
    analyst = page_as("analyst")
    analyst.goto(f"/learning/leads?skill={skill}")
    labels = analyst.locator("#snowball .seeder").all_inner_texts()
    assert labels and all(re.fullmatch(r"person p-[0-9a-f]{12}", label) for label in labels)


def test_the_peer_search_swaps_its_results_in(
    page_as: PageAs, live_org: Org, screenshot: Shot
) -> None:
    page = page_as("member")
    page.goto("/learning")
    page.evaluate("window.__kept = true")  # gone if the page reloads
    page.fill("input[name=skill]", live_org.skill)
    page.get_by_role("button", name="Find a peer").click()
    expect(page.get_by_role("heading", name=f"Peers who teach {live_org.skill}")).to_be_visible()
    assert page.evaluate("window.__kept === true"), "the page reloaded instead of swapping"
    expect(page).to_have_url(re.compile(r"/learning\?skill="))  # the search is in the URL
    screenshot(page, "learning_peers_htmx")
