"""Inline Markdown goes out as tags an engine keeps and comes back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transpub.engines.markup import RestoreError, protect, restore, restore_plain

CASES = [
    ("plain", "开源社成立于 2014 年。", "开源社成立于 2014 年。"),
    ("strong", "见**粗体**文字", '见<g id="1">粗体</g>文字'),
    ("nested link", '[链接 *强调*](https://x.cn "标题")', '<g id="1">链接 <g id="2">强调</g></g>'),
    ("code", "运行 `transpub sync` 命令", '运行 <x id="1"/> 命令'),
    ("image", "![开源社标志](/logo.png)", '<g id="1">开源社标志</g>'),
    ("empty image", "前![](/a.png)后", '前<g id="1"></g>后'),
    ("footnote", "脚注[^1]。", '脚注<x id="1"/>。'),
    ("autolink", "见 <https://kaiyuanshe.cn/>。", '见 <x id="1"/>。'),
    ("bare URL with Chinese path", "见 https://x.cn/中文路径 。", '见 <x id="1"/> 。'),
    ("inline html", "<b>粗</b>体", '<x id="1"/>粗<x id="2"/>体'),
    ("xml specials", "a < b & c > d", "a &lt; b &amp; c &gt; d"),
    ("soft break between Chinese", "第一行\n第二行", "第一行第二行"),
    ("soft break with Latin", "Apache\nKubeCon", "Apache KubeCon"),
    ("hard break", "第一行  \n第二行", '第一行<x id="1"/>第二行'),
    ("reference link", "[参考][ref]", '<g id="1">参考</g>'),
    ("hugo shortcode", '见 {{< ref "治理.md" >}} 。', '见 <x id="1"/> 。'),
    ("hugo percent shortcode", "{{% notice %}}注意{{% /notice %}}", '<x id="1"/>注意<x id="2"/>'),
    ("vue interpolation", "共 {{ count }} 项", '共 <x id="1"/> 项'),
    ("shortcode in emphasis", '**见 {{< ref "a" >}}**', '<g id="1">见 <x id="2"/></g>'),
]


@pytest.mark.parametrize(("name", "text", "tagged"), CASES, ids=[c[0] for c in CASES])
def test_protect(name: str, text: str, tagged: str) -> None:
    protected = protect(text)
    assert protected.text == tagged
    expected = text if "\n" not in text or "  \n" in text else text.replace("\n", "")
    if name == "soft break with Latin":
        expected = "Apache KubeCon"
    assert restore(protected.text, protected) == expected


@pytest.mark.parametrize(
    ("text", "answer", "english"),
    [
        ("见[仪表板][]。", 'See the <g id="1">dashboard</g>.', "See the [dashboard][仪表板]."),
        ("![徽章][]", '<g id="1">Badge</g>', "![Badge][徽章]"),
    ],
)
def test_collapsed_reference_keeps_its_label(text: str, answer: str, english: str) -> None:
    """A collapsed reference finds its definition by its text: a translated text keeps the
    Chinese label (`[仪表板][]` → `[dashboard][仪表板]`), or build loses the link."""
    protected = protect(text)
    assert restore(answer, protected) == english


def test_translated_answer_is_restored_with_the_original_markup() -> None:
    source = '请阅读[开源社官网](https://kaiyuanshe.cn/ "主页")和**重要**的`代码`说明[^2]。'
    protected = protect(source)
    answer = (
        'Please read the <g id="1">KAIYUANSHE website</g> and the <g id="2"> important </g>'
        ' notes on <x id="3"/><x id="4"/>.'
    )
    assert restore(answer, protected) == (
        'Please read the [KAIYUANSHE website](https://kaiyuanshe.cn/ "主页") and the  '
        "**important**  notes on `代码`[^2]."
    )


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ('Read the website and <g id="2">important</g>', "lost"),
        ('<g id="1">a</g><g id="1">b</g><g id="2">c</g>', "repeated"),
        ('<g id="1">a <g id="2">b</g>', "open"),
        ('a</g><g id="1">b</g><g id="2">c</g>', "never opened"),
        ('<g id="9">a</g>', "unexpected"),
    ],
)
def test_broken_tags_are_reported(answer: str, problem: str) -> None:
    protected = protect("[网站](https://x.cn)和**重要**")
    with pytest.raises(RestoreError, match=problem):
        restore(answer, protected)


def test_plain_fallback_keeps_code_urls_and_addresses() -> None:
    protected = protect(
        "请发邮件至 team@kaiyuanshe.org 或运行 `make &amp; test`，见**文档**和[官网](https://x.cn)。"
    )
    assert sorted(protected.kept.values()) == ["`make &amp; test`", "team@kaiyuanshe.org"]
    mail = next(i for i, v in protected.kept.items() if "@" in v)
    code = next(i for i, v in protected.kept.items() if "make" in v)
    # The paired tags came back broken (the link closed twice); the placeholders are intact.
    answer = (
        f'Write to <x id="{mail}"/> or run <x id="{code}"/>; see the <g id="3">docs</g></g> '
        'and the <g id="4">site &amp; more</g>.'
    )
    with pytest.raises(RestoreError):
        restore(answer, protected)
    assert restore_plain(answer, protected) == (
        "Write to team@kaiyuanshe.org or run `make &amp; test`; see the docs and the site & more."
    )


WORDS = ["开源社", "Apache", "2024", "模型", "a", "，", "<", "&"]
INLINE = [
    "**{w}**",
    "*{w}*",
    "`{w}`",
    "[{w}](https://x.cn/{w})",
    "![{w}](a.png)",
    "{w}[^1]",
    "<b>{w}</b>",
    "~~{w}~~",
    "<https://x.org>",
    "{w}  \n{w}",
    "https://a.cn/{w} ",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.builds(lambda t, w: t.format(w=w), st.sampled_from(INLINE), st.sampled_from(WORDS))
        | st.sampled_from(WORDS),
        min_size=1,
        max_size=8,
    )
)
def test_identity_answer_restores_the_source(parts: list[str]) -> None:
    text = " ".join(parts).strip()
    protected = protect(text)
    assert restore(protected.text, protected) == text
