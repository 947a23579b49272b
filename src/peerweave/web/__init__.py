"""peerweave.web: the web app (FastAPI) — JSON API under ``/api``, HTML pages, roles, privacy.

``create_app(WebSettings(database_url, secret_key))`` builds it; ``peerweave serve`` runs
it with uvicorn. See ``docs/web.md``.
"""

from peerweave.web.app import create_app
from peerweave.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
