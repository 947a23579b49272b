"""Accounts and the audit log in the store, and the `peerweave user …` / `audit` commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peerweave.cli import app
from peerweave.errors import InputError, UnknownIdError
from peerweave.store import Store
from peerweave.store.accounts import (
    add_user,
    get_user,
    list_users,
    load_audit,
    record_login_failure,
    set_role,
    write_audit,
)
from peerweave.web.auth import verify_password
from peerweave.workspace import Workspace

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def run(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "pw.db"
    with Workspace.open(str(path), create=True) as ws:
        ws.import_people(EXAMPLES / "people.csv")
    return path


def test_accounts_in_the_store(store: Store) -> None:
    with store.transaction() as session:
        add_user(session=session, username=" ada ", password_hash="h", role="analyst")
        with pytest.raises(InputError, match="already an account"):
            add_user(session=session, username="ada", password_hash="h", role="admin")
        with pytest.raises(InputError, match="no role 'boss'"):
            add_user(session=session, username="bo", password_hash="h", role="boss")
        with pytest.raises(InputError, match="not a username"):
            add_user(session=session, username="two words", password_hash="h", role="member")
        with pytest.raises(UnknownIdError, match="no person 'P404'"):
            add_user(
                session=session, username="cy", password_hash="h", role="member", person_id="P404"
            )
        set_role(session=session, username="ada", role="admin")
        with pytest.raises(UnknownIdError, match="no account 'zed'"):
            set_role(session=session, username="zed", role="admin")
        first = record_login_failure(
            session=session, username="ada", max_failures=2, lock_for=timedelta(minutes=15)
        )
        locked = record_login_failure(
            session=session, username="ada", max_failures=2, lock_for=timedelta(minutes=15)
        )
        assert first is None and locked is not None
        account = get_user(session=session, username="ada")
        assert account is not None and account.role == "admin"
        assert account.locked_until == locked and account.failed_logins == 0
        users = list_users(session=session)
        assert users["username"].tolist() == ["ada"]
        assert "password_hash" not in users.columns
        write_audit(session=session, viewer="ada", action="view person", subject_person_id=None)
        write_audit(session=session, viewer="ada", action="champions", detail="3 shown")
        rows = load_audit(session=session, limit=1)
        assert rows["action"].tolist() == ["champions"]


def test_user_commands(db: Path) -> None:
    code, out = run(db, "user", "add", "ada", "--role", "admin", "--password", "long enough 1")
    assert code == 0, out
    code, out = run(
        db, "user", "add", "bo", "--role", "member", stdin="secret words\nsecret words\n"
    )
    assert code == 0, out
    assert "secret words" not in out  # asked for, hidden
    code, out = run(db, "user", "link", "bo", "E007")
    assert code == 0, out
    code, out = run(db, "user", "set-role", "bo", "analyst")
    assert code == 0, out
    code, out = run(db, "user", "list")
    assert code == 0 and "ada" in out and "E007" in out and "analyst" in out
    with Workspace.open(str(db)) as ws, ws.store.transaction() as session:
        account = get_user(session=session, username="bo")
        assert account is not None and verify_password(account.password_hash, "secret words")
        write_audit(session=session, viewer="ada", action="view person", subject_person_id="E007")
    code, out = run(db, "audit", "--limit", "5")
    assert code == 0 and "view person" in out and "E007" in out
    code, out = run(db, "user", "logout", "bo")
    assert code == 0 and "every session of bo has ended" in out
    with Workspace.open(str(db)) as ws, ws.store.transaction() as session:
        account = get_user(session=session, username="bo")
        assert account is not None and account.session_epoch == 1


def test_user_command_errors_are_messages(db: Path) -> None:
    code, out = run(db, "user", "add", "ada", "--role", "boss", "--password", "long enough 1")
    assert code == 2 and "no role 'boss'" in out and "Traceback" not in out
    code, out = run(db, "user", "add", "ada", "--role", "admin", "--password", "short")
    assert code == 2 and "too short" in out
    code, out = run(db, "user", "link", "nobody", "E007")
    assert code == 2 and "no account 'nobody'" in out
    code, out = run(db, "user", "logout", "nobody")
    assert code == 2 and "no account 'nobody'" in out
    run(db, "user", "add", "ada", "--role", "admin", "--password", "long enough 1")
    code, out = run(db, "user", "link", "ada", "E999")
    assert code == 2 and "no person 'E999'" in out
    code, out = run(db, "audit")
    assert code == 0 and "empty" in out


def test_upgrade_from_0006_keeps_the_data_and_adds_the_accounts(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from peerweave.store import upgrade_database

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_database(url, "0006")
    with Store.init(url) as store:  # init upgrades in place
        assert store.revision() == "0009"
        assert {"users", "audit_log"} <= set(inspect(store.engine).get_table_names())
    with Workspace.open(url) as ws:
        ws.import_people(EXAMPLES / "people.csv")
        with ws.store.transaction() as session:
            add_user(
                session=session, username="m", password_hash="h", role="member", person_id="E001"
            )
        assert len(ws.people()) == 7
