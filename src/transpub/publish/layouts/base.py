"""The base of site layouts: where a language pair of pages goes and how the pages link."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import regex

from transpub.config import SiteSettings

#: What GitHub (github-slugger) and Hugo (goldmark's "github" ids) drop from a heading's text.
_NOT_ID = regex.compile(r"[^\p{L}\p{M}\p{N}\p{Pc} \-]")


@dataclass(frozen=True)
class PagePair:
    """Where one article's two pages go, as POSIX paths inside the site checkout, and their URLs.

    ``zh_link``/``en_link`` are the link targets to write in the other page's Markdown.
    """

    zh: str
    en: str
    zh_url: str
    en_url: str
    zh_link: str  # written in the English page, pointing at the Chinese one
    en_link: str  # written in the Chinese page, pointing at the English one


class SiteLayout:
    """One way a site pairs languages. A member says where pages go and what front matter means.

    ``page_path`` is the article's path inside ``[site] folder`` (``{slug}`` filled in), POSIX,
    without extension, e.g. ``reports/2024-plan``.
    """

    layout_id: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, settings: SiteSettings) -> None:
        self.settings = settings

    def pages(self, page_path: str) -> PagePair:
        """The two pages of an article at ``page_path``."""
        raise NotImplementedError

    def front_matter(
        self, lang: str, meta: dict[str, Any], extra: dict[str, Any], slug: str
    ) -> dict[str, Any]:
        """The page's front matter: the article's (translated) ``meta`` and transpub's ``extra``
        (``translators``, ``reviewers``, ``editor``, ``source_revision``, the other language's
        link), in this layout's conventions. The default adds ``extra`` at the top level."""
        return {**meta, **extra}

    def heading_id(self, text: str) -> str:
        """The id the site gives a heading of this plain text. The default is GitHub's and
        Hugo's ("github" auto ids): lower case, punctuation dropped, spaces as hyphens."""
        kept: str = _NOT_ID.sub("", text.strip().lower())
        return kept.replace(" ", "-")

    def heading_ids(self, texts: Sequence[str]) -> list[str]:
        """The ids of a page's headings in order: a repeated id gets ``-1``, ``-2``…"""
        seen: dict[str, int] = {}
        ids: list[str] = []
        for text in texts:
            base = self.heading_id(text)
            n = seen.get(base, 0)
            ids.append(f"{base}-{n}" if n else base)
            seen[base] = n + 1
        return ids

    # helpers for members -------------------------------------------------------------

    def join(self, *parts: str) -> str:
        """A POSIX path inside the checkout from non-empty parts."""
        return posixpath.join(*[p.strip("/") for p in parts if p.strip("/")])

    def url(self, path: str) -> str:
        """The public URL of a site path ("" without ``[site] base_url``)."""
        base = self.settings.base_url.rstrip("/")
        return f"{base}/{path.lstrip('/')}" if base else ""

    @staticmethod
    def relative(from_page: str, to_page: str) -> str:
        """A relative link from one page file to another."""
        return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
