"""Flat front matter is read without PyYAML exactly as PyYAML would read it; anything else falls
back to PyYAML."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transpub.markdown.flatyaml import simple_units
from transpub.markdown.frontmatter import yaml_units

KEYS = ("title", "summary")

FLAT = [
    "title: 商业化篇\ntags: [2024 中国开源年度报告]\n",
    "title: 8. 大事记篇\n",
    "title: \"开源社: 年度报告\"\nsummary: '单引号'\n",
    "# a comment\ntitle: 标题\n\nauthor: 某人\n",
    "title: KAIYUANSHE and OSI\r\nsummary: 2024 年的总结\r\n",
    "title: 2024-25 国际接轨组工作计划\n",
]
NOT_FLAT = [
    "title: 2024\n",  # an int for YAML
    "title: true\n",
    "title: 2024-10-28\n",  # a date
    "title: 标题 # comment\n",
    'title: "escaped \\" quote"\n',
    "title: |\n  block\n",
    "hero:\n  name: 嵌套\n",
    "title: [unclosed\n",
    "title: a: b\n",
    "- a list\n",
    "title: 'it''s'\n",
    "title:\t制表符\n",  # YAML wants a space after the colon
]


def _view(units):  # type: ignore[no-untyped-def]
    return [(s, e, u.msgid, u.kind, u.line, u.raw) for s, e, u in units]


@pytest.mark.parametrize("text", FLAT)
def test_flat_front_matter_is_read_like_pyyaml(text: str) -> None:
    fast = simple_units(text, 2, KEYS)
    assert fast is not None and fast
    assert _view(fast) == _view(yaml_units(text, 2, KEYS))


@pytest.mark.parametrize("text", NOT_FLAT)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert simple_units(text, 2, KEYS) is None


def test_dotted_keys_go_to_pyyaml() -> None:
    assert simple_units("title: 标题\n", 2, ("features.*.title",)) is None


VALUES = st.text(
    alphabet=st.sampled_from(list("开源社年度报告 AaZz09-:#'\"[],.&*!|>%@`?{}~\\")),
    min_size=1,
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["title", "summary", "tags", "x"]), VALUES), max_size=4))
def test_whenever_the_fast_path_answers_it_agrees_with_pyyaml(pairs: list[tuple[str, str]]) -> None:
    import yaml

    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    fast = simple_units(text, 2, KEYS)
    if fast is None:
        return
    try:
        slow = yaml_units(text, 2, KEYS)
    except Exception as exc:  # PyYAML refuses it: the fast path must not have accepted it
        pytest.fail(f"flat path accepted YAML that PyYAML rejects: {text!r} ({exc})")
    assert _view(fast) == _view(slow), text
    assert isinstance(yaml.safe_load(text), dict | None)
