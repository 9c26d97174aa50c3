#!/usr/bin/env python3
"""Benchmark: 20 reviewers saving entries of one 2,000-unit article through the review app.

One command: ``python bench/review_bench.py``. A throwaway project gets a 2,000-unit article
whose entries are all machine drafts; the review app runs under uvicorn in a subprocess on
127.0.0.1 (one worker, as ``transpub review serve`` runs it). Twenty clients (threads, one
``httpx`` session each, logged in as twenty reviewers) each approve ``--saves`` entries with a
corrected text, as the editor page's script does (POST with ``X-Requested-With: fetch``). A tenth of
the saves aim at a small set of entries that every client edits, from the same starting text, so
conflicts must happen: the first save of such an entry wins, every later one must get 409.

Two loads: *closed loop* (every client saves again as soon as it is answered: saturation, the
server's throughput decides the latency) and *paced* (each client saves once every 1–2 s, as
people do: the latency a reviewer sees). Reported: save latency (p50, p95, max), throughput,
the article page's load time (cold: first view, checks included; warm: median of repeats;
twice a second during the closed-loop saves; and the first view after a restart of the
server), memory suggestions right after a save (p95), and a check that no update was lost:
every accepted text is in the catalog at the end, every refused
one was refused with a conflict that showed the winning text. The peer, measured in the same run
on a copy of the same project: the same saves through the library function
(``transpub.review.actions.save_entry``) from twenty threads, without HTTP; and a GET of a static
file for the HTTP floor.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_draft
from transpub.catalog.sync import sync_article
from transpub.checks.report import project_glossary
from transpub.credits import contributions
from transpub.credits.contributions import entry_id
from transpub.review.accounts import Role, UserStore
from transpub.review.actions import ConflictError, save_entry

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password"
SECRET = "b" * 48
SLUG = "big"


def _source(units: int) -> str:
    """A long report: headings, paragraphs with glossary terms, list items — ``units`` in all."""
    lines = ["---", "title: 开源社年度报告（基准测试）", "---", ""]
    n = 1
    while n < units:
        section = n // 20
        lines += [f"## 第{section}章 开源社区发展", ""]
        n += 1
        for i in range(19):
            if n >= units:
                break
            if i % 4 == 3:
                lines += [f"- 第{section}章第{i}项：推出年度报告英文版，运营多语种内容", ""]
            else:
                lines += [
                    f"第{section}章第{i}段：开源社国际接轨组致力于连接中国与全球开源社区，"
                    f"推动开源治理、社区发展与项目孵化（编号 {n}）。",
                    "",
                ]
            n += 1
    return "\n".join(lines)


def make_project(folder: Path, units: int) -> list[tuple[str, str]]:
    """The project, with every entry a machine draft; (msgid, draft) in document order."""
    (folder / "articles" / SLUG).mkdir(parents=True)
    (folder / "transpub.toml").write_text('[project]\nname = "bench"\n', encoding="utf-8")
    (folder / "glossary").mkdir()
    shutil.copy(ROOT / "glossary" / "glossary.csv", folder / "glossary" / "glossary.csv")
    (folder / "articles" / SLUG / "zh.md").write_text(_source(units), encoding="utf-8")
    project = Project.open(folder)
    article = project.article(SLUG)
    sync_article(project, article)
    po = pofile.load(article.catalog)
    drafts = []
    for n, entry in enumerate(po):
        text = f"Machine draft {n} of the KAIYUANSHE annual report."
        record_draft(entry, text, "mt:deepl", None)
        drafts.append((entry.msgid, text))
    pofile.save(po, article.catalog)
    return drafts


@dataclass
class Plan:
    """Who saves which entry: mostly their own, a tenth on entries every client edits."""

    jobs: list[list[tuple[str, str, str]]]  # per client: (msgid, base, new text)
    hot: set[str] = field(default_factory=set)


def make_plan(drafts: list[tuple[str, str]], clients: int, saves: int, seed: int = 7) -> Plan:
    rng = random.Random(seed)
    order = drafts[1:]
    rng.shuffle(order)
    hot_count = max(1, saves // 10)
    hot = order[:hot_count]
    own = order[hot_count:]
    jobs: list[list[tuple[str, str, str]]] = []
    for c in range(clients):
        mine = own[c * (saves - hot_count) : (c + 1) * (saves - hot_count)]
        chosen = [*mine, *hot]
        rng.shuffle(chosen)
        jobs.append([(m, base, f"Reviewer {c} corrected: {m[:6]}…") for m, base in chosen])
    return Plan(jobs, {m for m, _ in hot})


@dataclass
class Outcome:
    client: int
    msgid: str
    text: str
    status: int
    seconds: float
    body: str = ""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the server (a subprocess: its own interpreter, like `transpub review serve`) ----------


def serve(folder: str, users: str, fd: int) -> None:
    import uvicorn

    from transpub.review.web import create_app

    app = create_app(Project.open(folder), UserStore(users), SECRET)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    server.run(sockets=[socket.socket(fileno=fd)])


class Server:
    def __init__(self, folder: Path, users: Path) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)  # clients queue here until uvicorn accepts: no start-up polling
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        fd = self.sock.fileno()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder), str(users), str(fd)],
            pass_fds=[fd],
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.sock.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def login(url: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=120)
    form = {"csrf": _token(client.get("/login").text), "name": name, "password": PASSWORD}
    response = client.post("/login", data=form)
    assert response.status_code == 303, response.text
    return client, _token(client.get("/").text)  # logging in starts a session with a new token


def _token(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def timed_get(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def run_http(url: str, plan: Plan) -> tuple[list[Outcome], float, list[float]]:
    """Every client's saves, all at once; page loads measured meanwhile."""
    sessions = [login(url, f"rev{c}") for c in range(len(plan.jobs))]
    outcomes: list[Outcome] = []
    guard = threading.Lock()
    start = threading.Barrier(len(plan.jobs) + 1)
    during: list[float] = []

    def client(c: int) -> None:
        http, token = sessions[c]
        start.wait()
        for msgid, base, text in plan.jobs[c]:
            data = {"csrf": token, "base": _json(base), "text": text, "action": "approve"}
            t0 = time.perf_counter()
            response = http.post(
                f"/articles/{SLUG}/entries/{entry_id(msgid)}",
                data=data,
                headers={"X-Requested-With": "fetch"},
            )
            elapsed = time.perf_counter() - t0
            body = response.text if response.status_code != 200 else ""
            with guard:
                outcomes.append(Outcome(c, msgid, text, response.status_code, elapsed, body))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(len(plan.jobs))]
    for t in threads:
        t.start()
    viewer, _ = login(url, "rev0")
    start.wait()
    t0 = time.perf_counter()
    while any(t.is_alive() for t in threads):
        during.append(timed_get(viewer, f"/articles/{SLUG}"))
        time.sleep(0.5)  # someone opening the article twice a second while the others save
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for http, _ in sessions:
        http.close()
    return outcomes, wall, during


def run_paced(
    sessions: list[tuple[httpx.Client, str]], jobs: list[list[tuple[str, str, str]]], seed: int = 11
) -> tuple[list[Outcome], float]:
    """Each client saves its entries one every 1–2 s (random), starting at random moments."""
    outcomes: list[Outcome] = []
    guard = threading.Lock()
    start = threading.Barrier(len(jobs) + 1)

    def client(c: int) -> None:
        http, token = sessions[c]
        rng = random.Random(seed + c)
        start.wait()
        time.sleep(rng.uniform(0, 2))
        for msgid, base, text in jobs[c]:
            data = {"csrf": token, "base": _json(base), "text": text, "action": "approve"}
            t0 = time.perf_counter()
            response = http.post(
                f"/articles/{SLUG}/entries/{entry_id(msgid)}",
                data=data,
                headers={"X-Requested-With": "fetch"},
            )
            elapsed = time.perf_counter() - t0
            with guard:
                outcomes.append(Outcome(c, msgid, text, response.status_code, elapsed))
            time.sleep(rng.uniform(1, 2))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(len(jobs))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for http, _ in sessions:
        http.close()
    return outcomes, wall


def memory_after_saves(
    url: str, entries: list[tuple[str, str]]
) -> tuple[list[float], list[Outcome]]:
    """Memory suggestions of an entry, each asked right after a save of another entry."""
    http, token = login(url, "rev0")
    times, saves = [], []
    for (saved, base), (asked, _) in zip(entries[::2], entries[1::2], strict=False):
        text = f"Saved: {saved[:6]}"
        data = {"csrf": token, "base": _json(base), "text": text, "action": "approve"}
        t0 = time.perf_counter()
        response = http.post(
            f"/articles/{SLUG}/entries/{entry_id(saved)}",
            data=data,
            headers={"X-Requested-With": "fetch"},
        )
        assert response.status_code == 200, response.text[:200]
        saves.append(Outcome(0, saved, text, 200, time.perf_counter() - t0))
        times.append(timed_get(http, f"/articles/{SLUG}/entries/{entry_id(asked)}/suggestions"))
    http.close()
    return times, saves


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def run_library(folder: Path, plan: Plan) -> tuple[list[Outcome], float]:
    """The same saves straight through ``save_entry`` from as many threads: the peer."""
    project = Project.open(folder)
    article = project.article(SLUG)
    glossary = project_glossary(project)
    outcomes: list[Outcome] = []
    guard = threading.Lock()
    start = threading.Barrier(len(plan.jobs) + 1)

    def client(c: int) -> None:
        start.wait()
        for msgid, base, text in plan.jobs[c]:
            t0 = time.perf_counter()
            try:
                save_entry(project, article, msgid, base, text, f"rev{c}", True, glossary=glossary)
                status = 200
            except ConflictError:
                status = 409
            with guard:
                outcomes.append(Outcome(c, msgid, text, status, time.perf_counter() - t0))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(len(plan.jobs))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return outcomes, time.perf_counter() - t0


def verify(folder: Path, plan: Plan, outcomes: list[Outcome], http: bool) -> list[str]:
    """Problems: lost updates, double winners, conflicts that hid the winner, bad statuses."""
    project = Project.open(folder)
    po = pofile.load(project.article(SLUG).catalog)
    now = {e.msgid: e.msgstr for e in po}
    problems = []
    winners: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.status == 200:
            winners.setdefault(o.msgid, []).append(o)
        elif o.status != 409:
            problems.append(f"unexpected status {o.status} for {o.msgid[:12]}")
    for msgid, won in winners.items():
        if len(won) > 1:
            problems.append(f"{len(won)} saves of one entry from the same base were accepted")
        if now[msgid] != won[-1].text:
            problems.append(f"lost update: {won[-1].text!r} is not in the catalog")
    for o in outcomes:
        if o.status == 409:
            if o.msgid not in plan.hot:
                problems.append(f"a conflict on an entry nobody else edits: {o.msgid[:12]}")
            winner = winners.get(o.msgid)
            if not winner:
                problems.append("a conflict without any accepted save")
            elif http and html.escape(winner[0].text, quote=False) not in o.body:
                problems.append("a conflict page that does not show the newer text")
    logged = contributions.read(project)
    if len(logged) != 2 * sum(len(w) for w in winners.values()):
        problems.append(f"{len(logged)} contributions logged for {len(winners)} accepted saves")
    return problems


def summary(name: str, outcomes: list[Outcome], wall: float) -> dict[str, float]:
    times = [o.seconds for o in outcomes]
    accepted = sum(1 for o in outcomes if o.status == 200)
    conflicts = sum(1 for o in outcomes if o.status == 409)
    figures = {
        "p50": statistics.median(times),
        "p95": pct(times, 0.95),
        "max": max(times),
        "throughput": len(outcomes) / wall,
    }
    print(
        f"{name:<28} saves {len(outcomes):4d} (accepted {accepted}, conflicts {conflicts})  "
        f"p50 {1000 * figures['p50']:7.1f} ms  p95 {1000 * figures['p95']:7.1f} ms  "
        f"max {1000 * figures['max']:7.1f} ms  {figures['throughput']:6.1f} saves/s"
    )
    return figures


def measure(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="transpub-review-bench-"))
    try:
        web, lib = work / "web", work / "lib"
        t0 = time.perf_counter()
        drafts = make_project(web, args.units)
        shutil.copytree(web, lib)
        users = work / "users.json"
        store = UserStore(users)
        for c in range(args.clients):
            store.add(f"rev{c}", Role.REVIEWER, PASSWORD)
        plan = make_plan(drafts, args.clients, args.saves)
        used = {m for job in plan.jobs for m, _, _ in job}
        spare = [(m, t) for m, t in drafts[1:] if m not in used]
        paced = [
            [(m, base, f"Reviewer {c} paced: {m[:6]}…") for m, base in spare[c :: args.clients]][
                : args.paced
            ]
            for c in range(args.clients)
        ]
        tm_entries = spare[args.clients * args.paced : args.clients * args.paced + 40]
        size = (web / "articles" / SLUG / "en.po").stat().st_size
        print(
            f"article: {len(drafts)} entries, catalog {size / 1024:.0f} KiB; {args.clients} "
            f"clients × {args.saves} saves ({len(plan.hot)} entries edited by all); "
            f"set-up {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f}"
        )

        server = Server(web, users)
        try:
            viewer, _ = login(server.url, "rev0")
            cold = timed_get(viewer, f"/articles/{SLUG}")
            warm = [timed_get(viewer, f"/articles/{SLUG}") for _ in range(args.repeat)]
            static = [timed_get(viewer, "/static/app.css") for _ in range(args.repeat)]
            outcomes, wall, during = run_http(server.url, plan)
            after = [timed_get(viewer, f"/articles/{SLUG}") for _ in range(args.repeat)]
            sessions = [login(server.url, f"rev{c}") for c in range(len(paced))]
            cpu0 = cpu_seconds(server.proc.pid)  # logging in (argon2) is not counted
            paced_outcomes, paced_wall = run_paced(sessions, paced)
            paced_cpu = (cpu_seconds(server.proc.pid) - cpu0) / len(paced_outcomes)
            tm, tm_saves = memory_after_saves(server.url, tm_entries)
            viewer.close()
        finally:
            server.stop()
        server = Server(web, users)  # restarted: the first page after a restart
        try:
            viewer, _ = login(server.url, "rev0")
            cpu0 = cpu_seconds(server.proc.pid)
            restarted = timed_get(viewer, f"/articles/{SLUG}")
            restarted_cpu = cpu_seconds(server.proc.pid) - cpu0
            viewer.close()
        finally:
            server.stop()
        lib_outcomes, lib_wall = run_library(lib, plan)

        print()
        http_fig = summary("HTTP closed loop (review app)", outcomes, wall)
        paced_fig = summary("HTTP paced, 1 save/1–2 s", paced_outcomes, paced_wall)
        lib_fig = summary("library (save_entry, peer)", lib_outcomes, lib_wall)
        page = statistics.median(warm)
        print(
            f"article page: cold {1000 * cold:.0f} ms (checks on every entry), warm median "
            f"{1000 * page:.0f} ms, after the saves {1000 * statistics.median(after):.0f} ms, "
            f"during the saves median {1000 * statistics.median(during):.0f} ms "
            f"({len(during)} loads)"
        )
        print(
            f"server CPU per paced save: {1000 * paced_cpu:.1f} ms (the flushes included; "
            "hardly moved by the machine's other load)"
        )
        print(
            f"article page, first view after a restart: {1000 * restarted:.0f} ms "
            f"(server CPU meanwhile {1000 * restarted_cpu:.0f} ms)"
        )
        print(
            f"memory suggestions right after a save: p50 {1000 * statistics.median(tm):.1f} ms, "
            f"p95 {1000 * pct(tm, 0.95):.1f} ms ({len(tm)} lookups)"
        )
        print(f"static file GET (HTTP floor): median {1000 * statistics.median(static):.1f} ms")
        print()
        print(f"HTTP p50 / library p50: {http_fig['p50'] / lib_fig['p50']:.2f}×")
        print(f"HTTP p95 / library p95: {http_fig['p95'] / lib_fig['p95']:.2f}×")
        print(f"paced HTTP p95 / library p95: {paced_fig['p95'] / lib_fig['p95']:.2f}×")
        print(f"HTTP throughput / library: {http_fig['throughput'] / lib_fig['throughput']:.2f}×")
        print(f"warm page load / static GET: {page / statistics.median(static):.0f}×")

        problems = verify(web, plan, outcomes + paced_outcomes + tm_saves, http=True) + verify(
            lib, plan, lib_outcomes, http=False
        )
        lost = sum(1 for p in problems if p.startswith("lost update"))
        print(f"lost updates: {lost}; other problems: {len(problems) - lost}")
        print(
            f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        for problem in problems[:10]:
            print("  " + problem)
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=20, help="concurrent reviewers (20)")
    parser.add_argument("--saves", type=int, default=30, help="saves per reviewer (30)")
    parser.add_argument("--paced", type=int, default=10, help="paced saves per reviewer (10)")
    parser.add_argument("--units", type=int, default=2000, help="units of the article (2000)")
    parser.add_argument("--repeat", type=int, default=5, help="page loads to time (5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    parser.add_argument("--serve", nargs=3, metavar=("DIR", "USERS", "FD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
