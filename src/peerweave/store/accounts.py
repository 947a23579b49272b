"""Web app accounts (``users``) and the audit log of who viewed or changed what.

Passwords arrive here already hashed (``peerweave.web.auth.hash_password``): the store
never sees a password. Usernames are stored as given, trimmed; they compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import delete, desc, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerweave.errors import InputError, Problem, UnknownIdError
from peerweave.store._frames import utcnow
from peerweave.store.tables import USER_ROLES, audit_log, users
from peerweave.store.tables import people as people_table

__all__ = [
    "AUDIT_COLUMNS",
    "USER_COLUMNS",
    "Account",
    "add_user",
    "clear_login_failures",
    "end_sessions",
    "get_user",
    "link_user",
    "list_users",
    "load_audit",
    "record_login_failure",
    "remove_user",
    "set_password",
    "set_role",
    "write_audit",
]

#: Columns of ``list_users`` (never the password hash).
USER_COLUMNS: tuple[str, ...] = (
    "username",
    "role",
    "person_id",
    "created_at",
    "failed_logins",
    "locked_until",
)

#: Columns of ``load_audit``.
AUDIT_COLUMNS: tuple[str, ...] = ("id", "at", "viewer", "action", "subject_person_id", "detail")

#: The longest username.
MAX_USERNAME = 64


@dataclass(frozen=True)
class Account:
    """One stored account, its password hash included (for checking a login)."""

    username: str
    password_hash: str
    role: str
    person_id: str | None
    created_at: datetime
    failed_logins: int
    locked_until: datetime | None
    #: Sessions issued under another epoch are over (see :func:`end_sessions`).
    session_epoch: int = 0


def _username(username: str) -> str:
    name = str(username).strip()
    if not name or len(name) > MAX_USERNAME or any(c.isspace() for c in name):
        raise InputError(
            "USERNAME",
            Problem(
                f"{username!r} is not a username",
                fix=f"use 1 to {MAX_USERNAME} characters without spaces",
            ),
        )
    return name


def _role(role: str) -> str:
    if role not in USER_ROLES:
        raise InputError(
            "--role", Problem(f"no role {role!r}", fix=f"choose {', '.join(USER_ROLES)}")
        )
    return role


def _person(session: Session, person_id: str | None) -> str | None:
    if person_id is None:
        return None
    person = str(person_id).strip()
    found = session.scalar(
        select(people_table.c.person_id).where(people_table.c.person_id == person)
    )
    if found is None:
        raise UnknownIdError(
            f"no person {person!r} is stored (import the people file first, or check the id)"
        )
    return person


def get_user(*, session: Session, username: str) -> Account | None:
    """The account ``username``, or ``None`` when there is none.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     add_user(session=session, username="ada", password_hash="h", role="admin")
    ...     get_user(session=session, username="ada").role, get_user(session=session, username="x")
    ('admin', None)
    """
    row = session.execute(select(users).where(users.c.username == str(username).strip())).first()
    if row is None:
        return None
    return Account(
        username=row.username,
        password_hash=row.password_hash,
        role=row.role,
        person_id=row.person_id,
        created_at=row.created_at,
        failed_logins=int(row.failed_logins),
        locked_until=row.locked_until,
        session_epoch=int(row.session_epoch),
    )


def add_user(
    *,
    session: Session,
    username: str,
    password_hash: str,
    role: str,
    person_id: str | None = None,
) -> None:
    """Store a new account; ``InputError`` when the name is taken or the role unknown.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     add_user(session=session, username="ada", password_hash="h", role="admin")
    ...     add_user(session=session, username="ada", password_hash="h", role="admin")
    Traceback (most recent call last):
    ...
    peerweave.errors.InputError: USERNAME: there is already an account 'ada' ...
    """
    name, kind = _username(username), _role(role)
    person = _person(session, person_id)
    if get_user(session=session, username=name) is not None:
        raise InputError(
            "USERNAME",
            Problem(
                f"there is already an account {name!r}",
                fix="choose another name, or change this one with `peerweave user set-role`",
            ),
        )
    try:
        with session.begin_nested():
            session.execute(
                insert(users).values(
                    username=name,
                    password_hash=password_hash,
                    role=kind,
                    person_id=person,
                    created_at=utcnow(),
                    failed_logins=0,
                )
            )
    except IntegrityError:  # a concurrent add of the same name
        raise InputError(
            "USERNAME", Problem(f"there is already an account {name!r}", fix="choose another name")
        ) from None


def _update(session: Session, username: str, **values: object) -> None:
    done = session.execute(
        update(users).where(users.c.username == str(username).strip()).values(**values)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise UnknownIdError(f"no account {username!r} (`peerweave user list` shows them)")


def set_role(*, session: Session, username: str, role: str) -> None:
    """Give account ``username`` the role ``role`` (``UnknownIdError`` if no such account)."""
    _update(session, username, role=_role(role))


def set_password(*, session: Session, username: str, password_hash: str) -> None:
    """Replace the password hash of ``username``, unlock the account and end its sessions."""
    _update(
        session,
        username,
        password_hash=password_hash,
        failed_logins=0,
        locked_until=None,
        session_epoch=users.c.session_epoch + 1,
    )


def link_user(*, session: Session, username: str, person_id: str | None) -> None:
    """Link account ``username`` to the person ``person_id`` (``None`` unlinks it).

    >>> from peerweave.store import Store, add_people_stubs, record_import
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     run = record_import(session=session, kind="ties", files=["t.csv"],
    ...                         rows_read=0, records=0, report={})
    ...     _ = add_people_stubs(session=session, person_ids=["P1"], import_id=run)
    ...     add_user(session=session, username="bo", password_hash="h", role="member")
    ...     link_user(session=session, username="bo", person_id="P1")
    ...     get_user(session=session, username="bo").person_id
    'P1'
    """
    _update(session, username, person_id=_person(session, person_id))


def remove_user(*, session: Session, username: str) -> None:
    """Delete account ``username`` (its audit rows stay)."""
    done = session.execute(delete(users).where(users.c.username == str(username).strip()))
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise UnknownIdError(f"no account {username!r} (`peerweave user list` shows them)")


def list_users(*, session: Session) -> pd.DataFrame:
    """Every account (``USER_COLUMNS``, no password hashes), by username.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     list_users(session=session).columns.tolist()[:3]
    ['username', 'role', 'person_id']
    """
    rows = session.execute(
        select(*(users.c[c] for c in USER_COLUMNS)).order_by(users.c.username)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(USER_COLUMNS))
    frame["failed_logins"] = frame["failed_logins"].astype("int64")
    return frame


def record_login_failure(
    *, session: Session, username: str, max_failures: int, lock_for: timedelta
) -> datetime | None:
    """Count one failed login of ``username``; lock it for ``lock_for`` at ``max_failures``.

    Returns when the lock ends (``None`` while not locked). The count starts again after a lock.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     add_user(session=session, username="ada", password_hash="h", role="admin")
    ...     first = record_login_failure(session=session, username="ada", max_failures=2,
    ...                                  lock_for=timedelta(minutes=15))
    ...     second = record_login_failure(session=session, username="ada", max_failures=2,
    ...                                   lock_for=timedelta(minutes=15))
    >>> first is None, second is not None
    (True, True)
    """
    account = get_user(session=session, username=username)
    if account is None:
        return None
    failures = account.failed_logins + 1
    until = None
    if failures >= max_failures:
        until = utcnow() + lock_for
        failures = 0
    _update(session, username, failed_logins=failures, locked_until=until or account.locked_until)
    return until


def clear_login_failures(*, session: Session, username: str) -> None:
    """A successful login: forget the failures and any lock."""
    _update(session, username, failed_logins=0, locked_until=None)


def write_audit(
    *,
    session: Session,
    viewer: str,
    action: str,
    subject_person_id: str | None = None,
    detail: str = "",
) -> None:
    """Write one audit row: ``viewer`` did ``action`` (on ``subject_person_id``'s data).

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     write_audit(session=session, viewer="ada", action="view person", detail="P1")
    ...     load_audit(session=session)[["viewer", "action", "detail"]].to_dict("records")
    [{'viewer': 'ada', 'action': 'view person', 'detail': 'P1'}]
    """
    session.execute(
        insert(audit_log).values(
            at=utcnow(),
            viewer=viewer,
            action=action[:40],
            subject_person_id=subject_person_id,
            detail=detail,
        )
    )


def load_audit(
    *, session: Session, limit: int | None = None, subject_person_id: str | None = None
) -> pd.DataFrame:
    """Audit rows (``AUDIT_COLUMNS``), newest first; at most ``limit``; of one subject."""
    query = select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).order_by(
        desc(audit_log.c.at), desc(audit_log.c.id)
    )
    if subject_person_id is not None:
        query = query.where(audit_log.c.subject_person_id == subject_person_id)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(AUDIT_COLUMNS))
    frame["id"] = frame["id"].astype("int64")
    return frame


def end_sessions(*, session: Session, username: str) -> int:
    """End every web session of ``username`` (logging out, or a lost laptop): the account's
    session epoch moves on, so cookies issued before are nobody's. Returns the new epoch;
    ``UnknownIdError`` when there is no such account.

    >>> from peerweave.store import Store
    >>> with Store.init("sqlite://") as store, store.transaction() as session:
    ...     add_user(session=session, username="ada", password_hash="h", role="admin")
    ...     end_sessions(session=session, username="ada"), end_sessions(session=session, username="ada")
    (1, 2)
    """
    account = get_user(session=session, username=username)
    if account is None:
        raise UnknownIdError(f"no account {username!r}: `peerweave user list` shows them")
    epoch = account.session_epoch + 1
    session.execute(
        update(users).where(users.c.username == account.username).values(session_epoch=epoch)
    )
    return epoch
