"""The run lock per engine account and project: a second run waits (or is told who holds it)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from transpub.article import Project
from transpub.engines.runlock import lock_path, run_lock
from transpub.errors import RunLocked


def test_a_second_run_is_told_who_holds_the_lock(project_dir: Path) -> None:
    project = Project.open(project_dir)
    with run_lock(project, "deepl-abc"):
        with (
            pytest.raises(RunLocked, match=rf"pid {os.getpid()} on .*this run sent nothing"),
            run_lock(project, "deepl-abc", wait=False),
        ):
            pass
        with run_lock(project, "deepl-other", wait=False):  # another account: no wait
            pass
    with run_lock(project, "deepl-abc", wait=False) as waited:
        assert waited == 0.0
    assert lock_path(project, "deepl-abc").parent == project_dir / ".transpub" / "locks"


def test_a_second_run_waits_and_says_so(project_dir: Path) -> None:
    project = Project.open(project_dir)
    said: list[str] = []
    order: list[str] = []
    told = threading.Event()

    def second() -> None:
        def on_wait(message: str) -> None:
            said.append(message)
            told.set()

        with run_lock(project, "acct", on_wait=on_wait):
            order.append("second")

    with run_lock(project, "acct"):
        thread = threading.Thread(target=second)
        thread.start()
        assert told.wait(30)
        order.append("first")
    thread.join(30)
    assert order == ["first", "second"]
    [message] = said
    assert "another translate run" in message and "waits for it to finish" in message


def test_the_lock_goes_with_a_killed_process(project_dir: Path) -> None:
    code = (
        "import sys, os, signal\n"
        "from transpub.article import Project\n"
        "from transpub.engines.runlock import run_lock\n"
        "with run_lock(Project.open(sys.argv[1]), 'acct'):\n"
        "    print('held', flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(project_dir)], capture_output=True, text=True, timeout=60
    )
    assert run.stdout == "held\n" and run.returncode == -9
    with run_lock(Project.open(project_dir), "acct", wait=False):
        pass
