"""Hints that name a command give one that runs as written, from where the user is."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from publishing import approved_project
from transpub.cli import main


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@ex.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize(
    ("name", "breakage", "command"),
    [
        ("en.po", 'msgid "unclosed\n', "sync"),
        ("publish.json", '{"site": \n', "status"),
    ],
)
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_the_restore_hint_runs_as_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    breakage: str,
    command: str,
    where: str,
) -> None:
    root = tmp_path / "content"
    approved_project(root)
    assert main(["-C", str(root), "publish"]) == 0
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "content")
    target = root / "articles" / "report" / name
    good = target.read_bytes()
    target.write_text(breakage + target.read_text("utf-8"), "utf-8")
    cwd = root / "articles" if where == "inside" else tmp_path / "elsewhere"
    cwd.mkdir(exist_ok=True)
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    assert main(["-C", str(root), command]) == 2
    err = capsys.readouterr().err
    assert "sync" not in err.split(";", 1)[1]  # never "re-create it with sync": sync refuses it
    [hint] = re.findall(r"`(git [^`]+)`", err)
    subprocess.run(hint, shell=True, check=True, cwd=cwd, capture_output=True)
    assert target.read_bytes() == good
    assert main(["-C", str(root), command]) == 0
