"""Uploads and post/redirect/get in a real browser: an adoptions file checked like every
upload (a PNG named ``.csv`` refused, a file over the limit stopped in the page and, sent
anyway, by the server), and forms that create something (a matching round) answered with a
page a reload does not repeat.

The adoptions go to an initiative made for these tests (so the shared initiative #1 the
other browser tests track stays as it is); the size limit is tried on a server of its own
with a 4 KB limit, on another copy of the database.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import uvicorn
from playwright.sync_api import Page, expect

from peerweave.web import create_app
from peerweave.workspace import Workspace
from tests.web.browser.conftest import _copy_database, _free_socket
from tests.web.conftest import PASSWORD, Org, people_frame

PageAs = Callable[[str | None], Page]
Shot = Callable[[Page, str], Path]

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
#: The upload limit of the small server.
SMALL = 4096


def _fresh_initiative(url: str, name: str) -> int:
    """A new initiative (3 champions, started three weeks ago, no adoptions yet)."""
    started = (pd.Timestamp.now(tz="UTC").tz_localize(None) - pd.Timedelta(days=21)).normalize()
    with Workspace.open(url) as ws:
        chosen = ws.champions(3, runs=0, save=True, name=name, started_at=started)
    assert chosen.initiative_id is not None
    return chosen.initiative_id


def _adopters(org: Org, n: int) -> list[str]:
    people = people_frame(org)
    return people.loc[~people["opted_out"].astype(bool), "person_id"].astype(str).tolist()[-n:]


@pytest.fixture(scope="module")
def small_server(live_org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with a 4 KB upload limit on a copy of the live database; its base URL."""
    url = _copy_database(live_org.url, tmp_path_factory.mktemp("browser-upload"))
    settings = dataclasses.replace(live_org.settings, database_url=url, max_upload_bytes=SMALL)
    sock = _free_socket()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", access_log=False, ws="none")
    )
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


def _choose(page: Page, name: str, content: bytes) -> None:
    form = page.locator("form[aria-label='import adoptions']")
    form.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )


def _send(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form[aria-label='import adoptions'] button[type=submit]").click()


def test_an_adoptions_file_is_checked_like_every_upload(
    page_as: PageAs, live_org: Org, screenshot: Shot
) -> None:
    initiative = _fresh_initiative(live_org.url, "browser: adoptions file")
    page = page_as("admin")
    page.goto(f"/initiatives/{initiative}")
    _choose(page, "adopted.csv", PNG)
    _send(page)
    expect(page.locator("p.error[role=alert]")).to_contain_text(
        "adopted.csv is not a CSV file: it looks like a PNG image; export the sheet as CSV"
    )
    expect(page.locator("main")).to_contain_text("Nothing was stored.")
    screenshot(page, "adoptions_refused")
    a, b = _adopters(live_org, 2)
    day = (pd.Timestamp.now() - pd.Timedelta(days=7)).strftime("%Y-%m-%d")
    _choose(page, "adopted in May.csv", f"person_id,adopted_at\n{a},{day}\n{b},{day}\n".encode())
    _send(page)  # stored: back to the initiative's page with a message (post/redirect/get)
    expect(page).to_have_url(re.compile(rf"/initiatives/{initiative}\?message="))
    expect(page.locator("p.message")).to_contain_text("adopted in May.csv: 2 adoptions stored")
    expect(page.locator("main")).to_contain_text("Adoptions recorded (2)")
    screenshot(page, "adoptions_imported")
    page.reload()  # a reload imports nothing again
    with Workspace.open(live_org.url) as ws:
        assert len(ws.adoptions(initiative)) == 2


def test_a_file_over_the_limit_is_stopped_in_the_page_and_by_the_server(
    page_as: PageAs, small_server: str, screenshot: Shot
) -> None:
    page = page_as("admin")
    page.goto(f"{small_server}/login")  # the small server has its own copy of the accounts
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    page.goto(f"{small_server}/initiatives/1")
    expect(page.locator("form[aria-label='import adoptions']")).to_contain_text("up to 4 KB")
    big = b"person_id,adopted_at\n" + b"P001,2025-01-01\n" * 400  # ~6 KB
    _choose(page, "big.csv", big)
    file_input = page.locator("form[aria-label='import adoptions'] input[type=file]")
    page.locator("form[aria-label='import adoptions'] button[type=submit]").click()
    message = file_input.evaluate("i => i.validationMessage")
    assert "larger than 4 KB" in message  # the page refused to send it
    expect(page).to_have_url(re.compile(r"/initiatives/1$"))
    # sent anyway (the page's check bypassed): the server stops it with 413
    file_input.evaluate("i => i.setCustomValidity('')")
    with page.expect_navigation() as sent:
        page.locator("form[aria-label='import adoptions']").evaluate("f => f.submit()")
    response = sent.value
    assert response is not None and response.status == 413
    expect(page.locator("p.error[role=alert]")).to_contain_text("the file is larger than 4 KB")
    expect(page.locator("p.error[role=alert]")).to_contain_text("peerweave adoptions import")
    screenshot(page, "adoptions_too_large")


def test_a_matching_round_is_shown_by_a_get_a_reload_runs_none(
    page_as: PageAs, live_org: Org, screenshot: Shot
) -> None:
    with Workspace.open(live_org.url) as ws:
        before = len(ws.rounds())
    page = page_as("admin")
    page.goto("/learning/leads")
    with page.expect_navigation():
        page.get_by_role("button", name="Run a matching round").click()
    expect(page).to_have_url(re.compile(r"/learning/leads\?round=\d+&message="))
    round_id = int(re.search(r"round=(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("h2").first).to_contain_text(f"Matching round #{round_id}")
    expect(page.locator("main")).to_contain_text("open wishes matched")
    expect(page.locator("p.message")).to_contain_text(f"matching round #{round_id}:")
    screenshot(page, "match_round")
    page.reload()
    expect(page.locator("h2").first).to_contain_text(f"Matching round #{round_id}")
    with Workspace.open(live_org.url) as ws:
        assert len(ws.rounds()) == before + 1
