"""Running the checks over catalogs; keeping the findings where review and publishing read them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, translation_hash
from transpub.checks import CheckContext, Severity, ignore_flag, run_checks
from transpub.glossary.model import Glossary, load_glossary
from transpub.textfile import write_atomic

FINDINGS_NAME = "checks.json"


@dataclass(frozen=True)
class EntryFinding:
    """A finding located in an article: the source line, the entry, the check and its verdict."""

    file: str
    line: int
    msgid: str
    check: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: [{self.check}] {self.message}"


@dataclass(frozen=True)
class ArticleReport:
    """The findings of one article, bound to the translation they were computed on."""

    slug: str
    digest: str
    findings: tuple[EntryFinding, ...]

    @property
    def errors(self) -> list[EntryFinding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[EntryFinding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    def as_dict(self) -> dict[str, Any]:
        """The report as `checks.json` and `transpub check --json` show it."""
        return {
            "slug": self.slug,
            "translation_hash": self.digest,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [asdict(f) for f in self.findings],
        }


def check_entries(
    entries: Iterable[polib.POEntry], glossary: Glossary | None, source_file: str
) -> list[EntryFinding]:
    """Findings for every translated entry (drafts included: reviewers should see them)."""
    found: list[EntryFinding] = []
    for entry in entries:
        if not entry.msgstr:
            continue
        line = int(entry.occurrences[0][1]) if entry.occurrences else 0
        context = CheckContext(glossary=glossary, kind=(entry.comment or "").split(",")[0])
        for finding in run_checks(entry.msgid, entry.msgstr, entry.flags, context):
            found.append(
                EntryFinding(
                    source_file,
                    line,
                    entry.msgid,
                    finding.check,
                    str(finding.severity),
                    finding.message,
                )
            )
    return found


#: The check id of the document-level finding: what ``build`` would refuse.
BUILD_CHECK = "build"
#: The check id of the document-level warning about in-page links left at a renamed heading.
ANCHORS_CHECK = "anchors"


def build_findings(project: Project, article: Article, po: polib.POFile) -> list[EntryFinding]:
    """Errors for what ``build`` would refuse in the page rebuilt from ``po`` (drafts included):
    the structure comparison ``build`` runs, each difference at the entry of its source line.
    Then warnings (``anchors``) for in-page links of a translation that still name a heading by
    the id the translation changed (a dead link in the English page).

    This is what makes approval impossible while ``build`` would refuse: the entry checks see
    one translation at a time, even one whose check a reviewer silenced.
    """
    from transpub.catalog.convert import segment_file, translations
    from transpub.catalog.sync import build_differences, site_heading_ids
    from transpub.markdown.structure import stale_anchors

    text, segmented = segment_file(article.source, project.segment_options)
    done = translations(po, include_drafts=True)
    result = segmented.rebuild(done)
    if result == text:
        return []
    source = str(article.source.relative_to(project.root))
    units = segmented.units
    found: list[EntryFinding] = []
    heading_ids = site_heading_ids(project)
    for difference, unit in build_differences(project, text, segmented, done, result):
        line, msgid = (unit.line, unit.msgid) if unit else (1, "")
        message = f"build would refuse the English page: {difference}"
        found.append(EntryFinding(source, line, msgid, BUILD_CHECK, str(Severity.ERROR), message))
    silenced = {e.msgid for e in po if ignore_flag(ANCHORS_CHECK) in e.flags}
    for link, heading in stale_anchors(text, result, heading_ids):
        for unit in units:
            if f"]({link}" in done.get(unit.msgid, "") and unit.msgid not in silenced:
                message = (
                    f"the in-page link {link} names a heading the translation renames: "
                    f"write #{heading}"
                )
                warning = str(Severity.WARNING)
                found.append(
                    EntryFinding(source, unit.line, unit.msgid, ANCHORS_CHECK, warning, message)
                )
    return found


def check_catalog(
    project: Project, article: Article, po: polib.POFile, glossary: Glossary | None
) -> tuple[EntryFinding, ...]:
    """Every finding of an article's catalog: the entry checks, then what ``build`` refuses."""
    source = str(article.source.relative_to(project.root))
    return (*check_entries(active(po), glossary, source), *build_findings(project, article, po))


def project_glossary(project: Project) -> Glossary | None:
    """The project's glossary, or None when it has none."""
    path = project.root / project.config.glossary.path
    return load_glossary(path) if path.is_file() else None


def check_article(project: Project, article: Article, glossary: Glossary | None) -> ArticleReport:
    """Check an article's catalog and save the findings beside it (``checks.json``)."""
    po = pofile.load(article.catalog, project.config.catalog.wrap_width)
    report = ArticleReport(
        article.slug, translation_hash(po), check_catalog(project, article, po, glossary)
    )
    save_report(article, report)
    return report


def save_report(article: Article, report: ArticleReport) -> None:
    text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    write_atomic(article.folder / FINDINGS_NAME, text)


def load_report(article: Article) -> ArticleReport | None:
    """The saved findings of an article, if any were saved."""
    path: Path = article.folder / FINDINGS_NAME
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    findings = tuple(EntryFinding(**f) for f in data.get("findings", []))
    return ArticleReport(data.get("slug", article.slug), data.get("translation_hash", ""), findings)


def blocking_errors(project: Project, article: Article) -> list[EntryFinding]:
    """The check errors that stop an article from being published (recomputed if stale)."""
    po = pofile.load(article.catalog, project.config.catalog.wrap_width)
    saved = load_report(article)
    if saved is None or saved.digest != translation_hash(po):
        saved = check_article(project, article, project_glossary(project))
    return saved.errors
