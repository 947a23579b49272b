"""Database URL resolution: argument, environment, default."""

from __future__ import annotations

import pytest

from peerweave.store import (
    DEFAULT_DATABASE_URL,
    ENV_DATABASE_URL,
    display_url,
    resolve_database_url,
)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)


def test_explicit_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, "sqlite:///env.db")
    assert resolve_database_url("sqlite:///arg.db") == "sqlite:///arg.db"


def test_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_database_url(None) == DEFAULT_DATABASE_URL == "sqlite:///./peerweave.db"
    monkeypatch.setenv(ENV_DATABASE_URL, "postgresql://u@h/db")
    assert resolve_database_url(None) == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("org.db", "sqlite:///org.db"),
        ("/data/org.db", "sqlite:////data/org.db"),
        ("postgres://u:p@h:5433/db", "postgresql+psycopg://u:p@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_paths_and_urls(given: str, expected: str) -> None:
    assert resolve_database_url(given) == expected


def test_display_hides_password() -> None:
    assert "secret" not in display_url("postgresql+psycopg://u:secret@h/db")
    assert display_url("sqlite:////data/org.db") == "/data/org.db"
