"""A web app on a private copy of the test organization's database, for tests that change
data (new rounds of circles, adoptions) without changing what the other web tests see."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from fastapi import FastAPI

from peerweave.store.accounts import add_user
from peerweave.web import create_app
from peerweave.web.auth import hash_password
from peerweave.workspace import Workspace
from tests.web.conftest import PASSWORD, Client, Org

__all__ = ["add_account", "copy_org", "logged_in"]

PREFIX = "sqlite:///"


def copy_org(org: Org, folder: Path) -> tuple[Org, FastAPI]:
    """A consistent copy of ``org``'s SQLite database in ``folder`` (the backup API) and
    an app on it; close it with ``app.state.workspace.close()``."""
    assert org.url.startswith(PREFIX), org.url
    target = folder / "copy.db"
    source, copy = sqlite3.connect(org.url[len(PREFIX) :]), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    url = PREFIX + str(target)
    settings = dataclasses.replace(org.settings, database_url=url)
    own = dataclasses.replace(org, url=url, settings=settings)
    return own, create_app(settings)


def logged_in(app: FastAPI, username: str) -> Client:
    """A client of ``app`` logged in as ``username`` (every test account has ``PASSWORD``)."""
    client = Client(app, follow_redirects=False)
    answer = client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.csrf = answer.json()["csrf_token"]
    return client


def add_account(org: Org, username: str, role: str, person_id: str | None) -> None:
    """Add an account (password ``PASSWORD``) to ``org``'s database."""
    with Workspace.open(org.url) as ws, ws.store.transaction() as session:
        add_user(
            session=session,
            username=username,
            password_hash=hash_password(PASSWORD),
            role=role,
            person_id=person_id,
        )
