"""Property: the identity rebuild is byte-exact on any Markdown, however odd."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transpub.markdown.segmenter import SegmentOptions, segment
from transpub.markdown.structure import differences

WORDS = [
    "开源社",
    "开源人工智能定义",
    "Apache",
    "KubeCon",
    "2024",
    "模型",
    "贡献者",
    "a",
    "，",
    "。",
]
INLINE = [
    "**{w}**",
    "*{w}*",
    "`{w}`",
    "[{w}](https://kaiyuanshe.cn/{w})",
    '![{w}](a.png "{w}")',
    "{w}[^1]",
    "<b>{w}</b>",
    "~~{w}~~",
    "\\*{w}",
    "{w}  ",
    "{w}\\",
    "&amp;{w}",
    "<https://x.org>",
]
PREFIXES = [
    "",
    "# ",
    "## ",
    "- ",
    "* ",
    "1. ",
    "7) ",
    "> ",
    "> > ",
    ">",
    "   ",
    "    ",
    "\t",
    "- [ ] ",
    "| ",
    "[^1]: ",
    "[ref]: https://x.org ",
    "<center>",
    "</center>",
    "<!-- ",
    "```",
    "~~~",
    "===",
    "---",
    "***",
    "$$",
    "  - ",
    "> - ",
    "1.  ",
    "\u3000",
]
EOLS = ["\n", "\r\n", "\n\n", "\r\n\r\n", "  \n", "\n\n\n"]

words = st.sampled_from(WORDS)
inline = st.builds(lambda t, w: t.format(w=w), st.sampled_from(INLINE), words)
text_run = st.lists(st.one_of(words, inline, st.just(" "), st.just("|")), min_size=0, max_size=6)
line = st.builds(lambda p, parts: p + "".join(parts), st.sampled_from(PREFIXES), text_run)
document = st.builds(
    lambda bom, lines, eols, final: (
        bom + "".join(ln + eols[i % len(eols)] for i, ln in enumerate(lines)) + final
    ),
    st.sampled_from(["", "\ufeff"]),
    st.lists(line, min_size=1, max_size=30),
    st.lists(st.sampled_from(EOLS), min_size=1, max_size=4),
    st.sampled_from(["", "末尾没有换行", "---\n"]),
).filter(lambda text: not text.lstrip("\ufeff").startswith("---"))  # front matter: see below
front_matter = st.builds(
    lambda title, body: f"---\ntitle: {title}\nsummary: '{title}'\n---\n{body}",
    words,
    document,
)

OPTIONS = [SegmentOptions(), SegmentOptions(html_blocks=False, front_matter_keys=())]
FAST = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.one_of(document, front_matter), st.sampled_from(OPTIONS))
def test_identity_rebuild_is_byte_exact(text: str, options: SegmentOptions) -> None:
    segmented = segment(text, options)
    assert segmented.rebuild({}) == text
    assert segmented.rebuild({u.msgid: u.msgid for u in segmented.units}) == text


@FAST
@given(st.text(max_size=300))
def test_identity_on_arbitrary_text(text: str) -> None:
    segmented = segment(text)  # NUL bytes included: msgids show them as U+FFFD
    assert segmented.rebuild({}) == text


@FAST
@given(document)
def test_units_never_include_code_or_skeleton_breaks(text: str) -> None:
    for unit in segment(text).units:
        assert unit.msgid == unit.msgid.strip(" \t\r\n") or unit.msgid.endswith("  ")
        assert "\r" not in unit.msgid
        assert any(ch.isalpha() for ch in unit.msgid)


@FAST
@given(document)
def test_marked_translation_keeps_structure_for_plain_units(text: str) -> None:
    """Wrapping each unit in letters keeps the block structure of the source."""
    segmented = segment(text)
    result = segmented.rebuild({u.msgid: f"EN {u.msgid}" for u in segmented.units})
    found = differences(text.lstrip("\ufeff"), result.lstrip("\ufeff"))
    assert not [d for d in found if "source line" in d or "ends before" in d or "extra" in d]
