#!/usr/bin/env python3
"""Benchmark: publishing the eight pages of the 2024 report to a VitePress checkout.

One command: ``python bench/publish_bench.py``. The subject: ``transpub.publish.publish`` over
the eight articles of ``shared/corpus/report-2024/zh``, each with an identity-approved catalog
(every msgstr = msgid, reviewed, the checks that fire on Chinese-as-English silenced with
``ignore-<check>`` flags as a reviewer would, approved by an editor). It checks, rebuilds with
the structure check, renders both pages with credits, writes atomically and commits once per
article. The peer in the same run: the floor a hand-written script would pay for the same
output — copy the sixteen pages (transpub's own output) into a fresh checkout and commit once per
article with the same git command — so the ratio shows what the safety costs above plain
writing. A re-run must write nothing and commit nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from transpub.article import Project, add_article
from transpub.catalog import pofile
from transpub.catalog.queue import active, approve, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.checks.report import check_entries
from transpub.publish.site import publish

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "report-2024" / "zh"
TOML = '[project]\nname = "bench"\n\n[site]\nlayout = "vitepress"\ncheckout = "site"\n'


def identity_project(folder: Path) -> Project:
    """A project with the report's pages as articles, each identity-translated and approved."""
    (folder / "transpub.toml").write_text(TOML, encoding="utf-8")
    (folder / "articles").mkdir()
    project = Project.open(folder)
    for path in sorted(CORPUS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not re.search(r"^title:", text, re.M) and text.startswith("---\n"):
            text = text.replace("---\n", f"---\ntitle: {path.stem}\n", 1)  # the home page
        staged = folder / path.name
        staged.write_text(text, encoding="utf-8")
        article = add_article(project, staged, path.stem.lower())
        staged.unlink()
        sync_article(project, article)
        po = pofile.load(article.catalog)
        for entry in active(po):
            record_draft(entry, entry.msgid, "human", "bench translator")
            record_review(entry, "bench reviewer")
        source = str(article.source.relative_to(folder))
        for finding in check_entries(active(po), None, source):
            if finding.severity == "error":
                entry = next(e for e in active(po) if e.msgid == finding.msgid)
                flag = f"ignore-{finding.check}"
                if flag not in entry.flags:
                    entry.flags.append(flag)
        approve(po, "bench editor", time_now())
        pofile.save(po, article.catalog)
    return project


def time_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    return subprocess.run(
        ["git", "-C", str(repo), *env_args, *args], capture_output=True, text=True, check=True
    ).stdout


def peer(site: Path, target: Path, pages: list[tuple[str, list[str]]]) -> float:
    """Copy the published files into a fresh checkout and commit once per article."""
    t0 = time.perf_counter()
    target.mkdir()
    git(target, "init", "-q")
    for slug, files in pages:
        for rel in files:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(site / rel, dest)
        git(target, "add", "--", *files)
        git(target, "commit", "-q", "-m", f"Publish {slug}", "--", *files)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first: list[float] = []
    rerun: list[float] = []
    floor: list[float] = []
    for n in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="transpub-publish-bench-") as tmp:
            folder = Path(tmp)
            project = identity_project(folder)
            t0 = time.perf_counter()
            run = publish(project)
            first.append(time.perf_counter() - t0)
            blocked = [f"{r.slug}: {r.reason}" for r in run.results if r.reason]
            assert not blocked, blocked
            site = folder / "site"
            commits = int(git(site, "rev-list", "--count", "HEAD"))
            t0 = time.perf_counter()
            again = publish(project)
            rerun.append(time.perf_counter() - t0)
            assert int(git(site, "rev-list", "--count", "HEAD")) == commits
            pages = [(r.slug, r.written) for r in run.results]
            floor.append(peer(site, folder / "peer", pages))
            if n == 0:
                size = sum((site / p).stat().st_size for _, files in pages for p in files)
                print(
                    f"{len(run.results)} articles → {run.writes} files ({size:,} bytes), "
                    f"{commits} commits; re-run: {again.writes} writes, "
                    f"{int(git(site, 'rev-list', '--count', 'HEAD')) - commits} new commits"
                )
    med = statistics.median
    print(f"transpub publish (first run): {med(first):6.2f} s  (median of {args.repeat})")
    print(f"transpub publish (re-run):    {med(rerun):6.2f} s  (0 writes, 0 commits)")
    print(f"peer: copy + git commit:      {med(floor):6.2f} s")
    print(f"transpub / peer: {med(first) / med(floor):.1f}×")


if __name__ == "__main__":
    main()
