"""The real-corpus mode of ``bench/roundtrip`` (``pseudo``) on a tiny folder."""

from __future__ import annotations

import json
from pathlib import Path

from bench.roundtrip.pseudo import CJK, main, measure_corpus, pseudo_translate
from transpub.config import SiteSettings
from transpub.publish.layouts import create_layout

DOC = """\
---
title: 指南
---

# 快速上手

运行 `npm 安装` 后，见[分段更新](#分段更新)和[官网](https://vuejs.org "官网")。

```js
alert('代码里的中文')
```

<!-- 注释里的中文 -->

## 分段更新

Just English here.
"""


def test_pseudo_translation_changes_every_offered_chinese_character_but_no_locked_span() -> None:
    source = "运行 `npm 安装` 后，见[分段更新](#分段更新)。"
    result = pseudo_translate(source)
    assert "`npm 安装`" in result and "](#分段更新)" in result
    outside = result.replace("`npm 安装`", "").replace("](#分段更新)", "")
    assert not CJK.search(outside) and "，" not in outside


def test_measures_a_tiny_corpus(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "guide.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "english.md").write_text("# Only English\n", encoding="utf-8")
    result = measure_corpus("tiny", tmp_path, examples=3)
    assert (result.files, result.skipped_without_cjk, result.identical) == (1, 1, 1)
    # Chinese outside code: 指南 快速上手 运行后见分段更新(#分段更新)和官网("官网") 注释里的中文
    # 分段更新 = 33; all offered but the comment's 6 (link parts are in their paragraph's entry).
    assert (result.cjk_chars, result.cjk_offered, result.cjk_in_comments) == (33, 27, 6)
    assert result.entries_without_cjk == 1  # "Just English here."
    assert result.refused_files == 0 and not result.check_errors, result.refusals


def test_command_prints_the_table_and_saves_json(tmp_path: Path, capsys: object) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(
        "# 标题\n\n正文。\n\n[定义]: /x\n[其他]: /y#锚点\n", encoding="utf-8"
    )
    assert main([f"tiny={folder}", "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "tiny" in out and "1/1 (100.0%)" in out
    [saved] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert saved["cjk_chars"] == 10 and saved["cjk_offered"] == 4
    assert saved["not_offered_where"] == {"link reference definition": 6}


def test_in_page_links_follow_the_translated_headings(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(DOC, encoding="utf-8")
    heading_ids = create_layout(SiteSettings(layout="hugo")).heading_ids
    result = measure_corpus("tiny", tmp_path, examples=3, heading_ids=heading_ids)
    assert result.anchors_followed == 1
    assert result.refused_files == 0, result.refusals
