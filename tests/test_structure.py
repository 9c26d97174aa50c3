"""The structure check refuses translations that change the document's shape."""

from __future__ import annotations

import pytest

from transpub.errors import StructureError
from transpub.markdown.structure import check, differences

SOURCE = """---
title: 标题
---

# 标题

段落含[链接](https://kaiyuanshe.cn/)和`code`以及脚注[^1]。

- 一
- 二

| 甲 | 乙 |
| -- | -- |
| 丙 | 丁 |

![图](a.png)

```sh
echo 不变
```

[^1]: 脚注。
"""

CASES = [
    ("paragraph made a heading", "段落含", "# Paragraph with", "source line 7 has a paragraph"),
    ("list item added", "- 二\n", "- 二\n- 三\n", "a list item"),
    ("link target changed", "https://kaiyuanshe.cn/", "https://example.com/", "link target"),
    ("code span altered", "`code`", "`kode`", "inline code"),
    ("image dropped", "![图](a.png)", "Figure", "image"),
    ("footnote reference lost", "脚注[^1]。", "脚注。", "footnote reference"),
    ("code block translated", "echo 不变", "echo unchanged", "code block"),
    ("heading level changed", "# 标题", "## 标题", "heading h1"),
    ("table column added", "| 丙 | 丁 |", "| 丙 | 丁 | 戊 |", None),
    ("front matter broken", "title: 标题", "title: [Title", "front matter"),
    ("blank line splits paragraph", "以及脚注[^1]。", "以及脚注[^1]。\n\n新段落。", "paragraph"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_structural_change_is_refused(name: str, old: str, new: str, expected: str | None) -> None:
    translation = SOURCE.replace(old, new, 1)
    assert translation != SOURCE
    found = differences(SOURCE, translation)
    if name == "table column added":
        assert found == []  # GFM ignores cells beyond the header's columns: same structure
        return
    assert found, f"{name}: not detected"
    assert expected in found[0] or any(expected in f for f in found)
    with pytest.raises(StructureError) as info:
        check(SOURCE, translation, path="en.po")
    message = str(info.value)
    assert message.startswith("en.po: the translation's structure differs")
    assert "\n" not in message


@pytest.mark.parametrize(
    "translation",
    [
        SOURCE.replace("段落含", "A paragraph with "),
        SOURCE.replace("title: 标题", 'title: "Title: quoted"'),
        SOURCE.replace("- 一\n- 二", "- one\n  continued\n- two"),
        SOURCE.replace("脚注[^1]。", "a footnote[^1]."),
    ],
)
def test_faithful_translation_passes(translation: str) -> None:
    assert differences(SOURCE, translation) == []
    check(SOURCE, translation)


def test_line_numbers_point_at_both_documents() -> None:
    translation = SOURCE.replace("\n# 标题\n", "\n\n\n# 标题\n").replace("- 二\n", "二\n")
    found = differences(SOURCE, translation)
    assert "source line" in found[0] and "(line" in found[0]
