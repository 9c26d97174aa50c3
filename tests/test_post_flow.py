"""The post flow, run for real in the Prefect test harness: posts once, leaves an artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servers.mastodon_server import MastodonServer
from servers.social import running
from social_project import ENV, SLUG, channel_settings, make_project

pytestmark = pytest.mark.flow


def test_post_flow_posts_once_and_leaves_an_artifact(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact
    from prefect.blocks.system import Secret

    from flows.post import post_flow

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LINKEDIN_ACCESS_TOKEN")  # no token, no Secret block: a preview
    monkeypatch.delenv("MASTODON_ACCESS_TOKEN")  # the token is in a Prefect Secret block
    Secret(value=ENV["MASTODON_ACCESS_TOKEN"]).save("mastodon-access-token", overwrite=True)
    with running(MastodonServer()) as mastodon:
        make_project(tmp_path, channel_settings("http://127.0.0.1:9", mastodon.url, ""))
        first = post_flow(str(tmp_path), None, ["mastodon", "linkedin"])
        second = post_flow(str(tmp_path), None, ["mastodon"])
    assert [(o.key, o.status) for o in first] == [("mastodon", "posted"), ("linkedin", "preview")]
    assert [(o.key, o.status) for o in second] == [("mastodon", "already")]
    assert len(mastodon.statuses) == 1
    artifact = Artifact.get("posts")
    assert artifact is not None
    table = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    assert table == [
        {
            "article": SLUG,
            "post": "mastodon",
            "status": "already",
            "link": first[0].url,
            "length": "",
            "note": second[0].message,
        }
    ]
    assert ENV["MASTODON_ACCESS_TOKEN"] not in json.dumps(table)


def test_the_publish_flow_posts_what_it_published(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.publish import publish_flow
    from publishing import approved_project, site_toml
    from transpub.article import Project
    from transpub.publish.record import PublishRecord

    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", ENV["MASTODON_ACCESS_TOKEN"])
    with running(MastodonServer()) as mastodon:
        toml = site_toml(base_url="https://example.org") + (
            f'\n[channels]\nenabled = ["mastodon"]\n\n[mastodon]\napi_base_url = "{mastodon.url}"\n'
        )
        approved_project(tmp_path, toml=toml)
        publish_flow(str(tmp_path), dry_run=True)  # a dry run posts nothing
        assert not mastodon.statuses
        publish_flow(str(tmp_path))
        publish_flow(str(tmp_path))  # nothing new on the site, nothing posted twice
    (status,) = mastodon.statuses
    assert "https://example.org/en/report.html" in status["content"]
    record = PublishRecord.load(Project.open(tmp_path).article("report"))
    assert record.posts["mastodon"].url == status["url"]
