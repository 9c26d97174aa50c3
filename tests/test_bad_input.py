"""Bad input, through the library and the command line: one located line, nothing written.

Every case is run three ways where it applies: ``transpub sync`` (the article is one of several in
the project; the others must still be synced), ``transpub add FILE`` and ``transpub md2po``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest

from conftest import write_article
from transpub.article import Project, add_article
from transpub.catalog import pofile
from transpub.catalog.convert import md2po, po2md
from transpub.catalog.sync import sync_article
from transpub.cli import main
from transpub.errors import ArticleError, CatalogError, SourceError, TranspubError

GOOD = "---\ntitle: 开源社年度报告\n---\n\n# 开源社\n\n开源社成立于 2014 年。\n"
GOOD_SLUGS = ("aaa-good", "zzz-good")  # sorted before and after every bad slug below


@dataclass(frozen=True)
class Bad:
    """A bad source file and what its error must say."""

    data: bytes
    line: int | None  # the line the error must name (``file:LINE:``), None when none is known
    words: tuple[str, ...]  # lowercase words the message must contain
    absent: tuple[str, ...] = ()  # lowercase words it must not contain


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


YAML_BAD_VALUE = Bad(
    utf8("---\ntitle: 年度: 报告\nsummary: 摘要\n---\n\n# 标题\n\n正文。\n"), 2, ("yaml",)
)
YAML_BAD_LATER = Bad(
    utf8("---\ntitle: 标题\nsummary: 摘要\nauthor: 甲: 乙\n---\n\n正文。\n"), 4, ("yaml",)
)
YAML_BAD_CRLF_BOM = Bad(
    utf8("\ufeff---\r\ntitle: 标题\r\nauthor: 甲: 乙\r\n---\r\n\r\n正文。\r\n"), 3, ("yaml",)
)
# The mistake is the unclosed `[` on line 2; line 3 is the closing `---` fence.
YAML_UNCLOSED = Bad(utf8("---\ntitle: [unclosed\n---\n\n# 标题\n\n正文。\n"), 2, ("yaml",))
GB18030 = Bad(
    "---\ntitle: 开源社年度报告\n---\n\n中文正文。\n".encode("gb18030"), 2, ("utf-8", "iconv")
)
# UTF-16 has NUL bytes: it is refused as binary, but the hint still asks for UTF-8.
UTF16 = Bad("---\ntitle: 开源社年度报告\n---\n\n中文正文。\n".encode("utf-16"), 1, ("utf-8",))
BINARY = Bad(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8\x66",
    3,  # the first NUL byte follows two line feeds
    ("binary",),
)
EMPTY = Bad(b"", None, ("empty",))
BLANK = Bad(b"  \n\n\t \r\n   ", None, ("empty",))
# Valid YAML, but a list: there is no title to find (md2po accepts it: nothing to translate).
NOT_A_MAPPING = Bad(
    utf8("---\n- 甲\n- 乙\n---\n\n# 标题\n\n正文。\n"), 2, ("title",), ("not valid yaml",)
)

SOURCE_CASES = [
    pytest.param(YAML_BAD_VALUE, id="yaml-bad-value"),
    pytest.param(YAML_BAD_LATER, id="yaml-bad-value-line-4"),
    pytest.param(YAML_BAD_CRLF_BOM, id="yaml-bad-value-crlf-bom"),
    pytest.param(YAML_UNCLOSED, id="yaml-unclosed"),
    pytest.param(GB18030, id="gb18030"),
    pytest.param(UTF16, id="utf16"),
    pytest.param(BINARY, id="binary"),
    pytest.param(EMPTY, id="empty"),
    pytest.param(BLANK, id="whitespace-only"),
]
# md2po converts any Markdown file as CommonMark reads it: an empty or blank file is an empty
# catalog there (as mdpo, translate-toolkit and mdbook-i18n-helpers make it); `add` and `sync`
# refuse it (an empty article is a mistake; ADD_CASES and SYNC_CASES keep those cases).
MD2PO_CASES = [case for case in SOURCE_CASES if case.id not in ("empty", "whitespace-only")]
# Only an article (sync) needs a title; md2po and add (which takes the first heading) do not.
SYNC_CASES = [
    *SOURCE_CASES,
    pytest.param(
        Bad(utf8("---\nsummary: 摘要\n---\n\n# 标题\n\n正文。\n"), 2, ("title",)), id="no-title"
    ),
    pytest.param(
        Bad(utf8("---\ntitle: '   '\n---\n\n# 标题\n\n正文。\n"), 2, ("title",)), id="blank-title"
    ),
    pytest.param(Bad(utf8("# 标题\n\n正文。\n"), 1, ("front matter",)), id="no-front-matter"),
    # YAML's `...` end marker is not a front-matter fence for transpub (it once was, halfway:
    # the segmenter took it and the metadata reader did not, and said "no `title`").
    pytest.param(
        Bad(utf8("---\ntitle: 开源社\n...\n\n正文。\n"), 1, ("front matter", "---")),
        id="front-matter-closed-by-dots",
    ),
    pytest.param(NOT_A_MAPPING, id="front-matter-not-a-mapping"),
]
ADD_CASES = [
    *SOURCE_CASES,
    pytest.param(
        Bad(utf8("---\nsummary: 摘要\n---\n\n只有正文，没有标题。\n"), None, ("title", "heading")),
        id="no-title-no-heading",
    ),
    pytest.param(NOT_A_MAPPING, id="front-matter-not-a-mapping"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def error_line(err: str) -> str:
    """The single error line on stderr."""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {lines!r}"
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


def check_located(message: str, path: Path | str, case: Bad) -> None:
    """The message names the file (and the line), and says what is wrong."""
    where = f"{path}:{case.line}: " if case.line is not None else f"{path}: "
    assert where in message, f"{where!r} not in {message!r}"
    for word in case.words:
        assert word in message.lower(), f"{word!r} not in {message!r}"
    for word in case.absent:
        assert word not in message.lower(), f"{word!r} in {message!r}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def make_project(project_dir: Path, slug: str, data: bytes) -> Path:
    for good in GOOD_SLUGS:
        write_article(project_dir, good, GOOD)
    return write_article(project_dir, slug, data)


# --- sync -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SYNC_CASES)
def test_sync_library_refuses_and_writes_nothing(project_dir: Path, case: Bad) -> None:
    source = make_project(project_dir, "bad", case.data)
    project = Project.open(project_dir)
    with pytest.raises(TranspubError) as info:
        sync_article(project, project.article("bad"))
    assert "\n" not in str(info.value)
    assert Path(info.value.path or "").resolve() == source.resolve()
    assert info.value.line == case.line
    check_located(str(info.value), info.value.path or "", case)
    assert not (source.parent / "en.po").exists()


@pytest.mark.parametrize("case", SYNC_CASES)
def test_sync_cli_reports_one_line_and_syncs_the_others(
    project_dir: Path, capsys: pytest.CaptureFixture[str], case: Bad
) -> None:
    source = make_project(project_dir, "bad", case.data)
    code, out, err = run(capsys, "-C", str(project_dir), "sync")
    assert code == 2
    check_located(error_line(err), source.resolve(), case)
    assert not (source.parent / "en.po").exists()
    for good in GOOD_SLUGS:
        assert (project_dir / "articles" / good / "en.po").is_file()
        assert f"{good}: updated" in out
    assert "bad:" not in out


@pytest.mark.parametrize("case", SYNC_CASES)
def test_sync_cli_leaves_an_existing_catalog_byte_identical(
    project_dir: Path, capsys: pytest.CaptureFixture[str], case: Bad
) -> None:
    source = make_project(project_dir, "bad", utf8(GOOD))
    assert run(capsys, "-C", str(project_dir), "sync")[0] == 0
    po_path = source.parent / "en.po"
    before = digest(po_path)
    source.write_bytes(case.data)  # the source goes bad after its catalog exists
    code, _out, err = run(capsys, "-C", str(project_dir), "sync", "bad")
    assert code == 2
    check_located(error_line(err), source.resolve(), case)
    assert digest(po_path) == before


# --- add --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ADD_CASES)
def test_add_library_refuses_and_writes_nothing(
    project_dir: Path, tmp_path_factory: pytest.TempPathFactory, case: Bad
) -> None:
    src = tmp_path_factory.mktemp("incoming") / "report.md"
    src.write_bytes(case.data)
    with pytest.raises(TranspubError) as info:
        add_article(Project.open(project_dir), src)
    assert "\n" not in str(info.value)
    assert info.value.path == str(src)
    assert info.value.line == case.line
    check_located(str(info.value), src, case)
    assert list((project_dir / "articles").iterdir()) == []


@pytest.mark.parametrize("case", ADD_CASES)
def test_add_cli_reports_one_line_and_writes_nothing(
    project_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    case: Bad,
) -> None:
    src = tmp_path_factory.mktemp("incoming") / "report.md"
    src.write_bytes(case.data)
    code, out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert code == 2
    assert out == ""
    check_located(error_line(err), src, case)
    assert list((project_dir / "articles").iterdir()) == []


# --- md2po ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MD2PO_CASES)
@pytest.mark.parametrize("existing", [False, True], ids=["no-catalog", "existing-catalog"])
def test_md2po_library_refuses_and_writes_nothing(
    tmp_path: Path, case: Bad, existing: bool
) -> None:
    good, bad, out = tmp_path / "good.md", tmp_path / "bad.md", tmp_path / "out.po"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_bytes(case.data)
    if existing:
        assert md2po(good, out) == 3
        before = digest(out)
    with pytest.raises(SourceError) as info:
        md2po(bad, out)
    assert "\n" not in str(info.value)
    check_located(str(info.value), bad, case)
    if existing:
        assert digest(out) == before
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("case", MD2PO_CASES)
def test_md2po_cli_reports_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Bad
) -> None:
    bad, out = tmp_path / "bad.md", tmp_path / "out.po"
    bad.write_bytes(case.data)
    code, stdout, err = run(capsys, "md2po", str(bad), "-o", str(out))
    assert code == 2
    assert stdout == ""
    check_located(error_line(err), bad, case)
    assert not out.exists()


@pytest.mark.parametrize("data", [EMPTY.data, BLANK.data], ids=["empty", "whitespace-only"])
def test_md2po_makes_an_empty_catalog_of_an_empty_file(tmp_path: Path, data: bytes) -> None:
    src, out, back = tmp_path / "empty.md", tmp_path / "out.po", tmp_path / "out.md"
    src.write_bytes(data)
    assert md2po(src, out) == 0
    assert len(polib.pofile(str(out))) == 0
    po2md(src, out, back)
    assert back.read_bytes() == data


def test_md2po_reads_a_nul_byte_as_u_fffd_and_keeps_it_in_an_identity_rebuild(
    tmp_path: Path,
) -> None:
    data = utf8("# 标题\n\n甲\x00乙。\n\n<p>丙\x00丁</p>\n")
    src, out, back = tmp_path / "nul.md", tmp_path / "out.po", tmp_path / "out.md"
    src.write_bytes(data)
    assert md2po(src, out) == 3
    catalog = polib.pofile(str(out))
    assert [e.msgid for e in catalog] == ["标题", "甲\ufffd乙。", "丙\ufffd丁"]
    po2md(src, out, back)
    assert back.read_bytes() == data  # untranslated: the source, NUL bytes included
    for entry in catalog:
        entry.msgstr = entry.msgid.replace("甲", "A").replace("丙", "C").replace("标题", "Title")
    catalog.save(str(out))
    po2md(src, out, back)
    assert back.read_text(encoding="utf-8") == "# Title\n\nA\ufffd乙。\n\n<p>C\ufffd丁</p>\n"


# --- slugs ------------------------------------------------------------------------------------

BAD_SLUGS = ["../x", "a/b", "../../etc", "..", "/abs", "x/../y", "Upper", ""]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_add_refuses_a_slug_that_leaves_the_articles_folder(
    project_dir: Path, capsys: pytest.CaptureFixture[str], slug: str
) -> None:
    src = project_dir / "report.md"
    src.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ArticleError, match="slug"):
        add_article(Project.open(project_dir), src, slug)
    code, out, err = run(capsys, "-C", str(project_dir), "add", str(src), "--slug", slug)
    assert code == 2
    assert out == ""
    assert repr(slug) in error_line(err)
    assert list((project_dir / "articles").iterdir()) == []
    assert sorted(p.name for p in project_dir.iterdir()) == [
        "articles",
        "report.md",
        "transpub.toml",
    ]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_sync_refuses_a_slug_that_leaves_the_articles_folder(
    project_dir: Path, capsys: pytest.CaptureFixture[str], slug: str
) -> None:
    # A real article just outside articles/, which a path-joining bug would reach.
    outside = project_dir / "x" / "zh.md"
    outside.parent.mkdir()
    outside.write_text(GOOD, encoding="utf-8")
    project = Project.open(project_dir)
    with pytest.raises(ArticleError, match="slug"):
        project.article(slug)
    code, out, err = run(capsys, "-C", str(project_dir), "sync", slug)
    assert code == 2
    assert out == ""
    assert repr(slug) in error_line(err)
    assert not (outside.parent / "en.po").exists()


# --- a 10 MB source is handled ----------------------------------------------------------------

SECTION = (
    "## 第{i}节 开源社年度报告\n\n"
    "开源社（KaiYuanShe）成立于 2014 年，是由志愿贡献于开源事业的个人成员，依“贡献、共识、共治”"
    "原则所组成，始终维持厂商中立、公益、非营利的特点。这是第{i}段。"
    + "开源社始终维持厂商中立、公益、非营利的特点，" * 20
    + "\n\n| 项目 | 数量 |\n| --- | --- |\n| 活动{i} | {i} |\n\n"
)


@pytest.fixture(scope="module")
def big_markdown() -> tuple[bytes, int]:
    """About 10 MB of Chinese Markdown and the number of distinct units it has."""
    parts = ["---\ntitle: 开源社大文件\n---\n\n"]
    size, n = 0, 0
    while size < 10 * 1024 * 1024:
        chunk = SECTION.format(i=n)
        parts.append(chunk)
        size += len(chunk.encode("utf-8"))
        n += 1
    # per section: heading, paragraph, one body cell (the number cell has no letters);
    # shared: the two header cells; plus the front-matter title.
    return "".join(parts).encode("utf-8"), 3 * n + 3


def test_a_10_mb_source_is_synced_by_the_library(
    project_dir: Path, big_markdown: tuple[bytes, int]
) -> None:
    data, entries = big_markdown
    assert len(data) >= 10 * 1024 * 1024
    write_article(project_dir, "big", data)
    project = Project.open(project_dir)
    result = sync_article(project, project.article("big"))
    assert result.written
    assert result.stats.entries == entries
    assert result.counts.untranslated == entries
    po_path = project_dir / "articles" / "big" / "en.po"
    text = po_path.read_text(encoding="utf-8")
    assert 'msgid "第0节 开源社年度报告"' in text
    assert f'msgid "活动{entries // 3 - 2}"' in text  # the last section's cell
    assert text.count("\nmsgid ") == entries + 1  # and the header


def test_a_10_mb_source_is_synced_by_the_cli(
    project_dir: Path, capsys: pytest.CaptureFixture[str], big_markdown: tuple[bytes, int]
) -> None:
    data, entries = big_markdown
    make_project(project_dir, "big", data)
    code, out, err = run(capsys, "-C", str(project_dir), "sync")
    assert (code, err) == (0, "")
    assert f"big: updated, {entries} entries ({entries} new," in out
    for slug in ("big", *GOOD_SLUGS):
        assert (project_dir / "articles" / slug / "en.po").is_file()


# --- a malformed existing catalog -------------------------------------------------------------

GARBAGE_CATALOGS = [
    pytest.param(b"this is not a PO file\n{garbage}\n", id="text"),
    pytest.param(b"<html>\n<body>oops</body>\n</html>\n", id="html"),
    pytest.param(b'#: zh.md:1\nmsgid "x"\nnot po at all\n', id="broken-entry"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="binary"),
    pytest.param('msgid ""\nmsgstr "Content-Type: text/plain\\n"\n'.encode("utf-16"), id="utf16"),
]


@pytest.mark.parametrize("garbage", GARBAGE_CATALOGS)
def test_a_malformed_catalog_is_reported_and_left_untouched(
    project_dir: Path, capsys: pytest.CaptureFixture[str], garbage: bytes
) -> None:
    source = make_project(project_dir, "bad", utf8(GOOD))
    po_path = source.parent / "en.po"
    po_path.write_bytes(garbage)
    project = Project.open(project_dir)
    with pytest.raises(CatalogError) as info:
        sync_article(project, project.article("bad"))
    assert info.value.path is not None
    assert Path(info.value.path).resolve() == po_path.resolve()
    assert "\n" not in str(info.value)

    code, out, err = run(capsys, "-C", str(project_dir), "sync")
    assert code == 2
    line = error_line(err)
    assert re.search(rf"{re.escape(str(po_path.resolve()))}(:\d+)?: ", line), line
    assert "catalog" in line
    assert po_path.read_bytes() == garbage
    for good in GOOD_SLUGS:
        assert (project_dir / "articles" / good / "en.po").is_file()
        assert f"{good}: updated" in out


@pytest.mark.parametrize("garbage", GARBAGE_CATALOGS)
def test_md2po_into_a_malformed_catalog_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], garbage: bytes
) -> None:
    src, out = tmp_path / "doc.md", tmp_path / "out.po"
    src.write_text(GOOD, encoding="utf-8")
    out.write_bytes(garbage)
    code, stdout, err = run(capsys, "md2po", str(src), "-o", str(out))
    assert code == 2
    assert stdout == ""
    assert re.search(rf"{re.escape(str(out))}(:\d+)?: ", error_line(err))
    assert out.read_bytes() == garbage


def test_a_catalog_with_an_unterminated_string_is_refused(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """polib alone accepts `msgstr "…` without its closing quote and drops the last character."""
    source = make_project(project_dir, "bad", utf8(GOOD))
    po_path = source.parent / "en.po"
    broken = 'msgid "开源社成立于 2014 年。"\nmsgstr "KaiYuanShe was founded in 2014.\n'.encode()
    po_path.write_bytes(broken)
    code, _out, err = run(capsys, "-C", str(project_dir), "sync", "bad")
    assert po_path.read_bytes() == broken
    assert code == 2
    assert f"{po_path.resolve()}:2: " in error_line(err)


def test_an_empty_catalog_is_started_afresh_with_a_full_header(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty en.po, as `touch` or a crash leaves it (its empty header was once kept)."""
    source = make_project(project_dir, "bad", utf8(GOOD))
    po_path = source.parent / "en.po"
    po_path.write_bytes(b"")
    code, out, err = run(capsys, "-C", str(project_dir), "sync", "bad")
    assert (code, err) == (0, "")
    assert out.startswith("bad: updated, 3 entries (3 new,")
    header = pofile.load(po_path).metadata
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Language"] == "en"
    assert header["Project-Id-Version"] == "开源社年度报告"
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(po_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (checked.returncode, checked.stderr) == (0, "")
