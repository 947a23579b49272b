"""Alembic environment: migrate the connection peerweave hands over, or connect to the URL."""

from alembic import context
from sqlalchemy import Connection

from peerweave.store.database import make_engine
from peerweave.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


# ``context.config`` only exists while Alembic runs this file; pytest --doctest-modules
# also imports it, and then there is nothing to do.
if getattr(context, "config", None) is not None:
    main()
