"""Benchmark inputs: a private copy of the corpus files and one big concatenation."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "report-2024" / "zh"
DEFAULT_BIG_MIN_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Inputs:
    """The files one benchmark run feeds to every tool."""

    files: list[Path]
    big: Path
    big_copies: int


def copy_corpus(source_dir: Path, dest_dir: Path) -> list[Path]:
    """Copy every ``*.md`` of *source_dir* into *dest_dir*, sorted by name."""
    sources = sorted(source_dir.glob("*.md"))
    if not sources:
        raise FileNotFoundError(f"no *.md files in {source_dir}")
    dest_dir.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(src, dest_dir / src.name)) for src in sources]


def join_documents(parts: list[bytes]) -> bytes:
    """Join documents so each one starts a new block (a blank line between them)."""
    chunks = [part if part.endswith(b"\n") else part + b"\n" for part in parts]
    return b"\n".join(chunks)


def build_big_file(files: list[Path], dest_dir: Path, min_bytes: int) -> tuple[Path, int]:
    """Write the corpus concatenated as many times as needed to exceed *min_bytes*.

    Returns the file written and the number of corpus copies in it.
    """
    one_copy = join_documents([path.read_bytes() for path in files])
    copies = min_bytes // len(one_copy) + 1
    dest_dir.mkdir(parents=True, exist_ok=True)
    big = dest_dir / f"corpus-x{copies}.md"
    big.write_bytes(b"\n".join([one_copy] * copies))
    return big, copies


def prepare_inputs(source_dir: Path, workdir: Path, big_min_bytes: int) -> Inputs:
    """Copy the corpus into *workdir* and build the big file beside it."""
    files = copy_corpus(source_dir, workdir / "corpus")
    big, copies = build_big_file(files, workdir / "big", big_min_bytes)
    return Inputs(files=files, big=big, big_copies=copies)
