"""Migrations, opening and initialising a store, transactions."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, func, inspect, select, text

from peerweave.errors import StoreError
from peerweave.store import (
    Store,
    alembic_config,
    head_revision,
    make_engine,
    metadata,
    people,
    upgrade_database,
)
from peerweave.store import database as database_module

TABLES = {
    "adoptions",
    "analysis_runs",
    "audit_log",
    "circle_members",
    "circle_rounds",
    "endorsements",
    "imports",
    "initiative_champions",
    "initiatives",
    "learning_sessions",
    "match_rounds",
    "people",
    "person_metrics",
    "person_skills",
    "round_matches",
    "round_unmatched",
    "session_feedback",
    "ties",
    "users",
}


def test_init_creates_the_tables_at_head(store_url: str) -> None:
    with Store.init(store_url) as store:
        names = set(inspect(store.engine).get_table_names())
        assert names == TABLES | {"alembic_version"}
        assert store.revision() == head_revision()
        ties_indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("ties")}
        assert {"ix_ties_kind", "ix_ties_source", "ix_ties_target"} <= ties_indexes


def test_migrations_build_exactly_the_tables_module(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_open_without_init_raises(store_url: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no peerweave database at .*; run `peerweave init`"):
        Store.open(store_url)


def test_open_does_not_create_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no peerweave database"):
        Store.open(str(path))
    assert not path.exists()


def test_init_creates_parent_folders_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "org.db"
    Store.init(str(path)).close()
    with Store.init(str(path)) as again, Store.open(str(path)) as opened:
        assert again.revision() == opened.revision() == head_revision()


def test_outdated_database_asks_to_run_init(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    current = head_revision()
    monkeypatch.setattr(database_module, "head_revision", lambda: "0099")
    monkeypatch.setattr(database_module, "_known_revisions", lambda: {current, "0099"})
    with pytest.raises(StoreError) as caught:
        Store.open(store.url)
    assert str(caught.value) == (
        f"database at revision {current}, this version expects 0099; "
        "run `peerweave init` to upgrade"
    )


def test_database_from_a_newer_version_is_refused(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="revision 9999, which this version of peerweave"):
        Store.open(store.url)


def test_downgrade_to_base_then_upgrade_again(store: Store) -> None:
    with store.engine.connect() as conn:
        command.downgrade(alembic_config(conn), "base")
        conn.commit()
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(store.engine)
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_upgrade_database_takes_a_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'org.db'}"
    upgrade_database(url)
    with Store.open(url) as store:
        assert store.revision() == head_revision()


def test_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the database at postgresql"):
        Store.open("postgresql://nobody:secret@127.0.0.1:1/peerweave")


def test_transaction_commits_on_success_and_rolls_back_on_error(store: Store) -> None:
    row = {"person_id": "p1", "updated_at": func.current_timestamp()}
    with store.transaction() as session:
        session.execute(people.insert().values(**row))
    with pytest.raises(KeyError), store.transaction() as session:
        session.execute(people.insert().values(**{**row, "person_id": "p2"}))
        raise KeyError("half-way")
    with store.transaction() as session:
        assert session.scalars(select(people.c.person_id)).all() == ["p1"]


def test_in_memory_sqlite_is_shared_by_sessions() -> None:
    with Store.init("sqlite://") as store:
        with store.transaction() as session:
            session.execute(people.insert().values(person_id="p", updated_at=func.now()))
        with store.transaction() as session:
            assert session.scalar(select(func.count()).select_from(people)) == 1


def test_sqlite_engine_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_constraint_names_match_the_tables_module(store: Store) -> None:
    # autogenerate does not compare CHECK constraints or constraint names; later SQLite
    # batch migrations refer to constraints by these names.
    inspector = inspect(store.engine)
    for table in metadata.sorted_tables:
        checks = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert checks == {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        keys = {fk["name"] for fk in inspector.get_foreign_keys(table.name)}
        assert keys == {fk.name for fk in table.foreign_key_constraints}
