"""The read cache (``peerweave.web.cache``): writes invalidate it, at once through the app
and within ``cache_seconds`` from another process; cached pages never cross viewers; audit
rows are written on every view, cached or not; and the pieces on their own."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI

from peerweave.network.analysis import AnalysisOptions
from peerweave.store import Store
from peerweave.store.accounts import load_audit, set_role
from peerweave.web import create_app
from peerweave.web.audit import AuditWriter
from peerweave.web.cache import (
    ALL,
    WebCache,
    WebWorkspace,
    data_fingerprint,
    statement_writes,
    written_groups,
)
from peerweave.web.privacy import pseudonym
from peerweave.workspace import Workspace
from tests.web.conftest import Client, Org, audit_count
from tests.web.copies import copy_org, logged_in

# -- the pieces ------------------------------------------------------------------------------


def test_statements_that_write_data_the_pages_show() -> None:
    assert statement_writes("INSERT INTO learning_sessions (learner_id) VALUES (?)")
    assert statement_writes('UPDATE "learning_sessions" SET status=? WHERE session_id = ?')
    assert statement_writes("  delete from ties where import_id = ?")
    assert statement_writes("INSERT OR REPLACE INTO person_skills VALUES (?)")
    assert statement_writes("WITH x AS (SELECT 1) INSERT INTO ties SELECT * FROM x")
    assert statement_writes("CREATE TABLE t (a INT)")
    # reads, the audit log and the accounts leave the pages as they are
    for statement in (
        "SELECT * FROM people",
        "  select count(*) from learning_sessions",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "BEGIN",
        "COMMIT",
        "PRAGMA foreign_keys=ON",
        "INSERT INTO audit_log (at, viewer) VALUES (?, ?)",
        "UPDATE users SET failed_logins=? WHERE username = ?",
    ):
        assert not statement_writes(statement), statement


def test_each_write_names_the_parts_of_the_data_it_changes() -> None:
    assert written_groups("INSERT INTO ties (source) VALUES (?)") == {"org"}
    assert written_groups("UPDATE person_metrics SET degree = ?") == {"analysis"}
    assert written_groups("INSERT INTO session_feedback (rating) VALUES (?)") == {"learning"}
    assert written_groups("INSERT INTO circle_members (circle) VALUES (?)") == set()
    assert written_groups("INSERT INTO a_table_of_the_future (x) VALUES (?)") == set(ALL)
    assert written_groups("DROP TABLE ties") == set(ALL)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.init("sqlite://") as opened:
        yield opened


def test_a_value_is_computed_once_per_generation(store: Store) -> None:
    cache = WebCache(store)
    calls: list[int] = []
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    cache.bump()
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 2
    assert (cache.hits, cache.misses) == (1, 2)


def test_concurrent_requests_for_one_key_compute_it_once(store: Store) -> None:
    cache = WebCache(store)
    started, calls = threading.Event(), []

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "done"

    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get("k", slow)))]
    threads[0].start()
    started.wait()
    threads += [threading.Thread(target=lambda: answers.append(cache.get("k", slow)))]
    threads += [threading.Thread(target=lambda: answers.append(cache.get("k", slow)))]
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["done"] * 3 and len(calls) == 1


def test_a_failed_computation_is_not_kept(store: Store) -> None:
    cache = WebCache(store)

    def fails() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("k", fails)
    assert cache.get("k", lambda: 3) == 3


def test_results_are_bounded_frames_are_not(store: Store) -> None:
    cache = WebCache(store, max_results=2)
    cache.get("frame", lambda: "kept", frame=True)
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: key)
    assert cache.get("a", lambda: "again") == "again"  # the oldest result went
    assert cache.get("c", lambda: "x") == "c"
    assert cache.get("frame", lambda: "x", frame=True) == "kept"


def test_a_value_computed_across_a_write_is_not_kept(store: Store) -> None:
    cache = WebCache(store)

    def during_a_write() -> str:
        cache.bump()  # a write committed while the page was being made
        return "stale"

    assert cache.get("k", during_a_write) == "stale"  # served to its own request
    assert cache.get("k", lambda: "fresh") == "fresh"


def test_a_write_renews_only_what_depends_on_what_it_wrote(store: Store) -> None:
    cache = WebCache(store, check_seconds=3600)

    def kept(key: str, value: str, *parts: str) -> str:
        return cache.get(key, lambda: value, frame=True, depends=parts)

    assert kept("ties", "ties 1", "org") == "ties 1"
    assert kept("sessions", "sessions 1", "org", "learning") == "sessions 1"
    with store.engine.begin() as connection:  # a session moves on
        connection.exec_driver_sql("UPDATE learning_sessions SET status = status WHERE 0")
    assert kept("ties", "ties 2", "org") == "ties 1"
    assert kept("sessions", "sessions 2", "org", "learning") == "sessions 2"
    with store.engine.begin() as connection:  # a round of circles: nothing cached uses it
        connection.exec_driver_sql("DELETE FROM circle_members WHERE 0")
    assert kept("sessions", "sessions 3", "org", "learning") == "sessions 2"
    with store.engine.begin() as connection:  # new ties
        connection.exec_driver_sql("UPDATE ties SET weight = weight WHERE 0")
    assert kept("ties", "ties 3", "org") == "ties 3"
    assert kept("sessions", "sessions 4", "org", "learning") == "sessions 4"


def test_bad_settings_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        WebCache(store, check_seconds=-1)
    with pytest.raises(ValueError):
        WebCache(store, max_results=0)


def test_writes_of_this_process_move_the_generation_on_reads_do_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/org.db"
    with WebWorkspace.open(url, create=True) as ws:
        cache = ws.cache = WebCache(ws.store, check_seconds=3600)
        before = cache.generation
        assert ws.people().empty and ws.skills().empty
        assert cache.generation == before
        ws.import_people("docs/examples/people.csv")
        assert cache.generation > before
        assert len(ws.people()) > 0  # not the empty frame kept before
        moved = cache.generation
        with ws.store.transaction() as session:
            load_audit(session=session)
        assert cache.generation == moved


def test_the_fingerprint_sees_another_process_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/org.db"
    with WebWorkspace.open(url, create=True) as ws, Workspace.open(url) as other:
        ws.cache = WebCache(ws.store, check_seconds=0)
        first = data_fingerprint(ws.store)
        assert ws.people().empty
        other.import_people("docs/examples/people.csv")  # its own engine: not watched
        assert data_fingerprint(ws.store) != first
        assert len(ws.people()) > 0


def test_an_opt_out_shows_at_once_whoever_wrote_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/org.db"
    with WebWorkspace.open(url, create=True) as ws:
        ws.cache = WebCache(ws.store, check_seconds=3600)
        ws.import_people("docs/examples/people.csv")
        first = str(ws.people()["person_id"].iloc[0])
        assert not ws.people().set_index("person_id").loc[first, "opted_out"]
        database = sqlite3.connect(tmp_path / "org.db")
        with database:  # not through peerweave: no import, no watched engine
            database.execute("UPDATE people SET opted_out = 1 WHERE person_id = ?", (first,))
        database.close()
        assert ws.people().set_index("person_id").loc[first, "opted_out"]


def test_frames_come_back_as_copies(tmp_path: Path) -> None:
    with WebWorkspace.open(f"sqlite:///{tmp_path}/org.db", create=True) as ws:
        ws.cache = WebCache(ws.store)
        ws.import_people("docs/examples/people.csv")
        people = ws.people()
        people["person_id"] = "changed"
        people["extra"] = 1
        again = ws.people()
        assert "extra" not in again and (again["person_id"] != "changed").all()


def test_accounts_are_read_again_after_a_write_or_when_old(store: Store) -> None:
    cache = WebCache(store, check_seconds=0.2)
    assert cache.account("ana", lambda: "analyst") == "analyst"
    assert cache.account("ana", lambda: "admin") == "analyst"
    time.sleep(0.25)
    assert cache.account("ana", lambda: "admin") == "admin"
    with store.engine.begin() as connection:  # any write to the accounts
        connection.exec_driver_sql("UPDATE users SET role = role WHERE 1 = 0")
    assert cache.account("ana", lambda: "member") == "member"
    assert WebCache(store, check_seconds=0).account("x", lambda: 1) == 1


def test_audit_rows_of_concurrent_requests_all_land(store: Store) -> None:
    writer = AuditWriter(store)
    threads = [
        threading.Thread(
            target=writer.write, kwargs={"viewer": f"u{i}", "action": "view person", "detail": ""}
        )
        for i in range(40)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction() as session:
        rows = load_audit(session=session)
    assert sorted(rows["viewer"]) == sorted(f"u{i}" for i in range(40))
    assert 1 <= writer.batches <= 40


def test_a_failed_audit_write_fails_the_request(store: Store) -> None:
    writer = AuditWriter(store)
    with pytest.raises(Exception, match=r"NOT NULL"):
        writer.write(viewer=None, action="view person")  # type: ignore[arg-type]
    writer.write(viewer="ana", action="view person")  # and the next one is fine
    with store.transaction() as session:
        assert load_audit(session=session)["viewer"].tolist() == ["ana"]


# -- in the app: writes show at once ----------------------------------------------------------


@dataclasses.dataclass
class Site:
    """An app on a private copy of the test database (these tests write)."""

    org: Org
    app: FastAPI
    clients: dict[str, Client]

    def client(self, username: str) -> Client:
        if username not in self.clients:
            self.clients[username] = logged_in(self.app, username)
        return self.clients[username]


@pytest.fixture(scope="module")
def site(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    own, app = copy_org(org, tmp_path_factory.mktemp("cache"))
    app.state.workspace.close()
    settings = dataclasses.replace(own.settings, cache_seconds=0.3)
    app = create_app(settings)
    yield Site(dataclasses.replace(own, settings=settings), app, {})
    app.state.workspace.close()


def test_a_new_analysis_run_shows_on_the_overview(site: Site) -> None:
    analyst = site.client("analyst")
    before = analyst.get("/api/overview").json()["run"]["id"]
    assert analyst.get("/api/overview").json()["run"]["id"] == before  # now from the cache
    after = analyst.post_api("/api/analyze").json()["run"]["id"]
    assert after > before
    assert analyst.get("/api/overview").json()["run"]["id"] == after
    assert f"Analysis run #{after}" in site.client("admin").get("/overview").text


def test_a_new_session_and_its_feedback_show_on_every_page(site: Site) -> None:
    member, admin = site.client("member"), site.client("admin")
    me = site.org.member
    mine = {s["session_id"] for s in member.get("/api/learning/sessions").json()["sessions"]}
    page = admin.get(f"/api/people/{me}").json()
    health = admin.get("/api/learning/health").json()
    peers = member.get("/api/learning/peers", params={"skill": site.org.skill}).json()
    teacher = peers["peers"][0]["teacher_id"]
    asked = member.post_api(
        "/api/learning/sessions", {"teacher": teacher, "skill": site.org.skill}
    ).json()["session_id"]
    assert asked not in mine
    listed = member.get("/api/learning/sessions").json()["sessions"]
    assert any(s["session_id"] == asked and s["status"] == "proposed" for s in listed)
    seen = admin.get(f"/api/people/{me}").json()["sessions"]
    assert len(seen) == len(page["sessions"]) + 1
    for action in ("schedule", "hold"):
        member.post_api(
            f"/api/learning/sessions/{asked}/status", {"action": action, "when": "2026-01-10"}
        )
    held = [
        s
        for s in member.get("/api/learning/sessions").json()["sessions"]
        if s["session_id"] == asked
    ]
    assert held[0]["status"] == "held" and held[0]["feedback_given"] is None
    assert (
        member.post_api(f"/api/learning/sessions/{asked}/feedback", {"rating": 5}).status_code
        == 200
    )
    held = [
        s
        for s in member.get("/api/learning/sessions").json()["sessions"]
        if s["session_id"] == asked
    ]
    assert held[0]["feedback_given"]["rating"] == 5
    given = {r["role"]: r["given"] for r in admin.get("/api/learning/health").json()["feedback"]}
    before = {r["role"]: r["given"] for r in health["feedback"]}
    assert given["learner"] == before["learner"] + 1


def test_another_process_writing_shows_within_cache_seconds(site: Site) -> None:
    analyst = site.client("analyst")
    before = analyst.get("/api/overview").json()["run"]["id"]
    with Workspace.open(site.org.url) as other:  # the CLI, or another worker
        other.analyze(options=AnalysisOptions(min_group_size=5))
    time.sleep(site.org.settings.cache_seconds + 0.1)
    assert analyst.get("/api/overview").json()["run"]["id"] > before


def test_a_role_set_elsewhere_applies_within_cache_seconds(site: Site) -> None:
    from peerweave.store.accounts import add_user
    from peerweave.web.auth import hash_password
    from tests.web.conftest import PASSWORD

    with Workspace.open(site.org.url) as other, other.store.transaction() as session:
        add_user(
            session=session,
            username="moving",
            password_hash=hash_password(PASSWORD),
            role="analyst",
        )
    moving = site.client("moving")
    assert moving.get("/api/overview").status_code == 200
    with Workspace.open(site.org.url) as other, other.store.transaction() as session:
        set_role(session=session, username="moving", role="member")
    time.sleep(site.org.settings.cache_seconds + 0.1)
    assert moving.get("/api/overview").status_code == 403


def test_logging_out_ends_the_session_at_once(site: Site) -> None:
    leaving = logged_in(site.app, "analyst")
    copy = Client(site.app, follow_redirects=False)
    copy.cookies = leaving.cookies
    assert copy.get("/api/me").status_code == 200
    assert leaving.post_api("/api/logout").status_code == 200
    assert copy.get("/api/me").status_code == 401  # the kept cookie, at once
    site.clients.pop("analyst", None)


# -- in the app: privacy never crosses viewers -------------------------------------------------


def test_cached_person_pages_never_cross_roles(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    person = org.other
    for order in (("analyst", "admin"), ("admin", "analyst")):
        answers = {}
        for role in order:
            client = login(role)
            ref = pseudonym(person, org.settings.key) if role == "analyst" else person
            first = client.get(f"/api/people/{ref}")
            again = client.get(f"/api/people/{ref}")  # a cached answer
            assert first.status_code == again.status_code == 200
            assert first.json() == again.json()
            answers[role] = again.json()
        analyst, admin = json.dumps(answers["analyst"]), answers["admin"]
        assert answers["analyst"]["person"]["ref"] == pseudonym(person, org.settings.key)
        assert admin["person"]["ref"] == person and "(" in admin["person"]["label"]
        assert not any(name in analyst for name in org.names)
        assert person not in analyst
        named = [s["learner_id_label"] for s in admin["sessions"]]
        assert all("p-" not in label for label in named)


def test_cached_peer_lists_and_boards_never_cross_roles(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    ref = {"analyst": pseudonym(org.member, org.settings.key), "admin": org.member}
    found = {}
    for role in ("analyst", "admin", "analyst"):
        client = login(role)
        found[role] = client.get(
            "/api/learning/peers", params={"skill": org.skill, "person": ref[role]}
        ).json()
        board = client.get("/api/learning/recognition").json()
        text = json.dumps(board)
        if role == "analyst":
            assert not any(name in text for name in org.names)
        else:
            assert any("(" in row["teacher_id_label"] for row in board["leaderboard"])
    assert all(p["teacher_id"].startswith("p-") for p in found["analyst"]["peers"])
    assert not any(p["teacher_id"].startswith("p-") for p in found["admin"]["peers"])
    assert found["analyst"]["learner"] == [ref["analyst"]]
    assert found["admin"]["learner"] == [org.member]


def test_a_member_gets_their_own_page_only_cached_or_not(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    admin, member = login("admin"), login("member")
    assert admin.get(f"/api/people/{org.member}").status_code == 200  # now cached
    mine = member.get("/api/people/me").json()
    assert mine["person"]["ref"] == org.member
    assert member.get(f"/api/people/{org.other}").status_code == 403
    other = login("other").get("/api/people/me").json()
    assert other["person"]["ref"] == org.other != mine["person"]["ref"]


def test_every_view_is_audited_cached_or_not(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    analyst = login("analyst")
    ref = pseudonym(org.other, org.settings.key)
    analyst.get(f"/api/people/{ref}")
    before = audit_count(org)
    for _ in range(3):
        assert analyst.get(f"/api/people/{ref}").status_code == 200
        analyst.get("/api/learning/recognition")
    assert audit_count(org) == before + 6


def test_a_refusal_is_not_kept(org: Org, login: Callable[[str | None], Client]) -> None:
    analyst = login("analyst")
    for _ in range(2):  # a real id is refused to an analyst every time
        assert analyst.get(f"/api/people/{org.other}").status_code == 403
    assert (
        analyst.get("/api/learning/peers", params={"skill": "no such skill x"}).status_code == 400
    )


def test_the_cache_can_be_turned_off(org: Org, tmp_path: Path) -> None:
    own, app = copy_org(org, tmp_path)
    app.state.workspace.close()
    app = create_app(dataclasses.replace(own.settings, cache_results=0))
    try:
        assert app.state.cache is None
        analyst = logged_in(app, "analyst")
        assert analyst.get("/api/overview").json()["run"] is not None
        ref = pseudonym(org.other, org.settings.key)
        assert analyst.get(f"/api/people/{ref}").json()["person"]["ref"] == ref
    finally:
        app.state.workspace.close()


def test_settings_are_checked() -> None:
    from peerweave.web import WebSettings

    for bad in ({"cache_results": -1}, {"cache_seconds": -0.5}, {"request_threads": 0}):
        with pytest.raises(ValueError):
            WebSettings("sqlite://", "k" * 16, **bad)  # type: ignore[arg-type]


def test_people_frames_stay_as_the_store_reads_them(org: Org) -> None:
    with WebWorkspace.open(org.url) as ws:
        ws.cache = WebCache(ws.store)
        cached = ws.people(include_left=True)
        with Workspace.open(org.url) as plain:
            pd.testing.assert_frame_equal(cached, plain.people(include_left=True))
