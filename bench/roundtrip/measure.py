"""Running identity round trips and timing them."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .install import last_line
from .pocount import count_segments
from .tools import Tool


@dataclass(frozen=True)
class Trip:
    """One identity round trip (md2po then po2md) of one file."""

    seconds: float
    identical: bool = False
    segments: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class FileResult:
    """All round trips of one file by one tool: identity from the first, median time."""

    name: str
    size: int
    identical: bool
    segments: int | None
    seconds: float | None
    runs: list[float] = field(default_factory=list)
    error: str | None = None


def run_call(argv: Sequence[str], cwd: Path, timeout: float) -> tuple[float, str | None]:
    """Run one CLI call; return its wall time (process start included) and any error."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"timed out after {timeout:g} s"
    except OSError as exc:
        return time.perf_counter() - start, f"could not start: {exc}"
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        return elapsed, f"exit {proc.returncode}: {last_line(proc.stderr or proc.stdout)}"
    return elapsed, None


def round_trip(tool: Tool, src: Path, rundir: Path, timeout: float, inspect: bool) -> Trip:
    """md2po then po2md on *src* in a fresh *rundir*; check identity when *inspect*."""
    rundir.mkdir(parents=True)
    po = rundir / f"{src.stem}.po"
    out = rundir / f"{src.stem}.roundtrip.md"
    extract_s, error = run_call(tool.md2po_argv(src, po), rundir, timeout)
    if error is None and not po.is_file():
        error = "wrote no catalog"
    if error is not None:
        return Trip(seconds=extract_s, error=f"md2po: {error}")
    rebuild_s, error = run_call(tool.po2md_argv(src, po, out), rundir, timeout)
    if error is None and not out.is_file():
        error = "wrote no Markdown"
    if error is not None:
        return Trip(seconds=extract_s + rebuild_s, error=f"po2md: {error}")
    if not inspect:
        return Trip(seconds=extract_s + rebuild_s)
    return Trip(
        seconds=extract_s + rebuild_s,
        identical=out.read_bytes() == src.read_bytes(),
        segments=count_segments(po),
    )


def measure_file(tool: Tool, src: Path, rundir: Path, repeat: int, timeout: float) -> FileResult:
    """Round-trip *src* *repeat* times (stopping at the first failure)."""
    trips: list[Trip] = []
    for index in range(repeat):
        trip = round_trip(tool, src, rundir / str(index), timeout, inspect=index == 0)
        trips.append(trip)
        if trip.error is not None:
            break
    first, failed = trips[0], trips[-1].error
    runs = [trip.seconds for trip in trips]
    return FileResult(
        name=src.name,
        size=src.stat().st_size,
        identical=first.identical and failed is None,
        segments=first.segments,
        seconds=None if failed else statistics.median(runs),
        runs=runs,
        error=failed,
    )


@dataclass(frozen=True)
class ToolResult:
    tool: Tool
    files: list[FileResult]
    big: FileResult

    @property
    def identical_count(self) -> int:
        return sum(result.identical for result in self.files)

    @property
    def identical_pct(self) -> float:
        return 100.0 * self.identical_count / len(self.files)

    @property
    def segments_total(self) -> int:
        return sum(result.segments or 0 for result in self.files)

    @property
    def file_times(self) -> list[float]:
        """Median round-trip time of each corpus file that did not fail."""
        return [result.seconds for result in self.files if result.seconds is not None]

    @property
    def per_file_median_s(self) -> float | None:
        times = self.file_times
        return statistics.median(times) if times else None

    @property
    def errors(self) -> list[FileResult]:
        return [result for result in [*self.files, self.big] if result.error is not None]
