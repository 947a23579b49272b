"""Collaboration events (email, chat, meetings, calls), generated block by block.

Each block of ``BLOCK`` consecutive senders has its own random stream, so the events
do not depend on how blocks are grouped into chunks, and 1,000,000 people's events
never need to be in memory at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerweave.ingest.synthetic._contacts import Contacts, contact_draw, team_draw
from peerweave.ingest.synthetic._data import CHANNELS, EXTERNAL_ADDRESSES, LOCATIONS
from peerweave.ingest.synthetic._org import Org

__all__ = ["BLOCK", "EVENT_SCHEMA", "Batch", "EventModel", "build_event_model"]

Arr = npt.NDArray[Any]

#: Senders per random stream; chunks are whole numbers of blocks.
BLOCK = 1024

EMAIL, CHAT, MEETING, CALL = range(4)

#: Column types of ``events.parquet``.
EVENT_SCHEMA = pa.schema(
    [
        pa.field("sender", pa.string(), nullable=False),
        pa.field("recipients", pa.string(), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("duration", pa.float64()),
    ]
)

_EVENTS_STREAM = 101
_SPECIALS_STREAM = 102

# local hour of day (0–23) at which people send, and weekday activity (Mon..Sun)
_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0.3, 2, 7, 12, 13, 12, 7, 9, 12, 11, 9, 5, 2, 1, 0.5, 0.4, 0.2, 0.1]
)
_HOUR = np.arange(24)
_WEEKDAYS = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.04, 0.03])
_WORKDAYS = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
# channel mix of individual contributors and of managers (email, chat, meeting, call)
_CHANNEL_CUM = np.cumsum(np.array([[0.36, 0.42, 0.12, 0.10], [0.34, 0.30, 0.26, 0.10]]), axis=1)
_RECIPIENT_LAMBDA = np.array([0.7, 0.9, 2.5, 0.3])


def _cum(weights: Arr) -> Arr:
    cum = np.cumsum(weights / weights.sum())
    cum[-1] = 1.0
    return cum


_HOUR_CUM = _cum(_HOURS)
_MORNING = _cum(((_HOUR >= 8) & (_HOUR <= 11)).astype(np.float64))
_MEETING = _cum(((_HOUR >= 9) & (_HOUR <= 16)).astype(np.float64))


@dataclass(frozen=True)
class Batch:
    """Events as arrays: address indices (people first, then external addresses)."""

    sender: Arr
    ptr: Arr  # recipients of event e are rec[ptr[e]:ptr[e + 1]]
    rec: Arr
    ts: Arr  # seconds since the epoch, UTC
    channel: Arr
    duration: Arr  # minutes; NaN for email and chat

    def __len__(self) -> int:
        return len(self.sender)

    def take(self, order: Arr) -> Batch:
        """The events at ``order``, in that order."""
        m = np.diff(self.ptr)[order]
        starts = self.ptr[:-1][order]
        ptr = np.r_[0, np.cumsum(m)]
        idx = np.repeat(starts - ptr[:-1], m) + np.arange(ptr[-1])
        return Batch(
            self.sender[order],
            ptr,
            self.rec[idx],
            self.ts[order],
            self.channel[order],
            self.duration[order],
        )

    def slice(self, lo: int, hi: int) -> Batch:
        """Events ``lo`` to ``hi`` (exclusive)."""
        a, b = int(self.ptr[lo]), int(self.ptr[hi])
        return Batch(
            self.sender[lo:hi],
            self.ptr[lo : hi + 1] - a,
            self.rec[a:b],
            self.ts[lo:hi],
            self.channel[lo:hi],
            self.duration[lo:hi],
        )

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        """All events of ``parts``, one after the other."""
        sizes = [len(p.rec) for p in parts]
        shift = np.r_[0, np.cumsum(sizes)[:-1]]
        return Batch(
            np.concatenate([p.sender for p in parts]),
            np.r_[0, np.concatenate([p.ptr[1:] + s for p, s in zip(parts, shift, strict=True)])],
            np.concatenate([p.rec for p in parts]),
            np.concatenate([p.ts for p in parts]),
            np.concatenate([p.channel for p in parts]),
            np.concatenate([p.duration for p in parts]),
        )

    def to_arrow(self, addresses: Any) -> Any:
        """A ``pyarrow.Table`` in ``EVENT_SCHEMA``; ``addresses`` maps indices to emails."""
        recipients = pa.ListArray.from_arrays(
            pa.array(self.ptr.astype(np.int32)), addresses.take(pa.array(self.rec))
        )
        return pa.Table.from_arrays(
            [
                addresses.take(pa.array(self.sender)),
                pc.binary_join(recipients, ";"),
                pa.array(self.ts * 1_000_000, type=pa.int64()).cast(EVENT_SCHEMA.field(2).type),
                pa.array(CHANNELS).take(pa.array(self.channel)),
                pa.array(self.duration, mask=np.isnan(self.duration)),
            ],
            schema=EVENT_SCHEMA,
        )


@dataclass(frozen=True)
class EventModel:
    """Everything needed to generate any block of events on demand."""

    org: Org
    contacts: Contacts
    cum: Arr
    has_contacts: Arr
    expected: Arr  # expected events sent by each person over the period
    p_team: Arr
    p_led: Arr
    p_up: Arr
    clock: Clock
    entropy: int
    specials: Batch
    special_ptr: Arr  # specials of block b are specials[special_ptr[b]:special_ptr[b + 1]]
    addresses: Any  # pyarrow string array: people's emails by index, then external ones

    @property
    def n_blocks(self) -> int:
        """Blocks of senders."""
        return -(-self.org.n // BLOCK)

    def block(self, b: int) -> Batch:
        """The events of senders ``b * BLOCK`` … ``(b + 1) * BLOCK - 1``, in time order."""
        org = self.org
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.entropy, spawn_key=(_EVENTS_STREAM, b)))
        )
        lo, hi = b * BLOCK, min(org.n, (b + 1) * BLOCK)
        snd = np.repeat(np.arange(lo, hi), rng.poisson(self.expected[lo:hi]))
        e = len(snd)
        is_mgr = org.kids_ptr[snd + 1] > org.kids_ptr[snd]
        chan = (rng.random(e)[:, None] >= _CHANNEL_CUM[is_mgr.astype(np.int64)]).sum(axis=1)
        chan = chan.clip(0, 3).astype(np.int8)
        u = rng.random(e)
        extra = rng.poisson(_RECIPIENT_LAMBDA[chan])
        m = np.select(
            [chan == EMAIL, chan == CHAT, chan == CALL],
            [
                1 + np.minimum(extra, 7),
                np.where(u < 0.78, 1, 2 + np.minimum(extra, 4)),
                np.where(u < 0.88, 1, 2),
            ],
            np.where(u < 0.4, 1, 2 + np.minimum(extra, 10)),
        ).astype(np.int64)
        team = (rng.random(e) < self.p_team[snd]) | ~self.has_contacts[snd]
        led = team & is_mgr & ((rng.random(e) < self.p_led[snd]) | (org.parent[snd] < 0))

        ev = np.repeat(np.arange(e), m)
        ss = snd[ev]
        rec = np.empty(len(ev), dtype=np.int64)
        t = np.flatnonzero(team[ev])
        rec[t] = team_draw(org, ss[t], led[ev[t]], self.p_up[ss[t]], rng)
        c = np.flatnonzero(~team[ev])
        rec[c] = contact_draw(self.contacts, self.cum, ss[c], rng)
        key = np.sort(ev * org.n + rec)
        key = key[np.r_[True, key[1:] != key[:-1]]]
        ev, rec = key // org.n, key % org.n
        ptr = np.r_[0, np.cumsum(np.bincount(ev, minlength=e))]

        meeting = chan == MEETING
        ts = _times(self.clock, org.loc[snd], meeting, self.clock.day, _HOUR_CUM, rng)
        dur = np.full(e, np.nan)
        one = np.array([15.0, 30, 30, 45, 60])
        group = np.array([30.0, 30, 45, 60, 60, 90])
        dur[meeting] = np.where(
            m[meeting] == 1, rng.choice(one, meeting.sum()), rng.choice(group, meeting.sum())
        )
        call = chan == CALL
        dur[call] = np.round(2 + rng.gamma(1.6, 9.0, call.sum()), 1).clip(max=120)

        own = Batch(snd, ptr, rec, ts, chan, dur)
        special = self.specials.slice(int(self.special_ptr[b]), int(self.special_ptr[b + 1]))
        both = Batch.concat([own, special])
        return both.take(np.argsort(both.ts, kind="stable"))


@dataclass(frozen=True)
class Clock:
    """The period's calendar: its start, which days people work, and each city's offset."""

    start_sec: int  # 00:00 UTC of the first day, seconds since the epoch
    day: Arr  # cumulative weights of the days for everyday traffic
    workday: Arr  # cumulative weights of Monday to Friday
    tz_offset: Arr  # (locations, days): seconds east of UTC at local noon


def _times(
    clock: Clock, loc: Arr, rounded: Arr, day_cum: Arr, hour_cum: Arr, rng: np.random.Generator
) -> Arr:
    """UTC seconds of events at a working hour local to ``loc``; ``rounded`` on :00/:30."""
    e = len(loc)
    day = np.searchsorted(day_cum, rng.random(e), side="right").clip(0, len(day_cum) - 1)
    hour = np.searchsorted(hour_cum, rng.random(e), side="right").clip(0, 23)
    sec = np.where(rounded, np.where(rng.random(e) < 0.7, 0, 1800), rng.integers(0, 3600, e))
    ts: Arr = clock.start_sec + day * 86400 + hour * 3600 + sec - clock.tz_offset[loc, day]
    return ts


def _clock(org: Org, start: dt.date, weeks: int) -> Clock:
    n_days = 7 * weeks
    weekday = (start.weekday() + np.arange(n_days)) % 7
    return Clock(
        start_sec=(start - dt.date(1970, 1, 1)).days * 86400,
        day=_cum(_WEEKDAYS[weekday]),
        workday=_cum(_WORKDAYS[weekday]),
        tz_offset=_tz_offsets(org.loc_names, start, n_days),
    )


def _tz_offsets(loc_names: tuple[str, ...], start: dt.date, n_days: int) -> Arr:
    out = np.zeros((len(loc_names), n_days), dtype=np.int64)
    for i, city in enumerate(loc_names):
        zone = ZoneInfo(LOCATIONS[city])
        for d in range(n_days):
            day = start + dt.timedelta(days=d)
            noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            offset = noon.utcoffset()
            out[i, d] = int(offset.total_seconds()) if offset is not None else 0
    return out


def _ranges(lo: Arr, length: Arr) -> tuple[Arr, Arr]:
    """Flatten index ranges ``[lo, lo + length)`` into CSR (ptr, values)."""
    ptr = np.r_[0, np.cumsum(length)]
    values = np.repeat(lo - ptr[:-1], length) + np.arange(ptr[-1])
    return ptr, values


def _specials(org: Org, weeks: int, clock: Clock, rng: np.random.Generator) -> tuple[Batch, Arr]:
    """Broadcasts, large meetings and mail to and from outside; with each one's owner."""
    n = org.n
    x = len(EXTERNAL_ADDRESSES)
    regular = np.flatnonzero(~org.isolated)
    parts: list[Batch] = []
    owners: list[Arr] = []

    # announcements: the CEO weekly, department heads now and then
    nb = weeks * (1 + n // 25_000)
    snd = np.zeros(nb, dtype=np.int64)
    snd[weeks:] = org.dept_lo[rng.integers(0, len(org.dept_lo), nb - weeks)]
    lo = snd + 1
    span = org.sub_end[snd] - lo
    length = np.minimum(span, rng.integers(150, 2500, nb))
    lo = lo + (rng.random(nb) * (span - length + 1)).astype(np.int64)
    ptr, rec = _ranges(lo, length)
    ts = _times(clock, org.loc[snd], np.zeros(nb, dtype=bool), clock.workday, _MORNING, rng)
    parts.append(Batch(snd, ptr, rec, ts, np.full(nb, EMAIL, np.int8), np.full(nb, np.nan)))
    owners.append(snd)

    # all-hands and town-hall meetings of large units
    nm = weeks * max(1, n // 4_000)
    big = np.flatnonzero(org.is_manager & (org.sub_end - np.arange(n) >= 31))
    snd = rng.choice(big, nm) if len(big) else np.zeros(nm, dtype=np.int64)
    lo = snd + 1
    span = org.sub_end[snd] - lo
    length = np.minimum(span, rng.integers(26, 160, nm))
    lo = lo + (rng.random(nm) * (span - length + 1)).astype(np.int64)
    ptr, rec = _ranges(lo, length)
    ts = _times(clock, org.loc[snd], np.ones(nm, dtype=bool), clock.workday, _MEETING, rng)
    dur = rng.choice(np.array([60.0, 60.0, 90.0]), nm)
    parts.append(Batch(snd, ptr, rec, ts, np.full(nm, MEETING, np.int8), dur))
    owners.append(snd)

    # to and from addresses outside the organization
    ne = max(4, n // 2_000)
    snd = rng.choice(regular, ne)
    two = rng.random(ne) < 0.25
    ptr = np.r_[0, np.cumsum(1 + two)]
    rec = n + rng.integers(0, x, int(ptr[-1]))
    chan = np.where(rng.random(ne) < 0.85, EMAIL, CALL).astype(np.int8)
    dur = np.where(chan == CALL, np.round(5 + rng.gamma(2.0, 10.0, ne), 1), np.nan)
    ts = _times(clock, org.loc[snd], np.zeros(ne, dtype=bool), clock.day, _HOUR_CUM, rng)
    parts.append(Batch(snd, ptr, rec, ts, chan, dur))
    owners.append(snd)
    to = rng.choice(regular, ne)
    ts = _times(clock, org.loc[to], np.zeros(ne, dtype=bool), clock.day, _HOUR_CUM, rng)
    ext = n + rng.integers(0, x, ne)
    chan = np.full(ne, EMAIL, np.int8)
    parts.append(Batch(ext, np.arange(ne + 1), to, ts, chan, np.full(ne, np.nan)))
    owners.append(to)

    batch = Batch.concat(parts)
    owner = np.concatenate(owners)
    # the isolated team hears no announcements and joins no town halls
    ev = np.repeat(np.arange(len(batch)), np.diff(batch.ptr))
    person = batch.rec < n
    keep = ~(person & org.isolated[np.minimum(batch.rec, n - 1)]) & (batch.rec != batch.sender[ev])
    ptr = np.r_[0, np.cumsum(np.bincount(ev[keep], minlength=len(batch)))]
    batch = Batch(batch.sender, ptr, batch.rec[keep], batch.ts, batch.channel, batch.duration)
    has = np.diff(ptr) > 0
    order = np.argsort(owner // BLOCK, kind="stable")
    order = order[has[order]]
    batch = batch.take(order)
    blocks = owner[order] // BLOCK
    special_ptr = np.searchsorted(blocks, np.arange(-(-n // BLOCK) + 1), side="left")
    return batch, special_ptr


def build_event_model(
    org: Org,
    contacts: Contacts,
    emails: Any,
    *,
    weeks: int,
    start: dt.date,
    events_per_person_week: float,
    entropy: int,
    rng: np.random.Generator,
) -> EventModel:
    """Fix who sends how much to whom, and the special events; blocks follow on demand."""
    n = org.n
    is_mgr = org.is_manager
    act = rng.lognormal(-0.5 * 0.45**2, 0.45, n)
    act[org.influencer] *= 2.5
    act[org.broker] *= 1.5
    act /= act.mean()
    p_team = np.where(is_mgr, 0.62, 0.6)
    p_team[org.influencer] = 0.2
    p_team[org.broker] = 0.3
    p_team[0] = 0.5
    p_team[org.isolated] = 1.0
    p_led = np.where(is_mgr, 0.5, 0.0)
    p_led[org.isolated_leader] = 0.0
    p_led[0] = 1.0
    p_up = np.full(n, 0.22)
    p_up[org.isolated] = 0.004

    specials_rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(_SPECIALS_STREAM,)))
    )
    clock = _clock(org, start, weeks)
    specials, special_ptr = _specials(org, weeks, clock, specials_rng)
    return EventModel(
        org=org,
        contacts=contacts,
        cum=contacts.cumulative(),
        has_contacts=contacts.has(),
        expected=events_per_person_week * weeks * act,
        p_team=p_team,
        p_led=p_led,
        p_up=p_up,
        clock=clock,
        entropy=entropy,
        specials=specials,
        special_ptr=special_ptr,
        addresses=pa.concat_arrays([emails, pa.array(list(EXTERNAL_ADDRESSES), pa.string())]),
    )
