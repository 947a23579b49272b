"""Tests of the synthetic organization generator: formats, hierarchy, planted structure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerweave.errors import ConstraintError, InputError, PeerweaveError
from peerweave.ingest import synthetic
from peerweave.ingest.synthetic import (
    SURVEY_COLUMNS,
    SyntheticOrganization,
    generate_organization,
    generate_to_directory,
    write_organization,
)
from peerweave.ingest.synthetic._data import LOCATIONS, SKILLS
from peerweave.org.schema import PEOPLE_COLUMNS, SKILLS_COLUMNS

START = pd.Timestamp("2026-01-05", tz="UTC")


@pytest.fixture(scope="module")
def org() -> SyntheticOrganization:
    return generate_organization(3000, seed=11)


@pytest.fixture(scope="module")
def events(org: SyntheticOrganization) -> pd.DataFrame:
    return org.events()


@pytest.fixture(scope="module")
def index(org: SyntheticOrganization) -> pd.Series:
    """Row number of each person_id."""
    return pd.Series(np.arange(len(org.people)), index=org.people["person_id"])


@pytest.fixture(scope="module")
def pairs(org: SyntheticOrganization, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, recipient): sender/recipient row numbers (-1 outside), size."""
    row_of = pd.Series(np.arange(len(org.people)), index=org.people["email"])
    rec = events["recipients"].str.split(";")
    m = rec.str.len().to_numpy()
    out = pd.DataFrame(
        {
            "event": np.repeat(np.arange(len(events)), m),
            "sender": np.repeat(events["sender"].to_numpy(), m),
            "recipient": np.concatenate(rec.to_numpy()),
            "size": np.repeat(m, m),
        }
    )
    out["s"] = out["sender"].map(row_of).fillna(-1).astype(np.int64)
    out["r"] = out["recipient"].map(row_of).fillna(-1).astype(np.int64)
    return out


@pytest.fixture(scope="module")
def ties(org: SyntheticOrganization, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Distinct undirected person-to-person contacts, leaving out broadcasts and town halls."""
    n = len(org.people)
    p = pairs[(pairs["size"] <= 25) & (pairs["s"] >= 0) & (pairs["r"] >= 0)]
    a = np.concatenate([p["s"].to_numpy(), p["r"].to_numpy()])
    b = np.concatenate([p["r"].to_numpy(), p["s"].to_numpy()])
    key = np.unique(a * n + b)
    return key // n, key % n


def _manager_rows(people: pd.DataFrame) -> np.ndarray:
    row = pd.Series(np.arange(len(people)), index=people["person_id"])
    return people["manager_id"].map(row).fillna(-1).to_numpy(dtype=np.int64)


def _pct_rank(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank(pct=True, method="max").to_numpy()


# ---------------------------------------------------------------- arguments, determinism


@pytest.mark.parametrize("n", [0, 19, 1_000_001])
def test_people_out_of_range_is_an_input_error(n: int) -> None:
    with pytest.raises(InputError) as err:
        generate_organization(n)
    assert isinstance(err.value, PeerweaveError)
    assert "--people" in str(err.value)
    assert "20" in str(err.value) and "1,000,000" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"weeks": 0}, "--weeks"),
        ({"start": "05/01/2026"}, "--start"),
        ({"events_per_person_week": 0}, "--events-per-person-week"),
        ({"seed": -1}, "--seed"),
    ],
)
def test_bad_arguments_name_the_option(kwargs: dict[str, Any], flag: str) -> None:
    with pytest.raises(InputError, match=flag):
        generate_organization(40, **kwargs)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_to_directory(tmp_path / "a", 300, seed=5, weeks=3)
    b = write_organization(generate_organization(300, seed=5, weeks=3), tmp_path / "b")
    assert set(a) == {"people", "events", "skills", "survey", "sessions", "feedback", "truth"}
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key


def test_different_seed_differs() -> None:
    a = generate_organization(200, seed=1, weeks=1)
    b = generate_organization(200, seed=2, weeks=1)
    assert not a.people.equals(b.people)
    assert not a.events().equals(b.events())


def test_generator_and_none_seeds_are_recorded_and_reproducible() -> None:
    a = generate_organization(60, seed=np.random.default_rng(3), weeks=1)
    b = generate_organization(60, seed=a.truth["seed"], weeks=1)
    pd.testing.assert_frame_equal(a.people, b.people)
    pd.testing.assert_frame_equal(a.events(), b.events())
    c = generate_organization(60, seed=None, weeks=1)
    assert isinstance(c.truth["seed"], int)


def test_events_do_not_depend_on_the_chunk_size(org: SyntheticOrganization) -> None:
    small = generate_organization(3000, seed=11, weeks=1)
    chunks = list(small.iter_events(chunk_people=1000))
    assert len(chunks) == 3  # 1000 rounds up to one block of 1024 senders
    pd.testing.assert_frame_equal(
        pd.concat(chunks, ignore_index=True), small.events(), check_dtype=True
    )


def test_events_refuses_one_frame_for_huge_orgs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthetic, "MAX_PEOPLE_IN_ONE_FRAME", 30)
    with pytest.raises(ConstraintError, match="iter_events"):
        generate_organization(40, weeks=1).events()


# ---------------------------------------------------------------- people and hierarchy


def test_people_columns_and_formats(org: SyntheticOrganization) -> None:
    p = org.people
    assert tuple(p.columns) == PEOPLE_COLUMNS
    assert len(p) == 3000
    assert p["person_id"].str.fullmatch(r"P\d{4}").all()
    assert p["person_id"].is_unique and p["email"].is_unique
    number = p["person_id"].str[1:].astype(int)
    assert sorted(number) == list(range(1, 3001))
    parts = p["email"].str.extract(r"^([a-z-]+)\.([a-z-]+)\.(\d+)@example\.com$")
    assert parts.notna().all().all()
    assert (parts[2].astype(int) == number).all()
    assert p["name"].str.contains(" ").all()
    assert (p["timezone"] == p["location"].map(LOCATIONS)).all()
    assert p["level"].dtype == np.int64
    assert p["opted_out"].dtype == bool
    assert 0.005 <= p["opted_out"].mean() <= 0.02
    assert (p["hire_date"] < pd.Timestamp("2026-01-05")).all()
    assert p["name"].nunique() > 1000  # a few hundred first and last names
    assert p["location"].nunique() >= 4


def test_people_csv_reads_back(tmp_path: Path) -> None:
    paths = generate_to_directory(tmp_path, 120, seed=4, weeks=1)
    raw = pd.read_csv(paths["people"], dtype=str, keep_default_na=False)
    assert tuple(raw.columns) == PEOPLE_COLUMNS
    assert (raw["manager_id"] == "").sum() == 1
    assert set(raw["opted_out"]) <= {"true", "false"}
    assert raw["hire_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert raw["level"].str.fullmatch(r"\d+").all()
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    ceo = raw.loc[raw["manager_id"] == "", "person_id"].item()
    assert truth["ceo"] == ceo
    skills = pd.read_csv(paths["skills"], dtype=str, keep_default_na=False)
    assert tuple(skills.columns) == SKILLS_COLUMNS
    assert set(skills["can_teach"]) <= {"true", "false"}
    survey = pd.read_csv(paths["survey"])
    assert tuple(survey.columns) == SURVEY_COLUMNS


@pytest.mark.parametrize(("n", "seed"), [(20, 0), (20, 1), (21, 2), (37, 3), (150, 4), (3000, 11)])
def test_hierarchy_is_a_valid_tree(n: int, seed: int) -> None:
    """One CEO; no cycles; every manager exists; every manager (CEO too) has 3–12 reports."""
    people = generate_organization(n, seed=seed, weeks=1).people
    mgr = _manager_rows(people)
    assert (people["manager_id"].isna() == (mgr < 0)).all()  # every named manager exists
    roots = np.flatnonzero(mgr < 0)
    assert len(roots) == 1
    ceo = int(roots[0])
    up = mgr.copy()
    for _ in range(n):  # walking up reaches the CEO from everyone: no cycles
        up = np.where(up >= 0, mgr[np.maximum(up, 0)], -1)
        if (up < 0).all():
            break
    assert (up < 0).all()
    spans = np.bincount(mgr[mgr >= 0], minlength=n)
    assert spans[spans > 0].min() >= 3
    assert spans.max() <= 12

    level = people["level"].to_numpy()
    others = mgr >= 0
    assert (level[mgr[others]] > level[others]).all()  # levels increase up the chain
    assert level[ceo] == level.max()
    is_mgr = spans > 0
    assert set(level[~is_mgr]) <= {1, 2, 3}
    assert (level[is_mgr] >= 4).all()
    assert people["title"].iloc[ceo] == "Chief Executive Officer"


def test_departments_and_teams(org: SyntheticOrganization) -> None:
    p = org.people
    mgr = _manager_rows(p)
    ceo = int(np.flatnonzero(mgr < 0)[0])
    dept = p["department"].to_numpy()
    assert dept[ceo] == "Executive"
    heads = np.flatnonzero(mgr == ceo)
    assert 4 <= len(heads) <= 12
    assert len(set(dept[heads])) == len(heads)
    assert sorted(dept[heads]) == sorted(org.truth["departments"])
    others = (mgr >= 0) & (mgr != ceo)
    assert (dept[others] == dept[mgr[others]]).all()  # departments are whole subtrees
    # everyone reporting to the same manager is in the same team, named after it
    team = p["team"].to_numpy()
    by_mgr = pd.Series(team[mgr >= 0]).groupby(mgr[mgr >= 0]).nunique()
    assert (by_mgr == 1).all()
    assert pd.Series(mgr[mgr >= 0]).groupby(team[mgr >= 0]).nunique().max() == 1
    assert team[heads[0]] == "Executive Leadership"
    regular = team[others]
    assert pd.Series(regular).str.fullmatch(r"[A-Za-z ]+ \d+").all()


# ---------------------------------------------------------------- skills and survey


def test_skills_follow_the_rules(org: SyntheticOrganization) -> None:
    s = org.skills
    assert tuple(s.columns) == SKILLS_COLUMNS
    assert 35 <= s["skill"].nunique() <= len(SKILLS) <= 50
    assert not s.duplicated(["person_id", "skill"]).any()
    assert s["level"].between(0, 4).all()
    assert (s.loc[s["can_teach"], "level"] >= 3).all()
    assert (s.loc[s["wants_to_learn"], "level"] <= 2).all()
    assert not (s["can_teach"] & s["wants_to_learn"]).any()
    assert s.loc[s["level"] >= 3, "can_teach"].mean() > 0.6
    assert s.groupby("person_id")["capacity"].nunique().max() == 1
    assert s["capacity"].between(1, 3).all()
    assert s["capacity"].mode().item() == 2
    assert set(s["person_id"]) <= set(org.people["person_id"])
    # skewed by department
    dept = s["person_id"].map(org.people.set_index("person_id")["department"])
    eng = s[dept == "Engineering"]["skill"].value_counts(normalize=True)
    sales = s[dept == "Sales"]["skill"].value_counts(normalize=True)
    assert eng.get("Python", 0) > 3 * sales.get("Python", 0)
    assert sales.get("Negotiation", 0) > 3 * eng.get("Negotiation", 0)


def test_survey_answers(org: SyntheticOrganization) -> None:
    s = org.survey
    assert tuple(s.columns) == SURVEY_COLUMNS
    assert set(s["question"]) == {"advice", "energy"}
    assert s["strength"].between(1, 5).all()
    assert (s["respondent"] != s["colleague"]).all()
    ids = set(org.people["person_id"])
    assert set(s["respondent"]) <= ids and set(s["colleague"]) <= ids
    per = s.groupby(["respondent", "question"]).size()
    assert per.min() >= 1 and per.max() <= 5
    assert 0.5 <= s["respondent"].nunique() / len(org.people) <= 0.7
    assert not s.duplicated(["respondent", "question", "colleague"]).any()


# ---------------------------------------------------------------- events


def test_events_schema_and_rhythm(tmp_path: Path) -> None:
    small = generate_organization(400, seed=9, weeks=2)
    path = write_organization(small, tmp_path)["events"]
    schema = pq.read_schema(path)
    assert schema.names == ["sender", "recipients", "timestamp", "channel", "duration"]
    assert schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert schema.field("duration").type == pa.float64()
    ev = pd.read_parquet(path)
    assert set(ev["channel"]) == {"email", "chat", "meeting", "call"}
    timed = ev["channel"].isin(["meeting", "call"])
    assert ev.loc[~timed, "duration"].isna().all()
    assert (ev.loc[timed, "duration"] > 0).all()
    ts = ev["timestamp"]
    assert ts.min() >= START - pd.Timedelta(hours=15)
    assert ts.max() <= START + pd.Timedelta(days=14, hours=15)
    # working hours and weekdays in the sender's own time zone
    people = small.people.set_index("email")
    tz = ev["sender"].map(people["timezone"])
    local = pd.Series(pd.NaT, index=ev.index, dtype="datetime64[us]")
    for zone, rows in ev.groupby(tz).groups.items():
        local[rows] = ts[rows].dt.tz_convert(zone).dt.tz_localize(None)
    assert local.dt.hour.between(7, 19).mean() > 0.95
    assert (local.dt.day_of_week < 5).mean() > 0.95
    assert ev["recipients"].str.split(";").map(lambda r: len(r) == len(set(r))).all()


def test_event_volume(org: SyntheticOrganization, events: pd.DataFrame) -> None:
    per_person_week = len(events) / len(org.people) / org.truth["weeks"]
    assert 3.6 <= per_person_week <= 4.4
    senders = events["sender"].nunique()
    assert senders > 0.95 * len(org.people)
    twice = generate_organization(300, seed=1, weeks=2, events_per_person_week=8).events()
    assert 8 * 0.85 <= len(twice) / 300 / 2 <= 8 * 1.15


def test_broadcasts_large_meetings_and_outside_addresses(
    events: pd.DataFrame, pairs: pd.DataFrame
) -> None:
    size = events["recipients"].str.count(";") + 1
    assert (size >= 100).sum() >= 3
    assert ((size > 25) & (events["channel"] == "meeting")).sum() >= 3
    assert (size > 25).mean() < 0.01
    outside = set(pairs.loc[pairs["s"] < 0, "sender"]) | set(pairs.loc[pairs["r"] < 0, "recipient"])
    assert outside and all(a.split("@")[1] != "example.com" for a in outside)
    assert 0 < ((pairs["s"] < 0) | (pairs["r"] < 0)).mean() < 0.001


def test_homophily(org: SyntheticOrganization, pairs: pd.DataFrame) -> None:
    p = pairs[(pairs["size"] <= 25) & (pairs["s"] >= 0) & (pairs["r"] >= 0)]
    s, r = p["s"].to_numpy(), p["r"].to_numpy()
    team = org.people["team"].to_numpy()
    dept = org.people["department"].to_numpy()
    mgr = _manager_rows(org.people)
    same_team = (team[s] == team[r]) | (mgr[s] == r) | (mgr[r] == s)
    same_dept = dept[s] == dept[r]
    within_team = same_team.mean()
    within_dept = (same_dept & ~same_team).mean()
    across = (~same_dept).mean()
    assert within_team > within_dept > across > 0.03
    assert within_team > 0.5


# ---------------------------------------------------------------- planted structure


def test_hidden_influencers(
    org: SyntheticOrganization, index: pd.Series, ties: tuple[np.ndarray, np.ndarray]
) -> None:
    n = len(org.people)
    influencers = index[org.truth["hidden_influencers"]].to_numpy()
    assert len(influencers) == max(2, round(0.005 * n))
    assert set(org.people["level"].to_numpy()[influencers]) <= {1, 2}
    a, b = ties
    dept = org.people["department"].to_numpy()
    team = org.people["team"].to_numpy()
    contacts = np.bincount(a, minlength=n)
    other_teams = np.bincount(a[team[a] != team[b]], minlength=n)
    other_depts = np.bincount(a[dept[a] != dept[b]], minlength=n)
    assert _pct_rank(contacts)[influencers].min() >= 0.97
    assert _pct_rank(other_teams)[influencers].min() >= 0.97
    assert _pct_rank(other_depts)[influencers].min() >= 0.97
    advice = org.survey[org.survey["question"] == "advice"]["colleague"]
    in_degree = advice.map(index).value_counts().reindex(range(n), fill_value=0).to_numpy()
    assert _pct_rank(in_degree)[influencers].min() >= 0.97
    # far more than their level suggests: above every other person at level 1–2
    low = (org.people["level"].to_numpy() <= 2) & ~np.isin(np.arange(n), influencers)
    assert np.median(in_degree[influencers]) > 3 * in_degree[low].max() / 2


def test_brokers_reach_three_other_departments(
    org: SyntheticOrganization, index: pd.Series, pairs: pd.DataFrame
) -> None:
    n = len(org.people)
    brokers = index[org.truth["brokers"]].to_numpy()
    assert len(brokers) == max(2, round(0.01 * n))
    assert not set(brokers) & set(index[org.truth["hidden_influencers"]])
    p = pairs[(pairs["size"] <= 25) & (pairs["s"] >= 0) & (pairs["r"] >= 0)]
    dept = org.people["department"].to_numpy()
    a = np.concatenate([p["s"].to_numpy(), p["r"].to_numpy()])
    other = np.concatenate([p["r"].to_numpy(), p["s"].to_numpy()])
    cross = dept[a] != dept[other]
    per = pd.Series(1, index=pd.MultiIndex.from_arrays([a[cross], dept[other][cross]]))
    counts = per.groupby(level=[0, 1]).sum()
    strong = (counts >= 3).groupby(level=0).sum().reindex(range(n), fill_value=0).to_numpy()
    assert (strong[brokers] >= 3).all()
    typical = np.setdiff1d(np.arange(n), brokers)
    assert np.median(strong[typical]) <= 1
    assert np.percentile(strong[typical], 90) < 3
    # the departments the truth names are the ones they reach
    for pid, depts in org.truth["broker_departments"].items():
        reached = set(counts.loc[index[pid]].index[counts.loc[index[pid]] >= 3])
        assert len(set(depts) & reached) >= 3


def test_isolated_team(org: SyntheticOrganization, index: pd.Series, pairs: pd.DataFrame) -> None:
    iso = org.truth["isolated_team"]
    members = index[iso["members"]].to_numpy()
    assert len(members) >= 4
    team = org.people["team"].to_numpy()
    assert set(team[members]) == {iso["team"]}
    assert (team == iso["team"]).sum() == len(members)
    mine = np.zeros(len(org.people) + 1, dtype=bool)  # index -1 (outside) stays False
    mine[members] = True
    s_in, r_in = mine[pairs["s"].to_numpy()], mine[pairs["r"].to_numpy()]
    touching = s_in | r_in
    assert touching.sum() > 50 * len(members) / 10
    external = touching & ~(s_in & r_in)
    assert external.sum() / touching.sum() <= 0.02
    survey = org.survey
    resp_in = survey["respondent"].isin(iso["members"])
    coll_in = survey["colleague"].isin(iso["members"])
    assert (resp_in == coll_in).all()  # survey ties only inside the team


def test_planted_people_are_distinct_and_opted_out_are_ordinary(
    org: SyntheticOrganization, events: pd.DataFrame
) -> None:
    t = org.truth
    groups = [set(t["hidden_influencers"]), set(t["brokers"]), set(t["isolated_team"]["members"])]
    assert sum(len(g) for g in groups) == len(set().union(*groups))
    opted = org.people[org.people["opted_out"]]
    assert set(opted["person_id"]) == set(t["opted_out"])
    assert not set(t["opted_out"]) & set().union(*groups)
    assert opted["email"].isin(events["sender"]).mean() > 0.9


@pytest.mark.parametrize("seed", range(4))
def test_tiny_organizations_keep_the_planted_structure(seed: int) -> None:
    small = generate_organization(20, seed=seed, weeks=2)
    t = small.truth
    assert len(t["hidden_influencers"]) == 2 and len(t["brokers"]) == 2
    assert len(t["isolated_team"]["members"]) >= 4
    assert all(len(d) >= 3 for d in t["broker_departments"].values())
    assert len(t["departments"]) >= 3
