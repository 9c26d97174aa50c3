"""The tools under test: how to find or install each one and how to call it.

Every tool is two CLI calls: ``md2po`` (source Markdown → PO catalog) and ``po2md``
(source Markdown + untouched catalog → rebuilt Markdown).  Commands are argv templates
with ``{src}``, ``{po}`` and ``{out}`` placeholders.

Peers get the flags that favour an identity round trip: each one's "do not re-wrap the
Markdown" switch (mdpo ``-w inf``, translate-toolkit ``-m 0``, po4a ``-o neverwrap``);
with their defaults they re-flow paragraphs at 80 columns and can never be identical.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .install import (
    Log,
    ToolUnavailable,
    ensure_apt_package,
    ensure_venv_peer,
    last_line,
    pip_install,
)

SUBJECT = "transpub"

# Pinned so that figures from different runs compare; bump deliberately.
MDPO_REQUIREMENT = "mdpo==2.1.4"
TRANSLATE_TOOLKIT_REQUIREMENT = "translate-toolkit[markdown]==3.20.4"


@dataclass(frozen=True)
class Tool:
    """A ready-to-run tool: resolved executables baked into its argv templates."""

    name: str
    version: str
    md2po: tuple[str, ...]
    po2md: tuple[str, ...]

    def md2po_argv(self, src: Path, po: Path) -> list[str]:
        return fill(self.md2po, src=src, po=po)

    def po2md_argv(self, src: Path, po: Path, out: Path) -> list[str]:
        return fill(self.po2md, src=src, po=po, out=out)


@dataclass(frozen=True)
class SetupContext:
    cache_dir: Path
    install: bool
    log: Log


def fill(template: Sequence[str], **paths: Path) -> list[str]:
    return [arg.format(**{key: str(value) for key, value in paths.items()}) for arg in template]


def probe_version(argv: Sequence[str | Path]) -> str:
    """First line a ``--version`` call prints, or ``"unknown"``."""
    try:
        proc = subprocess.run(
            [str(arg) for arg in argv],
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (proc.stdout or proc.stderr).decode("utf-8", "replace").strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else "unknown"


#: transpub's checkout (bench/..), installed like the peers: a regular install in its own venv.
CHECKOUT = Path(__file__).resolve().parents[2]
#: What md2po/po2md need at run time (the Prefect flows are not part of this benchmark).
TRANSPUB_RUNTIME = "polib pyromark PyYAML rapidfuzz"


def setup_transpub(ctx: SetupContext) -> Tool:
    """Install this checkout (not editable, so no import hook slows it) beside the peers."""
    bindir = ensure_venv_peer(
        ctx.cache_dir, "transpub", TRANSPUB_RUNTIME, [], ctx.install, ctx.log, split=True
    )
    if ctx.install:
        pip_install(bindir, "--no-deps", "--force-reinstall", CHECKOUT)
    exe = bindir / "transpub"
    if not exe.exists():
        raise ToolUnavailable(f"transpub is not installed in {bindir} (--no-install given)")
    return Tool(
        name=SUBJECT,
        version=probe_version([exe, "--version"]),
        md2po=(str(exe), "md2po", "{src}", "-o", "{po}"),
        po2md=(str(exe), "po2md", "{src}", "{po}", "-o", "{out}"),
    )


def setup_mdpo(ctx: SetupContext) -> Tool:
    bindir = ensure_venv_peer(
        ctx.cache_dir, "mdpo", MDPO_REQUIREMENT, ["md2po", "po2md"], ctx.install, ctx.log
    )
    md2po, po2md = str(bindir / "md2po"), str(bindir / "po2md")
    return Tool(
        name="mdpo",
        version=probe_version([md2po, "--version"]),
        # md2po treats an argument that is not an existing file as Markdown *content*,
        # and merges into an existing catalog: always pass a real file and a fresh PO path.
        md2po=(md2po, "{src}", "-q", "-s", "-p", "{po}"),
        po2md=(po2md, "{src}", "-p", "{po}", "-q", "-w", "inf", "-s", "{out}"),
    )


def setup_translate_toolkit(ctx: SetupContext) -> Tool:
    bindir = ensure_venv_peer(
        ctx.cache_dir,
        "translate-toolkit",
        TRANSLATE_TOOLKIT_REQUIREMENT,
        ["md2po", "po2md"],
        ctx.install,
        ctx.log,
    )
    md2po, po2md = str(bindir / "md2po"), str(bindir / "po2md")
    return Tool(
        name="translate-toolkit",
        version=probe_version([md2po, "--version"]),
        md2po=(md2po, "--progress=none", "-i", "{src}", "-o", "{po}"),
        po2md=(po2md, "--progress=none", "-m", "0", "-t", "{src}", "-i", "{po}", "-o", "{out}"),
    )


PO4A_OPTIONS = ("-f", "text", "-o", "markdown", "-o", "neverwrap", "-M", "UTF-8")


def setup_po4a(ctx: SetupContext) -> Tool:
    # po4a-gettextize (0.69) refuses to run without a translated document (-l) to align
    # with; po4a-updatepo is the command that extracts a fresh catalog from the master.
    ensure_apt_package("po4a", ["po4a-updatepo", "po4a-translate"], ctx.install, ctx.log)
    return Tool(
        name="po4a",
        version=probe_version(["po4a-translate", "--version"]),
        md2po=("po4a-updatepo", *PO4A_OPTIONS, "-m", "{src}", "-p", "{po}"),
        po2md=(
            "po4a-translate",
            *PO4A_OPTIONS,
            *("-L", "UTF-8", "-m", "{src}", "-p", "{po}", "-l", "{out}", "-k", "0"),
        ),
    )


SETUPS: dict[str, Callable[[SetupContext], Tool]] = {
    SUBJECT: setup_transpub,
    "mdpo": setup_mdpo,
    "translate-toolkit": setup_translate_toolkit,
    "po4a": setup_po4a,
}


def setup_tool(name: str, ctx: SetupContext) -> Tool:
    """Find or install *name*; raises ``ToolUnavailable`` with a one-line reason."""
    try:
        return SETUPS[name](ctx)
    except ToolUnavailable:
        raise
    except Exception as exc:  # a broken install must not stop the other tools
        raise ToolUnavailable(f"setup failed: {type(exc).__name__}: {last_line(str(exc))}") from exc
