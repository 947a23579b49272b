"""The import page and its API twins: check (a dry run) then commit, and every bad input.

These tests run on their own databases (an empty ``Store.init`` database with one account per
role), never the shared test organization: what they commit would change what other tests see.
A second app has a 4 KB upload limit for the size tests.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from peerweave.errors import InputError, Problem
from peerweave.store import Store
from peerweave.store.accounts import add_user, load_audit
from peerweave.web import WebSettings, create_app
from peerweave.web.auth import CSRF_HEADER, hash_password
from peerweave.web.imports import UploadStore
from peerweave.workspace import Workspace
from tests.web.conftest import PASSWORD, SECRET, Client, form_token

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCRIPT = "<script>alert(1)</script>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
#: The upload limit of the small app.
SMALL = 4096


@dataclass
class Site:
    """One app on its own database, with a logged-in client per account."""

    app: FastAPI
    url: str
    clients: dict[str, Client]

    def __getitem__(self, who: str) -> Client:
        return self.clients[who]

    def people(self) -> int:
        with Workspace.open(self.url) as ws:
            return len(ws.people())

    def ties(self) -> int:
        with Workspace.open(self.url) as ws:
            return len(ws.ties())

    def uploads(self) -> UploadStore:
        store = getattr(self.app.state, "uploads", None)
        if store is None:
            store = self.app.state.uploads = UploadStore(max_age=3600)
        assert isinstance(store, UploadStore)
        return store

    def files_waiting(self) -> list[Path]:
        return sorted(self.uploads().folder.iterdir())


def _site(folder: Path, hashed: str, **settings: Any) -> Iterator[Site]:
    url = f"sqlite:///{folder}/org.db"
    Store.init(url).close()
    with Workspace.open(url) as ws, ws.store.transaction() as session:
        for name, role in (
            ("admin", "admin"),
            ("admin2", "admin"),
            ("analyst", "analyst"),
            ("member", "member"),
        ):
            add_user(session=session, username=name, password_hash=hashed, role=role)
    app = create_app(WebSettings(url, SECRET, **settings))
    clients = {}
    for name in ("admin", "admin2", "analyst", "member"):
        client = Client(app, follow_redirects=False)
        answer = client.post("/api/login", json={"username": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.csrf = answer.json()["csrf_token"]
        clients[name] = client
    yield Site(app, url, clients)
    app.state.workspace.close()


@pytest.fixture(scope="module")
def hashed() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, hashed: str) -> Iterator[Site]:
    yield from _site(tmp_path_factory.mktemp("import"), hashed)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, hashed: str) -> Iterator[Site]:
    yield from _site(tmp_path_factory.mktemp("import-small"), hashed, max_upload_bytes=SMALL)


@pytest.fixture(autouse=True)
def _no_uploads_left(site: Site, small: Site) -> Iterator[None]:
    """Each test starts with no upload waiting."""
    yield
    site.uploads().close()
    small.uploads().close()


def check(
    client: Client,
    kind: str,
    name: str,
    content: bytes,
    *,
    csrf: bool = True,
    **fields: str,
) -> Any:
    headers = {CSRF_HEADER: client.csrf} if csrf else {}
    return client.post(
        "/api/import/check",
        headers=headers,
        data={"kind": kind, **fields},
        files={"file": (name, content, "application/octet-stream")},
    )


def commit(client: Client, token: str, *, csrf: bool = True) -> Any:
    headers = {CSRF_HEADER: client.csrf} if csrf else {}
    return client.post("/api/import/commit", json={"token": token}, headers=headers)


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


# -- the happy path ----------------------------------------------------------------------------


def test_people_events_skills_check_then_commit(site: Site) -> None:
    admin = site["admin"]
    before = site.people()
    checked = check(admin, "people", "people.csv", example("people.csv"))
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert report["ok"] and report["token"] and report["can_commit"]
    assert report["reports"][0]["records"] == 7
    assert report["reports"][0]["source"] == "people.csv"
    assert {"what": "new people", "count": 7 - before} in report["changes"]
    assert report["preview"]["columns"][:2] == ["person_id", "name"]
    assert len(report["preview"]["rows"]) == 5
    assert site.people() == before  # a check stores nothing
    assert len(site.files_waiting()) == 1

    done = commit(admin, report["token"])
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["committed"] and result["import_id"]
    assert {"what": "people added", "count": 7 - before} in result["changes"]
    assert site.people() == 7
    assert site.files_waiting() == []  # the upload is gone once committed
    with Workspace.open(site.url) as ws:
        last = ws.status().last_imports[0]
        with ws.store.transaction() as session:
            audit = load_audit(session=session)
    assert last.files == ("web upload: people.csv",)  # never the server's temp path
    assert "peerweave-uploads" not in json.dumps(dict(last.report))
    assert audit.iloc[0]["action"] == "import" and "people.csv" in audit.iloc[0]["detail"]

    events = check(admin, "events", "events.csv", example("events.csv")).json()
    assert events["ok"], events
    ties_before = site.ties()
    stored = commit(admin, events["token"]).json()
    assert stored["committed"] and site.ties() > ties_before
    assert any(c["what"] == "ties stored" for c in stored["changes"])

    skills = check(admin, "skills", "skills.csv", example("skills.csv")).json()
    assert skills["ok"], skills
    stored = commit(admin, skills["token"]).json()
    assert {"what": "skill rows stored", "count": 7} in stored["changes"]

    assert commit(admin, skills["token"]).status_code == 404  # a token commits once


def test_the_page_works_without_javascript_and_with_htmx(site: Site) -> None:
    admin = site["admin"]
    page = admin.get("/import")
    assert page.status_code == 200
    assert 'hx-post="/import/check"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert "/static/vendor/htmx.min.js" in page.text
    token = form_token(page.text)
    answer = admin.post(
        "/import/check",
        data={"csrf_token": token, "kind": "people"},
        files={"file": ("hr.csv", example("people.csv"), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "<html" in answer.text and "Checked: hr.csv" in answer.text
    assert 'action="/import/commit"' in answer.text
    upload = answer.text.split('name="token" value="')[1].split('"')[0]
    done = admin.post("/import/commit", data={"csrf_token": token, "token": upload})
    assert done.status_code == 200 and "Committed: import #" in done.text

    partial = admin.post(
        "/import/check",
        headers={"HX-Request": "true"},
        data={"csrf_token": token, "kind": "people"},
        files={"file": ("hr.csv", example("people.csv"), "text/csv")},
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text and "Checked: hr.csv" in partial.text
    refused = admin.post(
        "/import/check",
        headers={"HX-Request": "true"},
        data={"csrf_token": token, "kind": "people"},
        files={"file": ("hr.csv", PNG, "text/csv")},
    )
    assert refused.status_code == 400 and "<html" not in refused.text
    assert "looks like a PNG image" in refused.text


# -- who may ------------------------------------------------------------------------------------


def test_members_may_not_and_analysts_check_but_do_not_commit(site: Site) -> None:
    member, analyst, admin = site["member"], site["analyst"], site["admin"]
    assert member.get("/import").status_code == 403
    assert member.get("/api/learning/snowball?skill=sql").status_code == 403
    assert check(member, "people", "p.csv", example("people.csv")).status_code == 403
    assert commit(member, "whatever").status_code == 403
    assert site.files_waiting() == []  # refused before a byte was written

    checked = check(analyst, "people", "people.csv", example("people.csv"))
    assert checked.status_code == 200
    report = checked.json()
    assert report["ok"] and report["token"] and report["can_commit"] is False
    page = analyst.get("/import")
    assert page.status_code == 200 and "an admin commits it" in page.text
    assert commit(analyst, report["token"]).status_code == 403
    # the analyst's upload is theirs: an admin cannot commit it with the token either
    assert commit(admin, report["token"]).status_code == 404


# -- tokens --------------------------------------------------------------------------------------


def test_unknown_expired_and_other_accounts_tokens(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, other = site["admin"], site["admin2"]
    unknown = commit(admin, "no-such-token")
    assert unknown.status_code == 404
    assert "no checked upload with this token is waiting for you" in unknown.json()["detail"]

    token = check(admin, "people", "people.csv", example("people.csv")).json()["token"]
    stolen = commit(other, token)
    assert stolen.status_code == 404
    assert stolen.json()["detail"] == unknown.json()["detail"]  # never says whose it is

    store = site.uploads()
    waiting = site.files_waiting()
    assert len(waiting) == 1
    monkeypatch.setattr(store, "clock", lambda: time.monotonic() + 3601)
    assert commit(admin, token).status_code == 404  # expired after an hour
    assert site.files_waiting() == []  # and its file deleted
    csrf = form_token(admin.get("/import").text)
    page = admin.post("/import/commit", data={"csrf_token": csrf, "token": token})
    assert page.status_code == 404 and "check the file again" in page.text
    assert admin.post("/import/commit", data={"token": token}).status_code == 403


def test_csrf_is_needed_before_anything_is_stored(site: Site) -> None:
    admin = site["admin"]
    answer = check(admin, "people", "people.csv", example("people.csv"), csrf=False)
    assert answer.status_code == 403
    page = admin.post(
        "/import/check",
        data={"kind": "people"},
        files={"file": ("people.csv", example("people.csv"), "text/csv")},
    )
    assert page.status_code == 403
    wrong = admin.post(
        "/import/check",
        data={"csrf_token": "forged", "kind": "people"},
        files={"file": ("people.csv", example("people.csv"), "text/csv")},
    )
    assert wrong.status_code == 403
    assert site.files_waiting() == []
    token = check(admin, "people", "people.csv", example("people.csv")).json()["token"]
    assert commit(admin, token, csrf=False).status_code == 403
    assert commit(admin, token).status_code == 200  # still waiting after the refusal


# -- bad files -------------------------------------------------------------------------------------


def _xlsx_of(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        (
            "people",
            "people.csv",
            PNG,
            "people.csv is not a CSV file: it looks like a PNG image; "
            "export the sheet as CSV (UTF-8)",
        ),
        ("people", "people.csv", b"", "people.csv is empty"),
        ("people", "people.csv", b"person_id,name\nP1,A\x00da\n", "it looks like binary data"),
        ("people", "people.csv", b"<!DOCTYPE html><html>Sign in", "it looks like a web page"),
        ("people", "people.csv", "person_id\nP1\n".encode("utf-16"), "it looks like UTF-16 text"),
        ("people", "people.xlsx", b"person_id,name\nP1,Ada\n", "name it .csv"),
        ("people", "people.xlsx", _xlsx_of("word/document.xml"), "it looks like a Word document"),
        ("people", "people.csv", _xlsx_of("xl/workbook.xml"), "name it .xlsx"),
        ("skills", "skills.parquet", b"person_id,skill\n", "is not a Parquet file"),
        ("skills", "skills.parquet", b"PAR1" + bytes(40), "a cut-off Parquet file"),
        ("events", "events.json", b'{"sender": "a@x.org", ', "is not valid JSON"),
        ("events", "events.jsonl", b"sender,recipients\n", "line 1 is not JSON"),
        ("ties", "ties.graphml", b"source,target\nA,B\n", "is not a GraphML file"),
        ("people", "people.bmp", b"BM....", "peerweave does not import .bmp"),
        ("people", "people", b"person_id\nP1\n", "files without an extension"),
        ("people", "people.gexf", b"<gexf/>", "a people file is read from"),
        ("payroll", "people.csv", example("people.csv"), "is not something peerweave imports"),
        ("people", "people.csv", example("people.csv"), "not an encoding"),
    ],
    ids=[
        "png-as-csv",
        "empty",
        "nul-bytes",
        "html-as-csv",
        "utf16",
        "csv-as-xlsx",
        "docx-as-xlsx",
        "xlsx-as-csv",
        "csv-as-parquet",
        "cut-parquet",
        "bad-json",
        "csv-as-jsonl",
        "csv-as-graphml",
        "unknown-extension",
        "no-extension",
        "kind-suffix",
        "unknown-kind",
        "bad-encoding-name",
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    site: Site, kind: str, name: str, content: bytes, message: str
) -> None:
    fields = {"encoding": "klingon"} if message == "not an encoding" else {}
    before = site.people()
    answer = check(site["admin"], kind, name, content, **fields)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["detail"]
    assert answer.json()["ok"] is False
    assert site.files_waiting() == [] and site.people() == before


def test_a_file_with_problems_gets_the_report_and_no_token(site: Site) -> None:
    rows = "person_id,name,level\nP1,Ada,3\nP2,Bo,x<b>2</b>\nP1,Cy,2\n"
    answer = check(site["admin"], "people", "hr.csv", rows.encode())
    assert answer.status_code == 400
    report = answer.json()
    assert report["ok"] is False and report["token"] is None
    assert report["problems_total"] >= 2
    where = {(p["row"], p["column"]) for p in report["problems"]}
    assert (3, "level") in where
    assert all(p["fix"] for p in report["problems"])
    assert "peerweave-uploads" not in json.dumps(report)  # the server's path never shows
    assert site.files_waiting() == []


def test_no_file_and_a_folder_in_the_file_name(site: Site) -> None:
    admin = site["admin"]
    empty = admin.post(
        "/api/import/check", headers={CSRF_HEADER: admin.csrf}, data={"kind": "people"}
    )
    assert empty.status_code == 400
    assert "multipart" in empty.json()["detail"] or "choose a file" in empty.json()["detail"]
    answer = check(admin, "people", "../../../etc/cron.d/people<1>.csv", example("people.csv"))
    assert answer.status_code == 200
    report = answer.json()
    assert report["file"] == "people_1_.csv"
    (waiting,) = site.files_waiting()
    assert waiting.parent == site.uploads().folder and waiting.name.endswith(".csv")
    assert "people" not in waiting.name  # only the extension of the client's name is used


def test_windows_1252_text_passes_with_a_note(site: Site) -> None:
    rows = "person_id,name\nP1,Zoë\nP2,José\n".encode("cp1252")
    report = check(site["admin"], "people", "people.csv", rows).json()
    assert report["ok"]
    notes = report["reports"][0]["notes"]
    assert any("not UTF-8" in n["message"] for n in notes)
    declared = check(site["admin"], "people", "people.csv", rows, encoding="latin-1").json()
    assert declared["ok"] and not declared["reports"][0]["notes"]


# -- the size limit --------------------------------------------------------------------------------


def _csv_of_size(size: int) -> bytes:
    """A valid people CSV of exactly ``size`` bytes."""
    rows = [b"person_id,name\n"] + [b"P%05d,Someone\n" % i for i in range((size - 100) // 16)]
    data = b"".join(rows)
    return data + b"P99999," + b"x" * (size - len(data) - 8) + b"\n"


def test_an_upload_over_the_limit_stops_with_413(small: Site) -> None:
    admin = small["admin"]
    at_limit = _csv_of_size(SMALL)
    assert len(at_limit) == SMALL
    assert check(admin, "people", "people.csv", at_limit).status_code == 200
    over = check(admin, "people", "people.csv", _csv_of_size(SMALL + 1))
    assert over.status_code == 413
    assert "larger than 4 KB" in over.json()["detail"]
    assert "peerweave import" in over.json()["detail"]
    token = form_token(admin.get("/import").text)
    page = admin.post(
        "/import/check",
        data={"csrf_token": token, "kind": "people"},
        files={"file": ("people.csv", _csv_of_size(SMALL + 1), "text/csv")},
    )
    assert page.status_code == 413 and "larger than 4 KB" in page.text
    assert len(small.files_waiting()) == 1  # only the one at the limit


def test_a_declared_gigabyte_is_refused_before_the_body_is_read(small: Site) -> None:
    admin = small["admin"]
    cookie = "; ".join(f"{k}={v}" for k, v in admin.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/import/check",
        "raw_path": b"/api/import/check",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=xyz"),
            (b"content-length", str(1024**3).encode()),
            (CSRF_HEADER.lower().encode(), admin.csrf.encode()),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # in a thread of its own: the browser tests' Playwright may run a loop in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, small.app(scope, receive, send)).result()
    assert sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert "larger than 4 KB" in body["detail"]
    assert reads == 0  # not one chunk of the gigabyte was read


# -- escaping and failed commits -------------------------------------------------------------------


def test_a_script_in_a_name_is_shown_escaped(site: Site) -> None:
    admin = site["admin"]
    header, rest = example("people.csv").split(b"\n", 1)
    added = f"E900,{SCRIPT},e900@example.com,,R&D,,,,,,,false\n".encode()
    rows = header + b"\n" + added + rest  # first: the report's preview shows it
    token = form_token(admin.get("/import").text)
    page = admin.post(
        "/import/check",
        data={"csrf_token": token, "kind": "people"},
        files={"file": (f"{SCRIPT}.csv", rows, "text/csv")},
    )
    assert page.status_code == 200
    assert SCRIPT not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    upload = page.text.split('name="token" value="')[1].split('"')[0]
    done = admin.post("/import/commit", data={"csrf_token": token, "token": upload})
    assert done.status_code == 200 and SCRIPT not in done.text
    person = admin.get("/person/E900")
    assert person.status_code == 200
    assert SCRIPT not in person.text and "&lt;script&gt;" in person.text
    bad = admin.post(
        "/import/check",
        data={"csrf_token": token, "kind": "people"},
        files={"file": ("p.csv", f"person_id,level\nP1,{SCRIPT}\n".encode(), "text/csv")},
    )
    assert bad.status_code == 400
    assert SCRIPT not in bad.text and "&lt;script&gt;" in bad.text


def test_a_failed_commit_stores_nothing(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = site["admin"]
    checked = check(admin, "ties", "ties.csv", example("ties.csv")).json()
    assert checked["ok"], checked
    assert any("people would be created" in c["what"] for c in checked["changes"])
    people, ties = site.people(), site.ties()

    def broken(**_: object) -> int:
        raise InputError("ties", Problem("the disk is full", fix="free some space"))

    monkeypatch.setattr("peerweave.workspace.save_ties", broken)
    failed = commit(admin, checked["token"])
    assert failed.status_code == 400
    assert failed.json()["ok"] is False and "the disk is full" in failed.json()["detail"]
    assert site.people() == people and site.ties() == ties  # the stubs were rolled back too
    monkeypatch.undo()
    done = commit(admin, checked["token"])  # the upload waited: commit it once fixed
    assert done.status_code == 200 and site.people() > people
    assert any(c["what"] == "ties stored" for c in done.json()["changes"])
