"""VitePress i18n: Chinese at the site root, English under ``en/`` with the same file names."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from transpub.publish.layouts.base import PagePair, SiteLayout

# The heading ids of @mdit-vue/shared's slugify (VitePress 1.x).
_CONTROL = re.compile(r"[\u0000-\u001f]")
_SPECIAL = re.compile(r"[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:\"'“”‘’<>,.?/]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")


def _html(path: str) -> str:
    """VitePress's URL of a page file (``a/index.md`` → ``a/``, ``a/b.md`` → ``a/b.html``)."""
    stem = path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + ".html"


class VitePressLayout(SiteLayout):
    layout_id = "vitepress"
    description = "Chinese at the root, English under en/ (VitePress locales)"

    def pages(self, page_path: str) -> PagePair:
        zh = self.join(self.settings.folder, page_path) + ".md"
        en = self.join("en", self.settings.folder, page_path) + ".md"
        return PagePair(
            zh=zh,
            en=en,
            zh_url=self.url(_html(zh)),
            en_url=self.url(_html(en)),
            zh_link=self.relative(en, zh),
            en_link=self.relative(zh, en),
        )

    def heading_id(self, text: str) -> str:
        """mdit-vue's slugify: NFKD without accents, runs of spaces and ASCII punctuation as one
        hyphen (none at the ends), ``_`` before a leading digit, lower case; Chinese is kept."""
        slug = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        slug = _SPECIAL.sub("-", _CONTROL.sub("", slug))
        slug = re.sub(r"-{2,}", "-", slug).strip("-")
        return re.sub(r"^(\d)", r"_\1", slug).lower()

    def front_matter(
        self, lang: str, meta: dict[str, Any], extra: dict[str, Any], slug: str
    ) -> dict[str, Any]:
        out = {**meta}
        if "summary" in out and "description" not in out:
            out["description"] = out["summary"]  # VitePress's <meta name="description">
        out["lang"] = "en-US" if lang == "en" else "zh-CN"
        return {**out, **extra}
