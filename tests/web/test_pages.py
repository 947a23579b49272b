"""The pages and their API twins, used as a lead and as a member would."""

from __future__ import annotations

import base64
from collections.abc import Callable

from peerweave.workspace import Workspace
from tests.web.conftest import Client, Org, form_token, people_frame

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


def _initiatives(org: Org) -> int:
    with Workspace.open(org.url) as ws:
        return len(ws.initiatives())


def _match_rounds(org: Org) -> int:
    with Workspace.open(org.url) as ws:
        return len(ws.rounds())


def test_champions_planner_forecasts_and_saves_an_initiative(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    analyst = login("analyst")
    page = analyst.get("/champions")
    token = form_token(page.text)
    before = _initiatives(org)
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
    # saved: post/redirect/get, so a reload of the page shows the plan and saves nothing
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/champions?initiative=") and "&message=saved" in location
    assert _initiatives(org) == before + 1
    saved = int(location.split("initiative=")[1].split("&")[0])
    shown = analyst.get(location)
    assert shown.status_code == 200, shown.text
    assert SCRIPT not in shown.text  # the name is escaped, never run
    assert "&lt;script&gt;" in shown.text
    assert f"saved as initiative #{saved}" in shown.text
    assert f'href="/initiatives/{saved}"' in shown.text
    start = shown.text.index("data:image/png;base64,") + len("data:image/png;base64,")
    png = base64.b64decode(shown.text[start : shown.text.index('"', start)])
    assert png[:4] == b"\x89PNG"
    again = analyst.get(location)  # the reload
    assert again.status_code == 200 and _initiatives(org) == before + 1
    data = analyst.post_api("/api/champions", {"k": "3", "runs": 20, "steps": 5}).json()
    assert data["k"] == 3 and len(data["champions"]) == 3
    assert {s["strategy"] for s in data["strategies"]} >= {"champions", "hubs", "random"}
    assert data["initiative_id"] is None
    assert all(c["person_id"].startswith("p-") for c in data["champions"])
    # not saved: shown at once, nothing stored
    unsaved = analyst.post(
        "/champions", data={"k": "3", "model": "ic", "runs": "20", "csrf_token": token}
    )
    assert unsaved.status_code == 200 and "saved as initiative" not in unsaved.text
    assert "3 champions" in unsaved.text and _initiatives(org) == before + 1


def test_a_saved_plan_is_simulated_again_when_not_in_the_cache(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    with Workspace.open(org.url) as ws:
        chosen = ws.champions(3, runs=20, steps=5, save=True, name="stored elsewhere")
    assert chosen.initiative_id is not None
    admin = login("admin")
    shown = admin.get(f"/champions?initiative={chosen.initiative_id}")
    assert shown.status_code == 200 and "stored elsewhere" in shown.text
    assert 'value="3"' in shown.text  # the form shows what it was planned with
    assert "data:image/png;base64," in shown.text and "random" in shown.text
    names = set(people_frame(org).set_index("person_id").loc[chosen.champions["person_id"], "name"])
    assert all(n in shown.text for n in names)
    analyst = login("analyst").get(f"/champions?initiative={chosen.initiative_id}")
    assert analyst.status_code == 200 and not [n for n in names if n in analyst.text]
    twin = admin.get(f"/api/champions?initiative={chosen.initiative_id}").json()
    assert twin["initiative_id"] == chosen.initiative_id and twin["k"] == 3
    assert twin["planned_with"] == {"k": "3", "model": "ic", "per": "", "runs": 20, "steps": 5}
    assert {c["person_id"] for c in twin["champions"]} == set(chosen.champions["person_id"])
    assert {s["strategy"] for s in twin["strategies"]} >= {"champions", "hubs", "random"}
    assert admin.get("/api/champions?initiative=9999").status_code == 404
    assert admin.get("/champions?initiative=9999").status_code == 404
    assert admin.get("/champions?initiative=0").status_code == 422
    assert login("member").get(f"/champions?initiative={chosen.initiative_id}").status_code == 403


def test_champions_bad_input_is_400(org: Org, login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    bad = admin.post_api("/api/champions", {"k": "lots", "runs": 10})
    assert bad.status_code == 400
    assert admin.post_api("/api/champions", {"runs": 0}).status_code == 422
    # the form says why beside the form as typed, the "save" tick kept; nothing stored
    before = _initiatives(org)
    token = form_token(admin.get("/champions").text)
    page = admin.post(
        "/champions",
        data={"k": "lots", "per": "shoe_size:1", "save": "1", "name": "x", "csrf_token": token},
    )
    assert page.status_code == 400
    assert "lots" in page.text and 'class="error"' in page.text
    assert "Nothing was stored" in page.text
    assert 'name="save" value="1" checked' in page.text
    assert 'value="shoe_size:1"' in page.text and _initiatives(org) == before


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
    org: Org, login: Callable[[str | None], Client]
) -> None:
    lead = login("admin")
    page = lead.get("/learning/leads")
    assert page.status_code == 200 and "Recognition" in page.text
    before = _match_rounds(org)
    ran = lead.post("/learning/match", data={"csrf_token": form_token(page.text)})
    # post/redirect/get: the round is shown by a GET, so a reload runs no second one
    assert ran.status_code == 303
    location = ran.headers["location"]
    assert location.startswith("/learning/leads?round=") and "sessions%20proposed" in location
    assert _match_rounds(org) == before + 1
    round_id = int(location.split("round=")[1].split("&")[0])
    shown = lead.get(location)
    assert shown.status_code == 200 and f"Matching round #{round_id}" in shown.text
    assert "open wishes matched" in shown.text and "sessions proposed" in shown.text
    assert lead.get(location).status_code == 200 and _match_rounds(org) == before + 1
    twin = lead.get(f"/api/learning/rounds/{round_id}").json()
    assert twin["round_id"] == round_id and twin["sessions_proposed"] == len(twin["matches"])
    assert twin["summary"]["matched"] == len(twin["matches"]) and twin["created_at"]
    analyst = login("analyst").get(f"/learning/leads?round={round_id}")
    assert analyst.status_code == 200 and not [n for n in org.names if n in analyst.text]
    assert lead.get("/learning/leads?round=9999").status_code == 404
    assert login("member").get(f"/learning/leads?round={round_id}").status_code == 403
    health = lead.get("/api/learning/health").json()
    assert health["overall"]["active_people"] > 0
    assert all(g["active_people"] >= 5 for g in health["by_group"])
    board = lead.get("/api/learning/recognition").json()["leaderboard"]
    assert board and board[0]["rank"] == 1


def test_unknown_route_and_bad_id_are_404_or_422(login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    assert admin.get("/api/nothing-here").status_code == 404
    assert admin.post_api("/api/learning/sessions/abc/applied").status_code == 422
