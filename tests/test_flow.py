"""The translate flow, run for real in a Prefect test harness (a local ephemeral server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write_article

pytestmark = pytest.mark.flow


def test_translate_flow_syncs_articles_and_publishes_the_queue(
    prefect_harness: None, project_dir: Path
) -> None:
    from prefect.artifacts import Artifact

    from flows.translate import translate

    write_article(project_dir, "good", "---\ntitle: 好文章\n---\n\n# 好文章\n\n第一段。\n")
    write_article(project_dir, "no-title", "---\nauthor: 某人\n---\n\n正文。\n")
    outcome = translate(str(project_dir))

    assert [r.slug for r in outcome.rows] == ["good", "no-title"]
    assert outcome.rows[0].counts.untranslated == 2  # "好文章" shared by title and heading
    assert (project_dir / "articles" / "good" / "en.po").is_file()
    assert not (project_dir / "articles" / "no-title" / "en.po").exists()
    assert len(outcome.failures) == 1 and "no-title" in outcome.failures[0]
    assert "title" in outcome.failures[0]

    artifact = Artifact.get("review-queue")
    assert artifact is not None
    table = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    assert table[0]["article"] == "good"
    assert table[-1]["article"] == "total"


def test_the_deployment_file_points_at_the_flow() -> None:
    import importlib

    import yaml

    from conftest import ROOT

    spec = yaml.safe_load((ROOT / "flows" / "prefect.yaml").read_text(encoding="utf-8"))
    names = []
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow_object = getattr(module, name)
        assert deployment["name"].startswith(flow_object.name)
        assert set(deployment["parameters"]) <= set(flow_object.parameters.properties)
        names.append(deployment["name"])
    assert {"translate", "publish", "post", "recognise-monthly"} <= set(names)


def test_publish_flow_publishes_and_leaves_a_markdown_artifact(
    prefect_harness: None, tmp_path: Path
) -> None:
    from prefect.artifacts import Artifact

    from flows.publish import publish_flow
    from publishing import approved_project, site_toml
    from transpub.publish.site import Action

    approved_project(tmp_path, toml=site_toml(base_url="https://example.org"))
    dry = publish_flow(str(tmp_path), dry_run=True)
    assert [r.action for r in dry.results] == [Action.PUBLISHED] and dry.writes == 0
    assert not (tmp_path / "site").exists()
    run = publish_flow(str(tmp_path), ["report"])
    assert (tmp_path / "site" / "en" / "report.md").is_file()
    assert run.writes == 4  # two pages, the image beside each
    artifact = Artifact.get("publish")
    assert artifact is not None
    assert "[en/report.md](https://example.org/en/report.html)" in str(artifact.data)
    assert "| report | published |" in str(artifact.data)
