#!/usr/bin/env python3
"""Benchmark: what Prefect adds around the translate work, by way of running it.

One command: ``python bench/server_bench.py`` (``--quick``: one article only). With the test
suite's DeepL server on 127.0.0.1 and a fresh copy of the 2024 report for every run, it times
the translate work for one article and for the whole report four ways:

- *library*: ``transpub.engines.run.translate_project`` in this process (the flow's own body:
  sync, pre-translate, check per article, four articles at a time);
- *CLI*: ``transpub translate`` in a new process with no Prefect API: the same run, no Prefect;
- *CLI+P*: ``transpub translate --prefect`` in a new process (Prefect's ephemeral server, warmed);
- *worker*: the ``translate`` deployment (deployed with ``transpub deploy`` to a ``prefect server``
  started here) run by a process worker polling every ``PREFECT_WORKER_QUERY_SECONDS`` (1 unless
  set), from the API call that creates the run to its Completed state; the project folder goes to
  the run as the job variable ``env.TRANSPUB_ROOT``.

Printed: wall seconds and the ratio to the library; for each worker run, where the time went,
from the run's state timestamps (Scheduled → Pending: the worker's pickup; Pending → Running: the
flow-run process starts, imports Prefect and the flow, loads the run; Running → Completed: the
flow body; the rest: the caller seeing Completed); and the import floor of a flow-run process
(``python -c pass``, ``import prefect.engine``, ``import flows.translate``, each in a new process).
Every process started is stopped by its PID. Worker settings come from the environment
(e.g. ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 python bench/server_bench.py --quick``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
KEY = "bench-key:fx"
ONE = "preface"
WAYS = ("library", "CLI", "CLI+P", "worker", "worker1")

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="transpub-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ["PREFECT_UI_ENABLED"] = "false"

from servers.deepl_server import DeepLServer  # noqa: E402
from translate_bench import make_project  # noqa: E402

from transpub.article import Project  # noqa: E402


def library(project: Project, slugs: list[str] | None) -> None:
    """The translate run with no Prefect at all, in this process."""
    from transpub.engines.run import translate_project

    outcome = translate_project(str(project.root), slugs)
    assert outcome.ran and not outcome.failures, outcome.failures


def cli(project: Project, slugs: list[str] | None, env: dict[str, str], *flags: str) -> None:
    run_cli = "import sys; from transpub.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", run_cli, "-C", str(project.root), "translate", *flags]
    done = subprocess.run([*command, *(slugs or [])], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"transpub translate failed: {done.stderr.strip()[-500:]}")


def through_worker(
    project: Project, slugs: list[str] | None, one_process: bool = False
) -> dict[str, float]:
    """Run the deployment; seconds from creation to each state (Pending, Running, Completed).
    ``one_process``: the job variable ``command`` set, so the worker starts the engine process
    directly instead of a workspace supervisor process that then starts it."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    variables: dict[str, object] = {"env": {"TRANSPUB_ROOT": str(project.root)}}
    if one_process:
        variables["command"] = f"{shlex.quote(sys.executable)} -m prefect.engine"
    run = run_deployment(
        "translate/translate",
        parameters={"root": ".", "slugs": slugs},
        job_variables=variables,
        timeout=900,
        poll_interval=0.5,
    )
    if run.state is None or not run.state.is_completed():
        raise SystemExit(f"the deployment run ended {run.state}")
    with get_client(sync_client=True) as client:
        states = sorted(client.read_flow_run_states(run.id), key=lambda s: s.timestamp)
    created = states[0].timestamp
    reached: dict[str, float] = {}
    for state in states:
        reached.setdefault(state.type.value, (state.timestamp - created).total_seconds())
    return reached


def import_floor(env: dict[str, str]) -> dict[str, float]:
    """Wall seconds of a new Python process that imports only what a flow-run process must."""
    found = {}
    for label, code in (
        ("python -c pass", "pass"),
        ("import prefect.engine", "import prefect.engine"),
        ("import flows.translate", "import prefect.engine, flows.translate"),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
            times.append(time.perf_counter() - started)
        found[label] = sorted(times)[1]
    return found


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
        if proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one article only")
    parser.add_argument("--ways", default=",".join(WAYS), help=f"some of {','.join(WAYS)}")
    options = parser.parse_args()
    quick, ways = (
        options.quick,
        ["library", *(w for w in options.ways.split(",") if w != "library")],
    )
    work = Path(tempfile.mkdtemp(prefix="transpub-server-bench-"))
    url = f"http://127.0.0.1:{_port()}/api"
    procs: list[subprocess.Popen[bytes]] = []
    rows: list[tuple[str, str, float]] = []
    phases: list[tuple[str, float, dict[str, float]]] = []
    with DeepLServer(KEY, character_limit=10**9) as deepl:
        os.environ["DEEPL_AUTH_KEY"] = KEY
        os.environ["DEEPL_SERVER_URL"] = deepl.url
        base = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
        base.pop("PREFECT_API_URL", None)
        try:
            server_env = dict(base, PREFECT_API_URL=url)
            port = url.split(":")[2].split("/")[0]
            server_cmd = ["server", "start", "--host", "127.0.0.1", "--port", port]
            procs.append(_start([sys.executable, "-m", "prefect", *server_cmd], server_env,
                                work / "server.log"))  # fmt: skip
            for _ in range(240):
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.5)
            os.environ["PREFECT_API_URL"] = url
            from transpub.cli.main import main as transpub

            assert transpub(["deploy"]) == 0
            worker_env = dict(server_env)
            worker_env.setdefault("PREFECT_WORKER_QUERY_SECONDS", "1")
            worker_cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "transpub"]
            procs.append(_start(worker_cmd, worker_env, work / "worker.log"))
            cli_env = dict(base)
            cli_env["PREFECT_HOME"] = str(work / "cli-prefect-home")  # ephemeral, as on a laptop
            # A busy machine needs more than Prefect's 20 s for the ephemeral server (NOTES.md).
            cli_env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
            if "CLI+P" in ways:  # the first run on a fresh PREFECT_HOME builds its database
                warm = work / "warm-up"
                warm.mkdir()
                cli(make_project(warm), [ONE], cli_env, "--prefect")
            warm = work / "warm-up-worker"  # the worker's first run: deployment, pool, caches
            warm.mkdir()
            through_worker(make_project(warm), [ONE])
            cases = [("one article", [ONE])] + ([] if quick else [("2024 report", None)])
            for label, slugs in cases:
                for n, way in enumerate(ways):
                    folder = work / f"{label.replace(' ', '-')}-{n}-{way}"
                    folder.mkdir()
                    project = make_project(folder)
                    started = time.perf_counter()
                    if way == "library":
                        library(project, slugs)
                    elif way == "CLI":
                        cli(project, slugs, cli_env)
                    elif way == "CLI+P":
                        cli(project, slugs, cli_env, "--prefect")
                    else:
                        reached = through_worker(project, slugs, way == "worker1")
                    wall = time.perf_counter() - started
                    rows.append((label, way, wall))
                    if way.startswith("worker"):
                        phases.append((f"{label} {way}", wall, reached))
                    entries = sum(1 for a in project.select(slugs) if a.catalog.is_file())
                    assert entries, f"{label} {way}: no catalog written"
            floor = import_floor(server_env)
        finally:
            for proc in reversed(procs):
                _stop(proc)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{'work':<13} {'way':<8} {'wall s':>8} {'÷ library':>10}")
    for label, way, seconds in rows:
        lib = next(s for lb, w, s in rows if lb == label and w == "library")
        print(f"{label:<13} {way:<8} {seconds:>8.1f} {seconds / lib:>10.2f}")
    print()
    print("worker runs, from the run's state timestamps (s):")
    print(f"{'work':<21} {'pickup':>7} {'start':>7} {'body':>7} {'seen':>7} {'library':>8} "
          f"{'added':>7} {'added %':>8}")  # fmt: skip
    for label, wall, reached in phases:
        lib = next(s for lb, w, s in rows if label.startswith(lb) and w == "library")
        pending, running = reached.get("PENDING", 0.0), reached.get("RUNNING", 0.0)
        completed = reached.get("COMPLETED", wall)
        added = wall - lib
        print(
            f"{label:<21} {pending:>7.1f} {running - pending:>7.1f} {completed - running:>7.1f} "
            f"{wall - completed:>7.1f} {lib:>8.1f} {added:>7.1f} {100 * added / lib:>7.0f}%"
        )
    print("  pickup: Scheduled → Pending (polling); start: Pending → Running (process, imports,")
    print("  flow load); body: Running → Completed; seen: until run_deployment saw it")
    print()
    print("a new process importing (median of 3, s): " + ", ".join(
        f"{label} {seconds:.2f}" for label, seconds in floor.items()))  # fmt: skip


if __name__ == "__main__":
    main()
