"""VitePress i18n: Chinese at the site root, English under ``en/`` with the same file names."""

from __future__ import annotations

from typing import Any

from transpub.publish.layouts.base import PagePair, SiteLayout


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

    def front_matter(
        self, lang: str, meta: dict[str, Any], extra: dict[str, Any], slug: str
    ) -> dict[str, Any]:
        out = {**meta}
        if "summary" in out and "description" not in out:
            out["description"] = out["summary"]  # VitePress's <meta name="description">
        out["lang"] = "en-US" if lang == "en" else "zh-CN"
        return {**out, **extra}
