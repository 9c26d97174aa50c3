"""Aligning a Chinese document with its published English translation: beads on small constructed
pairs, precision on the hand-checked sample of the 2024 report, TMX into memory, drafts in a new
article's catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA
from transpub.align import align_files, align_units, to_tmx
from transpub.align.evaluate import read_gold, score
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, entry_state, get_note, record_review
from transpub.catalog.sync import build_article, sync_article
from transpub.cli.main import main
from transpub.engines.tm import TranslationMemory, import_tmx, read_tmx_units
from transpub.markdown.segmenter import segment

ZH = """\
---
title: 开源社年度报告
---

# 开源社 2024 年度报告

开源社成立于 2014 年，是由个人成员自愿组成的非营利性开源社区，致力于推动中国开源生态的发展。

2024 年，开源社举办了 COSCon'24 中国开源年会，共有 3000 多名开发者参加，设置了 20 个分论坛。

我们还发布了第十份中国开源年度报告。报告由 50 多位志愿者共同完成，\
涵盖问卷、数据、商业化和大事记四个篇章。

## 项目

- OpenDigger 新增了 1000 多家企业的标签数据。
- OSGraph 首次展示了开源项目的社区协作网络。

| 项目 | 说明 |
| --- | --- |
| OpenDigger | 开源数据分析工具 |
| OSGraph | 开源图谱可视化 |
| Apache Kvrocks | 分布式键值数据库 |

## 致谢

感谢所有志愿者在过去一年中的辛勤付出，正是你们的贡献让报告得以按时完成。
"""

EN = """\
---
title: KAIYUANSHE Annual Report
---

# KAIYUANSHE 2024 Annual Report

> Translator: Ted Liu, Reviewer: Nadia Jiang

Founded in 2014, KAIYUANSHE is a non-profit open source community formed by individual members \
who volunteer, dedicated to advancing the open source ecosystem in China.

In 2024, KAIYUANSHE held COSCon'24, the China Open Source Conference. More than 3,000 developers \
attended.

The conference had 20 sub-forums covering many topics.

We also published the tenth China Open Source Annual Report. It was written by more than 50 \
volunteers and covers four chapters: questionnaire, data, commercialization and milestones.

## Projects

- OpenDigger added tag data for more than 1,000 companies.
- OSGraph showed the community collaboration network of open source projects for the first time.

| Project | Description |
| --- | --- |
| Apache Kvrocks | a distributed key-value database |
| OpenDigger | open source data analytics |
| OSGraph | open source graph visualisation |

## Thanks

Thanks to all the volunteers for their hard work over the past year; your contributions made it \
possible to finish the report on time.
"""


def _beads(zh: str, en: str) -> list[tuple[list[str], list[str]]]:
    beads = align_units(segment(zh).units, segment(en).units, zh, en)
    return [([u.msgid for u in b.zh], [u.msgid for u in b.en]) for b in beads]


def _pair_of(beads: list[tuple[list[str], list[str]]], zh_start: str) -> list[str]:
    found = [en for zh, en in beads if zh and zh[0].startswith(zh_start) and len(zh[0]) > 2]
    found = found or [en for zh, en in beads if zh and zh[0] == zh_start]
    assert len(found) == 1, f"no single bead for {zh_start!r}: {beads}"
    return found[0]


def test_structure_anchors_and_a_split_paragraph() -> None:
    beads = _beads(ZH, EN)
    assert _pair_of(beads, "开源社年度报告") == ["KAIYUANSHE Annual Report"]
    assert _pair_of(beads, "开源社 2024") == ["KAIYUANSHE 2024 Annual Report"]
    assert [en for zh, en in beads if zh == ["项目"]] == [["Projects"], ["Project"]]
    assert _pair_of(beads, "致谢") == ["Thanks"]
    # the translator split one paragraph in two: a 1–2 bead
    split = _pair_of(beads, "2024 年，开源社举办了")
    assert [s.split()[0] for s in split] == ["In", "The"]
    assert _pair_of(beads, "我们还发布了")[0].startswith("We also published")
    assert _pair_of(beads, "OpenDigger 新增")[0].startswith("OpenDigger added")
    # the translator's note is an added unit, paired with nothing
    assert ([], ["Translator: Ted Liu, Reviewer: Nadia Jiang"]) in beads


def test_reordered_table_rows_pair_by_their_anchors() -> None:
    beads = _beads(ZH, EN)
    cells = {zh[0]: en for zh, en in beads if zh and len(zh[0]) < 16}
    assert cells["说明"] == ["Description"]
    assert cells["Apache Kvrocks"] == ["Apache Kvrocks"]
    assert cells["分布式键值数据库"] == ["a distributed key-value database"]
    assert cells["OpenDigger"] == ["OpenDigger"]
    assert cells["开源数据分析工具"] == ["open source data analytics"]
    assert cells["开源图谱可视化"] == ["open source graph visualisation"]


def test_merged_paragraphs_give_a_two_to_one_bead() -> None:
    zh = (
        "# 标题\n\n开源社在 2015 年首次发布了中国开源生态系统报告。\n\n"
        "此后每年都会发布一份新的报告，今年已经是第 10 份。\n\n最后一段文字，用来收尾。\n"
    )
    en = (
        "# Title\n\nKAIYUANSHE first published its China open source ecosystem report in 2015, and "
        "since then it has released a new report every year: this is the 10th.\n\n"
        "A last paragraph, to close.\n"
    )
    beads = _beads(zh, en)
    merged = [b for b in beads if len(b[0]) == 2]
    assert len(merged) == 1 and merged[0][1][0].startswith("KAIYUANSHE first")
    assert _pair_of(beads, "最后一段") == ["A last paragraph, to close."]


def test_a_dropped_paragraph_stays_unpaired() -> None:
    zh = (
        "# 标题\n\n第一段介绍了 OpenRank 指标的计算方法。\n\n"
        "这一段是只在中文版里出现的编者按，英文版没有翻译它，内容比较长，介绍了很多背景信息。\n\n"
        "第三段给出了 2024 年的 OpenRank 排名前 10 的项目。\n"
    )
    en = (
        "# Title\n\nThe first paragraph explains how the OpenRank metric is computed.\n\n"
        "The third paragraph lists the top 10 OpenRank projects of 2024.\n"
    )
    beads = _beads(zh, en)
    assert (
        ["这一段是只在中文版里出现的编者按，英文版没有翻译它，内容比较长，介绍了很多背景信息。"],
        [],
    ) in beads
    assert _pair_of(beads, "第三段")[0].startswith("The third paragraph")
    assert _pair_of(beads, "第一段")[0].startswith("The first paragraph")


def test_precision_and_recall_on_the_hand_checked_sample(corpus: Path) -> None:
    gold = read_gold(DATA / "align" / "report-2024-gold.jsonl")
    assert len(gold) >= 150
    proposed = correct = total = 0
    for name in sorted({g.file for g in gold}):
        root = corpus / "report-2024"
        alignment = align_files(root / "zh" / name, root / "en" / name)
        s = score(alignment.beads, [g for g in gold if g.file == name])
        proposed, correct, total = proposed + s.proposed, correct + s.correct, total + s.gold
    assert correct / proposed >= 0.95
    assert correct / total >= 0.95


def _write_pair(folder: Path) -> tuple[Path, Path]:
    zh, en = folder / "report.md", folder / "report.en.md"
    zh.write_text(ZH, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    return zh, en


def test_tmx_carries_confidence_and_tm_import_keeps_the_confident_pairs(
    project_dir: Path,
) -> None:
    zh, en = _write_pair(project_dir)
    alignment = align_files(zh, en)
    tmx = project_dir / "report.tmx"
    to_tmx(alignment, tmx)
    units = read_tmx_units(tmx)
    assert len(units) == len(alignment.pairs)
    assert all(u.confidence is not None and 0 <= u.confidence <= 1 for u in units)
    project = Project.open(project_dir)
    threshold = sorted(u.confidence or 0 for u in units)[len(units) // 2]  # keeps about half
    added = import_tmx(project, tmx, min_confidence=threshold)
    expected = [u for u in units if (u.confidence or 0) >= threshold]
    assert 0 < added == len(expected) < len(units)
    with TranslationMemory(project_dir / ".transpub" / "tm.sqlite") as memory:
        stored = {s: t for s, t, o in memory.pairs() if o == "aligned:report.tmx"}
        assert memory.exact(expected[0].source).origin == "aligned:report.tmx"
    assert set(stored) == {u.source for u in expected}  # one entry per source text
    assert all(
        stored[u.source] in {v.target for v in expected if v.source == u.source} for u in expected
    )


def test_reviewed_memory_comes_before_aligned_pairs(project_dir: Path) -> None:
    (project_dir / "articles" / "a").mkdir()
    (project_dir / "articles" / "a" / "zh.md").write_text(
        "---\ntitle: 甲\n---\n\n致谢\n", encoding="utf-8"
    )
    project = Project.open(project_dir)
    article = project.article("a")
    sync_article(project, article)
    po = pofile.load(article.catalog)
    record_review(po.find("致谢"), "李四", "Acknowledgements")
    pofile.save(po, article.catalog)
    with TranslationMemory.for_project(project) as memory:
        memory.add([("致谢", "Thanks")], "aligned:x.tmx")
        assert memory.exact("致谢").target == "Acknowledgements"


def test_add_with_translation_drafts_the_catalog(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zh, en = _write_pair(project_dir)
    beads = align_files(zh, en).pairs
    split = next(b for b in beads if b.shape == "1-2")
    threshold = split.confidence  # the split paragraph is drafted, less sure pairs are not
    low = {b.source for b in beads if b.confidence < threshold and len(b.zh) == 1}
    assert low, "the sample should have pairs below the threshold"
    (project_dir / "transpub.toml").write_text(
        (project_dir / "transpub.toml").read_text() + f"\n[align]\nmin_confidence = {threshold}\n"
    )
    code = main(["-C", str(project_dir), "add", str(zh), "--translation", str(en), "--slug", "r"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "entries drafted from" in out
    project = Project.open(project_dir)
    article = project.article("r")
    po = pofile.load(article.catalog)
    entries = [e for e in po if not e.obsolete]
    drafts = [e for e in entries if entry_state(e) is EntryState.DRAFT]
    assert drafts and all(get_note(e, "origin") == "aligned" for e in drafts)
    assert all(float(get_note(e, "confidence") or 0) >= threshold - 0.005 for e in drafts)
    assert all(po.find(source).msgstr == "" for source in low - {e.msgid for e in drafts})
    assert po.find("项目").msgstr in ("Projects", "Project")
    entry = po.find(split.source)
    assert entry.msgstr.startswith("In 2024") and "20 sub-forums" in entry.msgstr
    assert not any(entry_state(e) is EntryState.REVIEWED for e in entries)
    # the drafts rebuild an English document with the source's structure
    english = build_article(project, article, include_drafts=True)
    assert "## Projects" in english and "| OpenDigger | open source data analytics |" in english
    # transpub wrote the drafts itself: a later sync credits nobody for them
    sync_article(project, article)
    log = project_dir / ".transpub" / "contributions.jsonl"
    assert not log.exists() or log.read_text(encoding="utf-8").strip() == ""


def test_add_with_translation_writes_nothing_when_the_translation_is_unreadable(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zh, _ = _write_pair(project_dir)
    missing = project_dir / "missing.md"
    code = main(["-C", str(project_dir), "add", str(zh), "--translation", str(missing)])
    err = capsys.readouterr().err
    assert code == 2 and "missing.md" in err and "Traceback" not in err
    assert not (project_dir / "articles" / "report").exists()


def test_align_command_writes_tmx_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no project here: file-level defaults
    zh, en = _write_pair(tmp_path)
    out_file = tmp_path / "out.tmx"
    assert main(["align", str(zh), str(en), "-o", str(out_file)]) == 0
    summary = capsys.readouterr().out
    assert "pairs (" in summary and "1-2" in summary and "1 English units unpaired" in summary
    assert len(read_tmx_units(out_file)) == len(align_files(zh, en).pairs)
    assert main(["align", str(zh), str(en)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("<?xml") and "pairs (" in captured.err
