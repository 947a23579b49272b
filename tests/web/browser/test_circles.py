"""The circles and initiatives pages in a real browser: a member sees their circle, a lead
forms a new round, a lead opens an initiative's tracking and fits the model.

Every step saves a screenshot (see ``conftest.py``); a JavaScript dialog or error fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from peerweave.workspace import Workspace
from tests.web.conftest import Org, people_frame

PageAs = Callable[[str | None], Page]
Shot = Callable[[Page, str], Path]

#: Forming a round, tracking and fitting take seconds: more than a click's wait.
SLOW_MS = 90_000


def test_member_sees_their_own_circle_and_host(
    page_as: PageAs, live_url: str, live_org: Org, screenshot: Shot
) -> None:
    with Workspace.open(live_org.url) as ws:
        latest = int(ws.circle_rounds().iloc[0]["id"])
        history = ws.circle_history()
    seats = history.loc[history["round"] == latest]
    circle = int(seats.loc[seats["person_id"] == live_org.member, "circle"].iloc[0])
    mates = seats.loc[(seats["circle"] == circle) & (seats["person_id"] != live_org.member)]
    people = people_frame(live_org).set_index("person_id")
    page = page_as("member")
    page.goto(f"{live_url}/circles")
    card = page.locator("section.circle-card.mine").first
    expect(card.locator("h3")).to_have_text("Your circle")
    expect(card).to_contain_text(f"Round #{latest}")
    for person in mates["person_id"]:
        if person not in live_org.opted_out:
            expect(card).to_contain_text(f"{people.loc[person, 'name']} ({person})")
    expect(page.locator("form[action='/circles/rounds']")).to_have_count(0)
    screenshot(page, "circles_member")


def test_lead_forms_a_new_round_and_sees_every_circle(
    page_as: PageAs, live_url: str, live_org: Org, screenshot: Shot
) -> None:
    with Workspace.open(live_org.url) as ws:
        before = int(ws.circle_rounds()["id"].max())
    page = page_as("admin")
    page.goto(f"{live_url}/circles")
    expect(page.locator("h2").first).to_contain_text(f"Round #{before}")
    page.fill("input[name=by]", "department:2, level, location")
    page.fill("input[name=size]", "4-6")
    page.fill("input[name=seconds]", "1")
    with page.expect_navigation(timeout=SLOW_MS):
        page.click("form[action='/circles/rounds'] button[type=submit]")
    # post/redirect/get: the new round is shown by a GET, the search's figures in the message
    expect(page).to_have_url(re.compile(rf"/circles\?round={before + 1}&message="))
    expect(page.locator("h2").first).to_contain_text(f"Round #{before + 1}")
    expect(page.locator("p.message")).to_contain_text(f"round #{before + 1} formed:")
    expect(page.locator(".tag", has_text="managers: ok")).to_be_visible()
    cards = page.locator("section.circle-card")
    assert cards.count() >= 30  # ~198 people in circles of 4–6
    sizes = [
        int(re.search(r"(\d+) people", t).group(1)) for t in cards.locator("h3").all_inner_texts()
    ]  # type: ignore[union-attr]
    assert all(4 <= s <= 6 for s in sizes)
    screenshot(page, "circles_new_round")
    page.reload()  # shows the round again, forms no second one
    expect(page.locator("h2").first).to_contain_text(f"Round #{before + 1}")
    with Workspace.open(live_org.url) as ws:
        assert int(ws.circle_rounds()["id"].max()) == before + 1
    # a bad size says why, stores nothing
    page.fill("input[name=size]", "13-5")
    with page.expect_navigation(timeout=SLOW_MS):
        page.click("form[action='/circles/rounds'] button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("not a circle size range")
    screenshot(page, "circles_bad_size")
    with Workspace.open(live_org.url) as ws:
        assert int(ws.circle_rounds()["id"].max()) == before + 1


def test_analyst_sees_circles_under_pseudonyms(
    page_as: PageAs, live_url: str, live_org: Org, screenshot: Shot
) -> None:
    page = page_as("analyst")
    page.goto(f"{live_url}/circles")
    text = page.inner_text("main")
    assert "person p-" in text
    assert not [n for n in live_org.names if n in text]
    screenshot(page, "circles_analyst")


def test_lead_opens_an_initiative_track_and_fits_the_model(
    page_as: PageAs, live_url: str, screenshot: Shot
) -> None:
    page = page_as("admin")
    page.goto(f"{live_url}/initiatives")
    screenshot(page, "initiatives_list")
    with page.expect_navigation(timeout=SLOW_MS):
        page.click("a[href='/initiatives/1']")
    expect(page.locator("h1")).to_contain_text("#1")
    chart = page.locator("img.chart")
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 500
    expect(page.locator("main")).to_contain_text("Adopters by week against the forecast")
    expect(page.locator("main")).to_contain_text("Around the champions")
    screenshot(page, "initiative_track")
    with page.expect_navigation(timeout=SLOW_MS):
        page.click("form[action='/initiatives/1/fit'] button")
    expect(page.locator("h2", has_text="The model fitted to what happened")).to_be_visible()
    screenshot(page, "initiative_fit")
