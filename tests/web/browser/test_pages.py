"""The pages in a real browser: each role logs in through the form and opens its pages, a
lead plans champions, a member finds a peer, requests, holds and rates a session.

Every step saves a screenshot (see ``conftest.py``); a JavaScript dialog or error fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from peerweave.workspace import Workspace
from tests.web.conftest import Org, people_frame

SCRIPT = "<script>alert('x')</script>"

PageAs = Callable[[str | None], Page]
Shot = Callable[[Page, str], Path]


def name_of(org: Org, person_id: str) -> str:
    people = people_frame(org)
    return str(people.loc[people["person_id"] == person_id, "name"].iloc[0])


def test_login_page_and_a_failed_login(page_as: PageAs, screenshot: Shot) -> None:
    page = page_as(None)
    expect(page.locator("h1")).to_have_text("Log in")
    screenshot(page, "login")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("p.error")).to_have_text("wrong username or password")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("header nav")).to_have_count(0)
    screenshot(page, "login_failed")


def test_member_sees_their_own_page_and_nothing_of_the_leads(
    page_as: PageAs, screenshot: Shot, live_org: Org
) -> None:
    page = page_as("member")
    expect(page).to_have_url(re.compile(r"/person/me$"))
    expect(page.locator("h1")).to_contain_text(name_of(live_org, live_org.member))
    expect(page.get_by_role("heading", name="Learning history")).to_be_visible()
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name="Learning", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Overview")).to_have_count(0)
    expect(page.locator("header .logout span")).to_have_text("member (member)")
    screenshot(page, "member_person_me")
    page.goto("/overview")
    expect(page.locator("h1")).to_have_text("Not for you")
    screenshot(page, "member_overview_refused")
    page.goto(f"/person/{live_org.other}")
    expect(page.locator("p.error")).to_contain_text("only your own data")


def test_analyst_pages_show_pseudonyms_only(
    page_as: PageAs, screenshot: Shot, live_org: Org
) -> None:
    page = page_as("analyst")
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()
    expect(page.locator("header nav").get_by_role("link", name="Accounts")).to_have_count(0)
    screenshot(page, "analyst_overview")
    pseudonym = live_org.pseudonym(live_org.member)
    page.goto(f"/person/{pseudonym}")
    expect(page.locator("h1")).to_contain_text(pseudonym)
    screenshot(page, "analyst_person")
    page.goto("/learning/leads")
    expect(page.locator("h1")).to_have_text("The peer-learning programme")
    expect(
        page.get_by_role("heading", name="Recognition: seeders whose knowledge spread")
    ).to_be_visible()
    screenshot(page, "analyst_learning_leads")
    shown = page.locator("main").inner_text()
    assert re.search(r"p-[0-9a-f]{12}", shown), "the leaderboard names nobody"
    assert not [n for n in live_org.names if n in shown], "an analyst saw a name"
    page.goto("/admin")
    expect(page.locator("h1")).to_have_text("Not for you")


def test_admin_pages_accounts_audit_and_a_person_by_name(
    page_as: PageAs, screenshot: Shot, live_org: Org
) -> None:
    page = page_as("admin")
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.locator("table").first).to_be_visible()
    screenshot(page, "admin_overview")
    page.goto(f"/person/{live_org.member}")
    expect(page.locator("h1")).to_contain_text(name_of(live_org, live_org.member))
    screenshot(page, "admin_person")
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    users = page.locator("table").first
    for role in ("member", "analyst", "admin"):
        expect(users.get_by_role("cell", name=role, exact=True).first).to_be_visible()
    audit = page.locator("table").nth(1)
    expect(audit.get_by_role("cell", name=live_org.member).first).to_be_visible()  # just now
    screenshot(page, "admin_accounts_audit")
    page.goto("/champions")
    expect(page.locator("h1")).to_have_text("Champions planner")
    screenshot(page, "admin_champions_form")
    page.goto("/learning")
    expect(page.get_by_role("button", name="Find a peer")).to_be_visible()
    screenshot(page, "admin_learning")


def test_champions_planner_draws_its_forecast(
    page_as: PageAs, screenshot: Shot, live_org: Org
) -> None:
    page = page_as("analyst")
    page.goto("/champions")
    form = page.locator("form[action='/champions']")
    form.locator("input[name=k]").fill("3")
    form.locator("select[name=model]").select_option("ic")
    form.locator("input[name=runs]").fill("20")
    form.locator("input[name=save]").check()
    form.locator("input[name=name]").fill(f"pilot {SCRIPT}")
    with Workspace.open(live_org.url) as ws:
        before = len(ws.initiatives())
    with page.expect_navigation():
        form.get_by_role("button", name="Plan").click()
    # saved: the form went on to the saved plan's page (post/redirect/get)
    expect(page).to_have_url(re.compile(r"/champions\?initiative=\d+&message="))
    chart = page.locator("img.chart")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 300
    expect(page.locator("h2").first).to_contain_text(f"“pilot {SCRIPT}”")  # shown as text
    expect(page.locator("p.message")).to_contain_text(f"“pilot {SCRIPT}” with 3 champions")
    champions = page.locator("table").first.locator("tbody tr")
    expect(champions).to_have_count(3)
    expect(page.locator("table").nth(1)).to_contain_text("random")
    screenshot(page, "champions_planned")
    page.reload()  # shows the plan again, saves no second initiative
    expect(page.locator("img.chart")).to_be_visible()
    with Workspace.open(live_org.url) as ws:
        assert len(ws.initiatives()) == before + 1
    # a mistake: the form again as typed, the "save" tick kept, nothing stored
    form = page.locator("form[action='/champions']")
    form.locator("input[name=k]").fill("lots")
    form.locator("input[name=save]").check()
    with page.expect_navigation():
        form.get_by_role("button", name="Plan").click()
    expect(page.locator("p.error")).to_be_visible()
    expect(form.locator("input[name=k]")).to_have_value("lots")
    expect(form.locator("input[name=save]")).to_be_checked()
    screenshot(page, "champions_bad_input")
    with Workspace.open(live_org.url) as ws:
        assert len(ws.initiatives()) == before + 1


def test_member_finds_a_peer_requests_holds_and_rates_a_session(
    page_as: PageAs, screenshot: Shot, live_org: Org
) -> None:
    page = page_as("member")
    page.get_by_role("link", name="Learning", exact=True).click()
    page.fill("input[name=skill]", live_org.skill)
    page.get_by_role("button", name="Find a peer").click()
    expect(page.get_by_role("heading", name=f"Peers who teach {live_org.skill}")).to_be_visible()
    screenshot(page, "learning_peers")
    page.get_by_role("button", name="Request a session").first.click()
    message = page.locator("p.message")
    expect(message).to_contain_text("requested")
    found = re.search(r"session #(\d+)", message.inner_text())
    assert found, message.inner_text()
    sid = int(found.group(1))
    status = page.locator(f"form[action='/learning/sessions/{sid}/status']")
    status.locator("select[name=action]").select_option("schedule")
    status.get_by_role("button", name="Go").click()
    expect(message).to_have_text(f"session #{sid}: schedule done")
    status.locator("select[name=action]").select_option("hold")
    status.get_by_role("button", name="Go").click()
    expect(message).to_have_text(f"session #{sid}: hold done")
    feedback = page.locator(f"form[action='/learning/sessions/{sid}/feedback']")
    feedback.locator("select[name=rating]").select_option("4")
    feedback.locator("select[name=again]").select_option("yes")
    feedback.locator("input[name=comment]").fill(SCRIPT)
    feedback.get_by_role("button", name="Give feedback").click()
    expect(message).to_contain_text(f"your feedback on session #{sid} is stored")
    row = page.locator("tr", has=page.locator("td", has_text=re.compile(rf"^{sid}$")))
    expect(row).to_contain_text(SCRIPT)  # the comment shows as text, its script never runs
    expect(page.locator(f"form[action='/learning/sessions/{sid}/feedback']")).to_have_count(0)
    screenshot(page, "learning_feedback_given")
    with Workspace.open(live_org.url) as ws:
        given = ws.feedback_for(sid, live_org.member).visible
    assert given["comment"].tolist() == [SCRIPT] and given["rating"].tolist() == [4]
