"""The web app's read cache: what the pages compute from the database, kept while the data
it comes from is unchanged; and the SQLite settings a busy web app needs.

:class:`WebCache` (one per app, on ``app.state.cache``) keeps two kinds of entries:

- *frames*: whole-table results every page shares (the people directory of a role, the
  ties per person, the latest metrics…), kept while their data stands;
- *results*: the dict one page shows one kind of viewer (an analyst's pseudonymised person
  page, the admins' overview…), at most ``max_results`` of them, least recently used
  first out. Their keys name the role (and the person) whenever the output depends on them,
  so an analyst's pseudonymised dict is never served to an admin, nor the reverse.

Each entry names the parts of the data it is made from (:data:`GROUPS`: the organization —
people, ties, skills, imports —, the analysis runs, the learning ledger; all three unless
it says otherwise), and is made again once one of them changed:

- **at once** after a transaction of this process wrote to a table of the part
  (:func:`watch_writes`: the engine marks a connection that ran an ``INSERT``, ``UPDATE``
  or ``DELETE``, and the mark is read when the connection goes back to the pool, after its
  commit) — whichever route or command wrote; a write to a table outside every part
  (circles, initiatives…) leaves the entries as they are, one the store does not know (or
  DDL) renews them all; the accounts and the audit log never do;
- **within** ``check_seconds`` after another process wrote (the CLI, another worker of
  ``peerweave serve --workers N``): a one-statement fingerprint of each part
  (:func:`data_fingerprint`) is read again when that long has passed.

Reading an entry never writes: audit rows are written by the routes on every view, cached
or not. Values are shared between requests: treat them as read-only.

>>> from peerweave.store import Store
>>> store = Store.init("sqlite://")
>>> cache = WebCache(store)
>>> cache.get(("answer",), lambda: 42), cache.get(("answer",), lambda: 0)
(42, 42)
>>> cache.bump({"analysis"})
>>> cache.get(("answer",), lambda: 7), cache.get(("ties",), lambda: 1, depends=("org",))
(7, 1)
>>> cache.bump({"learning"})
>>> cache.get(("ties",), lambda: 2, depends=("org",))
1
>>> store.close()
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pandas as pd
from sqlalchemy import Engine, Integer, event, func, select

from peerweave.store import Store
from peerweave.store import tables as t
from peerweave.web.audit import AuditWriter
from peerweave.workspace import HealthResult, RecognitionResult, Workspace

if TYPE_CHECKING:
    from peerweave.learning.matching import MatchOptions
    from peerweave.network.graph import OrgGraph
    from peerweave.workspace import PathLike, _LearningInputs

__all__ = [
    "ALL",
    "GROUPS",
    "UNWATCHED_TABLES",
    "WebCache",
    "WebWorkspace",
    "data_fingerprint",
    "statement_writes",
    "tune_sqlite",
    "watch_writes",
    "written_groups",
]

T = TypeVar("T")

#: The parts of the data cached values are made from, and their tables.
GROUPS: dict[str, frozenset[str]] = {
    "org": frozenset({"imports", "people", "ties", "person_skills"}),
    "analysis": frozenset({"analysis_runs", "person_metrics"}),
    "learning": frozenset(
        {
            "learning_sessions",
            "session_feedback",
            "endorsements",
            "match_rounds",
            "round_matches",
            "round_unmatched",
        }
    ),
}

#: Every part: what an entry depends on unless it says otherwise.
ALL: tuple[str, ...] = tuple(GROUPS)

#: Tables whose writes leave every cached page as it is: accounts (logins count failures)
#: and the audit log (written on every view of someone's data).
UNWATCHED_TABLES = frozenset({"audit_log", "users"})

_WRITE = re.compile(
    r"""\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)
    \s+["`\[]?(\w+)""",
    re.IGNORECASE | re.VERBOSE,
)
_READ = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "EXPLAIN")
_WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
_MARK = "peerweave_cache_wrote"
_ACCOUNTS_MARK = "peerweave_cache_accounts"


def written_groups(statement: str) -> frozenset[str]:
    """The parts of the data (:data:`GROUPS`) an SQL statement may change: none for reads,
    the audit log and the accounts (:data:`UNWATCHED_TABLES`) and tables of no part; every
    part for a table the store does not know, DDL or a ``WITH`` that writes.

    >>> sorted(written_groups("INSERT INTO learning_sessions (learner_id) VALUES (?)"))
    ['learning']
    >>> written_groups("INSERT INTO audit_log (at) VALUES (?)"), written_groups("SELECT 1")
    (frozenset(), frozenset())
    >>> written_groups("DELETE FROM circle_members"), len(written_groups("ALTER TABLE x"))
    (frozenset(), 3)
    """
    found = _WRITE.match(statement)
    if found is not None:
        table = found.group(1).lower()
        if table in UNWATCHED_TABLES:
            return frozenset()
        parts = frozenset(g for g, tables in GROUPS.items() if table in tables)
        return parts if parts or table in t.metadata.tables else frozenset(ALL)
    head = statement.lstrip()[:9].upper()
    if head.startswith(_READ):
        return frozenset()
    if head.startswith("WITH") and _WRITE_WORD.search(statement) is None:
        return frozenset()
    return frozenset(ALL)


def statement_writes(statement: str) -> bool:
    """Whether an SQL statement may change data the cache holds (:func:`written_groups`).

    >>> statement_writes('INSERT INTO learning_sessions (learner_id) VALUES (?)')
    True
    >>> statement_writes('UPDATE "users" SET failed_logins=?'), statement_writes("ALTER TABLE x")
    (False, True)
    """
    return bool(written_groups(statement))


def watch_writes(
    engine: Engine,
    on_write: Callable[[frozenset[str]], None],
    on_accounts: Callable[[], None] = lambda: None,
) -> None:
    """Call ``on_write`` with the parts written each time a connection of ``engine`` that
    ran a writing statement (:func:`written_groups`) goes back to the pool — after its
    transaction committed or rolled back, so a reader that starts afterwards sees the new
    data; ``on_accounts`` the same for a write to the accounts (``users``)."""

    def mark(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        parts = written_groups(statement)
        if parts:
            conn.info[_MARK] = conn.info.get(_MARK, frozenset()) | parts
        else:
            found = _WRITE.match(statement)
            if found is not None and found.group(1).lower() == "users":
                conn.info[_ACCOUNTS_MARK] = True

    def returned(_dbapi_connection: Any, record: Any) -> None:
        if record is None:
            return
        if record.info.pop(_ACCOUNTS_MARK, False):
            on_accounts()
        parts = record.info.pop(_MARK, None)
        if parts:
            on_write(parts)

    event.listen(engine, "before_cursor_execute", mark)
    event.listen(engine, "checkin", returned)


def data_fingerprint(store: Store) -> dict[str, tuple[Any, ...]]:
    """What changes in each part of the data (:data:`GROUPS`) when another process writes,
    read in one statement: the newest import and the number of skills (``org``); the
    newest analysis run (``analysis``); the newest matching round, the sessions' count,
    newest id and number of each date (a status change sets one), the feedback and the
    endorsements (``learning``).

    >>> with Store.init("sqlite://") as store:
    ...     data_fingerprint(store)
    {'org': (None, 0), 'analysis': (None,), 'learning': (None, 0, None, 0, 0, 0, 0, 0, 0)}
    """
    s = t.learning_sessions

    def newest(table: Any) -> Any:
        return select(func.max(table.c.id)).scalar_subquery()

    def count(table: Any) -> Any:
        return select(func.count()).select_from(table).scalar_subquery()

    query = select(
        newest(t.imports),
        count(t.person_skills),
        newest(t.analysis_runs),
        newest(t.match_rounds),
        func.count(),
        func.max(s.c.session_id),
        func.count(s.c.scheduled_for),
        func.count(s.c.held_at),
        func.count(s.c.cancelled_at),
        func.count(s.c.applied_at),
        count(t.session_feedback),
        count(t.endorsements),
    ).select_from(s)
    with store.engine.connect() as connection:
        row = tuple(connection.execute(query).one())
    return {"org": row[:2], "analysis": row[2:3], "learning": row[3:]}


def tune_sqlite(engine: Engine) -> None:
    """Write-ahead logging and ``synchronous=NORMAL`` for a SQLite database file: readers
    never wait for a writer, and a short transaction (an audit row) no longer waits for the
    disk twice (about 0.2 ms instead of 25 ms here). The journal mode stays with the file
    (``-wal`` and ``-shm`` files appear beside it while it is open); a commit survives a
    crash of the app, and the database stays consistent even after a power cut. Other
    databases are left as they are."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # locked by another: as it is
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    event.listen(engine, "connect", pragmas)
    engine.dispose()  # connections opened before get the settings when they reconnect


class WebCache:
    """Cached frames and results, each made again when a part of the data it depends on
    changed (see the module).

    ``check_seconds`` is how often the database fingerprint is read again (writes of other
    processes show within it; 0: on every use); ``max_results`` bounds the results kept.
    """

    def __init__(self, store: Store, *, check_seconds: float = 1.0, max_results: int = 4096):
        if check_seconds < 0 or max_results < 1:
            raise ValueError("check_seconds must be ≥ 0 and max_results ≥ 1")
        self.store = store
        self.check_seconds = check_seconds
        self.max_results = max_results
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._generation = 0
        self._versions = dict.fromkeys(ALL, 0)
        self._fingerprint: dict[str, tuple[Any, ...]] | None = None
        self._next_check = 0.0
        self._frames: dict[Hashable, tuple[tuple[int, ...], Any]] = {}
        self._results: OrderedDict[Hashable, tuple[tuple[int, ...], Any]] = OrderedDict()
        self._pending: dict[tuple[Hashable, tuple[int, ...]], threading.Event] = {}
        self._account_writes = 0
        self._accounts: dict[str, tuple[Any, int, float]] = {}
        watch_writes(store.engine, self.bump, self._accounts_changed)

    @property
    def generation(self) -> int:
        """How many changes of the data were seen (it only grows)."""
        return self._generation

    def bump(self, parts: Collection[str] = ALL) -> None:
        """These parts of the data changed: their entries are made again (and the
        fingerprint is read again soon)."""
        with self._lock:
            for part in parts:
                self._versions[part] += 1
            self._generation += 1
            self._next_check = 0.0

    def _check(self) -> None:
        """Read the fingerprint if it is due (one thread at a time; the others go on)."""
        now = time.monotonic()
        if now < self._next_check or not self._checking.acquire(blocking=False):
            return
        try:
            fingerprint = data_fingerprint(self.store)
            with self._lock:
                if self._fingerprint is not None:
                    changed = [p for p in ALL if fingerprint[p] != self._fingerprint[p]]
                    for part in changed:
                        self._versions[part] += 1
                    self._generation += bool(changed)
                self._fingerprint = fingerprint
                self._next_check = now + self.check_seconds
        finally:
            self._checking.release()

    def get(
        self,
        key: Hashable,
        compute: Callable[[], T],
        *,
        frame: bool = False,
        depends: Sequence[str] = ALL,
        valid: Callable[[T], bool] | None = None,
    ) -> T:
        """The entry ``key`` as the parts ``depends`` now stand, computed by ``compute``
        when missing (once: requests asking for it meanwhile wait for that computation) or
        when ``valid`` says the kept one is not. ``frame=True`` keeps it until one of its
        parts changes; otherwise it is a result, also evicted when more than
        ``max_results`` are kept."""
        self._check()
        kept = self._frames if frame else self._results
        while True:
            with self._lock:
                version = tuple(self._versions[p] for p in depends)
                entry = kept.get(key)
                if (
                    entry is not None
                    and entry[0] == version
                    and (valid is None or valid(cast(T, entry[1])))
                ):
                    self.hits += 1
                    if not frame:
                        self._results.move_to_end(key)
                    return cast(T, entry[1])
                waiting = self._pending.get((key, version))
                if waiting is None:
                    done = threading.Event()
                    self._pending[(key, version)] = done
                    self.misses += 1
                    break
            waiting.wait()
        try:
            value = compute()
        finally:
            with self._lock:
                del self._pending[(key, version)]
            done.set()
        with self._lock:
            if tuple(self._versions[p] for p in depends) == version:
                kept[key] = (version, value)
                if not frame:
                    self._results.move_to_end(key)
                    while len(self._results) > self.max_results:
                        self._results.popitem(last=False)
        return value

    def put(self, key: Hashable, value: Any, *, depends: Sequence[str] = ALL) -> None:
        """Keep ``value`` as the result ``key`` of the data as it stands (replacing it)."""
        with self._lock:
            self._results[key] = (tuple(self._versions[p] for p in depends), value)
            self._results.move_to_end(key)
            while len(self._results) > self.max_results:
                self._results.popitem(last=False)

    def clear(self) -> None:
        """Make every entry again (as after a change of every part)."""
        self.bump()

    def _accounts_changed(self) -> None:
        with self._lock:
            self._account_writes += 1
            self._accounts.clear()

    def account(self, username: str, read: Callable[[], T]) -> T:
        """``read()`` — the account ``username`` as the database has it — read again once
        it is ``check_seconds`` old, and at once after this process wrote to the accounts
        (a role set, sessions ended): an account changed by another process counts within
        ``check_seconds``.

        >>> from peerweave.store import Store
        >>> with Store.init("sqlite://") as store:
        ...     cache = WebCache(store, check_seconds=60)
        ...     cache.account("ana", lambda: "analyst"), cache.account("ana", lambda: "admin")
        ('analyst', 'analyst')
        """
        now = time.monotonic()
        with self._lock:
            kept = self._accounts.get(username)
            fresh = kept is not None and now - kept[2] < self.check_seconds
            if kept is not None and fresh and kept[1] == self._account_writes:
                return cast(T, kept[0])
            writes = self._account_writes
        value = read()
        with self._lock:
            if writes == self._account_writes:
                if len(self._accounts) >= self.max_results:
                    self._accounts.clear()
                self._accounts[username] = (value, writes, now)
        return value


#: The parts the workspace's reads depend on.
_ORG: tuple[str, ...] = ("org",)
_LEDGER: tuple[str, ...] = ("org", "learning")  # the ledger leaves out who opted out


class WebWorkspace(Workspace):
    """The web app's :class:`Workspace`: its large reads (people, ties, skills, the graph,
    analysis runs and metrics, sessions, the learning inputs, recognition, health, peers)
    go through :attr:`cache` (a :class:`WebCache`), so every route module shares one read
    of each while the data stands. Frames come back as shallow copies (pandas copies on
    write: a caller may add columns freely). People and the graph are checked at each read
    besides (:meth:`people`): an opt-out shows at once, whoever wrote it. Circles,
    initiatives and adoptions are read afresh. Without a cache it is a plain workspace.
    :attr:`audit` writes the audit rows of concurrent requests together
    (:class:`~peerweave.web.audit.AuditWriter`; ``views._audit`` uses it).

    >>> with WebWorkspace.open("sqlite://", create=True) as ws:
    ...     ws.cache = WebCache(ws.store)
    ...     ws.skills() is not ws.skills(), ws.cache.hits
    (True, 1)
    """

    cache: WebCache | None = None
    audit: AuditWriter | None = None

    def _kept(
        self,
        key: tuple[Hashable, ...],
        compute: Callable[[], T],
        *,
        depends: Sequence[str],
        frame: bool = True,
        valid: Callable[[T], bool] | None = None,
    ) -> T:
        if self.cache is None:
            return compute()
        value = self.cache.get(
            ("workspace", *key), compute, frame=frame, depends=depends, valid=valid
        )
        if isinstance(value, pd.DataFrame):
            return cast(T, value.copy(deep=False))
        return value

    def _people_now(self) -> tuple[Any, ...]:
        """The number of people, of those who opted out, and the newest update: one
        statement (a few milliseconds at 10,000 people)."""
        p = t.people
        query = select(
            func.count(), func.sum(p.c.opted_out.cast(Integer)), func.max(p.c.updated_at)
        )
        with self.store.engine.connect() as connection:
            return tuple(connection.execute(query).one())

    def people(self, *, include_left: bool = False) -> pd.DataFrame:
        """The people table, kept while the organization's data stands and the number of
        people, of those who opted out and the newest update, checked at every call, are
        the same (an opt-out shows at once, whoever wrote it)."""
        read = super().people
        if self.cache is None:
            return read(include_left=include_left)
        now = self._people_now()
        _, people = self._kept(
            ("people", include_left),
            lambda: (now, read(include_left=include_left)),
            depends=_ORG,
            valid=lambda kept: kept[0] == now,
        )
        return people.copy(deep=False)

    def graph(
        self,
        *,
        kinds: Sequence[str] | None = None,
        start: object = None,
        end: object = None,
    ) -> OrgGraph:
        """The graph (:meth:`Workspace.graph`), kept as :meth:`people` is."""
        read = super().graph
        if self.cache is None:
            return read(kinds=kinds, start=start, end=end)
        now = self._people_now()
        _, graph = self._kept(
            ("graph", None if kinds is None else tuple(kinds), str(start), str(end)),
            lambda: (now, read(kinds=kinds, start=start, end=end)),
            depends=_ORG,
            valid=lambda kept: kept[0] == now,
        )
        return graph

    def ties(self, *, kinds: Sequence[str] | None = None) -> pd.DataFrame:
        read = super().ties
        key = ("ties", None if kinds is None else tuple(kinds))
        return self._kept(key, lambda: read(kinds=kinds), depends=_ORG)

    def skills(self) -> pd.DataFrame:
        return self._kept(("skills",), super().skills, depends=_ORG)

    def analysis_runs(self) -> pd.DataFrame:
        return self._kept(("analysis runs",), super().analysis_runs, depends=("analysis",))

    def person_metrics(self, run_id: int | None = None) -> pd.DataFrame:
        read = super().person_metrics
        return self._kept(("person metrics", run_id), lambda: read(run_id), depends=("analysis",))

    def sessions(
        self,
        *,
        person: str | None = None,
        status: str | None = None,
        skill: str | None = None,
        include_opted_out: bool = False,
    ) -> pd.DataFrame:
        read = super().sessions
        return self._kept(
            ("sessions", person, status, skill, include_opted_out),
            lambda: read(
                person=person, status=status, skill=skill, include_opted_out=include_opted_out
            ),
            depends=_LEDGER,
            frame=person is None,
        )

    def _learning_inputs(self) -> _LearningInputs:
        return self._kept(("learning inputs",), super()._learning_inputs, depends=_LEDGER)

    def recognition(
        self,
        *,
        skill: str | None = None,
        discount: float | None = None,
        tree: PathLike | None = None,
        export: PathLike | None = None,
    ) -> RecognitionResult:
        read = super().recognition
        if tree is not None or export is not None:  # files to write: not a plain read
            return read(skill=skill, discount=discount, tree=tree, export=export)
        return self._kept(
            ("recognition", skill, discount),
            lambda: read(skill=skill, discount=discount),
            depends=_LEDGER,
            frame=skill is None,
        )

    def health(
        self,
        *,
        by: str = "department",
        start: object = None,
        end: object = None,
        min_group_size: int = 5,
    ) -> HealthResult:
        read = super().health
        return self._kept(
            ("health", by, str(start), str(end), min_group_size),
            lambda: read(by=by, start=start, end=end, min_group_size=min_group_size),
            depends=_LEDGER,
        )

    def peers(
        self,
        person: str,
        skill: str,
        *,
        options: MatchOptions | None = None,
        limit: int = 10,
    ) -> pd.DataFrame:
        read = super().peers
        return self._kept(
            ("peers", person, skill, repr(options), limit),
            lambda: read(person, skill, options=options, limit=limit),
            depends=_LEDGER,
            frame=False,
        )
