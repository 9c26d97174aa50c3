"""What a publishing run did, for people: plain text (the CLI) and Markdown (Prefect artifacts)."""

from __future__ import annotations

from transpub.publish.site import Action, ArticlePublication, PublishRun


def _verb(result: ArticlePublication, dry_run: bool) -> str:
    if dry_run and result.action in (Action.PUBLISHED, Action.UPDATED):
        return "would publish" if result.action is Action.PUBLISHED else "would update"
    return str(result.action)


def _credit(result: ArticlePublication) -> str:
    c = result.credits
    return "; ".join(f"{role.lower()} {names}" for role, names in c.roles()) if c else ""


def summary_text(run: PublishRun) -> str:
    """One line per article (what was done and where, or why not), then the totals."""
    lines = []
    for r in run.results:
        if r.action is Action.FAILED:
            continue  # said as an error line (the CLI) or in the artifact
        line = f"{r.slug}: {_verb(r, run.dry_run)}"
        if r.pages is not None and r.action not in (Action.BLOCKED, Action.REFUSED):
            where = r.pages.en_url or r.pages.en
            line += f" → {where}"
            if r.commit and not run.dry_run:
                line += f" (commit {r.commit[:10]})"
            if r.action is not Action.UNCHANGED and _credit(r):
                line += f"; {_credit(r)}"
        if r.reason:
            line += f" — {r.reason}"
        lines.append(line)
    done = sum(r.action in (Action.PUBLISHED, Action.UPDATED) for r in run.results)
    held = sum(r.action in (Action.BLOCKED, Action.REFUSED) for r in run.results)
    failed = sum(r.action is Action.FAILED for r in run.results)
    verb = "would be published" if run.dry_run else "published"
    tail = (
        f"{done} {verb}, {len(run.results) - done - held - failed} unchanged, "
        f"{held} not publishable{f', {failed} failed' if failed else ''}; "
        f"{run.writes} file{'' if run.writes == 1 else 's'} written to {run.site} ({run.layout})"
    )
    if run.created_site:
        tail += "; created a new site repository there"
    if run.pushed:
        tail += "; pushed"
    return "\n".join([*lines, tail])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(run: PublishRun) -> str:
    """A Markdown table: article, what happened, the English and Chinese pages (linked), commit."""
    title = "Publishing (dry run)" if run.dry_run else "Publishing"
    out = [
        f"# {title}: {run.site.name} ({run.layout})",
        "",
        "| article | result | English | Chinese | credits | commit |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in run.results:
        en = zh = ""
        if r.pages is not None:
            en = f"[{r.pages.en}]({r.pages.en_url})" if r.pages.en_url else r.pages.en
            zh = f"[{r.pages.zh}]({r.pages.zh_url})" if r.pages.zh_url else r.pages.zh
        result = _verb(r, run.dry_run) + (f": {r.reason}" if r.reason else "")
        out.append(
            f"| {_cell(r.slug)} | {_cell(result)} | {_cell(en)} | {_cell(zh)} "
            f"| {_cell(_credit(r))} | {r.commit[:10]} |"
        )
    files = f"{run.writes} file{'' if run.writes == 1 else 's'}"
    out += ["", f"{files} written in {run.seconds:.1f} s."]
    return "\n".join(out) + "\n"
