"""Settings: ``transpub.toml`` defaults, strict keys and types, and finding the project."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from conftest import ROOT
from transpub.article import Project
from transpub.cli import main
from transpub.config import (
    CatalogSettings,
    Config,
    ProjectSettings,
    SegmentSettings,
    find_config,
    load_config,
)
from transpub.errors import ConfigError

#: The allowed sections, as an unknown one is answered.
SECTIONS = (
    "align, bluesky, catalog, channels, credits, deepl, glossary, ladder, linkedin, llm, "
    "mastodon, project, segment, site, translate"
)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "transpub.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.path == str(path)
    assert "\n" not in str(error)
    assert str(error).startswith(f"{path}: ")
    return error


# --- defaults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only a comment\n", "[project]\n[segment]\n[catalog]\n"])
def test_an_empty_file_gives_the_defaults(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    config = load_config(path)
    assert config == Config(path=path)
    assert config.project == ProjectSettings(
        name="transpub", source_language="zh", target_language="en", articles_dir="articles"
    )
    assert config.segment == SegmentSettings(
        front_matter_keys=("title", "summary"), html_blocks=True
    )
    assert config.catalog == CatalogSettings(wrap_width=78, merge_similarity=60.0)


def test_the_readme_documents_every_default() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    defaults = Config()
    for section in ("project", "segment", "catalog"):
        for f in fields(getattr(defaults, section)):
            assert f"`[{section}] " in readme
            assert f"`{f.name}`" in readme or f" {f.name}`" in readme, f.name


def test_the_repository_settings_load() -> None:
    config = load_config(ROOT / "transpub.toml")
    assert config.project.articles_dir == "articles"
    assert config.catalog.merge_similarity == 60.0
    assert isinstance(config.catalog.merge_similarity, float)


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ('[project]\nname = "开源社"\n', "project", ProjectSettings(name="开源社")),
        (
            '[project]\nsource_language = "zh-Hans"\ntarget_language = "en-US"\n'
            'articles_dir = "content/posts"\n',
            "project",
            ProjectSettings(
                source_language="zh-Hans", target_language="en-US", articles_dir="content/posts"
            ),
        ),
        (
            '[segment]\nfront_matter_keys = ["title", "features.*.title"]\nhtml_blocks = false\n',
            "segment",
            SegmentSettings(front_matter_keys=("title", "features.*.title"), html_blocks=False),
        ),
        ("[segment]\nfront_matter_keys = []\n", "segment", SegmentSettings(front_matter_keys=())),
        (
            "[catalog]\nwrap_width = 0\nmerge_similarity = 72.5\n",
            "catalog",
            CatalogSettings(wrap_width=0, merge_similarity=72.5),
        ),
        ("[catalog]\nmerge_similarity = 80\n", "catalog", CatalogSettings(merge_similarity=80.0)),
    ],
)
def test_values_are_read(tmp_path: Path, text: str, section: str, expected: object) -> None:
    config = load_config(write(tmp_path, text))
    assert getattr(config, section) == expected
    for other in {"project", "segment", "catalog"} - {section}:
        assert getattr(config, other) == getattr(Config(), other)


def test_an_int_similarity_becomes_a_float(tmp_path: Path) -> None:
    similarity = load_config(write(tmp_path, "[catalog]\nmerge_similarity = 75\n"))
    assert type(similarity.catalog.merge_similarity) is float


# --- unknown names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named", "allowed"),
    [
        (
            "[projects]\nname = 'x'\n",
            "[projects]",
            SECTIONS,
        ),
        (
            "[deepl-pro]\nauth = 'x'\n",
            "[deepl-pro]",
            SECTIONS,
        ),
        ("name = 'x'\n", "[name]", SECTIONS),
        (
            "[project]\ntitle = 'x'\n",
            "'title' in [project]",
            "articles_dir, name, source_language, target_language",
        ),
        ("[segment]\nhtml = true\n", "'html' in [segment]", "front_matter_keys, html_blocks"),
        ("[catalog]\nwrap = 80\n", "'wrap' in [catalog]", "merge_similarity, wrap_width"),
        (
            "[catalog.extra]\nx = 1\n",
            "'extra' in [catalog]",
            "merge_similarity, wrap_width",
        ),
        (
            "[Catalog]\nwrap_width = 80\n",
            "[Catalog]",
            SECTIONS,
        ),
    ],
)
def test_unknown_sections_and_keys_name_the_file_and_the_allowed_names(
    tmp_path: Path, text: str, named: str, allowed: str
) -> None:
    error = config_error(write(tmp_path, text))
    assert "unknown" in error.message
    assert named in error.message
    assert error.hint is not None
    assert error.hint.endswith(allowed)
    assert allowed in str(error)


def test_an_unknown_site_layout_is_refused_when_the_settings_are_read(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, '[site]\nlayout = "jekyll"\n'))
    assert "[site] layout 'jekyll'" in error.message
    assert error.hint == "known layouts: folders, hugo, vitepress"
    assert "transpub.toml" in str(error)


# --- wrong types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "kind"),
    [
        ("[project]\nname = 3\n", "[project] name", "str"),
        ("[project]\narticles_dir = ['a']\n", "[project] articles_dir", "str"),
        ("[segment]\nhtml_blocks = 'yes'\n", "[segment] html_blocks", "bool"),
        ("[segment]\nhtml_blocks = 1\n", "[segment] html_blocks", "bool"),
        ("[segment]\nfront_matter_keys = 'title'\n", "[segment] front_matter_keys", "list"),
        ("[segment]\nfront_matter_keys = ['title', 2]\n", "[segment] front_matter_keys", "list"),
        ("[catalog]\nwrap_width = '78'\n", "[catalog] wrap_width", "int"),
        ("[catalog]\nwrap_width = 78.0\n", "[catalog] wrap_width", "int"),
        ("[catalog]\nwrap_width = true\n", "[catalog] wrap_width", "int"),
        ("[catalog]\nmerge_similarity = '60'\n", "[catalog] merge_similarity", "float"),
        ("[catalog]\nmerge_similarity = true\n", "[catalog] merge_similarity", "float"),
        ("project = 'x'\n", "[project]", "table"),
    ],
)
def test_wrong_types_are_errors(tmp_path: Path, text: str, where: str, kind: str) -> None:
    error = config_error(write(tmp_path, text))
    assert error.message.startswith(f"{where} must be a")
    assert kind in error.message
    assert f"must be a {kind}" in error.message or f"must be an {kind}" in error.message
    assert "must be a int" not in error.message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("0.0", True),
        ("100", True),
        ("60", True),
        ("99.9", True),
        ("-1", False),
        ("-0.001", False),
        ("100.5", False),
        ("101", False),
        ("nan", False),
        ("inf", False),
        ("-inf", False),
    ],
)
def test_merge_similarity_bounds(tmp_path: Path, value: str, ok: bool) -> None:
    path = write(tmp_path, f"[catalog]\nmerge_similarity = {value}\n")
    if ok:
        assert load_config(path).catalog.merge_similarity == float(value)
    else:
        error = config_error(path)
        assert "merge_similarity must be between 0 and 100" in error.message


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("1", True), ("200", True), ("-1", False)])
def test_wrap_width_bounds(tmp_path: Path, value: str, ok: bool) -> None:
    path = write(tmp_path, f"[catalog]\nwrap_width = {value}\n")
    if ok:
        assert load_config(path).catalog.wrap_width == int(value)
    else:
        assert "wrap_width must be 0 or more" in config_error(path).message


# --- files that are not TOML ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("[catalog\n", id="unclosed-table"),
        pytest.param("[catalog]\nwrap_width = \n", id="missing-value"),
        pytest.param("[catalog]\nwrap_width = 1\nwrap_width = 2\n", id="duplicate-key"),
        pytest.param("name: transpub\n", id="yaml"),
        pytest.param('[project]\nname = "开源社"\n'.encode("gb18030"), id="gb18030"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", id="binary"),
    ],
)
def test_invalid_toml_names_the_file(tmp_path: Path, data: str | bytes) -> None:
    error = config_error(write(tmp_path, data))
    assert error.message.startswith("not valid TOML")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    error = config_error(tmp_path / "transpub.toml")
    assert "no such settings file" in error.message


# --- finding the project ----------------------------------------------------------------------


def test_project_open_finds_the_settings_upward(project_dir: Path) -> None:
    deep = project_dir / "articles" / "plan" / "drafts"
    deep.mkdir(parents=True)
    for start in (project_dir, project_dir / "articles", deep):
        project = Project.open(start)
        assert project.root == project_dir.resolve()
        assert project.config.path == project_dir.resolve() / "transpub.toml"
        assert project.config.project.name == "test project"
        assert project.articles_dir == project_dir.resolve() / "articles"
    assert find_config(deep) == project_dir / "transpub.toml"


def test_project_open_defaults_to_the_current_folder(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "articles" / "plan").mkdir()
    monkeypatch.chdir(project_dir / "articles" / "plan")
    assert Project.open().root == project_dir.resolve()
    assert Project.open(".").root == project_dir.resolve()


def test_the_nearest_project_wins(project_dir: Path) -> None:
    inner = project_dir / "sub"
    inner.mkdir()
    (inner / "transpub.toml").write_text("[project]\nname = 'inner'\n", encoding="utf-8")
    (inner / "deeper").mkdir()
    project = Project.open(inner / "deeper")
    assert (project.root, project.config.project.name) == (inner.resolve(), "inner")


def test_a_folder_named_transpub_toml_is_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "transpub.toml").mkdir()
    assert find_config(tmp_path) is None
    with pytest.raises(ConfigError, match=r"no transpub\.toml here or above"):
        Project.open(tmp_path)


def test_project_open_reports_bad_settings(project_dir: Path) -> None:
    (project_dir / "transpub.toml").write_text("[catalog]\nwrap = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Project.open(project_dir / "articles")
    assert info.value.path == str(project_dir.resolve() / "transpub.toml")


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A folder with no transpub.toml here or above."""
    folder = tmp_path / "nowhere"
    folder.mkdir()
    assert find_config(folder) is None
    return folder


@pytest.mark.parametrize("command", [["status"], ["sync"], ["status", "--json"], ["build", "x"]])
@pytest.mark.parametrize("target", ["missing", "existing"])
def test_dash_c_without_a_project_is_one_line_and_exit_2(
    nowhere: Path, capsys: pytest.CaptureFixture[str], command: list[str], target: str
) -> None:
    folder = nowhere / "missing" if target == "missing" else nowhere
    code = main(["-C", str(folder), *command])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 1
    expected = "no such project folder" if target == "missing" else "no transpub.toml here or above"
    assert lines[0].startswith(f"Error: {folder}: {expected}")
    assert "Traceback" not in err


@pytest.mark.parametrize("key", ["auth_key", "api_key", "token", "linkedin_token"])
def test_a_secret_in_the_settings_is_refused_without_echoing_it(tmp_path: Path, key: str) -> None:
    path = tmp_path / "transpub.toml"
    path.write_text(f"[deepl]\n{key} = 'sk-very-secret-value'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "secrets never go in transpub.toml" in message
    assert "sk-very-secret-value" not in message


def test_dash_c_with_bad_settings_is_one_line_and_exit_2(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_dir / "transpub.toml").write_text(
        "[catalog]\nmerge_similarity = 101\n", encoding="utf-8"
    )
    assert main(["-C", str(project_dir), "status"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"Error: {project_dir.resolve() / 'transpub.toml'}: "
        "[catalog] merge_similarity must be between 0 and 100"
    ]


def test_dash_c_to_a_missing_folder_inside_a_project_is_an_error(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-C", str(project_dir / "typo"), "status"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "typo" in err


def test_every_setting_is_documented_in_the_readme() -> None:
    from dataclasses import fields

    from conftest import ROOT
    from transpub.config import _SECTIONS

    rows = [
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `[")
    ]
    for section, cls in _SECTIONS.items():
        for f in fields(cls):
            documented = any(
                row.startswith(f"| `[{section}] ")
                and (f"`[{section}] {f.name}`" in row or f"`{f.name}`" in row.split("|")[1])
                for row in rows
            )
            assert documented, f"[{section}] {f.name} is not in the README's settings table"
