"""A skill's snowball tree on the learning-programme page and its API twin."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from peerweave.workspace import Workspace
from tests.web.conftest import Client, Org, audit_count


@pytest.fixture(scope="module")
def skill(org: Org) -> str:
    """The skill with the deepest snowball (most sessions) in the test organization."""
    with Workspace.open(org.url) as ws:
        scores = ws.recognition().scores
    by_skill = scores.groupby("skill")["sessions_taught"].sum().sort_values(ascending=False)
    return str(by_skill.index[0])


def _people(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    stack = [learner for seeder in tree for learner in seeder["learners"]]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node["learners"])


def test_admins_see_the_tree_with_names(
    org: Org, login: Callable[[str | None], Client], skill: str
) -> None:
    before = audit_count(org)
    answer = login("admin").get("/api/learning/snowball", params={"skill": skill})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["skill"] == skill and data["sessions"] > 1
    assert data["picture"].startswith("data:image/png;base64,")
    assert sum(g["sessions"] for g in data["generations"]) == data["sessions"]
    nodes = list(_people(data["tree"]))
    assert len(nodes) == min(data["sessions"], 400)
    assert all("(" in n["label"] for n in nodes)  # "Name (ID)"
    refs = {n["ref"] for n in nodes} | {s["teacher"] for s in data["tree"]}
    assert not refs & set(org.opted_out)  # opted-out people appear nowhere
    assert audit_count(org) == before + 1  # the view is audited


def test_analysts_see_pseudonyms_only(
    org: Org, login: Callable[[str | None], Client], skill: str
) -> None:
    data = login("analyst").get("/api/learning/snowball", params={"skill": skill}).json()
    text = json.dumps(data)
    refs = [n["ref"] for n in _people(data["tree"])] + [s["teacher"] for s in data["tree"]]
    assert refs and all(r.startswith("p-") for r in refs)
    assert not any(name in text for name in org.names)


def test_members_may_not_and_empty_or_unknown_skills(
    login: Callable[[str | None], Client],
) -> None:
    assert login("member").get("/api/learning/snowball?skill=sql").status_code == 403
    assert login(None).get("/api/learning/snowball?skill=sql").status_code == 401
    empty = login("admin").get("/api/learning/snowball", params={"skill": " "})
    assert empty.status_code == 400
    unknown = login("admin").get("/api/learning/snowball", params={"skill": "underwater welding"})
    assert unknown.status_code == 200
    assert unknown.json()["sessions"] == 0 and "no held sessions" in unknown.json()["explanation"]


def test_the_leads_page_shows_the_tree_and_htmx_gets_the_section(
    login: Callable[[str | None], Client], skill: str
) -> None:
    admin = login("admin")
    page = admin.get("/learning/leads", params={"skill": skill})
    assert page.status_code == 200
    assert "Who taught whom" in page.text and 'hx-get="/learning/snowball"' in page.text
    assert "data:image/png;base64," in page.text
    plain = admin.get("/learning/leads")
    assert plain.status_code == 200 and "Show the tree" in plain.text
    assert "Who taught whom" not in plain.text
    part = admin.get("/learning/snowball", params={"skill": skill}, headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text and 'id="snowball"' in part.text
    away = admin.get("/learning/snowball", params={"skill": skill})
    assert away.status_code == 303 and away.headers["location"].startswith("/learning/leads?")
    bad = admin.get("/learning/leads", params={"skill": " "})
    assert bad.status_code == 200  # a blank skill: the section without a tree
    member = login("member").get(
        "/learning/snowball", params={"skill": skill}, headers={"HX-Request": "true"}
    )
    assert member.status_code == 403
