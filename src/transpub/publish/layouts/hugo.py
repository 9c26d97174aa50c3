"""Hugo multilingual, both forms: a page bundle with ``index.zh.md``/``index.en.md``, or one
content folder per language (``content/zh/<path>/index.md``, ``content/en/<path>/index.md``),
paired by ``translationKey``. Pages are leaf bundles so that their images are published too."""

from __future__ import annotations

from typing import Any

from transpub.publish.layouts.base import PagePair, SiteLayout


class HugoLayout(SiteLayout):
    layout_id = "hugo"
    description = "Hugo: index.zh.md + index.en.md bundles, or content/zh and content/en"

    def pages(self, page_path: str) -> PagePair:
        logical = self.join(self.settings.folder, page_path)
        if self.settings.hugo_form == "dirs":
            zh = self.join("content", "zh", logical, "index.md")
            en = self.join("content", "en", logical, "index.md")
        else:
            zh = self.join("content", logical, "index.zh.md")
            en = self.join("content", logical, "index.en.md")
        # Hugo resolves a page by its logical path in the given language, whatever the form.
        return PagePair(
            zh=zh,
            en=en,
            zh_url=self.url(logical + "/"),
            en_url=self.url(self.join("en", logical) + "/"),
            zh_link=f'{{{{< relref path="/{logical}" lang="zh" >}}}}',
            en_link=f'{{{{< relref path="/{logical}" lang="en" >}}}}',
        )

    def front_matter(
        self, lang: str, meta: dict[str, Any], extra: dict[str, Any], slug: str
    ) -> dict[str, Any]:
        return {**meta, "translationKey": slug, **extra}
