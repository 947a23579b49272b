"""Shared database fixtures: ``store_url`` (SQLite file and PostgreSQL) and ``store``.

PostgreSQL tests use the server at ``$PEERWEAVE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test session creates
its own database and drops it at the end; each test gets a fresh schema. When the
server does not answer they are skipped, or fail when ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import URL, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from peerweave.store import Store, display_url, resolve_database_url

POSTGRES_URL_ENV = "PEERWEAVE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[URL]:
    """A fresh PostgreSQL database ``peerweave_test_<hex>`` for this test session."""
    server = make_url(resolve_database_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)))
    admin = create_engine(
        server,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    name = f"peerweave_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        message = (
            f"PostgreSQL at {display_url(server.render_as_string(hide_password=False))} "
            f"does not answer ({exc.orig}); start it or set {POSTGRES_URL_ENV}"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: URL) -> Iterator[str]:
    """A URL whose ``search_path`` is a schema of its own, dropped after the test."""
    schema = f"t_{secrets.token_hex(6)}"
    engine = create_engine(postgres_database, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = postgres_database.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'peerweave.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An initialised ``Store`` (schema at head) on each backend of ``store_url``."""
    with Store.init(store_url) as opened:
        yield opened
