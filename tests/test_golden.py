"""Golden files: `tests/data/<case>.md` beside its catalog `.po` and pseudo-translation `.en.md`.

Set ``TRANSPUB_REGEN_GOLDEN=1`` to rewrite the expected files after a deliberate change, then
review the diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest

from conftest import DATA
from transpub.catalog import pofile
from transpub.catalog.convert import md2po, rebuild, segment_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CASES = sorted(p for p in DATA.glob("*.md") if not p.name.endswith(".en.md"))
REGEN = os.environ.get("TRANSPUB_REGEN_GOLDEN") == "1"


def pseudo(msgid: str) -> str:
    """A visible stand-in translation that keeps the unit's line structure."""
    return f"«{msgid}»"


def _compare(path: Path, actual: bytes) -> None:
    if REGEN:
        path.write_bytes(actual)
    assert path.exists(), f"missing golden file {path.name}; run with TRANSPUB_REGEN_GOLDEN=1"
    assert actual == path.read_bytes(), f"{path.name} differs from its golden file"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_catalog_matches_golden(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.po"
    md2po(case, out, now=NOW)
    _compare(case.with_suffix(".po"), out.read_bytes())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_identity_rebuild_is_byte_exact(case: Path) -> None:
    text, segmented = segment_file(case)
    po = pofile.load(case.with_suffix(".po"))
    for entry in po:
        entry.msgstr = entry.msgid
    assert rebuild(text, segmented, po).encode("utf-8") == case.read_bytes()
    assert segmented.rebuild({}) == text


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_translation_matches_golden(case: Path) -> None:
    text, segmented = segment_file(case)
    po = pofile.load(case.with_suffix(".po"))
    for entry in po:
        entry.msgstr = pseudo(entry.msgid)
    result = rebuild(text, segmented, po)  # raises if the structure changed
    _compare(case.with_suffix(".en.md"), result.encode("utf-8"))


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is installed by .ci/run")
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden_catalog_passes_msgfmt(case: Path, tmp_path: Path) -> None:
    po = case.with_suffix(".po")
    run = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_every_case_has_units() -> None:
    for case in CASES:
        assert len(polib.pofile(str(case.with_suffix(".po")))) > 0, case.name
