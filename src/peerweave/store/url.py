"""Where the database is: resolve the ``--db`` option, the environment and the default."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

__all__ = ["DEFAULT_DATABASE_URL", "ENV_DATABASE_URL", "display_url", "resolve_database_url"]

#: Environment variable read when no database is given explicitly.
ENV_DATABASE_URL = "PEERWEAVE_DATABASE_URL"

#: The embedded default: a SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///./peerweave.db"


def resolve_database_url(db: str | None) -> str:
    """The SQLAlchemy URL of the database: ``db``, else ``$PEERWEAVE_DATABASE_URL``, else default.

    A plain file path (no ``://``) is a SQLite file; ``postgresql://`` and
    ``postgres://`` URLs are rewritten to the psycopg 3 driver.

    >>> resolve_database_url("data/org.db")
    'sqlite:///data/org.db'
    >>> resolve_database_url("postgresql://ana@db.example.com/peerweave")
    'postgresql+psycopg://ana@db.example.com/peerweave'
    >>> resolve_database_url("sqlite://")
    'sqlite://'
    """
    value = db if db else os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
    value = value.strip()
    if "://" not in value:
        return f"sqlite:///{value}"
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return value


def display_url(url: str) -> str:
    """The URL as shown to a person: the file path for SQLite, no password for a server.

    >>> display_url("sqlite:///./peerweave.db")
    './peerweave.db'
    >>> display_url("postgresql+psycopg://ana:secret@db/peerweave")
    'postgresql+psycopg://ana:***@db/peerweave'
    >>> display_url("sqlite://")
    'an in-memory SQLite database'
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        return path if path and path != ":memory:" else "an in-memory SQLite database"
    return parsed.render_as_string(hide_password=True)
