"""The network map and the silo heatmap: what each role gets, the group-level map of a
large organization and its drill-down, privacy (pseudonyms, opt-outs, small groups), the
layout cache and the overview's heatmap."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from peerweave.web import create_app
from peerweave.web.map import COLOR_CHOICES, MapCache, network_map, silo_matrix
from peerweave.web.privacy import Viewer
from peerweave.workspace import Workspace
from tests.web.conftest import PASSWORD, Client, Org, audit_count, people_frame
from tests.web.copies import copy_org, logged_in

Login = Callable[[str | None], Client]

#: The group-level threshold of the second app (the test organization has 200 people).
SMALL_LIMIT = 50


def _active(org: Org) -> pd.DataFrame:
    people = people_frame(org)
    return people.loc[~people["opted_out"].astype(bool)].reset_index(drop=True)


def _small_departments(org: Org) -> set[str]:
    """Departments with fewer active people than the minimum group size."""
    counts = _active(org)["department"].dropna().astype(str).value_counts()
    return {str(d) for d, n in counts.items() if n < org.settings.min_group_size}


def _check_shape(data: dict[str, Any]) -> None:
    assert data["level"] in ("people", "groups")
    assert isinstance(data["note"], str) and data["note"]
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == len(data["nodes"])
    for node in data["nodes"]:
        assert {"id", "label", "x", "y", "size", "color", "color_key"} <= set(node)
        assert isinstance(node["x"], float) and isinstance(node["y"], float)
        assert node["size"] > 0 and re.fullmatch(r"#[0-9A-Fa-f]{6}", node["color"])
    for source, target, weight in data["edges"]:
        assert source in ids and target in ids and source != target and weight > 0
    for item in data["legend"]:
        assert set(item) == {"key", "color", "count"}


@pytest.fixture(scope="module")
def limited(org: Org) -> Iterator[Client]:
    """An analyst on a second app whose map shows groups above 50 people."""
    settings = dataclasses.replace(org.settings, map_people_limit=SMALL_LIMIT)
    app = create_app(settings)
    client = Client(app, follow_redirects=False)
    answer = client.post("/api/login", json={"username": "analyst", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.csrf = answer.json()["csrf_token"]
    yield client
    app.state.workspace.close()


# -- the person-level map -----------------------------------------------------------------


def test_analyst_gets_a_people_map_under_pseudonyms(org: Org, login: Login) -> None:
    answer = login("analyst").get("/api/network/map")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    _check_shape(data)
    assert data["level"] == "people" and data["group"] is None
    active = _active(org)
    assert len(data["nodes"]) == len(active)
    assert {n["id"] for n in data["nodes"]} == {org.pseudonym(p) for p in active["person_id"]}
    assert all(n["label"] == f"person {n['id']}" for n in data["nodes"])
    assert data["edges"], "the network has ties"
    text = answer.text
    assert not [name for name in org.names if name in text], "an analyst saw a name"
    assert data["color"] == "department" and data["size"] == "pagerank"
    assert data["legend"] and sum(i["count"] or 0 for i in data["legend"]) <= len(active)


def test_admin_gets_names(org: Org, login: Login) -> None:
    data = login("admin").get("/api/network/map?color=role&size=degree").json()
    _check_shape(data)
    active = _active(org)
    assert {n["id"] for n in data["nodes"]} == set(active["person_id"].astype(str))
    named = dict(zip(active["person_id"].astype(str), active["name"].astype(str), strict=True))
    node = data["nodes"][0]
    assert node["label"] == f"{named[node['id']]} ({node['id']})"
    assert {i["key"] for i in data["legend"]} <= {
        "bottleneck",
        "broker",
        "hidden_influencer",
        "connector",
        "peripheral",
        "isolated",
        "no role",
    }


def test_opted_out_people_and_their_ties_are_nowhere(org: Org, login: Login) -> None:
    assert org.opted_out, "the test organization has people who opted out"
    for role in ("admin", "analyst"):
        data = login(role).get("/api/network/map").json()
        hidden = set(org.opted_out) | {org.pseudonym(p) for p in org.opted_out}
        assert not hidden & {n["id"] for n in data["nodes"]}
        assert not hidden & {end for edge in data["edges"] for end in edge[:2]}
    people = people_frame(org)
    names = people.loc[people["person_id"].isin(org.opted_out), "name"].astype(str)
    text = login("admin").get("/api/network/map").text
    assert not [n for n in names if len(n) > 5 and n in text]


def test_every_colour_and_size_works_and_small_groups_are_unnamed(org: Org, login: Login) -> None:
    analyst = login("analyst")
    grey_keys = {f"(groups under {org.settings.min_group_size})", "other groups"}
    for color in COLOR_CHOICES:
        data = analyst.get(f"/api/network/map?color={color}&size=betweenness").json()
        _check_shape(data)
        keys = pd.Series([n["color_key"] for n in data["nodes"]]).value_counts()
        if color in ("community", "role"):
            continue
        for key, count in keys.items():  # a named colour is a group of at least 5
            assert key in grey_keys or count >= org.settings.min_group_size, (color, key)
    small = _small_departments(org)
    text = analyst.get("/api/network/map").text
    assert not [d for d in small if f'"{d}"' in text]


def test_bad_choices_are_400_with_the_choices(login: Login) -> None:
    analyst = login("analyst")
    bad = analyst.get("/api/network/map?color=shoe-size")
    assert bad.status_code == 400
    assert "community" in bad.json()["detail"] and "department" in bad.json()["detail"]
    assert analyst.get("/api/network/map?size=height").status_code == 400
    assert analyst.get("/api/network/map?by=title").status_code == 400
    assert analyst.get("/api/network/map?group=" + "x" * 300).status_code == 422


def test_unknown_group_is_400_and_says_what_to_do(org: Org, login: Login) -> None:
    answer = login("analyst").get("/api/network/map?group=Atlantis")
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "no department 'Atlantis'" in detail and "group map" in detail
    for small in _small_departments(org):  # a small group is refused just the same
        again = login("analyst").get("/api/network/map", params={"group": small})
        assert again.status_code == 400
        assert f"no department {small!r} with at least" in again.json()["detail"]


def test_member_is_refused_and_anonymous_must_log_in(login: Login) -> None:
    assert login("member").get("/api/network/map").status_code == 403
    assert login("member").get("/api/overview/silos").status_code == 403
    assert login(None).get("/api/network/map").status_code == 401
    assert login(None).get("/map").status_code == 303


def test_each_people_map_load_writes_one_audit_row(org: Org, login: Login) -> None:
    before = audit_count(org)
    login("analyst").get("/api/network/map")
    assert audit_count(org) == before + 1
    login("admin").get("/map")
    assert audit_count(org) == before + 2
    login("analyst").get("/api/network/map?color=nothing")  # refused: nothing was seen
    assert audit_count(org) == before + 2
    rows = login("admin").get("/api/audit?limit=5").json()["audit"]
    mine = [r for r in rows if r["action"] == "network map"]
    assert mine and "people map" in mine[0]["detail"]


# -- the group-level map of a large organization -----------------------------------------


def test_a_large_organization_shows_groups_first(org: Org, limited: Client) -> None:
    answer = limited.get("/api/network/map")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    _check_shape(data)
    assert data["level"] == "groups" and "more than the map shows" in data["note"]
    active = _active(org)
    counts = active["department"].dropna().astype(str).value_counts()
    named = {d for d, n in counts.items() if n >= org.settings.min_group_size}
    folded = f"(groups under {org.settings.min_group_size})"
    ids = {n["id"] for n in data["nodes"]}
    assert named <= ids and ids <= named | {folded}
    for node in data["nodes"]:
        if node["id"] != folded:
            assert node["people"] == counts[node["id"]]
    assert not _small_departments(org) & set(answer.text.split('"'))
    assert {g["key"] for g in data["groups"]} == ids
    assert data["edges"] and all(w >= 1 for _, _, w in data["edges"])


def test_group_map_is_not_audited_and_by_team_names_no_small_team(
    org: Org, limited: Client
) -> None:
    before = audit_count(org)
    data = limited.get("/api/network/map?by=team").json()
    assert audit_count(org) == before
    assert data["level"] == "groups" and data["by"] == "team"
    for node in data["nodes"]:
        assert node["people"] is None or node["people"] >= org.settings.min_group_size
        if node["people"] is None:
            assert node["id"].startswith("(groups under")


def test_drill_down_shows_only_that_groups_people(org: Org, limited: Client) -> None:
    active = _active(org)
    department = str(active["department"].value_counts().index[0])
    data = limited.get("/api/network/map", params={"group": department, "color": "level"}).json()
    _check_shape(data)
    assert data["level"] == "people" and data["group"] == department
    inside = active.loc[active["department"] == department, "person_id"].astype(str)
    expected = {org.pseudonym(p) for p in inside}
    got = {n["id"] for n in data["nodes"]}
    if len(inside) <= SMALL_LIMIT:
        assert got == expected
    else:  # a group larger than the limit: its most influential people
        assert got < expected and len(got) == SMALL_LIMIT and "most influential" in data["note"]
    assert department in data["note"]


# -- the layout cache ------------------------------------------------------------------------


def test_layouts_are_computed_once_per_run(org: Org) -> None:
    viewer = Viewer("analyst", "analyst", None)
    cache = MapCache()
    with Workspace.open(org.url) as ws:
        first = network_map(ws, viewer, org.settings, cache=cache)
        kept = dict(cache._items)
        misses = cache.misses
        second = network_map(ws, viewer, org.settings, color="community", cache=cache)
        assert cache.misses == misses and cache.hits >= 2
        assert all(cache._items[key] is value for key, value in kept.items())
        assert [(n["id"], n["x"], n["y"]) for n in first["nodes"]] == [
            (n["id"], n["x"], n["y"]) for n in second["nodes"]
        ]
        fresh = network_map(ws, viewer, org.settings)  # no cache: the same, seeded layout
        assert [n["x"] for n in fresh["nodes"]] == [n["x"] for n in first["nodes"]]


def test_the_app_keeps_its_layouts(login: Login) -> None:
    analyst = login("analyst")
    analyst.get("/api/network/map")
    cache = analyst.app.state.map_cache  # type: ignore[attr-defined]
    misses = cache.misses
    analyst.get("/api/network/map?size=degree")
    analyst.get("/api/overview/silos")
    analyst.get("/api/overview/silos")
    assert cache.misses <= misses + 1  # at most the heatmap's matrix was new


# -- the silo heatmap ------------------------------------------------------------------------


def test_heatmap_rows_are_shares_of_each_groups_ties(org: Org, login: Login) -> None:
    data = login("analyst").get("/api/overview/silos").json()
    assert data["attribute"] == "department" and data["groups"] and data["rows"]
    assert [r["group"] for r in data["rows"]] == data["groups"]
    for row in data["rows"]:
        assert [c["group"] for c in row["cells"]] == data["groups"]
        assert sum(c["ties"] for c in row["cells"]) == row["ties"]
        if row["ties"]:
            assert sum(c["share"] for c in row["cells"]) == pytest.approx(1.0)
        assert all(0.0 <= c["share"] <= 1.0 and 0.0 <= c["shade"] <= 1.0 for c in row["cells"])
    small = _small_departments(org)
    assert not small & set(data["groups"])
    departments = _active(org)["department"].dropna().astype(str)
    fold = int(departments.isin(small).sum())
    assert (f"(groups under {org.settings.min_group_size})" in data["groups"]) == (
        fold >= org.settings.min_group_size
    ), "a fold of fewer than 5 people is a small group too"
    diagonal = [row["cells"][i]["share"] for i, row in enumerate(data["rows"])]
    assert max(diagonal) > 0  # ties inside departments exist


def test_overview_page_shows_the_heatmap(login: Login) -> None:
    data = login("admin").get("/api/overview/silos").json()
    page = login("admin").get("/overview")
    assert page.status_code == 200
    assert "Silo heatmap" in page.text and 'class="heatmap"' in page.text
    assert page.text.count('<td style="background: rgba(') == len(data["groups"]) ** 2


def test_heatmap_without_an_analysis_says_so(org: Org, tmp_path: Any) -> None:
    from peerweave.store import Store

    url = f"sqlite:///{tmp_path}/empty.db"
    Store.init(url).close()
    with Workspace.open(url) as ws:
        viewer = Viewer("lead", "admin", None)
        settings = dataclasses.replace(org.settings, database_url=url)
        assert silo_matrix(ws, viewer, settings)["rows"] == []
        empty = network_map(ws, viewer, settings)
        assert empty["nodes"] == [] and "no analysis" in empty["note"]


# -- the page ---------------------------------------------------------------------------------


def test_map_page_embeds_the_map_and_loads_only_vendored_scripts(login: Login) -> None:
    page = login("analyst").get("/map?color=community")
    assert page.status_code == 200
    assert 'id="map-data"' in page.text and '<option value="community" selected>' in page.text
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.text)
    assert "/static/vendor/sigma.min.js" in scripts and "/static/map.js" in scripts
    assert all(s.startswith("/static/") for s in scripts), "nothing from the internet"
    client = login("analyst")
    for path in (
        "/static/vendor/sigma.min.js",
        "/static/vendor/graphology.umd.min.js",
        "/static/map.js",
    ):
        asset = client.get(path)
        assert asset.status_code == 200 and len(asset.content) > 1000, path


def test_map_page_with_a_bad_group_says_why(login: Login) -> None:
    page = login("admin").get("/map?group=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 400
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text


# -- data that changes under a cached map ----------------------------------------------------

SCRIPT = '</script><script>alert("x")</script>'


def test_an_opt_out_shows_at_once_and_names_are_escaped(org: Org, tmp_path: Path) -> None:
    own, app = copy_org(org, tmp_path)
    try:
        admin = logged_in(app, "admin")
        before = admin.get("/api/network/map").json()
        cache = app.state.map_cache
        leaving = max(before["nodes"], key=lambda n: n["size"])["id"]
        department = str(_active(own)["department"].value_counts().index[0])
        database = sqlite3.connect(own.url.removeprefix("sqlite:///"))
        with database:
            database.execute("UPDATE people SET opted_out = 1 WHERE person_id = ?", (leaving,))
            database.execute(
                "UPDATE people SET department = ? WHERE department = ?", (SCRIPT, department)
            )
            database.execute("UPDATE people SET name = ? WHERE person_id = ?", (SCRIPT, own.member))
        database.close()
        misses = cache.misses
        after = admin.get("/api/network/map?color=department").json()
        assert cache.misses > misses, "a new opt-out gives a new layout"
        assert leaving not in {n["id"] for n in after["nodes"]}
        assert leaving not in {end for edge in after["edges"] for end in edge[:2]}
        assert len(after["nodes"]) == len(before["nodes"]) - 1
        assert SCRIPT in {n["color_key"] for n in after["nodes"]}
        for path, params in (("/map", {}), ("/overview", {}), ("/map", {"group": SCRIPT})):
            page = admin.get(path, params=params)
            assert page.status_code == 200, (path, page.text[:300])
            assert SCRIPT not in page.text and "<script>alert" not in page.text, path
        drilled = admin.get("/api/network/map", params={"group": SCRIPT}).json()
        assert drilled["group"] == SCRIPT and drilled["nodes"]
    finally:
        app.state.workspace.close()
