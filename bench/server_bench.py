#!/usr/bin/env python3
"""Benchmark: what Prefect adds around the translate work, by way of running it.

One command: ``python bench/server_bench.py`` (``--quick``: one article only). With the test
suite's DeepL server on 127.0.0.1 and a fresh copy of the 2024 report for every run, it times
the translate work for one article and for the whole report three ways:

- *library*: ``sync_article`` + ``pretranslate`` + ``check_article`` per article, in this process;
- *CLI*: ``transpub translate`` in a new process (Prefect's ephemeral mode, no server);
- *worker*: the ``translate`` deployment (deployed with ``transpub deploy`` to a ``prefect server``
  started here) run by a process worker polling every second, from the API call that creates the
  run to its Completed state; the project folder goes to the run as the job variable
  ``env.TRANSPUB_ROOT``.

Printed: wall seconds and the ratio to the library. Every process started is stopped by its PID.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
KEY = "bench-key:fx"
ONE = "preface"

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="transpub-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ["PREFECT_UI_ENABLED"] = "false"

from servers.deepl_server import DeepLServer  # noqa: E402
from translate_bench import make_project  # noqa: E402

from transpub.article import Project  # noqa: E402


def library(project: Project, slugs: list[str] | None) -> None:
    """The translate work with no Prefect at all (what the flow's task does per article)."""
    from transpub.catalog.sync import sync_article
    from transpub.checks.report import check_article, project_glossary
    from transpub.engines import create_engine
    from transpub.engines.pretranslate import EngineCache, pretranslate
    from transpub.engines.tm import TranslationMemory

    glossary = project_glossary(project)
    machine = create_engine(project.config, glossary, None)
    assert machine is not None
    machine.prepare()
    cache = EngineCache(project.root / ".transpub" / "mt-cache.sqlite", machine)
    limiter = threading.BoundedSemaphore(project.config.translate.max_concurrency)
    for article in project.select(slugs):
        sync_article(project, article)
        with TranslationMemory.for_project(project) as memory:
            pretranslate(
                project, article, memory=memory, glossary=glossary, engine=machine,
                cache=cache, limiter=limiter,
            )  # fmt: skip
        check_article(project, article, glossary)
    cache.close()


def cli(project: Project, slugs: list[str] | None, env: dict[str, str]) -> None:
    run_cli = "import sys; from transpub.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", run_cli, "-C", str(project.root), "translate"]
    done = subprocess.run([*command, *(slugs or [])], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"transpub translate failed: {done.stderr.strip()[-500:]}")


def through_worker(project: Project, slugs: list[str] | None) -> None:
    from prefect.deployments import run_deployment

    run = run_deployment(
        "translate/translate",
        parameters={"root": ".", "slugs": slugs},
        job_variables={"env": {"TRANSPUB_ROOT": str(project.root)}},
        timeout=900,
        poll_interval=0.5,
    )
    if run.state is None or not run.state.is_completed():
        raise SystemExit(f"the deployment run ended {run.state}")


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
    quick = parser.parse_args().quick
    work = Path(tempfile.mkdtemp(prefix="transpub-server-bench-"))
    url = f"http://127.0.0.1:{_port()}/api"
    procs: list[subprocess.Popen[bytes]] = []
    rows: list[tuple[str, str, float]] = []
    with DeepLServer(KEY, character_limit=10**9) as deepl:
        os.environ["DEEPL_AUTH_KEY"] = KEY
        os.environ["DEEPL_SERVER_URL"] = deepl.url
        base = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
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
            worker_env = dict(server_env, PREFECT_WORKER_QUERY_SECONDS="1")
            worker_cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "transpub"]
            procs.append(_start(worker_cmd, worker_env, work / "worker.log"))
            cli_env = {k: v for k, v in base.items() if k != "PREFECT_API_URL"}
            cli_env["PREFECT_HOME"] = str(work / "cli-prefect-home")  # ephemeral, as on a laptop
            # A busy machine needs more than Prefect's 20 s for the ephemeral server (NOTES.md).
            cli_env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
            warm = work / "warm-up"  # the first run on a fresh PREFECT_HOME builds its database
            warm.mkdir()
            cli(make_project(warm), [ONE], cli_env)
            cases = [("one article", [ONE])] + ([] if quick else [("2024 report", None)])
            for label, slugs in cases:
                for way in ("library", "CLI", "worker"):
                    folder = work / f"{label.replace(' ', '-')}-{way}"
                    folder.mkdir()
                    project = make_project(folder)
                    started = time.perf_counter()
                    if way == "library":
                        library(project, slugs)
                    elif way == "CLI":
                        cli(project, slugs, cli_env)
                    else:
                        through_worker(project, slugs)
                    rows.append((label, way, time.perf_counter() - started))
                    entries = sum(1 for a in project.select(slugs) if a.catalog.is_file())
                    assert entries, f"{label} {way}: no catalog written"
        finally:
            for proc in reversed(procs):
                _stop(proc)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{'work':<13} {'way':<8} {'wall s':>8} {'÷ library':>10}")
    for label, way, seconds in rows:
        lib = next(s for lb, w, s in rows if lb == label and w == "library")
        print(f"{label:<13} {way:<8} {seconds:>8.1f} {seconds / lib:>10.2f}")


if __name__ == "__main__":
    main()
