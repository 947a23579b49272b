"""Who works with whom: stable contacts beyond the team, and the draws events and answers use.

Everyone talks with their team (their manager, the peers who share that manager and,
for managers, their own reports). Beyond the team each person keeps a few stable
contacts: mostly in nearby teams of their department, a few in related departments.
Hidden influencers keep many contacts across teams, mostly in their own department; brokers keep
strong contacts in 3–5 departments that otherwise rarely talk to theirs; the isolated
team keeps none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from peerweave.ingest.synthetic._org import Org, row_choice

__all__ = ["Contacts", "build_contacts", "contact_draw", "team_draw"]

Arr = npt.NDArray[Any]


@dataclass(frozen=True)
class Contacts:
    """Symmetric weighted contacts (CSR): contacts of i are ``dst[ptr[i]:ptr[i + 1]]``."""

    ptr: Arr
    dst: Arr
    weight: Arr

    def has(self) -> Arr:
        """Whether each person has at least one contact."""
        return np.diff(self.ptr) > 0

    def cumulative(self, weight: Arr | None = None) -> Arr:
        """Running sum of edge weights with a leading zero, for weighted draws."""
        w = self.weight if weight is None else weight
        cum: Arr = np.r_[0.0, np.cumsum(w)]
        return cum


def _uniform_in(lo: Arr, hi: Arr, rng: np.random.Generator) -> Arr:
    picked: Arr = lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64)
    return picked


def _other_dept(org: Org, src_dept: Arr, weights: Arr, rng: np.random.Generator) -> Arr:
    """A department other than the source's, drawn by row of ``weights`` (D+1, D)."""
    w = weights.copy()
    d_count = len(org.dept_names)
    w[np.arange(d_count), np.arange(d_count)] = 0.0
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    return row_choice(cum, src_dept, rng.random(len(src_dept)))


def build_contacts(org: Org, rng: np.random.Generator) -> Contacts:
    """Draw everyone's stable contacts beyond their team."""
    n = org.n
    d_count = len(org.dept_names)
    dept_size = (org.dept_hi - org.dept_lo).astype(np.float64)
    regular = ~org.isolated
    regular[0] = False
    people = np.arange(n)

    src: list[Arr] = []
    dst: list[Arr] = []
    wts: list[Arr] = []

    # nearby teams of the same department
    k = rng.poisson(2.2 + 0.8 * org.is_manager) * regular
    s = np.repeat(people, k)
    up1 = org.parent[s]
    anchor = np.where(org.depth[s] >= 3, org.parent[np.maximum(up1, 0)], up1)
    anchor = np.where(org.depth[s] <= 1, s, anchor)
    local = rng.random(len(s)) < 0.55
    lo = np.where(local, anchor, org.dept_lo[org.dept[s]])
    hi = np.where(local, org.sub_end[anchor], org.dept_hi[org.dept[s]])
    src.append(s)
    dst.append(_uniform_in(lo, hi, rng))
    wts.append(rng.lognormal(0.0, 0.7, len(s)))

    # related departments (and the CEO's contacts across the company)
    k = rng.poisson(0.45, n) * regular
    k[0] = min(40, 6 + n // 5000)
    s = np.repeat(people, k)
    weights = org.affinity[:, :d_count] * dept_size[None, :]
    e = _other_dept(org, org.dept[s], weights, rng)
    src.append(s)
    dst.append(_uniform_in(org.dept_lo[e], org.dept_hi[e], rng))
    wts.append(rng.lognormal(-0.3, 0.7, len(s)))

    # hidden influencers: many contacts in other teams, mostly in their own department
    # (reach far above their rank); brokers, below, are the ones whose ties cross departments
    infl = np.flatnonzero(org.influencer)
    s = np.repeat(infl, 40)
    src.append(s)
    dst.append(_uniform_in(org.dept_lo[org.dept[s]], org.dept_hi[org.dept[s]], rng))
    wts.append(rng.lognormal(0.0, 0.5, len(s)))
    s = np.repeat(infl, 12)
    e = _other_dept(org, org.dept[s], np.sqrt(np.ones((d_count + 1, 1)) * dept_size), rng)
    src.append(s)
    dst.append(_uniform_in(org.dept_lo[e], org.dept_hi[e], rng))
    wts.append(rng.lognormal(0.0, 0.5, len(s)))

    # brokers: strong contacts in 3–5 departments that rarely talk to theirs
    brokers = np.flatnonzero(org.broker)
    targets = org.broker_targets
    b_row, b_col = np.nonzero(targets >= 0)
    per = rng.integers(3, 7, size=len(b_row))
    s = np.repeat(brokers[b_row], per)
    e = np.repeat(targets[b_row, b_col], per)
    src.append(s)
    dst.append(_uniform_in(org.dept_lo[e], org.dept_hi[e], rng))
    wts.append(3.0 * rng.lognormal(0.0, 0.4, len(s)))

    a = np.concatenate(src)
    b = np.concatenate(dst)
    w = np.concatenate(wts)
    keep = (a != b) & ~org.isolated[b] & ~org.isolated[a]
    a, b, w = a[keep], b[keep], w[keep]
    a, b = np.concatenate([a, b]), np.concatenate([b, a])
    w = np.concatenate([w, w])
    key = a * n + b
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    weight = np.add.reduceat(w[order], first) if len(first) else np.zeros(0)
    key = key[first]
    a, b = key // n, key % n
    ptr = np.r_[0, np.cumsum(np.bincount(a, minlength=n))]
    return Contacts(ptr=ptr, dst=b, weight=weight)


def team_draw(org: Org, senders: Arr, led: Arr, p_up: Arr, rng: np.random.Generator) -> Arr:
    """One teammate per sender.

    ``led`` draws one of the sender's own reports (the sender must manage someone);
    otherwise the sender's manager with probability ``p_up``, else a peer who shares
    that manager (``p_up`` holds one probability per draw). The sender without a
    manager (the CEO) must have ``led`` set.
    """
    out = np.empty(len(senders), dtype=np.int64)
    u = rng.random(len(senders))
    i = np.flatnonzero(led)
    s = senders[i]
    start = org.kids_ptr[s]
    out[i] = org.kids[start + (u[i] * (org.kids_ptr[s + 1] - start)).astype(np.int64)]
    i = np.flatnonzero(~led)
    s = senders[i]
    p = org.parent[s]
    up = rng.random(len(i)) < p_up[i]
    start = org.kids_ptr[p]
    count = org.kids_ptr[p + 1] - start
    peer = org.kids[start + (u[i] * (count - 1)).astype(np.int64)]
    peer = np.where(peer == s, org.kids[start + count - 1], peer)
    out[i] = np.where(up, p, peer)
    return out


def contact_draw(contacts: Contacts, cum: Arr, senders: Arr, rng: np.random.Generator) -> Arr:
    """One contact per sender, in proportion to ``cum`` (from ``Contacts.cumulative``).

    Every sender must have a contact.
    """
    lo = contacts.ptr[senders]
    hi = contacts.ptr[senders + 1]
    target = cum[lo] + rng.random(len(senders)) * (cum[hi] - cum[lo])
    idx = np.searchsorted(cum, target, side="right") - 1
    picked: Arr = contacts.dst[np.clip(idx, lo, hi - 1)]
    return picked
