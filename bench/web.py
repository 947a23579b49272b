"""Benchmark: the web app under load (issue 7).

A ``--people`` (10,000) person synthetic organization (``generate_to_directory``, seed
``--seed``) is imported into SQLite with its peer-learning history, a running initiative,
a round of peer circles and two analysis runs, plus the accounts the clients log in with:
``admin`` (an admin), ``analyst`` (an analyst) and ``--members`` (5) members ``member1`` …
each linked to a person with open wishes. The database is cached under ``bench/.cache/``
(``--rebuild`` makes it anew; ``--db FILE`` takes another one); each run works on a copy,
upgraded to this version's schema, so the audit rows the run writes never pile up in the
cache.

The server is ``python -m peerweave --db COPY serve --port PORT [--workers N]`` in its own
process (set ``PYTHONPATH`` to benchmark another checkout's code). The load generator is this process: ``--clients`` (50) closed-loop clients on
one asyncio loop (uvloop when installed), each a keep-alive HTTP/1.1 connection of its own
speaking raw HTTP (no client library in the way: a request costs the client some tens of
microseconds, and its CPU share is printed to show it is not the bottleneck). Each client
logs in (``POST /api/login``) and then cycles, without pause, over its role's routes:

* leads (clients 0, 1 of every 5 are ``admin``, 2, 3 ``analyst``): ``/overview``,
  ``/api/overview``, ``/person/<ref>``, ``/api/people/<ref>``, ``/learning?skill=…&person=…``,
  ``/api/learning/peers?skill=…&person=…``, ``/learning/leads``, ``/api/learning/health``,
  ``/api/learning/recognition``, ``/api/me``, and ``/map``, ``/api/network/map``,
  ``/circles``, ``/initiatives`` when the server has them;
* members (client 4 of every 5): ``/person/me``, ``/api/people/me``, ``/learning?skill=…``,
  ``/api/learning/peers?skill=…``, ``/api/learning/sessions``, ``/api/me``, ``/circles``.

People (``<ref>``: the id for an admin, the pseudonym for an analyst) are drawn at random
(``numpy.random.default_rng(--seed)``) from ``--sample`` (1,000) people who have not opted
out, so the person pages are not a handful of cached ones; the leads find peers for the
wishes of the first ``--peer-sample`` (100) of them (the people a programme lead is
helping: a search ranks every teacher of the skill, some 20 ms each at 10,000 people).
A warm-up of ``--warmup`` seconds (30: a started server reads and prepares the tables
its pages need, some 20 s of work at 10,000 people) runs first and is reported apart;
then ``--seconds`` (60) are measured. Every answer but a 200 is an error; a request
times out after 30 s.

Printed: requests/s, p50/p95/p99, the slowest request and errors per route group, per
role and overall; the CPU the server, the load generator and the machine's other
processes used over the measured seconds (the server's per request); and PASS/FAIL
against the target of issue 7 (p95 under 100 ms, no error) with the ratio of the p95 to
the target (no peer to compare with).

    python bench/web.py                      # 10,000 people, 50 clients, 60 s
    python bench/web.py --workers 2          # two server processes (one per core)
    python bench/web.py --no-other-areas     # the routes of issue 7's list only
    python bench/web.py --quick              # smoke run: 1,000 people, 20 clients, 10 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from peerweave.store import Store
from peerweave.web.privacy import pseudonym

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
#: Bump when the database the benchmark builds changes (a new cache file then).
BUILD_VERSION = 2
SECRET = "bench-web-secret-key-0123456789abcdef"
PASSWORD = "bench password 1"
TARGET_P95 = 0.100  # seconds (issue 7)


# -- the organization ------------------------------------------------------------------------


def build_database(path: Path, *, people: int, seed: int, members: int) -> None:
    """The benchmark's organization, written to ``path`` (see the module docstring)."""
    from peerweave.demo import running_initiative
    from peerweave.errors import PeerweaveError
    from peerweave.ingest.synthetic import generate_to_directory
    from peerweave.network.analysis import AnalysisOptions
    from peerweave.store.accounts import add_user
    from peerweave.web.auth import hash_password
    from peerweave.workspace import Workspace

    start = time.perf_counter()

    def step(text: str) -> None:
        print(f"  {time.perf_counter() - start:6.1f} s  {text}", flush=True)

    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="peerweave-bench-web-") as folder:
        step(f"generating a {people:,}-person organization (seed {seed})")
        files = generate_to_directory(Path(folder) / "data", people, seed=seed)
        with Workspace.open(f"sqlite:///{partial}", create=True) as ws:
            step("importing people, events, survey, skills and sessions")
            ws.import_people(files["people"])
            ws.import_events(files["events"])
            ws.import_survey(files["survey"])
            ws.import_skills(files["skills"])
            ws.import_sessions(files["sessions"], feedback=files.get("feedback"))
            step("a running initiative (champions, 10 weeks of adoptions)")
            running_initiative(ws, seed=seed)
            step("a round of peer circles")
            try:
                ws.new_circle_round(by=["department", "level", "location"], seconds=20.0, seed=seed)
            except PeerweaveError as error:
                step(f"no round of circles: {error}")
            step("two analysis runs")
            options = AnalysisOptions(min_group_size=5)
            ws.analyze(options=options)
            ws.analyze(options=options)
            step("accounts")
            chosen = _member_people(ws.people(), ws.skills(), members, seed)
            hashed = hash_password(PASSWORD)
            with ws.store.transaction() as session:
                add_user(
                    session=session,
                    username="admin",
                    password_hash=hashed,
                    role="admin",
                    person_id=chosen[0],
                )
                add_user(session=session, username="analyst", password_hash=hashed, role="analyst")
                for i, person in enumerate(chosen, start=1):
                    add_user(
                        session=session,
                        username=f"member{i}",
                        password_hash=hashed,
                        role="member",
                        person_id=person,
                    )
    partial.replace(path)
    step(f"built {path} ({path.stat().st_size / 2**20:.0f} MiB)")


def _member_people(people: pd.DataFrame, skills: pd.DataFrame, n: int, seed: int) -> list[str]:
    """``n`` people not opted out who want to learn a skill that someone teaches."""
    active = people.loc[~people["opted_out"].astype(bool), "person_id"].astype(str)
    taught = set(skills.loc[skills["can_teach"], "skill"])
    wishes = skills.loc[skills["wants_to_learn"] & skills["skill"].isin(taught), "person_id"]
    pool = np.array(sorted(set(wishes.astype(str)) & set(active)), dtype=object)
    rng = np.random.default_rng(seed)
    return [str(p) for p in rng.choice(pool, size=n, replace=False)]


@dataclass(frozen=True)
class Sample:
    """What the clients ask about: people (admin refs, analyst refs) and their wishes."""

    people: list[str]
    pseudonyms: list[str]
    wishes: list[tuple[int, str]]  # (index into people, skill)
    member_wishes: dict[str, list[str]]  # member username: skills they want


def draw_sample(db: Path, *, size: int, peer_size: int, seed: int) -> Sample:
    """``size`` people not opted out, drawn at random, and the wishes of the first
    ``peer_size`` of them (the people the leads find peers for)."""
    from peerweave.store.accounts import list_users
    from peerweave.workspace import Workspace

    with Workspace.open(f"sqlite:///{db}") as ws:
        people = ws.people()
        skills = ws.skills()
        with ws.store.transaction() as session:
            accounts = list_users(session=session)
    rng = np.random.default_rng(seed)
    active = people.loc[~people["opted_out"].astype(bool), "person_id"].astype(str).to_numpy()
    chosen = [str(p) for p in rng.choice(active, size=min(size, len(active)), replace=False)]
    taught = set(skills.loc[skills["can_teach"], "skill"])
    wants = skills.loc[skills["wants_to_learn"] & skills["skill"].isin(taught)]
    by_person = wants.groupby("person_id")["skill"].apply(list).to_dict()
    at = {p: i for i, p in enumerate(chosen)}
    wishes = [(at[p], str(s)) for p in chosen[:peer_size] for s in by_person.get(p, [])]
    if not wishes:  # nobody sampled wants anything: ask about the most wanted skill
        top = str(wants["skill"].value_counts().index[0])
        wishes = [(i, top) for i in range(len(chosen))]
    member_wishes = {}
    for row in accounts.itertuples(index=False):
        if row.role == "member":
            member_wishes[str(row.username)] = [str(s) for s in by_person.get(row.person_id, [])]
    return Sample(
        people=chosen,
        pseudonyms=[pseudonym(p, SECRET.encode()) for p in chosen],
        wishes=wishes,
        member_wishes=member_wishes,
    )


# -- the server ------------------------------------------------------------------------------


def start_server(db: Path, *, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "peerweave", "--db", str(db), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PEERWEAVE_SECRET_KEY": SECRET}
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (status {server.returncode}):\n{log.read_text()}")
        try:
            status, _, _ = asyncio.run(_one_get("127.0.0.1", port, "/login"))
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.25)
    stop_server(server)
    raise SystemExit(f"the server did not answer within 120 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children[ppid].append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def machine_cpu_seconds() -> float:
    """CPU time (user + system, every core) the whole machine has spent so far."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(f) for i, f in enumerate(fields) if i not in (3, 4))  # not idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and its descendants so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


# -- the clients -----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for the benchmark."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self.reader, self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, *, cookie: str = "", body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; on a kept-alive connection the server closed meanwhile (it closes
        idle ones after 5 s), once more on a new connection, as HTTP clients do."""
        reused = self.reader is not None
        try:
            return await self._request(method, path, cookie=cookie, body=body)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not reused:
                raise
            return await self._request(method, path, cookie=cookie, body=body)

    async def _request(
        self, method: str, path: str, *, cookie: str = "", body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await self._open()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await reader.readexactly(size + 2))
                if size == 0:
                    break
            content = b"".join(p[:-2] for p in parts)
        else:
            content = b""
        if headers.get("connection") == "close":
            self.close()
        return status, headers, content


async def _one_get(host: str, port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = Connection(host, port)
    try:
        return await connection.request("GET", path)
    finally:
        connection.close()


@dataclass
class Client:
    """One logged-in user with the routes it cycles over: (group, path) pairs."""

    number: int
    username: str
    role: str
    routes: list[tuple[str, str]]
    cookie: str = ""
    records: list[tuple[str, int, float, float]] = field(default_factory=list)


def plan_clients(
    sample: Sample, *, clients: int, available: set[str], seed: int, per_client: int = 400
) -> list[Client]:
    """The clients (every fifth a member), each with ``per_client`` routes drawn in order."""
    rng = np.random.default_rng(seed)
    members = sorted(sample.member_wishes)
    planned = []
    for number in range(clients):
        kind = number % 5
        if kind == 4 and members:
            username = members[(number // 5) % len(members)]
            role = "member"
        else:
            username, role = ("admin", "admin") if kind < 2 else ("analyst", "analyst")
        refs = sample.people if role == "admin" else sample.pseudonyms
        routes: list[tuple[str, str]] = []
        cycle = _lead_cycle(available) if role != "member" else _member_cycle(available)
        offset = int(rng.integers(len(cycle)))
        for i in range(per_client):
            group = cycle[(offset + i) % len(cycle)]
            if role == "member":
                wants = sample.member_wishes[username] or [sample.wishes[0][1]]
                skill, person, ref = str(rng.choice(wants)), "", "me"
            else:
                who, skill = sample.wishes[int(rng.integers(len(sample.wishes)))]
                person = refs[who]
                ref = refs[int(rng.integers(len(refs)))]
            routes.append((group, _path(group, ref=ref, skill=skill, person=person)))
        planned.append(Client(number, username, role, routes))
    return planned


#: Route groups and the paths they stand for.
LEAD_ROUTES = (
    "/overview",
    "/api/overview",
    "/person/{ref}",
    "/api/people/{ref}",
    "/learning?skill",
    "/api/learning/peers",
    "/learning/leads",
    "/api/learning/health",
    "/api/learning/recognition",
    "/api/me",
)
MEMBER_ROUTES = (
    "/person/me",
    "/api/people/me",
    "/learning?skill",
    "/api/learning/peers",
    "/api/learning/sessions",
    "/api/me",
)
#: Routes other areas add: used when the server answers them.
OPTIONAL_LEAD = ("/map", "/api/network/map", "/circles", "/initiatives")
OPTIONAL_MEMBER = ("/circles",)


def _lead_cycle(available: set[str]) -> list[str]:
    return [*LEAD_ROUTES, *(r for r in OPTIONAL_LEAD if r in available)]


def _member_cycle(available: set[str]) -> list[str]:
    return [*MEMBER_ROUTES, *(r for r in OPTIONAL_MEMBER if r in available)]


def _path(group: str, *, ref: str, skill: str, person: str) -> str:
    quote = urllib.parse.quote
    if group in ("/person/{ref}", "/api/people/{ref}"):
        return group.replace("{ref}", quote(ref))
    if group == "/learning?skill":
        return f"/learning?skill={quote(skill)}" + (f"&person={quote(person)}" if person else "")
    if group == "/api/learning/peers":
        return f"{group}?skill={quote(skill)}" + (f"&person={quote(person)}" if person else "")
    return group


async def log_in(client: Client, host: str, port: int) -> None:
    connection = Connection(host, port)
    try:
        body = json.dumps({"username": client.username, "password": PASSWORD}).encode()
        status, headers, content = await connection.request("POST", "/api/login", body=body)
    finally:
        connection.close()
    if status != 200:
        raise SystemExit(f"{client.username} could not log in: {status} {content[:200]!r}")
    client.cookie = headers["set-cookie"].split(";", 1)[0]


async def optional_routes(host: str, port: int, cookie: str) -> set[str]:
    """The routes of :data:`OPTIONAL_LEAD` the server has (an admin gets 200, not 404)."""
    found = set()
    connection = Connection(host, port)
    try:
        for route in OPTIONAL_LEAD:
            status, _, _ = await connection.request("GET", route, cookie=cookie)
            if status == 200:
                found.add(route)
    finally:
        connection.close()
    return found


async def run_client(client: Client, host: str, port: int, stop_at: float) -> None:
    connection = Connection(host, port)
    clock = time.perf_counter
    i = 0
    try:
        while clock() < stop_at:
            group, path = client.routes[i % len(client.routes)]
            i += 1
            start = clock()
            try:
                status, _, _ = await asyncio.wait_for(
                    connection.request("GET", path, cookie=client.cookie), timeout=30
                )
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                connection.close()
                status = 0
            client.records.append((group, status, start, clock() - start))
    finally:
        connection.close()


@dataclass
class Usage:
    """CPU seconds used over the measured period (not the logins, not the warm-up)."""

    server_pid: int
    server: float = 0.0
    client: float = 0.0
    machine: float = 0.0

    def start(self) -> None:
        self.server = -cpu_seconds(self.server_pid)
        self.client = -time.process_time()
        self.machine = -machine_cpu_seconds()

    def stop(self) -> None:
        self.server += cpu_seconds(self.server_pid)
        self.client += time.process_time()
        self.machine += machine_cpu_seconds()


async def load(
    clients: list[Client],
    host: str,
    port: int,
    *,
    warmup: float,
    seconds: float,
    usage: Usage | None = None,
) -> float:
    """Run every client for ``warmup + seconds``; the measured period's start."""
    start = time.perf_counter()
    measured_from = start + warmup
    stop_at = measured_from + seconds

    async def measure() -> None:
        if usage is not None:
            await asyncio.sleep(warmup)
            usage.start()
            await asyncio.sleep(seconds)
            usage.stop()

    await asyncio.gather(measure(), *(run_client(c, host, port, stop_at) for c in clients))
    return measured_from


# -- the report ------------------------------------------------------------------------------


def summarize(records: list[tuple[str, int, float, float]], seconds: float) -> dict[str, float]:
    latency = np.array([r[3] for r in records]) * 1000
    errors = sum(1 for r in records if r[1] != 200)
    if len(latency) == 0:
        return {"n": 0, "rps": 0.0, "p50": np.nan, "p95": np.nan, "p99": np.nan, "errors": 0}
    p50, p95, p99 = np.percentile(latency, [50, 95, 99])
    return {
        "n": len(records),
        "rps": len(records) / seconds,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "max": float(latency.max()),
        "errors": errors,
    }


def print_table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(
        f"{'route group':<30}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    )
    for name, s in rows:
        print(
            f"{name:<30}{s['n']:>10,}{s['rps']:>9.1f}{s['p50']:>9.1f}{s['p95']:>9.1f}"
            f"{s['p99']:>9.1f}{s.get('max', np.nan):>9.1f}{s['errors']:>8,}"
        )


def report(clients: list[Client], measured_from: float, seconds: float) -> dict[str, float]:
    warm = [r for c in clients for r in c.records if r[2] < measured_from]
    measured = [r for c in clients for r in c.records if r[2] >= measured_from]
    if warm:
        w = summarize(warm, 1.0)
        print(
            f"warm-up (not counted): {w['n']:,} requests, p95 {w['p95']:.1f} ms, "
            f"max {w['max']:.1f} ms, {w['errors']} errors"
        )
    by_group: dict[str, list[tuple[str, int, float, float]]] = defaultdict(list)
    for r in measured:
        by_group[r[0]].append(r)
    rows = [(g, summarize(by_group[g], seconds)) for g in sorted(by_group)]
    overall = summarize(measured, seconds)
    print()
    print_table([*rows, ("overall", overall)])
    roles: dict[str, list[tuple[str, int, float, float]]] = defaultdict(list)
    for c in clients:
        roles[c.role].extend(r for r in c.records if r[2] >= measured_from)
    print()
    print_table([(f"as {role}", summarize(roles[role], seconds)) for role in sorted(roles)])
    return overall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000, help="size of the organization")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--members", type=int, default=5, help="member accounts")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before measuring")
    parser.add_argument("--sample", type=int, default=1000, help="people the leads look at")
    parser.add_argument(
        "--peer-sample", type=int, default=100, help="of them, people leads find peers for"
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument(
        "--no-other-areas",
        action="store_true",
        help="leave out /map, /api/network/map, /circles and /initiatives even when there",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the database anew")
    parser.add_argument(
        "--db", type=Path, help="use this benchmark database (copied) instead of the cache"
    )
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and log")
    parser.add_argument("--quick", action="store_true", help="1,000 people, 20 clients, 10 s")
    args = parser.parse_args()
    if args.quick:
        args.people, args.clients, args.seconds, args.warmup = 1000, 20, 10.0, 3.0
        args.sample = min(args.sample, 200)
    host = "127.0.0.1"

    print(
        f"== peerweave web app under load: {args.people:,} people, {args.clients} clients, "
        f"{args.seconds:g} s (+{args.warmup:g} s warm-up), {args.workers} worker(s), "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"web-{args.people}-seed{args.seed}-m{args.members}-v{BUILD_VERSION}.db"
    if args.db is not None:
        cached = args.db
        print(f"organization: {cached} (given)")
    elif args.rebuild or not cached.exists():
        print(f"building the organization into {cached}")
        build_database(cached, people=args.people, seed=args.seed, members=args.members)
    else:
        print(f"organization: {cached} (cached; --rebuild to make it anew)")

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    folder = Path(tempfile.mkdtemp(prefix="peerweave-bench-web-"))
    db = folder / "org.db"
    shutil.copyfile(cached, db)
    Store.init(f"sqlite:///{db}").close()  # upgraded to this version's schema
    sample = draw_sample(db, size=args.sample, peer_size=args.peer_sample, seed=args.seed)
    log = folder / "server.log"
    started = time.perf_counter()
    server = start_server(db, port=args.port, workers=args.workers, log=log)
    print(f"server up in {time.perf_counter() - started:.1f} s (pid {server.pid}, log {log})")
    try:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        admin = Client(-1, "admin", "admin", [])
        runner(log_in(admin, host, args.port))
        available = (
            set() if args.no_other_areas else runner(optional_routes(host, args.port, admin.cookie))
        )
        missing = sorted(set(OPTIONAL_LEAD) - available)
        print(
            "routes of other areas: "
            + (", ".join(sorted(available)) or "none")
            + (f" (not there yet: {', '.join(missing)})" if missing else "")
        )
        clients = plan_clients(sample, clients=args.clients, available=available, seed=args.seed)

        async def everything() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(log_in(c, host, args.port) for c in clients))
            print(f"{len(clients)} clients logged in in {time.perf_counter() - start:.1f} s")
            return await load(
                clients,
                host,
                args.port,
                warmup=args.warmup,
                seconds=args.seconds,
                usage=usage,
            )

        usage = Usage(server.pid)
        measured_from = runner(everything())
    finally:
        stop_server(server)
    overall = report(clients, measured_from, args.seconds)
    others = max(usage.machine - usage.server - usage.client, 0.0)
    per_request = usage.server / max(overall["n"], 1) * 1000
    print(
        f"\nCPU over the measured {args.seconds:g} s: server {usage.server / args.seconds:.2f} "
        f"cores ({per_request:.1f} ms a request), load generator "
        f"{usage.client / args.seconds:.2f} cores, other processes "
        f"{others / args.seconds:.2f} cores (of {os.cpu_count()}); load average before "
        f"{load_before}"
    )
    ok = overall["p95"] < TARGET_P95 * 1000 and overall["errors"] == 0
    print(
        f"\nsummary: {overall['rps']:.0f} requests/s, p50 {overall['p50']:.1f} ms, "
        f"p95 {overall['p95']:.1f} ms, p99 {overall['p99']:.1f} ms, {overall['errors']} errors; "
        f"p95 / target = {overall['p95'] / (TARGET_P95 * 1000):.2f} — "
        f"{'PASS' if ok else 'FAIL'} (p95 < {TARGET_P95 * 1000:.0f} ms, no errors)"
    )
    if args.keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
