"""What the web app is set up with: the database, the secret key, privacy and cookie settings."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

__all__ = ["ENV_SECRET_KEY", "WebSettings"]

#: The environment variable ``peerweave serve`` reads the secret key from.
ENV_SECRET_KEY = "PEERWEAVE_SECRET_KEY"


@dataclass(frozen=True)
class WebSettings:
    """The settings of one web app (``create_app``); nothing is read from globals.

    ``secret_key`` signs the session cookies and keys the analysts' pseudonyms: keep it
    secret and the same across restarts (pseudonyms change with it).

    >>> s = WebSettings("sqlite://", secret_key="x" * 32)
    >>> s.min_group_size, s.session_max_age, s.login_max_failures
    (5, 28800, 5)
    """

    database_url: str | None
    secret_key: str
    min_group_size: int = 5
    #: Seconds a session lasts after login.
    session_max_age: int = 8 * 3600
    cookie_name: str = "peerweave_session"
    #: Send the cookie over HTTPS only (turn on behind TLS).
    cookie_secure: bool = False
    #: Failed logins of one username before it is locked for ``login_lock_minutes``.
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    #: Failed logins from one address (any usernames) before it is locked as long.
    ip_max_failures: int = 20

    def __post_init__(self) -> None:
        if len(self.secret_key) < 16:
            raise ValueError("the secret key must have at least 16 characters")
        if self.min_group_size < 1:
            raise ValueError(f"min_group_size must be at least 1, got {self.min_group_size}")

    @property
    def key(self) -> bytes:
        """The secret key as bytes (for HMAC pseudonyms)."""
        return self.secret_key.encode()

    @classmethod
    def from_env(cls, database_url: str | None = None, **options: object) -> WebSettings:
        """Settings with the secret key from ``$PEERWEAVE_SECRET_KEY`` (a random one when unset:
        sessions then end and pseudonyms change at each restart).

        >>> WebSettings.from_env("sqlite://").database_url
        'sqlite://'
        """
        key = os.environ.get(ENV_SECRET_KEY) or secrets.token_urlsafe(32)
        return cls(database_url, key, **options)  # type: ignore[arg-type]
