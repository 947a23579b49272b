"""ONA survey answers ("advice", "energy") and self-reported skills."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from peerweave.ingest.synthetic._contacts import Contacts, contact_draw, team_draw
from peerweave.ingest.synthetic._data import DEPARTMENTS, EXECUTIVE_SKILLS, GENERIC_SKILLS, SKILLS
from peerweave.ingest.synthetic._org import Org

__all__ = ["QUESTIONS", "build_skills", "build_survey"]

Arr = npt.NDArray[Any]

#: Survey questions, in the order of their integer codes.
QUESTIONS: tuple[str, ...] = ("advice", "energy")

_RESPONSE_RATE = 0.6
_NAMED = np.array([1, 2, 3, 4, 5])
_NAMED_P = np.array([0.15, 0.3, 0.28, 0.17, 0.1])


def build_survey(org: Org, contacts: Contacts, rng: np.random.Generator) -> dict[str, Arr]:
    """Answers of a ~60% sample: 1–5 colleagues per question, strength 1–5.

    Answers follow the collaboration structure (team, manager, stable contacts); people
    go to hidden influencers for advice far more often than to their other contacts,
    and the isolated team names only its own members.
    """
    n = org.n
    is_mgr = org.is_manager
    has = contacts.has()
    src = np.repeat(np.arange(n), np.diff(contacts.ptr))
    senior = np.clip(org.level[contacts.dst] - org.level[src], 0, 3)
    influencer = org.influencer[contacts.dst]
    cums = {
        "advice": contacts.cumulative(contacts.weight * (1 + 9 * influencer) * (1 + 0.3 * senior)),
        "energy": contacts.cumulative(contacts.weight * (1 + 1.5 * influencer)),
    }
    respondents = np.flatnonzero(rng.random(n) < _RESPONSE_RATE)
    out: dict[str, list[Arr]] = {"respondent": [], "question": [], "colleague": [], "strength": []}
    for q, (question, p_team, p_up, p_led) in enumerate(
        (("advice", 0.5, 0.45, 0.3), ("energy", 0.55, 0.15, 0.5))
    ):
        named = rng.choice(_NAMED, size=len(respondents), p=_NAMED_P)
        r = np.repeat(respondents, named)
        k = len(r)
        team = (rng.random(k) < np.where(org.isolated[r], 1.0, p_team)) | ~has[r]
        lead = np.full(k, p_led)
        lead[r == org.isolated_leader] = 0.0
        led = team & is_mgr[r] & ((rng.random(k) < lead) | (org.parent[r] < 0))
        up = np.where(org.isolated[r], 0.0, p_up)
        colleague = np.empty(k, dtype=np.int64)
        t = np.flatnonzero(team)
        colleague[t] = team_draw(org, r[t], led[t], up[t], rng)
        c = np.flatnonzero(~team)
        colleague[c] = contact_draw(contacts, cums[question], r[c], rng)
        is_manager = colleague == org.parent[r]
        p = np.where(team, np.where(is_manager, 0.65, 0.55), 0.42)
        if question == "advice":
            p = np.where(org.influencer[colleague], 0.78, p)
        strength = 1 + rng.binomial(4, p)
        key = r * n + colleague
        order = np.argsort(key, kind="stable")
        first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
        out["respondent"].append(r[first])
        out["question"].append(np.full(len(first), q, dtype=np.int64))
        out["colleague"].append(colleague[first])
        out["strength"].append(strength[first])
    return {name: np.concatenate(parts) for name, parts in out.items()}


def _skill_weights(d_count: int) -> Arr:
    """(D + 1, skills): how likely someone in each department lists each skill."""
    w = np.full((d_count + 1, len(SKILLS)), 0.25)
    generic = [SKILLS.index(s) for s in GENERIC_SKILLS]
    w[:, generic] = 1.2
    for d, dept in enumerate(DEPARTMENTS[:d_count]):
        w[d, [SKILLS.index(s) for s in dept.skills]] = 6.0
    w[d_count, [SKILLS.index(s) for s in EXECUTIVE_SKILLS]] = 6.0
    return w


_CORE_LEVEL = np.cumsum([0.04, 0.14, 0.34, 0.32, 0.16])
_OTHER_LEVEL = np.cumsum([0.22, 0.34, 0.26, 0.13, 0.05])
_WANTS = np.array([0.85, 0.5, 0.25, 0.0, 0.0])


def build_skills(org: Org, rng: np.random.Generator, *, chunk: int = 131_072) -> dict[str, Arr]:
    """Skill rows: a few per person, skewed to the department, one row per (person, skill).

    Levels 0–4; ``can_teach`` only (and mostly) at level 3+, ``wants_to_learn`` only at
    level 2 or below; ``capacity`` 1–3, the same on all of a person's rows. About 8% of
    people list no skills.
    """
    n = org.n
    s_count = len(SKILLS)
    w = _skill_weights(len(org.dept_names))
    log_w = np.log(w)
    core = w >= 6.0
    listed = rng.poisson(2.5, n) + 2
    listed[org.influencer | org.broker] += 2
    listed = np.minimum(listed, 10)
    listed[(rng.random(n) < 0.08) & ~org.influencer & ~org.broker] = 0
    capacity = rng.choice(np.array([1, 2, 3]), size=n, p=[0.25, 0.55, 0.2])
    people: list[Arr] = []
    skills: list[Arr] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        keys = log_w[org.dept[lo:hi]] + rng.gumbel(size=(hi - lo, s_count))
        top = np.argsort(-keys, axis=1)[:, :10]
        take = np.arange(10)[None, :] < listed[lo:hi, None]
        row, col = np.nonzero(take)
        people.append(lo + row)
        skills.append(top[row, col])
    person = np.concatenate(people)
    skill = np.concatenate(skills)
    u = rng.random(len(person))
    level = np.where(
        core[org.dept[person], skill],
        np.searchsorted(_CORE_LEVEL, u, side="right"),
        np.searchsorted(_OTHER_LEVEL, u, side="right"),
    ).clip(0, 4)
    level = np.where(org.influencer[person], np.minimum(level + 1, 4), level)
    can_teach = (level >= 3) & (rng.random(len(person)) < 0.8)
    wants = rng.random(len(person)) < _WANTS[level]
    return {
        "person": person,
        "skill": skill,
        "level": level,
        "can_teach": can_teach,
        "wants_to_learn": wants,
        "capacity": capacity[person],
    }
