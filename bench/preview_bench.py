#!/usr/bin/env python3
"""Benchmark: the review app's English preview of a 2,000-unit article, against `build`.

One command: ``python bench/preview_bench.py [--units N] [--repeat R]``. A throwaway project gets
an article of headings, paragraphs with inline markup, list items and a table, every entry a
machine draft. Reported (medians of ``--repeat`` runs): making the preview (rebuild, structure
check, markdown-it, marking, nh3), a view answered from the kept preview, and the peer measured
in the same run: ``build_article`` (what ``transpub build --fuzzy`` does: read, segment,
rebuild, structure check), with the ratio preview / build.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from transpub.article import Project  # noqa: E402
from transpub.catalog import pofile  # noqa: E402
from transpub.catalog.queue import active, record_draft  # noqa: E402
from transpub.catalog.sync import build_article, sync_article  # noqa: E402
from transpub.review.preview import Previews, build_preview  # noqa: E402


def source(units: int) -> str:
    """``units`` translatable units: a heading, then paragraphs, list items and table rows."""
    lines = ["---", "title: 开源社年度报告（预览基准）", "---", ""]
    n = 1
    while n < units:
        lines += [f"## 第{n}节 开源社的工作", ""]
        n += 1
        for _ in range(6):
            lines += [f"开源社在第{n}段推动**开源**项目，见[官网](https://kaiyuanshe.cn/{n})。", ""]
            n += 1
        lines += [f"- 第{n}项：运营多语种内容", f"- 第{n + 1}项：`code` 与 <b>标签</b>", ""]
        n += 2
        lines += ["| 名称 | 数量 |", "| --- | --- |", f"| 成员{n} | {n} |", ""]
        n += 1
    return "\n".join(lines) + "\n"


def median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "transpub.toml").write_text('[project]\nname = "bench"\n', encoding="utf-8")
        (root / "articles" / "big").mkdir(parents=True)
        (root / "articles" / "big" / "zh.md").write_text(source(args.units), encoding="utf-8")
        project = Project.open(root)
        article = project.article("big")
        sync_article(project, article)
        po = pofile.load(article.catalog)
        for entry in active(po):
            record_draft(entry, f"Draft {entry.msgid}", "mt:deepl", None)
        pofile.save(po, article.catalog)
        po = pofile.load(article.catalog)
        entries = len(active(po))

        made = build_preview(project, article, po)  # warms imports
        assert not made.refusals, made.refusals[:3]
        preview = median(lambda: build_preview(project, article, po), args.repeat)
        build = median(lambda: build_article(project, article, include_drafts=True), args.repeat)
        kept = Previews()
        kept.get(project, article, lambda: po)
        cached = median(lambda: kept.get(project, article, lambda: po), args.repeat)
    size = sum(len(line) for line in source(args.units))
    print(f"article: {entries} entries, {size:,} characters")
    print(f"preview (made):      {preview * 1000:8.1f} ms")
    print(f"preview (kept):      {cached * 1000:8.3f} ms")
    print(f"peer build --fuzzy:  {build * 1000:8.1f} ms")
    print(f"ratio preview/build: {preview / build:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
