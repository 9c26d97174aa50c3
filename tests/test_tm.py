"""The translation memory: reviewed entries of every article, TMX in and out, fuzzy matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.engines.tm import (
    TMError,
    TranslationMemory,
    export_tmx,
    import_tmx,
    read_tmx,
    suggestions,
)


@pytest.fixture
def project(project_dir: Path) -> Project:
    write_article(project_dir, "a", "---\ntitle: 甲\n---\n\n开源社成立于 2014 年。\n\n草稿段落。\n")
    project = Project.open(project_dir)
    article = project.article("a")
    sync_article(project, article)
    po = pofile.load(article.catalog)
    record_review(po.find("开源社成立于 2014 年。"), "李四", "KAIYUANSHE was founded in 2014.")
    record_draft(po.find("草稿段落。"), "A draft.", "mt:deepl", None)
    pofile.save(po, article.catalog)
    return project


def test_only_reviewed_entries_enter_the_memory(project: Project) -> None:
    with TranslationMemory.for_project(project) as memory:
        assert memory.exact("开源社成立于 2014 年。").target == "KAIYUANSHE was founded in 2014."
        assert memory.exact("草稿段落。") is None
        assert memory.exact("甲") is None


def test_refresh_is_incremental(project: Project) -> None:
    with TranslationMemory.for_project(project) as memory:
        assert memory.refresh(project) == 0  # nothing changed since the first refresh
        article = project.article("a")
        po = pofile.load(article.catalog)
        record_review(po.find("草稿段落。"), "李四")
        pofile.save(po, article.catalog)
        assert memory.refresh(project) == 1
        assert memory.exact("草稿段落。").target == "A draft."


def test_fuzzy_matches_respect_the_threshold(project: Project) -> None:
    with TranslationMemory.for_project(project) as memory:
        close = memory.fuzzy("开源社成立于 2015 年。", threshold=75)
        assert [round(s.score) for s in close] and close[0].score >= 75
        assert close[0].target == "KAIYUANSHE was founded in 2014."
        assert memory.fuzzy("完全无关的句子", threshold=75) == []
    assert suggestions(project, "开源社成立于 2015 年。")[0].origin == "articles/a/en.po"


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="zh-CN" datatype="plaintext" segtype="sentence"
 adminlang="en" creationtool="x" creationtoolversion="1" o-tmf="x"/>
<body>
<tu><tuv xml:lang="zh-CN"><seg>模型开放框架</seg></tuv>
<tuv xml:lang="en-US"><seg>Model Openness Framework</seg></tuv></tu>
<tu><tuv xml:lang="zh-TW"><seg>繁體</seg></tuv><tuv xml:lang="en"><seg>traditional</seg></tuv></tu>
<tu><tuv xml:lang="zh"><seg>只有中文</seg></tuv></tu>
</body></tmx>
"""


def test_tmx_import_and_export_round_trip(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "in.tmx"
    path.write_text(TMX, encoding="utf-8")
    assert import_tmx(project, path) == 1
    out = tmp_path / "out.tmx"
    export_tmx(project, out)
    pairs = set(read_tmx(out))
    assert ("模型开放框架", "Model Openness Framework") in pairs
    assert ("开源社成立于 2014 年。", "KAIYUANSHE was founded in 2014.") in pairs
    with TranslationMemory.for_project(project) as memory:
        assert memory.exact("模型开放框架").origin == "tmx:in.tmx"


def test_a_malformed_tmx_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tmx"
    path.write_text("<tmx>\n<body>\n<tu>\n</body></tmx>", encoding="utf-8")
    with pytest.raises(TMError) as info:
        read_tmx(path)
    assert str(info.value).startswith(f"{path}:4: not a valid TMX file")


def test_the_memory_is_not_committed(project: Project) -> None:
    TranslationMemory.for_project(project).close()
    assert (project.root / ".transpub" / "tm.sqlite").is_file()
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text(encoding="utf-8")
    assert ".transpub/" in ignored.splitlines()


def test_memory_matches_never_touch_the_reviewers_suggestions(project: Project) -> None:
    """Pre-translation keeps its memory matches in their own file: a translator's pending
    suggestion (``suggestions.json``, the review app's) survives a translate run."""
    from transpub.engines.pretranslate import TM_MATCHES_NAME, pretranslate

    write_article(project.root, "b", "---\ntitle: 乙\n---\n\n开源社成立于 2015 年。\n")
    article = project.article("b")
    sync_article(project, article)
    pending = '{"version": 1, "suggestions": [{"msgid": "乙", "text": "B"}]}\n'
    (article.folder / "suggestions.json").write_text(pending, encoding="utf-8")
    with TranslationMemory.for_project(project) as memory:
        result = pretranslate(project, article, memory=memory, glossary=None)
    assert result.suggestions == 1
    assert (article.folder / "suggestions.json").read_text(encoding="utf-8") == pending
    assert "KAIYUANSHE was founded in 2014." in (article.folder / TM_MATCHES_NAME).read_text(
        encoding="utf-8"
    )
