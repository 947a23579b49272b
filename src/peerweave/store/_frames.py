"""Moving pandas frames in and out of tables: value conversion and chunked bulk statements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Dialect, Executable, MetaData, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from peerweave.errors import StoreError

#: Rows per executemany batch: large enough to amortise round trips, small enough
#: to keep memory flat on 20M-tie imports.
CHUNK_ROWS = 50_000

#: Values per ``IN (...)`` list; well under SQLite's and PostgreSQL's parameter limits.
IN_LIST_SIZE = 1_000

Row = dict[str, Any]


def utcnow() -> datetime:
    """Now, as the naive UTC datetime every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def text_series(values: pd.Series) -> pd.Series:
    """Text with ``pd.NA`` for missing (``"string"`` dtype), for comparing and writing."""
    return values.astype("string")


def int_series(values: pd.Series) -> pd.Series:
    """Whole numbers as nullable ``Int64``."""
    return pd.to_numeric(values).astype("Int64")


def datetime_series(values: pd.Series) -> pd.Series:
    """Naive UTC ``datetime64[ns]`` (aware values are converted to UTC first)."""
    parsed = pd.to_datetime(values)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def bool_series(values: pd.Series, *, default: bool = False) -> pd.Series:
    """Booleans, missing read as ``default``."""
    if values.dtype == bool:
        return values
    return values.astype("boolean").fillna(default).astype(bool)


def python_values(values: pd.Series) -> list[Any]:
    """Plain Python values for a driver: ``None`` for every kind of missing value."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.to_pydatetime()
    array = values.to_numpy(dtype=object, copy=True)
    array[pd.isna(array)] = None
    return array.tolist()


def date_values(values: pd.Series) -> list[Any]:
    """``datetime.date`` objects (``None`` when missing) from a datetime column."""
    return python_values(datetime_series(values).dt.normalize().dt.date)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def execute_many(session: Session, statement: Executable, rows: Sequence[Row]) -> int:
    """Run ``statement`` once per row, ``CHUNK_ROWS`` rows per driver call; return the row count."""
    for part in chunks(rows, CHUNK_ROWS):
        session.execute(statement, list(part))
    return len(rows)


#: A column handed to ``bulk_insert``: a Series (converted chunk by chunk) or values.
ColumnValues = pd.Series | Sequence[Any]


def _driver_values(values: ColumnValues, table: Table, column: str, dialect: Dialect) -> list[Any]:
    """Values as the driver takes them: the column type's bind processing, run once per
    distinct value (dates and times repeat a lot) instead of once per row."""
    plain = python_values(values) if isinstance(values, pd.Series) else list(values)
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return plain
    codes, uniques = pd.factorize(pd.Series(plain, dtype=object), use_na_sentinel=True)
    processed = np.array([*(process(u) for u in uniques), None], dtype=object)
    return processed[codes].tolist()  # type: ignore[no-any-return]


def _row_batches(
    columns: Mapping[str, ColumnValues], table: Table, dialect: Dialect
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``CHUNK_ROWS`` at a time, converted per chunk so memory stays flat."""
    n = len(next(iter(columns.values()))) if columns else 0
    for start in range(0, n, CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        values = [
            _driver_values(
                v.iloc[part] if isinstance(v, pd.Series) else v[part], table, name, dialect
            )
            for name, v in columns.items()
        ]
        yield list(zip(*values, strict=True))


def bulk_insert(
    session: Session,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> int:
    """Insert one row per position of ``columns`` (name -> values); return the row count.

    With ``conflict`` (the key columns), a row whose key is stored updates the
    ``update`` columns instead. Per-row parameter handling would cost more than
    the database's own work on a million ties, so rows reach the driver already
    processed by each column type: SQLite through ``executemany`` of one compiled
    Core statement, ``CHUNK_ROWS`` at a time; PostgreSQL through ``COPY`` (into a
    temporary staging table, then one ``INSERT … ON CONFLICT``, for an upsert).
    """
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{table.name}: columns of different lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    connection = session.connection()
    dialect = connection.dialect
    names = list(columns)
    batches = _row_batches(columns, table, dialect)
    if dialect.name == "postgresql":
        _postgres_insert(connection, table, names, batches, conflict, update)
    elif dialect.name == "sqlite":
        statement = sqlite.insert(table)
        if conflict:
            statement = statement.on_conflict_do_update(
                index_elements=list(conflict), set_={c: statement.excluded[c] for c in update}
            )
        compiled = statement.compile(dialect=dialect, column_keys=names)
        if list(compiled.positiontup or []) != names:
            raise ValueError(f"{table.name}: the statement binds {compiled.positiontup}")
        for rows in batches:
            connection.exec_driver_sql(compiled.string, rows)
    else:
        raise StoreError(f"peerweave stores data in SQLite or PostgreSQL, not {dialect.name}")
    return n


def _postgres_copy(
    connection: Connection,
    table: Table,
    names: list[str],
    batches: Iterator[list[tuple[Any, ...]]],
) -> None:
    quote = connection.dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)})"
    statement = f"COPY {target} FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = connection.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for rows in batches:
                for row in rows:
                    copy.write_row(row)
    except dbapi.Error as exc:
        # The same exception SQLAlchemy raises for its own statements (IntegrityError …).
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def _postgres_insert(
    connection: Connection,
    table: Table,
    names: list[str],
    batches: Iterator[list[tuple[Any, ...]]],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    if not conflict:
        _postgres_copy(connection, table, names, batches)
        return
    stage = Table(
        f"stage_{table.name}",
        MetaData(),
        *(Column(n, table.c[n].type) for n in names),
        prefixes=["TEMPORARY"],
    )
    stage.create(connection)
    _postgres_copy(connection, stage, names, batches)
    statement = postgresql.insert(table).from_select(names, select(*stage.c))
    statement = statement.on_conflict_do_update(
        index_elements=list(conflict), set_={c: statement.excluded[c] for c in update}
    )
    connection.execute(statement)
    stage.drop(connection)


def frame_of(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame of object columns from result rows (converted per column by the caller)."""
    data = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(
        {
            name: pd.Series(list(values), dtype=object)
            for name, values in zip(columns, data, strict=True)
        }
    )
