"""Approve → published with nobody at a terminal, on a real Prefect server.

Starts ``prefect server`` on 127.0.0.1 (fresh ``PREFECT_HOME``), deploys with ``transpub deploy``,
starts a process worker in the content folder (``TRANSPUB_ROOT``), runs the translate deployment,
approves an article through the library and waits for the approval automation to run the publish
deployment: the page appears in the site checkout, the publish record has it and
``transpub.article.published`` names its URL.
Every process is stopped by its PID (its process group).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from publishing import approved_project, site_toml

pytestmark = pytest.mark.flow

T = TypeVar("T")
BUDGET = 150.0  # seconds for the whole module on a busy machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, probe: Callable[[], T | None], deadline: float, log: Path) -> T:
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.5)  # polling a server we started, not timing anything
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
    raise AssertionError(f"{what} did not happen in time; log tail:\n{tail}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT the process group, wait, repeat (a worker may need two), then SIGKILL."""
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def _post(url: str, body: object) -> Any:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A Prefect server on 127.0.0.1: its API URL, the environment to reach it, its log."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    url = f"http://127.0.0.1:{_free_port()}/api"
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="0",
    )
    log = tmp_path / "server.log"
    port = url.split(":")[2].split("/")[0]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", port],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:

        def healthy() -> bool | None:
            try:
                return True if _get(f"{url}/health") is True else None
            except OSError:
                assert proc.poll() is None, "the Prefect server stopped"
                return None

        _wait("the server's health", healthy, time.monotonic() + 90, log)
        yield url, env, tmp_path
    finally:
        _stop(proc)


def test_an_approval_publishes_the_article_through_the_automation(
    server: tuple[str, dict[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from transpub.cli.main import main
    from transpub.publish.record import PublishRecord
    from transpub.review.actions import approve_checked

    url, env, tmp = server
    deadline = time.monotonic() + BUDGET
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the first approval sends nothing
    project, article = approved_project(
        tmp / "content", toml=site_toml(base_url="https://example.org/report")
    )
    for key in ("PREFECT_API_URL", "PREFECT_SERVER_ANALYTICS_ENABLED"):
        monkeypatch.setenv(key, env[key])
    assert main(["deploy"]) == 0

    worker_env = dict(env, TRANSPUB_ROOT=str(project.root))
    log = tmp / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "transpub"],
            cwd=tmp, env=worker_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: url}):  # prefect was imported without it
            translated = run_deployment(  # the worker runs it in the content folder
                "translate/translate",
                parameters={"engine": "none"},
                timeout=BUDGET,
                poll_interval=1,
            )
        assert translated.state is not None and translated.state.is_completed(), translated.state
        given = approve_checked(project, article, "Wang Fang")  # the editor, in the app or CLI
        page = project.root / "site" / "en" / "report.md"

        def published() -> PublishRecord | None:
            record = PublishRecord.load(article)
            return record if record.site and page.is_file() else None

        record = _wait("the publish run", published, deadline, log)
        (publication,) = record.site.values()
        assert publication.url == "https://example.org/report/en/report.html"
        assert publication.translation_hash == given.digest
        assert "KAIYUANSHE, founded in 2014, is a community." in page.read_text(encoding="utf-8")

        runs = _post(f"{url}/flow_runs/filter", {"sort": "START_TIME_DESC"})
        (run,) = [r for r in runs if r["parameters"].get("slugs") == ["report"]]
        assert run["state_type"] in ("RUNNING", "COMPLETED")

        def event_sent() -> dict[str, Any] | None:
            body = {"filter": {"event": {"name": ["transpub.article.published"]}}}
            events = _post(f"{url}/events/filter", body)["events"]
            return events[0] if events else None

        event = _wait("the published event", event_sent, deadline, log)
        assert event["resource"]["prefect.resource.id"] == "transpub.article.report"
        assert event["payload"]["url"] == publication.url
    finally:
        _stop(worker)
