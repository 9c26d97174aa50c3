"""Command line: set the tools up, run every round trip, print the table, save JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from .corpus import DEFAULT_BIG_MIN_BYTES, DEFAULT_CORPUS, Inputs, prepare_inputs
from .install import ToolUnavailable
from .measure import ToolResult, measure_file
from .report import error_lines, format_table, ratio_lines, results_json
from .tools import SETUPS, SUBJECT, SetupContext, Tool, setup_tool

DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".peers"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool_list(value: str) -> list[str]:
    names = list(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    unknown = [name for name in names if name not in SETUPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown tool(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SETUPS)}"
        )
    return sorted(names, key=lambda name: name != SUBJECT)  # the subject first, then peers


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/roundtrip",
        description="Identity round trip Markdown → PO → Markdown: transpub and its peers.",
    )
    parser.add_argument(
        "--tools",
        type=tool_list,
        default=list(SETUPS),
        help=f"comma-separated, from {','.join(SETUPS)} (default: all)",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=3,
        help="round trips per input; the median time is kept (default: 3)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="save the figures as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds allowed for one CLI call (default: 120)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"directory of *.md inputs (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--big-min-bytes",
        type=positive_int,
        default=DEFAULT_BIG_MIN_BYTES,
        help="the big file is the corpus repeated until it exceeds this size",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where the PyPI peers' venvs live (default: {DEFAULT_CACHE})",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not install missing peers; report them as unavailable",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory (inputs, catalogs, outputs)"
    )
    return parser.parse_args(argv)


def setup_tools(names: list[str], ctx: SetupContext) -> tuple[list[Tool], dict[str, str]]:
    tools: list[Tool] = []
    unavailable: dict[str, str] = {}
    for name in names:
        try:
            tools.append(setup_tool(name, ctx))
        except ToolUnavailable as exc:
            unavailable[name] = str(exc)
            log(f"{name}: not available: {exc}")
    return tools, unavailable


def measure_tool(
    tool: Tool, inputs: Inputs, workdir: Path, repeat: int, timeout: float
) -> ToolResult:
    rundir = workdir / "runs" / tool.name
    files = []
    for src in inputs.files:
        result = measure_file(tool, src, rundir / src.stem, repeat, timeout)
        files.append(result)
        log(f"  {tool.name}: {src.name}: {describe(result.seconds, result.error)}")
    big = measure_file(tool, inputs.big, rundir / "big", repeat, timeout)
    log(f"  {tool.name}: {inputs.big.name}: {describe(big.seconds, big.error)}")
    return ToolResult(tool=tool, files=files, big=big)


def describe(seconds: float | None, error: str | None) -> str:
    return f"FAILED ({error})" if error else f"{seconds:.3f} s"


def run_metadata(args: argparse.Namespace, inputs: Inputs) -> dict[str, Any]:
    return {
        "benchmark": "roundtrip",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "corpus": {
            "dir": str(args.corpus),
            "files": {path.name: path.stat().st_size for path in inputs.files},
            "big": {"copies": inputs.big_copies, "bytes": inputs.big.stat().st_size},
        },
        "repeat": args.repeat,
        "timeout_s": args.timeout,
    }


def print_summary(inputs: Inputs, results: list[ToolResult], unavailable: dict[str, str]) -> None:
    corpus_bytes = sum(path.stat().st_size for path in inputs.files)
    print()
    print(
        f"Identity round trip: {len(inputs.files)} files ({corpus_bytes:,} bytes) and a big "
        f"file of {inputs.big_copies}× the corpus ({inputs.big.stat().st_size:,} bytes)."
    )
    print("Times are md2po + po2md wall time, process start included.")
    print()
    if results:
        print(format_table(results))
    for line in error_lines(results):
        print(f"error: {line}")
    for name, reason in unavailable.items():
        print(f"not measured: {name}: {reason}")
    speed = ratio_lines(results)
    if speed:
        print()
        print("\n".join(speed))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="transpub-roundtrip-"))
    try:
        inputs = prepare_inputs(args.corpus, workdir, args.big_min_bytes)
        ctx = SetupContext(cache_dir=args.cache, install=not args.no_install, log=log)
        tools, unavailable = setup_tools(args.tools, ctx)
        results = []
        for tool in tools:
            log(f"{tool.name} ({tool.version}): round trips ...")
            results.append(measure_tool(tool, inputs, workdir, args.repeat, args.timeout))
        print_summary(inputs, results, unavailable)
        if args.json:
            data = results_json(run_metadata(args, inputs), results, unavailable)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            log(f"figures saved to {args.json}")
    finally:
        if args.keep:
            log(f"working directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if results else 1
