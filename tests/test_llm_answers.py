"""The LLM engine in a translate run, against answers shaped as real models give them.

Each case runs the translate flow's article task (its function: sync, pre-translate, check) with
the real openai client and the stand-in service on 127.0.0.1, and checks the catalog, the engine
cache, the cost table and the run's failure (which makes the command exit 2; the command itself
is run end to end in ``test_llm_failures_end_to_end.py``). Then a second run against a
well-behaved service must send exactly the units that failed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers.openai_server import OpenAIServer, serve, translate

from conftest import write_article
from flows.translate import ArticleRun, Outcome, cost_rows, translate_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import get_note
from transpub.engines import create_engine
from transpub.engines.markup import protect
from transpub.engines.pretranslate import EngineCache

PARAGRAPHS = [f"第{i}段：开源社的国际接轨组在 2025 年组织了第 {i} 场活动。" for i in range(4)]
ENGLISH = "GitHub Actions and Gitee Go."
SOURCE = (
    "---\ntitle: 年度活动\n---\n\n# 年度活动\n\n" + "\n\n".join(PARAGRAPHS) + f"\n\n{ENGLISH}\n"
)
#: What is sent, in order (title and heading are one entry; the English unit is not sent).
SENT = ["年度活动", *PARAGRAPHS]
ORIGIN = "mt:llm:gpt-4o-mini"


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    with serve() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def _translate(project_dir: Path) -> tuple[ArticleRun, dict[str, str]]:
    """One article's run as the flow does it, and its row of the cost table."""
    project = Project.open(project_dir)
    engine = create_engine(project.config, None, "llm")
    assert engine is not None
    cache = EngineCache(project.root / ".transpub" / "mt-cache.sqlite", engine)
    try:
        done = translate_article.fn(
            project, project.article("events"), None, engine, cache, threading.Semaphore(2), None
        )
    finally:
        cache.close()
    # A failed article comes back as a Failed state carrying its ArticleRun.
    run = done if isinstance(done, ArticleRun) else done.data
    outcome = Outcome(engine="llm", runs=[run], failures=[run.failure] if run.failure else [])
    return run, cost_rows(outcome)[0]


def _cached(project: Path) -> dict[str, str]:
    """Source → answer of every row of the engine cache, and checks each row's engine key."""
    db = sqlite3.connect(project / ".transpub" / "mt-cache.sqlite")
    try:
        rows = db.execute("SELECT engine, source, target FROM answers").fetchall()
    finally:
        db.close()
    for engine, _source, _target in rows:
        assert engine.startswith("llm:http://127.0.0.1:") and engine.endswith(" gpt-4o-mini")
    return {source: target for _engine, source, target in rows}


Setup = Callable[[OpenAIServer], None]


def _always(fault: str) -> Setup:
    def setup(server: OpenAIServer) -> None:
        server.always = fault

    return setup


def _once(*faults: str) -> Setup:
    def setup(server: OpenAIServer) -> None:
        server.fail(*faults)

    return setup


def _output_limit(limit: int) -> Setup:
    def setup(server: OpenAIServer) -> None:
        server.output_limit = limit

    return setup


def _context_limit(server: OpenAIServer) -> None:
    # Room for the prompt and answer of about half the units: the batch is refused, halves fit.
    server.context_limit = 2450


CASES: list[tuple[str, Setup, list[int], list[str], str]] = [
    # (case, how the service answers, units per request, units that fail, a word of the reason)
    ("prose before the JSON", _always("prose"), [5], [], ""),
    ("think block before the JSON", _always("think"), [5], [], ""),
    ("JSON in a fence", _always("fenced"), [5], [], ""),
    ("ids as strings", _always("string_ids"), [5], [], ""),
    ("an extra id", _always("extra"), [5], [], ""),
    ("an id twice, same text", _always("duplicate"), [5], [], ""),
    ("an id missing, then given", _once("missing"), [5, 1], [], ""),
    ("an id missing twice", _always("missing"), [5, 1], [SENT[-1]], "missing"),
    ("an id twice with two texts", _always("conflict"), [5, 1], [SENT[0]], "different texts"),
    ("not JSON at all", _always("not_json"), [5, 5], SENT, "not valid JSON"),
    # Cut off: the complete entries are kept, the rest asked for again.
    ("cut off at the output limit", _output_limit(150), [5, 3, 1], [], ""),
    ("finish_reason length once", _once("truncated"), [5, 3], [], ""),
    # Cut off with nothing usable: halves, down to single units.
    ("cut off even for one unit", _output_limit(40), [5, 2, 1, 1, 3, 1, 2, 1, 1], SENT,
     "max_tokens"),
    ("context-length 400", _context_limit, [5, 2, 3], [], ""),
    # The re-ask gets HTTP 500 through all the engine's retries: the first answer is kept.
    ("re-ask failing", _once("missing", *["server_error"] * 4), [5, 1, 1, 1, 1], [SENT[-1]],
     "HTTP 500"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "setup", "sizes", "failed", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_answer_shape(
    project_dir: Path,
    llm: OpenAIServer,
    case: str,
    setup: Setup,
    sizes: list[int],
    failed: list[str],
    reason: str,
) -> None:
    write_article(project_dir, "events", SOURCE)
    setup(llm)
    run, cost = _translate(project_dir)

    assert [len(units) for units in llm.sent_units()] == sizes

    # The run's failure (exit 2): one sentence naming the article, the count and the cause.
    if failed:
        assert run.failure is not None and run.failure.startswith("events: ")
        entries = "1 entry" if len(failed) == 1 else f"{len(failed)} entries"
        assert f"{entries} got no usable machine translation" in run.failure
        assert reason in run.failure
    else:
        assert run.failure is None
    # The catalog: every usable answer a draft naming the model; a failed unit untranslated.
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    for text in SENT:
        entry = po.find(text)
        if text in failed:
            assert entry.msgstr == "" and "fuzzy" not in entry.flags, text
        else:
            assert entry.msgstr == translate(protect(text).text), text
            assert get_note(entry, "origin") == ORIGIN and "fuzzy" in entry.flags
    english = po.find(ENGLISH)
    assert (english.msgstr, get_note(english, "origin")) == (ENGLISH, ORIGIN)
    assert all(ENGLISH not in units for units in llm.sent_units())  # not sent
    # The cache: the usable answers only.
    assert set(_cached(project_dir)) == {*SENT, ENGLISH} - set(failed)
    # The cost table.
    assert cost["failed"] == str(len(failed))
    assert cost["machine drafts"] == str(len(SENT) + 1 - len(failed))
    assert cost["requests"] == str(len(llm.requests))
    tokens_in = sum(u["prompt_tokens"] for u in llm.usages)
    tokens_out = sum(u["completion_tokens"] for u in llm.usages)
    assert cost["tokens (in/out)"] == f"{tokens_in}/{tokens_out}"

    # A second run against a well-behaved service sends exactly the failed units.
    before = len(llm.requests)
    llm.always, llm.faults, llm.output_limit, llm.context_limit = None, [], None, None
    again, cost = _translate(project_dir)
    assert again.failure is None
    assert [t for units in llm.sent_units()[before:] for t in units] == [
        protect(t).text for t in failed
    ]
    assert (cost["failed"], cost["machine drafts"]) == ("0", str(len(failed)))
    assert cost["engine cache"] == "0"
    po = pofile.load(project_dir / "articles" / "events" / "en.po")
    assert all(po.find(t).msgstr == translate(protect(t).text) for t in SENT)
