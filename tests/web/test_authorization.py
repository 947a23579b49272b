"""The authorization matrix: route by route, what each role may see or do.

Roles: anonymous, member, another member, analyst, admin. 200 where it may; 401 when
nobody is logged in; 403 where the role may not; 400 where the account cannot (an
account linked to no person has no sessions of its own). Pages redirect an anonymous
visitor to the login (303).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.conftest import Client, Org

WHO = ("anonymous", "member", "other", "analyst", "admin")


def _ref(org: Org, role: str, person: str) -> str:
    """How ``role`` names ``person`` in a link: analysts by pseudonym, others by id."""
    return org.pseudonym(person) if role == "analyst" else person


# (method, path, expected status for anonymous, member, other, analyst, admin)
API: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/api/me", (401, 200, 200, 200, 200)),
    ("GET", "/api/overview", (401, 403, 403, 200, 200)),
    ("GET", "/api/people/me", (401, 200, 200, 403, 403)),
    ("GET", "/api/people/{member}", (401, 200, 403, 200, 200)),
    ("GET", "/api/learning/peers?skill={skill}", (401, 200, 200, 400, 400)),
    ("GET", "/api/learning/peers?skill={skill}&person={member}", (401, 200, 403, 200, 200)),
    ("GET", "/api/learning/sessions", (401, 200, 200, 400, 400)),
    ("GET", "/api/learning/health", (401, 403, 403, 200, 200)),
    ("GET", "/api/learning/recognition", (401, 403, 403, 200, 200)),
    ("GET", "/api/users", (401, 403, 403, 403, 200)),
    ("GET", "/api/audit", (401, 403, 403, 403, 200)),
    ("POST", "/api/analyze", (401, 403, 403, 200, 200)),
    ("POST", "/api/learning/match", (401, 403, 403, 200, 200)),
    ("POST", "/api/champions", (401, 403, 403, 200, 200)),
    ("POST", "/api/learning/sessions/1/applied", (401, 403, 403, 400, 400)),
]

PAGES: list[tuple[str, tuple[int, ...]]] = [
    ("/overview", (303, 403, 403, 200, 200)),
    ("/person/{member}", (303, 200, 403, 200, 200)),
    ("/person/me", (303, 200, 200, 403, 403)),
    ("/champions", (303, 403, 403, 200, 200)),
    ("/learning", (303, 200, 200, 200, 200)),
    ("/learning?skill={skill}", (303, 200, 200, 200, 200)),  # unlinked leads: a note
    ("/learning?skill={skill}&person={member}", (303, 200, 403, 200, 200)),
    ("/learning/leads", (303, 403, 403, 200, 200)),
    ("/admin", (303, 403, 403, 403, 200)),
]

BODIES = {"/api/champions": {"k": "3", "runs": 10, "steps": 4}}


@pytest.mark.parametrize(("method", "path", "expected"), API, ids=[f"{m} {p}" for m, p, _ in API])
def test_api_matrix(
    org: Org,
    login: Callable[[str | None], Client],
    method: str,
    path: str,
    expected: tuple[int, ...],
) -> None:
    got = {}
    for who, _status in zip(WHO, expected, strict=True):
        client = login(None if who == "anonymous" else who)
        url = path.format(member=_ref(org, who, org.member), skill=org.skill)
        answer = client.get(url) if method == "GET" else client.post_api(url, BODIES.get(path))
        got[who] = answer.status_code
    assert got == dict(zip(WHO, expected, strict=True))


@pytest.mark.parametrize(("path", "expected"), PAGES, ids=[p for p, _ in PAGES])
def test_page_matrix(
    org: Org, login: Callable[[str | None], Client], path: str, expected: tuple[int, ...]
) -> None:
    got = {}
    for who in WHO:
        client = login(None if who == "anonymous" else who)
        answer = client.get(path.format(member=_ref(org, who, org.member), skill=org.skill))
        got[who] = answer.status_code
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/login")
        if answer.status_code == 200:
            assert answer.headers["content-type"].startswith("text/html")
    assert got == dict(zip(WHO, expected, strict=True))


def test_openapi_lists_every_api_route(login: Callable[[str | None], Client]) -> None:
    spec = login(None).get("/api/openapi.json").json()
    documented = set(spec["paths"])
    for _, path, _ in API:
        base = (
            path.split("?")[0]
            .replace("{member}", "{ref}")
            .replace("people/me", "people/{ref}")
            .replace("/1/", "/{session_id}/")
        )
        assert base in documented, base
    assert login(None).get("/docs").status_code == 200
