"""The recognition report of a period: who did what, who moved up the ladder, who is close.

``recognise`` gathers it (credit records, registry, tally, ladder); the renderers give a plain
table and JSON for maintainers, and Markdown and a self-contained HTML page (charts inlined as
SVG, no CDN, no script) for everyone. Public renderings name only people who consented; the
others appear as "a volunteer".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transpub.article import Project
from transpub.credits import contributions
from transpub.credits.ladder import Standing, Tier, standings, tiers
from transpub.credits.people import People, Person, load_people
from transpub.credits.tally import ROLES, Period, PersonTally, Role, Tally, tally
from transpub.textfile import write_atomic
from transpub.wording import counted

CHARTS = ("monthly", "top", "progress")
TOP = 10  # people in the charts
MONTHS = 12  # months in the monthly chart (the last ones of the period)


@dataclass
class Row:
    """One person in the report."""

    person: Person
    counts: PersonTally
    standing: Standing | None
    name: str  # as shown in public ("a volunteer #2" without consent)

    def as_dict(self) -> dict[str, Any]:
        s = self.standing
        return {
            "handle": self.person.handle,
            "name": self.name,
            "consent": self.person.consent,
            "tier": s.tier.id if s and s.tier else None,
            "promoted": bool(s and s.promoted),
            "accepted_total": self.counts.accepted_total,
            "next_tier": s.next.id if s and s.next else None,
            "needed": s.needed if s else None,
            "roles": {str(r): self.counts.roles[r].as_dict() for r in ROLES},
        }


@dataclass
class Recognition:
    """Everything a report shows about one period."""

    project: str
    period: Period
    tally: Tally
    rows: list[Row]  # people with anything in the period, most entries first
    ladder: list[Tier]
    standings: list[Standing]
    people: People
    names: dict[str, str] = field(default_factory=dict)  # handle → public name

    @property
    def promoted(self) -> list[tuple[str, Standing]]:
        return [(self.names[s.handle], s) for s in self.standings if s.promoted]

    @property
    def close(self) -> list[tuple[str, Standing]]:
        return [(self.names[s.handle], s) for s in self.standings if s.close]

    @property
    def eligible(self) -> list[tuple[str, Standing]]:
        """People who reached the threshold of a granted tier they do not hold yet."""
        return [
            (self.names[s.handle], s)
            for s in self.standings
            if s.next is not None and s.next.granted and s.needed == 0
        ]

    def totals(self) -> dict[str, int]:
        out = {"people": len(self.rows)}
        for role in ROLES:
            out[f"{role}_entries"] = sum(r.counts.roles[role].entries for r in self.rows)
        out["words"] = sum(r.counts.roles[Role.TRANSLATOR].words for r in self.rows)
        out["accepted"] = sum(r.counts.roles[Role.TRANSLATOR].accepted for r in self.rows)
        out["articles_approved"] = sum(r.counts.roles[Role.EDITOR].articles for r in self.rows)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat() if self.period.start else None,
                "end": self.period.end.isoformat() if self.period.end else None,
            },
            "totals": self.totals(),
            "people": [r.as_dict() for r in self.rows],
            "promoted": [s.handle for _, s in self.promoted],
            "close": [s.handle for _, s in self.close],
            "eligible": [s.handle for _, s in self.eligible],
        }


def recognise(project: Project, period: Period, people: People | None = None) -> Recognition:
    """Tally the project's credit records for ``period`` and place everyone on the ladder."""
    registry = people if people is not None else load_people(project)
    records = contributions.read(project)
    return build(project.config.project.name, records, registry, period, project)


def build(
    name: str,
    records: list[contributions.Contribution],
    people: People,
    period: Period,
    project: Project,
) -> Recognition:
    """The recognition of ``period`` from records already read (oldest first)."""
    settings = project.config
    counted: Tally = tally(records, people, period, settings.credits)
    placed = standings(counted, people, settings.ladder)
    by_handle = {s.handle: s for s in placed}
    names: dict[str, str] = {}
    volunteers = 0
    ordered = sorted(counted.people.values(), key=lambda p: (-p.score, -p.accepted_total, p.handle))
    for counts in ordered:
        person = _person(people, counts.handle)
        if person.consent:
            names[counts.handle] = person.display("en")
        else:
            volunteers += 1
            names[counts.handle] = f"{person.display('en')} #{volunteers}"
    rows = [
        Row(_person(people, p.handle), p, by_handle.get(p.handle), names[p.handle])
        for p in counted.ranked()
    ]
    return Recognition(name, period, counted, rows, tiers(settings.ladder), placed, people, names)


def _person(people: People, handle: str) -> Person:
    return people.by_handle(handle) or people.person(handle)


# --- plain renderings -----------------------------------------------------------------------

HEADERS = ("person", "tier", "translated", "words", "accepted", "reviewed", "approved")


def table_rows(rec: Recognition, public: bool = False) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for row in rec.rows:
        t, r, e = (row.counts.roles[x] for x in ROLES)
        tier = row.standing.tier.name_en if row.standing and row.standing.tier else "–"
        if row.standing and row.standing.promoted:
            tier += " ↑"
        who = row.name if public else row.person.handle
        out.append(
            (
                who,
                tier,
                str(t.entries),
                str(t.words),
                str(t.accepted),
                str(r.entries),
                str(e.articles),
            )
        )
    return out


def format_table(rec: Recognition) -> str:
    """A plain-text table for maintainers (handles, not public names)."""
    from transpub.catalog.status import text_table

    title = f"Recognition {rec.period.label}: {counted(len(rec.rows), 'contributor')}"
    if not rec.rows:
        return title + " (no credited contributions)"
    rows = table_rows(rec)
    total = ("total", "", *(str(sum(int(r[i]) for r in rows)) for i in range(2, len(HEADERS))))
    return title + "\n" + text_table(HEADERS, [*rows, total], left=2)


def markdown(rec: Recognition, chart_dir: str | None = "charts") -> str:
    """The report in Markdown; charts as images in ``chart_dir`` (None: no charts)."""
    totals = rec.totals()
    lines = [
        f"# Recognition report {rec.period.label}",
        "",
        f"{rec.project}: {counted(totals['people'], 'contributor')} translated "
        f"{counted(totals['translator_entries'], 'entry', 'entries')} "
        f"({counted(totals['words'], 'English word')}; "
        f"{totals['accepted']} accepted by a reviewer), reviewed "
        f"{totals['reviewer_entries']} and approved "
        f"{counted(totals['articles_approved'], 'article')}.",
        "",
        "## New tiers",
        "",
    ]
    promoted = rec.promoted
    if promoted:
        lines += [
            f"- **{_md(name)}**: {s.tier.name_en} ({s.tier.name_zh})"
            for name, s in promoted
            if s.tier is not None
        ]
    else:
        lines.append("Nobody moved up the ladder in this period.")
    lines += ["", "## Close to the next tier", ""]
    if rec.close:
        lines += [
            f"- **{_md(name)}**: {s.accepted} accepted translations, {s.needed} more for "
            f"{s.next.name_en} ({s.next.name_zh})"
            for name, s in rec.close
            if s.next is not None
        ]
    else:
        lines.append("Nobody is within reach of a new tier.")
    if rec.eligible:
        lines += ["", "## Ready to be proposed", ""]
        lines += [
            f"- **{_md(name)}**: {s.accepted} accepted translations, may be proposed as "
            f"{s.next.name_en} ({s.next.name_zh})"
            for name, s in rec.eligible
            if s.next is not None
        ]
    lines += ["", "## Contributors", ""]
    if rec.rows:
        lines += [
            "| " + " | ".join(HEADERS) + " |",
            "| --- | --- | " + " | ".join("---:" for _ in HEADERS[2:]) + " |",
        ]
        lines += ["| " + " | ".join(_md(c) for c in r) + " |" for r in table_rows(rec, True)]
    else:
        lines.append("No credited contributions in this period.")
    if chart_dir is not None:
        lines += ["", "## Charts", ""]
        lines += [f"![{_CHART_TITLES[name]}]({chart_dir}/{name}.svg)" for name in CHARTS]
    lines += ["", "## How we count", "", *_HOW.split("\n"), ""]
    return "\n".join(lines)


_CHART_TITLES = {
    "monthly": "Contributions per month by role",
    "top": "Top contributors",
    "progress": "Progress toward the next tier",
}
_HOW = (
    "Entries are counted once per person between two reviews, with the words of their last "
    "version;\nEnglish words are capped relative to the Chinese source; a translation is "
    "accepted when\na reviewer other than its translator approves it unchanged or with a small "
    "edit.\nPeople who have not agreed to be named appear as “a volunteer”."
)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# --- charts and HTML ------------------------------------------------------------------------


def charts(rec: Recognition) -> dict[str, str]:
    """The report's charts as SVG text, by name (see ``CHARTS``)."""
    from transpub.credits.charts import monthly_chart, progress_chart, top_chart

    months = rec.period.months(rec.tally.monthly)[-MONTHS:]
    monthly = {
        str(role): [rec.tally.monthly.get(m, {}).get(role, 0) for m in months] for role in ROLES
    }
    top = rec.rows[:TOP]
    by_role = {str(role): [r.counts.roles[role].entries for r in top] for role in ROLES}
    climbing = [s for s in rec.standings if s.next is not None and s.next.accepted > 0][:TOP]
    return {
        "monthly": monthly_chart(months, monthly, _CHART_TITLES["monthly"]),
        "top": top_chart([r.name for r in top], by_role, _CHART_TITLES["top"]),
        "progress": progress_chart(
            [rec.names[s.handle] for s in climbing],
            [s.progress for s in climbing],
            [
                f"{s.accepted}/{s.next.accepted} → {s.next.name_en}"
                for s in climbing
                if s.next is not None
            ],
            _CHART_TITLES["progress"],
        ),
    }


def html(rec: Recognition, svgs: dict[str, str]) -> str:
    """The report as one self-contained HTML page (styles and SVG charts inline)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("transpub.credits", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    from markupsafe import Markup

    inline = {name: Markup(_strip_xml_header(svg)) for name, svg in svgs.items()}
    return env.get_template("report.html.j2").render(
        rec=rec,
        totals=rec.totals(),
        rows=table_rows(rec, True),
        headers=HEADERS,
        charts=[(name, _CHART_TITLES[name], inline[name]) for name in CHARTS if name in inline],
        how=_HOW.replace("\n", " "),
    )


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    markdown: Path
    html: Path
    charts: dict[str, Path]


def report_folder(project: Project, period: Period) -> Path:
    return project.root / project.config.credits.reports_dir / period.label


def write_report(project: Project, rec: Recognition) -> ReportFiles:
    """Write ``report.md``, ``report.html`` and ``charts/*.svg`` for the period (atomically,
    unchanged files untouched)."""
    folder = report_folder(project, rec.period)
    svgs = charts(rec)
    paths = {}
    for name, svg in svgs.items():
        path = folder / "charts" / f"{name}.svg"
        write_atomic(path, svg)
        paths[name] = path
    md = folder / "report.md"
    page = folder / "report.html"
    write_atomic(md, markdown(rec))
    write_atomic(page, html(rec, svgs))
    return ReportFiles(folder, md, page, paths)
