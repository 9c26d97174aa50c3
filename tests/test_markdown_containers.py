"""Containers and directives of documentation sites (issue 9, item 4), golden cases.

Each case: a small source → the exact msgids offered, the identity round trip byte for byte, the
edited round trip (every msgid parses alone as in place), and the rebuild of a pseudo-translation
(``«msgid»``) with the same structure as the source.
"""

from __future__ import annotations

import pytest

from transpub.markdown.edited import problems
from transpub.markdown.segmenter import segment
from transpub.markdown.structure import differences


def pseudo(msgid: str) -> str:
    return f"«{msgid}»"


CASES = [
    pytest.param(
        "::: tip 提示\n这种方法更快。\n第二行。\n:::\n",
        ["提示", "这种方法更快。\n第二行。"],
        "::: tip «提示»\n«这种方法更快。\n第二行。»\n:::\n",
        id="vitepress container glued to its body",
    ),
    pytest.param(
        "::: warning\n\n注意安全。\n\n:::\n",
        ["注意安全。"],
        "::: warning\n\n«注意安全。»\n\n:::\n",
        id="fence lines alone: the type is not offered",
    ),
    pytest.param(
        "::: details 点击查看\n- 第一项\n- 第二项\n:::\n",
        ["点击查看", "第一项", "第二项"],
        "::: details «点击查看»\n- «第一项»\n- «第二项»\n:::\n",
        id="closing fence after a list is not list text",
    ),
    pytest.param(
        ":::tip[标题]\n正文。\n:::\n",
        ["标题", "正文。"],
        ":::tip[«标题»]\n«正文。»\n:::\n",
        id="docusaurus title in brackets",
    ),
    pytest.param(
        ":::note 说明\n\n正文。\n\n:::\n",
        ["说明", "正文。"],
        ":::note «说明»\n\n«正文。»\n\n:::\n",
        id="docusaurus v2 title",
    ),
    pytest.param(
        "> ::: tip 注意\n> 引用的内容。\n> :::\n",
        ["注意", "引用的内容。"],
        "> ::: tip «注意»\n> «引用的内容。»\n> :::\n",
        id="container in a block quote",
    ),
    pytest.param(
        "{{% notice tip %}}\n这是提示。\n{{% /notice %}}\n",
        ["这是提示。"],
        "{{% notice tip %}}\n«这是提示。»\n{{% /notice %}}\n",
        id="hugo shortcode lines stay in the skeleton",
    ),
    pytest.param(
        '{{< figure src="a.png" title="图 1" >}}\n\n正文。\n',
        ["正文。"],
        '{{< figure src="a.png" title="图 1" >}}\n\n«正文。»\n',
        id="a shortcode alone is never offered",
    ),
    pytest.param(
        '详见 {{< ref "setup.md" >}} 一节。\n',
        ['详见 {{< ref "setup.md" >}} 一节。'],
        '«详见 {{< ref "setup.md" >}} 一节。»\n',
        id="a shortcode inside a sentence stays in its unit",
    ),
    pytest.param(
        "## 基础 {#basics}\n\n正文。\n",
        ["基础", "正文。"],
        "## «基础» {#basics}\n\n«正文。»\n",
        id="heading id kept out of the msgid",
    ),
    pytest.param(
        "## 安装 {#install .wide}\n",
        ["安装"],
        "## «安装» {#install .wide}\n",
        id="heading id with a class",
    ),
    pytest.param(
        "### 你好 {/* #hello */}\n",
        ["你好"],
        "### «你好» {/* #hello */}\n",
        id="mdx heading id",
    ),
    pytest.param(
        "## 集合 {1, 2}\n",
        ["集合 {1, 2}"],
        "## «集合 {1, 2}»\n",
        id="braces that are no id stay text",
    ),
    pytest.param(
        "## 线性回归\n:label:`sec_linear`\n\n正文。\n",
        ["线性回归", "正文。"],
        "## «线性回归»\n:label:`sec_linear`\n\n«正文。»\n",
        id="d2l label after a heading",
    ),
    pytest.param(
        "![架构图](arch.svg)\n:label:`fig_arch`\n",
        ["![架构图](arch.svg)"],
        "«![架构图](arch.svg)»\n:label:`fig_arch`\n",
        id="d2l label glued to a figure",
    ),
    pytest.param(
        ":begin_tab:`pytorch`\n我们使用张量。\n:end_tab:\n",
        ["我们使用张量。"],
        ":begin_tab:`pytorch`\n«我们使用张量。»\n:end_tab:\n",
        id="d2l tab directives",
    ),
]


@pytest.mark.parametrize(("source", "msgids", "translated"), CASES)
def test_golden(source: str, msgids: list[str], translated: str) -> None:
    assert_golden(source, msgids, translated)


def assert_golden(source: str, msgids: list[str], translated: str) -> None:
    """The msgids, the identity and edited round trips, and the pseudo-translated rebuild."""
    segmented = segment(source)
    assert [u.msgid for u in segmented.units] == msgids
    assert segmented.rebuild({}) == source
    assert problems(source) == []
    result = segmented.rebuild(lambda unit: pseudo(unit.msgid))
    assert result == translated
    assert differences(source, result) == []


def test_container_title_is_one_line() -> None:
    segmented = segment("::: tip 提示\n内容。\n:::\n")
    title = segmented.units[0]
    assert (title.kind, title.mode, title.line) == ("container title", "line", 1)
    assert segmented.rebuild({"提示": "A\nnote"}) == "::: tip A note\n内容。\n:::\n"


def test_a_translated_line_never_opens_a_container() -> None:
    segmented = segment("第一行\n第二行\n")
    assert segmented.rebuild({"第一行\n第二行": "One\n::: tip"}) == "One\n\\::: tip\n"


MATH = [
    pytest.param("段落 $x^2$ 的值。\n", ["段落 $x^2$ 的值。"], id="inline math stays in its unit"),
    pytest.param("$$\nx^2 + y^2\n$$\n\n正文。\n", ["正文。"], id="display math is not offered"),
    pytest.param(
        "$$\\hat{y} = w_1 x_1 + b.$$\n:eqlabel:`eq_linreg`\n\n正文。\n",
        ["正文。"],
        id="d2l display math with its label",
    ),
    pytest.param("价格 $5 和 $10。\n", ["价格 $5 和 $10。"], id="dollar amounts are text"),
]


@pytest.mark.parametrize(("source", "msgids"), MATH)
def test_math(source: str, msgids: list[str]) -> None:
    segmented = segment(source)
    assert [u.msgid for u in segmented.units] == msgids
    assert segmented.rebuild({}) == source
    assert problems(source) == []


PLACEABLES = [
    pytest.param(
        '详见 {{< ref "setup.md" >}} 一节。',
        'See the {{< ref "setup.md" >}} section.',
        [],
        id="shortcode kept",
    ),
    pytest.param(
        '详见 {{< ref "setup.md" >}} 一节。',
        "See the setup section.",
        ['{{< ref "setup.md" >}} is missing from the translation; copy it as it is'],
        id="shortcode dropped",
    ),
    pytest.param(
        '详见 {{< ref "setup.md" >}} 一节。',
        'See the {{< ref "install.md" >}} section.',
        ['{{< ref "setup.md" >}} was altered to {{< ref "install.md" >}}; keep it as it is'],
        id="shortcode altered",
    ),
    pytest.param(
        "函数 $f(x)=x^2$ 的导数。",
        "The derivative of $f(x)=2x$.",
        ["$f(x)=x^2$ was altered to $f(x)=2x$; keep it as it is"],
        id="inline math altered",
    ),
    pytest.param(
        "函数 $f(x)$ 的导数。",
        "The derivative of f.",
        ["$f(x)$ is missing from the translation; copy it as it is"],
        id="inline math dropped",
    ),
    pytest.param(
        '示例：`{{< ref "a.md" >}}` 的写法。',
        'The form `{{< ref "a.md" >}}`.',
        [],
        id="a shortcode in code is code",
    ),
]


@pytest.mark.parametrize(("source", "target", "messages"), PLACEABLES)
def test_placeables_are_checked(source: str, target: str, messages: list[str]) -> None:
    from conftest import fired_checks

    found = fired_checks({"inline-markup"}, source, target).get("inline-markup", [])
    assert found == messages
