"""Request plumbing every route module shares: who is logged in, the CSRF checks, rendering.

Route modules (:mod:`peerweave.web.app` and one per area, e.g. :mod:`peerweave.web.map`)
import these; :func:`peerweave.web.app.create_app` puts the settings, the workspace and the
templates on ``app.state``.
"""

from __future__ import annotations

from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from peerweave.errors import PeerweaveError
from peerweave.store.accounts import Account, end_sessions, get_user
from peerweave.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SessionData,
    authenticate,
    csrf_matches,
    new_session,
    read_session,
    sign_session,
)
from peerweave.web.cache import WebCache
from peerweave.web.privacy import Viewer
from peerweave.web.settings import WebSettings
from peerweave.workspace import Workspace

__all__ = [
    "CsrfFailed",
    "CsrfForm",
    "CsrfHeader",
    "NotLoggedIn",
    "ViewerDep",
    "back",
    "cache_of",
    "login",
    "logout",
    "need_viewer",
    "render",
    "session_of",
    "set_session",
    "settings_of",
    "viewer_of",
    "workspace_of",
]


class NotLoggedIn(PeerweaveError):
    """Nobody is logged in (or the session expired): 401, or the login page."""


class CsrfFailed(PeerweaveError):
    """A POST without the session's CSRF token: 403."""


# -- request plumbing ----------------------------------------------------------------------


def settings_of(request: Request) -> WebSettings:
    return cast(WebSettings, request.app.state.settings)


def workspace_of(request: Request) -> Workspace:
    return cast(Workspace, request.app.state.workspace)


def cache_of(request: Request) -> WebCache | None:
    """The app's read cache (:mod:`peerweave.web.cache`); ``None`` when it is turned off."""
    return cast(WebCache | None, request.app.state.cache)


def session_of(request: Request) -> SessionData | None:
    if not hasattr(request.state, "session"):
        settings = settings_of(request)
        request.state.session = read_session(request.cookies.get(settings.cookie_name), settings)
    return cast(SessionData | None, request.state.session)


def viewer_of(request: Request) -> Viewer | None:
    session = session_of(request)
    if session is None or session.username is None:
        return None
    username = session.username

    def read() -> Account | None:
        with workspace_of(request).store.transaction() as db:
            return get_user(session=db, username=username)

    cache = cache_of(request)
    account = read() if cache is None else cache.account(username, read)
    if account is None or account.session_epoch != session.epoch:  # gone, or logged out
        return None
    return Viewer(account.username, account.role, account.person_id)  # type: ignore[arg-type]


async def need_viewer(request: Request) -> Viewer:
    """The logged-in viewer; :class:`NotLoggedIn` when there is none. With the read cache
    it runs on the event loop (the account is read from the database at most once a
    second per user, see ``WebCache.account``: no thread is worth it); without, in a
    thread."""
    if cache_of(request) is None:
        viewer = await run_in_threadpool(viewer_of, request)
    else:
        viewer = viewer_of(request)
    if viewer is None:
        session = session_of(request)
        expired = session is not None and session.expired
        raise NotLoggedIn("your session expired: log in again" if expired else "log in first")
    return viewer


def need_csrf_header(request: Request) -> None:
    """A state-changing API call must send the session's token in ``X-CSRF-Token``."""
    if not csrf_matches(session_of(request), request.headers.get(CSRF_HEADER)):
        raise CsrfFailed(f"missing or wrong CSRF token: send the {CSRF_HEADER} header")


async def need_csrf_form(request: Request) -> None:
    """A form POST must carry the session's token in the ``csrf_token`` field."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not csrf_matches(session_of(request), token if isinstance(token, str) else None):
        raise CsrfFailed("the form has expired or was not sent by this site: reload the page")


ViewerDep = Annotated[Viewer, Depends(need_viewer)]
CsrfHeader = Depends(need_csrf_header)
CsrfForm = Depends(need_csrf_form)


def set_session(response: Response, session: SessionData, settings: WebSettings) -> None:
    response.set_cookie(
        settings.cookie_name,
        sign_session(session, settings),
        max_age=settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def client_of(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def login(request: Request, username: str, password: str) -> tuple[Viewer, SessionData]:
    """Check a login (rate limits included) and start a session under the account's epoch."""
    app = request.app
    account = authenticate(
        workspace_of(request),
        username,
        password,
        client=client_of(request),
        settings=settings_of(request),
        addresses=app.state.address_limiter,
        names=app.state.name_limiter,
    )
    viewer = Viewer(account.username, account.role, account.person_id)  # type: ignore[arg-type]
    return viewer, new_session(account.username, epoch=account.session_epoch)


def logout(request: Request) -> None:
    """End every session of the logged-in user (the cookie is cleared by the caller): a
    copy of the cookie kept elsewhere is nobody's from now on."""
    viewer = viewer_of(request)
    if viewer is not None:
        with workspace_of(request).store.transaction() as db:
            end_sessions(session=db, username=viewer.username)


def _templates(request: Request) -> Jinja2Templates:
    return cast(Jinja2Templates, request.app.state.templates)


def render(
    request: Request,
    name: str,
    data: dict[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """Render template ``name`` with ``data``, the viewer and the CSRF token."""
    session = session_of(request)
    fresh = session is None or session.expired
    if fresh:
        session = new_session(None)
    assert session is not None
    context = {
        "data": data or {},
        "viewer": viewer,
        "csrf_token": session.csrf,
        "csrf_field": CSRF_FIELD,
        "message": request.query_params.get("message", ""),
        **extra,
    }
    response = _templates(request).TemplateResponse(request, name, context, status_code=status_code)
    if fresh:
        set_session(response, session, settings_of(request))
    return response


def back(path: str, message: str) -> RedirectResponse:
    """303 to ``path`` (which may have a query already) with ``message`` to show there.

    >>> back("/circles?round=3", "round #3 formed").headers["location"]
    '/circles?round=3&message=round%20%233%20formed'
    """
    joint = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joint}message={quote(message)}", status_code=303)
