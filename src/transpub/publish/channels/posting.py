"""Posting published articles to the channels, each post once, recorded in the publish record.

Never twice: before a post is sent its intent (channel, text hash, time) is written to
``articles/<slug>/publish.json``; after the network answers, the intent becomes a post with its
id and URL. A re-run skips what is posted. An intent without a result (a crash, or a failure
after which the post may exist) is never sent again by itself: it waits for an editor to
``confirm`` it (with the post's URL) or ``retry`` it. A refusal that surely posted nothing
(401, 403, 426, 429 after the retries, a post that does not fit) removes the intent.
Only articles with a site publication (a page to link to) are posted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from transpub.article import Article, Project
from transpub.errors import TranspubError
from transpub.publish.channels.base import Channel, ChannelError, Post
from transpub.publish.channels.compose import PostContent, article_content
from transpub.publish.channels.registry import create_channel
from transpub.publish.record import PostRecord, PublishRecord, SitePublication

#: What happened to one planned post.
STATUSES = ("preview", "posted", "already", "waiting", "confirmed", "skipped", "failed")


@dataclass
class PostOutcome:
    """One planned post and what became of it (``status`` is one of ``STATUSES``)."""

    slug: str
    channel: str
    key: str
    status: str
    post: Post | None = None
    url: str = ""
    message: str = ""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def post_keys(channel_id: str, bilingual: str) -> list[tuple[str, tuple[str, ...]]]:
    """The posts a channel makes per article: (record key, languages)."""
    if bilingual == "combined":
        return [(channel_id, ("en", "zh"))]
    if bilingual == "separate":
        return [(channel_id, ("en",)), (f"{channel_id}:zh", ("zh",))]
    return [(channel_id, ("en",))]


def site_publication(project: Project, record: PublishRecord) -> SitePublication | None:
    """The site page the posts link to (``[channels] site``, else the first target)."""
    wanted = project.config.channels.site
    if wanted:
        return record.site.get(wanted)
    return record.site[min(record.site)] if record.site else None


def _update(article: Article, change: Callable[[PublishRecord], None]) -> PublishRecord:
    """Load, change and save the record under the article's lock."""
    from transpub.review.actions import article_lock

    with article_lock(article):
        record = PublishRecord.load(article)
        change(record)
        record.save(article)
        return record


def send_once(article: Article, channel: Channel, post: Post, at: str | None = None) -> PostOutcome:
    """Record the intent, send, record the result: at most one post per key, ever."""
    at = at or utc_now()
    outcome = PostOutcome(article.slug, channel.channel_id, post.key, "posted", post)
    taken: list[PostRecord] = []

    def intend(record: PublishRecord) -> None:
        if post.key in record.posts:
            taken.append(record.posts[post.key])
            return
        record.posts[post.key] = PostRecord(
            channel.channel_id, "intent", "", "", post.text_hash, at, post.language
        )

    _update(article, intend)
    if taken:  # another run got there first
        outcome.status = "already" if taken[0].status == "posted" else "waiting"
        outcome.url = taken[0].url
        return outcome
    try:
        sent = channel.send(post, at)
    except ChannelError as exc:
        outcome.message = str(exc)
        if exc.maybe_sent:
            outcome.status = "waiting"
            return outcome
        _update(article, lambda record: _drop(record, post.key))
        outcome.status = "failed"
        return outcome

    def done(record: PublishRecord) -> None:
        record.posts[post.key] = PostRecord(
            channel.channel_id, "posted", sent.post_id, sent.url, post.text_hash, at, post.language
        )

    _update(article, done)
    outcome.url = sent.url
    return outcome


def _drop(record: PublishRecord, key: str) -> None:
    record.posts.pop(key, None)


def confirm_post(article: Article, key: str, url: str) -> PostRecord:
    """An editor's word that the intent under ``key`` was posted at ``url``."""

    def confirm(record: PublishRecord) -> None:
        entry = record.posts.get(key)
        if entry is None or entry.status != "intent":
            raise TranspubError(
                f"{article.slug}: no post of {key!r} waits for confirmation",
                path=PublishRecord.path(article),
                hint="see `transpub post --dry-run` for each post's state",
            )
        entry.status, entry.url, entry.post_id = "posted", url, entry.post_id or url

    return _update(article, confirm).posts[key]


def forget_intent(article: Article, key: str) -> str:
    """An editor's word that the intent under ``key`` did not post: it may be sent again.

    Returns the intent's time: a retry sends under it, so Mastodon's idempotency key and
    Bluesky's record key are those of the first attempt (a post that did land is not repeated).
    """
    times: list[str] = []

    def forget(record: PublishRecord) -> None:
        entry = record.posts.get(key)
        if entry is None or entry.status != "intent":
            raise TranspubError(
                f"{article.slug}: no post of {key!r} waits for a retry",
                path=PublishRecord.path(article),
                hint="a posted entry is never sent again",
            )
        times.append(entry.at)
        del record.posts[key]

    _update(article, forget)
    return times[0]


def post_article(
    project: Project,
    article: Article,
    channels: list[Channel],
    *,
    dry_run: bool = False,
    confirm: str | None = None,
    retry: bool = False,
) -> list[PostOutcome]:
    """Compose (and unless ``dry_run`` or without credentials, send) an article's posts.

    ``confirm`` (a post URL) or ``retry`` resolve intents left without a result.
    """
    from transpub.publish.credits import article_credits

    record = PublishRecord.load(article)
    site = site_publication(project, record)
    if site is None or not site.url:
        why = (
            "not published to the site yet (run `transpub publish`)"
            if site is None
            else "its page has no public URL (set [site] base_url in transpub.toml, then run "
            "`transpub publish` again)"
        )
        return [
            PostOutcome(article.slug, c.channel_id, c.channel_id, "skipped", message=why)
            for c in channels
        ]
    content = article_content(project, article, site, article_credits(project, article))
    jobs = [
        (channel, key, languages)
        for channel in channels
        for key, languages in post_keys(channel.channel_id, project.config.channels.bilingual)
    ]

    def run(job: tuple[Channel, str, tuple[str, ...]]) -> PostOutcome:
        channel, key, languages = job
        return _post_one(article, record, content, channel, key, languages, dry_run, confirm, retry)

    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:  # channels in parallel
        return list(pool.map(run, jobs))


def _post_one(
    article: Article,
    record: PublishRecord,
    content: PostContent,
    channel: Channel,
    key: str,
    languages: tuple[str, ...],
    dry_run: bool,
    confirm: str | None,
    retry: bool,
) -> PostOutcome:
    outcome = PostOutcome(article.slug, channel.channel_id, key, "preview")
    existing = record.posts.get(key)
    retry_at = None
    if (confirm or retry) and (existing is None or existing.status != "intent"):
        what = "confirm" if confirm else "retry"
        outcome.status = "skipped"
        outcome.message = f"nothing to {what}: no attempt of {key} is waiting for a result" + (
            f" (posted {existing.at})" if existing is not None else ""
        )
        outcome.url = existing.url if existing is not None else ""
        return outcome
    if existing is not None and existing.status == "intent" and not dry_run:
        if confirm:
            outcome.url = confirm_post(article, key, confirm).url
            outcome.status = "confirmed"
            return outcome
        if retry:
            retry_at = forget_intent(article, key)
            existing = None
    if existing is not None:
        outcome.url = existing.url
        if existing.status == "posted":
            outcome.status, outcome.message = "already", f"posted {existing.at}"
        else:
            outcome.status = "waiting"
            outcome.message = (
                f"an attempt at {existing.at} left no result; look at {channel.name}, then "
                f"`transpub post {article.slug} --channel {channel.channel_id} --confirm URL` "
                "or `--retry`"
            )
        return outcome
    try:
        outcome.post = channel.compose(content, languages, key)
    except ChannelError as exc:
        outcome.status, outcome.message = "failed", str(exc)
        return outcome
    missing = channel.missing_credentials()
    if dry_run or missing:
        outcome.message = "dry run" if dry_run else f"preview: {missing} is not set"
        return outcome
    return send_once(article, channel, outcome.post, retry_at)


def post_articles(
    project: Project,
    slugs: list[str] | None = None,
    channel_ids: list[str] | None = None,
    *,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    confirm: str | None = None,
    retry: bool = False,
) -> list[PostOutcome]:
    """Post every selected published article to every selected channel (default: the enabled
    ones of ``[channels] enabled``; a dry run with none enabled previews every known channel).
    Secrets come from ``env`` (default: the environment)."""
    from transpub.publish.channels.registry import channel_ids as known_channels

    ids = channel_ids or list(project.config.channels.enabled)
    if not ids and dry_run:
        ids = known_channels()
    if not ids:
        raise TranspubError(
            "no channel selected",
            path=project.config.path,
            hint='set [channels] enabled = ["linkedin", …] in transpub.toml, pass --channel, '
            "or preview every channel with --dry-run",
        )
    environment = os.environ if env is None else env
    channels = [create_channel(c, project.config, environment, project.root) for c in ids]
    outcomes: list[PostOutcome] = []
    for article in project.select(slugs):
        try:
            outcomes.extend(
                post_article(
                    project, article, channels, dry_run=dry_run, confirm=confirm, retry=retry
                )
            )
        except TranspubError as exc:  # a broken catalog or record stops its article only
            outcomes.append(PostOutcome(article.slug, "", "", "failed", message=str(exc)))
    return outcomes


def format_outcome(outcome: PostOutcome) -> str:
    """A post as the preview shows it: header, text, length against the limit, card fields."""
    head = " · ".join(x for x in (f"== {outcome.slug}", outcome.key, outcome.status) if x)
    if outcome.message:
        head += f" ({outcome.message})"
    lines = [head]
    if outcome.url:
        lines.append(f"url: {outcome.url}")
    post = outcome.post
    if post is not None and outcome.status in ("preview", "posted", "failed", "waiting"):
        lines += ["", post.text, "", f"length: {post.length} / {post.limit}"]
        if post.card is not None:
            lines.append(f"card: {post.card.url}")
            lines.append(f"  title: {post.card.title}")
            lines.append(f"  description: {post.card.description}")
            thumb = post.card.thumbnail
            lines.append(f"  thumbnail: {thumb if thumb else '(none)'}")
    return "\n".join(lines)
