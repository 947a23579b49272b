"""Workspace measuring: adoptions (bad input), tracking with a planted lagging department,
fitting, influence with learning sessions as adoptions, and the report."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from peerweave.demo import running_initiative
from peerweave.errors import InputError, UnknownIdError, ValidationError
from peerweave.ingest.synthetic import generate_to_directory
from peerweave.workspace import Workspace

NOW = pd.Timestamp("2026-06-01")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str | None]:
    """A 300-person organization with its learning history and a 10-week running initiative."""
    folder = tmp_path_factory.mktemp("org")
    files = generate_to_directory(folder / "files", 300, seed=5)
    db = folder / "org.db"
    with Workspace.open(str(db), create=True) as ws:
        ws.import_people(files["people"])
        ws.import_events(files["events"])
        ws.import_skills(files["skills"])
        ws.import_sessions(files["sessions"], feedback=files.get("feedback"))
        initiative, lagging = running_initiative(ws, seed=7, now=NOW)
        assert initiative == 1
    return db, lagging


@pytest.fixture
def ws(loaded: tuple[Path, str | None], tmp_path: Path) -> Workspace:
    copy = tmp_path / "org.db"
    shutil.copy(loaded[0], copy)
    with Workspace.open(str(copy)) as workspace:
        yield workspace  # type: ignore[misc]


def test_the_planted_lagging_department_is_flagged(
    ws: Workspace, loaded: tuple[Path, str | None]
) -> None:
    result = ws.track(1, runs=300, now=NOW)
    t = result.tracking
    assert t.week == 9 and result.recorded == len(ws.adoptions(1))
    groups = t.by_group.set_index("group")
    assert groups.loc[loaded[1], "status"] == "lagging"
    assert (groups["size"] >= 5).all()  # no group under the minimum is shown
    assert t.observed_now == int(t.curve["observed"].iloc[t.week])
    assert result.champions["name"].str.len().gt(0).all()


def test_track_with_no_adoptions_says_so(ws: Workspace) -> None:
    i = ws.champions(3, runs=0, started_at=NOW - pd.Timedelta(weeks=2)).initiative_id
    assert i is not None
    result = ws.track(i, runs=50, steps=6, now=NOW, by=None)
    assert result.recorded == 0 and "no adoptions recorded yet" in result.tracking.notes
    assert result.tracking.observed_now == 3  # the champions
    with pytest.raises(InputError, match=r"no adoptions of initiative .* are recorded yet"):
        ws.fit(i, runs=20, now=NOW)
    early = ws.track(i, runs=20, steps=4, now=NOW - pd.Timedelta(weeks=3), by=None)
    assert early.tracking.week == -1 and "after now" in early.notes[-1]


def test_bad_adoptions_are_refused_with_rows_and_nothing_stored(
    ws: Workspace, tmp_path: Path
) -> None:
    people = ws.people()["person_id"].tolist()
    done = set(ws.adoptions(1)["person_id"])
    fresh = [p for p in people if p not in done]
    before = len(ws.adoptions(1))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Employee ID,Date,Note\n"
        f"{fresh[0]},2026-04-01,ok\n"
        "NOBODY,2026-04-01,\n"
        f"{fresh[1]},2025-01-01,\n"
        f"{fresh[2]},2027-01-01,\n"
        f"{fresh[0]},2026-04-02,\n"
        f"{next(iter(done))},2026-04-03,\n"
    )
    with pytest.raises(ValidationError) as caught:
        ws.import_adoptions(1, bad, now=NOW)
    text = str(caught.value)
    assert text.startswith(str(bad))
    assert "row 3, column person_id: 'NOBODY' is not a known person" in text
    assert re.search(r"row 4, column adopted_at: 2025-01-01 is before the initiative started", text)
    assert "row 5, column adopted_at: 2027-01-01 is in the future" in text
    assert "row 6, column person_id:" in text and "adopted again (first on row 2)" in text
    assert len(ws.adoptions(1)) == before
    stored_again = tmp_path / "again.csv"
    stored_again.write_text(
        f"person_id,adopted_at\n{fresh[3]},2026-04-01\n{next(iter(done))},2026-04-03\n"
    )
    with pytest.raises(ValidationError, match=r"row 3, column person_id: .* already adopted"):
        ws.import_adoptions(1, stored_again, now=NOW)
    good = tmp_path / "good.csv"
    good.write_text(f"person_id,adopted_at,evidence\n{fresh[3]},2026-04-01,https://wiki/x\n")
    assert len(ws.import_adoptions(1, good, now=NOW, dry_run=True)) == 1
    assert len(ws.adoptions(1)) == before
    ws.import_adoptions(1, good, now=NOW)
    row = ws.adoptions(1).set_index("person_id").loc[fresh[3]]
    assert row["source"] == "import" and row["evidence"] == "https://wiki/x"


def test_add_and_delete_one(ws: Workspace) -> None:
    person = ws.people()["person_id"].iloc[-1]
    if person in set(ws.adoptions(1)["person_id"]):
        ws.delete_adoption(1, person)
    assert ws.add_adoption(1, person, "2026-05-01", now=NOW) == pd.Timestamp("2026-05-01")
    with pytest.raises(InputError, match="already adopted"):
        ws.add_adoption(1, person, "2026-05-02", now=NOW)
    with pytest.raises(InputError, match="is in the future"):
        ws.add_adoption(1, "P0001", "2026-07-01", now=NOW)
    with pytest.raises(InputError, match="not a known person"):
        ws.add_adoption(1, "NOBODY", now=NOW)
    ws.delete_adoption(1, person)
    with pytest.raises(UnknownIdError):
        ws.delete_adoption(1, person)
    with pytest.raises(UnknownIdError, match="no initiative 42"):
        ws.add_adoption(42, person)


def test_fit_recovers_a_scale_near_the_truth_and_forecasts_again(ws: Workspace) -> None:
    result = ws.fit(1, runs=100, now=NOW)
    row = result.fit.parameters.iloc[0]
    assert row["parameter"] == "P"
    # the lagging department's adoptions were thinned, so the estimate sits below 0.02
    assert 0.005 < row["estimate"] < 0.03 and row["low"] < row["estimate"] < row["high"]
    assert result.reforecast.from_step == 9
    assert result.reforecast.curve["mean"].iloc[0] >= result.track.tracking.observed_now - 1


def test_influence_counts_initiatives_and_applied_learning(ws: Workspace, tmp_path: Path) -> None:
    ws.analyze()
    out = tmp_path / "influence.csv"
    result = ws.influence(now=NOW, export=out)
    kinds = result.cascades["kind"].value_counts()
    assert kinds["initiative"] == 1 and kinds["skill"] >= 3
    assert (result.cascades["adopters"] >= 2).all()
    written = pd.read_csv(out)
    assert list(written.columns) == ["source", "target", "strength"]
    assert len(written) == len(result.influence.ties) > 0
    top = result.influencers
    assert top["ties"].is_monotonic_decreasing and top["ties"].iloc[0] >= 1
    assert top["pagerank_rank"].notna().all()
    opted = set(ws.people().query("opted_out")["person_id"])
    assert not opted & set(top["person_id"])
    only = ws.influence([1], learning=False, now=NOW)
    assert only.cascades["cascade"].tolist() == ["initiative #1"]
    with pytest.raises(UnknownIdError):
        ws.influence([9], now=NOW)


def test_report_is_one_self_contained_page(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = ws.report(out, runs=100, now=NOW)
    page = out.read_text(encoding="utf-8")
    assert result.size == out.stat().st_size < 10_000_000
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert page.count("data:image/png;base64,") >= 3
    assert {
        "Headline findings",
        "The informal network",
        "Silos",
        "Initiative #1: forecast against actual",
        "Who influences whom",
        "Peer learning: health and recognition",
        "Method notes",
    } <= set(result.sections)
    opted = ws.people().query("opted_out")
    for pid, name in zip(opted["person_id"], opted["name"], strict=True):
        assert f"({pid})" not in page and (not name or name not in page)
    with pytest.raises(InputError, match="HTML"):
        ws.report(tmp_path / "report.pdf")
