"""Engines, Alembic migrations and the ``Store``: one engine and its sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from peerweave.errors import StoreError
from peerweave.store.url import display_url, resolve_database_url

__all__ = [
    "MIGRATIONS_DIR",
    "Store",
    "alembic_config",
    "database_revision",
    "head_revision",
    "make_engine",
    "upgrade_database",
]

#: The Alembic script directory shipped inside the package.
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling skips BEGIN before DDL and breaks
    # SAVEPOINTs; let SQLAlchemy's "begin" event emit BEGIN instead.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _is_memory_sqlite(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``, set up the way the store needs it.

    SQLite gets foreign keys and real transactions; an in-memory SQLite
    database (``sqlite://``) keeps one shared connection so every session sees it.

    >>> engine = make_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    1
    >>> engine.dispose()
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if _is_memory_sqlite(url):
        engine = create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        engine = create_engine(parsed)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic config built in code: the package's migrations, no ``alembic.ini``.

    Give an open ``connection`` to migrate it, or a ``url`` for Alembic commands
    that connect themselves (``command.revision(cfg, "add x", autogenerate=True)``).

    >>> alembic_config().get_main_option("script_location") == str(MIGRATIONS_DIR)
    True
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", resolve_database_url(url).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head_revision() -> str:
    """The schema revision this version of peerweave expects.

    >>> head_revision()
    '0009'
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def _known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def database_revision(connection: Connection) -> str | None:
    """The Alembic revision a database is at, or ``None`` when it has none.

    >>> engine = make_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     print(database_revision(conn))
    None
    >>> upgrade_database(engine)
    >>> with engine.connect() as conn:
    ...     database_revision(conn)
    '0009'
    >>> engine.dispose()
    """
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(target: str | Engine, revision: str = "head") -> None:
    """Run ``alembic upgrade`` (to ``head`` by default) on a URL or an engine.

    >>> from sqlalchemy import inspect
    >>> engine = make_engine("sqlite://")
    >>> upgrade_database(engine)
    >>> sorted(inspect(engine).get_table_names())  # doctest: +NORMALIZE_WHITESPACE
    ['adoptions', 'alembic_version', 'analysis_runs', 'audit_log', 'circle_members',
     'circle_rounds', 'endorsements', 'imports', 'initiative_champions', 'initiatives', 'learning_sessions', 'match_rounds', 'people', 'person_metrics',
     'person_skills', 'round_matches', 'round_unmatched', 'session_feedback', 'ties', 'users']
    >>> engine.dispose()
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite batch migrations copy and drop tables; foreign keys must be off
                # for that, and the pragma only works outside a transaction.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                command.upgrade(alembic_config(connection), revision)
                connection.commit()
            finally:
                if sqlite:
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    finally:
        if isinstance(target, str):
            engine.dispose()


def _check_revision(engine: Engine, url: str) -> None:
    with engine.connect() as connection:
        revision = database_revision(connection)
    head = head_revision()
    where = display_url(url)
    if revision is None:
        raise StoreError(f"no peerweave database at {where}; run `peerweave init`")
    if revision == head:
        return
    if revision not in _known_revisions():
        raise StoreError(
            f"database at {where} is at revision {revision}, which this version of peerweave "
            f"does not know (it expects {head}); upgrade peerweave"
        )
    raise StoreError(
        f"database at revision {revision}, this version expects {head}; "
        "run `peerweave init` to upgrade"
    )


class Store:
    """A peerweave database: one engine and the sessions made from it.

    ``Store.open`` checks the schema is at the expected revision; ``Store.init``
    creates or upgrades it first. Use it as a context manager (or call
    ``close``) so the engine's connections are released.

    >>> from peerweave.store import add_people_stubs, load_people, record_import
    >>> with Store.init("sqlite://") as store:
    ...     with store.transaction() as session:
    ...         run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                             rows_read=0, records=0, report={})
    ...         add_people_stubs(session=session, person_ids=["p1"], import_id=run)
    ...     with store.transaction() as session:
    ...         load_people(session=session)["person_id"].tolist()
    1
    ['p1']
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL, password included (use ``display_url`` to show it)."""
        return self.engine.url.render_as_string(hide_password=False)

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = False) -> Self:
        """Open the database at ``url`` (resolved by ``resolve_database_url``).

        With ``create=False`` the database must exist and be at the expected
        revision, else ``StoreError`` says to run ``peerweave init``.

        >>> Store.open("sqlite://")
        Traceback (most recent call last):
        ...
        peerweave.errors.StoreError: no peerweave database at an in-memory SQLite database; ...
        """
        resolved = resolve_database_url(url)
        where = display_url(resolved)
        parsed = make_url(resolved)
        if parsed.get_backend_name() == "sqlite" and not _is_memory_sqlite(resolved):
            path = Path(parsed.database or "")
            if not path.exists():
                if not create:
                    raise StoreError(f"no peerweave database at {where}; run `peerweave init`")
                path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(resolved)
        try:
            if create:
                upgrade_database(engine)
            else:
                _check_revision(engine, resolved)
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot open the database at {where}: {exc.orig}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @classmethod
    def init(cls, url: str | None = None) -> Self:
        """Create the database at ``url`` or upgrade it to this version's schema, and open it.

        >>> with Store.init("sqlite://") as store:
        ...     store.revision()
        '0009'
        """
        return cls.open(url, create=True)

    def revision(self) -> str | None:
        """The revision the database is at."""
        with self.engine.connect() as connection:
            return database_revision(connection)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception.

        >>> from sqlalchemy import func, select
        >>> from peerweave.store import people
        >>> with Store.init("sqlite://") as store:
        ...     try:
        ...         with store.transaction() as session:
        ...             _ = session.execute(people.insert().values(
        ...                 person_id="p1", updated_at=func.current_timestamp()))
        ...             raise RuntimeError("import failed half-way")
        ...     except RuntimeError:
        ...         pass
        ...     with store.transaction() as session:
        ...         session.scalar(select(func.count()).select_from(people))
        0
        """
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Close every connection of the engine."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({display_url(self.url)!r})"
