"""`transpub check`: findings per article and entry, kept beside the catalog, errors exit 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_review
from transpub.catalog.sync import sync_article
from transpub.checks.report import FINDINGS_NAME, blocking_errors, load_report
from transpub.cli import main

SOURCE = "---\ntitle: 开源社简介\n---\n\n开源社成立于 2014 年。\n\n参加 KubeCon 大会。\n"


@pytest.fixture
def project(project_dir: Path) -> Project:
    (project_dir / "glossary").mkdir()
    shutil.copy(ROOT / "glossary" / "glossary.csv", project_dir / "glossary" / "glossary.csv")
    write_article(project_dir, "intro", SOURCE)
    project = Project.open(project_dir)
    sync_article(project, project.article("intro"))
    return project


def _translate(project: Project, texts: dict[str, str], flags: tuple[str, ...] = ()) -> None:
    article = project.article("intro")
    po = pofile.load(article.catalog)
    for msgid, text in texts.items():
        entry = po.find(msgid)
        record_review(entry, "李四", text)
        entry.flags.extend(flags)
    pofile.save(po, article.catalog)


GOOD = {
    "开源社简介": "About KAIYUANSHE",
    "开源社成立于 2014 年。": "KAIYUANSHE was founded in 2014.",
    "参加 KubeCon 大会。": "Attend KubeCon.",
}


def test_errors_exit_1_with_file_line_and_check(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _translate(project, {**GOOD, "开源社成立于 2014 年。": "The Open Source Society was founded."})
    assert main(["-C", str(project.root), "check"]) == 1
    out = capsys.readouterr().out
    assert "articles/intro/zh.md:5: error: [glossary-term]" in out
    assert "[forbidden-term] 'Open Source Society' must not be used for '开源社'" in out
    assert "[numbers]" in out  # 2014 is missing: a warning
    report = json.loads((project.root / "articles" / "intro" / FINDINGS_NAME).read_text("utf-8"))
    assert report["errors"] == 2 and report["translation_hash"]


def test_a_clean_translation_exits_0_and_json_lists_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _translate(project, GOOD)
    assert main(["-C", str(project.root), "check", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == [{"slug": "intro", "errors": 0, "warnings": 0, "findings": []}]


def test_ignore_flag_silences_one_check_on_one_entry(project: Project) -> None:
    _translate(
        project,
        {**GOOD, "参加 KubeCon 大会。": "Attend the conference."},
        flags=("ignore-do-not-translate",),
    )
    assert main(["-C", str(project.root), "check"]) == 0


def test_blocking_errors_are_recomputed_when_the_translation_changed(project: Project) -> None:
    article = project.article("intro")
    _translate(project, GOOD)
    assert main(["-C", str(project.root), "check"]) == 0
    assert load_report(article) is not None and blocking_errors(project, article) == []
    _translate(project, {"参加 KubeCon 大会。": "Attend Kubecon."})  # the saved report is stale
    errors = blocking_errors(project, article)
    assert [e.check for e in errors] == ["do-not-translate"]
