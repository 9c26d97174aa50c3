"""Who made an article's English: translators and reviewers from the catalog, the editor."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, active, approval, entry_state, get_note


@dataclass(frozen=True)
class Credits:
    """The people credited on a published article.

    ``translators`` and ``reviewers`` are names from the reviewed entries' ``# translator:`` and
    ``# reviewer:`` notes, most entries first (ties: first to appear in the document); ``editor``
    is the name on the current approval ("" when the article is not approved).
    """

    translators: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    editor: str = ""

    def roles(self) -> list[tuple[str, str]]:
        """``("Translated by", "A, B")``, ``("Reviewed by", …)``, ``("Approved by", …)``: the
        roles that have people, for messages and summaries."""
        pairs = [
            ("Translated by", ", ".join(self.translators)),
            ("Reviewed by", ", ".join(self.reviewers)),
            ("Approved by", self.editor),
        ]
        return [(role, names) for role, names in pairs if names]

    def people(self) -> list[str]:
        """Everyone credited, each once: translators, reviewers, then the editor."""
        seen: list[str] = []
        for name in [*self.translators, *self.reviewers, self.editor]:
            if name and name not in seen:
                seen.append(name)
        return seen


def _ranked(names: list[str]) -> list[str]:
    tally = Counter(names)
    first = {name: i for i, name in reversed(list(enumerate(names)))}
    return sorted(tally, key=lambda n: (-tally[n], first[n]))


def catalog_credits(po: polib.POFile) -> Credits:
    """The credits recorded in a loaded catalog (drafts and untranslated entries credit nobody)."""
    translators: list[str] = []
    reviewers: list[str] = []
    for entry in active(po):
        if entry_state(entry) is not EntryState.REVIEWED:
            continue
        translator = get_note(entry, "translator")
        reviewer = get_note(entry, "reviewer")
        if translator:
            translators.append(translator)
        if reviewer:
            reviewers.append(reviewer)
    given = approval(po)
    return Credits(_ranked(translators), _ranked(reviewers), given.editor if given else "")


def article_credits(project: Project, article: Article) -> Credits:
    """The credits of an article, read from its catalog (``en.po``)."""
    return catalog_credits(pofile.load(article.catalog, project.config.catalog.wrap_width))
