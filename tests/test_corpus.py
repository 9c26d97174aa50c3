"""Every file of the real corpus round-trips byte for byte and yields a valid catalog."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CORPUS
from transpub.catalog import pofile
from transpub.catalog.convert import md2po, po2md, rebuild, segment_file

FILES = sorted(CORPUS.glob("**/*.md"))


def test_corpus_is_there() -> None:
    assert len(FILES) >= 19, f"expected the corpus beside the checkout at {CORPUS}"


@pytest.mark.parametrize("source", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_round_trips(source: Path, tmp_path: Path) -> None:
    po_path, out = tmp_path / "out.po", tmp_path / "out.md"
    md2po(source, po_path)
    po2md(source, po_path, out)
    assert out.read_bytes() == source.read_bytes()

    text, segmented = segment_file(source)
    po = pofile.load(po_path)
    for entry in po:
        entry.msgstr = entry.msgid
    assert rebuild(text, segmented, po) == text

    if shutil.which("msgfmt"):
        run = subprocess.run(
            ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po_path)],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr


def test_report_units_cover_the_prose() -> None:
    """The segmenter finds the report's prose: thousands of units, none of them code or URLs."""
    total = 0
    for source in sorted((CORPUS / "report-2024" / "zh").glob("*.md")):
        _, segmented = segment_file(source)
        for unit in segmented.units:
            assert not unit.msgid.startswith(("```", "http://", "https://", "<!--"))
        total += len(segmented.units)
    assert total > 2000
