"""A real VitePress build of a published pair: both languages' HTML, credits, links, images."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlparse

import lxml.html

from conftest import ROOT
from publishing import PNG, approved_project
from transpub.publish.site import Action, publish

SITES = ROOT / "tests" / "sites"
VITEPRESS = SITES / "node_modules" / "vitepress" / "bin" / "vitepress.js"


def _resolve(dist: Path, page: str, href: str) -> Path:
    """The built file a link of ``page`` (a path under dist) leads to."""
    path = urlparse(urljoin(f"http://site/{page}", href)).path.lstrip("/")
    return dist / (path + "index.html" if path.endswith("/") or not path else path)


def test_vitepress_builds_the_published_pair(tmp_path: Path) -> None:
    assert VITEPRESS.is_file(), "VitePress is missing: run `npm ci --prefix tests/sites`"
    project, _ = approved_project(tmp_path)
    [result] = publish(project).results
    assert result.action is Action.PUBLISHED
    site = tmp_path / "site"
    (site / ".vitepress").mkdir()
    shutil.copy(SITES / "vitepress" / "config.mjs", site / ".vitepress" / "config.mjs")
    (site / "node_modules").symlink_to(SITES / "node_modules")
    build = subprocess.run(
        ["node", str(VITEPRESS), "build", str(site)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    dist = site / ".vitepress" / "dist"
    pages = {"en": "en/report.html", "zh": "report.html"}
    html = {lang: lxml.html.parse(str(dist / page)).getroot() for lang, page in pages.items()}

    assert html["en"].get("lang") == "en-US" and html["zh"].get("lang") == "zh-CN"
    assert html["en"].findtext(".//title").startswith("KAIYUANSHE Annual Report")
    assert html["zh"].findtext(".//title").startswith("开源社年度报告")
    assert html["en"].xpath("string(//h1)").startswith("KAIYUANSHE 2024")

    [credit] = [e for e in html["en"].iter("em") if "Translated by" in e.text_content()]
    assert " ".join(credit.text_content().split()) == (
        "Translated by Han Mei and Li Lei · Reviewed by Chen Jie and Zhao Min · "
        "Edited by Wang Fang · Original: 开源社年度报告"
    )
    [original] = credit.iter("a")
    assert _resolve(dist, pages["en"], original.get("href")) == dist / pages["zh"]
    [back] = [e for e in html["zh"].iter("em") if "English version" in e.text_content()]
    assert _resolve(dist, pages["zh"], back.find(".//a").get("href")) == dist / pages["en"]

    # the theme's language menu links each page to the other language
    for lang, other in (("en", "zh"), ("zh", "en")):
        targets = {_resolve(dist, pages[lang], a.get("href")) for a in html[lang].iter("a")}
        assert dist / pages[other] in targets

    for lang in ("en", "zh"):
        [img] = html[lang].xpath("//main//img")
        assert _resolve(dist, pages[lang], img.get("src")).read_bytes() == PNG
    assert html["en"].xpath("//main//img/@alt") == ["Community photo"]
