"""Publishing approved articles to the site: both pages in the site's layout, committed there,
recorded in the article's publish record. Only approved, checked, structurally sound work leaves."""

from __future__ import annotations

import hashlib
import posixpath
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import polib

from transpub.article import Article, Project, read_metadata
from transpub.catalog import pofile
from transpub.catalog.convert import rebuild, segment_file
from transpub.catalog.queue import APPROVED_BY, active, approval
from transpub.checks import Severity
from transpub.checks.report import check_entries, project_glossary
from transpub.errors import ArticleError, TranspubError
from transpub.events import PUBLISHED, emit_article_event
from transpub.publish.credits import Credits, catalog_credits
from transpub.publish.git import SiteRepo
from transpub.publish.layouts import PagePair, SiteLayout, create_layout
from transpub.publish.page import credit_template, render_pages
from transpub.publish.record import PublishRecord, SitePublication
from transpub.textfile import write_atomic

#: The record's key for the site configured in ``[site]``.
SITE_TARGET = "site"
#: Link and image targets in Markdown and simple HTML: ``](x)``, ``[id]: x``, ``src="x"``.
_TARGETS = re.compile(
    r"\]\(\s*<?([^)\s>]+)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|\bsrc=[\"']([^\"']+)[\"']", re.M
)
_NOT_ASSETS = {
    "zh.md",
    "en.po",
    "publish.json",
    "checks.json",
    "suggestions.json",
    "tm-matches.json",
    "comments.jsonl",
    "history.jsonl",
}


class PublishRefused(TranspubError):
    """A page on the site was changed by hand since transpub published it."""


class Action(StrEnum):
    PUBLISHED = "published"  # first publication
    UPDATED = "updated"  # a changed approved translation (or a page missing on the site)
    UNCHANGED = "unchanged"  # nothing to do
    BLOCKED = "blocked"  # not approved, check errors, structure differs
    REFUSED = "refused"  # a hand-edited page on the site
    FAILED = "failed"  # its catalog or publish record cannot be read (the reason says which)


@dataclass
class ArticlePublication:
    """What publishing did (or, in a dry run, would do) for one article."""

    slug: str
    action: Action
    reason: str = ""  # why blocked or refused
    pages: PagePair | None = None
    commit: str = ""
    written: list[str] = field(default_factory=list)  # site paths written (or to be written)
    credits: Credits | None = None
    title: str = ""


@dataclass
class PublishRun:
    """A publishing run over some articles."""

    site: Path
    layout: str
    dry_run: bool
    results: list[ArticlePublication] = field(default_factory=list)
    created_site: bool = False
    pushed: bool = False
    seconds: float = 0.0

    @property
    def writes(self) -> int:
        return 0 if self.dry_run else sum(len(r.written) for r in self.results)

    @property
    def commits(self) -> list[str]:
        return [r.commit for r in self.results if r.action in (Action.PUBLISHED, Action.UPDATED)]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_revision(data: bytes) -> str:
    """The git blob id of the source file (what ``git hash-object zh.md`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def page_path(project: Project, article: Article, zh_text: str) -> str:
    """The article's path in the site: front matter ``site_path``, else ``[site] page_path``."""
    own = read_metadata(zh_text, article.source).get("site_path")
    path = str(own) if own else project.config.site.page_path.format(slug=article.slug)
    clean = posixpath.normpath(path.strip().strip("/"))
    if not path.strip() or clean.startswith("..") or clean == "." or path.strip().endswith(".md"):
        raise ArticleError(
            f"site_path {path!r} is not a page path inside the site",
            path=article.source,
            hint="write a relative path without .md, e.g. `site_path: reports/2024-plan`",
        )
    return clean


def relative_assets(article: Article, text: str) -> list[str]:
    """Files of the article's folder that the page links to relatively (images, PDFs…)."""
    found: list[str] = []
    root = article.folder.resolve()
    for match in _TARGETS.finditer(text):
        target = next(g for g in match.groups() if g)
        target = target.split("#", 1)[0].split("?", 1)[0]
        if not target or "://" in target or target.startswith(("/", "mailto:", "data:")):
            continue
        candidate = (article.folder / target).resolve()
        if not candidate.is_file() or not candidate.is_relative_to(root):
            continue
        rel = candidate.relative_to(root).as_posix()
        if rel not in _NOT_ASSETS and rel not in found:
            found.append(rel)
    return found


def _commit_message(slug: str, title: str, credits: Credits, revision: str, update: bool) -> str:
    lines = [f"{'Update' if update else 'Publish'} {slug}: {title}", ""]
    lines += [f"{role}: {names}" for role, names in credits.roles()]
    lines.append(f"Source revision: {revision}")
    return "\n".join(lines) + "\n"


def _why_not_approved(po: polib.POFile, slug: str) -> str:
    """Why an article is not approved, and what to do: what changed since an approval."""
    again = f"`transpub approve {slug} --by NAME`"
    editor = po.metadata.get(APPROVED_BY)
    if not editor:
        return f"not approved by an editor yet ({again})"
    live = active(po)
    moved = sum(1 for e in live if e.previous_msgid and "fuzzy" in e.flags)
    new = sum(1 for e in live if not e.msgstr)
    if moved or new:
        parts = [f"{moved} {'entry' if moved == 1 else 'entries'} changed"] if moved else []
        parts += [f"{new} new"] if new else []
        changed = " and ".join(parts)
        return (
            f"the source (zh.md) changed since {editor} approved the translation ({changed}): "
            f"review the changed entries (the review app or en.po), then approve again ({again})"
        )
    return (
        f"the translation changed since {editor} approved it: an editor looks at it and "
        f"approves again ({again})"
    )


def _out_of_step(units: list[str], po: polib.POFile) -> int:
    """How many passages of the source its catalog lacks, or has but the source no longer."""
    source = set(units)
    catalog = {e.msgid for e in active(po)}
    return len(source - catalog) + len(catalog - source)


class Publisher:
    """Publishes articles of ``project`` to the site of its ``[site]`` settings."""

    def __init__(self, project: Project, now: Callable[[], datetime] | None = None) -> None:
        self.project = project
        self.settings = project.config.site
        self.layout: SiteLayout = create_layout(self.settings)
        self.root = (project.root / self.settings.checkout).resolve()
        self.repo = SiteRepo(self.root)
        custom = self.settings.credit_template
        self.template = credit_template(project.root / custom if custom else None)
        self.now = now or (lambda: datetime.now(UTC))
        self.glossary = project_glossary(project)

    def article(self, article: Article, dry_run: bool = False) -> ArticlePublication:
        """Publish one article (or say what would happen); never raises for a blocked article."""
        slug = article.slug
        if not article.catalog.is_file():
            why = f"no catalog yet (`transpub sync {slug}`)"
            return ArticlePublication(slug, Action.BLOCKED, why)
        po = pofile.load(article.catalog, self.project.config.catalog.wrap_width)
        given = approval(po)
        if given is None:
            return ArticlePublication(slug, Action.BLOCKED, _why_not_approved(po, slug))
        source = str(article.source.relative_to(self.project.root))
        findings = check_entries(active(po), self.glossary, source)  # fresh: the glossary moves
        errors = [f for f in findings if f.severity == Severity.ERROR]
        if errors:
            return ArticlePublication(
                slug, Action.BLOCKED, f"{len(errors)} check errors (first: {errors[0]})"
            )
        raw = article.source.read_bytes()
        try:
            zh_text, segmented = segment_file(article.source, self.project.segment_options)
            # drafts are left out; a structure that differs from the source is refused
            en_text = rebuild(
                zh_text,
                segmented,
                po,
                source_path=article.catalog,
                heading_ids=self.layout.heading_ids,
            )
        except TranspubError as exc:
            return ArticlePublication(slug, Action.BLOCKED, str(exc))
        stale = _out_of_step([u.msgid for u in segmented.units], po)
        if stale:
            return ArticlePublication(
                slug,
                Action.BLOCKED,
                f"the source ({source}) changed since the catalog was synced ({stale} "
                f"{'passage' if stale == 1 else 'passages'} new, changed or gone): run "
                f"`transpub sync {slug}`, review the changed entries, then approve again "
                f"(`transpub approve {slug} --by NAME`)",
            )
        pair = self.layout.pages(page_path(self.project, article, zh_text))
        credits = catalog_credits(po)
        revision = source_revision(raw)
        pages = render_pages(
            slug=slug,
            zh_text=zh_text,
            en_text=en_text,
            credits=credits,
            layout=self.layout,
            pair=pair,
            source_revision=revision,
            template=self.template,
            source_path=article.source,
        )
        record = PublishRecord.load(article)
        before = record.site.get(SITE_TARGET)
        title = str(read_metadata(en_text, article.catalog).get("title", slug))
        result = ArticlePublication(slug, Action.UNCHANGED, pages=pair, credits=credits)
        result.title = title
        refusal = self._hand_edits(pair, pages.en, pages.zh, before)
        if refusal:
            result.action, result.reason = Action.REFUSED, refusal
            return result
        files = {pair.en: pages.en, pair.zh: pages.zh}
        for asset in relative_assets(article, zh_text):
            data = (article.folder / asset).read_bytes()
            for page in (pair.zh, pair.en):
                files.setdefault(posixpath.join(posixpath.dirname(page), asset), data)  # type: ignore[arg-type]
        pending = [p for p, data in files.items() if not self._same(p, data)]
        en_hash, zh_hash = sha256(pages.en), sha256(pages.zh)
        fresh = SitePublication(
            target=SITE_TARGET,
            layout=self.layout.layout_id,
            path=pair.en,
            zh_path=pair.zh,
            url=pair.en_url,
            zh_url=pair.zh_url,
            content_hash=en_hash,
            translation_hash=given.digest,
            commit=before.commit if before else "",
            at=before.at if before else "",
            zh_content_hash=zh_hash,
        )
        same_record = before is not None and _key(before) == _key(fresh)
        if not pending and same_record:
            result.commit = before.commit if before else ""
            return result
        result.action = Action.UPDATED if before else Action.PUBLISHED
        result.written = pending
        if dry_run:
            return result
        for path in pending:
            write_atomic(self.root / path, files[path])
        message = _commit_message(slug, title, credits, revision, before is not None)
        commit = self.repo.commit(sorted(files), message)
        fresh.commit = commit or self.repo.last_commit(pair.en)
        fresh.at = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        record.site[SITE_TARGET] = fresh
        record.save(article)
        result.commit = fresh.commit
        return result

    def _same(self, path: str, data: str | bytes) -> bool:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        target = self.root / path
        return target.is_file() and target.read_bytes() == raw

    def _hand_edits(
        self, pair: PagePair, en: str, zh: str, before: SitePublication | None
    ) -> str | None:
        """A sentence naming a page that changed on the site since transpub wrote it."""
        known = {}
        if before is not None:
            known = {before.path: before.content_hash, before.zh_path: before.zh_content_hash}
        for path, text in ((pair.en, en), (pair.zh, zh)):
            target = self.root / path
            if not target.is_file():
                continue
            current = target.read_bytes()
            if current == text.encode("utf-8"):
                continue
            if known.get(path) == hashlib.sha256(current).hexdigest():
                continue  # the page transpub last published: safe to replace
            why = (
                "was edited on the site since transpub published it"
                if path in known
                else "exists on the site but was not published by transpub"
            )
            return (
                f"{target} {why}; carry the change into the translation (en.po) or restore the "
                "file in the site repository, then publish again"
            )
        return None

    def run(
        self, articles: list[Article], *, dry_run: bool = False, push: bool = False
    ) -> PublishRun:
        """Publish ``articles`` in turn (one site commit each), then push if asked."""
        started = time.perf_counter()
        run = PublishRun(self.root, self.layout.layout_id, dry_run)
        if push and not dry_run:
            self.repo.require_remote()
        if not dry_run:
            run.created_site = self.repo.ensure()
        elif self.root.exists():
            self.repo.ensure()
        for article in articles:
            try:
                run.results.append(self.article(article, dry_run))
            except TranspubError as exc:  # one broken file stops its article, not the run
                run.results.append(ArticlePublication(article.slug, Action.FAILED, str(exc)))
        if push and not dry_run:
            self.repo.push()
            run.pushed = True
        run.seconds = time.perf_counter() - started
        return run


def _key(pub: SitePublication) -> tuple[str, ...]:
    return (
        pub.layout,
        pub.path,
        pub.zh_path,
        pub.url,
        pub.zh_url,
        pub.content_hash,
        pub.zh_content_hash,
        pub.translation_hash,
    )


def publish(
    project: Project,
    slugs: list[str] | None = None,
    *,
    dry_run: bool = False,
    push: bool = False,
) -> PublishRun:
    """Publish the named articles (default: all) to the project's site; see ``Publisher``.

    With a Prefect API configured, each article published or updated sends the event
    ``transpub.article.published`` with its page URL (see ``transpub.events``).
    """
    run = Publisher(project).run(project.select(slugs), dry_run=dry_run, push=push)
    for result in run.results:
        if not dry_run and result.action in (Action.PUBLISHED, Action.UPDATED) and result.pages:
            url = result.pages.en_url
            emit_article_event(
                PUBLISHED,
                result.slug,
                {"url": url, "commit": result.commit},
                {"url": url, "zh_url": result.pages.zh_url, "commit": result.commit},
            )
    return run
