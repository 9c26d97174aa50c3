"""Turning measurements into the printed table, the speed lines and the JSON figures."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from .measure import FileResult, ToolResult
from .tools import SUBJECT

HEADERS = (
    "tool",
    "version",
    "identical (files)",
    "big identical",
    "segments",
    "big segments",
    "per-file ms (median)",
    "big s (median)",
)


NEAR = 1.05  # time ratios within 5% either way are "about as fast"


def short_version(version: str) -> str:
    match = re.search(r"\d+(?:\.\d+)+", version)
    return match.group(0) if match else version


def fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def fmt_big_identical(big: FileResult) -> str:
    if big.error is not None:
        return "error"
    return "yes" if big.identical else "no"


def fmt_segments(segments: int | None) -> str:
    return "-" if segments is None else str(segments)


def table_row(result: ToolResult) -> tuple[str, ...]:
    files = len(result.files)
    timed = len(result.file_times)
    partial = "" if timed == files else f" ({timed}/{files} ok)"
    return (
        result.tool.name,
        short_version(result.tool.version),
        f"{result.identical_count}/{files} ({result.identical_pct:.1f}%)",
        fmt_big_identical(result.big),
        f"{result.segments_total}{partial}",
        fmt_segments(result.big.segments),
        f"{fmt_ms(result.per_file_median_s)}{partial}",
        fmt_s(result.big.seconds),
    )


def format_table(results: list[ToolResult]) -> str:
    rows = [HEADERS, *(table_row(result) for result in results)]
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def error_lines(results: list[ToolResult]) -> list[str]:
    """One line per failing tool: how many inputs failed and the first error."""
    lines = []
    for result in results:
        failed = result.errors
        if failed:
            first = failed[0]
            lines.append(
                f"{result.tool.name}: {len(failed)} input(s) failed; "
                f"first: {first.name}: {first.error}"
            )
    return lines


def ratio(subject_s: float | None, peer_s: float | None) -> float | None:
    """transpub time / peer time (below 1: transpub is faster)."""
    if subject_s is None or peer_s is None or peer_s <= 0:
        return None
    return subject_s / peer_s


def speed_line(peer: str, value: float | None, what: str) -> str:
    if value is None:
        return f"transpub vs {peer} ({what}): no figure (a run failed)"
    if 1 / NEAR <= value <= NEAR:
        return f"transpub is about as fast as {peer} ({what}; time ratio {value:.2f})"
    if value < 1:
        return f"transpub is {1 / value:.1f}× faster than {peer} ({what})"
    return f"transpub is {value:.1f}× slower than {peer} ({what})"


def ratios(results: list[ToolResult]) -> dict[str, dict[str, float | None]]:
    subject = next((result for result in results if result.tool.name == SUBJECT), None)
    if subject is None:
        return {}
    return {
        peer.tool.name: {
            "per_file": ratio(subject.per_file_median_s, peer.per_file_median_s),
            "big_file": ratio(subject.big.seconds, peer.big.seconds),
        }
        for peer in results
        if peer is not subject
    }


def ratio_lines(results: list[ToolResult]) -> list[str]:
    lines = []
    for peer, values in ratios(results).items():
        lines.append(speed_line(peer, values["per_file"], "per-file median"))
        lines.append(speed_line(peer, values["big_file"], "big file"))
    return lines


def file_json(result: FileResult) -> dict[str, Any]:
    return asdict(result)


def tool_json(result: ToolResult) -> dict[str, Any]:
    median = result.per_file_median_s
    return {
        "version": result.tool.version,
        "md2po": " ".join(result.tool.md2po),
        "po2md": " ".join(result.tool.po2md),
        "files": len(result.files),
        "identical_files": result.identical_count,
        "identical_pct": round(result.identical_pct, 1),
        "big_identical": result.big.identical,
        "segments": result.segments_total,
        "big_segments": result.big.segments,
        "per_file_median_ms": None if median is None else round(median * 1000, 1),
        "big_median_s": None if result.big.seconds is None else round(result.big.seconds, 3),
        "per_file": [file_json(item) for item in result.files],
        "big": file_json(result.big),
        "errors": error_lines([result]),
    }


def results_json(
    meta: dict[str, Any], results: list[ToolResult], unavailable: dict[str, str]
) -> dict[str, Any]:
    return {
        **meta,
        "tools": {result.tool.name: tool_json(result) for result in results},
        "unavailable": unavailable,
        "ratios_transpub_over_peer": ratios(results),
    }
