"""Posting through the real clients (linkedin-api-client, Mastodon.py, atproto) to stand-in
servers on 127.0.0.1: each post once, recorded; errors one line each; nothing recorded as posted
that was not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import bluesky_server, linkedin_server
from servers.bluesky_server import BlueskyServer
from servers.linkedin_server import LinkedInServer
from servers.mastodon_server import MastodonServer
from servers.social import running
from social_project import ENV, SLUG, URL, ZH_URL, channel_settings, make_project

from transpub.article import Project
from transpub.publish.channels import create_channel
from transpub.publish.channels.posting import PostOutcome, post_articles
from transpub.publish.record import PublishRecord


@dataclass
class Setup:
    project: Project
    linkedin: LinkedInServer
    mastodon: MastodonServer
    bluesky: BlueskyServer

    def post(
        self, *channels: str, env: dict[str, str] | None = None, **kw: object
    ) -> dict[str, PostOutcome]:
        outcomes = post_articles(
            self.project,
            None,
            list(channels) or None,
            env=ENV if env is None else env,
            **kw,  # type: ignore[arg-type]
        )
        return {o.key: o for o in outcomes}

    def record(self) -> PublishRecord:
        return PublishRecord.load(self.project.article(SLUG))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with (
        running(LinkedInServer()) as li,
        running(MastodonServer()) as ma,
        running(BlueskyServer()) as bs,
    ):
        project = make_project(tmp_path, channel_settings(li.url, ma.url, bs.url))  # type: ignore[attr-defined]
        yield Setup(project, li, ma, bs)  # type: ignore[arg-type]


def test_each_channel_posts_once_and_records_it(setup: Setup) -> None:
    first = setup.post()
    assert {k: o.status for k, o in first.items()} == {
        "linkedin": "posted",
        "mastodon": "posted",
        "bluesky": "posted",
    }
    # LinkedIn: an article share with the thumbnail uploaded through the Images API.
    (entity,) = setup.linkedin.posts
    assert entity["author"] == "urn:li:organization:2414183"
    article = entity["content"]["article"]
    assert article["source"] == URL
    assert article["title"] == "2025-26 International Liaison Group Work Plan"
    assert article["thumbnail"] == "urn:li:image:C4E10AQ1"
    assert next(iter(setup.linkedin.uploads.values())).startswith(b"\x89PNG")
    assert setup.linkedin.seen("post")[0].headers["linkedin-version"] == "202510"
    commentary = entity["commentary"]
    assert "\\(including the localisation of OSAID & MOF\\)" in commentary
    assert "@[Li Lei](urn:li:person:AbC123xyz)" in commentary
    assert "{hashtag|\\#|OpenSource}" in commentary
    # Mastodon: language en, an idempotency key, the mention of a contributor who gave one.
    (status,) = setup.mastodon.statuses
    assert status["language"] == "en"
    assert "@meimei@fosstodon.org" in status["content"]
    assert setup.mastodon.seen("post")[0].headers["idempotency-key"]
    # Bluesky: a link card with its thumbnail blob, link facets on the URL.
    (record,) = setup.bluesky.records.values()
    external = record["embed"]["external"]
    assert external["uri"] == URL and external["thumb"]["ref"]["$link"] == bluesky_server.BLOB_CID
    assert record["langs"] == ["en"]
    links = [f["features"][0] for f in record["facets"] if "uri" in f["features"][0]]
    assert links == [{"$type": "app.bsky.richtext.facet#link", "uri": URL}]
    # The record holds each post, with its id and URL.
    posts = setup.record().posts
    assert posts["linkedin"].status == "posted"
    assert posts["linkedin"].post_id == "urn:li:share:7000000000000000001"
    assert posts["mastodon"].url.endswith("/@kaiyuanshe/1")
    assert posts["bluesky"].url.startswith("https://bsky.app/profile/kaiyuanshe.test/post/")
    # A re-run posts nothing.
    again = setup.post()
    assert {o.status for o in again.values()} == {"already"}
    assert len(setup.linkedin.posts) == len(setup.mastodon.statuses) == 1
    assert len(setup.bluesky.records) == 1


def test_preview_without_tokens_or_with_dry_run_sends_and_writes_nothing(setup: Setup) -> None:
    record_file = setup.project.article(SLUG).folder / "publish.json"
    before = record_file.read_bytes()
    for outcomes in (setup.post(env={}), setup.post(dry_run=True)):
        assert {o.status for o in outcomes.values()} == {"preview"}
        assert outcomes["mastodon"].post is not None
        assert URL in outcomes["mastodon"].post.text
    assert "MASTODON_ACCESS_TOKEN is not set" in setup.post(env={})["mastodon"].message
    assert record_file.read_bytes() == before
    assert not setup.linkedin.seen("post") and not setup.mastodon.seen("post")
    assert not setup.bluesky.seen("post")


def test_separate_bilingual_posts_are_two_records(setup: Setup, tmp_path: Path) -> None:
    toml = setup.project.root / "transpub.toml"
    toml.write_text(toml.read_text().replace('bilingual = "en"', 'bilingual = "separate"'))
    project = Project.open(setup.project.root)
    outcomes = {o.key: o for o in post_articles(project, None, ["mastodon"], env=ENV)}
    assert set(outcomes) == {"mastodon", "mastodon:zh"}
    zh = [s for s in setup.mastodon.statuses if s["language"] == "zh"]
    assert len(zh) == 1 and ZH_URL in zh[0]["content"] and "译者" in zh[0]["content"]
    assert setup.record().posts["mastodon:zh"].language == "zh"


def test_an_unpublished_article_is_not_posted(tmp_path: Path) -> None:
    project = make_project(tmp_path, channel_settings("http://127.0.0.1:9"), published=False)
    (outcome,) = post_articles(project, None, ["linkedin"], env=ENV)
    assert outcome.status == "skipped" and "not published" in outcome.message


def test_a_page_without_a_public_url_is_not_posted_and_says_what_to_set(tmp_path: Path) -> None:
    project = make_project(tmp_path, channel_settings("http://127.0.0.1:9"))
    article = project.article(SLUG)
    record = PublishRecord.load(article)
    for site in record.site.values():
        site.url = site.zh_url = ""  # published before [site] base_url was set
    record.save(article)
    (outcome,) = post_articles(project, None, ["linkedin"], env=ENV)
    assert outcome.status == "skipped" and "no public URL" in outcome.message
    assert "[site] base_url" in outcome.message and "transpub publish" in outcome.message


def test_refused_token_is_one_line_naming_the_variable_and_records_nothing(setup: Setup) -> None:
    setup.linkedin.fail("post", 401)
    setup.mastodon.fail("post", 401)
    outcomes = setup.post("linkedin", "mastodon")
    assert outcomes["linkedin"].status == "failed"
    assert "LINKEDIN_ACCESS_TOKEN" in outcomes["linkedin"].message
    assert "MASTODON_ACCESS_TOKEN" in outcomes["mastodon"].message
    assert all("\n" not in o.message for o in outcomes.values())
    assert linkedin_server.TOKEN not in json.dumps([o.message for o in outcomes.values()])
    assert setup.record().posts == {}
    bad = dict(ENV, BLUESKY_APP_PASSWORD="wrong")
    failed = setup.post("bluesky", env=bad)["bluesky"]
    assert failed.status == "failed" and "BLUESKY_APP_PASSWORD" in failed.message
    assert setup.record().posts == {}


def test_retired_linkedin_version_names_the_setting(setup: Setup) -> None:
    setup.linkedin.versions = {"202601"}
    outcome = setup.post("linkedin")["linkedin"]
    assert outcome.status == "failed"
    assert "retired API version 202510 (426)" in outcome.message
    assert "[linkedin] version" in outcome.message
    assert setup.record().posts == {}


def test_rate_limits_and_server_errors_are_retried(setup: Setup) -> None:
    setup.linkedin.fail("post", 429, 429)
    setup.mastodon.fail("post", 503, 429)
    setup.bluesky.fail("post", 500)
    outcomes = setup.post()
    assert {o.status for o in outcomes.values()} == {"posted"}
    assert len(setup.linkedin.seen("post")) == 3 and len(setup.linkedin.posts) == 1
    keys = {r.headers["idempotency-key"] for r in setup.mastodon.seen("post")}
    assert len(setup.mastodon.seen("post")) == 3 and len(keys) == 1
    assert len(setup.bluesky.records) == 1


def test_rate_limit_outlasting_the_retries_fails_and_may_run_again(setup: Setup) -> None:
    setup.mastodon.fail("post", 429, 429, 429, 429)
    outcome = setup.post("mastodon")["mastodon"]
    assert outcome.status == "failed" and "429" in outcome.message
    assert setup.record().posts == {}
    assert setup.post("mastodon")["mastodon"].status == "posted"


def test_linkedin_5xx_on_the_post_waits_for_an_editor(setup: Setup) -> None:
    setup.linkedin.fail("post", 500)
    outcome = setup.post("linkedin")["linkedin"]
    assert outcome.status == "waiting" and "may exist" in outcome.message
    assert setup.record().posts["linkedin"].status == "intent"
    again = setup.post("linkedin")["linkedin"]
    assert again.status == "waiting" and "--confirm" in again.message
    assert len(setup.linkedin.seen("post")) == 1  # never sent again by itself
    retried = setup.post("linkedin", retry=True)["linkedin"]
    assert retried.status == "posted" and len(setup.linkedin.posts) == 1


def test_an_editor_confirms_an_intent_with_the_post_url(setup: Setup) -> None:
    setup.linkedin.fail("post", 502)
    setup.post("linkedin")
    url = "https://www.linkedin.com/feed/update/urn:li:share:1/"
    outcome = setup.post("linkedin", confirm=url)["linkedin"]
    assert outcome.status == "confirmed"
    entry = setup.record().posts["linkedin"]
    assert (entry.status, entry.url) == ("posted", url)
    assert setup.post("linkedin")["linkedin"].status == "already"


def test_bluesky_retry_after_a_lost_answer_finds_the_record(setup: Setup) -> None:
    setup.bluesky.fail("post", 502)  # atproto raises NetworkError for 502: retried
    assert setup.post("bluesky")["bluesky"].status == "posted"
    assert len(setup.bluesky.records) == 1


def test_channels_check_shows_account_and_token_validity(setup: Setup) -> None:
    config = setup.project.config
    linkedin = create_channel("linkedin", config, ENV).check()
    assert linkedin.ready and "KaiYuanShe" in linkedin.account
    assert "expires" in linkedin.token and "in 4" in linkedin.token
    mastodon = create_channel("mastodon", config, ENV).check()
    assert mastodon.account.startswith("@kaiyuanshe") and "limit 500" in mastodon.token
    bluesky = create_channel("bluesky", config, ENV).check()
    assert bluesky.account.startswith("@kaiyuanshe.test") and bluesky.ready
    revoked = create_channel("linkedin", config, dict(ENV, LINKEDIN_ACCESS_TOKEN="x"))
    with pytest.raises(Exception, match="LINKEDIN_ACCESS_TOKEN"):
        revoked.check()
