#!/usr/bin/env python3
"""Benchmark: the translate flow over the 2024 report against a local DeepL API.

One command: ``python bench/translate_bench.py``. The real ``deepl`` client talks to the test
suite's DeepL server on 127.0.0.1. Printed: requests made versus the fewest the batch limits allow
(50 texts or 128 KiB per request); characters billed versus the characters of the units and versus
sending whole documents; what an unchanged re-run and a one-paragraph edit cost; and where the wall
time went (engine, checks, the rest of the library, Prefect's own overhead). Then two
`transpub translate` runs started at once on one project versus one run (characters billed: 1.00
when the second run pays nothing twice), and a page of 39 identical image units plus a heading
shared by two articles (requests and characters versus the distinct texts: 1.00 when each is sent
once). ``--only runs`` or ``--only duplicates`` runs just those.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = ROOT.parent / "shared" / "corpus" / "report-2024" / "zh"
KEY = "bench-key:fx"

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="transpub-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from servers.deepl_server import DeepLServer  # noqa: E402

from transpub.article import Project, add_article  # noqa: E402
from transpub.catalog import pofile  # noqa: E402
from transpub.catalog.queue import active  # noqa: E402
from transpub.errors import ArticleError  # noqa: E402


def make_project(folder: Path) -> Project:
    (folder / "transpub.toml").write_text(
        '[project]\nname = "bench"\n\n[translate]\nengine = "deepl"\n', encoding="utf-8"
    )
    (folder / "glossary").mkdir()
    shutil.copy(ROOT / "glossary" / "glossary.csv", folder / "glossary" / "glossary.csv")
    project = Project.open(folder)
    for path in sorted(CORPUS.glob("*.md")):
        try:
            add_article(project, path, path.stem.lower())
        except ArticleError as exc:  # index.md: a VitePress home page with no title
            print(f"skipped: {exc}")
    return project


def minimum_requests(project: Project) -> tuple[int, int, int]:
    """(fewest requests, unit characters, document characters) for what went to the engine."""
    from transpub.catalog.queue import get_note
    from transpub.engines.markup import protect

    fewest = unit_chars = doc_chars = 0
    for article in project.articles():
        entries = active(pofile.load(article.catalog))
        texts = [protect(e.msgid).text for e in entries if get_note(e, "origin") == "mt:deepl"]
        payload = sum(len(json.dumps(t).encode("ascii")) + 1 for t in texts) + 2
        fewest += max(math.ceil(len(texts) / 50), math.ceil(payload / (128 * 1024)))
        unit_chars += sum(len(e.msgid) for e in entries if get_note(e, "origin") == "mt:deepl")
        doc_chars += len(article.source.read_text(encoding="utf-8"))
    return fewest, unit_chars, doc_chars


def run(project: Project, server: DeepLServer) -> tuple[dict[str, float], int, int, float]:
    from flows.translate import translate

    before_requests = len(server.requests_to("/v2/translate"))
    before_chars = server.character_count
    t0 = time.perf_counter()
    outcome = translate(str(project.root))
    wall = time.perf_counter() - t0
    split = {"engine": 0.0, "checks": 0.0, "sync": 0.0, "pretranslate": 0.0}
    for r in outcome.runs:
        for key in split:
            split[key] += r.seconds.get(key, 0.0)
    return (
        split,
        len(server.requests_to("/v2/translate")) - before_requests,
        server.character_count - before_chars,
        wall,
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="transpub-bench-"))
    articles = 0
    with DeepLServer(KEY, character_limit=10**9) as server:
        os.environ["DEEPL_AUTH_KEY"] = KEY
        os.environ["DEEPL_SERVER_URL"] = server.url
        project = make_project(folder)
        from transpub.catalog.sync import sync_article

        for article in project.articles():
            sync_article(project, article)
        articles = len(list(project.articles()))

        split, requests, billed, wall = run(project, server)
        fewest, unit_chars, doc_chars = minimum_requests(project)
        _, re_requests, re_billed, re_wall = run(project, server)
        article = project.article("preface")
        text = article.source.read_text(encoding="utf-8")
        first = next(u for u in text.split("\n\n") if len(u) > 40 and not u.startswith(("#", "-")))
        article.source.write_text(text.replace(first, first + "（修订）", 1), encoding="utf-8")
        _, edit_requests, edit_billed, edit_wall = run(project, server)
    shutil.rmtree(folder, ignore_errors=True)

    library = split["sync"] + split["pretranslate"] + split["checks"]
    print(
        f"2024 report: {articles} articles, {unit_chars:,} unit chars, {doc_chars:,} document chars"
    )
    print(
        f"first run:      {requests} requests (fewest the limits allow: {fewest}; "
        f"ratio {requests / fewest:.2f}), {billed:,} characters billed"
    )
    print(f"  billed / characters of the units sent: {billed / unit_chars:.3f} (tags count too)")
    print(f"  billed / sending whole documents:      {billed / doc_chars:.3f}")
    print(f"unchanged re-run: {re_requests} requests, {re_billed} chars billed, {re_wall:.1f} s")
    print(
        f"one-paragraph edit: {edit_requests} request(s), {edit_billed} characters billed "
        f"(the paragraph: {len(first) + 4} characters), {edit_wall:.1f} s"
    )
    print(
        f"wall time of the first run: {wall:.1f} s = engine {split['engine']:.1f} s "
        f"+ checks {split['checks']:.1f} s + rest of the library "
        f"{library - split['engine'] - split['checks']:.1f} s "
        f"+ Prefect and flow overhead {wall - library:.1f} s (task times summed; tasks overlap)"
    )


#: How the stand-in LLM answers, request after request, in the LLM mode: as real models do,
#: mostly clean JSON, sometimes prose or a reasoning block around it, a fence, string ids, a unit
#: left out, an answer cut off at the output limit.
LLM_SHAPES = ["ok", "prose", "ok", "think", "missing", "ok", "fenced", "truncated", "string_ids"]


def llm_main() -> None:
    """``python bench/translate_bench.py --llm``: the LLM engine over the 2024 report against the
    test suite's OpenAI-compatible server (tokens are counted as characters there)."""
    from servers.openai_server import serve

    from transpub.catalog import pofile
    from transpub.catalog.queue import get_note
    from transpub.catalog.sync import sync_article
    from transpub.checks.report import project_glossary
    from transpub.engines import create_engine
    from transpub.engines.base import Usage
    from transpub.engines.llm import _HAN
    from transpub.engines.pretranslate import EngineCache, pretranslate

    folder = Path(tempfile.mkdtemp(prefix="transpub-bench-llm-"))
    with serve() as server:
        os.environ["OPENAI_API_KEY"] = server.key
        os.environ["OPENAI_BASE_URL"] = server.base_url
        project = make_project(folder)
        glossary = project_glossary(project)
        engine = create_engine(project.config, glossary, "llm")
        assert engine is not None
        server.fail(*(LLM_SHAPES * 1000))
        cache = EngineCache(folder / ".transpub" / "mt-cache.sqlite", engine)
        usage, failed, batches, t0 = Usage(), 0, 0, time.perf_counter()
        for article in project.articles():
            sync_article(project, article)
            done = pretranslate(
                project, article, memory=None, glossary=glossary, engine=engine, cache=cache
            )
            usage.merge(done.usage)
            failed += done.failed
        wall = time.perf_counter() - t0
        cache.close()
        bodies = list(server.bodies)
        usages = list(server.usages)
        translated, skipped, units = 0, 0, 0
        for article in project.articles():
            for entry in active(pofile.load(article.catalog)):
                if get_note(entry, "origin") == engine.origin():
                    units += 1
                    if _HAN.search(entry.msgid):
                        translated += len(entry.msgid)
                    else:
                        skipped += 1
    shutil.rmtree(folder, ignore_errors=True)

    # The least input that can carry the work: each batch's first request (its system prompt
    # and its units, once); re-asks and split halves come on top.
    seen: set[str] = set()
    minimum = batches = 0
    for body in bodies:
        texts = [u["text"] for u in json.loads(body["messages"][1]["content"])["units"]]
        if seen.isdisjoint(texts):
            batches += 1
            minimum += sum(len(m["content"]) for m in body["messages"])
        seen.update(texts)
    answer_chars = sum(u["completion_tokens"] for u in usages)
    ids = 0  # characters of the ids in the answers (ordinal here; 16-hex ids cost 18 each)
    entries = 0
    for body in bodies:
        n = len(json.loads(body["messages"][1]["content"])["units"])
        entries += n
        ids += sum(len(str(i + 1)) for i in range(n))
    print(f"LLM mode, 2024 report: {units} machine drafts, answer shapes cycling {LLM_SHAPES}")
    print(
        f"HTTP requests: {len(bodies)} for {batches} batches (re-asks and split halves "
        f"included); cost table says {usage.requests}; failed units: {failed}"
    )
    print(
        f"input tokens / minimum (system prompt + units once): "
        f"{usage.input_tokens:,} / {minimum:,} = {usage.input_tokens / minimum:.2f}"
    )
    print(
        f"answer tokens / characters translated: {usage.output_tokens:,} / {translated:,} = "
        f"{usage.output_tokens / translated:.2f} (server: {answer_chars:,})"
    )
    print(
        f"ids in the answers: {ids / answer_chars:.1%} of answer characters "
        f"(16-hex ids would take {18 * entries / (answer_chars - ids + 18 * entries):.1%})"
    )
    print(f"units without Chinese, not sent: {skipped} of {units} ({skipped / units:.0%})")
    print(f"wall time: {wall:.1f} s")


def _fresh(folder: Path, corpus_files: int) -> Project:
    """A project of the first ``corpus_files`` articles of the 2024 report, synced."""
    from transpub.catalog.sync import sync_article

    (folder / "transpub.toml").write_text(
        '[project]\nname = "bench"\n\n[translate]\nengine = "deepl"\n', encoding="utf-8"
    )
    project = Project.open(folder)
    for path in sorted(CORPUS.glob("*.md"))[: corpus_files + 1]:
        try:
            add_article(project, path, path.stem.lower())
        except ArticleError:
            continue
    for article in project.articles():
        sync_article(project, article)
    return project


def _cli_runs(project: Project, server: DeepLServer, count: int) -> list[int]:
    """Start ``count`` `transpub translate` processes at once; their exit codes."""
    import subprocess

    exe = Path(sys.executable).with_name("transpub")
    env = {**os.environ, "DEEPL_AUTH_KEY": KEY, "DEEPL_SERVER_URL": server.url}
    runs = [
        subprocess.Popen(
            [str(exe), "-C", str(project.root), "translate"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    return [run.wait() for run in runs]


def concurrent_runs() -> None:
    """Two runs at once on one project bill what one run bills (ratio 1.00)."""
    results = {}
    for count in (1, 2):
        folder = Path(tempfile.mkdtemp(prefix="transpub-bench-runs-"))
        with DeepLServer(KEY, character_limit=10**9) as server:
            project = _fresh(folder, 4)
            t0 = time.perf_counter()
            codes = _cli_runs(project, server, count)
            wall = time.perf_counter() - t0
            results[count] = (
                server.character_count,
                len(server.requests_to("/v2/translate")),
                codes,
                wall,
            )
        shutil.rmtree(folder, ignore_errors=True)
    (one, one_req, one_codes, one_wall), (two, two_req, two_codes, two_wall) = (
        results[1],
        results[2],
    )
    print(
        f"two runs at once: {two:,} characters billed in {two_req} requests (exit {two_codes}, "
        f"{two_wall:.1f} s) vs one run {one:,} in {one_req} (exit {one_codes}, {one_wall:.1f} s): "
        f"ratio {two / one:.2f}"
    )


def duplicates() -> None:
    """Identical protected texts are sent once per run: requests and characters vs distinct."""
    from flows.translate import translate
    from transpub.engines.markup import protect

    folder = Path(tempfile.mkdtemp(prefix="transpub-bench-dup-"))
    images = "\n\n".join(f"![image](img/{i}.png)" for i in range(39))
    shared = "# 开源社 2024 年度报告"
    texts = {
        "report": f"---\ntitle: 报告图集\n---\n\n{shared}\n\n{images}\n",
        "summary": f"---\ntitle: 报告摘要\n---\n\n{shared}\n\n摘要正文。\n",
    }
    (folder / "transpub.toml").write_text(
        '[project]\nname = "bench"\n\n[translate]\nengine = "deepl"\n', encoding="utf-8"
    )
    (folder / "articles").mkdir()
    for slug, text in texts.items():
        (folder / "articles" / slug).mkdir()
        (folder / "articles" / slug / "zh.md").write_text(text, encoding="utf-8")
    project = Project.open(folder)
    with DeepLServer(KEY, character_limit=10**9) as server:
        os.environ["DEEPL_AUTH_KEY"] = KEY
        os.environ["DEEPL_SERVER_URL"] = server.url
        translate(str(folder))
        sent = [t for r in server.requests_to("/v2/translate") for t in r.texts]
        billed = server.character_count
    distinct: set[str] = set()
    units = fewest = 0
    for article in project.articles():  # articles batch their own texts: the fewest per article
        texts = {protect(e.msgid).text for e in active(pofile.load(article.catalog))}
        units += len(active(pofile.load(article.catalog)))
        fewest += math.ceil(len(texts - distinct) / 50)
        distinct |= texts
    requests = len(server.requests_to("/v2/translate"))
    print(
        f"duplicates: {units} units, {len(distinct)} distinct texts; sent {len(sent)} texts "
        f"(ratio {len(sent) / len(distinct):.2f}) in {requests} request(s) (fewest, one batch "
        f"per article: {fewest}; "
        f"ratio {requests / fewest:.2f}), {billed} characters billed (distinct texts: "
        f"{sum(map(len, distinct))}; ratio {billed / sum(map(len, distinct)):.2f})"
    )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    if "--llm" in sys.argv[1:]:
        only = "llm"
    if only == "llm":
        llm_main()
    if only is None:
        main()
    if only in (None, "runs"):
        concurrent_runs()
    if only in (None, "duplicates"):
        duplicates()
