"""Benchmark: collaboration events -> ties, DuckDB (`aggregate_events`) against plain pandas.

Generates N synthetic events (a Parquet file, ~N/20 people, local collaboration so pairs
repeat), then times :func:`peerweave.ingest.events.aggregate_events` and a straightforward
pandas implementation of the same weighting on the same file, each in a fresh process so
the peak RSS is its own. Prints time, events/s, peak RSS and the ratio, and checks that both
give the same ties. Above ``--pandas-max`` events pandas is skipped (it needs all exploded
addresses in memory).

    python bench/ingest.py                       # 1e6 and 5e7 events
    python bench/ingest.py --events 1e6,1e7 --pandas-max 1e7 --memory-limit 8GB
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHUNK = 2_000_000


def make_people(n_people: int) -> pd.DataFrame:
    """People ``E0000000…`` with emails ``user0@example.com…``."""
    idx = np.arange(n_people).astype(str)
    return pd.DataFrame(
        {
            "person_id": np.char.add("E", np.char.zfill(idx, 7)).astype(object),
            "email": np.char.add(np.char.add("user", idx), "@example.com").astype(object),
        }
    )


def write_events(path: Path, n_events: int, people: pd.DataFrame, seed: int = 0) -> None:
    """Write ``n_events`` synthetic events to Parquet, in chunks (numpy + pyarrow, no loops).

    Channels: 50% email (1-4 recipients, 1% broadcasts to 21-150), 30% chat (mostly 1),
    15% meetings (2-10 attendees, 1% of 26-60), 5% calls. Recipients sit near the sender in
    the id order (so ties repeat); addresses are emails (85%, 5% of them upper case) or
    person ids, and 3% are external. Timestamps span 90 days; durations in minutes.
    """
    rng = np.random.default_rng(seed)
    n_people = len(people)
    n_ext = max(n_people // 10, 10)
    emails = people["email"].to_numpy(dtype=str)
    vocab = pa.array(
        np.concatenate(
            [
                emails,
                np.char.upper(emails),
                people["person_id"].to_numpy(dtype=str),
                np.char.add(np.char.add("guest", np.arange(n_ext).astype(str)), "@partner.example"),
            ]
        ).tolist(),
        type=pa.string(),
    )
    base = np.datetime64("2024-01-01T00:00:00", "s")
    writer: pq.ParquetWriter | None = None
    try:
        for lo in range(0, n_events, CHUNK):
            m = min(CHUNK, n_events - lo)
            ch = rng.choice(4, size=m, p=[0.5, 0.3, 0.15, 0.05])
            k = np.select(
                [ch == 0, ch == 1, ch == 2],
                [rng.geometric(0.5, m), rng.geometric(0.8, m), 1 + rng.poisson(3, m)],
                rng.geometric(0.7, m),
            )
            big = rng.random(m) < 0.01
            k = np.where(big & (ch == 0), rng.integers(21, 150, m), k)
            k = np.where(big & (ch == 2), rng.integers(26, 60, m), k)
            sender = rng.integers(0, n_people, m)
            total = int(k.sum())
            owner = np.repeat(np.arange(m), k)
            offset = np.rint(rng.normal(0, 6, total)).astype(np.int64)
            offset[offset == 0] = 1
            recipient = (sender[owner] + offset) % n_people

            def code(person: np.ndarray) -> np.ndarray:
                size = len(person)
                c = person + n_people * rng.choice(3, size=size, p=[0.85, 0.05, 0.10])
                external = rng.random(size) < 0.03
                c[external] = 3 * n_people + rng.integers(0, n_ext, int(external.sum()))
                return c

            offsets = pa.array(np.concatenate([[0], np.cumsum(k)]).astype(np.int32))
            lists = pa.ListArray.from_arrays(offsets, vocab.take(pa.array(code(recipient))))
            sender_code = sender + n_people * rng.choice(3, size=m, p=[0.85, 0.05, 0.10])
            stamp = base + rng.integers(0, 90 * 86400, m).astype("timedelta64[s]")
            duration = np.select(
                [ch == 2, ch == 3],
                [rng.choice([15.0, 30, 30, 30, 45, 60, 60, 90], m), rng.integers(2, 60, m)],
                np.nan,
            )
            table = pa.table(
                {
                    "sender": vocab.take(pa.array(sender_code)),
                    "recipients": pc.binary_join(lists, ";"),
                    "timestamp": pa.array(
                        stamp.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC")
                    ),
                    "channel": pa.array(np.array(["email", "chat", "meeting", "call"])[ch]),
                    "duration": pa.array(duration, from_pandas=True),
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def pandas_aggregate(
    path: Path, people: pd.DataFrame, max_recipients: int = 20, max_attendees: int = 25
) -> pd.DataFrame:
    """The same tie weights, the straightforward pandas way: read, explode, map, group, sum."""
    from peerweave.ingest.events import CHANNEL_MINUTES

    ev = pd.read_parquet(path, columns=["sender", "recipients", "channel", "duration"])
    n_people = len(people)
    by_id = pd.Series(np.arange(n_people), index=pd.Index(people["person_id"]))
    by_email = pd.Series(np.arange(n_people), index=pd.Index(people["email"].str.lower()))

    def resolve(addr: pd.Series) -> np.ndarray:
        """Person index per address; unknown ones get a negative code per lower-case text."""
        addr = addr.str.strip()
        uniq = pd.Index(pd.unique(addr))
        key = pd.Series(uniq).map(by_id)
        lower = pd.Series(uniq).str.lower()
        key = key.fillna(lower.map(by_email))
        unknown = key.isna().to_numpy()
        codes, _ = pd.factorize(lower[unknown])
        key = np.array(key.to_numpy(dtype=float), copy=True)
        key[unknown] = -1 - codes
        return key.astype(np.int64)[uniq.get_indexer(addr)]

    channel = ev["channel"].fillna("email").str.lower()
    meet = channel.isin(["meeting", "call"]).to_numpy()
    hours = (ev["duration"].fillna(channel.map(dict(CHANNEL_MINUTES))) / 60).to_numpy()
    skey = resolve(ev["sender"])
    rec = ev["recipients"].str.split(";").explode()
    rec = rec[rec.notna() & (rec.str.strip() != "")]
    e = rec.index.to_numpy()
    parts = pd.DataFrame({"ev": e, "r": resolve(rec.astype(str)), "s": skey[e]})
    parts = parts[parts["r"] != parts["s"]].drop_duplicates(["ev", "r"])
    k = parts.groupby("ev").size()
    parts["k"] = k.reindex(parts["ev"]).to_numpy()
    parts["meet"] = meet[parts["ev"].to_numpy()]
    parts["w"] = hours[parts["ev"].to_numpy()] / parts["k"]

    mail = parts[(~parts["meet"]) & (parts["k"] <= max_recipients)]
    mail = mail[(mail["r"] >= 0) & (mail["s"] >= 0)][["s", "r", "w"]]
    mt = parts[parts["meet"] & (parts["k"] + 1 <= max_attendees)]
    organisers = mt.drop_duplicates("ev")[["ev", "s", "w"]].rename(columns={"s": "r"})
    att = pd.concat([mt[["ev", "r", "w"]], organisers])
    att = att[att["r"] >= 0]
    pairs = att.merge(att[["ev", "r"]], on="ev", suffixes=("", "_b"))
    pairs = pairs[pairs["r"] != pairs["r_b"]]
    pairs = pairs.rename(columns={"r": "s", "r_b": "r"})[["s", "r", "w"]]
    ties = pd.concat([mail, pairs]).groupby(["s", "r"], as_index=False)["w"].sum()
    ids = people["person_id"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "source": ids[ties["s"].to_numpy()],
            "target": ids[ties["r"].to_numpy()],
            "weight": ties["w"].to_numpy(),
        }
    )


def _child(which: str, events: str, people: str, out: str, memory_limit: str | None) -> Any:
    """Run one implementation in this (fresh) process; write its ties; return time and RSS."""
    from peerweave.ingest.events import aggregate_events

    people_frame = pd.read_parquet(people)
    start = time.perf_counter()
    if which == "duckdb":
        load = aggregate_events(events, people=people_frame, memory_limit=memory_limit)
        ties = load.ties[["source", "target", "weight"]]
        extra = load.report.summary()
    else:
        ties = pandas_aggregate(Path(events), people_frame)
        extra = ""
    seconds = time.perf_counter() - start
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    ties.to_parquet(out)
    return seconds, rss_gb, len(ties), extra


def _run(which: str, *args: Any) -> Any:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (which, *args))


def _same(a: Path, b: Path) -> str:
    x = pd.read_parquet(a).sort_values(["source", "target"], ignore_index=True)
    y = pd.read_parquet(b).sort_values(["source", "target"], ignore_index=True)
    if len(x) != len(y):
        return f"DIFFERENT: {len(x)} vs {len(y)} ties"
    if not (x["source"].equals(y["source"]) and x["target"].equals(y["target"])):
        return "DIFFERENT pairs"
    gap = float(np.max(np.abs(x["weight"].to_numpy() - y["weight"].to_numpy()), initial=0.0))
    return "same ties" if gap < 1e-9 else f"DIFFERENT weights (max gap {gap:.3g})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1e6,5e7", help="comma-separated sizes")
    parser.add_argument("--pandas-max", type=float, default=1e7, help="skip pandas above this")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory limit, e.g. 8GB")
    parser.add_argument("--workdir", default=None, help="where to write the events (temp)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.events.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix="peerweave-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            people = make_people(max(n // 20, 100))
            events = work / f"events_{n}.parquet"
            people_path = work / f"people_{n}.parquet"
            start = time.perf_counter()
            write_events(events, n, people, seed=args.seed)
            people.to_parquet(people_path)
            size_mb = events.stat().st_size / 1e6
            print(
                f"\n{n:,} events, {len(people):,} people: generated in "
                f"{time.perf_counter() - start:.1f}s ({size_mb:,.0f} MB Parquet)",
                flush=True,
            )
            out_duck = work / f"ties_duckdb_{n}.parquet"
            secs, rss, ties, summary = _run(
                "duckdb", str(events), str(people_path), str(out_duck), args.memory_limit
            )
            print(
                f"  duckdb : {secs:8.1f}s  {n / secs:12,.0f} events/s  "
                f"peak RSS {rss:5.1f} GB  {ties:,} ties",
                flush=True,
            )
            print(f"           {summary}", flush=True)
            if n > args.pandas_max:
                print(f"  pandas : skipped (more than --pandas-max {args.pandas_max:,.0f} events)")
                events.unlink()
                continue
            out_pd = work / f"ties_pandas_{n}.parquet"
            p_secs, p_rss, p_ties, _ = _run(
                "pandas", str(events), str(people_path), str(out_pd), None
            )
            print(
                f"  pandas : {p_secs:8.1f}s  {n / p_secs:12,.0f} events/s  "
                f"peak RSS {p_rss:5.1f} GB  {p_ties:,} ties",
                flush=True,
            )
            print(f"  ratio  : duckdb is {p_secs / secs:.1f}x faster; {_same(out_duck, out_pd)}")
            events.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
