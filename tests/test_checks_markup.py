"""Markup checks, table-driven: (source, translation, the check ids expected to fire).

Realistic rows come from the 2024 China Open Source Report (corpus/report-2024, zh and en).
"""

from __future__ import annotations

import pytest

import transpub.checks.markup  # noqa: F401  (registers the checks)
from conftest import fired_checks
from transpub.checks.base import REGISTRY, Severity

IDS = {"links", "inline-markup"}


def fired(source: str, target: str, flags: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Check id → messages, for the markup checks only."""
    return fired_checks(IDS, source, target, flags)


LINKS = [
    pytest.param(
        "请参阅[开源社官网](https://kaiyuanshe.cn)了解详情。",
        "For details, visit the [KaiYuanShe website](https://kaiyuanshe.cn).",
        set(),
        id="link moved, url kept",
    ),
    pytest.param(
        "[甲](https://a.com)和[乙](https://b.com)",
        "[B](https://b.com) and [A](https://a.com)",
        set(),
        id="links swapped",
    ),
    pytest.param(
        "请参阅[开源社官网](https://kaiyuanshe.cn)。",
        "See the [KaiYuanShe website](https://kaiyuanshe.org).",
        {"links"},
        id="link target changed",
    ),
    pytest.param(
        "请参阅[开源社官网](https://kaiyuanshe.cn)。",
        "See the KaiYuanShe website.",
        {"links"},
        id="link dropped",
    ),
    pytest.param(
        "[甲](https://a.com)[乙](https://a.com)",
        "[A and B](https://a.com)",
        {"links"},
        id="one of two equal links dropped",
    ),
    pytest.param(
        "本篇的结尾，编者想以 Dario Amodei 发表的长文与大家分享。",
        "At the end, the editor shares **[Machines of Loving Grace]"
        "(https://darioamodei.com/machines-of-loving-grace)** by Dario Amodei.",
        {"links", "inline-markup"},
        id="corpus: link and bold added",
    ),
    pytest.param(
        "![GitHuB&Gitee_events_count](/image/data/chapter_1/GitHuB%26Gitee_events_count.png)",
        "![GitHuB&Gitee_events_count](/image/data/chapter_1/GitHuB%26Gitee_events_count.png)",
        set(),
        id="corpus: image kept",
    ),
    pytest.param(
        "![中国与国际AI厂商的主力模型推理价格对比](/image/ossAI/HJR3UG-dyx.jpg)",
        "![inference_price_comparison](/image/ossAI/en/HJR3UG-dyx.jpg)",
        {"links"},
        id="corpus: image localised to another path",
    ),
    pytest.param(
        "其它收购：\n![image](/image/ossAI/r13iF7bO1e.png)",
        "Other acquisitions:",
        {"links"},
        id="corpus: image dropped",
    ),
    pytest.param("![图](a.png)", "[Figure](a.png)", {"links"}, id="image became a link"),
    pytest.param(
        "见[指南](/zh/指南.md)", "See [the guide](/zh/指南.md)", set(), id="chinese in link target"
    ),
    pytest.param(
        '[报告](<https://example.com/a b> "标题")',
        '[Report](<https://example.com/a b> "Title")',
        set(),
        id="link title translated",
    ),
    pytest.param("<https://x.com>", "<https://x.com>", set(), id="autolink kept"),
    pytest.param("<https://x.com>", "<https://x.org>", {"links"}, id="autolink changed"),
    pytest.param("见[报告][report]", "See the [report][report]", set(), id="reference link kept"),
    pytest.param(
        "见[报告][report]", "See the [report][Report]", set(), id="reference labels ignore case"
    ),
    pytest.param(
        "见[报告][报告]", "See the [report][report]", {"links"}, id="reference label translated"
    ),
    pytest.param("[注] 见下文", "[Note] See below", set(), id="brackets are not a link"),
]

INLINE = [
    pytest.param(
        "2024 年，GitHub 全域事件日志总数达到 **17.5 亿**，同比增长约 **10%**。",
        "In 2024, the total number of GitHub's global event logs reached **1.75 billion**, "
        "an increase of about **10%** on the same period last year.",
        set(),
        id="corpus: bold kept",
    ),
    pytest.param(
        "在 Gitee 平台上，**Review Comment 事件**占据绝对主导地位。",
        "On the Gitee platform, Review Comment events dominate absolutely.",
        {"inline-markup"},
        id="corpus: bold dropped",
    ),
    pytest.param("*强调*", "**emphasis**", {"inline-markup"}, id="italic became bold"),
    pytest.param("_斜体_，文字", "*italic*, text", set(), id="underscore and asterisk italics"),
    pytest.param(
        "_斜体_文字",
        "*italic* text",
        {"inline-markup"},
        id="underscores inside a chinese word are no emphasis",
    ),
    pytest.param("~~旧~~新", "~~old~~ new", set(), id="strikethrough kept"),
    pytest.param("~~旧~~新", "old new", {"inline-markup"}, id="strikethrough dropped"),
    pytest.param(
        "运行 `pip install transpub` 安装",
        "Install with `pip install transpub`",
        set(),
        id="code kept",
    ),
    pytest.param(
        "运行 `pip install transpub` 安装",
        "Install with `pip install transpub-cli`",
        {"inline-markup"},
        id="code altered",
    ),
    pytest.param(  # Chinese in code may be translated: a `translated-code` warning
        "运行 `开源` 命令", "Run the `open source` command", set(), id="chinese code translated"
    ),
    pytest.param("`a` 与 `b`", "`a` and b", {"inline-markup"}, id="code span lost"),
    pytest.param("见[^1]。", "See[^1].", set(), id="footnote reference kept"),
    pytest.param("见[^note]。", "See.", {"inline-markup"}, id="footnote reference dropped"),
    pytest.param("见[^1]。", "See[^2].", {"inline-markup"}, id="footnote label changed"),
    pytest.param("甲\\\n乙", "A  \nB", set(), id="backslash and space hard breaks"),
    pytest.param("甲\n乙", "A B", set(), id="soft break may go"),
    pytest.param(
        "**绝对增长量最高：北京**  \n北京新增 **14,172 名开发者**。",
        "**Highest Absolute Growth: Beijing**\nBeijing added **14,172 developers**.",
        {"inline-markup"},
        id="corpus: hard break lost",
    ),
    pytest.param("文字<br>换行", "Text<br/>break", set(), id="html tag kept"),
    pytest.param("H<sub>2</sub>O 分子", "H<SUB>2</SUB>O molecules", set(), id="tag case"),
    pytest.param("文字<br>换行", "Text break", {"inline-markup"}, id="html tag dropped"),
    pytest.param(
        "**<center>Embodied Intelligent Robot Industry Ecosystem</center>**\n"
        "![具身智能机器人产业生态](/image/ossAI/Syb-8NX_Je.png)",
        "**<center>Embodied Intelligent Robot Industry Ecosystem</center>**\n"
        "![Embodied Intelligent Robot Industry Ecosystem](/image/ossAI/Syb-8NX_Je.png)",
        set(),
        id="corpus: html and image kept",
    ),
]


@pytest.mark.parametrize(("source", "target", "expected"), LINKS + INLINE)
def test_markup_checks(source: str, target: str, expected: set[str]) -> None:
    found = fired(source, target)
    assert set(found) == expected, found


@pytest.mark.parametrize(
    ("source", "target", "messages"),
    [
        pytest.param(
            "见[官网](https://kaiyuanshe.cn)与![图](a.png)",
            "See [the site](https://kaiyuanshe.org) and [figure](a.png)",
            {
                "links": [
                    "the link target https://kaiyuanshe.cn was changed to https://kaiyuanshe.org",
                    "the translation has 0 images, the source 1",
                ]
            },
            id="links",
        ),
        pytest.param(
            "`a` 与 `b`",
            "`a` and b",
            {"inline-markup": ["the translation has 1 code span, the source 2 (`b` is missing)"]},
            id="code span count",
        ),
        pytest.param(
            "运行 `x`",
            "Run `y`",
            {"inline-markup": ["code span `x` was altered to `y`"]},
            id="code span altered",
        ),
        pytest.param(
            "**甲**见[^1]<br>",
            "A, see",
            {
                "inline-markup": [
                    "the translation has 0 bold spans, the source 1",
                    "the translation has 0 <br> tags, the source 1",
                    "footnote reference [^1] is missing from the translation",
                ]
            },
            id="counts and footnotes",
        ),
    ],
)
def test_messages_say_what_differs(
    source: str, target: str, messages: dict[str, list[str]]
) -> None:
    assert fired(source, target) == messages


def test_empty_target_is_left_to_the_empty_check() -> None:
    assert fired("见[官网](https://kaiyuanshe.cn)", "") == {}


def test_ignore_flag_silences_exactly_one_check() -> None:
    source, target = "**见**[官网](https://kaiyuanshe.cn)", "See the website"
    assert set(fired(source, target)) == {"links", "inline-markup"}
    assert set(fired(source, target, ("ignore-links",))) == {"inline-markup"}
    assert set(fired(source, target, ("ignore-inline-markup",))) == {"links"}


def test_severities() -> None:
    assert {i: REGISTRY[i].severity for i in IDS} == dict.fromkeys(IDS, Severity.ERROR)


@pytest.mark.parametrize("translation", ["Basics {#basics}", "Basics {#base}", "Basics {/* #b */}"])
def test_a_heading_id_in_a_heading_translation_is_an_error(translation: str) -> None:
    from transpub.checks.base import CheckContext, run_checks
    from transpub.markdown.segmenter import segment

    segmented = segment("## 基础 {#basics}\n\n正文。\n")
    heading = segmented.units[0]
    assert (heading.msgid, heading.kind) == ("基础", "heading h2")  # the id stays in the skeleton
    # Unchecked, the page would get the id twice: `## Basics {#basics} {#basics}`.
    assert segmented.rebuild({"基础": translation}).startswith(f"## {translation} {{#basics}}\n")
    context = CheckContext(kind=heading.kind)
    found = [(f.check, f.severity, f.message) for f in run_checks("基础", translation, (), context)]
    written = translation[len("Basics ") :]
    message = f"the heading id {written} is kept by transpub: remove it from the translation"
    assert ("inline-markup", Severity.ERROR, message) in found
    assert not [f for f in run_checks("基础", "Basics", (), context) if f.check == "inline-markup"]
    # In a paragraph, text in braces is the writer's own.
    paragraph = CheckContext(kind="paragraph")
    assert not [f for f in run_checks("基础", translation, (), paragraph) if f.severity == "error"]
