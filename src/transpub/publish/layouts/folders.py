"""Plain folders: ``zh/<path>.md`` and ``en/<path>.md`` side by side."""

from __future__ import annotations

from transpub.publish.layouts.base import PagePair, SiteLayout


class FoldersLayout(SiteLayout):
    layout_id = "folders"
    description = "plain zh/ and en/ trees with the same file names"

    def pages(self, page_path: str) -> PagePair:
        zh = self.join(self.settings.folder, "zh", page_path) + ".md"
        en = self.join(self.settings.folder, "en", page_path) + ".md"
        return PagePair(
            zh=zh,
            en=en,
            zh_url=self.url(zh),
            en_url=self.url(en),
            zh_link=self.relative(en, zh),
            en_link=self.relative(zh, en),
        )
