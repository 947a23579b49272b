"""Logging in and staying safe: wrong passwords, locks, expired sessions, CSRF, forged cookies."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from fastapi import FastAPI

from peerweave.web import create_app
from peerweave.web.auth import CSRF_HEADER
from tests.web.conftest import PASSWORD, Client, Org, form_token


def test_wrong_password_and_unknown_user_get_the_same_answer(
    login: Callable[[str | None], Client],
) -> None:
    client = login(None)
    wrong = client.post("/api/login", json={"username": "admin", "password": "not it at all"})
    unknown = client.post("/api/login", json={"username": "nobody", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}
    page = client.post(
        "/login", data={"username": "nobody", "password": "x", "csrf_token": client.csrf}
    )
    assert page.status_code == 401
    assert "wrong username or password" in page.text


def test_login_form_sets_a_safe_cookie_and_logout_clears_it(
    app: FastAPI, login: Callable[[str | None], Client]
) -> None:
    client = login(None)
    answer = client.post(
        "/login", data={"username": "leaver", "password": PASSWORD, "csrf_token": client.csrf}
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    page = client.get("/learning")
    assert page.status_code == 200
    token = form_token(page.text)
    assert token != client.csrf  # a new token at login
    kept = dict(client.cookies)  # a copy of the cookie, say on another device
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert client.get("/api/me").status_code == 401
    replay = Client(app)
    replay.cookies.update(kept)
    assert replay.get("/api/me").status_code == 401  # logout ended it on the server too
    assert replay.get("/learning", follow_redirects=False).status_code == 303


def test_logout_ends_every_session_of_the_account_and_only_its(
    app: FastAPI, login: Callable[..., Client]
) -> None:
    from peerweave.store.accounts import end_sessions

    laptop = Client(app)
    phone = Client(app)
    for device in (laptop, phone):
        answer = device.post("/api/login", json={"username": "stolen", "password": PASSWORD})
        device.csrf = answer.json()["csrf_token"]
    assert phone.get("/api/me").status_code == 200
    laptop.post("/api/logout", headers={CSRF_HEADER: laptop.csrf})
    assert phone.get("/api/me").status_code == 401
    assert login("member").get("/api/me").status_code == 200  # other accounts go on
    again = Client(app)
    answer = again.post("/api/login", json={"username": "stolen", "password": PASSWORD})
    assert again.get("/api/me").json()["username"] == "stolen"  # a new login works
    with app.state.workspace.store.transaction() as session:  # `peerweave user logout`
        end_sessions(session=session, username="stolen")
    assert again.get("/api/me").status_code == 401
    assert answer.status_code == 200


def test_lock_after_repeated_failures_even_with_the_right_password(
    app: FastAPI, login: Callable[[str | None], Client]
) -> None:
    client = login(None)
    for _ in range(5):
        client.post("/api/login", json={"username": "victim", "password": "wrong password"})
    locked = client.post("/api/login", json={"username": "victim", "password": PASSWORD})
    assert locked.status_code == 401
    assert "too many failed logins" in locked.json()["detail"]
    for _ in range(5):  # an unknown name locks the same way: no hint that it does not exist
        client.post("/api/login", json={"username": "ghost", "password": "wrong password"})
    ghost = client.post("/api/login", json={"username": "ghost", "password": "wrong password"})
    assert ghost.json() == locked.json()
    assert login("member").get("/api/me").status_code == 200  # others are not affected


def test_one_address_is_locked_after_many_failures(org: Org) -> None:
    app = create_app(replace(org.settings, ip_max_failures=3))
    try:
        client = Client(app)
        for name in ("a1", "a2", "a3"):
            client.post("/api/login", json={"username": name, "password": "wrong password"})
        answer = client.post("/api/login", json={"username": "admin", "password": PASSWORD})
        assert answer.status_code == 401
        assert "too many failed logins" in answer.json()["detail"]
    finally:
        app.state.workspace.close()


def test_expired_session_asks_to_log_in_again(org: Org) -> None:
    app = create_app(replace(org.settings, session_max_age=1))
    try:
        client = Client(app, follow_redirects=False)
        answer = client.post("/api/login", json={"username": "expiring", "password": PASSWORD})
        assert answer.status_code == 200
        assert client.get("/api/me").status_code == 200
        kept = client.cookies["peerweave_session"]
        time.sleep(2.1)
        assert client.get("/api/me").status_code == 401  # the browser dropped the cookie
        client.cookies.set("peerweave_session", kept)  # sent again anyway: the server refuses it
        expired = client.get("/api/me")
        assert expired.status_code == 401
        assert "expired" in expired.json()["detail"]
        page = client.get("/learning")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?expired=1"
    finally:
        app.state.workspace.close()


def test_forged_cookie_is_nobody(app: FastAPI, login: Callable[..., Client]) -> None:
    client = login("admin", fresh=True)
    value = client.cookies["peerweave_session"]
    client.cookies.clear()
    client.cookies.set("peerweave_session", value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"))
    assert client.get("/api/me").status_code == 401
    forged = Client(app)
    forged.cookies.set("peerweave_session", '{"u": "admin", "c": "x"}')
    assert forged.get("/api/users").status_code == 401


def test_csrf_is_required_on_every_post(login: Callable[[str | None], Client]) -> None:
    client = login("analyst")
    missing = client.post("/api/analyze")
    forged = client.post("/api/analyze", headers={CSRF_HEADER: "forged-token"})
    assert missing.status_code == forged.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    other = login("admin")  # a real token of another session is no better
    assert client.post("/api/analyze", headers={CSRF_HEADER: other.csrf}).status_code == 403
    form = client.post("/overview/analyze", data={})
    assert form.status_code == 403
    assert client.post("/overview/analyze", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/api/me").status_code == 200  # still logged in
    anonymous = Client(client.app)
    assert (
        anonymous.post("/login", data={"username": "admin", "password": PASSWORD}).status_code
        == 403
    )
