"""Who may see what: the web app's privacy rules, in one place every route goes through.

Pure functions on plain data (no database, no FastAPI):

- a **member** sees their own person-level figures only (and the names of the colleagues
  they learn with or from: a peer finder must name the peer);
- an **analyst** sees group figures (groups under the minimum size left out) and
  person-level figures under stable pseudonyms (:func:`pseudonym`: a keyed HMAC of the
  person id, the same every time under the same secret key);
- an **admin** sees names;
- people who **opted out** appear nowhere (:func:`directory` leaves them out, and
  :func:`relabel` drops every row that names one);
- every view of person-level data by someone other than that person is audited
  (:func:`audit_needed`; the routes write the row).

>>> lead = Viewer("ana", "analyst", None)
>>> people = pd.DataFrame({"person_id": ["P1", "P2"], "name": ["Ada", "Bo"],
...                        "department": ["R&D", "Ops"], "opted_out": [False, True]})
>>> d = directory(people, lead, b"k")
>>> d["ref"].tolist() == [pseudonym("P1", b"k")], bool(d["label"].str.startswith("person ").all())
(True, True)
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from peerweave.errors import PeerweaveError

__all__ = [
    "LEADS",
    "ROLES",
    "AccessDenied",
    "Role",
    "Viewer",
    "audit_needed",
    "directory",
    "pseudonym",
    "relabel",
    "require_role",
    "resolve_person",
    "suppress_small_groups",
]

Role = Literal["admin", "analyst", "member"]

#: Every role, from the most to the least trusted.
ROLES: tuple[Role, ...] = ("admin", "analyst", "member")

#: The roles that lead a programme (see every group figure and pseudonymous people).
LEADS: tuple[Role, ...] = ("admin", "analyst")

#: The columns of :func:`directory`.
DIRECTORY_COLUMNS = ("person_id", "ref", "label", "department")

#: What every refusal says: it never tells whether the person exists.
REFUSED = "you may see only your own data"


class AccessDenied(PeerweaveError):
    """The viewer's role may not see or do this (the web app answers 403).

    >>> str(AccessDenied("leads only"))
    'leads only'
    """


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their account, role and (for a member) the person they are."""

    username: str
    role: Role
    person_id: str | None

    @property
    def is_lead(self) -> bool:
        """An analyst or an admin.

        >>> Viewer("a", "analyst", None).is_lead, Viewer("m", "member", "P1").is_lead
        (True, False)
        """
        return self.role in LEADS


@lru_cache(maxsize=1_048_576)
def pseudonym(person_id: str, key: bytes) -> str:
    """A stable pseudonym of ``person_id``: ``p-`` and 12 hex digits of HMAC-SHA256 under ``key``.

    The same id and key always give the same pseudonym; without the key it cannot be
    reversed or recomputed.

    >>> pseudonym("P1", b"secret") == pseudonym("P1", b"secret") != pseudonym("P1", b"other")
    True
    >>> len(pseudonym("P1", b"secret"))
    14
    """
    return "p-" + hmac.new(key, str(person_id).encode(), sha256).hexdigest()[:12]


def require_role(viewer: Viewer, *roles: Role) -> None:
    """Raise :class:`AccessDenied` unless ``viewer`` has one of ``roles``.

    >>> require_role(Viewer("m", "member", "P1"), "admin", "analyst")
    Traceback (most recent call last):
    ...
    peerweave.web.privacy.AccessDenied: this needs the admin or analyst role; you are a member
    """
    if viewer.role not in roles:
        raise AccessDenied(
            f"this needs the {' or '.join(roles)} role; you are {'an' if viewer.role[0] in 'aeiou' else 'a'} "
            f"{viewer.role}"
        )


def audit_needed(viewer: Viewer, subject_person_id: str | None) -> bool:
    """Whether showing ``subject_person_id``'s data to ``viewer`` must be audited: it must
    unless the viewer is that person (``None``: a list of several people, always audited).

    >>> me = Viewer("m", "member", "P1")
    >>> audit_needed(me, "P1"), audit_needed(Viewer("a", "admin", "P1"), "P2"), audit_needed(me, None)
    (False, True, True)
    """
    return subject_person_id is None or viewer.person_id != subject_person_id


def directory(people: pd.DataFrame, viewer: Viewer, key: bytes) -> pd.DataFrame:
    """The people ``viewer`` may name, as ``person_id, ref, label, department``.

    Opted-out people are left out. ``ref`` is what links and forms carry: the pseudonym
    for an analyst, the person id for the others. ``label`` is what a page shows: the
    pseudonym for an analyst ("person p-…"), the name and id for an admin and a member.

    >>> people = pd.DataFrame({"person_id": ["P1"], "name": ["Ada"], "department": ["R&D"],
    ...                        "opted_out": [False]})
    >>> directory(people, Viewer("root", "admin", None), b"k")[["ref", "label"]].iloc[0].tolist()
    ['P1', 'Ada (P1)']
    """
    shown = people.loc[~people["opted_out"].astype(bool)] if "opted_out" in people else people
    ids = shown["person_id"].astype(str)
    if viewer.role == "analyst":
        refs = pd.Series([pseudonym(i, key) for i in ids], index=shown.index, dtype=object)
        labels = "person " + refs
    else:
        refs = ids
        names = shown["name"] if "name" in shown else pd.Series(pd.NA, index=shown.index)
        named = names.notna() & (names.astype("string").str.strip() != "")
        labels = ids.where(~named, names.astype(str) + " (" + ids + ")")
    department = (
        shown["department"] if "department" in shown else pd.Series(pd.NA, index=shown.index)
    )
    return pd.DataFrame(
        {
            "person_id": ids.to_numpy(),
            "ref": refs.to_numpy(),
            "label": labels.to_numpy(),
            "department": department.to_numpy(),
        }
    )


def relabel(frame: pd.DataFrame, columns: tuple[str, ...], people: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each person-id column replaced by its ``ref`` and a ``<column>_label``
    added, from ``people`` (a :func:`directory`); rows naming anyone not in it (opted
    out, left, unknown) are dropped.

    >>> d = pd.DataFrame({"person_id": ["P1"], "ref": ["P1"], "label": ["Ada (P1)"],
    ...                   "department": ["R&D"]})
    >>> relabel(pd.DataFrame({"teacher_id": ["P1", "P9"], "n": [1, 2]}), ("teacher_id",), d)
      teacher_id  n teacher_id_label
    0         P1  1         Ada (P1)
    """
    index = pd.Index(people["person_id"].astype(str))
    keep = np.ones(len(frame), dtype=bool)
    found: dict[str, npt.NDArray[np.intp]] = {}
    for column in columns:
        at = np.asarray(index.get_indexer(pd.Index(frame[column].astype(str))), dtype=np.intp)
        keep &= at >= 0
        found[column] = at
    out = frame.loc[keep].copy()
    refs, labels = people["ref"].to_numpy(), people["label"].to_numpy()
    for column in columns:
        out[column] = refs[found[column][keep]]
        out[f"{column}_label"] = labels[found[column][keep]]
    return out.reset_index(drop=True)


def resolve_person(ref: str, viewer: Viewer, people: pd.DataFrame) -> str:
    """The person id behind ``ref`` (a link's id or pseudonym) if ``viewer`` may see them.

    A member may see only themself: anyone else is refused with the same
    :class:`AccessDenied` whether or not the person exists. A lead gets
    :class:`AccessDenied` too for anyone not in ``people`` (a :func:`directory`: opted-out
    people are in nobody's), so a refusal never tells who opted out.

    >>> d = pd.DataFrame({"person_id": ["P1"], "ref": ["P1"], "label": ["P1"], "department": [None]})
    >>> resolve_person("P1", Viewer("m", "member", "P1"), d)
    'P1'
    >>> resolve_person("P2", Viewer("m", "member", "P1"), d)
    Traceback (most recent call last):
    ...
    peerweave.web.privacy.AccessDenied: you may see only your own data
    """
    wanted = str(ref).strip()
    if viewer.role == "member":
        if viewer.person_id is None or wanted not in (viewer.person_id, "me"):
            raise AccessDenied(REFUSED)
        return viewer.person_id
    if wanted == "me" and viewer.person_id is not None:
        return viewer.person_id
    hit = people.loc[people["ref"] == wanted, "person_id"]
    if hit.empty and viewer.role == "admin":
        hit = people.loc[people["person_id"] == wanted, "person_id"]
    if hit.empty:
        raise AccessDenied(f"no person {wanted!r} you may see")
    return str(hit.iloc[0])


def suppress_small_groups(
    table: pd.DataFrame, *, min_size: int, size_column: str = "size"
) -> pd.DataFrame:
    """``table`` (one row per group) without the groups under ``min_size`` people.

    >>> t = pd.DataFrame({"group": ["R&D", "Legal"], "size": [12, 3]})
    >>> suppress_small_groups(t, min_size=5)["group"].tolist()
    ['R&D']
    """
    return table.loc[table[size_column].astype("float64") >= min_size].reset_index(drop=True)
