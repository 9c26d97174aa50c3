"""The recognise flow, run for real in a Prefect test harness: report files and the artifact."""

from __future__ import annotations

from pathlib import Path

import pytest

from transpub.article import Project
from transpub.credits import contributions
from transpub.credits.contributions import Action, credit

pytestmark = pytest.mark.flow


def test_recognise_flow_writes_the_report_and_an_artifact(
    prefect_harness: None, project_dir: Path
) -> None:
    from prefect.artifacts import Artifact

    from flows.recognise import recognise_flow

    (project_dir / "contributors.toml").write_text(
        '[[person]]\nhandle = "wangwu"\nname_en = "Wang Wu"\nconsent = true\n', encoding="utf-8"
    )
    project = Project.open(project_dir)
    records = []
    for i in range(10):
        at = f"2025-09-{1 + i:02d}T10:00:00Z"
        records += [
            credit("wangwu", Action.TRANSLATE, "plan", f"第{i}段。", "One line.", at),
            credit("li", Action.REVIEW, "plan", f"第{i}段。", "One line.", at[:11] + "11:00:00Z"),
        ]
    contributions.append(project, records)

    outcome = recognise_flow(str(project_dir), "2025-09")

    assert (outcome.period, outcome.people, outcome.promoted) == ("2025-09", 2, ["Wang Wu"])
    folder = project_dir / "reports" / "recognition" / "2025-09"
    assert outcome.files.folder == folder
    assert (folder / "report.html").is_file() and (folder / "charts" / "top.svg").is_file()
    artifact = Artifact.get("recognition-report")
    assert artifact is not None
    text = str(artifact.data)
    assert "# Recognition report 2025-09" in text
    assert "- **Wang Wu**: Translator (译者)" in text
    assert "reports/recognition/2025-09/report.html" in text
