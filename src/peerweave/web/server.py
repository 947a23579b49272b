"""The web app as ``peerweave serve --workers N`` runs it in several processes.

uvicorn starts each worker process from an import string, so a worker builds its own app
with :func:`app_from_env` from the environment :func:`worker_environment` sets: the
database (``$PEERWEAVE_DATABASE_URL``), the secret key (``$PEERWEAVE_SECRET_KEY``: every
worker must sign and read the same cookies and make the same pseudonyms), the minimum
group size (``$PEERWEAVE_MIN_GROUP_SIZE``) and the upload limit
(``$PEERWEAVE_MAX_UPLOAD_BYTES``). The same factory serves any ASGI server:

    PEERWEAVE_DATABASE_URL=sqlite:///org.db PEERWEAVE_SECRET_KEY=… \\
        uvicorn --factory peerweave.web.server:app_from_env --workers 2

Each worker keeps its own read cache (:mod:`peerweave.web.cache`); a write through one
worker shows in the others within ``WebSettings.cache_seconds``.
"""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from peerweave.store.url import ENV_DATABASE_URL, resolve_database_url
from peerweave.web.app import create_app
from peerweave.web.settings import ENV_SECRET_KEY, WebSettings

__all__ = [
    "ENV_MAX_UPLOAD_BYTES",
    "ENV_MIN_GROUP_SIZE",
    "FACTORY",
    "GC_THRESHOLDS",
    "app_from_env",
    "settle_gc",
    "worker_environment",
]

#: The environment variable with the minimum group size of the workers' app.
ENV_MIN_GROUP_SIZE = "PEERWEAVE_MIN_GROUP_SIZE"
#: The environment variable with the workers' upload limit in bytes (``--max-upload-mb``).
ENV_MAX_UPLOAD_BYTES = "PEERWEAVE_MAX_UPLOAD_BYTES"

#: What uvicorn imports in each worker (with ``factory=True``).
FACTORY = "peerweave.web.server:app_from_env"

#: The cyclic garbage collector's thresholds in a server (Python's: 700, 10, 10).
GC_THRESHOLDS = (20_000, 20, 100)


def settle_gc() -> None:
    """Ready a serving process's garbage collector: what starting made (the modules, the
    app: some 260,000 objects) is frozen out of its way, and it runs less often.

    A full collection walks every object it tracks: with pandas, SQLAlchemy and the read
    cache in the process, Python's defaults spent a sixth of a busy server's time in it, in
    pauses of up to a second (a third as much with this). Frozen objects are still freed
    when their last reference goes; only cycles among them would stay, and start-up
    objects live as long as the process anyway.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def worker_environment(settings: WebSettings) -> dict[str, str]:
    """The environment in which :func:`app_from_env` builds an app with the database,
    secret key, minimum group size and upload limit of ``settings``.

    >>> env = worker_environment(WebSettings("sqlite:///org.db", "k" * 16, min_group_size=7))
    >>> env["PEERWEAVE_DATABASE_URL"], env["PEERWEAVE_MIN_GROUP_SIZE"]
    ('sqlite:///org.db', '7')
    >>> env["PEERWEAVE_MAX_UPLOAD_BYTES"]
    '209715200'
    """
    return {
        ENV_DATABASE_URL: resolve_database_url(settings.database_url),
        ENV_SECRET_KEY: settings.secret_key,
        ENV_MIN_GROUP_SIZE: str(settings.min_group_size),
        ENV_MAX_UPLOAD_BYTES: str(settings.max_upload_bytes),
    }


def app_from_env() -> FastAPI:
    """The app of one worker (its garbage collector settled: :func:`settle_gc`), from ``$PEERWEAVE_DATABASE_URL`` (default ``./peerweave.db``),
    ``$PEERWEAVE_SECRET_KEY`` (required), ``$PEERWEAVE_MIN_GROUP_SIZE`` (default 5) and
    ``$PEERWEAVE_MAX_UPLOAD_BYTES`` (default 200 MB).

    >>> import tempfile
    >>> from unittest import mock
    >>> from peerweave.store import Store
    >>> url = f"sqlite:///{tempfile.mkdtemp()}/org.db"
    >>> Store.init(url).close()
    >>> with (
    ...     mock.patch.dict(os.environ, worker_environment(WebSettings(url, "s" * 32))),
    ...     mock.patch("peerweave.web.server.settle_gc"),  # not this test process's
    ... ):
    ...     app = app_from_env()
    >>> app.state.settings.database_url == url, app.state.settings.max_upload_bytes
    (True, 209715200)
    >>> app.state.workspace.close()
    """
    key = os.environ.get(ENV_SECRET_KEY)
    if not key:
        raise RuntimeError(
            f"${ENV_SECRET_KEY} is not set: every worker needs the same secret key "
            "(peerweave serve --workers sets it)"
        )
    size = int(os.environ.get(ENV_MIN_GROUP_SIZE) or 5)
    upload = int(os.environ.get(ENV_MAX_UPLOAD_BYTES) or 200 * 1024 * 1024)
    app = create_app(
        WebSettings(resolve_database_url(None), key, min_group_size=size, max_upload_bytes=upload)
    )
    settle_gc()
    return app
