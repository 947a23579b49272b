"""Logging in: argon2 password hashes, the signed session cookie, CSRF tokens, rate limits.

The session cookie holds ``{"u": username or None, "c": csrf token}`` signed and dated
by itsdangerous: it cannot be forged without the secret key and it expires
``session_max_age`` seconds after login. The CSRF token (synchronizer pattern) lives in
that signed cookie and must come back with every form POST (field ``csrf_token``) and every
state-changing API call (header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from peerweave.errors import PeerweaveError
from peerweave.store._frames import utcnow
from peerweave.store.accounts import (
    Account,
    clear_login_failures,
    get_user,
    record_login_failure,
)
from peerweave.web.settings import WebSettings
from peerweave.workspace import Workspace

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginLimiter",
    "LoginRefused",
    "SessionData",
    "authenticate",
    "csrf_matches",
    "hash_password",
    "new_session",
    "read_session",
    "sign_session",
    "verify_password",
]

#: The form field and the header that carry the CSRF token.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

#: What every refused login says: never whether the account exists.
WRONG = "wrong username or password"
LOCKED = "too many failed logins: try again in {minutes} minutes"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginRefused(PeerweaveError):
    """A login that failed (the message is the same whether the user exists or not)."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its salt and parameters encoded in it).

    >>> h = hash_password("correct horse")
    >>> h.startswith("$argon2id$"), verify_password(h, "correct horse"), verify_password(h, "x")
    (True, True, False)
    """
    if len(password) < 8:
        raise PeerweaveError("the password is too short: use at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (``False`` for a malformed hash)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SessionData:
    """What the session cookie says: who is logged in (``None``: nobody yet), the CSRF
    token and the account's session epoch it was issued under (a later logout moves the
    epoch on and ends it); ``expired`` when a cookie came back too old."""

    username: str | None
    csrf: str
    expired: bool = False
    epoch: int = 0


def new_session(username: str | None, epoch: int = 0) -> SessionData:
    """A fresh session (a new CSRF token) for ``username`` under the account's ``epoch``.

    >>> s = new_session("ada", epoch=3)
    >>> s.username, len(s.csrf) > 20, s.epoch
    ('ada', True, 3)
    """
    return SessionData(username, secrets.token_urlsafe(32), epoch=epoch)


def _serializer(settings: WebSettings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="peerweave-session")


def sign_session(session: SessionData, settings: WebSettings) -> str:
    """The cookie value of ``session``: signed and dated.

    >>> s = WebSettings("sqlite://", "k" * 32)
    >>> read_session(sign_session(SessionData("ada", "t", epoch=2), s), s)
    SessionData(username='ada', csrf='t', expired=False, epoch=2)
    """
    return _serializer(settings).dumps(
        {"u": session.username, "c": session.csrf, "e": session.epoch}
    )


def read_session(cookie: str | None, settings: WebSettings) -> SessionData | None:
    """The session a cookie carries; ``None`` when there is none or it is forged.

    An expired cookie gives ``SessionData(None, …, expired=True)``: nobody is logged in.

    >>> s = WebSettings("sqlite://", "k" * 32)
    >>> read_session("forged.value.here", s) is None
    True
    """
    if not cookie:
        return None
    try:
        data = _serializer(settings).loads(cookie, max_age=settings.session_max_age)
    except SignatureExpired:
        return SessionData(None, secrets.token_urlsafe(32), expired=True)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    user = data.get("u")
    epoch = data.get("e", 0)
    return SessionData(
        user if isinstance(user, str) else None,
        data["c"],
        epoch=epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else -1,
    )


def csrf_matches(session: SessionData | None, token: str | None) -> bool:
    """Whether ``token`` is the session's CSRF token (compared in constant time).

    >>> s = SessionData("ada", "abc")
    >>> csrf_matches(s, "abc"), csrf_matches(s, "abd"), csrf_matches(None, "abc"), csrf_matches(s, None)
    (True, False, False, False)
    """
    if session is None or not token:
        return False
    return hmac.compare_digest(session.csrf.encode(), token.encode())


class LoginLimiter:
    """Failed logins per client address and per unknown username, in memory.

    Known usernames count their failures in the ``users`` table (so a restart does not
    unlock them); unknown ones count here, so both look the same from outside. An address
    or name reaching its limit is locked for ``lock_minutes``.

    >>> lim = LoginLimiter(max_failures=2, lock_minutes=15)
    >>> lim.fail("ip:1.2.3.4"); lim.locked("ip:1.2.3.4")
    False
    >>> lim.fail("ip:1.2.3.4"); lim.locked("ip:1.2.3.4")
    True
    """

    def __init__(self, *, max_failures: int, lock_minutes: int) -> None:
        self.max_failures = max_failures
        self.lock_seconds = lock_minutes * 60.0
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, key: str) -> bool:
        """Whether ``key`` is locked now."""
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if until <= time.monotonic():
                del self._until[key]
                return False
            return True

    def fail(self, key: str) -> None:
        """Count one failure of ``key``; lock it at the limit."""
        with self._lock:
            count = self._failures.get(key, 0) + 1
            if count >= self.max_failures:
                self._until[key] = time.monotonic() + self.lock_seconds
                count = 0
            self._failures[key] = count
            if len(self._failures) > 100_000:  # a flood of made-up names: forget the oldest
                for old in list(self._failures)[:50_000]:
                    del self._failures[old]

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (a successful login)."""
        with self._lock:
            self._failures.pop(key, None)


def authenticate(
    ws: Workspace,
    username: str,
    password: str,
    *,
    client: str,
    settings: WebSettings,
    addresses: LoginLimiter,
    names: LoginLimiter,
) -> Account:
    """The account ``username`` if ``password`` is right and nothing is locked.

    Raises :class:`LoginRefused` with the same message for an unknown user and a wrong
    password; a locked account or address is refused even with the right password.
    """
    name = str(username).strip()
    minutes = settings.login_lock_minutes
    locked = LoginRefused(LOCKED.format(minutes=minutes))
    if addresses.locked(f"ip:{client}"):
        raise locked
    with ws.store.transaction() as session:
        account = get_user(session=session, username=name) if name else None
    if account is None:
        verify_password(_DUMMY_HASH, password)  # the same time as for a real account
        addresses.fail(f"ip:{client}")
        if names.locked(f"user:{name}"):
            raise locked
        names.fail(f"user:{name}")
        raise LoginRefused(WRONG)
    if account.locked_until is not None and account.locked_until > utcnow():
        addresses.fail(f"ip:{client}")
        raise locked
    if not verify_password(account.password_hash, password):
        addresses.fail(f"ip:{client}")
        with ws.store.transaction() as session:
            until = record_login_failure(
                session=session,
                username=name,
                max_failures=settings.login_max_failures,
                lock_for=timedelta(minutes=minutes),
            )
        raise locked if until is not None else LoginRefused(WRONG)
    with ws.store.transaction() as session:
        clear_login_failures(session=session, username=name)
    addresses.clear(f"ip:{client}")
    return account
