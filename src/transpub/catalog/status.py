"""The review queue of a whole project, as rows for a table or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import ArticleState, Counts, approval, article_state, counts
from transpub.errors import TranspubError
from transpub.wording import counted


@dataclass(frozen=True)
class QueueRow:
    slug: str
    state: ArticleState
    counts: Counts
    approved_by: str | None = None
    #: The publish record could not be read: the state is what the catalog alone tells.
    record_broken: bool = False

    @property
    def progress(self) -> float:
        """Share of entries reviewed, 0–1."""
        return self.counts.reviewed / self.counts.total if self.counts.total else 0.0

    @property
    def state_text(self) -> str:
        """The state as the table shows it, marked when the publish record is broken."""
        return f"{self.state} (publish record broken)" if self.record_broken else str(self.state)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "slug": self.slug,
            "state": str(self.state),
            **self.counts.as_dict(),
            "approved_by": self.approved_by,
        }
        if self.record_broken:
            data["publish_record"] = "broken"
        return data


def queue(
    project: Project, slugs: list[str] | None = None, errors: list[TranspubError] | None = None
) -> list[QueueRow]:
    """One row per article: its state and how many entries are in each state.

    With ``errors``, an article whose catalog cannot be read gets no row, and one whose publish
    record cannot be read gets a row marked ``record_broken`` (its state from the catalog
    alone): the error is added there and the others are still listed (without, it is raised).
    Listing every article, a folder whose catalog is there but whose ``zh.md`` is not is a row
    in the state ``source missing`` (its catalog's counts when it can be read).
    """
    rows = []
    for article in project.select(slugs):
        try:
            rows.append(_row(article, errors))
        except TranspubError as exc:
            if errors is None:
                raise
            errors.append(exc)
    if not slugs:
        for article in project.sourceless():
            try:
                tally = counts(pofile.load(article.catalog))
            except TranspubError:
                tally = Counts()
            rows.append(QueueRow(article.slug, ArticleState.SOURCE_MISSING, tally))
        rows.sort(key=lambda row: row.slug)
    return rows


def _row(article: Article, errors: list[TranspubError] | None = None) -> QueueRow:
    if not article.catalog.exists():
        return QueueRow(article.slug, ArticleState.NEW, Counts())
    po = pofile.load(article.catalog)
    given = approval(po)
    broken = False
    try:
        published = _published_hash(article)
    except TranspubError as exc:
        if errors is None:
            raise
        errors.append(exc)
        published, broken = None, True
    return QueueRow(
        article.slug,
        article_state(po, published),
        counts(po),
        given.editor if given else None,
        broken,
    )


def _published_hash(article: Article) -> str | None:
    """The translation the site last got (from the publish record), if any."""
    from transpub.publish.record import PublishRecord

    site = PublishRecord.load(article).site.get("site")
    return site.translation_hash if site else None


HEADERS = ("article", "state", "untranslated", "draft", "reviewed", "total", "reviewed %")


def table_rows(rows: list[QueueRow]) -> list[tuple[str, ...]]:
    """The queue as text cells, with a total line."""
    out: list[tuple[str, ...]] = [
        (
            r.slug,
            r.state_text,
            str(r.counts.untranslated),
            str(r.counts.draft),
            str(r.counts.reviewed),
            str(r.counts.total),
            f"{100 * r.progress:.0f}%",
        )
        for r in rows
    ]
    total = Counts(
        sum(r.counts.untranslated for r in rows),
        sum(r.counts.draft for r in rows),
        sum(r.counts.reviewed for r in rows),
    )
    share = total.reviewed / total.total if total.total else 0.0
    out.append(
        (
            "total",
            counted(len(rows), "article"),
            str(total.untranslated),
            str(total.draft),
            str(total.reviewed),
            str(total.total),
            f"{100 * share:.0f}%",
        )
    )
    return out


def format_table(rows: list[QueueRow]) -> str:
    """A plain-text table of the queue, with a total line."""
    return text_table(HEADERS, table_rows(rows), left=2)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A plain-text table: the first ``left`` columns aligned left, the rest right, a rule under
    the header and above the last (total) row. Wide characters are not expected in the cells."""
    cells = [list(headers), *[list(r) for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i < left else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0 or n == len(cells) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
