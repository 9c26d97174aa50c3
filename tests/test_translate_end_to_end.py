"""The translate command end to end: the real DeepL client against a local DeepL, via Prefect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.deepl_server import DeepLServer

from conftest import write_article
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, entry_state, get_note

pytestmark = pytest.mark.flow
KEY = "e2e-test-key-0000:fx"


def _paragraphs(n: int) -> str:
    body = "\n\n".join(
        f"第{i}段：开源社的国际接轨组在 2025 年组织了第 {i} 场活动。" for i in range(n)
    )
    return f"---\ntitle: 年度活动\n---\n\n# 年度活动\n\n{body}\n"


@pytest.fixture
def deepl() -> Iterator[DeepLServer]:
    with DeepLServer(KEY) as server:
        yield server


def _transpub(project: Path, server: DeepLServer, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DEEPL_AUTH_KEY": KEY,
        "DEEPL_SERVER_URL": server.url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    exe = Path(sys.executable).with_name("transpub")
    return subprocess.Popen(
        [str(exe), "-C", str(project), "translate", "--engine", "deepl", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a kill reaches Prefect's temporary server too
    )


def _sent(server: DeepLServer) -> list[str]:
    return [t for r in server.requests_to("/v2/translate") if r.status == 200 for t in r.texts]


def test_translate_fills_the_queue_and_a_rerun_sends_nothing(
    project_dir: Path, deepl: DeepLServer
) -> None:
    write_article(project_dir, "events", _paragraphs(60))
    run = _transpub(project_dir, deepl)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "characters billed" in out and KEY not in out + err
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    drafts = [e for e in po if entry_state(e) is EntryState.DRAFT]
    assert len(drafts) == 61 and all(get_note(e, "origin") == "mt:deepl" for e in drafts)
    first = len(_sent(deepl))
    assert first == 61
    assert len(deepl.requests_to("/v2/translate")) == 2  # 61 texts: the fewest 50-text batches

    again = _transpub(project_dir, deepl)
    _out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert len(_sent(deepl)) == first  # an unchanged source sends nothing


def test_a_run_killed_mid_way_loses_nothing_and_pays_nothing_twice(
    project_dir: Path, deepl: DeepLServer
) -> None:
    write_article(project_dir, "events", _paragraphs(120))  # 121 units: 3 batches
    deepl.delay_next(120, times=1, after=1)  # the second request hangs until we kill the run
    run = _transpub(project_dir, deepl)
    deadline = time.monotonic() + 240
    while len(deepl.requests_to("/v2/translate")) < 2:
        assert run.poll() is None, run.communicate()[1]
        assert time.monotonic() < deadline, "the run never reached its second request"
        time.sleep(0.05)  # polling for a condition, not timing anything
    os.killpg(run.pid, signal.SIGKILL)  # the whole run, as a crash or an OOM kill would
    run.communicate()
    first_run = set(_sent(deepl))
    assert len(first_run) == 50  # one batch answered before the kill

    rerun = _transpub(project_dir, deepl)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    sent = _sent(deepl)
    assert len(sent) == 121 and len(set(sent)) == 121  # everything once, nothing twice
    assert first_run.isdisjoint(sent[50:])  # the answered batch came from the engine cache
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    assert all(e.msgstr for e in po)


def test_translate_with_an_openai_compatible_llm(project_dir: Path) -> None:
    from servers.openai_server import serve

    write_article(project_dir, "events", _paragraphs(5))
    with serve() as llm:
        env = {
            **os.environ,
            "OPENAI_API_KEY": llm.key,
            "OPENAI_BASE_URL": llm.base_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        exe = Path(sys.executable).with_name("transpub")
        run = subprocess.run(
            [str(exe), "-C", str(project_dir), "translate", "--engine", "llm"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr
    assert llm.key not in run.stdout + run.stderr
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    drafts = [e for e in po if e.msgstr]
    assert len(drafts) == 6
    assert all(get_note(e, "origin") == "mt:llm:gpt-4o-mini" for e in drafts)
    assert all(e.msgstr.startswith("EN[") for e in drafts)
    assert [b["temperature"] for b in llm.bodies] == [0] * len(llm.bodies)
    total_tokens = sum(u["prompt_tokens"] for u in llm.usages)
    assert f"{total_tokens}/" in run.stdout  # the cost table reports the tokens


@pytest.mark.parametrize(
    ("engine", "variable"), [("deepl", "DEEPL_AUTH_KEY"), ("llm", "OPENAI_API_KEY")]
)
def test_a_missing_key_is_one_error_line_without_traceback(
    project_dir: Path, engine: str, variable: str
) -> None:
    write_article(project_dir, "events", _paragraphs(2))
    env = {k: v for k, v in os.environ.items() if k not in ("DEEPL_AUTH_KEY", "OPENAI_API_KEY")}
    exe = Path(sys.executable).with_name("transpub")
    run = subprocess.run(
        [str(exe), "-C", str(project_dir), "translate", "--engine", engine],
        env={**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and variable in errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert not (project_dir / "articles" / "events" / "en.po").exists()  # nothing was done
