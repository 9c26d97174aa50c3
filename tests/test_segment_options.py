"""What the segmenter offers depends on `[segment]`: HTML prose and nested front-matter keys."""

from __future__ import annotations

from conftest import CORPUS, DATA
from transpub.markdown.segmenter import SegmentOptions, segment


def test_html_prose_is_offered_by_default_and_switchable() -> None:
    text = (DATA / "html.md").read_text(encoding="utf-8")
    kinds = {u.kind for u in segment(text).units}
    assert "html text" in kinds
    off = segment(text, SegmentOptions(html_blocks=False))
    assert "html text" not in {u.kind for u in off.units}
    assert off.rebuild({}) == text


def test_nested_front_matter_keys_of_a_vitepress_home_page() -> None:
    text = (CORPUS / "report-2024" / "zh" / "index.md").read_text(encoding="utf-8")
    keys = (
        "hero.name",
        "hero.tagline",
        "hero.actions.*.text",
        "features.*.title",
        "features.*.details",
    )
    units = segment(text, SegmentOptions(front_matter_keys=keys)).units
    front = [u for u in units if u.kind.startswith("front matter")]
    assert [u.msgid for u in front][:3] == [
        "2024 中国开源年度报告",
        "开源社联合多家单位，纵横近十年对中国开源行业的综合性报告，每年发布一次",
        "立即阅读 2024 年度报告",
    ]
    assert {u.kind for u in front} >= {
        "front matter: features.0.title",
        "front matter: features.0.details",
    }
    translated = segment(text, SegmentOptions(front_matter_keys=keys)).rebuild(
        {u.msgid: f"EN: {u.msgid}" for u in front}
    )
    import yaml

    meta = yaml.safe_load(translated.split("---")[1])
    assert meta["hero"]["name"] == "EN: 2024 中国开源年度报告"
    assert meta["features"][0]["title"] == "EN: 开源社"
    assert meta["hero"]["actions"][0]["link"] == "/preface"  # untouched
