"""Deployments (flows/prefect.yaml), `transpub deploy` and the article events, without a server.

The server, worker and automation run for real in ``test_server_end_to_end.py``.
"""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from transpub.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PREFECT_FILE = ROOT / "flows" / "prefect.yaml"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _spec() -> dict[str, Any]:
    spec = yaml.safe_load(PREFECT_FILE.read_text(encoding="utf-8"))
    assert isinstance(spec, dict)
    return spec


def test_deployments_name_no_machine_path() -> None:
    spec = _spec()
    assert not [s for s in _strings(spec) if s.startswith(("/", "~")) or ":\\" in s]
    (step,) = spec["pull"]
    assert step == {
        "prefect.deployments.steps.set_working_directory": {"directory": "{{ $TRANSPUB_ROOT }}"}
    }
    names = {d["name"] for d in spec["deployments"]}
    assert {"translate", "publish", "post", "recognise-monthly"} <= names
    for deployment in spec["deployments"]:
        assert "pull" not in deployment  # every one starts in $TRANSPUB_ROOT
        assert deployment["work_pool"]["name"] == "transpub"  # the pool `transpub deploy` makes


def test_entrypoints_are_flows_of_the_installed_package() -> None:
    from prefect import Flow

    for deployment in _spec()["deployments"]:
        module, name = deployment["entrypoint"].split(":")
        assert isinstance(getattr(importlib.import_module(module), name), Flow)


def test_approval_trigger_runs_publish_for_the_approved_article() -> None:
    (publish,) = [d for d in _spec()["deployments"] if d["name"] == "publish"]
    (trigger,) = publish["triggers"]
    assert trigger["expect"] == ["transpub.article.approved"]
    assert trigger["match"] == {"prefect.resource.id": "transpub.article.*"}
    assert trigger["parameters"] == {"slugs": ["{{ event.resource['transpub.slug'] }}"]}
    recognise = next(d for d in _spec()["deployments"] if d["name"] == "recognise-monthly")
    assert recognise["schedules"][0]["cron"] == "0 6 1 * *"


def test_deploy_without_a_server_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["deploy"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1
    assert "PREFECT_API_URL is not set" in out.err and "prefect server start" in out.err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_deploy_to_a_server_that_is_down_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    assert main(["deploy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: the Prefect server at {url} did not answer")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_library_modules_leave_prefect_unimported() -> None:
    code = (
        "import sys, transpub, transpub.events, transpub.review.actions, transpub.publish.site\n"
        "import transpub.review.web.app, transpub.cli.main\n"
        "print(sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


def test_no_api_no_event_nothing_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    from transpub.events import APPROVED, emit_article_event

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert emit_article_event(APPROVED, "report", {"editor": "Wang Fang"}) is False


def test_approval_stands_when_the_api_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from publishing import approved_project
    from transpub.catalog import pofile
    from transpub.catalog.queue import approval

    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_closed_port()}/api")
    started = time.monotonic()
    _, article = approved_project(tmp_path / "content")  # approve_checked inside
    assert time.monotonic() - started < 60  # bounded by events.TIMEOUT, not by retries
    given = approval(pofile.load(article.catalog))
    assert given is not None and given.editor == "Wang Fang"
    assert "Prefect event transpub.article.approved for report not sent" in caplog.text
