#!/usr/bin/env python3
"""Benchmark: peak memory and time of a round trip on a 10 MB Markdown file.

One command: ``python bench/memory_bench.py``. The file is the 2024 report's Chinese chapters
repeated to 10 MB. transpub (``md2po`` + ``po2md``) and po4a (the fastest peer of
``bench/roundtrip``) run one after the other as child processes; their peak resident memory
comes from ``wait4`` (each child's own rusage) and is printed against the file size and against
each other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "report-2024" / "zh"
SIZE = 10 * 1024 * 1024
PO4A = ("-f", "text", "-o", "markdown", "-o", "neverwrap", "-M", "UTF-8")


def _peak(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        error = proc.stderr.read().decode()[-300:] if proc.stderr else ""
        raise SystemExit(f"{argv[0]} failed: {error}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="transpub-memory-"))
    parts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md"))]
    text = ""
    while len(text.encode()) < SIZE:
        text += "\n\n".join(parts) + "\n\n"
    source = work / "big.md"
    source.write_text(text, encoding="utf-8")
    mib = source.stat().st_size / 1024 / 1024
    exe = Path(sys.executable).with_name("transpub")
    results = {}
    t1, m1 = _peak([str(exe), "md2po", str(source), "-o", str(work / "t.po"), "-q"])
    t2, m2 = _peak([str(exe), "po2md", str(source), str(work / "t.po"), "-o", str(work / "t.md")])
    same = (work / "t.md").read_bytes() == source.read_bytes()
    results["transpub"] = (t1 + t2, max(m1, m2), same)
    if shutil.which("po4a-updatepo"):
        t1, m1 = _peak(["po4a-updatepo", *PO4A, "-m", str(source), "-p", str(work / "p.po")])
        t2, m2 = _peak(
            [
                "po4a-translate",
                *PO4A,
                "-L",
                "UTF-8",
                "-m",
                str(source),
                "-p",
                str(work / "p.po"),
                "-l",
                str(work / "p.md"),
                "-k",
                "0",
            ]
        )
        results["po4a"] = (
            t1 + t2,
            max(m1, m2),
            (work / "p.md").read_bytes() == source.read_bytes(),
        )
    shutil.rmtree(work, ignore_errors=True)
    print(f"file: {mib:.1f} MiB of Markdown")
    for tool, (seconds, peak, identical) in results.items():
        print(
            f"{tool:9} round trip {seconds:6.2f} s, peak RSS {peak:7.1f} MiB "
            f"({peak / mib:.1f}× the file), byte-identical: {'yes' if identical else 'no'}"
        )
    if "po4a" in results:
        t, p = results["transpub"][:2]
        pt, pp = results["po4a"][:2]
        print(f"transpub / po4a: time {t / pt:.2f}, peak memory {p / pp:.2f}")


if __name__ == "__main__":
    main()
