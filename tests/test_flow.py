"""The translate flow, run for real in a Prefect test harness (a local ephemeral server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.deepl_server import DeepLServer

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


# -- runs with an engine: Failed states, billing across retries, Secret blocks ---------------

KEY = "flow-test-key-0000:fx"


@pytest.fixture
def deepl(monkeypatch: pytest.MonkeyPatch) -> Iterator[DeepLServer]:
    import deepl as client

    monkeypatch.setattr(client.http_client._BackoffTimer, "BACKOFF_INITIAL", 0.01)
    monkeypatch.setattr(client.http_client._BackoffTimer, "BACKOFF_MAX", 0.05)
    monkeypatch.setenv("DEEPL_AUTH_KEY", KEY)
    with DeepLServer(KEY) as server:
        monkeypatch.setenv("DEEPL_SERVER_URL", server.url)
        yield server


def _article(project_dir: Path, slug: str, paragraphs: int) -> None:
    body = "\n\n".join(f"{slug}第{i}段：开源社的活动。" for i in range(paragraphs))
    write_article(project_dir, slug, f"---\ntitle: {slug}标题\n---\n\n{body}\n")


def _run_state(project_dir: Path, engine: str = "deepl") -> Any:
    from flows.translate import translate_flow

    return translate_flow(str(project_dir), None, engine, return_state=True)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("wrong key", "DeepL refused the key while syncing the glossary"),
        ("503 at glossary sync", "DeepL answered 503 while syncing the glossary"),
        ("missing key", "set DEEPL_AUTH_KEY to your DeepL API key"),
    ],
)
def test_a_run_that_could_not_work_ends_failed_with_the_reason(
    prefect_harness: None,
    project_dir: Path,
    deepl: DeepLServer,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    reason: str,
) -> None:
    _article(project_dir, "events", 2)
    if fault == "wrong key":
        monkeypatch.setenv("DEEPL_AUTH_KEY", "not-the-key")
    elif fault == "missing key":
        monkeypatch.delenv("DEEPL_AUTH_KEY")
    else:
        deepl.fail_next(503, times=10, path="/v3/glossaries")
    state = _run_state(project_dir)
    assert state.is_failed()
    assert reason in (state.message or "")
    outcome = state.result(raise_on_failure=False)
    assert outcome.failures == [state.message] and outcome.runs == []
    assert KEY not in (state.message or "")


def test_a_failed_article_fails_the_run_and_the_others_finish(
    prefect_harness: None, project_dir: Path, deepl: DeepLServer
) -> None:
    _article(project_dir, "good", 2)
    write_article(project_dir, "broken", "---\ntitle: [未闭合\n---\n\n正文。\n")
    state = _run_state(project_dir)
    assert state.is_failed() and "broken" in (state.message or "")
    outcome = state.result(raise_on_failure=False)
    good = next(r for r in outcome.runs if r.slug == "good")
    assert good.failure is None and good.pretranslation.machine == 3
    [failure] = outcome.failures
    assert failure.startswith(str(project_dir / "articles" / "broken" / "zh.md"))


def test_a_failed_attempt_is_reported_as_billed_and_the_next_run_sends_the_rest(
    prefect_harness: None, project_dir: Path, deepl: DeepLServer
) -> None:
    from flows.translate import cost_rows

    with (project_dir / "transpub.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[deepl]\nmax_retries = 1\n")
    _article(project_dir, "events", 60)  # 61 texts: two batches
    deepl.fail_next(503, times=2, after=1)  # the second batch fails twice: the article stops
    state = _run_state(project_dir)
    assert state.is_failed() and "events" in (state.message or "")
    outcome = state.result(raise_on_failure=False)
    total = cost_rows(outcome)[-1]
    assert int(total["characters billed"]) == deepl.character_count
    assert int(total["requests"]) == len(deepl.requests_to("/v2/translate")) == 1 + 2
    assert int(total["failed"]) == 11
    assert outcome.account_characters == deepl.character_count
    state = _run_state(project_dir)  # the next run sends only what failed
    assert state.is_completed(), state.message
    total = cost_rows(state.result())[-1]
    assert int(total["machine drafts"]) == 11 and int(total["requests"]) == 1


def test_nothing_to_send_still_completes_the_progress(
    prefect_harness: None, project_dir: Path, deepl: DeepLServer
) -> None:
    from prefect.client.orchestration import get_client

    _article(project_dir, "events", 1)
    _run_state(project_dir)
    state = _run_state(project_dir)  # everything is in the engine cache: nothing sent
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    [progress] = [a for a in artifacts if a.type == "progress"]
    assert float(progress.data) == 100.0


def test_the_key_comes_from_a_prefect_secret_block(
    prefect_harness: None, deepl: DeepLServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    from transpub.config import Config, DeepLSettings
    from transpub.engines.base import Batch
    from transpub.engines.deepl import DeepLEngine
    from transpub.errors import EngineAuthError

    monkeypatch.delenv("DEEPL_AUTH_KEY")
    Secret(value=KEY).save("transpub-deepl-key", overwrite=True)
    config = Config(deepl=DeepLSettings(server_url=deepl.url, auth_key_block="transpub-deepl-key"))
    engine = DeepLEngine(config)
    engine.check_key()  # a named block is read at the first call, not before Prefect starts
    assert engine.call(Batch(["u1"], ["你好"])).texts == ["EN(你好)"]
    missing = DeepLEngine(
        Config(deepl=DeepLSettings(server_url=deepl.url, auth_key_block="no-such-block"))
    )
    with pytest.raises(EngineAuthError, match=r"Secret block 'no-such-block'.*cannot be read"):
        missing.call(Batch(["u1"], ["你好"]))


def test_runs_sharing_a_prefect_server_take_turns(prefect_harness: None, project_dir: Path) -> None:
    """Across machines: a Prefect global concurrency limit per engine account and project."""
    import threading

    from prefect.client.orchestration import get_client

    from flows.translate import account_limit, limit_name
    from transpub.article import Project

    project = Project.open(project_dir)
    order: list[str] = []
    said: list[str] = []
    told = threading.Event()

    def other_machine() -> None:
        def on_wait(message: str) -> None:
            said.append(message)
            told.set()

        with account_limit(project, "deepl-0123", on_wait=on_wait):
            order.append("second")

    with account_limit(project, "deepl-0123"):
        thread = threading.Thread(target=other_machine)
        thread.start()
        assert told.wait(120)
        order.append("first")
    thread.join(120)
    assert order == ["first", "second"]
    name = limit_name(project, "deepl-0123")
    assert name == "transpub-translate-test-project-deepl-0123" and name in said[0]
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert (limit.limit, limit.active_slots) == (1, 0)
