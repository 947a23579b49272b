"""The circles page and its API: a member sees their own circle only, leads see every circle
(admins by name, analysts by pseudonym, opted-out people never) and form new rounds; bad
input stores nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI

from peerweave.store.circles import save_round
from peerweave.web.circles import parse_by, parse_size
from peerweave.workspace import Workspace
from tests.web.conftest import Client, Org, audit_count, form_token, people_frame
from tests.web.copies import add_account, copy_org, logged_in

#: A person id of the synthetic organization (P001 …) inside a response.
PERSON_ID = re.compile(r"\bP\d{3}\b")


@dataclass
class Copy:
    """An app on a private copy of the test database, with clients by account."""

    org: Org
    app: FastAPI
    clients: dict[str, Client]

    def client(self, username: str) -> Client:
        if username not in self.clients:
            self.clients[username] = logged_in(self.app, username)
        return self.clients[username]

    def rounds(self) -> int:
        with Workspace.open(self.org.url) as ws:
            return len(ws.circle_rounds())


@pytest.fixture(scope="module")
def copy(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copy]:
    own, app = copy_org(org, tmp_path_factory.mktemp("circles"))
    yield Copy(own, app, {})
    app.state.workspace.close()


def _latest(org: Org) -> tuple[int, pd.DataFrame]:
    with Workspace.open(org.url) as ws:
        rounds, history = ws.circle_rounds(), ws.circle_history()
    latest = int(rounds.iloc[0]["id"])
    return latest, history


# -- parsing -------------------------------------------------------------------------------


def test_sizes_and_mixing_attributes_parse_or_say_what_is_wrong() -> None:
    assert parse_size("4-6") == (4, 6)
    for bad in ("13-5", "1-3", "x", "5-6-7", ""):
        with pytest.raises(Exception, match="not a circle size range"):
            parse_size(bad)
    assert parse_by(["department", "level", "department"]) == ["department", "level"]
    assert parse_by({"department": 2}) == {"department": 2.0}
    assert parse_by("level:0.5, location") == {"level": 0.5, "location": 1.0}
    with pytest.raises(Exception, match="not a number"):
        parse_by("department:lots")


# -- a member ------------------------------------------------------------------------------


def test_member_sees_only_their_own_circle_and_who_hosts(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    member = login("member")
    data = member.get("/api/circles").json()
    latest, history = _latest(org)
    assert data["view"] == "member" and data["latest_round"] == latest
    mine = history.loc[(history["round"] == latest) & (history["person_id"] == org.member)]
    assert len(mine) == 1, "the member should be seated in the latest round"
    mates = history.loc[
        (history["round"] == latest) & (history["circle"] == int(mine["circle"].iloc[0]))
    ]
    visible = set(mates["person_id"]) - set(org.opted_out)
    circle = data["circle"]
    assert circle["circle"] == int(mine["circle"].iloc[0])
    shown = {PERSON_ID.search(m["label"]).group(0) for m in circle["members"]}  # type: ignore[union-attr]
    assert shown == visible
    assert sum(m["me"] for m in circle["members"]) == 1
    assert all(m["department"] for m in circle["members"])
    host = mates.loc[mates["role"] == "host", "person_id"].iloc[0]
    assert circle["host"]["label"].endswith(f"({host})")
    # nobody outside the member's own circles, in any round, appears
    theirs = history.merge(history.loc[history["person_id"] == org.member, ["round", "circle"]])
    assert set(PERSON_ID.findall(member.get("/api/circles").text)) <= set(theirs["person_id"])
    page = member.get("/circles")
    assert page.status_code == 200
    assert "Your circle" in page.text and "Form a new round" not in page.text
    assert f"/api/circles/rounds/{latest}/export.csv" not in page.text


def test_member_may_not_form_a_round_nor_export_one(
    login: Callable[[str | None], Client], copy: Copy
) -> None:
    member = copy.client("member")
    before = copy.rounds()
    refused = member.post_api("/api/circles/rounds", {"seconds": 1})
    assert refused.status_code == 403
    assert member.get("/api/circles/rounds/1/export.csv").status_code == 403
    page = member.get("/circles")
    form = member.post("/circles/rounds", data={"size": "5-7", "csrf_token": form_token(page.text)})
    assert form.status_code == 403
    assert copy.rounds() == before


def test_someone_in_no_round_gets_a_friendly_message(copy: Copy) -> None:
    opted = copy.org.opted_out[0]  # opted-out people are never seated
    add_account(copy.org, "left-out", "member", opted)
    add_account(copy.org, "nobody", "member", None)
    data = copy.client("left-out").get("/api/circles").json()
    assert data["circle"] is None and data["past"] == []
    assert data["message"] == "you are not in any round of circles yet"
    page = copy.client("left-out").get("/circles")
    assert page.status_code == 200 and "you are not in any round of circles yet" in page.text
    unlinked = copy.client("nobody").get("/api/circles").json()
    assert "linked to no person" in unlinked["message"]


# -- leads ---------------------------------------------------------------------------------


def test_admin_sees_every_circle_by_name_with_its_figures_audited(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    admin = login("admin")
    with Workspace.open(org.url) as ws:
        first = ws.circle_rounds().iloc[-1]  # the demo's round: the people have not changed
    before = audit_count(org)
    data = admin.get(f"/api/circles?round={int(first['id'])}").json()
    assert audit_count(org) == before + 1
    assert data["view"] == "lead" and data["round"]["id"] == int(first["id"])
    assert len(data["circles"]) == int(first["circles"])
    assert sum(c["size"] for c in data["circles"]) == int(first["people"])
    # each circle's diversity, worked out again, adds up to the stored round's
    total = sum(c["diversity"] for c in data["circles"])
    assert total == pytest.approx(float(first["diversity"]), rel=1e-9)
    assert data["round"]["pair_diversity"] == pytest.approx(
        total / sum(c["size"] * (c["size"] - 1) / 2 for c in data["circles"])
    )
    assert data["round"]["constraint_check"]["managers"] == "ok"
    assert {"sizes", "managers", "opted_out"} <= set(data["round"]["constraint_check"])
    names = set(people_frame(org)["name"])
    for circle in data["circles"]:
        assert sum(m["role"] == "host" for m in circle["members"]) == 1
        assert circle["host"]["ref"] in {m["ref"] for m in circle["members"]}
        assert set(circle["mix"]) == {"department", "level", "location"}
        assert all(m["label"].split(" (")[0] in names for m in circle["members"])
    page = admin.get(f"/circles?round={int(first['id'])}")
    assert page.status_code == 200
    assert "Form a new round" in page.text and "Constraint check" in page.text
    assert data["circles"][0]["members"][0]["label"].replace("'", "&#39;") in page.text


def test_analyst_sees_pseudonyms_only_in_page_api_and_export(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    analyst = login("analyst")
    latest, history = _latest(org)
    text = analyst.get("/api/circles").text + analyst.get("/circles").text
    exported = analyst.get(f"/api/circles/rounds/{latest}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    text += exported.text
    assert not [n for n in org.names if n in text]
    assert not PERSON_ID.findall(text)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0]) == ["round", "circle", "person_id", "role"]
    seated = history.loc[history["round"] == latest, "person_id"]
    assert {r["person_id"] for r in rows} == {
        org.pseudonym(p) for p in seated if p not in org.opted_out
    }
    admin_rows = list(
        csv.DictReader(
            io.StringIO(login("admin").get(f"/api/circles/rounds/{latest}/export.csv").text)
        )
    )
    assert {r["person_id"] for r in admin_rows} == set(seated) - set(org.opted_out)


def test_opted_out_people_never_appear_even_in_a_round_they_sat_in(copy: Copy) -> None:
    opted = list(copy.org.opted_out)
    with Workspace.open(copy.org.url) as ws:
        latest = int(ws.circle_rounds().iloc[0]["id"])
        history = ws.circle_history()
        seats = history.loc[history["round"] == latest, ["person_id", "circle", "role"]]
        circle = int(seats.loc[seats["person_id"] == copy.org.member, "circle"].iloc[0])
        extra = pd.DataFrame({"person_id": opted, "circle": circle, "role": "member"})
        with ws.store.transaction() as session:  # a round from before they opted out
            round_id = save_round(
                session=session,
                assignment=pd.concat([seats, extra], ignore_index=True),
                params={"by": ["department"], "size": [5, 9]},
                diversity=1.0,
                repeat_pairs=0,
                repeats_avoided=0.0,
            )
        people = ws.people(include_left=True)
    hidden = set(opted) | {
        str(n) for n in people.loc[people["person_id"].isin(opted), "name"] if len(str(n)) > 5
    }
    texts = [
        copy.client("admin").get(f"/api/circles?round={round_id}").text,
        copy.client("admin").get(f"/circles?round={round_id}").text,
        copy.client("admin").get(f"/api/circles/rounds/{round_id}/export.csv").text,
        copy.client("member").get("/api/circles").text,
        copy.client("member").get("/circles").text,
    ]
    for text in texts:
        assert not [h for h in hidden if h in text]
    member = copy.client("member").get("/api/circles").json()
    assert member["circle"]["round"] == round_id
    analyst = copy.client("analyst").get(f"/api/circles?round={round_id}").text
    assert not [p for p in opted if copy.org.pseudonym(p) in analyst]


def test_lead_forms_a_new_round_and_sees_it(copy: Copy) -> None:
    admin = copy.client("admin")
    before = copy.rounds()
    answer = admin.post_api(
        "/api/circles/rounds",
        {"by": "department:2, level, location", "size": "4-6", "seconds": 1, "seed": 3},
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert copy.rounds() == before + 1
    r = data["round"]
    assert data["formed"] is True and r["by"] == "department:2, level:1, location:1"
    assert r["checked"].startswith("checked just now")
    assert set(r["constraint_check"].values()) == {"ok"}
    assert r["expected_repeats"] is not None and r["repeats_avoided"] >= 0
    assert all(4 <= c["size"] <= 6 for c in data["circles"])
    assert all(c["diversity"] > 0 for c in data["circles"])
    assert sum(c["diversity"] for c in data["circles"]) == pytest.approx(r["diversity"])
    assert data["rounds"][0]["id"] == r["id"]
    # the form does the same and shows the new round
    page = admin.get("/circles")
    shown = admin.post(
        "/circles/rounds",
        data={
            "by": "department, location",
            "size": "5-7",
            "seconds": "1",
            "seed": "",
            "tz_window": "",
            "topic": "",
            "csrf_token": form_token(page.text),
        },
    )
    # post/redirect/get: the new round is shown by a GET, so a reload forms no second one
    assert shown.status_code == 303, shown.text
    location = shown.headers["location"]
    assert location.startswith(f"/circles?round={r['id'] + 1}&message=round%20%23")
    assert copy.rounds() == before + 2
    page = admin.get(location)
    assert page.status_code == 200 and f"Round #{r['id'] + 1}" in page.text
    assert f"round #{r['id'] + 1} formed:" in page.text and "pairs who met before" in page.text
    assert "every rule holds" in page.text
    assert admin.get(location).status_code == 200 and copy.rounds() == before + 2
    # an analyst may too
    assert copy.client("analyst").post_api("/api/circles/rounds", {"seconds": 1}).status_code == 200


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"size": "13-5"}, "not a circle size range"),
        ({"size": "100-101"}, "cannot be split into circles of 100–101"),
        ({"size": "250-260"}, "fewer"),
        ({"by": "shoe_size"}, "no column 'shoe_size'"),
        ({"by": " , "}, "choose at least one column"),
        ({"by": "department:lots"}, "not a number"),
        ({"by": "department:-1"}, "positive number"),
        ({"seconds": 0}, "leaves no time"),
        ({"seconds": 61}, "too long"),
        ({"tz_window": -1}, "not a time-zone window"),
        ({"topic": "underwater basket weaving"}, "nobody lists the skill"),
        ({"seed": -1}, "negative"),
    ],
    ids=lambda x: str(x)[:30] if isinstance(x, str) else None,
)
def test_bad_input_is_a_400_with_the_reason_and_stores_nothing(
    copy: Copy, body: dict[str, object], said: str
) -> None:
    before = copy.rounds()
    answer = copy.client("admin").post_api("/api/circles/rounds", {"seconds": 1, **body})
    assert answer.status_code == 400, answer.text
    assert said in answer.json()["detail"]
    assert copy.rounds() == before


def test_a_bad_form_says_why_on_the_page_and_keeps_what_was_typed(copy: Copy) -> None:
    admin = copy.client("admin")
    before = copy.rounds()
    page = admin.get("/circles")
    answer = admin.post(
        "/circles/rounds",
        data={
            "by": "shoe_size",
            "size": "5-7",
            "seconds": "1",
            "csrf_token": form_token(page.text),
        },
    )
    assert answer.status_code == 400
    assert "no column &#39;shoe_size&#39;" in answer.text and "Nothing was stored" in answer.text
    assert 'value="shoe_size"' in answer.text
    bad_number = admin.post(
        "/circles/rounds",
        data={"seconds": "soon", "csrf_token": form_token(page.text)},
    )
    assert bad_number.status_code == 400 and "&#39;soon&#39; is not a number" in bad_number.text
    script = admin.post(
        "/circles/rounds",
        data={"by": "<script>alert(1)</script>", "csrf_token": form_token(page.text)},
    )
    assert script.status_code == 400 and "<script>alert" not in script.text
    assert copy.rounds() == before


def test_posts_need_the_csrf_token(copy: Copy) -> None:
    admin = copy.client("admin")
    before = copy.rounds()
    assert admin.post("/api/circles/rounds", json={"seconds": 1}).status_code == 403
    assert (
        admin.post(
            "/api/circles/rounds", json={"seconds": 1}, headers={"X-CSRF-Token": "forged"}
        ).status_code
        == 403
    )
    assert admin.post("/circles/rounds", data={"seconds": "1"}).status_code == 403
    assert copy.rounds() == before


def test_unknown_rounds_are_404_and_bad_numbers_422(login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    assert admin.get("/api/circles?round=9999").status_code == 404
    assert "no round 9999" in admin.get("/api/circles?round=9999").json()["detail"]
    assert admin.get("/circles?round=9999").status_code == 404
    assert admin.get("/api/circles?round=0").status_code == 422
    assert admin.get("/api/circles/rounds/9999/export.csv").status_code == 404
    assert login(None).get("/api/circles").status_code == 401


def test_no_round_yet_says_so(tmp_path: Path) -> None:
    from peerweave.web.circles import circles
    from peerweave.web.privacy import Viewer
    from peerweave.web.settings import WebSettings

    settings = WebSettings(None, "k" * 16)
    with Workspace.open("sqlite://", create=True) as ws:
        lead = circles(ws, Viewer("a", "admin", None), settings)
        assert lead["round"] is None and "no round" in lead["notes"][0]
        with pytest.raises(Exception, match="no round 2 of circles"):
            circles(ws, Viewer("a", "admin", None), settings, round_id=2)


def test_a_lead_linked_to_a_person_sees_their_own_circle_too(copy: Copy) -> None:
    add_account(copy.org, "linked-lead", "analyst", copy.org.member)
    data = copy.client("linked-lead").get("/api/circles").json()
    assert data["view"] == "lead" and data["mine"]["view"] == "member"
    me = [m for m in data["mine"]["circle"]["members"] if m["me"]]
    assert len(me) == 1
    # the lead view names by pseudonym; their own circle too
    assert me[0]["label"] == f"person {copy.org.pseudonym(copy.org.member)}"
    page = copy.client("linked-lead").get("/circles")
    assert "My circles" in page.text and "Your circle" in page.text
