"""Composition tables: escaping, counting per network, shortening, bilingual variants, mentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from transpub.config import Config, load_config
from transpub.publish.channels import CompositionError, create_channel
from transpub.publish.channels.compose import PostContent, plain
from transpub.publish.channels.text import (
    count_graphemes,
    count_linkedin,
    count_mastodon,
    count_x,
    escape_linkedin,
    shorten,
)

URL = "https://kaiyuanshe.github.io/reports/en/2025-26-international-plan"
ZH_URL = "https://kaiyuanshe.github.io/reports/2025-26-international-plan"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words", "plain words"),
        ("OSAID (v1.0)", "OSAID \\(v1.0\\)"),
        ("#1 priority", "\\#1 priority"),
        ("@name [x] <y> {z}", "\\@name \\[x\\] \\<y\\> \\{z\\}"),
        ("a_b *c* ~d~ e|f", "a\\_b \\*c\\* \\~d\\~ e\\|f"),
        ("back\\slash", "back\\\\slash"),
        ("开源社（KaiYuanShe）", "开源社（KaiYuanShe）"),  # full-width brackets are not reserved
        (URL + "?a_b=1", URL.replace("-", "-") + "?a\\_b=1"),
    ],
)
def test_linkedin_little_text_escaping(text: str, escaped: str) -> None:
    assert escape_linkedin(text) == escaped


@pytest.mark.parametrize(
    ("count", "text", "expected"),
    [
        (count_linkedin, "Hello \\(world\\)", 15),
        (count_mastodon, "Read " + URL, 5 + 23),
        (count_mastodon, "http://a.io", 23),  # short URLs count 23 too
        (count_mastodon, "by @meimei@fosstodon.org", len("by @meimei")),
        (count_mastodon, "开源社", 3),
        (count_graphemes, "e\u0301", 1),  # e + combining accent
        (count_graphemes, "👨‍👩‍👧", 1),  # a family: one grapheme of five code points
        (count_graphemes, "开源社 OSS", 7),
        (count_x, "开源社", 6),  # CJK counts 2
        (count_x, "open source", 11),
        (count_x, "读 " + URL, 2 + 1 + 23),
    ],
)
def test_counting_per_network(count: object, text: str, expected: int) -> None:
    assert count(text) == expected  # type: ignore[operator]


SHORTEN = [
    # text, limit, expected
    ("One. Two. Three.", 100, "One. Two. Three."),
    ("First sentence here. Second sentence is longer.", 30, "First sentence here."),
    ("A long sentence without any end in sight at all", 20, "A long sentence…"),
    (
        "Short. Then a very long second sentence that goes on and on",
        50,
        "Short. Then a very long second sentence that goes…",
    ),
    (f"See {URL} for more", 30, "See…"),  # never inside the URL
    ("Tagged #OpenSourceCommunity here", 20, "Tagged…"),  # never inside a hashtag
    ("Ask @meimei@fosstodon.org today", 20, "Ask…"),  # never inside a mention
    (
        "开源社国际接轨组致力于连接中国与全球开源社区。推动跨地域交流。",
        25,
        "开源社国际接轨组致力于连接中国与全球开源社区。",
    ),
    ("开源社国际接轨组致力于连接中国与全球开源社区", 10, "开源社国际接轨组致…"),
    ("Unbreakable", 5, None),
]


@pytest.mark.parametrize(("text", "limit", "expected"), SHORTEN)
def test_shortening_at_sentence_or_word_boundaries(
    text: str, limit: int, expected: str | None
) -> None:
    result = shorten(text, lambda s: len(s) <= limit)
    assert result == expected
    if result is not None:
        assert len(result) <= limit


def _config(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "transpub.toml"
    path.write_text(
        '[linkedin]\nmentions = ["Li Lei = urn:li:person:AbC123"]\n'
        '[mastodon]\nmentions = ["Han Meimei = @meimei@fosstodon.org"]\n' + extra,
        encoding="utf-8",
    )
    return load_config(path)


def _content(**changes: object) -> PostContent:
    values: dict[str, object] = {
        "slug": "plan",
        "title": "2025-26 Work Plan (draft #2)",
        "summary": "The group connects China with the global open source community. "
        "It supports members at international conferences.",
        "url": URL,
        "zh_title": "2025-26 国际接轨组工作计划",
        "zh_summary": "开源社国际接轨组致力于连接中国与全球开源社区。我们支持成员参与国际会议。",
        "zh_url": ZH_URL,
        "translators": ("Li Lei", "Zhang Wei"),
        "reviewers": ("Han Meimei",),
        "hashtags": ("OpenSource", "KaiYuanShe"),
    }
    values.update(changes)
    return PostContent(**values)  # type: ignore[arg-type]


def test_linkedin_post_escapes_values_mentions_and_tags(tmp_path: Path) -> None:
    channel = create_channel("linkedin", _config(tmp_path), {}, tmp_path)
    post = channel.compose(_content(), ("en",), "linkedin")
    assert post.text.splitlines()[0] == "2025-26 Work Plan \\(draft \\#2\\)"
    assert (
        "Translated by @[Li Lei](urn:li:person:AbC123), Zhang Wei · Reviewed by Han Meimei"
        in post.text
    )
    assert post.text.endswith("{hashtag|\\#|OpenSource} {hashtag|\\#|KaiYuanShe}")
    assert f"Chinese original: {escape_linkedin(ZH_URL)}" in post.text
    assert post.card is not None and post.card.url == URL and post.limit == 3000
    assert post.length == len(post.text) and post.language == "en"


def test_mastodon_mentions_by_account_and_counts_urls_as_23(tmp_path: Path) -> None:
    channel = create_channel("mastodon", _config(tmp_path), {}, tmp_path)
    post = channel.compose(_content(), ("en",), "mastodon")
    assert "Reviewed by @meimei@fosstodon.org" in post.text
    assert "(draft #2)" in post.text  # nothing to escape on Mastodon
    assert post.length == count_mastodon(post.text) < len(post.text)


@pytest.mark.parametrize(
    ("languages", "present", "absent"),
    [
        (("en",), ["Work Plan", "Translated by"], ["国际接轨组", "译者"]),
        (
            ("zh",),
            ["国际接轨组", "译者：Li Lei、Zhang Wei · 审校：Han Meimei", ZH_URL],
            ["Translated by", URL],
        ),
        # Both languages: the card carries the English page, the text the Chinese one.
        (("en", "zh"), ["Work Plan", "国际接轨组", "Translated by", "译者", ZH_URL], [URL]),
    ],
)
def test_bilingual_variants(
    tmp_path: Path, languages: tuple[str, ...], present: list[str], absent: list[str]
) -> None:
    channel = create_channel("bluesky", _config(tmp_path), {}, tmp_path)
    post = channel.compose(_content(), languages, "bluesky")
    for text in present:
        assert text in post.text
    for text in absent:
        assert text not in post.text
    assert post.length <= 300
    assert post.language == ("zh" if languages == ("zh",) else "en")


def test_the_same_people_translating_and_reviewing_are_named_once(tmp_path: Path) -> None:
    channel = create_channel("mastodon", _config(tmp_path), {}, tmp_path)
    team = _content(translators=("Ted Liu",), reviewers=("Ted Liu",))
    text = channel.compose(team, ("en", "zh"), "mastodon").text
    assert "Translated and reviewed by Ted Liu" in text and "翻译与审校：Ted Liu" in text


def test_a_long_summary_is_shortened_to_the_limit_and_links_stay_whole(tmp_path: Path) -> None:
    channel = create_channel("bluesky", _config(tmp_path), {}, tmp_path)
    summary = " ".join(f"Sentence number {i} tells more about the plan." for i in range(30))
    post = channel.compose(_content(summary=summary), ("en",), "bluesky")
    assert post.length <= 300 < count_graphemes(summary)
    assert URL in post.text and "Sentence number 0" in post.text
    assert "#OpenSource" in post.text


def test_a_summary_shortened_to_a_stub_is_dropped(tmp_path: Path) -> None:
    channel = create_channel("bluesky", _config(tmp_path), {}, tmp_path)
    # Room for "The group…" only (10 graphemes): nothing is said rather than that.
    post = channel.compose(_content(title="T" * 130), ("en",), "bluesky")
    assert "The group" not in post.text and "…" not in post.text
    assert post.length <= 300


def test_a_post_whose_required_parts_do_not_fit_is_refused(tmp_path: Path) -> None:
    channel = create_channel("bluesky", _config(tmp_path), {}, tmp_path)
    with pytest.raises(CompositionError, match=r"does not fit .* take \d+ of 300 graphemes"):
        channel.compose(_content(title="Very long title " * 30), ("en",), "bluesky")


def test_a_project_template_overrides_the_builtin_one(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "channels"
    folder.mkdir(parents=True)
    (folder / "mastodon.j2").write_text("NEW: {{ title }} {{ url }}\n", encoding="utf-8")
    channel = create_channel("mastodon", _config(tmp_path), {}, tmp_path)
    assert channel.compose(_content(), ("en",), "mastodon").text == f"NEW: {_content().title} {URL}"


@pytest.mark.parametrize(
    ("markdown", "text"),
    [("**Bold** and [a link](https://x.org)", "Bold and a link"), ("`code` ~~old~~", "code old")],
)
def test_summaries_are_plain_text(markdown: str, text: str) -> None:
    assert plain(markdown) == text


def test_bad_channel_settings_are_refused(tmp_path: Path) -> None:
    from transpub.errors import ConfigError

    with pytest.raises(ConfigError, match="bilingual"):
        _config(tmp_path, '[channels]\nbilingual = "both"\n')
    path = tmp_path / "transpub.toml"
    path.write_text('[linkedin]\nmentions = ["Li Lei"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="Name = account"):
        load_config(path)
    path.write_text('[linkedin]\naccess_token = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="secrets never go"):
        load_config(path)
