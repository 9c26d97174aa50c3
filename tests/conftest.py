"""Shared fixtures: a throwaway project, the corpus, and an isolated Prefect home."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from transpub.glossary.model import Glossary

# Prefect reads its settings at import time: isolate it before any test imports it.
_PREFECT_HOME = tempfile.mkdtemp(prefix="transpub-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT.parent / "shared" / "corpus"

TOML = """\
[project]
name = "test project"

[segment]
front_matter_keys = ["title", "summary"]
"""


@pytest.fixture
def corpus() -> Path:
    """The real Chinese corpus beside the checkout (CI has it there too)."""
    assert CORPUS.is_dir(), f"the corpus is expected at {CORPUS}"
    return CORPUS


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """An empty transpub project."""
    (tmp_path / "transpub.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "articles").mkdir()
    return tmp_path


def write_article(project_dir: Path, slug: str, text: str | bytes) -> Path:
    """Place a source file as ``articles/<slug>/zh.md`` (bytes are written as they are)."""
    folder = project_dir / "articles" / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "zh.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def fired_checks(
    ids: set[str],
    source: str,
    target: str,
    flags: tuple[str, ...] = (),
    glossary: Glossary | None = None,
) -> dict[str, list[str]]:
    """Check id → messages, for the checks named in ``ids`` only."""
    from transpub.checks.base import CheckContext, run_checks

    context = CheckContext(glossary=glossary, kind="paragraph")
    found: dict[str, list[str]] = {}
    for f in run_checks(source, target, flags, context, only=lambda cls: cls.check_id in ids):
        found.setdefault(f.check, []).append(f.message)
    return found


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):  # a busy machine migrates slowly
        yield
