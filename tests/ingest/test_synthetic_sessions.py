"""The synthetic programme history: reproducible, valid for the readers, plausible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peerweave.ingest.people import read_people
from peerweave.ingest.sessions import read_feedback, read_sessions
from peerweave.ingest.synthetic import (
    SyntheticOrganization,
    generate_organization,
    generate_to_directory,
)
from peerweave.learning import programme_health, seeder_scores, snowball_tree
from peerweave.learning.schema import FEEDBACK_COLUMNS, SESSION_COLUMNS


@pytest.fixture(scope="module")
def org() -> SyntheticOrganization:
    return generate_organization(1500, seed=11, weeks=4)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_to_directory(tmp_path_factory.mktemp("org"), 800, seed=3, weeks=2)


def test_same_seed_same_history_and_files(tmp_path: Path) -> None:
    a = generate_organization(300, seed=5, weeks=2)
    b = generate_organization(300, seed=5, weeks=2)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    pd.testing.assert_frame_equal(a.feedback, b.feedback)
    assert a.truth == b.truth
    c = generate_organization(300, seed=6, weeks=2)
    assert not a.sessions.equals(c.sessions)
    one = generate_to_directory(tmp_path / "one", 120, seed=2, weeks=1)
    two = generate_to_directory(tmp_path / "two", 120, seed=2, weeks=1)
    for key in ("sessions", "feedback", "truth"):
        assert one[key].read_bytes() == two[key].read_bytes(), key


def test_columns_and_types(org: SyntheticOrganization) -> None:
    s, f = org.sessions, org.feedback
    assert list(s.columns) == list(SESSION_COLUMNS)
    assert list(f.columns) == list(FEEDBACK_COLUMNS)
    assert s["session_id"].tolist() == list(range(1, len(s) + 1))
    assert str(s["parent_session_id"].dtype) == "Int64" and s["round_id"].isna().all()
    assert s["proposed_at"].notna().all()
    assert set(s["skill"]) <= set(org.skills["skill"])


def test_every_row_passes_the_readers(files: dict[str, Path]) -> None:
    people = read_people(files["people"]).people
    sessions = read_sessions(files["sessions"], known_people=people["person_id"])
    feedback = read_feedback(files["feedback"], sessions=sessions)
    written = pd.read_csv(files["sessions"])
    assert len(sessions) == len(written) > 100
    assert len(feedback) == len(pd.read_csv(files["feedback"])) > 100
    truth = json.loads(files["truth"].read_text())["programme"]
    assert truth["sessions"] == len(sessions) and truth["feedback"] == len(feedback)
    assert truth["by_status"] == sessions["status"].value_counts().to_dict()


def test_statuses_and_dates(org: SyntheticOrganization) -> None:
    s = org.sessions
    share = s["status"].value_counts(normalize=True)
    assert share["held"] > 0.7 and 0.03 < share["cancelled"] < 0.2
    assert 0.02 < share["proposed"] + share["scheduled"] < 0.2
    end = pd.Timestamp(org.truth["programme"]["end"])
    start = pd.Timestamp(org.truth["programme"]["start"])
    held = s[s["status"] == "held"]
    assert held["held_at"].between(start, end).all()
    open_ = s[s["status"].isin(["proposed", "scheduled"])]
    assert (open_["proposed_at"] >= end - pd.Timedelta(days=28)).all()  # the end of the year
    scheduled = s[s["status"] == "scheduled"]
    assert (scheduled["scheduled_for"] > end).all()
    assert s.loc[s["status"] != "held", "held_at"].isna().all()
    assert s.loc[s["status"] != "held", "applied_at"].isna().all()
    assert s.loc[s["status"] == "cancelled", "cancelled_at"].notna().all()
    assert 0.3 < held["applied_at"].notna().mean() < 0.8
    assert (held["applied_at"].dropna() > held.loc[held["applied_at"].notna(), "held_at"]).all()
    assert s["wished_at"].notna().mean() > 0.7


def test_who_teaches_whom(org: SyntheticOrganization) -> None:
    s, people, skills = org.sessions, org.people, org.skills
    assert (s["learner_id"] != s["teacher_id"]).all()
    manager = people.set_index("person_id")["manager_id"]
    assert (manager.reindex(s["learner_id"]).to_numpy() != s["teacher_id"].to_numpy()).all()
    assert (manager.reindex(s["teacher_id"]).to_numpy() != s["learner_id"].to_numpy()).all()
    out = set(people.loc[people["opted_out"], "person_id"])
    assert not (set(s["learner_id"]) | set(s["teacher_id"])) & out
    rows = skills.set_index(["person_id", "skill"])
    teacher = rows.reindex(pd.MultiIndex.from_arrays([s["teacher_id"], s["skill"]]))
    learner = rows.reindex(pd.MultiIndex.from_arrays([s["learner_id"], s["skill"]]))
    assert teacher["can_teach"].fillna(False).astype(bool).all()
    assert (teacher["level"].to_numpy() >= 3).all()
    assert learner["level"].notna().all()  # everyone learns a skill on their list
    # the learner's level then: today's while they still want it, else one less
    wants = learner["wants_to_learn"].astype(bool).to_numpy()
    then = np.where(wants, learner["level"], learner["level"] - 1)
    assert (teacher["level"].to_numpy() >= then + 1).all()
    # mostly within the informal network, which mostly stays in the department
    dept = people.set_index("person_id")["department"]
    same = dept.reindex(s["learner_id"]).to_numpy() == dept.reindex(s["teacher_id"]).to_numpy()
    at_random = (dept.value_counts(normalize=True) ** 2).sum()
    assert same.mean() > 2 * at_random
    hired = people.set_index("person_id")["hire_date"]
    for who in ("learner_id", "teacher_id"):
        assert (hired.reindex(s[who]).to_numpy() < s["proposed_at"].to_numpy()).all()
    wished = s[s["wished_at"].notna()]
    assert (hired.reindex(wished["learner_id"]).to_numpy() < wished["wished_at"].to_numpy()).all()


def test_snowball_chains(org: SyntheticOrganization) -> None:
    s = org.sessions
    linked = s[s["parent_session_id"].notna()]
    assert len(linked) > 0.05 * len(s)
    parent = s.set_index("session_id").loc[linked["parent_session_id"].astype(int)]
    assert (parent["learner_id"].to_numpy() == linked["teacher_id"].to_numpy()).all()
    assert (parent["skill"].to_numpy() == linked["skill"].to_numpy()).all()
    assert (parent["status"] == "held").all()
    assert (parent["held_at"].to_numpy() < linked["held_at"].fillna(linked["proposed_at"])).all()
    deepest = org.truth["programme"]["deepest_chain"]
    assert deepest >= 3
    tree = snowball_tree(s, org.truth["programme"]["deepest_chain_skill"])
    assert tree["depth"].max() == deepest
    scores = seeder_scores(s)
    assert scores["downstream"].max() > 0 and scores["credit"].max() > 2


def test_feedback_is_two_sided_and_only_on_held_sessions(org: SyntheticOrganization) -> None:
    s, f = org.sessions.set_index("session_id"), org.feedback
    about = s.loc[f["session_id"]]
    assert (about["status"] == "held").all()
    assert not f.duplicated(["session_id", "role"]).any()
    learner = f["role"] == "learner"
    assert (
        f.loc[learner, "author_id"].to_numpy() == about.loc[learner.to_numpy(), "learner_id"]
    ).all()
    assert (
        f.loc[~learner, "author_id"].to_numpy() == about.loc[~learner.to_numpy(), "teacher_id"]
    ).all()
    held = (s["status"] == "held").sum()
    both = f.groupby("session_id")["role"].nunique().eq(2).sum()
    assert 0.5 < both / held < 0.8
    assert (f["given_at"].to_numpy() >= about["held_at"].to_numpy()).all()
    # ratings skewed to 4–5, as on real platforms; teachers differ
    assert (f["rating"] >= 4).mean() > 0.7 and f["rating"].min() >= 1 and f["rating"].max() == 5
    by_teacher = f[learner].assign(t=about.loc[learner.to_numpy(), "teacher_id"].to_numpy())
    means = by_teacher.groupby("t")["rating"].agg(["mean", "size"])
    assert means.loc[means["size"] >= 5, "mean"].std() > 0.15
    assert (f["comment"] != "").mean() > 0.15


def test_a_few_seeders_and_many_leechers(org: SyntheticOrganization) -> None:
    h = programme_health(org.people, org.skills, org.sessions)
    row = h.overall.iloc[0]
    assert row["leechers"] > 1.3 * row["seeders"]
    assert 0.2 < row["participation_rate"] < 0.7
    taught = org.sessions[org.sessions["status"] == "held"]["teacher_id"].value_counts()
    assert taught.head(len(taught) // 5).sum() > 0.4 * taught.sum()  # a fifth teach 40%+


@pytest.mark.parametrize("n", [20, 45])
def test_tiny_organizations_have_a_history_too(n: int) -> None:
    small = generate_organization(n, seed=1, weeks=1)
    assert list(small.sessions.columns) == list(SESSION_COLUMNS)
    assert small.truth["programme"]["sessions"] == len(small.sessions)


def test_snowball_sessions_are_proposed_after_their_teacher_learned_at_scale(
    tmp_path: Path,
) -> None:
    """At 10,000 people (seed 7) a cancelled snowball session was once proposed before the
    session that taught its teacher was held, and the sessions reader refused the file."""
    files = generate_to_directory(tmp_path, 10_000, seed=7, weeks=1)
    s = pd.read_csv(files["sessions"], parse_dates=["proposed_at", "held_at"])
    linked = s[s["parent_session_id"].notna()]
    parent = s.set_index("session_id").loc[linked["parent_session_id"].astype(int)]
    assert (parent["held_at"].to_numpy() < linked["proposed_at"].to_numpy()).all()
    people = read_people(files["people"]).people
    assert len(read_sessions(files["sessions"], known_people=people["person_id"])) == len(s)
