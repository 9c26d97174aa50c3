"""`transpub translate` runs end to end (the real DeepL client, a local DeepL; in-process without a
Prefect API, Prefect's temporary server with --prefect): two runs at once pay once, one failing
article does not hide the run, a quota stop keeps the drafts; with --prefect a killed run leaves no
server behind, and a server that does not start is one line with the fix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.deepl_server import DeepLServer

from conftest import write_article
from transpub.catalog import pofile

pytestmark = pytest.mark.flow
KEY = "runs-test-key-0000:fx"
EXE = Path(sys.executable).with_name("transpub")


def _paragraphs(title: str, n: int) -> str:
    body = "\n\n".join(f"{title}第{i}段：开源社在 2025 年组织了第 {i} 场活动。" for i in range(n))
    return f"---\ntitle: {title}\n---\n\n# {title}\n\n{body}\n"


@pytest.fixture
def deepl() -> Iterator[DeepLServer]:
    with DeepLServer(KEY) as server:
        yield server


class Run:
    """A `transpub translate` process whose stderr is read as it comes."""

    def __init__(self, project: Path, server: DeepLServer, *args: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [str(EXE), "-C", str(project), "translate", "--engine", "deepl", *args],
            env={
                **os.environ,
                "DEEPL_AUTH_KEY": KEY,
                "DEEPL_SERVER_URL": server.url,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.err: list[str] = []
        self.said = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.said:
                self.err.append(line)
                self.said.notify_all()

    def wait_for(self, text: str, timeout: float = 240) -> None:
        """Block until stderr has a line containing ``text``."""
        with self.said:
            ok = self.said.wait_for(
                lambda: any(text in line for line in self.err) or self.process.poll() is not None,
                timeout,
            )
        assert ok and any(text in line for line in self.err), "".join(self.err)

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code, out, "".join(self.err)


def _billed(server: DeepLServer) -> int:
    return sum(r.billed_characters for r in server.requests_to("/v2/translate"))


def test_two_runs_at_once_pay_once(project_dir: Path, deepl: DeepLServer) -> None:
    shared = "# 开源社年度报告\n"
    write_article(project_dir, "a", _paragraphs("甲", 30) + "\n" + shared)
    write_article(project_dir, "b", _paragraphs("乙", 30) + "\n" + shared)
    with (project_dir / "transpub.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[deepl]\ntimeout = 900\n")  # the held request must not time out
    gate = deepl.hold_next()  # the first run's first request waits until the second run waits
    first = Run(project_dir, deepl)
    deadline = time.monotonic() + 240
    while not deepl.requests_to("/v2/translate"):
        assert first.process.poll() is None, first.finish()
        assert time.monotonic() < deadline, "the first run never sent anything"
        time.sleep(0.05)  # polling for a condition, not timing anything
    second = Run(project_dir, deepl)
    second.wait_for("another translate run")
    gate.set()
    results = [first.finish(), second.finish()]
    assert [code for code, _, _ in results] == [0, 0], results
    sent = [t for r in deepl.requests_to("/v2/translate") for t in r.texts]
    # Per article a title (its heading has the same text) and 30 paragraphs; one shared heading.
    assert len(sent) == len(set(sent)) == 2 * 31 + 1
    assert deepl.character_count == _billed(deepl) == sum(map(len, sent))
    assert "characters billed" in results[1][1]  # the waiting run still prints its tables
    for slug in ("a", "b"):
        assert all(e.msgstr for e in pofile.load(project_dir / "articles" / slug / "en.po"))


def test_one_failing_article_does_not_hide_the_run(project_dir: Path, deepl: DeepLServer) -> None:
    write_article(project_dir, "good", _paragraphs("好", 3))
    write_article(project_dir, "busy", _paragraphs("忙", 3))
    write_article(project_dir, "fine", _paragraphs("行", 3))
    with (project_dir / "transpub.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[deepl]\nmax_retries = 1\n")
    deepl.fail_texts("忙", 429)  # 429 forever for one article's texts
    run = Run(project_dir, deepl)
    code, out, err = run.finish()
    assert code == 2
    assert "good" in out and "fine" in out and "characters billed" in out  # both tables
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: busy: ")
    assert "DeepL answered 429" in errors[0]
    assert "Traceback" not in out + err
    billed = [line for line in out.splitlines() if line.startswith("total")]
    assert billed and str(_billed(deepl)) in billed[-1].split()  # the cost table's total
    assert all(e.msgstr for e in pofile.load(project_dir / "articles" / "good" / "en.po"))


def test_a_quota_stop_keeps_the_drafts_and_exits_2(project_dir: Path) -> None:
    write_article(project_dir, "events", _paragraphs("活动", 60))  # 61 texts: two batches
    with DeepLServer(KEY, character_limit=1500) as deepl:  # the first batch fits, not the second
        code, out, err = Run(project_dir, deepl).finish()
        billed = _billed(deepl)
    assert code == 2
    assert "characters billed" in out and "Traceback" not in out + err
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, err
    assert "it would exceed the character quota" in errors[0] and "used up" not in errors[0]
    assert errors[0].endswith(". 11 entries wait for the next run.")
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    assert sum(bool(e.msgstr) for e in po) == 50 and billed == 1452  # the first batch, kept


def test_a_killed_run_leaves_no_prefect_server(project_dir: Path, deepl: DeepLServer) -> None:
    write_article(project_dir, "events", _paragraphs("活动", 3))
    deepl.hold_next()  # never released: the run is killed while it waits for DeepL
    run = Run(project_dir, deepl, "--prefect")
    deadline = time.monotonic() + 240
    while not deepl.requests_to("/v2/translate"):
        assert run.process.poll() is None, run.finish()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = _children(run.process.pid)
    servers = [pid for pid in children if "uvicorn" in _cmdline(pid)]
    assert servers, children
    run.process.send_signal(signal.SIGKILL)  # the run alone, not its process group
    run.finish()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in servers):
        assert time.monotonic() < deadline, "Prefect's temporary server outlived the run"
        time.sleep(0.1)


def test_a_server_that_does_not_start_is_one_line(project_dir: Path, deepl: DeepLServer) -> None:
    write_article(project_dir, "events", _paragraphs("活动", 1))
    run = Run(
        project_dir,
        deepl,
        "--prefect",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1",  # the user's own (too short) setting
        PREFECT_HOME=str(project_dir / "fresh-prefect-home"),
    )
    code, _out, err = run.finish()
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, err
    assert "did not answer within 1 s" in errors[0]
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in errors[0]
    assert "Traceback" not in err and deepl.requests == []


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
