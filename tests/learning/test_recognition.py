"""Seeder scores on hand-built chains (cycles included), against a brute-force reference;
the leaderboard, the snowball tree and its picture."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peerweave.errors import InputError
from peerweave.learning import leaderboard, seeder_scores, snowball_png, snowball_tree
from peerweave.learning.recognition import LEADERBOARD_COLUMNS, SCORE_COLUMNS, TREE_COLUMNS

DAY = pd.Timestamp("2025-01-06")


def ledger(*rows: tuple[object, ...]) -> pd.DataFrame:
    """Rows ``(id, teacher, learner, parent, applied[, skill[, status[, day]]])``.

    ``day`` defaults to the id (so ids run in time order); ``applied`` is a bool.
    """
    out = []
    for row in rows:
        sid, teacher, learner, parent, applied, *rest = row
        skill = rest[0] if len(rest) > 0 else "sql"
        status = rest[1] if len(rest) > 1 else "held"
        day = rest[2] if len(rest) > 2 else sid
        held = DAY + pd.Timedelta(days=7 * int(day))  # type: ignore[call-overload]
        out.append(
            {
                "session_id": sid,
                "learner_id": learner,
                "teacher_id": teacher,
                "skill": skill,
                "status": status,
                "held_at": held if status == "held" else pd.NaT,
                "applied_at": held + pd.Timedelta(days=3) if applied else pd.NaT,
                "parent_session_id": parent,
            }
        )
    frame = pd.DataFrame(out)
    frame["parent_session_id"] = frame["parent_session_id"].astype("Int64")
    return frame


def credit(scores: pd.DataFrame, teacher: str, skill: str = "sql") -> float:
    row = scores[(scores["teacher_id"] == teacher) & (scores["skill"] == skill)]
    assert len(row) == 1, f"{teacher} has {len(row)} rows"
    return float(row["credit"].iloc[0])


def test_a_b_c_chain() -> None:
    both = ledger((1, "a", "b", None, True), (2, "b", "c", 1, True))
    scores = seeder_scores(both)
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert credit(scores, "a") == 1.5  # b applied (1) + c applied, one step down (0.5)
    assert credit(scores, "b") == 1.0
    a = scores[scores["teacher_id"] == "a"].iloc[0]
    assert (a["direct_learners"], a["applied_learners"], a["downstream"], a["depth"]) == (
        1,
        1,
        1,
        2,
    )
    # b did not apply: a keeps only the half for c
    only_c = ledger((1, "a", "b", None, False), (2, "b", "c", 1, True))
    assert credit(seeder_scores(only_c), "a") == 0.5
    assert credit(seeder_scores(only_c, discount=1.0), "a") == 1.0
    assert credit(seeder_scores(only_c, discount=0.0), "a") == 0.0


def test_a_teaches_b_and_b_later_teaches_a_does_not_loop() -> None:
    cycle = ledger((1, "a", "b", None, True), (2, "b", "a", 1, True))
    scores = seeder_scores(cycle)
    assert credit(scores, "a") == 1.0  # b only: a never counts for themself
    assert credit(scores, "b") == 1.0  # a, directly
    assert scores["downstream"].tolist() == [0, 0]


def test_corrupt_parent_links_forming_a_loop_end_and_count_once() -> None:
    # 1 and 2 name each other as parent; the later link is the valid one, the other ignored
    loop = ledger((1, "a", "b", 2, True), (2, "b", "a", 1, True), (3, "a", "c", 2, True))
    scores = seeder_scores(loop)
    assert credit(scores, "a") == 2.0  # b and c, both direct
    assert credit(scores, "b") == 1.5  # a directly, c one step down (a learned in 2, taught 3)
    tree = snowball_tree(loop, "sql")
    assert tree.set_index("session_id")["parent_session_id"].isna().tolist() == [
        True,
        False,
        False,
    ]
    assert tree.set_index("session_id")["depth"].tolist() == [1, 2, 3]
    # a longer loop through the seeder: a → b → c → a → d
    ring = ledger(
        (1, "a", "b", None, True),
        (2, "b", "c", 1, True),
        (3, "c", "a", 2, True),
        (4, "a", "d", 3, True),
    )
    scores = seeder_scores(ring)
    assert credit(scores, "a") == 2.5  # b 1, c 0.5, d 1 (directly; not again at depth 4)
    assert credit(scores, "b") == 1.75  # c 1, a 0.5, d 0.25
    assert credit(scores, "c") == 1.5  # a 1, d 0.5


def test_a_person_reached_twice_counts_once_at_the_smaller_depth() -> None:
    # c learned from a directly and from b (who learned from a): c counts 1 for a, not 1.5
    twice = ledger((1, "a", "b", None, False), (2, "a", "c", None, True), (3, "b", "c", 1, True))
    scores = seeder_scores(twice)
    assert credit(scores, "a") == 1.0
    row = scores[scores["teacher_id"] == "a"].iloc[0]
    assert (row["direct_learners"], row["downstream"]) == (2, 0)
    # d reached along two chains of the same depth: once
    diamond = ledger(
        (1, "a", "b", None, True),
        (2, "a", "c", None, True),
        (3, "b", "d", 1, True),
        (4, "c", "d", 2, True),
    )
    assert credit(seeder_scores(diamond), "a") == 2.5  # b, c, and d once at 0.5


def test_only_held_sessions_and_valid_links_count() -> None:
    mixed = ledger(
        (1, "a", "b", None, True),
        (2, "b", "c", 1, True, "sql", "cancelled"),
        (3, "b", "d", 1, True, "sql", "proposed"),
        (4, "b", "e", 9, True),  # the parent does not exist
        (5, "x", "f", 1, True),  # the parent's learner is b, not x
        (6, "b", "g", 1, True, "go"),  # another skill
        (7, "e", "h", 4, True, "sql", "held", 0),  # held before its parent
    )
    scores = seeder_scores(mixed)
    assert credit(scores, "a") == 1.0
    assert scores["sessions_taught"].sum() == 5
    tree = snowball_tree(mixed, "SQL ")  # normalised for the comparison
    assert set(tree["session_id"]) == {1, 4, 5, 7}
    assert tree["parent_session_id"].isna().all()


def test_skill_filter_names_in_any_case() -> None:
    two = ledger((1, "a", "b", None, True, "sql"), (2, "a", "c", None, True, "go"))
    assert seeder_scores(two, skill=" SQL")["skill"].tolist() == ["sql"]
    assert seeder_scores(two, skill="rust").empty


def test_empty_and_bad_discount() -> None:
    empty = ledger((1, "a", "b", None, True, "sql", "cancelled"))
    assert list(seeder_scores(empty).columns) == list(SCORE_COLUMNS)
    assert seeder_scores(empty).empty
    assert list(leaderboard(empty).columns) == list(LEADERBOARD_COLUMNS)
    assert list(snowball_tree(empty, "sql").columns) == list(TREE_COLUMNS)
    with pytest.raises(InputError, match="from 0 to 1"):
        seeder_scores(empty, discount=1.5)


def _reference(sessions: pd.DataFrame, discount: float) -> dict[tuple[str, str], float]:
    """The documented rule, written plainly: a breadth-first walk per teacher, in Python."""
    held = sessions[sessions["status"] == "held"].set_index("session_id")
    children: dict[int, list[int]] = {}
    for sid, row in held.iterrows():
        p = row["parent_session_id"]
        if pd.isna(p) or int(p) not in held.index:
            continue
        parent = held.loc[int(p)]
        earlier = (parent["held_at"], int(p)) < (row["held_at"], sid)
        if (
            parent["learner_id"] == row["teacher_id"]
            and parent["skill"] == row["skill"]
            and earlier
        ):
            children.setdefault(int(p), []).append(int(sid))  # type: ignore[arg-type]
    applied = {
        (r["learner_id"], r["skill"]) for _, r in held.iterrows() if pd.notna(r["applied_at"])
    }
    out: dict[tuple[str, str], float] = {}
    for (teacher, skill), own in held.groupby(["teacher_id", "skill"]):
        best: dict[str, int] = {}
        queue = deque((int(s), 1) for s in own.index)
        seen: set[int] = set()
        while queue:
            sid, depth = queue.popleft()
            if sid in seen:
                continue
            seen.add(sid)
            person = held.loc[sid, "learner_id"]
            if person != teacher and depth < best.get(person, 10**9):  # type: ignore[call-overload]
                best[person] = depth  # type: ignore[index]
            queue.extend((c, depth + 1) for c in children.get(sid, []))
        out[(str(teacher), str(skill))] = sum(
            discount ** (d - 1) for p, d in best.items() if (p, skill) in applied
        )
    return out


@pytest.mark.parametrize("seed", range(6))
def test_random_ledgers_match_a_brute_force_walk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = [f"p{i}" for i in range(12)]
    rows = []
    for sid in range(1, 90):
        learner, teacher = rng.choice(people, 2, replace=False)
        skill = rng.choice(["sql", "go"])
        if rows and rng.random() < 0.7:  # mostly a plausible link: where the teacher learned
            learned = [r for r in rows if r[2] == teacher and r[5] == skill]
            parent = int(learned[0][0]) if learned else int(rng.integers(1, sid + 3))
        else:
            parent = None
        status = "held" if rng.random() < 0.85 else "cancelled"
        day = int(rng.integers(0, 40)) if rng.random() < 0.2 else sid  # some out of order
        rows.append((sid, teacher, learner, parent, bool(rng.random() < 0.6), skill, status, day))
    frame = ledger(*rows)
    for discount in (0.5, 0.3):
        expected = _reference(frame, discount)
        got = seeder_scores(frame, discount=discount)
        assert len(got) == len(expected)
        for _, row in got.iterrows():
            assert row["credit"] == pytest.approx(expected[(row["teacher_id"], row["skill"])])


def test_a_long_chain_is_walked_without_recursion() -> None:
    n = 1500
    rows = [(i, f"p{i - 1}", f"p{i}", i - 1 if i > 1 else None, True) for i in range(1, n + 1)]
    scores = seeder_scores(ledger(*rows))
    first = scores[scores["teacher_id"] == "p0"].iloc[0]
    assert first["depth"] == n and first["downstream"] == n - 1
    assert first["credit"] == pytest.approx(2.0 - 0.5 ** (n - 1))
    assert snowball_tree(ledger(*rows), "sql")["depth"].max() == n


def test_a_big_ledger_scores_in_seconds() -> None:
    rng = np.random.default_rng(1)
    n, people = 200_000, 40_000
    learner = rng.integers(0, people, n)
    teacher = (learner + 1 + rng.integers(0, people - 1, n)) % people
    parent = np.full(n, -1)
    linked = np.flatnonzero(rng.random(n) < 0.4)
    linked = linked[linked > 0]
    parent[linked] = (rng.random(len(linked)) * linked).astype(np.int64)
    teacher[linked] = learner[parent[linked]]
    learner[linked] = np.where(
        learner[linked] == teacher[linked], (learner[linked] + 1) % people, learner[linked]
    )
    frame = pd.DataFrame(
        {
            "session_id": np.arange(1, n + 1),
            "learner_id": np.char.add("p", learner.astype(str)),
            "teacher_id": np.char.add("p", teacher.astype(str)),
            "skill": "sql",
            "status": "held",
            "held_at": DAY + pd.to_timedelta(np.arange(n), unit="min"),
            "applied_at": DAY,
            "parent_session_id": pd.array(np.where(parent >= 0, parent + 1, 0), dtype="Int64"),
        }
    )
    frame.loc[parent < 0, "parent_session_id"] = pd.NA
    scores = seeder_scores(frame)
    assert scores["sessions_taught"].sum() == n
    assert scores["depth"].max() > 5


def test_leaderboard_sums_skills_and_shares_ranks() -> None:
    frame = ledger(
        (1, "a", "b", None, True, "sql"),
        (2, "a", "c", None, True, "go"),
        (3, "d", "e", None, True, "sql"),
        (4, "d", "f", None, True, "sql"),
        (5, "g", "h", None, False, "sql"),
    )
    board = leaderboard(frame)
    assert list(board.columns) == list(LEADERBOARD_COLUMNS)
    assert board[["teacher_id", "rank", "skills", "credit"]].values.tolist() == [
        ["a", 1, 2, 2.0],
        ["d", 1, 1, 2.0],
        ["g", 3, 1, 0.0],
    ]
    assert len(leaderboard(frame, limit=2)) == 2


def test_snowball_tree_columns_and_depths() -> None:
    frame = ledger(
        (1, "a", "b", None, True),
        (2, "b", "c", 1, False),
        (3, "c", "d", 2, True),
        (4, "z", "y", None, True),
        (5, "a", "q", None, True, "go"),
    )
    tree = snowball_tree(frame, "sql")
    assert list(tree.columns) == list(TREE_COLUMNS)
    assert tree[["teacher_id", "learner_id", "depth", "applied"]].values.tolist() == [
        ["a", "b", 1, True],
        ["z", "y", 1, True],
        ["b", "c", 2, False],
        ["c", "d", 3, True],
    ]
    assert tree["parent_session_id"].tolist()[2:] == [1, 2]


def test_snowball_picture(tmp_path: Path) -> None:
    frame = ledger(
        (1, "a", "b", None, True),
        (2, "b", "c", 1, False),
        (3, "a", "d", None, True),
        (4, "e", "d", None, True),  # d learned twice: a dashed second line
    )
    tree = snowball_tree(frame, "sql")
    names = pd.DataFrame({"person_id": ["a", "b"], "name": ["Ana Lopez", "Bo Chen"]})
    png = snowball_png(tree, tmp_path / "deep" / "tree.png", names)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = snowball_png(tree, tmp_path / "tree.svg", names).read_text()
    assert "Ana Lopez" in svg and "Bo Chen" in svg  # names where given, else ids
    assert "How sql spread: 3 people learned it from 2 seeders" in svg
    assert "longest chain 2 steps" in svg


def test_snowball_picture_of_a_loop_an_empty_tree_and_a_big_tree(tmp_path: Path) -> None:
    loop = ledger((1, "a", "b", None, True), (2, "b", "a", 1, True))
    text = snowball_png(snowball_tree(loop, "sql"), tmp_path / "loop.svg").read_text()
    assert "from 1 seeder" in text
    empty = snowball_tree(ledger((1, "a", "b", None, True)), "go")
    assert "no held sessions" in snowball_png(empty, tmp_path / "empty.svg").read_text()
    rows = [(i, f"t{i % 7}", f"l{i}", None, i % 2 == 0) for i in range(1, 301)]
    big = snowball_png(snowball_tree(ledger(*rows), "sql"), tmp_path / "big.svg", max_people=40)
    assert "40 of 307 people shown" in big.read_text()
