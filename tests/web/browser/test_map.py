"""The network map and the overview's silo heatmap in a real browser: a lead opens the map
(WebGL, drawn by the vendored sigma.js), finds a person, clicks them and reads their card,
drills into a department; the overview shows the heatmap.

Every step saves a screenshot (see ``conftest.py``); a JavaScript dialog or error fails the test.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from peerweave.web import create_app
from tests.web.conftest import PASSWORD, Org

PageAs = Callable[[str | None], Page]
Shot = Callable[[Page, str], Path]

#: Laying out a map the first time takes a few seconds on a busy machine.
SLOW_MS = 60_000
#: The group-level threshold of the second server (the test organization has 200 people).
SMALL_LIMIT = 50


@pytest.fixture(scope="module")
def limited_url(live_org: Org) -> Iterator[str]:
    """A second live server on the same database copy whose map shows groups above 50."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(dataclasses.replace(live_org.settings, map_people_limit=SMALL_LIMIT))
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _open_map(page: Page, path: str | None = "/map") -> dict[str, Any]:
    """Open a map page (``None``: the one loading), wait until sigma has drawn it; its data."""
    if path is not None:
        page.goto(path)
    expect(page.locator("#map canvas").first).to_be_attached(timeout=SLOW_MS)
    expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=SLOW_MS)
    data: dict[str, Any] = json.loads(page.locator("#map-data").text_content() or "{}")
    return data


def _settled(page: Page) -> None:
    page.wait_for_function("() => !window.peerweaveMap.renderer.getCamera().isAnimated()")


def _click_node(page: Page, node: str) -> None:
    """Click ``node`` where sigma draws it."""
    at = page.evaluate(
        """(node) => {
            const map = window.peerweaveMap;
            return map.renderer.graphToViewport(map.graph.getNodeAttributes(node));
        }""",
        node,
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


def test_analyst_finds_a_person_and_opens_their_card(page_as: PageAs, screenshot: Shot) -> None:
    page = page_as("analyst")
    with page.expect_navigation():
        page.locator("header nav").get_by_role("link", name="Network map").click()
    data = _open_map(page, None)
    assert data["level"] == "people" and data["nodes"]
    expect(page.locator("h1")).to_have_text("Network map")
    expect(page.locator(".map-legend li").first).to_be_visible()
    screenshot(page, "map_analyst")

    page.fill("#map-query", "nobody-with-this-name")
    page.click("#map-search button[type=submit]")
    expect(page.locator("#map-status")).to_contain_text("nobody on this map matches")

    top = max(data["nodes"], key=lambda n: n["size"])
    assert top["label"].startswith("person p-")
    page.fill("#map-query", top["label"])
    page.click("#map-search button[type=submit]")
    expect(page.locator("#map-status")).to_have_text("")
    _settled(page)
    screenshot(page, "map_search")

    _click_node(page, top["id"])
    card = page.locator("#map-card")
    expect(card).to_be_visible()
    expect(card.locator("h3")).to_have_text(top["label"])
    expect(card.locator("table")).to_contain_text("influence (PageRank)")
    link = card.get_by_role("link", name="Open the person page")
    expect(link).to_have_attribute("href", f"/person/{top['id']}")
    screenshot(page, "map_card")
    link.click()
    expect(page).to_have_url(re.compile(rf"/person/{top['id']}$"))


def test_admin_recolours_and_drills_into_a_department(page_as: PageAs, screenshot: Shot) -> None:
    page = page_as("admin")
    data = _open_map(page, "/map")
    biggest = max(data["groups"], key=lambda g: g["people"] or 0)["key"]
    page.select_option("select[name=color]", "community")
    page.select_option("select[name=size]", "betweenness")
    page.select_option("select[name=group]", biggest)
    with page.expect_navigation():
        page.click(".map-controls button[type=submit]")
    drilled = _open_map(page, None)
    assert drilled["group"] == biggest and drilled["color"] == "community"
    expect(page.locator("#map-note")).to_contain_text(f"in department {biggest}")
    expect(page.get_by_role("link", name="← the whole organization")).to_be_visible()
    assert all("(" in n["label"] for n in drilled["nodes"])  # admins see names (and ids)
    screenshot(page, "map_drill_down")


def test_overview_shows_the_silo_heatmap(page_as: PageAs, screenshot: Shot) -> None:
    page = page_as("analyst")
    page.goto("/overview")
    heatmap = page.locator("table.heatmap")
    expect(heatmap).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Silo heatmap"))).to_be_visible()
    first_row = heatmap.locator("tbody tr").first
    expect(first_row.locator("td").first).to_have_text(re.compile(r"^\d+%$"))
    heatmap.scroll_into_view_if_needed()
    screenshot(page, "overview_heatmap")


def test_a_large_organization_shows_departments_and_a_click_opens_one(
    browser: Browser, limited_url: str, screenshot: Shot
) -> None:
    context = browser.new_context(base_url=limited_url, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/login")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form[action='/login'] button[type=submit]")
        data = _open_map(page)
        assert data["level"] == "groups"
        expect(page.locator("#map-note")).to_contain_text("each node is a department")
        screenshot(page, "map_groups")
        biggest = max(data["nodes"], key=lambda n: n["people"] or 0)
        page.fill("#map-query", biggest["id"])
        page.click("#map-search button[type=submit]")
        _settled(page)
        with page.expect_navigation():
            _click_node(page, biggest["id"])
        drilled = _open_map(page, None)
        assert drilled["level"] == "people" and drilled["group"] == biggest["id"]
        assert all(n["label"].startswith("person p-") for n in drilled["nodes"])
        expect(page.locator("select[name=group]")).to_have_value(biggest["id"])
        screenshot(page, "map_group_drill_down")
    finally:
        context.close()
    assert not errors, errors
