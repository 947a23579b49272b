"""The privacy rules as pure functions, and as the app applies them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import pytest

from peerweave.web.privacy import (
    AccessDenied,
    Viewer,
    audit_needed,
    directory,
    pseudonym,
    relabel,
    resolve_person,
    suppress_small_groups,
)
from tests.web.conftest import Client, Org, audit_count

PEOPLE = pd.DataFrame(
    {
        "person_id": ["P1", "P2", "P3"],
        "name": ["Ada Lovelace", "Bo Chen", None],
        "department": ["R&D", "Ops", "Ops"],
        "opted_out": [False, False, True],
    }
)
ADMIN = Viewer("root", "admin", None)
ANALYST = Viewer("ana", "analyst", None)
MEMBER = Viewer("m", "member", "P1")


def test_pseudonyms_are_stable_keyed_and_distinct() -> None:
    assert pseudonym("P1", b"k1") == pseudonym("P1", b"k1")
    assert pseudonym("P1", b"k1") != pseudonym("P1", b"k2")
    many = {pseudonym(f"P{i}", b"k") for i in range(5000)}
    assert len(many) == 5000


def test_directory_by_role_leaves_out_opted_out_people() -> None:
    admin = directory(PEOPLE, ADMIN, b"k")
    assert admin["ref"].tolist() == ["P1", "P2"]
    assert admin["label"].tolist() == ["Ada Lovelace (P1)", "Bo Chen (P2)"]
    analyst = directory(PEOPLE, ANALYST, b"k")
    assert analyst["ref"].tolist() == [pseudonym("P1", b"k"), pseudonym("P2", b"k")]
    assert not analyst["label"].str.contains("Ada|Bo|P1|P2").any()


def test_relabel_drops_rows_naming_anyone_hidden() -> None:
    sessions = pd.DataFrame({"learner_id": ["P1", "P3", "P2"], "teacher_id": ["P2", "P1", "P9"]})
    shown = relabel(sessions, ("learner_id", "teacher_id"), directory(PEOPLE, ANALYST, b"k"))
    assert len(shown) == 1
    assert shown.loc[0, "teacher_id"] == pseudonym("P2", b"k")


def test_resolve_person_refuses_alike_whether_or_not_the_person_exists() -> None:
    d = directory(PEOPLE, MEMBER, b"k")
    assert resolve_person("me", MEMBER, d) == "P1"
    with pytest.raises(AccessDenied) as existing:
        resolve_person("P2", MEMBER, d)
    with pytest.raises(AccessDenied) as missing:
        resolve_person("NOPE", MEMBER, d)
    assert str(existing.value) == str(missing.value)
    analyst = directory(PEOPLE, ANALYST, b"k")
    assert resolve_person(pseudonym("P2", b"k"), ANALYST, analyst) == "P2"
    with pytest.raises(AccessDenied):  # an analyst cannot use a real id
        resolve_person("P2", ANALYST, analyst)
    with pytest.raises(AccessDenied):  # nobody sees an opted-out person
        resolve_person("P3", ADMIN, directory(PEOPLE, ADMIN, b"k"))


def test_audit_needed_unless_it_is_your_own() -> None:
    assert not audit_needed(MEMBER, "P1")
    assert audit_needed(MEMBER, "P2")
    assert audit_needed(ADMIN, "P1")
    assert audit_needed(ANALYST, None)


def test_small_groups_suppressed() -> None:
    table = pd.DataFrame({"group": ["a", "b", "c"], "size": [5, 4, 40]})
    assert suppress_small_groups(table, min_size=5)["group"].tolist() == ["a", "c"]


# -- as the app applies them --------------------------------------------------------------


def test_analyst_sees_no_name_and_no_real_id(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    analyst = login("analyst")
    text = ""
    for path in (
        "/api/overview",
        "/api/learning/recognition",
        f"/api/people/{org.pseudonym(org.member)}",
        f"/api/learning/peers?skill={org.skill}&person={org.pseudonym(org.member)}",
    ):
        answer = analyst.get(path)
        assert answer.status_code == 200, (path, answer.text)
        text += answer.text
    assert not [n for n in org.names if n in text]
    assert (
        org.member
        not in json.loads(analyst.get(f"/api/people/{org.pseudonym(org.member)}").text)[
            "person"
        ].values()
    )
    assert org.pseudonym(org.member) in text


def test_admin_sees_names(org: Org, login: Callable[[str | None], Client]) -> None:
    person = login("admin").get(f"/api/people/{org.member}").json()["person"]
    assert person["ref"] == org.member
    assert person["label"].endswith(f"({org.member})") and len(person["label"]) > len(org.member)


def test_opted_out_people_appear_nowhere(org: Org, login: Callable[[str | None], Client]) -> None:
    assert org.opted_out, "the synthetic organization should have people who opted out"
    admin = login("admin")
    for person in org.opted_out:
        assert admin.get(f"/api/people/{person}").status_code == 403
    text = admin.get("/api/learning/recognition").text + admin.post_api("/api/learning/match").text
    assert not [p for p in org.opted_out if f'"{p}"' in text]


def test_viewing_someone_else_is_audited_and_your_own_is_not(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    before = audit_count(org)
    assert login("member").get("/api/people/me").status_code == 200
    assert audit_count(org) == before
    assert login("analyst").get(f"/api/people/{org.pseudonym(org.member)}").status_code == 200
    assert audit_count(org) == before + 1
    rows = login("admin").get("/api/audit?limit=1").json()["audit"]
    assert rows[0]["viewer"] == "analyst"
    assert rows[0]["action"] == "view person"
    assert rows[0]["subject_person_id"] == org.member


def test_member_asking_for_another_person_gets_403_and_nothing_leaks(
    org: Org, login: Callable[[str | None], Client]
) -> None:
    member = login("member")
    before = audit_count(org)
    existing = member.get(f"/api/people/{org.other}")
    missing = member.get("/api/people/NO-SUCH-PERSON")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()  # no hint whether the person exists
    page = member.get(f"/person/{org.other}")
    assert page.status_code == 403
    assert audit_count(org) == before  # a refusal writes nothing: nothing was seen
    label = login("admin").get(f"/api/people/{org.other}").json()["person"]["label"]
    name = label.rsplit(" (", 1)[0]
    assert name not in page.text and name not in existing.text
    assert member.get("/api/audit").status_code == 403
