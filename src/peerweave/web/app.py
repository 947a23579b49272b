"""The FastAPI app: ``create_app(settings)``, the JSON API under ``/api`` and the HTML pages.

Each page and its API route call the same function of :mod:`peerweave.web.views`, which
goes through :mod:`peerweave.web.privacy`; the app adds who is logged in (the signed
session cookie), the CSRF check on every POST, and the mapping of errors to HTTP status:
not logged in 401 (a page redirects to the login), refused 403, unknown id 404, a user's
mistake 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerweave.errors import PeerweaveError, UnknownIdError
from peerweave.web import circles, imports, initiatives, snowball, views
from peerweave.web import map as network_map
from peerweave.web.audit import AuditWriter
from peerweave.web.auth import (
    LoginLimiter,
    LoginRefused,
)
from peerweave.web.cache import WebCache, WebWorkspace, tune_sqlite
from peerweave.web.deps import (
    CsrfFailed,
    CsrfForm,
    CsrfHeader,
    NotLoggedIn,
    ViewerDep,
    back,
    cache_of,
    login,
    logout,
    render,
    set_session,
    settings_of,
    viewer_of,
    workspace_of,
)
from peerweave.web.privacy import AccessDenied
from peerweave.web.settings import WebSettings

__all__ = ["create_app"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


# -- the JSON API --------------------------------------------------------------------------

api = APIRouter(prefix="/api", tags=["api"])


class LoginBody(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class ChampionsBody(BaseModel):
    k: str = Field("5%", description="a number of people or a share, e.g. 5%")
    model: str = Field("ic", description="ic, lt or complex (complex:k=3 …)")
    per: str | None = Field(None, description="at least so many in each group: department:1")
    runs: int = Field(200, ge=1, le=5000)
    steps: int = Field(26, ge=1, le=260)
    save: bool = False
    name: str | None = Field(None, max_length=200)


class SessionRequestBody(BaseModel):
    teacher: str = Field(description="the teacher's ref, as the peer finder gives it")
    skill: str = Field(max_length=200)


class FeedbackBody(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=5000)
    again: bool | None = None


class StatusBody(BaseModel):
    action: str = Field(description="schedule, hold or cancel")
    when: str | None = Field(None, description="YYYY-MM-DD [HH:MM]; default now")


@api.post("/login")
def api_login(request: Request, body: LoginBody) -> JSONResponse:
    """Log in; the session cookie is set and the CSRF token returned (send it back in
    ``X-CSRF-Token`` on every POST)."""
    viewer, session = login(request, body.username, body.password)
    response = JSONResponse(
        {
            "username": viewer.username,
            "role": viewer.role,
            "person_id": viewer.person_id,
            "csrf_token": session.csrf,
        }
    )
    set_session(response, session, settings_of(request))
    return response


@api.post("/logout", dependencies=[CsrfHeader])
def api_logout(request: Request) -> JSONResponse:
    """Log out: every session of this account ends (also copies of the cookie) and the
    cookie is cleared."""
    logout(request)
    response = JSONResponse({"logged_out": True})
    response.delete_cookie(settings_of(request).cookie_name, path="/")
    return response


@api.get("/me")
async def api_me(viewer: ViewerDep) -> dict[str, Any]:
    """Who is logged in (nothing to wait for: answered on the event loop)."""
    return {"username": viewer.username, "role": viewer.role, "person_id": viewer.person_id}


# The cached reads are ``async``: the view runs in a thread (``run_in_threadpool``), and
# FastAPI then checks and encodes the answer on the event loop instead of waiting for a
# thread a second time (as it does after a ``def`` route).


@api.get("/overview")
async def api_overview(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Headline figures, findings, silos and change since the previous run (leads)."""
    return await run_in_threadpool(
        views.overview, workspace_of(request), viewer, settings_of(request), cache=cache_of(request)
    )


@api.post("/analyze", dependencies=[CsrfHeader])
def api_analyze(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Analyse the network now and store the run (leads); returns the new overview."""
    return views.run_analysis(
        workspace_of(request), viewer, settings_of(request), cache=cache_of(request)
    )


@api.get("/people/{ref}")
async def api_person(request: Request, viewer: ViewerDep, ref: str) -> dict[str, Any]:
    """One person's page (``me`` for your own): members only their own."""
    return await run_in_threadpool(
        views.person,
        workspace_of(request),
        viewer,
        settings_of(request),
        ref,
        cache=cache_of(request),
    )


@api.post("/champions", dependencies=[CsrfHeader])
def api_champions(request: Request, viewer: ViewerDep, body: ChampionsBody) -> dict[str, Any]:
    """Champions and the strategies' forecast; ``save`` stores the initiative (leads)."""
    return views.champions_plan(
        workspace_of(request), viewer, settings_of(request), **body.model_dump()
    )


@api.get("/champions")
def api_saved_champions(
    request: Request, viewer: ViewerDep, initiative: Annotated[int, Query(ge=1)]
) -> dict[str, Any]:
    """The plan saved as initiative ``initiative``: its champions and the strategies'
    forecast with them, as the planner showed it, and what it was planned with (leads)."""
    return views.saved_champions(
        workspace_of(request), viewer, settings_of(request), initiative, cache=cache_of(request)
    )


@api.get("/learning/peers")
async def api_peers(
    request: Request,
    viewer: ViewerDep,
    skill: Annotated[str, Query(max_length=200)],
    person: str | None = None,
) -> dict[str, Any]:
    """Peer teachers of ``skill`` for you (or, for leads, for ``person``)."""
    return await run_in_threadpool(
        views.find_peers,
        workspace_of(request),
        viewer,
        settings_of(request),
        skill=skill,
        person=person,
        cache=cache_of(request),
    )


@api.get("/learning/sessions")
async def api_sessions(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Your sessions, as learner and as teacher."""
    return await run_in_threadpool(
        views.my_sessions,
        workspace_of(request),
        viewer,
        settings_of(request),
        cache=cache_of(request),
    )


@api.post("/learning/sessions", dependencies=[CsrfHeader])
def api_request_session(
    request: Request, viewer: ViewerDep, body: SessionRequestBody
) -> dict[str, Any]:
    """Request a session with a peer teacher (a proposed session)."""
    return views.request_session(
        workspace_of(request), viewer, settings_of(request), teacher=body.teacher, skill=body.skill
    )


@api.post("/learning/sessions/{session_id}/status", dependencies=[CsrfHeader])
def api_session_status(
    request: Request, viewer: ViewerDep, session_id: int, body: StatusBody
) -> dict[str, Any]:
    """Schedule, hold or cancel one of your sessions."""
    return views.change_session(
        workspace_of(request), viewer, session_id=session_id, action=body.action, when=body.when
    )


@api.post("/learning/sessions/{session_id}/feedback", dependencies=[CsrfHeader])
def api_feedback(
    request: Request, viewer: ViewerDep, session_id: int, body: FeedbackBody
) -> dict[str, Any]:
    """Your feedback on a held session of yours."""
    return views.give_feedback(
        workspace_of(request),
        viewer,
        session_id=session_id,
        rating=body.rating,
        comment=body.comment,
        again=body.again,
    )


@api.post("/learning/sessions/{session_id}/applied", dependencies=[CsrfHeader])
def api_applied(request: Request, viewer: ViewerDep, session_id: int) -> dict[str, Any]:
    """You applied what a held session taught you."""
    return views.mark_applied(workspace_of(request), viewer, session_id=session_id)


@api.post("/learning/match", dependencies=[CsrfHeader])
def api_match(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Run a matching round (leads): its matches become proposed sessions."""
    return views.match_round(workspace_of(request), viewer, settings_of(request))


@api.get("/learning/rounds/{round_id}")
def api_match_round_shown(request: Request, viewer: ViewerDep, round_id: int) -> dict[str, Any]:
    """A stored matching round: its summary, matches and unmatched wishes by reason (leads)."""
    return views.stored_match_round(workspace_of(request), viewer, settings_of(request), round_id)


@api.get("/learning/health")
async def api_health(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Programme health, group figures only (leads)."""
    return await run_in_threadpool(
        views.learning_health,
        workspace_of(request),
        viewer,
        settings_of(request),
        cache=cache_of(request),
    )


@api.get("/learning/recognition")
async def api_recognition(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """The seeders' leaderboard (leads)."""
    return await run_in_threadpool(
        views.recognition,
        workspace_of(request),
        viewer,
        settings_of(request),
        cache=cache_of(request),
    )


@api.get("/users")
def api_users(request: Request, viewer: ViewerDep) -> dict[str, Any]:
    """Every account (admins)."""
    return views.users(workspace_of(request), viewer)


@api.get("/audit")
def api_audit(
    request: Request, viewer: ViewerDep, limit: Annotated[int, Query(ge=1, le=10_000)] = 100
) -> dict[str, Any]:
    """The newest audit rows (admins)."""
    return views.audit_rows(workspace_of(request), viewer, limit=limit)


# -- the HTML pages ------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)


@pages.get("/")
def home(request: Request) -> RedirectResponse:
    viewer = viewer_of(request)
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/overview" if viewer.is_lead else "/person/me", status_code=303)


@pages.get("/login")
def login_page(request: Request) -> HTMLResponse:
    expired = request.query_params.get("expired") == "1"
    return render(
        request, "login.html", error="your session expired: log in again" if expired else ""
    )


@pages.post("/login", dependencies=[CsrfForm])
def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        _, session = login(request, username, password)
    except LoginRefused as exc:
        return render(request, "login.html", error=str(exc), status_code=401)
    response = RedirectResponse("/", status_code=303)
    set_session(response, session, settings_of(request))
    return response


@pages.post("/logout", dependencies=[CsrfForm])
def logout_form(request: Request) -> RedirectResponse:
    logout(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings_of(request).cookie_name, path="/")
    return response


@pages.get("/overview")
def overview_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    data = views.overview(
        workspace_of(request), viewer, settings_of(request), cache=cache_of(request)
    )
    heatmap = views.cached(  # group figures of the latest run: kept like the overview
        cache_of(request),
        ("silo heatmap", viewer.role),
        lambda: network_map.silo_matrix(
            workspace_of(request), viewer, settings_of(request), cache=network_map.cache_of(request)
        ),
        depends=("org", "analysis"),
    )
    return render(request, "overview.html", data, viewer=viewer, heatmap=heatmap)


@pages.post("/overview/analyze", dependencies=[CsrfForm])
def analyze_form(request: Request, viewer: ViewerDep) -> RedirectResponse:
    views.run_analysis(workspace_of(request), viewer, settings_of(request), cache=cache_of(request))
    return back("/overview", "the network was analysed")


@pages.get("/person/{ref}")
def person_page(request: Request, viewer: ViewerDep, ref: str) -> HTMLResponse:
    data = views.person(
        workspace_of(request), viewer, settings_of(request), ref, cache=cache_of(request)
    )
    return render(request, "person.html", data, viewer=viewer)


@pages.get("/champions")
def champions_page(
    request: Request,
    viewer: ViewerDep,
    initiative: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The planner; with ``initiative``, the plan saved as that initiative (where the form
    goes after saving one: a reload shows it again and saves nothing)."""
    from peerweave.web.privacy import require_role

    require_role(viewer, "admin", "analyst")
    if initiative is None:
        return render(request, "champions.html", {}, viewer=viewer, form={}, problem="")
    data = views.saved_champions(
        workspace_of(request), viewer, settings_of(request), initiative, cache=cache_of(request)
    )
    return render(
        request, "champions.html", data, viewer=viewer, form=data["planned_with"], problem=""
    )


@pages.post("/champions", dependencies=[CsrfForm])
def champions_form(
    request: Request,
    viewer: ViewerDep,
    k: Annotated[str, Form(max_length=20)] = "5%",
    model: Annotated[str, Form(max_length=40)] = "ic",
    per: Annotated[str, Form(max_length=60)] = "",
    runs: Annotated[int, Form(ge=1, le=5000)] = 200,
    save: Annotated[str, Form(max_length=5)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Plan champions. Saved as an initiative: 303 to the saved plan's page (post/redirect/
    get: a reload does not save a second one); not saved: the plan shown at once (nothing
    stored, nothing to repeat); a mistake: the form again, as typed, with the reason (400)."""
    form = {"k": k, "model": model, "per": per, "runs": runs, "name": name, "save": bool(save)}
    try:
        data = views.champions_plan(
            workspace_of(request),
            viewer,
            settings_of(request),
            k=k,
            model=model,
            per=per or None,
            runs=runs,
            save=bool(save),
            name=name or None,
            cache=cache_of(request),
        )
    except (AccessDenied, UnknownIdError):
        raise
    except PeerweaveError as exc:
        return render(
            request,
            "champions.html",
            {},
            viewer=viewer,
            form=form,
            problem=str(exc),
            status_code=400,
        )
    if data["initiative_id"] is not None:
        saved = int(data["initiative_id"])
        return back(
            f"/champions?initiative={saved}",
            f"saved as initiative #{saved} “{data['name']}” with {data['k']} champions",
        )
    return render(request, "champions.html", data, viewer=viewer, form=form, problem="")


@pages.get("/learning")
def learning_page(
    request: Request,
    viewer: ViewerDep,
    skill: Annotated[str, Query(max_length=200)] = "",
    person: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    ws, settings, cache = workspace_of(request), settings_of(request), cache_of(request)
    peers, problem = None, ""
    if skill.strip():
        try:
            peers = views.find_peers(
                ws, viewer, settings, skill=skill, person=person or None, cache=cache
            )
        except AccessDenied:
            raise
        except PeerweaveError as exc:  # an unknown skill, nobody to find for: said on the page
            problem = str(exc)
    mine = (
        views.my_sessions(ws, viewer, settings, cache=cache)
        if viewer.person_id is not None
        else None
    )
    return render(
        request,
        "learning.html",
        {"peers": peers, "sessions": mine},
        viewer=viewer,
        skill=skill,
        person=person,
        problem=problem,
    )


@pages.post("/learning/request", dependencies=[CsrfForm])
def request_form(
    request: Request,
    viewer: ViewerDep,
    teacher: Annotated[str, Form(max_length=200)],
    skill: Annotated[str, Form(max_length=200)],
) -> RedirectResponse:
    done = views.request_session(
        workspace_of(request), viewer, settings_of(request), teacher=teacher, skill=skill
    )
    return back("/learning", f"session #{done['session_id']} requested")


@pages.post("/learning/sessions/{session_id}/status", dependencies=[CsrfForm])
def status_form(
    request: Request,
    viewer: ViewerDep,
    session_id: int,
    action: Annotated[str, Form(max_length=20)],
    when: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    views.change_session(
        workspace_of(request), viewer, session_id=session_id, action=action, when=when or None
    )
    return back("/learning", f"session #{session_id}: {action} done")


@pages.post("/learning/sessions/{session_id}/feedback", dependencies=[CsrfForm])
def feedback_form(
    request: Request,
    viewer: ViewerDep,
    session_id: int,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=5000)] = "",
    again: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    views.give_feedback(
        workspace_of(request),
        viewer,
        session_id=session_id,
        rating=rating,
        comment=comment,
        again={"yes": True, "no": False}.get(again),
    )
    return back("/learning", f"thank you: your feedback on session #{session_id} is stored")


@pages.post("/learning/sessions/{session_id}/applied", dependencies=[CsrfForm])
def applied_form(request: Request, viewer: ViewerDep, session_id: int) -> RedirectResponse:
    views.mark_applied(workspace_of(request), viewer, session_id=session_id)
    return back("/learning", f"session #{session_id}: marked as applied")


@pages.get("/learning/leads")
def leads_page(
    request: Request,
    viewer: ViewerDep,
    skill: Annotated[str, Query(max_length=200)] = "",
    round: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The programme page; with ``round``, that stored matching round's result too."""
    ws, settings, cache = workspace_of(request), settings_of(request), cache_of(request)
    health = views.learning_health(ws, viewer, settings, cache=cache)
    board = views.recognition(ws, viewer, settings, cache=cache)
    shown = None if round is None else views.stored_match_round(ws, viewer, settings, round)
    if skill.strip():
        tree = snowball.leads_extra(ws, viewer, settings, skill)
    else:  # no tree (nobody named, nothing audited): the skill list only, kept
        tree = views.cached(
            cache,
            ("leads extra", viewer.role),
            lambda: snowball.leads_extra(ws, viewer, settings, ""),
            depends=views.ORG,
        )
    return render(
        request,
        "leads.html",
        {"health": health, "recognition": board, "round": shown, **tree},
        viewer=viewer,
        skill=skill,
    )


@pages.post("/learning/match", dependencies=[CsrfForm])
def match_form(request: Request, viewer: ViewerDep) -> RedirectResponse:
    """Run a matching round, then 303 to the page showing it (a reload runs no second one)."""
    result = views.match_round(workspace_of(request), viewer, settings_of(request))
    return back(
        f"/learning/leads?round={result['round_id']}",
        f"matching round #{result['round_id']}: {result['sessions_proposed']} sessions proposed",
    )


@pages.get("/admin")
def admin_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    ws = workspace_of(request)
    data = {**views.users(ws, viewer), **views.audit_rows(ws, viewer, limit=200)}
    return render(request, "admin.html", data, viewer=viewer)


# -- errors --------------------------------------------------------------------------------


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _error_handler(status: int) -> Callable[[Request, Exception], Response]:
    def handle(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        if isinstance(exc, NotLoggedIn):
            expired = "expired" in str(exc)
            return RedirectResponse("/login" + ("?expired=1" if expired else ""), status_code=303)
        viewer = None
        try:
            viewer = viewer_of(request)
        except PeerweaveError:
            viewer = None
        return render(
            request,
            "error.html",
            {"error": str(exc), "status": status},
            viewer=viewer,
            status_code=status,
        )

    return handle


#: Headers every response carries (unless the route set them).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def _security_headers(response: Response) -> None:
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)


class _SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every response: a plain ASGI middleware, which
    passes the body through untouched (``@app.middleware`` copies every response through
    a second task and a stream, a third of the time of a cached page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The routers of the area modules (each an ``api`` router under ``/api`` and a ``pages``
#: router), included after this module's own.
AREA_ROUTERS: tuple[APIRouter, ...] = (
    imports.api,
    imports.pages,
    snowball.api,
    snowball.pages,
    circles.api,
    circles.pages,
    initiatives.api,
    initiatives.pages,
    network_map.api,
    network_map.pages,
)


# -- the app -------------------------------------------------------------------------------


def create_app(settings: WebSettings) -> FastAPI:
    """The peerweave web app on ``settings.database_url`` (which must be initialised).

    The app owns one :class:`Workspace` (its engine closes when the app shuts down); no
    state lives in module globals, so several apps can run side by side (as the tests do).

    >>> import tempfile
    >>> from peerweave.store import Store
    >>> url = f"sqlite:///{tempfile.mkdtemp()}/org.db"
    >>> Store.init(url).close()
    >>> app = create_app(WebSettings(url, secret_key="s" * 32))
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/learning/"))[:2]
    ['/api/learning/health', '/api/learning/match']
    >>> app.state.workspace.close()
    """
    workspace = WebWorkspace.open(settings.database_url)
    tune_sqlite(workspace.store.engine)
    workspace.audit = AuditWriter(workspace.store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        try:
            yield
        finally:
            workspace.close()

    app = FastAPI(
        title="peerweave",
        summary="The informal network of an organization, peer learning and champions.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.workspace = workspace
    app.state.cache = workspace.cache = (
        WebCache(
            workspace.store,
            check_seconds=settings.cache_seconds,
            max_results=settings.cache_results,
        )
        if settings.cache_results
        else None
    )
    app.state.address_limiter = LoginLimiter(
        max_failures=settings.ip_max_failures, lock_minutes=settings.login_lock_minutes
    )
    app.state.name_limiter = LoginLimiter(
        max_failures=settings.login_max_failures, lock_minutes=settings.login_lock_minutes
    )
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,  # templates are part of the package: no stat() per page
    )
    app.state.templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (api, pages, *AREA_ROUTERS):
        app.include_router(router)
    for kind, status in (
        (NotLoggedIn, 401),
        (LoginRefused, 401),
        (CsrfFailed, 403),
        (AccessDenied, 403),
        (UnknownIdError, 404),
        (PeerweaveError, 400),
    ):
        app.add_exception_handler(kind, _error_handler(status))

    app.add_middleware(_SecurityHeaders)
    return app
