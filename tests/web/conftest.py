"""One web app on a real SQLite database built from the synthetic organization (200 people),
made once per test session, with an account for each role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from peerweave.demo import run_demo
from peerweave.network.analysis import AnalysisOptions
from peerweave.store.accounts import add_user
from peerweave.web import WebSettings, create_app
from peerweave.web.auth import CSRF_HEADER, hash_password
from peerweave.web.privacy import pseudonym
from peerweave.workspace import Workspace

PASSWORD = "correct horse battery"
SECRET = "test-secret-key-" + "x" * 16

#: The accounts every test can log in as (username = role name in the matrix).
ROLES = ("member", "other", "analyst", "admin")


@dataclass(frozen=True)
class Org:
    """The test organization: its database, settings and the people the accounts are."""

    url: str
    settings: WebSettings
    member: str  # the person the "member" account is
    other: str  # the person the "other" account is
    skill: str  # a skill the member wants and a colleague teaches
    opted_out: tuple[str, ...]
    names: tuple[str, ...]  # every person's name (analysts must never see one)

    def pseudonym(self, person_id: str) -> str:
        return pseudonym(person_id, self.settings.key)


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    folder = tmp_path_factory.mktemp("web")
    demo = run_demo(folder, people=200, seed=3)
    assert demo.peer_example is not None
    member, skill = demo.peer_example
    hashed = hash_password(PASSWORD)
    with Workspace.open(demo.database_url) as ws:
        options = AnalysisOptions(min_group_size=5)
        ws.analyze(options=options)
        ws.analyze(options=options)  # two runs: the overview shows the change
        people = ws.people()
        active = people.loc[~people["opted_out"].astype(bool), "person_id"].astype(str)
        other = next(p for p in active if p != member)
        with ws.store.transaction() as session:
            add_user(
                session=session,
                username="member",
                password_hash=hashed,
                role="member",
                person_id=member,
            )
            add_user(
                session=session,
                username="other",
                password_hash=hashed,
                role="member",
                person_id=other,
            )
            add_user(session=session, username="analyst", password_hash=hashed, role="analyst")
            add_user(session=session, username="admin", password_hash=hashed, role="admin")
            for name in ("victim", "expiring", "leaver", "stolen"):
                add_user(
                    session=session,
                    username=name,
                    password_hash=hashed,
                    role="member",
                    person_id=other,
                )
    opted = tuple(people.loc[people["opted_out"].astype(bool), "person_id"].astype(str))
    names = tuple(str(n) for n in people["name"].dropna() if len(str(n)) > 5)
    return Org(
        url=demo.database_url,
        settings=WebSettings(demo.database_url, SECRET),
        member=member,
        other=other,
        skill=skill,
        opted_out=opted,
        names=names,
    )


@pytest.fixture(scope="session")
def app(org: Org) -> Iterator[FastAPI]:
    web = create_app(org.settings)
    yield web
    web.state.workspace.close()


class Client(TestClient):
    """A test client that remembers its CSRF token."""

    csrf: str = ""

    def post_api(self, path: str, json: object = None) -> Any:
        return self.post(path, json=json, headers={CSRF_HEADER: self.csrf})


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture(scope="session")
def _logged_in() -> dict[str, Client]:
    return {}


@pytest.fixture
def login(app: FastAPI, _logged_in: dict[str, Client]) -> Callable[..., Client]:
    """A client logged in as ``role`` (``None``: anonymous, with a login-page session).

    Logged-in clients are kept for the session (an argon2 check per login is slow);
    ``fresh=True`` logs in anew, for tests that change the client's cookies.
    """

    def make(role: str | None, *, fresh: bool = False) -> Client:
        if role is not None and not fresh and role in _logged_in:
            return _logged_in[role]
        client = Client(app, follow_redirects=False)
        if role is None:
            client.csrf = form_token(client.get("/login").text)
            return client
        answer = client.post("/api/login", json={"username": role, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.csrf = answer.json()["csrf_token"]
        if not fresh:
            _logged_in[role] = client
        return client

    return make


def audit_count(org: Org) -> int:
    with Workspace.open(org.url) as ws, ws.store.transaction() as session:
        from peerweave.store.accounts import load_audit

        return len(load_audit(session=session))


def people_frame(org: Org) -> pd.DataFrame:
    with Workspace.open(org.url) as ws:
        return ws.people()


__all__ = ["PASSWORD", "ROLES", "Client", "Org", "audit_count", "form_token", "people_frame"]
