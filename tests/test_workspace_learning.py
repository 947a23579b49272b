"""Peer learning through the workspace, on SQLite and PostgreSQL: match, ledger, recognition."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from peerweave.errors import ConstraintError, InputError, UnknownIdError
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.learning.matching import MatchOptions
from peerweave.workspace import Workspace

PEOPLE = (
    "person_id,name,department,manager_id,timezone,opted_out\n"
    "M,Mia,Board,,Europe/Paris,no\n"
    "A,Ana,Eng,M,Europe/Paris,no\n"
    "B,Bo,Eng,M,Europe/Paris,no\n"
    "C,Cy,Data,M,America/New_York,no\n"
    "D,Di,Data,M,Europe/Paris,no\n"
    "E,Ed,Ops,M,Europe/Paris,no\n"
    "F,Fay,Ops,M,Europe/Paris,no\n"
    "G,Gus,Ops,M,Europe/Paris,no\n"
    "O,Oz,Eng,M,Europe/Paris,yes\n"
)
SKILLS = (
    "person_id,skill,level,can_teach,wants_to_learn,capacity\n"
    "A,SQL,4,yes,no,2\n"
    "B,sql,1,no,yes,\n"
    "C,Sql ,0,no,yes,\n"
    "D,sql,2,no,yes,\n"
    "E,go,3,yes,no,0\n"
    "F,go,1,no,yes,\n"
    "G,rust,1,no,yes,\n"
    "O,sql,4,yes,no,5\n"
)


@pytest.fixture
def small(tmp_path: Path) -> dict[str, Path]:
    files = {"people": tmp_path / "people.csv", "skills": tmp_path / "skills.csv"}
    files["people"].write_text(PEOPLE)
    files["skills"].write_text(SKILLS)
    return files


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_to_directory(tmp_path_factory.mktemp("org"), 200, seed=3, weeks=2)


def open_small(url: str, files: dict[str, Path]) -> Workspace:
    ws = Workspace.open(url, create=True)
    ws.import_people(files["people"])
    ws.import_skills(files["skills"])
    return ws


def test_a_round_on_a_small_org_says_why_wishes_stay_unmatched(
    store_url: str, small: dict[str, Path], tmp_path: Path
) -> None:
    with open_small(store_url, small) as ws:
        result = ws.match(export=tmp_path / "matches.csv")
        stored = ws.sessions()
        rounds = ws.rounds()
    matches = result.round.matches
    assert sorted(matches["learner_id"]) == sorted(set(matches["learner_id"]))
    assert set(matches["teacher_id"]) == {"A"}  # O opted out, E has no room
    assert len(matches) == 2 == result.round.summary["max_possible"]
    unmatched = result.round.unmatched
    reasons = dict(zip(unmatched["learner_id"], unmatched["reason"], strict=True))
    assert reasons["G"] == "nobody teaches rust"
    assert reasons["F"] == "all go teachers are full this round"  # capacity 0
    assert "sql" in reasons[({"B", "C", "D"} - set(matches["learner_id"])).pop()]
    assert "O" not in set(result.round.unmatched["learner_id"])
    # the round and its proposed sessions are stored
    assert result.round_id == rounds.loc[0, "id"] and rounds.loc[0, "matches"] == 2
    assert rounds.loc[0, "params"]["graph"] is False
    assert sorted(stored["session_id"]) == sorted(result.session_ids)
    assert set(stored["status"]) == {"proposed"} and set(stored["round_id"]) == {result.round_id}
    assert stored["wished_at"].notna().all()
    assert any("no ties are stored" in n for n in result.notes)
    exported = pd.read_csv(tmp_path / "matches.csv")
    assert list(exported.columns) == ["learner_id", "teacher_id", "skill", "score"]
    assert len(exported) == 2
    unmatched = pd.read_csv(tmp_path / "matches.unmatched.csv")
    assert list(unmatched.columns) == ["learner_id", "skill", "reason"] and len(unmatched) == 3


def test_served_wishes_and_busy_teachers_carry_into_the_next_round(
    store_url: str, small: dict[str, Path]
) -> None:
    with open_small(store_url, small) as ws:
        first = ws.match()
        again = ws.match()
        assert again.served == 2 and again.round.matches.empty
        # A's two places are taken by open sessions: the third learner still waits
        left = again.round.unmatched.set_index("learner_id")["reason"]
        assert (set(left.index) & {"B", "C", "D"}) == {"B", "C", "D"} - set(
            first.round.matches["learner_id"]
        )
        for sid in first.session_ids:
            ws.cancel(sid)
        third = ws.match(save=False)
        assert len(third.round.matches) == 2 and third.round_id is None
        assert len(ws.sessions()) == 2 and len(ws.rounds()) == 2


def test_no_teachers_at_all_is_a_round_with_every_wish_unmatched(
    store_url: str, small: dict[str, Path], tmp_path: Path
) -> None:
    only_learners = tmp_path / "learners.csv"
    only_learners.write_text("person_id,skill,level,can_teach,wants_to_learn\nB,sql,1,no,yes\n")
    with Workspace.open(store_url, create=True) as ws:
        ws.import_people(small["people"])
        with pytest.raises(InputError, match="no skills are stored"):
            ws.match()
        ws.import_skills(only_learners)
        result = ws.match()
    assert result.round.matches.empty
    assert result.round.unmatched["reason"].tolist() == ["nobody teaches sql"]
    assert result.session_ids == ()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("GHOST,sql,2,yes,no,2", "GHOST"),
        ("B,go,7,no,yes,2", "level"),
        ("B,python,2,yes,yes,2", "both can teach and wants to learn"),
        ("A,python,2,yes,no,3", "capacity 3 differs"),
    ],
)
def test_bad_skills_files_change_nothing(
    store_url: str, small: dict[str, Path], tmp_path: Path, row: str, message: str
) -> None:
    bad = tmp_path / "bad_skills.csv"
    bad.write_text(SKILLS + row + "\n")
    with open_small(store_url, small) as ws:
        before = ws.skills()
        with pytest.raises(InputError, match=message):
            ws.import_skills(bad)
        pd.testing.assert_frame_equal(ws.skills(), before)


def test_synonyms_name_each_skill_one_way(
    store_url: str, small: dict[str, Path], tmp_path: Path
) -> None:
    skills = tmp_path / "skills.csv"
    skills.write_text("person_id,skill,level,can_teach,wants_to_learn\nA,Postgres,4,yes,no\n")
    synonyms = tmp_path / "synonyms.csv"
    synonyms.write_text("alias,skill\npostgres,SQL\n")
    with Workspace.open(store_url, create=True) as ws:
        ws.import_people(small["people"])
        ws.import_skills(skills, synonyms=synonyms)
        assert ws.skills()["skill"].tolist() == ["sql"]


def test_the_ledger_double_blind_feedback_and_the_snowball(
    store_url: str, small: dict[str, Path]
) -> None:
    with open_small(store_url, small) as ws:
        first = ws.add_session("B", "A", "SQL")
        ws.schedule(first, "2025-01-10")
        with pytest.raises(InputError, match="not held"):
            ws.feedback(first, "B", 5)
        ws.hold(first, "2025-01-10")
        assert ws.feedback(first, "B", 5, prepared=True, again=True, comment="great") == "learner"
        # A has not given hers: B's stays hidden from A until the deadline …
        early = ws.feedback_for(first, "A", now="2025-01-11")
        assert early.visible.empty and early.waiting == ("learner",)
        assert early.visible_from == pd.Timestamp("2025-01-24")
        late = ws.feedback_for(first, "A", now="2025-01-25")
        assert late.visible["author_id"].tolist() == ["B"] and late.waiting == ()
        # … or until she gives hers
        assert ws.feedback(first, "A", 4, clear=True) == "teacher"
        both = ws.feedback_for(first, "B", now="2025-01-11")
        assert sorted(both.visible["role"]) == ["learner", "teacher"]
        with pytest.raises(InputError, match="only its learner and teacher"):
            ws.feedback_for(first, "C")
        with pytest.raises(UnknownIdError, match="no session #99"):
            ws.feedback_for(99, "A")
        with pytest.raises(InputError, match="already gave feedback"):
            ws.feedback(first, "A", 1)
        with pytest.raises(InputError, match="C was not in session"):
            ws.feedback(first, "C", 3)
        with pytest.raises(InputError, match=r"A is not its learner \(B learned sql from A\)"):
            ws.applied(first, "A")
        ws.applied(first, "B", "2025-01-20")
        # B teaches it on: the new session links to the one B learned in
        second = ws.add_session("C", "B", "sql")
        ws.schedule(second, "2025-02-01")
        ws.hold(second, "2025-02-01")
        ws.applied(second, "C", "2025-02-10")
        ledger = ws.sessions().set_index("session_id")
        assert ledger.loc[second, "parent_session_id"] == first
        assert ws.endorse("C", "B", "SQL") and not ws.endorse("C", "B", "sql")
        assert ws.endorsements("B")["skill"].tolist() == ["sql"]

        credit = ws.recognition(skill="sql")
        board = credit.leaderboard.set_index("teacher_id")
        assert board.loc["A", "credit"] == pytest.approx(1.5)  # B applied, and C below
        assert board.loc["B", "credit"] == pytest.approx(1.0)
        assert credit.tree is not None and credit.tree["depth"].tolist() == [1, 2]
        health = ws.health(min_group_size=1)
        assert int(health.health.overall.loc[0, "sessions_held"]) == 2
        given = health.feedback.set_index("role")["given"]
        assert given.to_dict() == {"learner": 1, "teacher": 1}
        assert health.feedback["mean_rating"].isna().all()  # too few to show


def test_peers_rank_teachers_and_explain_an_empty_list(
    store_url: str, small: dict[str, Path]
) -> None:
    with open_small(store_url, small) as ws:
        ranked = ws.peers("B", "SQL")
        assert ranked["teacher_id"].tolist() == ["A"]  # never O, who opted out
        nobody = ws.peers("G", "rust")
        assert nobody.empty and "nobody teaches rust" in str(nobody.attrs["explanation"])
        with pytest.raises(ConstraintError):
            ws.peers("O", "sql")


def test_opted_out_people_stay_out_of_outputs(store_url: str, small: dict[str, Path]) -> None:
    with open_small(store_url, small) as ws:
        sid = ws.add_session("B", "O", "sql")  # someone who opted out can still be recorded
        ws.schedule(sid, "2025-01-01")
        ws.hold(sid, "2025-01-02")
        assert ws.sessions().empty
        assert len(ws.sessions(include_opted_out=True)) == 1
        credit = ws.recognition()
        assert credit.leaderboard.empty
        assert any("opted out" in n for n in credit.notes)
        health = ws.health(min_group_size=1)
        assert "O" not in set(health.health.by_group.get("group", pd.Series(dtype=str)))


def test_a_round_on_a_generated_org_meets_the_invariants(
    store_url: str, org: dict[str, Path]
) -> None:
    with Workspace.open(store_url, create=True) as ws:
        ws.import_people(org["people"])
        ws.import_events(org["events"])
        ws.import_skills(org["skills"])
        people = ws.people().set_index("person_id")
        skills = ws.skills()
        result = ws.match(MatchOptions(seed=5))
        stored = ws.sessions(include_opted_out=True)
    m = result.round.matches
    assert len(m) > 0 and len(stored) == len(m)
    assert (m["learner_id"] != m["teacher_id"]).all()
    manager = people["manager_id"]
    assert not (manager.reindex(m["learner_id"]).to_numpy() == m["teacher_id"].to_numpy()).any()
    assert not (manager.reindex(m["teacher_id"]).to_numpy() == m["learner_id"].to_numpy()).any()
    opted = set(people.index[(people["opted_out"] | people["on_leave"]).astype(bool)])
    assert not (set(m["learner_id"]) | set(m["teacher_id"])) & opted
    level = skills.set_index(["person_id", "skill"])["level"]
    have = level.reindex(pd.MultiIndex.from_arrays([m["teacher_id"], m["skill"]])).to_numpy()
    want = level.reindex(pd.MultiIndex.from_arrays([m["learner_id"], m["skill"]])).to_numpy()
    assert (have >= want + 1).all()
    capacity = skills.groupby("person_id")["capacity"].max()
    load = m.groupby("teacher_id").size()
    assert (load <= capacity.reindex(load.index)).all()
    # as many as can be matched: an independent max flow (networkx) over the same arcs
    arcs = _eligible_arcs(people, skills)
    flow = nx.DiGraph()
    for wish, teacher in arcs:
        flow.add_edge("s", ("w", *wish), capacity=1)
        flow.add_edge(("w", *wish), ("t", teacher), capacity=1)
        flow.add_edge(("t", teacher), "z", capacity=int(capacity[teacher]))
    best = nx.maximum_flow_value(flow, "s", "z") if arcs else 0
    assert len(m) == best == result.round.summary["max_possible"]


def _eligible_arcs(people: pd.DataFrame, skills: pd.DataFrame) -> list[tuple[tuple[str, str], str]]:
    """Every (wish, teacher) pair the rules allow, built the slow, obvious way."""
    ok = set(people.index[~(people["opted_out"] | people["on_leave"]).astype(bool)])
    manager = people["manager_id"].to_dict()
    wishes = skills[skills["wants_to_learn"] & skills["person_id"].isin(ok)]
    teachers = skills[skills["can_teach"] & skills["person_id"].isin(ok) & (skills["capacity"] > 0)]
    pairs = wishes.merge(teachers, on="skill", suffixes=("_l", "_t"))
    arcs = []
    for row in pairs.itertuples(index=False):
        learner, teacher = row.person_id_l, row.person_id_t
        if learner == teacher or manager.get(learner) == teacher or manager.get(teacher) == learner:
            continue
        if row.level_t >= row.level_l + 1:
            arcs.append(((learner, row.skill), teacher))
    return arcs
