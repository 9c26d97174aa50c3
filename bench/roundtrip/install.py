"""Getting peer tools onto the machine: a private venv per PyPI peer, apt-get for Debian ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

INSTALL_TIMEOUT_S = 900

Log = Callable[[str], None]


class ToolUnavailable(Exception):
    """A tool cannot be run in this benchmark; the message says why (one line)."""


def last_line(text: str | bytes) -> str:
    """The most telling line of a tool's output: the last error line, else the last line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "fatal", "e:"))]
    picked = (errors or lines or ["(no output)"])[-1]
    return picked if len(picked) <= 160 else picked[:157] + "..."


def run_install_step(argv: Sequence[str | Path], what: str) -> None:
    """Run one installation command, turning any failure into ``ToolUnavailable``."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        proc = subprocess.run(
            [str(arg) for arg in argv],
            capture_output=True,
            timeout=INSTALL_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolUnavailable(f"{what} failed: {exc}") from exc
    if proc.returncode != 0:
        raise ToolUnavailable(f"{what} failed: {last_line(proc.stderr or proc.stdout)}")


def pip_install(bindir: Path, *args: str | Path) -> None:
    """``pip install --quiet ARGS`` with the venv's own Python."""
    run_install_step(
        [bindir / "python", "-m", "pip", "install", "--quiet", *args],
        f"pip install {' '.join(str(a) for a in args)}",
    )


def ensure_venv_peer(
    cache_dir: Path,
    name: str,
    requirement: str,
    commands: Sequence[str],
    install: bool,
    log: Log,
    split: bool = False,
) -> Path:
    """Return the bin directory of a venv under *cache_dir* holding *requirement*.

    The venv is created (with the running Python) and the requirement installed with pip
    when missing or when the pinned requirement changed.  Each PyPI peer gets its own
    venv because mdpo and translate-toolkit both install ``md2po`` and ``po2md``.
    """
    venv = cache_dir / name
    bindir = venv / "bin"
    stamp = venv / ".bench-requirement"
    ready = stamp.is_file() and stamp.read_text(encoding="utf-8") == requirement
    if ready and all((bindir / command).exists() for command in commands):
        return bindir
    if not install:
        raise ToolUnavailable(f"{requirement} is not installed in {venv} (--no-install given)")
    log(f"installing {requirement} into {venv} ...")
    if not (bindir / "python").exists():
        run_install_step([sys.executable, "-m", "venv", venv], f"creating venv {venv}")
    pip_install(bindir, *(requirement.split() if split else [requirement]))
    missing = [command for command in commands if not (bindir / command).exists()]
    if missing:
        raise ToolUnavailable(f"{requirement} installed no {', '.join(missing)}")
    stamp.write_text(requirement, encoding="utf-8")
    return bindir


def missing_commands(commands: Sequence[str]) -> list[str]:
    return [command for command in commands if shutil.which(command) is None]


def ensure_apt_package(package: str, commands: Sequence[str], install: bool, log: Log) -> None:
    """Make sure *commands* are on PATH, installing Debian *package* with apt-get if not."""
    missing = missing_commands(commands)
    if not missing:
        return
    reason = f"{', '.join(missing)} not found"
    if not install:
        raise ToolUnavailable(f"{reason} (--no-install given)")
    if shutil.which("apt-get") is None:
        raise ToolUnavailable(f"{reason} and apt-get is not available")
    if os.geteuid() != 0:
        raise ToolUnavailable(f"{reason}; `apt-get install {package}` needs root")
    log(f"installing Debian package {package} ...")
    install_argv = ["apt-get", "install", "-y", "-q", package]
    try:
        run_install_step(install_argv, f"apt-get install {package}")
    except ToolUnavailable:
        # The package lists may be missing or stale: refresh them once and retry.
        run_install_step(["apt-get", "update", "-q"], "apt-get update")
        run_install_step(install_argv, f"apt-get install {package}")
    missing = missing_commands(commands)
    if missing:
        raise ToolUnavailable(f"package {package} installed no {', '.join(missing)}")
