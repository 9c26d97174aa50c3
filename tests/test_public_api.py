"""The public surface stays honest: ``__all__`` lists exactly what resolves, and style holds."""

from __future__ import annotations

import subprocess
import sys

import pytest

import transpub
from conftest import ROOT


def test_every_exported_name_resolves() -> None:
    for name in transpub.__all__:
        assert getattr(transpub, name) is not None, name


def test_all_matches_the_lazy_table() -> None:
    assert set(transpub.__all__) == {"__version__", *transpub._EXPORTS}


def test_public_names_are_exported() -> None:
    public = {n for n in dir(transpub) if not n.startswith("_")}
    assert public == {n for n in transpub.__all__ if not n.startswith("_")}
    with pytest.raises(AttributeError):
        transpub.no_such_name  # noqa: B018


def test_library_does_not_import_prefect() -> None:
    code = (
        "import sys, transpub.catalog.sync, transpub.catalog.status, transpub.review.actions, "
        "transpub.cli; "
        "print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ruff_is_clean() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "flows", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_on_src() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
