"""The recognise flow: tally a period's credits, write the recognition report, publish it as a
Prefect Markdown artifact.

Scheduled monthly (``flows/prefect.yaml``) for the month just ended. The report's files
(``reports/recognition/<period>/``) land in the content repository beside the credit records;
committing them is left to whoever runs the repository (as for the catalogs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from transpub.article import Project
from transpub.credits.report import Recognition, ReportFiles, markdown, recognise, write_report
from transpub.credits.tally import parse_period, previous_month
from transpub.wording import counted


@dataclass
class Outcome:
    """What a recognise run did."""

    period: str
    people: int
    promoted: list[str]
    close: list[str]
    files: ReportFiles


@task(name="tally-credits", cache_policy=NO_CACHE)
def tally_task(project: Project, period: str | None) -> Recognition:
    """Read the credit records and the people registry; tally the period; place the ladder."""
    chosen = parse_period(period) if period else previous_month(datetime.now(UTC).date())
    return recognise(project, chosen)


@task(name="write-report", cache_policy=NO_CACHE)
def report_task(project: Project, rec: Recognition) -> ReportFiles:
    """Write report.md, report.html and the charts into the repository."""
    return write_report(project, rec)


@flow(name="recognise", log_prints=True)
def recognise_flow(root: str = ".", period: str | None = None) -> Outcome:
    """Recognise ``period`` (``2025-09``, ``2025-Q3``, ``2025``…; default: last month)."""
    project = Project.open(root)
    rec = tally_task(project, period)
    files = report_task(project, rec)
    where = files.folder.relative_to(project.root)
    create_markdown_artifact(
        key="recognition-report",
        markdown=markdown(rec, chart_dir=None) + f"\nFiles: `{where}/report.md`, "
        f"`{where}/report.html` (charts in `{where}/charts/`).\n",
        description=f"Recognition report {rec.period.label} of {project.config.project.name}",
    )
    promoted = [rec.names[s.handle] for s in rec.standings if s.promoted]
    print(f"{rec.period.label}: {counted(len(rec.rows), 'contributor')}, {len(promoted)} moved up")
    return Outcome(
        rec.period.label,
        len(rec.rows),
        promoted,
        [rec.names[s.handle] for s in rec.standings if s.close],
        files,
    )
