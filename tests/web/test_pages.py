"""The pages and their API twins, used as a lead and as a member would."""

from __future__ import annotations

import base64
from collections.abc import Callable

from tests.web.conftest import Client, Org, form_token

SCRIPT = "<script>alert('x')</script>"


def test_overview_shows_headline_findings_silos_and_change(
    login: Callable[[str | None], Client],
) -> None:
    data = login("analyst").get("/api/overview").json()
    assert data["run"]["previous_id"] is not None
    keys = {h["key"] for h in data["headline"]}
    assert {"people", "ties", "density", "modularity"} <= keys
    assert all(h["change"] is not None for h in data["headline"])
    assert {f["role"] for f in data["findings"]} >= {"connector", "broker"}
    assert data["silos"] and all(s["size"] >= 5 for s in data["silos"])
    ranks = [s["silo_rank"] for s in data["silos"]]
    assert ranks == sorted(ranks)
    page = login("admin").get("/overview")
    assert page.status_code == 200
    assert "Headline figures" in page.text and data["silos"][0]["group"] in page.text


def test_person_page_has_roles_figures_ties_skills_history(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    data = login("member").get("/api/people/me").json()
    assert data["person"]["ref"] == org.member
    assert {f["figure"] for f in data["figures"]} >= {"degree", "pagerank", "betweenness"}
    assert all(0 <= f["percentile"] <= 1 for f in data["figures"])
    assert data["ties"]["contacts"] > 0 and data["ties"]["by_kind"]
    assert any(s["skill"] == org.skill and s["wants_to_learn"] for s in data["skills"])
    page = login("member").get("/person/me")
    assert page.status_code == 200 and "Learning history" in page.text


def test_champions_planner_forecasts_and_saves_an_initiative(
    login: Callable[[str | None], Client],
) -> None:
    analyst = login("analyst")
    page = analyst.get("/champions")
    token = form_token(page.text)
    answer = analyst.post(
        "/champions",
        data={
            "k": "4",
            "model": "ic",
            "per": "",
            "runs": "30",
            "save": "1",
            "name": f"pilot {SCRIPT}",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200, answer.text
    assert SCRIPT not in answer.text  # the name is escaped, never run
    assert "&lt;script&gt;" in answer.text
    assert "saved as initiative #" in answer.text
    start = answer.text.index("data:image/png;base64,") + len("data:image/png;base64,")
    png = base64.b64decode(answer.text[start : answer.text.index('"', start)])
    assert png[:4] == b"\x89PNG"
    data = analyst.post_api("/api/champions", {"k": "3", "runs": 20, "steps": 5}).json()
    assert data["k"] == 3 and len(data["champions"]) == 3
    assert {s["strategy"] for s in data["strategies"]} >= {"champions", "hubs", "random"}
    assert data["initiative_id"] is None
    assert all(c["person_id"].startswith("p-") for c in data["champions"])


def test_champions_bad_input_is_400(login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    bad = admin.post_api("/api/champions", {"k": "lots", "runs": 10})
    assert bad.status_code == 400
    assert admin.post_api("/api/champions", {"runs": 0}).status_code == 422


def test_member_learning_flow(org: Org, login: Callable[[str | None], Client]) -> None:
    member = login("member")
    peers = member.get(f"/api/learning/peers?skill={org.skill}").json()
    assert peers["peers"], peers
    teacher = peers["peers"][0]["teacher_id"]
    asked = member.post_api("/api/learning/sessions", {"teacher": teacher, "skill": org.skill})
    assert asked.status_code == 200, asked.text
    sid = asked.json()["session_id"]
    mine = member.get("/api/learning/sessions").json()["sessions"]
    assert any(s["session_id"] == sid and s["status"] == "proposed" for s in mine)
    for action, when in (("schedule", "2026-01-10"), ("hold", "2026-01-10")):
        moved = member.post_api(
            f"/api/learning/sessions/{sid}/status", {"action": action, "when": when}
        )
        assert moved.status_code == 200, moved.text
    page = member.get("/learning")
    token = form_token(page.text)
    given = member.post(
        f"/learning/sessions/{sid}/feedback",
        data={"rating": "5", "again": "yes", "comment": SCRIPT, "csrf_token": token},
    )
    assert given.status_code == 303
    assert member.post_api(f"/api/learning/sessions/{sid}/applied").status_code == 200
    again = member.post_api(f"/api/learning/sessions/{sid}/feedback", {"rating": 4})
    assert again.status_code == 400  # once per side
    other = login("other")  # not their session
    assert other.post_api(f"/api/learning/sessions/{sid}/applied").status_code == 403
    assert (
        other.post_api(f"/api/learning/sessions/{sid}/feedback", {"rating": 1}).status_code == 403
    )


def test_script_in_a_text_field_is_escaped(org: Org, login: Callable[[str | None], Client]) -> None:
    page = login("member").get("/learning", params={"skill": SCRIPT})
    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert "&lt;script&gt;" in page.text
    message = login("member").get("/learning", params={"message": SCRIPT})
    assert SCRIPT not in message.text


def test_leads_run_a_matching_round_and_see_health_and_recognition(
    login: Callable[[str | None], Client],
) -> None:
    lead = login("admin")
    page = lead.get("/learning/leads")
    assert page.status_code == 200 and "Recognition" in page.text
    ran = lead.post("/learning/match", data={"csrf_token": form_token(page.text)})
    assert ran.status_code == 200 and "Matching round #" in ran.text
    health = lead.get("/api/learning/health").json()
    assert health["overall"]["active_people"] > 0
    assert all(g["active_people"] >= 5 for g in health["by_group"])
    board = lead.get("/api/learning/recognition").json()["leaderboard"]
    assert board and board[0]["rank"] == 1


def test_unknown_route_and_bad_id_are_404_or_422(login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    assert admin.get("/api/nothing-here").status_code == 404
    assert admin.post_api("/api/learning/sessions/abc/applied").status_code == 422
