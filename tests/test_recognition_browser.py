"""The HTML recognition report in a real browser: Debian's headless Chromium via Playwright,
opened from the file with the network cut off (it must need nothing from outside)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM

from conftest import ROOT
from transpub.article import Project
from transpub.credits import contributions
from transpub.credits.contributions import Action, credit
from transpub.credits.report import recognise, write_report
from transpub.credits.tally import parse_period

SHOTS = ROOT / "tests" / "output" / "recognition"
REGISTRY = """\
[[person]]
handle = "wangwu"
name_zh = "王五"
name_en = "Wang Wu"
consent = true

[[person]]
handle = "li"
name_zh = "李四"
name_en = "Li Si"
consent = true
"""


def test_the_html_report_renders_offline_with_its_charts(project_dir: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    (project_dir / "contributors.toml").write_text(REGISTRY, encoding="utf-8")
    project = Project.open(project_dir)
    records = []
    for i in range(30):
        at = f"2025-{7 + i % 3:02d}-{1 + i:02d}T10:00:00Z"
        records.append(credit("Wang Wu", Action.TRANSLATE, "plan", f"第{i}段。", "One line.", at))
        records.append(
            credit("李四", Action.REVIEW, "plan", f"第{i}段。", "One line.", at[:11] + "11:00:00Z")
        )
    contributions.append(project, sorted(records, key=lambda r: r.at))
    files = write_report(project, recognise(project, parse_period("2025-Q3")))

    SHOTS.mkdir(parents=True, exist_ok=True)
    remote: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith("file:")
                    else (remote.append(route.request.url), route.abort())
                ),
            )
            page.goto(files.html.as_uri())
            assert page.title().startswith("Recognition report 2025-Q3")
            assert page.locator("#promoted li").first.inner_text().startswith("Wang Wu")
            rows = page.locator("#contributors tbody tr")
            assert rows.count() == 2
            for name in ("monthly", "top", "progress"):
                box = page.locator(f"#chart-{name} svg").bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 100, name
            page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert remote == []  # self-contained: nothing fetched from anywhere
    assert (SHOTS / "report.png").stat().st_size > 10_000
