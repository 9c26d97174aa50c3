"""Components of MDX/JSX and Vue pages, and HTML in paragraphs (issue 9, items 2 and 3), golden.

Each case: a small source → the exact msgids offered, the identity round trip byte for byte, the
edited round trip, and the rebuild of a pseudo-translation (``«msgid»``) with the source's
structure.
"""

from __future__ import annotations

import pytest
from test_markdown_containers import assert_golden

from conftest import fired_checks
from transpub.markdown.segmenter import segment

CASES = [
    pytest.param(
        "<Note>\n这种方法更快。\n</Note>\n",
        ["这种方法更快。"],
        "<Note>\n«这种方法更快。»\n</Note>\n",
        id="prose inside a block component",
    ),
    pytest.param(
        '<Tabs>\n  <TabItem value="a">\n    苹果很好吃。\n  </TabItem>\n</Tabs>\n',
        ["苹果很好吃。"],
        '<Tabs>\n  <TabItem value="a">\n    «苹果很好吃。»\n  </TabItem>\n</Tabs>\n',
        id="nested components",
    ),
    pytest.param(
        "<VPTeamPageTitle>\n  <template #title>编写团队</template>\n</VPTeamPageTitle>\n",
        ["编写团队"],
        "<VPTeamPageTitle>\n  <template #title>«编写团队»</template>\n</VPTeamPageTitle>\n",
        id="vue slot text",
    ),
    pytest.param(
        '<VPTeamMembers size="small" :members="members" />\n\n正文。\n',
        ["正文。"],
        '<VPTeamMembers size="small" :members="members" />\n\n«正文。»\n',
        id="a component without prose offers nothing",
    ),
    pytest.param(
        "第一段文字。\n<Note>\n注意这里。\n</Note>\n",
        ["第一段文字。", "注意这里。"],
        "«第一段文字。»\n<Note>\n«注意这里。»\n</Note>\n",
        id="component tags glued to a paragraph are skeleton",
    ),
    pytest.param(
        "<Note>这种方法更快。\n</Note>\n",
        ["这种方法更快。"],
        "<Note>«这种方法更快。»\n</Note>\n",
        id="opening tag on the paragraph's first line",
    ),
    pytest.param(
        "使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。\n",
        ["使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。"],
        "«使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。»\n",
        id="inline component stays in its unit",
    ),
    pytest.param(
        "<CodeStep step={1}>DOM 节点</CodeStep> 是树。\n",
        ["<CodeStep step={1}>DOM 节点</CodeStep> 是树。"],
        "«<CodeStep step={1}>DOM 节点</CodeStep> 是树。»\n",
        id="an inline component at the start is not cut in half",
    ),
    pytest.param(
        "{{ message }}\n\n你好，{{ name }}！\n",
        ["你好，{{ name }}！"],
        "{{ message }}\n\n«你好，{{ name }}！»\n",
        id="vue interpolation alone is never offered",
    ),
    pytest.param(
        "{{ '中文' }}\n",
        [],
        "{{ '中文' }}\n",
        id="vue interpolation holding chinese is code",
    ),
    pytest.param(
        "{/* 注释 */}\n正文。\n",
        ["正文。"],
        "{/* 注释 */}\n«正文。»\n",
        id="mdx comment line",
    ),
]


@pytest.mark.parametrize(("source", "msgids", "translated"), CASES)
def test_golden(source: str, msgids: list[str], translated: str) -> None:
    assert_golden(source, msgids, translated)


CHECKS = [
    pytest.param(
        "使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。",
        "Render with <CodeStep step={1}>DOM nodes</CodeStep>.",
        [],
        id="component kept",
    ),
    pytest.param(
        "使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。",
        "Render with DOM nodes</CodeStep>.",
        ["<CodeStep step={1}> is missing from the translation; copy it as it is"],
        id="component tag dropped",
    ),
    pytest.param(
        "使用 <CodeStep step={1}>DOM 节点</CodeStep> 来渲染。",
        "Render with <CodeStep step={2}>DOM nodes</CodeStep>.",
        ["<CodeStep step={1}> was altered to <CodeStep step={2}>; keep it as it is"],
        id="component prop altered",
    ),
    pytest.param(
        "你好，{{ name }}！",
        "Hello!",
        ["{{ name }} is missing from the translation; copy it as it is"],
        id="interpolation dropped",
    ),
    pytest.param("你好，{{ name }}！", "Hello, {{ name }}!", [], id="interpolation kept"),
]


@pytest.mark.parametrize(("source", "target", "messages"), CHECKS)
def test_component_markup_is_checked(source: str, target: str, messages: list[str]) -> None:
    assert fired_checks({"inline-markup"}, source, target).get("inline-markup", []) == messages


HTML = [
    pytest.param(
        "<img src=a.png alt=徽章>\n",
        ["徽章"],
        "<img src=a.png alt=«徽章»>\n",
        id="unquoted alt in an html block",
    ),
    pytest.param(
        '<p><img src="x.png" alt=徽章 title=标题></p>\n',
        ["徽章", "标题"],
        '<p><img src="x.png" alt=«徽章» title=«标题»></p>\n',
        id="unquoted alt and title",
    ),
    pytest.param(
        '![](x.png) <img src="y.png" alt="合影">\n',
        ["合影"],
        '![](x.png) <img src="y.png" alt="«合影»">\n',
        id="alt of an inline img in a paragraph without prose",
    ),
    pytest.param(
        '| <img alt="7-年龄分布" src="a.png"> | 说明 |\n|---|---|\n| 甲 | 乙 |\n',
        ["7-年龄分布", "说明", "甲", "乙"],
        '| <img alt="«7-年龄分布»" src="a.png"> | «说明» |\n|---|---|\n| «甲» | «乙» |\n',
        id="alt of an img alone in a table cell",
    ),
    pytest.param(
        '课程：<img src="a.png" alt="团队合影"> 见图。\n',
        ['课程：<img src="a.png" alt="团队合影"> 见图。'],
        '«课程：<img src="a.png" alt="团队合影"> 见图。»\n',
        id="an img inside a sentence stays in its unit",
    ),
    pytest.param(
        '第一段。\n<Callout title="注意">\n内容。\n</Callout>\n',
        ["第一段。", "注意", "内容。"],
        '«第一段。»\n<Callout title="«注意»">\n«内容。»\n</Callout>\n',
        id="title of a component tag on a line of its own",
    ),
]


@pytest.mark.parametrize(("source", "msgids", "translated"), HTML)
def test_html_golden(source: str, msgids: list[str], translated: str) -> None:
    assert_golden(source, msgids, translated)


def test_an_unquoted_value_gets_quotes_when_the_translation_needs_them() -> None:
    segmented = segment("<img src=a.png alt=徽章>\n")
    assert segmented.rebuild({"徽章": 'The "course" badge'}) == (
        '<img src=a.png alt="The &quot;course&quot; badge">\n'
    )
    assert segmented.rebuild({"徽章": "Badge"}) == "<img src=a.png alt=Badge>\n"


TAGS = [
    pytest.param(
        '课程：<img src="a.png" alt="团队合影"> 见图。',
        'Course: <img src="a.png" alt="Team photo"> see the picture.',
        [],
        id="alt translated inside the tag",
    ),
    pytest.param(
        '课程：<img src="a.png" alt="团队合影"> 见图。',
        'Course: <img src="b.png" alt="Team photo"> see the picture.',
        ['<img src="a.png" alt=…> was altered to <img src="b.png" alt=…>; keep it as it is'],
        id="src altered",
    ),
    pytest.param(
        '在线，<a href="/x">了解详情</a>。',
        "Online, learn more.</a>",
        ['<a href="/x"> is missing from the translation; copy it as it is'],
        id="link tag dropped",
    ),
]


@pytest.mark.parametrize(("source", "target", "messages"), TAGS)
def test_tags_with_attributes_are_checked(source: str, target: str, messages: list[str]) -> None:
    assert fired_checks({"inline-markup"}, source, target).get("inline-markup", []) == messages
