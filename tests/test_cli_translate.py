"""The translate command: without a Prefect API it runs in this process and never imports Prefect,
writing the same catalogs as the Prefect flow; its terminal prints log lines above the progress
bar, without tracebacks."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.deepl_server import DeepLServer

from conftest import ROOT, write_article

KEY = "cli-translate-key-0000:fx"


def _raise() -> None:
    raise ValueError("deep inside")


@pytest.mark.parametrize("debug", [False, True])
def test_log_lines_print_above_the_bar_and_tracebacks_need_debug(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    import prefect.main  # noqa: F401 - configures Prefect's logging
    from rich.console import Console

    from transpub.cli.translate import _terminal, prefect_console_handlers

    if debug:
        monkeypatch.setenv("TRANSPUB_DEBUG", "1")
    else:
        monkeypatch.delenv("TRANSPUB_DEBUG", raising=False)
    handlers = prefect_console_handlers()
    assert handlers
    before = [(h.formatter, h.console) for h in handlers]  # type: ignore[attr-defined]
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=100)
    logger = logging.getLogger("transpub-test-terminal")  # printing through Prefect's handler
    logger.propagate = False
    monkeypatch.setattr(logger, "handlers", [handlers[0]])
    with _terminal(handlers, console) as report:
        assert report is not None
        report("events", 1, 4)
        try:
            _raise()
        except ValueError:
            logger.error("events: DeepL answered 429", exc_info=True)
    text = screen.getvalue()
    assert "events: DeepL answered 429" in text  # printed through the bar's console
    assert ("Traceback" in text) is debug
    assert [(h.formatter, h.console) for h in handlers] == before  # type: ignore[attr-defined]


@pytest.fixture
def deepl() -> Iterator[DeepLServer]:
    with DeepLServer(KEY) as server:
        yield server


def _project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "transpub.toml").write_text(
        '[project]\nname = "same"\n\n[translate]\nengine = "deepl"\n', encoding="utf-8"
    )
    body = "\n\n".join(f"第{i}段：开源社在 2025 年组织了第 {i} 场**活动**。" for i in range(8))
    write_article(folder, "events", f"---\ntitle: 年度活动\n---\n\n# 年度活动\n\n{body}\n")
    write_article(folder, "plan", "---\ntitle: 计划\n---\n\n# 年度活动\n\n明年的计划。\n")
    write_article(folder, "broken", "---\ntitle: [未闭合\n---\n\n正文。\n")
    return folder


# Run in a process of its own: the test session has Prefect imported by other tests.
_WITHOUT_PREFECT = """
import sys
from transpub.cli.main import main
code = main(sys.argv[1:])
print("exit", code, "prefect imported" if "prefect" in sys.modules else "no prefect")
"""


def test_without_an_api_translate_runs_in_process_without_prefect(
    tmp_path: Path, deepl: DeepLServer
) -> None:
    project = _project(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        DEEPL_AUTH_KEY=KEY,
        DEEPL_SERVER_URL=deepl.url,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        PREFECT_HOME=str(tmp_path / "no-prefect-here"),
    )
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PREFECT, "-C", str(project), "translate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.rstrip().endswith("exit 2 no prefect"), done.stdout + done.stderr
    assert not (tmp_path / "no-prefect-here").exists()  # no temporary server, no database
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "broken" in errors[0], done.stderr  # the failure rule
    assert "Traceback" not in done.stderr
    assert "events" in done.stdout and "characters billed" in done.stdout  # both tables
    assert "translating 3 article(s) of same with DeepL" in done.stderr  # the run's log lines


@pytest.mark.flow
def test_the_prefect_flow_and_the_in_process_run_write_the_same_catalogs(
    prefect_harness: None,
    tmp_path: Path,
    deepl: DeepLServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.translate import cost_rows, translate
    from transpub.catalog import pofile
    from transpub.cli.main import main

    monkeypatch.setenv("DEEPL_AUTH_KEY", KEY)
    monkeypatch.setenv("DEEPL_SERVER_URL", deepl.url)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    here, there = _project(tmp_path / "in-process"), _project(tmp_path / "flow")

    assert main(["-C", str(here), "translate"]) == 2  # "broken" failed, the others are done
    printed = capsys.readouterr()
    sent_in_process = len(deepl.requests_to("/v2/translate"))
    outcome = translate(str(there))  # the Prefect flow, in the test harness
    assert len(deepl.requests_to("/v2/translate")) == 2 * sent_in_process
    assert len(outcome.failures) == 1 and "broken" in outcome.failures[0]

    for slug in ("events", "plan"):
        mine = pofile.load(here / "articles" / slug / "en.po")
        theirs = pofile.load(there / "articles" / slug / "en.po")
        assert [str(e) for e in mine] == [str(e) for e in theirs]
        assert all(e.msgstr for e in mine)
    assert not (here / "articles" / "broken" / "en.po").exists()
    # The cost table printed by the command is the flow's. Only how a text both articles hold
    # ("年度活动") is counted depends on timing: answered before the other article asked (one
    # machine draft, one from the engine cache) or while it was on its way (two machine drafts,
    # one of them an identical text); the drafts made and what was billed do not.
    table = [line.split() for line in printed.out.splitlines() if line.split()[:1] == ["total"]]
    row = cost_rows(outcome)[-1]
    printed_row = dict(zip(row, table[-1], strict=True))
    timing = ("article", "engine cache", "machine drafts", "identical texts")
    assert {k: v for k, v in printed_row.items() if k not in timing} == {
        k: v for k, v in row.items() if k not in timing
    }
    drafts = ("engine cache", "machine drafts")
    assert sum(int(printed_row[k]) for k in drafts) == sum(int(row[k]) for k in drafts)


def test_a_prefect_server_that_cannot_be_reached_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    from transpub.cli.main import main

    with socket.socket() as s:  # a port on 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    url = f"http://127.0.0.1:{port}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    monkeypatch.setenv("DEEPL_AUTH_KEY", KEY)
    project = _project(tmp_path / "project")
    assert main(["-C", str(project), "translate"]) == 2
    printed = capsys.readouterr()
    lines = printed.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"Error: the Prefect server at {url} cannot be reached ("
    ), printed.err
    assert "unset PREFECT_API_URL" in lines[0] and "internal error" not in lines[0]
    assert not (project / "articles" / "events" / "en.po").exists()
