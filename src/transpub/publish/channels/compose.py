"""What a post says, and how a channel's Jinja2 template turns it into text that fits.

Each channel has a template ``templates/<channel>.j2`` (a project may override it with its own
``templates/channels/<channel>.j2``). Every value a template prints is escaped for the network,
(values are escaped before the template sees them),
except the pieces the channel built itself (credits with mentions, hashtags). When the text is
over the limit, the summaries are shortened (at a sentence, else a word, with an ellipsis), then
dropped, then the hashtags; if the title, links and credits alone do not fit, composition is
refused with a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transpub.publish.channels.text import ELLIPSIS, shorten

if TYPE_CHECKING:
    import jinja2

    from transpub.article import Article, Project
    from transpub.publish.channels.base import Channel
    from transpub.publish.record import SitePublication

TEMPLATES = Path(__file__).parent / "templates"
#: A shortened summary keeping fewer characters than this says nothing: it is dropped.
MIN_SUMMARY = 12
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|\*|`|~~|<[^>]+>)")


@dataclass(frozen=True)
class PostContent:
    """Everything a post may say about one published article (plain text, unescaped)."""

    slug: str
    title: str
    summary: str
    url: str
    zh_title: str
    zh_summary: str
    zh_url: str
    translators: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    editor: str = ""
    hashtags: tuple[str, ...] = ()
    thumbnail: Path | None = None


class Raw(str):
    """Text a channel already made safe: printed by templates as it is."""


def plain(markdown: str) -> str:
    """Inline Markdown as plain text: link texts kept, emphasis and code marks dropped."""
    return " ".join(_MARKUP.sub("", _LINK.sub(r"\1", markdown)).split())


def _summary(metadata: dict[str, Any], text: str, options: Any) -> str:
    """The front matter's ``summary``, else the first paragraph of the body."""
    from transpub.markdown.segmenter import segment

    given = metadata.get("summary")
    if isinstance(given, str) and given.strip():
        return plain(given)
    for unit in segment(text, options).units:
        if unit.kind == "paragraph":
            return plain(unit.msgid)
    return ""


def article_content(
    project: Project, article: Article, site: SitePublication, people: Any
) -> PostContent:
    """The content of an article's posts: English from its catalog, Chinese from its source,
    links from its site publication, names from its credits (``people``: a ``Credits``)."""
    from transpub.article import read_metadata
    from transpub.catalog.sync import build_article
    from transpub.markdown.segmenter import SegmentOptions
    from transpub.textfile import read_source

    zh_text = read_source(article.source)
    en_text = build_article(project, article)
    zh_meta = read_metadata(zh_text, article.source)
    en_meta = read_metadata(en_text, article.catalog)
    options = SegmentOptions(front_matter_keys=(), html_blocks=project.config.segment.html_blocks)
    picture = zh_meta.get("image") or project.config.channels.thumbnail
    thumbnail = None
    if isinstance(picture, str) and picture:
        base = article.folder if zh_meta.get("image") else project.root
        thumbnail = (base / picture).resolve()
    return PostContent(
        slug=article.slug,
        title=plain(str(en_meta["title"])),
        summary=_summary(en_meta, en_text, options),
        url=site.url,
        zh_title=plain(str(zh_meta["title"])),
        zh_summary=_summary(zh_meta, zh_text, options),
        zh_url=site.zh_url,
        translators=tuple(people.translators),
        reviewers=tuple(people.reviewers),
        editor=str(people.editor),
        hashtags=project.config.channels.hashtags,
        thumbnail=thumbnail,
    )


@lru_cache(maxsize=8)
def _environment(project_templates: str) -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([project_templates, str(TEMPLATES)]),
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _credits(channel: Channel, content: PostContent, language: str) -> Raw:
    translators = [channel.mention(n) for n in content.translators]
    reviewers = [channel.mention(n) for n in content.reviewers]
    if translators and translators == reviewers:
        names = ("、" if language == "zh" else ", ").join(translators)
        return Raw(
            f"翻译与审校：{names}" if language == "zh" else f"Translated and reviewed by {names}"
        )
    if language == "zh":
        parts = [f"译者：{'、'.join(translators)}" if translators else ""]
        parts.append(f"审校：{'、'.join(reviewers)}" if reviewers else "")
    else:
        parts = [f"Translated by {', '.join(translators)}" if translators else ""]
        parts.append(f"Reviewed by {', '.join(reviewers)}" if reviewers else "")
    return Raw(" · ".join(p for p in parts if p))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _shortened(
    text: Callable[[str, str, bool], str],
    fits: Callable[[str], bool],
    en: str,
    zh: str,
    tags: bool,
) -> str:
    """The text with the English, then the Chinese summary shortened until it fits (a stub of
    fewer than ``MIN_SUMMARY`` characters is dropped rather than kept)."""
    if en:
        en = _worth(shorten(en, lambda s: fits(text(s, "", tags))))
    if zh:
        zh = _worth(shorten(zh, lambda s: fits(text(en, s, tags))))
    return text(en, zh, tags)


def _worth(summary: str | None) -> str:
    return summary if summary and len(summary.rstrip(ELLIPSIS)) >= MIN_SUMMARY else ""


def render_post(
    channel: Channel, content: PostContent, languages: tuple[str, ...], limit: int
) -> str:
    """The post's text for ``channel``, shortened to ``limit`` as the channel counts.

    Raises ``CompositionError`` when the title, links and credits alone do not fit.
    """
    from transpub.publish.channels.base import CompositionError

    template = _environment(str(channel.root / "templates" / "channels")).get_template(
        f"{channel.channel_id}.j2"
    )

    def text(summary: str, zh_summary: str, hashtags: bool) -> str:
        e = channel.escape
        values = {
            "languages": languages,
            "title": e(content.title),
            "summary": e(summary),
            "url": e(content.url),
            "zh_title": e(content.zh_title),
            "zh_summary": e(zh_summary),
            "zh_url": e(content.zh_url),
            "credits": _credits(channel, content, "en"),
            "zh_credits": _credits(channel, content, "zh"),
            "hashtags": Raw(" ".join(channel.hashtag(t) for t in content.hashtags))
            if hashtags
            else "",
        }
        return _tidy(template.render(values))

    def fits(candidate: str) -> bool:
        return channel.count(candidate) <= limit

    en, zh = content.summary, content.zh_summary
    if "en" not in languages:
        en = ""
    if "zh" not in languages:
        zh = ""
    for tags in (True, False):
        if fits(text("", "", tags)):
            return _shortened(text, fits, en, zh, tags)
    required = channel.count(text("", "", False))
    raise CompositionError(
        f"{channel.name}: the post for {content.slug!r} does not fit even without summary and "
        f"hashtags (title, links and credits take {required} of {limit} {channel.unit})",
        hint=f"shorten the title or edit templates/channels/{channel.channel_id}.j2",
    )
