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
    ("GET", "/api/champions?initiative=1", (401, 403, 403, 200, 200)),  # a saved plan
    ("POST", "/api/learning/sessions/1/applied", (401, 403, 403, 400, 400)),
    # import: leads check (here with no file: 400), only admins commit (an unknown token: 404)
    ("GET", "/api/import", (401, 403, 403, 200, 200)),
    ("POST", "/api/import/check", (401, 403, 403, 400, 400)),
    ("POST", "/api/import/commit", (401, 403, 403, 403, 404)),
    ("GET", "/api/learning/snowball?skill={skill}", (401, 403, 403, 200, 200)),
    # circles: members see their own circle, leads every circle and form rounds
    ("GET", "/api/circles", (401, 200, 200, 200, 200)),
    ("POST", "/api/circles/rounds", (401, 403, 403, 200, 200)),
    # initiatives, influence (leads)
    ("GET", "/api/initiatives", (401, 403, 403, 200, 200)),
    ("GET", "/api/influence", (401, 403, 403, 200, 200)),
    # the network map and the silo heatmap (leads); a bad colour is a 400 for them only
    ("GET", "/api/network/map", (401, 403, 403, 200, 200)),
    ("GET", "/api/network/map?color=community&size=degree", (401, 403, 403, 200, 200)),
    ("GET", "/api/network/map?group=no-such-group", (401, 403, 403, 400, 400)),
    ("GET", "/api/network/map?color=shoe-size", (401, 403, 403, 400, 400)),
    ("GET", "/api/overview/silos", (401, 403, 403, 200, 200)),
]

PAGES: list[tuple[str, tuple[int, ...]]] = [
    ("/overview", (303, 403, 403, 200, 200)),
    ("/person/{member}", (303, 200, 403, 200, 200)),
    ("/person/me", (303, 200, 200, 403, 403)),
    ("/champions", (303, 403, 403, 200, 200)),
    ("/champions?initiative=1", (303, 403, 403, 200, 200)),  # where saving a plan goes
    ("/learning", (303, 200, 200, 200, 200)),
    ("/learning?skill={skill}", (303, 200, 200, 200, 200)),  # unlinked leads: a note
    ("/learning?skill={skill}&person={member}", (303, 200, 403, 200, 200)),
    ("/learning/leads", (303, 403, 403, 200, 200)),
    ("/admin", (303, 403, 403, 403, 200)),
    ("/import", (303, 403, 403, 200, 200)),
    ("/learning/leads?skill={skill}", (303, 403, 403, 200, 200)),
    ("/learning/leads?round=9999", (303, 403, 403, 404, 404)),  # where a matching round goes
    ("/circles", (303, 200, 200, 200, 200)),
    ("/circles?round=1", (303, 200, 200, 200, 200)),
    ("/initiatives", (303, 403, 403, 200, 200)),
    ("/initiatives/1", (303, 403, 403, 200, 200)),
    ("/influence?initiatives=1", (303, 403, 403, 200, 200)),
    ("/report", (303, 403, 403, 403, 200)),  # it names people: admins only
    ("/map", (303, 403, 403, 200, 200)),
    ("/map?color=role&size=betweenness", (303, 403, 403, 200, 200)),
]

BODIES = {
    "/api/champions": {"k": "3", "runs": 10, "steps": 4},
    "/api/import/commit": {"token": "no-such-upload"},
    "/api/circles/rounds": {"seconds": 0.5},
    "/api/initiatives/1/adoptions": {"person": "nobody"},
}


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


# Routes with an id in the path: (method, path, its OpenAPI template, expected statuses).
API_WITH_IDS: list[tuple[str, str, str, tuple[int, ...]]] = [
    (
        "GET",
        "/api/circles/rounds/1/export.csv",
        "/api/circles/rounds/{round_id}/export.csv",
        (401, 403, 403, 200, 200),
    ),
    (
        "GET",
        "/api/initiatives/1/track",
        "/api/initiatives/{initiative}/track",
        (401, 403, 403, 200, 200),
    ),
    (
        "POST",
        "/api/initiatives/1/fit",
        "/api/initiatives/{initiative}/fit",
        (401, 403, 403, 200, 200),
    ),
    # an adoption of nobody: the lead may record adoptions, the person is wrong (400)
    (
        "POST",
        "/api/initiatives/1/adoptions",
        "/api/initiatives/{initiative}/adoptions",
        (401, 403, 403, 400, 400),
    ),
    # an adoptions file: leads may send one (here none: 400); members refused before reading
    (
        "POST",
        "/api/initiatives/1/adoptions/import",
        "/api/initiatives/{initiative}/adoptions/import",
        (401, 403, 403, 400, 400),
    ),
    # a stored matching round (leads; none stored under this id: 404)
    (
        "GET",
        "/api/learning/rounds/9999",
        "/api/learning/rounds/{round_id}",
        (401, 403, 403, 404, 404),
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "template", "expected"),
    API_WITH_IDS,
    ids=[f"{m} {p}" for m, p, _, _ in API_WITH_IDS],
)
def test_api_matrix_with_ids(
    org: Org,
    login: Callable[[str | None], Client],
    method: str,
    path: str,
    template: str,
    expected: tuple[int, ...],
) -> None:
    test_api_matrix(org, login, method, path, expected)
    assert template in login(None).get("/api/openapi.json").json()["paths"]
