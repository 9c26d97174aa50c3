"""Machine translation of one entry on demand, for the review app.

The unit goes to the configured engine exactly as ``transpub translate`` would send it: a unit
that is one glossary term gets the term's rendering, inline Markdown travels as tags, the
neighbouring paragraphs as context and the glossary terms of the unit with it; the answer gets
its Markdown back. It shares the translate runs' engine cache (``.transpub/mt-cache.sqlite``):
a text any run or any earlier request has paid for is never sent again, and two people asking
for the same text at once send it once. What each request cost is appended to
``.transpub/mt-usage.jsonl`` (failed requests included). Nothing is written to the catalog:
the answer is a proposal the translator saves, or not.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import polib

from transpub.article import Article, Project
from transpub.config import Config
from transpub.credits.contributions import entry_id, now_stamp
from transpub.engines import Engine, Usage, create_engine
from transpub.engines.base import Batch
from transpub.engines.markup import protect
from transpub.engines.pretranslate import (
    EngineCache,
    RunTexts,
    batch_context,
    batch_terms,
    glossary_rendering,
    restore_answer,
)
from transpub.errors import EngineError, TranspubError
from transpub.glossary.model import Glossary
from transpub.review import jsonlines

CACHE_NAME = "mt-cache.sqlite"  # the translate flow's engine cache, shared
USAGE_NAME = "mt-usage.jsonl"
#: A click waits for its answer: at most this many retries, and this many seconds per request
#: (the settings in transpub.toml apply when they are lower; translate runs use them as set).
CLICK_RETRIES = 1
CLICK_TIMEOUT = {"deepl": 10.0, "llm": 30.0}


@dataclass(frozen=True)
class MachineAnswer:
    """What the engine (or the cache, or the glossary) proposes for one entry."""

    text: str
    origin: str  # as a draft would record it: mt:deepl, mt:llm:<model>, glossary
    source: str  # "engine" (sent now), "cache" (paid for before) or "glossary"
    problem: str | None  # why the proposal is doubtful (markup not kept…), if it is
    usage: Usage  # what this request cost (nothing unless source is "engine")
    engine: str = ""  # the engine's name (DeepL…)

    def status(self) -> str:
        """One line for the entry's status line."""
        if self.source == "glossary":
            said = "The glossary's rendering of this term (nothing sent)"
        elif self.source == "cache":
            said = f"{self.engine}'s earlier answer, from the cache (nothing billed)"
        else:
            cost = self.usage.billed_characters
            tokens = self.usage.input_tokens + self.usage.output_tokens
            bill = f"{cost:,} characters billed" if cost or not tokens else f"{tokens:,} tokens"
            said = f"Machine translation by {self.engine} ({bill})"
        doubt = f"; check it: {self.problem}" if self.problem else ""
        return f"{said}{doubt}. Not saved until you save. · 机器翻译，尚未保存。"


@dataclass(frozen=True)
class UsageRecord:
    """One line of ``.transpub/mt-usage.jsonl``: who asked for what, and what it cost."""

    at: str
    user: str
    article: str
    entry: str
    engine: str
    requests: int
    billed_characters: int
    input_tokens: int
    output_tokens: int
    unconfirmed_characters: int
    failed: bool


class MachineTranslator:
    """The project's engine for one entry at a time (thread-safe; one per app).

    The engine is made on first use and again when the glossary changes (a DeepL engine then
    syncs the project's DeepL glossary once, as a run does before its first batch).
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._lock = threading.Lock()
        self._engine: tuple[Glossary | None, Engine] | None = None
        self._cache: EngineCache | None = None
        self._texts = RunTexts()
        self._limiter = threading.BoundedSemaphore(project.config.translate.max_concurrency)

    @property
    def configured(self) -> bool:
        """Whether ``[translate] engine`` names an engine (the editor shows the button)."""
        return self.project.config.translate.engine != "none"

    @property
    def usage_log(self) -> Path:
        return self.project.root / ".transpub" / USAGE_NAME

    def engine(self, glossary: Glossary | None) -> Engine:
        """The configured engine for ``glossary``, ready to call (EngineError when it cannot
        be: a missing key, a glossary the service refused…)."""
        with self._lock:
            if self._engine is not None and self._engine[0] is glossary:
                return self._engine[1]
            made = create_engine(for_a_click(self.project.config), glossary)
            if made is None:
                raise EngineError(
                    "no machine translation engine is configured",
                    hint="set [translate] engine in transpub.toml",
                )
            made.check_key()
            made.prepare()
            if self._cache is None or self._cache.key != _cache_key(made):
                if self._cache is not None:
                    self._cache.close()
                self._cache = EngineCache(self.project.root / ".transpub" / CACHE_NAME, made)
                self._texts = RunTexts()
            self._engine = (glossary, made)
            return made

    def translate(
        self,
        article: Article,
        entries: Sequence[polib.POEntry],
        msgid: str,
        glossary: Glossary | None,
        user: str,
    ) -> MachineAnswer:
        """A proposal for the entry ``msgid`` of ``entries`` (the article's live entries, in
        document order, for the context). Raises EngineError (a sentence, never the key; an
        engine that cannot be reached is said so in plain words)."""
        try:
            return self._translate(article, entries, msgid, glossary, user)
        except EngineError as exc:
            plain = unreachable(self.project.config, exc)
            if plain is None:
                raise
            raise plain from exc

    def _translate(
        self,
        article: Article,
        entries: Sequence[polib.POEntry],
        msgid: str,
        glossary: Glossary | None,
        user: str,
    ) -> MachineAnswer:
        rendering = glossary_rendering(glossary, msgid)
        if rendering is not None:
            return MachineAnswer(rendering, "glossary", "glossary", None, Usage())
        engine = self.engine(glossary)
        cache = self._cache
        assert cache is not None  # made with the engine
        hit = cache.get(msgid)
        if hit is not None:
            return MachineAnswer(hit[0], engine.origin(), "cache", hit[1], Usage(), engine.name)
        guard = protect(msgid)
        usage = Usage()
        while not self._texts.claim(guard.text):
            got = self._texts.wait(guard.text)  # someone is sending it now: use their answer
            if got is not None:
                text, problem = restore_answer(got[0], guard, got[1])
                return MachineAnswer(text, engine.origin(), "cache", problem, usage, engine.name)
            # their request failed: ours to send, unless a third asker claimed it meanwhile
        answered = False
        try:
            at = next((i for i, e in enumerate(entries) if e.msgid == msgid), 0)
            span = self.project.config.translate.context_paragraphs
            batch = Batch(
                [entry_id(msgid)],
                [guard.text],
                batch_context(entries, at, at, span),
                batch_terms(glossary, [msgid]),
            )
            try:
                with self._limiter:
                    result = engine.call(batch)
            except EngineError as exc:
                usage.add_failed(exc)
                self._record(article, msgid, engine, usage, user, failed=True)
                raise
            usage.add(result, 1)
            failure = result.failed[0] if result.failed else None
            self._record(article, msgid, engine, usage, user, failed=failure is not None)
            if failure is not None:  # no usable answer: not cached, the next click asks again
                raise EngineError(f"{engine.name} gave no usable translation: {failure}")
            problem = result.problems[0] if result.problems else None
            self._texts.answer(guard.text, result.texts[0], problem)
            answered = True
            text, problem = restore_answer(result.texts[0], guard, problem)
            cache.put([(msgid, text, problem)])  # kept before anyone sees it: paid for once
            return MachineAnswer(text, engine.origin(), "engine", problem, usage, engine.name)
        finally:
            if not answered:
                self._texts.release([guard.text])

    def _record(
        self, article: Article, msgid: str, engine: Engine, usage: Usage, user: str, failed: bool
    ) -> None:
        record = UsageRecord(
            at=now_stamp(),
            user=user,
            article=article.slug,
            entry=entry_id(msgid),
            engine=engine.origin(),
            requests=usage.requests,
            billed_characters=usage.billed_characters,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            unconfirmed_characters=usage.unconfirmed_characters,
            failed=failed,
        )
        self.usage_log.parent.mkdir(parents=True, exist_ok=True)
        jsonlines.append(self.usage_log, asdict(record))


def for_a_click(config: Config) -> Config:
    """``config`` with the engines' retries and timeouts cut to what one click can wait for."""
    deepl, llm = config.deepl, config.llm
    return replace(
        config,
        deepl=replace(
            deepl,
            max_retries=min(deepl.max_retries, CLICK_RETRIES),
            timeout=min(deepl.timeout, CLICK_TIMEOUT["deepl"]),
        ),
        llm=replace(
            llm,
            max_retries=min(llm.max_retries, CLICK_RETRIES),
            timeout=min(llm.timeout, CLICK_TIMEOUT["llm"]),
        ),
    )


def unreachable(config: Config, exc: EngineError) -> EngineError | None:
    """A plain one-line error when ``exc`` came from not reaching the engine at all (refused,
    unknown host, no answer in time), else None. Names the host, never the key nor the
    HTTP library's internals."""
    import deepl
    import openai
    import requests

    cause: BaseException | None = exc.__cause__
    while cause is not None and not isinstance(
        cause, (deepl.ConnectionException, openai.APIConnectionError, requests.ConnectionError)
    ):
        cause = cause.__cause__
    if cause is None:
        return None
    timed_out = isinstance(cause, openai.APITimeoutError) or isinstance(
        cause.__cause__, requests.Timeout
    )
    click = for_a_click(config)
    if config.translate.engine == "llm":
        name, setting = "The LLM endpoint", "[llm] base_url (or OPENAI_BASE_URL)"
        url = config.llm.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com"
        wait, retries = click.llm.timeout, click.llm.max_retries
    else:
        name, setting = "DeepL", "[deepl] server_url (or DEEPL_SERVER_URL)"
        free = os.environ.get(config.deepl.auth_key_env, "").strip().endswith(":fx")
        default = "api-free.deepl.com" if free else "api.deepl.com"
        url = config.deepl.server_url or os.environ.get("DEEPL_SERVER_URL") or default
        wait, retries = click.deepl.timeout, click.deepl.max_retries
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or url) + (f":{parts.port}" if parts.port else "")
    tries = "once" if retries == 0 else "twice" if retries == 1 else f"{retries + 1} times"
    why = f"no answer within {wait:g} s" if timed_out else "the connection failed"
    return type(exc)(
        f"{name} could not be reached: {why} at {host} (tried {tries})",
        hint=f"check the network and {setting}, or try again in a minute",
    )


def _cache_key(engine: Engine) -> str:
    return f"{engine.engine_id}:{engine.fingerprint()}"


def one_line(exc: TranspubError, secrets: Sequence[str] = ()) -> str:
    """The error as one line for a status line, with any of ``secrets`` masked (the engines
    never put a key in a message; this makes sure)."""
    text = " ".join(str(exc).split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def key_values(project: Project) -> list[str]:
    """The engine keys in the environment, to keep out of anything shown."""
    names = (project.config.deepl.auth_key_env, project.config.llm.api_key_env)
    return [value for name in names if len(value := os.environ.get(name, "").strip()) >= 8]


__all__ = [
    "MachineAnswer",
    "MachineTranslator",
    "UsageRecord",
    "for_a_click",
    "key_values",
    "one_line",
    "unreachable",
]
