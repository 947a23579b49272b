"""Benchmark the synthetic organization generator: time and peak memory.

Usage::

    python bench/synthetic.py --people 1000000 --out /tmp/org1m

Prints the time to generate the people, skills and survey, the time to write every
file (events streamed to Parquet chunk by chunk), the number of events, the file
sizes and the peak resident memory of the process (``getrusage`` maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from peerweave.ingest.synthetic import generate_organization, write_organization


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once and print what it measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--events-per-person-week", type=float, default=4.0)
    parser.add_argument("--chunk-people", type=int, default=65_536)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    org = generate_organization(
        args.people,
        seed=args.seed,
        weeks=args.weeks,
        events_per_person_week=args.events_per_person_week,
    )
    t1 = time.perf_counter()
    paths = write_organization(org, args.out, chunk_people=args.chunk_people)
    t2 = time.perf_counter()

    events = pq.ParquetFile(paths["events"]).metadata.num_rows
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"people            {args.people:>14,}")
    print(f"events            {events:>14,}")
    print(f"skills rows       {len(org.skills):>14,}")
    print(f"survey rows       {len(org.survey):>14,}")
    print(f"generate          {t1 - t0:>13.1f}s")
    print(f"write (+events)   {t2 - t1:>13.1f}s")
    print(f"total             {t2 - t0:>13.1f}s")
    print(f"peak memory       {peak_kib / 1024**2:>12.2f} GiB")
    for path in paths.values():
        print(f"{path.name:<18}{path.stat().st_size / 1024**2:>11.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
