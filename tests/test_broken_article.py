"""One broken catalog or publish record stops its own article, never the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from publishing import approved_project, site_toml
from transpub.cli import main


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """Three approved, published articles; ``alpha``'s record and ``beta``'s catalog broken."""
    toml = site_toml(base_url="https://ex.org/r/")
    for slug in ("alpha", "beta", "gamma"):
        approved_project(tmp_path, slug, toml=toml)
    assert main(["-C", str(tmp_path), "publish"]) == 0
    (tmp_path / "articles" / "alpha" / "publish.json").write_text('{"site": {\n', "utf-8")
    catalog = tmp_path / "articles" / "beta" / "en.po"
    lines = catalog.read_text("utf-8").splitlines(keepends=True)
    lines.insert(4, 'msgid "unclosed\n')
    catalog.write_text("".join(lines), "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [["status"], ["publish"], ["post", "--dry-run", "--channel", "mastodon"]],
    ids=["status", "publish", "post"],
)
def test_a_broken_article_is_one_line_and_the_others_go_on(
    broken: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(broken), *argv]) == 2
    out, err = capsys.readouterr()
    assert "gamma" in out  # the sound article is still listed, published or previewed
    errors = [line for line in err.splitlines() if line.strip()]
    record = f"Error: {broken}/articles/alpha/publish.json:2: "
    catalog = f"Error: {broken}/articles/beta/en.po:5: "
    assert any(line.startswith(record) for line in errors), err
    assert any(line.startswith(catalog) for line in errors), err
    assert len(errors) == 2 and all("; " in line for line in errors), err  # each with a hint
    assert "beta" not in out  # no half rows
    if argv == ["status"]:  # its catalog is sound: the row is there, its record marked broken
        row = next(line for line in out.splitlines() if line.startswith("alpha "))
        assert "approved (publish record broken)" in row and "100%" in row
    else:
        assert "alpha" not in out


def test_check_with_one_broken_catalog_goes_on_with_the_others(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(broken), "check"]) == 2
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {broken}/articles/beta/en.po:5: ")
    assert "alpha: 0 errors" in out and "gamma: 0 errors" in out and "beta" not in out


@pytest.mark.parametrize("command", ["sync", "check", "publish"])
def test_a_deleted_source_is_one_line_not_a_silent_skip(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for slug in ("alpha", "gamma"):
        approved_project(tmp_path, slug, toml=site_toml(base_url="https://ex.org/r/"))
    (tmp_path / "articles" / "alpha" / "zh.md").unlink()
    capsys.readouterr()
    main(["-C", str(tmp_path), command])
    out, err = capsys.readouterr()
    assert "gamma" in out  # the others go on
    lines = [line for line in err.splitlines() if "alpha" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"source missing: {tmp_path}/articles/alpha/zh.md; restore it ")
    assert "or remove the folder" in lines[0]
