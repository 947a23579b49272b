"""Audit rows written together: :class:`AuditWriter` (on the app's workspace).

Leads' pages write an audit row on every view of someone's data: under load that is a
transaction per request, each costing more than the cached page itself. The writer gives
concurrent requests' rows one transaction (group commit): the first request to arrive
writes every row queued by then, the others wait for it; a request returns only once its
own row is committed, as with one transaction each. Rows keep the time of their view.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from peerweave.store import Store
from peerweave.store.tables import audit_log

__all__ = ["AuditWriter"]


@dataclass
class _Slot:
    """One row's wait: set when the row is committed (or failed), or its request leads."""

    row: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    error: BaseException | None = None


class AuditWriter:
    """Write audit rows in batches; :meth:`write` returns once the row is committed.

    >>> from peerweave.store.accounts import load_audit
    >>> with Store.init("sqlite://") as store:
    ...     writer = AuditWriter(store)
    ...     writer.write(viewer="ana", action="view person", subject_person_id="P1")
    ...     with store.transaction() as session:
    ...         load_audit(session=session)[["viewer", "subject_person_id"]].values.tolist()
    [['ana', 'P1']]
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches = 0
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._writing = False

    def write(
        self, *, viewer: str, action: str, subject_person_id: str | None = None, detail: str = ""
    ) -> None:
        """Audit ``viewer`` doing ``action`` (on ``subject_person_id``'s data), as
        :func:`peerweave.store.accounts.write_audit` does, sharing a transaction with the
        rows other requests write meanwhile."""
        slot = _Slot(
            {
                "at": datetime.now(UTC).replace(tzinfo=None),
                "viewer": viewer,
                "action": action[:40],
                "subject_person_id": subject_person_id,
                "detail": detail,
            }
        )
        with self._lock:
            self._queue.append(slot)
            leads = not self._writing
            self._writing = True
        if not leads:
            slot.done.wait()
            if not slot.lead:  # written by the request that led
                if slot.error is not None:
                    raise slot.error
                return
        self._write_queued()
        if slot.error is not None:
            raise slot.error

    def _write_queued(self) -> None:
        """Write every queued row in one transaction; hand the lead to the first row queued
        meanwhile (its request writes the next batch)."""
        with self._lock:
            batch, self._queue = self._queue, []
        error: BaseException | None = None
        try:
            with self.store.engine.begin() as connection:
                connection.execute(insert(audit_log), [slot.row for slot in batch])
        except BaseException as exc:  # every waiting request gets it
            error = exc
        with self._lock:
            self.batches += 1
            following = self._queue[0] if self._queue else None
            if following is None:
                self._writing = False
            else:
                following.lead = True
        for slot in batch:
            slot.lead = False
            slot.error = error
            slot.done.set()
        if following is not None:
            following.done.set()
