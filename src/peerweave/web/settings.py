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
    >>> s.min_group_size, s.session_max_age, s.login_max_failures, s.max_upload_bytes
    (5, 28800, 5, 209715200)
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
    #: The largest file the import page accepts (bytes; the upload stops at once past it).
    max_upload_bytes: int = 200 * 1024 * 1024
    #: Seconds a checked upload waits for its commit before it is deleted.
    upload_max_age: int = 3600
    #: Active people above which the network map first shows one node per group (the
    #: people of a group on a click); at or under it, every person at once.
    map_people_limit: int = 5000
    #: Page results the read cache keeps (``peerweave.web.cache``); 0: no cache, every
    #: request reads the database.
    cache_results: int = 4096
    #: Seconds before the cache looks again for writes by other processes (the CLI, other
    #: workers); writes through this app show at once. 0: at every request.
    cache_seconds: float = 1.0
    #: Requests served at once (threads; a served app only): the work is Python, run one
    #: thread at a time per process, so more threads only wait on each other.
    request_threads: int = 4

    def __post_init__(self) -> None:
        if len(self.secret_key) < 16:
            raise ValueError("the secret key must have at least 16 characters")
        if self.min_group_size < 1:
            raise ValueError(f"min_group_size must be at least 1, got {self.min_group_size}")
        if self.max_upload_bytes < 1 or self.upload_max_age < 1:
            raise ValueError("max_upload_bytes and upload_max_age must be positive")
        if self.map_people_limit < 2:
            raise ValueError(f"map_people_limit must be at least 2, got {self.map_people_limit}")
        if self.cache_results < 0 or self.cache_seconds < 0:
            raise ValueError("cache_results and cache_seconds must not be negative")
        if self.request_threads < 1:
            raise ValueError(f"request_threads must be at least 1, got {self.request_threads}")

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
