"""Content checks, table-driven: (source, translation, the check ids expected to fire).

Realistic rows come from the 2024 China Open Source Report (corpus/report-2024, zh and en).
"""

from __future__ import annotations

import pytest

import transpub.checks.content  # noqa: F401  (registers the checks)
from conftest import fired_checks
from transpub.checks.base import REGISTRY, Severity
from transpub.glossary.model import Glossary
from transpub.glossary.term import Term, TermType

IDS = {
    "urls",
    "numbers",
    "chinese-left",
    "fullwidth-punctuation",
    "double-space",
    "whitespace",
    "same-as-source",
    "empty",
}
GLOSSARY = Glossary(
    [
        Term("开源社", "开源社", TermType.DO_NOT_TRANSLATE),
        Term("木兰", "木兰", TermType.DO_NOT_TRANSLATE),
        Term("开源", "open source", TermType.TERM),
    ]
)


def fired(
    source: str, target: str, flags: tuple[str, ...] = (), glossary: Glossary | None = None
) -> dict[str, list[str]]:
    """Check id → messages, for the content checks only."""
    return fired_checks(IDS, source, target, flags, glossary)


URLS = [
    pytest.param(
        "详见 https://kaiyuanshe.cn/about。",
        "See https://kaiyuanshe.cn/about.",
        set(),
        id="url kept, sentence punctuation not part of it",
    ),
    pytest.param(
        "来源：https://dang.ai/ai-graveyard",
        "Source: https://dang.ai/ai-graveyard",
        set(),
        id="corpus: url after a full-width colon",
    ),
    pytest.param(
        "访问 https://example.com/中文路径 了解",
        "Visit https://example.com/中文路径 to learn more",
        set(),
        id="url with chinese path kept (not chinese-left)",
    ),
    pytest.param(
        "访问 https://example.com/中文路径 了解",
        "Visit https://example.com/Chinese-path to learn more",
        {"urls"},
        id="url with chinese path translated",
    ),
    pytest.param(
        "见https://example.com/docs了解更多",
        "See https://example.com/docs for more",
        set(),
        id="url glued to chinese prose",
    ),
    pytest.param(
        "官网 https://kaiyuanshe.cn",
        "Website: https://kaiyuanshe.com",
        {"urls"},
        id="url altered",
    ),
    pytest.param("官网 https://kaiyuanshe.cn", "The website", {"urls"}, id="url dropped"),
    pytest.param(
        "联系 contact@kaiyuanshe.org。",
        "Contact contact@kaiyuanshe.org.",
        set(),
        id="e-mail kept",
    ),
    pytest.param(
        "联系 contact@kaiyuanshe.org。",
        "Contact contact@kaiyuanshe.com.",
        {"urls"},
        id="e-mail altered",
    ),
    pytest.param(
        "见 https://x.com/report",
        "See [the report](https://x.com/report)",
        set(),
        id="bare url turned into a link keeps it",
    ),
    pytest.param(
        "[文档](https://a.com/docs)",
        "[docs](https://b.com/docs)",
        set(),
        id="link destinations are for the links check",
    ),
    pytest.param(
        "运行 `curl https://a.com`",
        "Run `curl https://b.com`",
        set(),
        id="url in code is for the inline-markup check",
    ),
    pytest.param(
        "见 <https://a.com>", "See <https://b.com>", set(), id="autolinks are for the links check"
    ),
]

NUMBERS = [
    pytest.param("共 1,000 人", "1000 people", set(), id="1,000 = 1000"),
    pytest.param("共 1000 人", "1,000 people", set(), id="1000 = 1,000"),
    pytest.param("１２ 个项目", "12 projects", set(), id="full-width digits"),
    pytest.param("１２ 个项目", "13 projects", {"numbers"}, id="full-width digits changed"),
    pytest.param("增长约 12.5%", "grew by about 12.5%", set(), id="percentage kept"),
    pytest.param("增长约 12.5%", "grew by about 12.5 percent", set(), id="percent spelled out"),
    pytest.param("增长约 12.5%", "grew by about 12.5", {"numbers"}, id="percent sign dropped"),
    pytest.param("增长约 12.5％", "grew by about 12.5%", set(), id="full-width percent sign"),
    pytest.param("自 2018 年起", "Since 2019", {"numbers"}, id="number changed"),
    pytest.param(
        "设置 `retries=3` 即可",
        "Just set `retries`",
        set(),
        id="number inside code ignored",
    ),
    pytest.param(
        "见 https://example.com/v2",
        "See https://example.com/v3",
        {"urls"},
        id="number inside url ignored",
    ),
    pytest.param(
        "[报告](https://example.com/2024/report)",
        "[The report](/report)",
        set(),
        id="number inside link destination ignored",
    ),
    pytest.param("见报告[^3]", "See the report", set(), id="footnote label is no number"),
    pytest.param(
        "2024 年，GitHub 全域事件日志总数达到 **17.5 亿**，同比增长约 **10%**。",
        "In 2024, the total number of GitHub's global event logs reached **1.75 billion**, "
        "an increase of about **10%** on the same period last year.",
        set(),
        id="corpus: 17.5 亿 = 1.75 billion",
    ),
    pytest.param(
        "本次研究覆盖了 GitHub 上 1200 万活跃开发者的样本，其中约 255 万开发者提供了准确的地理位置"
        "信息，占 GitHub 全域注册用户总量（约 1.2 亿）的 2%。",
        "This study covers a sample of 12 million active developers on GitHub, of which "
        "approximately 2.55 million developers provided accurate geographic location information, "
        "representing 2% of GitHub's total registered users (approximately 120 million).",
        set(),
        id="corpus: 万 and 亿 as millions",
    ),
    pytest.param(
        "**TypeScript**排在第三，开发者人数（43.9 万）超过 HTML（42.4 万）。",
        "**TypeScript** ranks third, with the number of developers (439,900) exceeding HTML "
        "(424,900).",
        {"numbers"},
        id="corpus: 43.9 万 is not 439,900",
    ),
    pytest.param(
        "图 2.5 2024 年开源基金会 OpenRank 排行榜 Top 20",
        "Figure 2.5 2024 Open Source Foundation OpenRank Rankings Top 30",
        {"numbers"},
        id="corpus: Top 20 became Top 30",
    ),
    pytest.param(
        "为便于比较，我们选取各平台**前 3 万**个活跃仓库，并聚焦 8 类事件。",
        "For comparison, we selected the **top 30,000** active repositories on each platform "
        "and focused on eight types of events.",
        set(),
        id="corpus: 3 万 = 30,000, 8 = eight",
    ),
    pytest.param(
        "由于数据源不再提供仓库的元信息，2024 年 10、11、12 月的相关数据缺失。",
        "As the data source no longer provides repository metadata, the data for October, "
        "November, and December 2024 is missing.",
        set(),
        id="corpus: months named",
    ),
    pytest.param(
        "与 ChatGPT-4o（2024.11.20）并列",
        "It stands alongside ChatGPT-4o (as of November 20, 2024).",
        set(),
        id="corpus: a dotted date",
    ),
    pytest.param("2024 年 3 月 15 日", "15 March 2024", set(), id="chinese date"),
    pytest.param("2024 年 3 月 15 日", "15 May 2024", {"numbers"}, id="wrong month"),
    pytest.param("从第 6 名开始", "starting from the 6th-ranked", set(), id="ordinal suffix"),
    pytest.param(
        "近期资本市场对于开源的投入趋于冷静",
        "1.1 Recently, the capital market's investment in open source has become more cautious",
        set(),
        id="corpus: numbers added in the translation are fine",
    ),
]

CHINESE = [
    pytest.param(
        "是否参与开源实践活动",
        "Whether to participate in open source practice activities是否参与开源实践活动",
        {"chinese-left"},
        id="corpus: chinese appended",
    ),
    pytest.param("运行 `echo 你好`", "Run `echo 你好`", set(), id="chinese in code"),
    pytest.param(
        "见[指南](/zh/指南.md)", "See [the guide](/zh/指南.md)", set(), id="chinese in link target"
    ),
    pytest.param(
        "见[指南](/guide)", "See [指南](/guide)", {"chinese-left"}, id="chinese in link text"
    ),
    pytest.param(
        "![东京智能空间](/image/ossAI/BJ60emz_kg.jpg)",
        "![东京智能空间](/image/ossAI/BJ60emz_kg.jpg)",
        {"chinese-left", "same-as-source"},
        id="corpus: image alt text not translated",
    ),
    pytest.param(
        "图5.13 OpenRank of AI 2020-2024",
        "Figure 5.13 OpenRank of AI 2020-2024",
        set(),
        id="corpus: mixed source translated",
    ),
]

GLOSSARY_CASES = [
    pytest.param(
        "开源社成立于 2014 年。",
        "KaiYuanShe (开源社) was founded in 2014.",
        set(),
        id="do-not-translate term kept",
    ),
    pytest.param(
        "了解[开源社](https://kaiyuanshe.cn)",
        "Learn about [开源社](https://kaiyuanshe.cn)",
        set(),
        id="do-not-translate term inside link text",
    ),
    pytest.param(
        "开源社与木兰",
        "开源社 and 木兰",
        set(),
        id="two do-not-translate terms",
    ),
    pytest.param(
        "开源社的开源项目",
        "开源社's 开源 projects",
        {"chinese-left"},
        id="a plain term left in chinese",
    ),
    pytest.param(
        "开源社区", "开源社区", {"chinese-left", "same-as-source"}, id="only part of a dnt run"
    ),
    pytest.param("开源社", "开源社", set(), id="a copied do-not-translate name"),
]

PUNCTUATION = [
    pytest.param(
        "本节以飞致云为例，介绍企业的开源商业化实践案例。",
        "In this section，we take FIT2CLOUD as an example to introduce an enterprise's open "
        "source commercialization practices.",
        {"fullwidth-punctuation"},
        id="corpus: full-width comma",
    ),
    pytest.param(
        "访谈嘉宾：刘超（Atypical Ventures）",
        "Guest Speaker: Liu Chao （Atypical Ventures）",
        {"fullwidth-punctuation"},
        id="corpus: full-width brackets",
    ),
    pytest.param(
        "来源：https://dang.ai/ai-graveyard",
        "Source：https://dang.ai/ai-graveyard",
        {"fullwidth-punctuation"},
        id="corpus: full-width colon before a url",
    ),
    pytest.param(
        "被称为“Java 之父”的加拿大计算机科学家",
        "The Canadian computer scientist, known as the “father of Java,” and GitHub’s friend",
        set(),
        id="corpus: curly quotes are English too",
    ),
    pytest.param("使用 `，` 分隔", "Separate with `，`", set(), id="full-width in code"),
    pytest.param(
        "《开源之道》一书", "the book *The Open Source Way*", set(), id="title in italics"
    ),
    pytest.param(
        "《开源之道》一书",
        "the book 《The Open Source Way》",
        {"fullwidth-punctuation"},
        id="book title marks",
    ),
]

SPACING = [
    pytest.param(
        "结合 2024 年的 OpenRank 影响力视角再看这几个类别：",
        "From the influence perspective of OpenRank  in 2024, these categories show trends:",
        {"double-space"},
        id="corpus: double space added",
    ),
    pytest.param(
        "法院认定  Orange 违反了 GPLv2 的多项条款",
        "The court found that  Orange violated several terms of the GPLv2",
        set(),
        id="corpus: double space the source has",
    ),
    pytest.param(
        "**绝对增长量最高：北京**  \n北京新增开发者",
        "**Highest Absolute Growth: Beijing**  \nBeijing added developers",
        set(),
        id="corpus: hard break spaces at a line end",
    ),
    pytest.param("甲\n  乙", "A\n  B", set(), id="indentation"),
    pytest.param("内容 ", "Content", {"whitespace"}, id="trailing space lost"),
    pytest.param("  缩进", "  Indented", set(), id="leading spaces kept"),
    pytest.param("  缩进", "Indented", {"whitespace"}, id="leading spaces lost"),
    pytest.param("内容", "Content\n", {"whitespace"}, id="trailing line break added"),
    pytest.param(
        "这种双轨策略使企业既能从开源中获益，又能保持核心技术的竞争力。\xa0",
        "This dual-track strategy allows companies to benefit from open source while "
        "maintaining the competitiveness of core technologies.",
        {"whitespace"},
        id="corpus: trailing no-break space lost",
    ),
]

COPIES_AND_EMPTY = [
    pytest.param("OpenRank", "OpenRank", set(), id="latin source copied"),
    pytest.param("`中文`", "`中文`", set(), id="code-only source copied"),
    pytest.param("开源", "开源", {"same-as-source", "chinese-left"}, id="chinese source copied"),
    pytest.param(
        "开源", " 开源", {"same-as-source", "chinese-left", "whitespace"}, id="copy, padded"
    ),
    pytest.param("开源", "", {"empty"}, id="empty"),
    pytest.param("共 3 个 https://x.com", "  ", {"empty"}, id="blank target: only empty fires"),
    pytest.param("  ", "", set(), id="blank source"),
    pytest.param(
        "开源许可证占比 43%。", "Open source licenses account for 43%.", set(), id="plain sentence"
    ),
    pytest.param("开源许可证", "Open-Source Licenses", set(), id="plural capitalised english"),
]


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    URLS + NUMBERS + CHINESE + PUNCTUATION + SPACING + COPIES_AND_EMPTY,
)
def test_content_checks(source: str, target: str, expected: set[str]) -> None:
    found = fired(source, target)
    assert set(found) == expected, found


@pytest.mark.parametrize(("source", "target", "expected"), GLOSSARY_CASES)
def test_do_not_translate_terms_may_stay_chinese(
    source: str, target: str, expected: set[str]
) -> None:
    found = fired(source, target, glossary=GLOSSARY)
    assert set(found) == expected, found


def test_without_a_glossary_every_chinese_run_counts() -> None:
    assert set(fired("开源社成立了。", "开源社 was founded.")) == {"chinese-left"}


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        pytest.param("ignore-chinese-left", {"same-as-source"}, id="chinese-left"),
        pytest.param("ignore-same-as-source", {"chinese-left"}, id="same-as-source"),
        pytest.param("ignore-urls", {"chinese-left", "same-as-source"}, id="another check"),
    ],
)
def test_ignore_flag_silences_exactly_one_check(flag: str, expected: set[str]) -> None:
    assert set(fired("开源", "开源", (flag,))) == expected


def test_messages_say_what_differs() -> None:
    found = fired(
        "2024 年增长 12.5%，详见 https://kaiyuanshe.cn 。",
        "In 2023 it grew，see https://kaiyuanshe.org 。未完",
    )
    assert found == {
        "numbers": ["the translation lacks the numbers 2024, 12.5% of the source"],
        "urls": ["the URL https://kaiyuanshe.cn was changed to https://kaiyuanshe.org"],
        "chinese-left": ["the translation still contains Chinese: 未完"],
        "fullwidth-punctuation": [
            "the translation contains full-width punctuation ，, 。; use ',' '.' instead"
        ],
    }


def test_punctuation_message_suggests_ascii() -> None:
    assert fired("刘超（Atypical Ventures）", "Liu Chao （Atypical Ventures）")[
        "fullwidth-punctuation"
    ] == ["the translation contains full-width punctuation （, ）; use '(' ')' instead"]


def test_double_space_message_shows_where() -> None:
    assert fired("甲乙", "A  B")["double-space"] == [
        "the translation has 1 run of consecutive spaces, the source 0 (first: 'A  B')"
    ]


def test_whitespace_message_names_both_sides() -> None:
    assert fired("内容 ", "Content\n")["whitespace"] == [
        "the translation ends with a line break, the source with a space"
    ]


def test_severities() -> None:
    errors = {"urls", "chinese-left", "empty"}
    assert {i: REGISTRY[i].severity for i in IDS} == {
        i: Severity.ERROR if i in errors else Severity.WARNING for i in IDS
    }
