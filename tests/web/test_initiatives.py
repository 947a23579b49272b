"""The initiatives pages and their API: adoption against the forecast, recording adoptions
(one, a file, deleting one), fitting, who influences whom, and the report — leads only, names
for admins, pseudonyms for analysts, opted-out people never; bad input stores nothing."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI

from peerweave.web import create_app
from peerweave.web.imports import UploadStore
from peerweave.workspace import Workspace
from tests.web.conftest import Client, Org, audit_count, form_token, people_frame
from tests.web.copies import copy_org, logged_in

#: The demo's running initiative (the first one stored in the test database).
DEMO = 1
PERSON_ID = re.compile(r"\bP\d{3}\b")


@dataclass
class Copy:
    """An app on a private copy of the test database, with a fresh initiative (no adoptions,
    started three weeks ago) and clients by account."""

    org: Org
    app: FastAPI
    fresh: int
    started: pd.Timestamp
    clients: dict[str, Client]

    def client(self, username: str) -> Client:
        if username not in self.clients:
            self.clients[username] = logged_in(self.app, username)
        return self.clients[username]

    def adoptions(self, initiative: int | None = None) -> pd.DataFrame:
        with Workspace.open(self.org.url) as ws:
            return ws.adoptions(self.fresh if initiative is None else initiative)


@pytest.fixture(scope="module")
def copy(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copy]:
    own, app = copy_org(org, tmp_path_factory.mktemp("initiatives"))
    started = (pd.Timestamp.now(tz="UTC").tz_localize(None) - pd.Timedelta(days=21)).normalize()
    with Workspace.open(own.url) as ws:
        chosen = ws.champions(
            3, runs=0, save=True, name="web test: no adoptions yet", started_at=started
        )
    assert chosen.initiative_id is not None
    yield Copy(own, app, chosen.initiative_id, started, {})
    app.state.workspace.close()


def _active(org: Org, n: int) -> list[str]:
    people = people_frame(org)
    ids = people.loc[~people["opted_out"].astype(bool), "person_id"].astype(str)
    return ids.tolist()[-n:]


# -- the list and tracking -----------------------------------------------------------------


def test_leads_see_the_initiatives_members_do_not(
    login: Callable[[str | None], Client],
) -> None:
    data = login("analyst").get("/api/initiatives").json()
    demo = next(i for i in data["initiatives"] if i["id"] == DEMO)
    assert demo["adoptions"] > 0 and demo["champions"] > 0 and demo["started_at"]
    assert data["report_allowed"] is False
    assert login("admin").get("/api/initiatives").json()["report_allowed"] is True
    page = login("analyst").get("/initiatives")
    assert page.status_code == 200 and f'href="/initiatives/{DEMO}"' in page.text
    assert 'href="/report"' not in page.text and "only an admin" in page.text
    assert 'href="/report"' in login("admin").get("/initiatives").text
    assert login("member").get("/api/initiatives").status_code == 403
    assert login("member").get("/initiatives").status_code == 403


def test_track_shows_the_curve_against_the_band_by_group_and_around_champions(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    admin = login("admin")
    before = audit_count(org)
    data = admin.get(f"/api/initiatives/{DEMO}/track?runs=200").json()
    assert audit_count(org) == before + 1
    assert data["chart_png"].startswith("data:image/png;base64,")
    assert data["recorded"] > 0 and data["no_adoptions"] == ""
    assert data["headline"].startswith(f"Week {data['week']}:")
    assert len(data["curve"]) == data["week"] + 1
    assert all(r["status"] in ("inside", "above", "below") for r in data["curve"])
    assert all(r["p05"] <= r["mean"] <= r["p95"] for r in data["curve"])
    assert data["by"] == "department" and data["by_group"]
    assert all(g["size"] >= org.settings.min_group_size for g in data["by_group"])
    assert set(data["lagging"]) == {
        g["group"] for g in data["by_group"] if g["status"] == "lagging"
    }
    labels = [n["champion_label"] for n in data["neighbourhoods"]]
    assert labels[-2:] == ["(all champions' contacts)", "(everyone else)"]
    names = set(people_frame(org)["name"])
    assert all(c["person_id_label"].split(" (")[0] in names for c in data["champions"])
    assert len(data["adoptions"]) == data["recorded"]
    page = admin.get(f"/initiatives/{DEMO}")
    assert page.status_code == 200
    assert data["headline"] in page.text.replace("&#39;", "'")
    assert '<img class="chart" src="data:image/png;base64,' in page.text
    assert "Fit the model to the adoptions" in page.text


def test_analyst_sees_pseudonyms_and_opted_out_people_never(copy: Copy) -> None:
    opted = copy.org.opted_out[0]
    with Workspace.open(copy.org.url) as ws:  # a record made before they opted out
        ws.add_adoption(DEMO, opted, pd.Timestamp.now() - pd.Timedelta(days=1), "before opting out")
        people = ws.people(include_left=True)
    hidden_names = [
        str(n) for n in people.loc[people["opted_out"].astype(bool), "name"] if len(str(n)) > 5
    ]
    analyst = copy.client("analyst")
    text = (
        analyst.get(f"/api/initiatives/{DEMO}/track?runs=50").text
        + analyst.get(f"/initiatives/{DEMO}").text
        + analyst.get("/api/influence").text
    )
    assert not [n for n in copy.org.names if n in text]
    assert not PERSON_ID.findall(text)
    assert "person p-" in text
    assert not [p for p in copy.org.opted_out if copy.org.pseudonym(p) in text]
    admin = copy.client("admin")
    shown = (
        admin.get(f"/api/initiatives/{DEMO}/track?runs=50").text + admin.get("/api/influence").text
    )
    assert not [p for p in copy.org.opted_out if f'"{p}"' in shown or f"({p})" in shown]
    assert not [n for n in hidden_names if n in shown]


def test_no_adoptions_yet_is_a_friendly_message_not_an_error(copy: Copy) -> None:
    admin = copy.client("admin")
    data = admin.get(f"/api/initiatives/{copy.fresh}/track?runs=50").json()
    assert data["recorded"] == 0 and data["adoptions"] == []
    assert data["no_adoptions"].startswith("No adoptions recorded yet")
    assert "no adoptions recorded yet" in data["notes"]
    page = admin.get(f"/initiatives/{copy.fresh}")
    assert page.status_code == 200 and "No adoptions recorded yet" in page.text
    fit = admin.post_api(f"/api/initiatives/{copy.fresh}/fit?runs=50")
    assert fit.status_code == 400 and "nothing to fit" in fit.json()["detail"]
    form = admin.post(f"/initiatives/{copy.fresh}/fit", data={"csrf_token": form_token(page.text)})
    assert form.status_code == 400 and "nothing to fit" in form.text


def test_unknown_initiatives_are_404(login: Callable[[str | None], Client]) -> None:
    admin = login("admin")
    assert admin.get("/api/initiatives/9999/track").status_code == 404
    assert "no initiative 9999" in admin.get("/api/initiatives/9999/track").json()["detail"]
    assert admin.get("/initiatives/9999").status_code == 404
    assert admin.post_api("/api/initiatives/9999/fit").status_code == 404
    assert admin.get("/api/initiatives/1/track?runs=0").status_code == 422
    assert admin.get("/api/initiatives/x/track").status_code == 422


# -- recording adoptions -------------------------------------------------------------------


def test_record_and_delete_one_adoption_and_each_mistake_is_a_400(copy: Copy) -> None:
    admin, analyst = copy.client("admin"), copy.client("analyst")
    first, second, third = _active(copy.org, 3)
    url = f"/api/initiatives/{copy.fresh}/adoptions"
    day = (copy.started + pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    done = admin.post_api(url, {"person": first, "adopted_at": day, "evidence": "wiki/page"})
    assert done.status_code == 200, done.text
    assert done.json()["adopted_at"] == day and done.json()["label"].endswith(f"({first})")
    mistakes = {
        "already adopted": {"person": first, "adopted_at": day},
        "is not a known person": {"person": "NOBODY"},
        "before the initiative started": {
            "person": second,
            "adopted_at": (copy.started - pd.Timedelta(days=2)).strftime("%Y-%m-%d"),
        },
        "in the future": {
            "person": second,
            "adopted_at": (pd.Timestamp.now() + pd.Timedelta(days=3)).strftime("%Y-%m-%d"),
        },
        "not a date": {"person": second, "adopted_at": "last tuesday-ish"},
    }
    for said, body in mistakes.items():
        answer = admin.post_api(url, body)
        assert answer.status_code == 400, (said, answer.text)
        assert said in answer.json()["detail"], (said, answer.json())
    opted = admin.post_api(url, {"person": copy.org.opted_out[0]})
    assert opted.status_code == 400 and "is not a known person" in opted.json()["detail"]
    # an analyst names people by pseudonym; a real id is refused like an unknown one
    assert analyst.post_api(url, {"person": third}).status_code == 400
    by_pseudonym = analyst.post_api(url, {"person": copy.org.pseudonym(third)})
    assert by_pseudonym.status_code == 200, by_pseudonym.text
    assert set(copy.adoptions()["person_id"]) == {first, third}
    # delete one, then it is gone (404 the second time)
    gone = admin.delete(f"{url}/{first}", headers={"X-CSRF-Token": admin.csrf})
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    again = admin.delete(f"{url}/{first}", headers={"X-CSRF-Token": admin.csrf})
    assert again.status_code == 404
    assert admin.delete(f"{url}/{third}").status_code == 403  # no CSRF token
    assert (
        copy.client("member")
        .delete(f"{url}/{third}", headers={"X-CSRF-Token": copy.client("member").csrf})
        .status_code
        == 403
    )
    assert set(copy.adoptions()["person_id"]) == {third}


def test_the_forms_record_delete_and_say_what_is_wrong(copy: Copy) -> None:
    admin = copy.client("admin")
    person = _active(copy.org, 5)[0]
    page = admin.get(f"/initiatives/{copy.fresh}")
    token = form_token(page.text)
    done = admin.post(
        f"/initiatives/{copy.fresh}/adoptions",
        data={"person": person, "adopted_at": "", "evidence": "<b>bold</b>", "csrf_token": token},
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/initiatives/{copy.fresh}?message="
    )
    shown = admin.get(f"/initiatives/{copy.fresh}")
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown.text and "<b>bold</b>" not in shown.text
    assert f"/initiatives/{copy.fresh}/adoptions/{person}/delete" in shown.text
    twice = admin.post(
        f"/initiatives/{copy.fresh}/adoptions", data={"person": person, "csrf_token": token}
    )
    assert twice.status_code == 400 and "already adopted" in twice.text
    no_token = admin.post(f"/initiatives/{copy.fresh}/adoptions", data={"person": person})
    assert no_token.status_code == 403
    deleted = admin.post(
        f"/initiatives/{copy.fresh}/adoptions/{person}/delete", data={"csrf_token": token}
    )
    assert deleted.status_code == 303
    assert person not in set(copy.adoptions()["person_id"])


def _upload(
    client: Client, initiative: int, name: str, content: bytes, *, api: bool = True
) -> object:
    files = {"file": (name, content, "text/csv")}
    if api:
        return client.post(
            f"/api/initiatives/{initiative}/adoptions/import",
            files=files,
            headers={"X-CSRF-Token": client.csrf},
        )
    token = form_token(client.get(f"/initiatives/{initiative}").text)
    return client.post(
        f"/initiatives/{initiative}/adoptions/import", files=files, data={"csrf_token": token}
    )


def test_import_a_file_every_row_checked_nothing_stored_on_an_error(copy: Copy) -> None:
    admin = copy.client("admin")
    a, b, c, d = _active(copy.org, 12)[6:10]
    day = (copy.started + pd.Timedelta(days=5)).strftime("%Y-%m-%d")
    future = (pd.Timestamp.now() + pd.Timedelta(days=5)).strftime("%Y-%m-%d")
    before = len(copy.adoptions())
    bad = f"person_id,adopted_at\n{a},{day}\nNOBODY,{day}\n{b},{future}\n{a},{day}\n".encode()
    answer = _upload(admin, copy.fresh, "march adoptions.csv", bad)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    detail = answer.json()["detail"]  # type: ignore[attr-defined]
    assert detail.startswith("march adoptions.csv:")  # the name as sent
    assert "row 3, column person_id" in detail and "'NOBODY' is not a known person" in detail
    assert "row 4" in detail and "in the future" in detail
    assert "row 5" in detail and "adopted again" in detail
    assert "/tmp" not in detail
    assert len(copy.adoptions()) == before
    # the form shows the same error on the page, and stores nothing
    page = _upload(admin, copy.fresh, "march.csv", bad, api=False)
    assert page.status_code == 400 and "row 3, column person_id" in page.text  # type: ignore[attr-defined]
    assert len(copy.adoptions()) == before
    for name, content, said in (
        ("empty.csv", b"", "empty.csv is empty"),
        ("nocolumn.csv", f"who,when\n{a},{day}\n".encode(), "person_id"),
    ):
        refused = _upload(admin, copy.fresh, name, content)
        assert refused.status_code == 400, name  # type: ignore[attr-defined]
        assert said in refused.json()["detail"], refused.json()  # type: ignore[attr-defined]
    assert len(copy.adoptions()) == before
    headless = _upload(admin, copy.fresh, "headless.csv", b"person_id,adopted_at\n")
    assert headless.status_code == 200 and headless.json()["stored"] == 0  # type: ignore[attr-defined]
    good = f"employee_id,date,evidence\n{c},{day},survey\n{d},{day},\n".encode()
    stored = _upload(admin, copy.fresh, "good.csv", good)
    assert stored.status_code == 200, stored.text  # type: ignore[attr-defined]
    assert stored.json()["stored"] == 2  # type: ignore[attr-defined]
    assert {c, d} <= set(copy.adoptions()["person_id"])
    form = _upload(
        admin, copy.fresh, "more.csv", f"person_id,adopted_at\n{a},{day}\n".encode(), api=False
    )
    assert form.status_code == 303 and "1%20adoptions%20stored" in form.headers["location"]  # type: ignore[attr-defined]
    # members may not; CSRF is needed
    member = copy.client("member")
    assert _upload(member, copy.fresh, "x.csv", good).status_code == 403  # type: ignore[attr-defined]
    no_token = admin.post(
        f"/api/initiatives/{copy.fresh}/adoptions/import", files={"file": ("x.csv", good)}
    )
    assert no_token.status_code == 403


# -- fit, influence, report ----------------------------------------------------------------


def test_fit_gives_estimates_with_intervals_on_the_page_too(
    login: Callable[[str | None], Client],
) -> None:
    admin = login("admin")
    answer = admin.post_api(f"/api/initiatives/{DEMO}/fit?runs=100")
    assert answer.status_code == 200, answer.text
    fit = answer.json()["fit"]
    (p,) = fit["parameters"]
    assert p["parameter"] == "P" and p["low"] <= p["estimate"] <= p["high"]
    assert p["forecast_used"] and fit["confidence"] == 0.95
    assert fit["reforecast"] and fit["reforecast_from"] == answer.json()["week"]
    assert admin.post(f"/api/initiatives/{DEMO}/fit").status_code == 403  # no CSRF token
    page = admin.get(f"/initiatives/{DEMO}")
    form = admin.post(f"/initiatives/{DEMO}/fit", data={"csrf_token": form_token(page.text)})
    assert form.status_code == 200 and "The model fitted to what happened" in form.text
    assert "95% interval" in form.text


def test_influence_names_by_role_is_audited_and_checks_its_input(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    admin = login("admin")
    before = audit_count(org)
    data = admin.get(f"/api/influence?initiatives={DEMO}").json()
    assert audit_count(org) == before + 1
    assert data["initiatives"] == [DEMO] and data["summary"]["initiative_cascades"] == 1
    assert data["ties"] and all(t["strength"] > 0 for t in data["ties"])
    assert data["influencers"][0]["person_id_label"].endswith(
        f"({data['influencers'][0]['person_id']})"
    )
    only_learning = admin.get("/api/influence?initiatives=&learning=false")
    assert only_learning.status_code == 200
    assert only_learning.json()["summary"]["skill_cascades"] == 0
    bad = admin.get("/api/influence?initiatives=1,x")
    assert bad.status_code == 400 and "not a list of initiative ids" in bad.json()["detail"]
    assert admin.get("/api/influence?initiatives=9999").status_code == 404
    page = admin.get(f"/influence?initiatives={DEMO}&learning=false&learning=true")
    assert page.status_code == 200 and "Influencers in fact" in page.text
    assert 'name="learning" value="true" checked' in page.text
    assert admin.get("/influence?initiatives=1,x").status_code == 400
    assert login("member").get("/api/influence").status_code == 403


def test_report_is_self_contained_admins_only_and_audited(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    before = audit_count(org)
    answer = login("admin").get("/report")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"] == 'attachment; filename="report.html"'
    assert audit_count(org) == before + 1
    html = answer.text
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<script" not in html.lower()
    remote = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    assert remote == []
    assert "url(http" not in html and "@import" not in html
    assert "data:image/png;base64," in html
    people = people_frame(org)
    hidden = people.loc[people["opted_out"].astype(bool)]
    assert not [n for n in hidden["name"] if len(str(n)) > 5 and str(n) in html]
    # groups under the minimum size are folded, never shown on their own
    assert "fewer than 5 people are not shown" in html or "under 5" in html
    refused = login("analyst").get("/report")
    assert refused.status_code == 403 and "names people" in refused.text
    assert login("member").get("/report").status_code == 403


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
#: The upload limit of the small app.
SMALL = 4096


@pytest.fixture(scope="module")
def small(copy: Copy) -> Iterator[Copy]:
    """A second app on the same copy, taking uploads of at most 4 KB."""
    settings = dataclasses.replace(copy.org.settings, max_upload_bytes=SMALL)
    app = create_app(settings)
    yield Copy(copy.org, app, copy.fresh, copy.started, {})
    app.state.workspace.close()


def _waiting(app: FastAPI) -> list[Path]:
    """The files left in the app's upload folder (none: every upload was removed)."""
    store = getattr(app.state, "uploads", None)
    return sorted(store.folder.iterdir()) if isinstance(store, UploadStore) else []


def test_a_png_named_csv_is_refused_with_the_format_message(copy: Copy) -> None:
    admin = copy.client("admin")
    before = len(copy.adoptions())
    answer = _upload(admin, copy.fresh, "adopted.csv", PNG)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert answer.json()["detail"] == (  # type: ignore[attr-defined]
        "adopted.csv is not a CSV file: it looks like a PNG image; export the sheet as CSV (UTF-8)"
    )
    page = _upload(admin, copy.fresh, "adopted.csv", PNG, api=False)
    assert page.status_code == 400  # type: ignore[attr-defined]
    assert "adopted.csv is not a CSV file: it looks like a PNG image" in page.text  # type: ignore[attr-defined]
    assert "Nothing was stored" in page.text  # type: ignore[attr-defined]
    workbook = _upload(admin, copy.fresh, "adopted.xlsx", b"person_id,adopted_at\n")
    assert workbook.status_code == 400  # type: ignore[attr-defined]
    assert "adopted.xlsx is not an Excel workbook" in workbook.json()["detail"]  # type: ignore[attr-defined]
    graph = _upload(admin, copy.fresh, "adopted.graphml", b"<graphml/>")
    assert graph.status_code == 400  # type: ignore[attr-defined]
    assert "does not import .graphml here" in graph.json()["detail"]  # type: ignore[attr-defined]
    assert len(copy.adoptions()) == before and _waiting(copy.app) == []


def test_an_error_names_the_file_as_sent_never_the_server_path(copy: Copy) -> None:
    admin = copy.client("admin")
    answer = _upload(admin, copy.fresh, "../../etc/adopted <May>.csv", b"who,when\nx,y\n")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    detail = answer.json()["detail"]  # type: ignore[attr-defined]
    assert detail.startswith("adopted _May_.csv:") and "person_id" in detail
    assert "peerweave-uploads" not in detail and "/tmp" not in detail
    assert _waiting(copy.app) == []


def test_an_upload_over_the_limit_is_a_413_and_stores_nothing(small: Copy) -> None:
    admin = small.client("admin")
    before = len(small.adoptions())
    nothing = admin.post(
        f"/api/initiatives/{small.fresh}/adoptions/import",
        data={"other": "x"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert nothing.status_code == 400 and "no file was sent" in nothing.json()["detail"]
    (person,) = _active(small.org, 1)
    day = (small.started + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    big = f"person_id,adopted_at\n{person},{day}\n".encode() + b"#" * SMALL + b"\n"
    for api in (True, False):
        refused = _upload(admin, small.fresh, "big.csv", big, api=api)
        assert refused.status_code == 413  # type: ignore[attr-defined]
        text = refused.text  # type: ignore[attr-defined]
        assert "larger than 4 KB" in text and "peerweave adoptions import" in text
    assert len(small.adoptions()) == before and _waiting(small.app) == []
    spec = admin.get("/api/openapi.json").json()
    body = spec["paths"]["/api/initiatives/{initiative}/adoptions/import"]["post"]["requestBody"]
    assert "multipart/form-data" in body["content"]


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(small: Copy) -> None:
    admin = small.client("admin")
    before = len(small.adoptions())
    boundary = "peerweave-test-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="adopted.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "person_id,adopted_at\r\n"
    ).encode()

    def body() -> Iterator[bytes]:  # 1 MB in 1 KB chunks, no Content-Length
        yield head
        for _ in range(1024):
            yield b"P001,2025-01-01\n" * 64
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = admin.post(
        f"/api/initiatives/{small.fresh}/adoptions/import",
        content=body(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRF-Token": admin.csrf,
        },
    )
    assert answer.request.headers.get("content-length") is None
    assert answer.request.headers.get("transfer-encoding") == "chunked"
    assert answer.status_code == 413 and "larger than 4 KB" in answer.json()["detail"]
    assert len(small.adoptions()) == before and _waiting(small.app) == []


def test_csrf_comes_before_the_file_and_members_are_refused_before_reading(copy: Copy) -> None:
    admin, member = copy.client("admin"), copy.client("member")
    before = len(copy.adoptions())
    url = f"/initiatives/{copy.fresh}/adoptions/import"
    files = {"file": ("adopted.csv", b"person_id,adopted_at\n", "text/csv")}
    assert admin.post(url, files=files).status_code == 403
    assert admin.post(url, files=files, data={"csrf_token": "forged"}).status_code == 403
    token = form_token(member.get("/learning").text)
    assert member.post(url, files=files, data={"csrf_token": token}).status_code == 403
    assert len(copy.adoptions()) == before and _waiting(copy.app) == []
