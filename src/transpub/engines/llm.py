"""The LLM engine: any OpenAI-compatible chat completions service (DeepSeek, Qwen, Ollama, vLLM).

One request per batch: the units go as JSON with short ordinal ids, the answer comes back as JSON
in JSON mode (``response_format={"type": "json_object"}``, which these services support;
``json_schema`` is not). Answers are taken as real models give them: the JSON is found inside
prose, fences and ``<think>`` blocks, integer ids match, every usable entry of a partial or
cut-off answer is used. Units still missing are asked for once more, alone; a batch cut off at
``max_tokens`` or too long for the model's context is split in halves (down to one unit). A unit
that still has no usable answer is reported as failed — never drafted, never cached — so the next
run sends exactly it again. Units without Chinese are their own translation and are not sent.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from transpub.engines.base import Batch, BatchResult, Engine, register
from transpub.errors import EngineAuthError, EngineError, EngineTransientError, QuotaExceeded
from transpub.glossary.term import TermType

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

    from transpub.config import Config
    from transpub.glossary.model import Glossary
    from transpub.glossary.term import Term

#: Where requests go when neither ``[llm] base_url`` nor ``OPENAI_BASE_URL`` says: OpenAI's API,
#: the endpoint the default key variable (``OPENAI_API_KEY``) and model (``gpt-4o-mini``) belong to,
#: so a key is never sent to another company's endpoint by default.
DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Chinese (Han) characters: a unit without any is its own translation and is not sent.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
#: A 400 that means "too long for the model": the batch is split instead of failing.
_TOO_LONG = re.compile(
    r"context[ _](length|window|limit)|maximum context|too many tokens|too long|"
    r"max_tokens.*(exceed|too large|greater)",
    re.IGNORECASE,
)
_THINK = re.compile(r"<think>.*?(</think>|\Z)", re.DOTALL)
#: Answer tokens asked for per unit beyond its text (its JSON entry), and once per request (room
#: for a reasoning model's thoughts), on top of two tokens per character of the units.
_TOKENS_PER_UNIT, _TOKENS_PER_REQUEST = 24, 1024

_TASK = """\
You translate Chinese (zh) into English (en) for an open-source community: articles, news and \
documentation read by developers and contributors. The user sends JSON \
{"units": [{"id": ..., "text": ...}]}. Translate the text of every unit into accurate, natural \
English; translate all of it and add, omit or explain nothing.

The texts contain XML tags that stand for formatting, links and code: paired <g id="N">...</g> \
and self-closing <x id="N"/>. Keep every tag exactly as written, with its id, once each. Put a \
paired tag around the English words that render the Chinese it wraps. Copy each <x id="N"/> \
unchanged: it stands for code, an image or a URL, which is never translated. Never add, drop, \
merge or renumber tags. &amp;, &lt; and &gt; are escaped characters: keep them escaped."""

_ANSWER = """\
Answer with JSON only, no other text: {"translations": [{"id": ..., "text": ...}]}, exactly one \
entry for each unit, with the same ids in the same order."""


def _term_line(term: Term) -> str:
    if term.type is TermType.DO_NOT_TRANSLATE:
        return f"- keep {term.zh} as is"
    if term.type is TermType.FORBIDDEN:
        return f'- never translate {term.zh} as "{term.en}"'
    line = f"- {term.zh} → {term.en}"
    if term.variants:
        line += f" (or {', '.join(term.variants)})"
    return line


def system_prompt(batch: Batch) -> str:
    """The task, the glossary terms of the batch and its context."""
    parts = [_TASK]
    if batch.terms:
        lines = "\n".join(_term_line(t) for t in batch.terms)
        parts.append(f"Glossary: these renderings are required.\n{lines}")
    if batch.context.strip():
        parts.append(
            "Context: the paragraphs around these units, to understand them; do not translate "
            f"it.\n{batch.context.strip()}"
        )
    parts.append(_ANSWER)
    return "\n\n".join(parts)


def user_message(batch: Batch, positions: list[int] | None = None) -> str:
    """The units as JSON with ordinal ids (1 = the batch's first unit), Chinese kept as it is:
    escaped, it would cost six times the tokens."""
    chosen = range(len(batch.texts)) if positions is None else positions
    units = [{"id": i + 1, "text": batch.texts[i]} for i in chosen]
    return json.dumps({"units": units}, ensure_ascii=False)


def parse_answer(content: str | None, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """The usable translations by id, and what is wrong with the answer (empty: nothing).

    Liberal: the JSON may sit in prose, a Markdown fence or after a ``<think>`` block, ids may
    be integers, a cut-off answer yields its complete entries, an extra id is ignored and an id
    repeated with the same text counts once. Problems name the ids still without a translation.
    """
    if not content or not content.strip():
        return {}, ["it was empty"]
    entries, decoded = _entries(_THINK.sub("", content))
    if not decoded:
        return {}, ["it was not valid JSON"]
    if not entries and not any(isinstance(v, list) or "translations" in v for v in decoded):
        return {}, ['it was not a JSON object with a "translations" list']
    wanted = set(ids)
    found: dict[str, set[str]] = {}
    untexted: set[str] = set()
    for entry in entries:
        key, text = _key(entry.get("id")), _text(entry)
        if key is None or key not in wanted:
            continue
        if text is None:
            untexted.add(key)
        else:
            found.setdefault(key, set()).add(text)
    good = {i: next(iter(found[i])) for i in ids if len(found.get(i, ())) == 1}
    problems: list[str] = []
    for label, keys in (
        ("ids given twice with different texts", [i for i in ids if len(found.get(i, ())) > 1]),
        ("ids without a text", [i for i in ids if i in untexted and i not in found]),
        ("ids missing", [i for i in ids if i not in found and i not in untexted]),
    ):
        if keys:
            problems.append(f"{label}: {', '.join(keys)}")
    return good, problems


def _entries(text: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """Every ``{"id", "text"}`` object in the text, and the JSON objects and lists decoded.

    Each ``{`` or ``[`` is tried as the start of a JSON value; a value decoded whole is searched
    for entries and skipped, so a cut-off answer still yields the entries before the cut."""
    decoder = json.JSONDecoder()
    entries: list[dict[str, Any]] = []
    decoded: list[Any] = []
    pos = 0
    while True:
        starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
        if not starts:
            return entries, decoded
        at = min(starts)
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            pos = at + 1
            continue
        if isinstance(value, dict | list):
            decoded.append(value)
        entries.extend(_entries_in(value, 3))
        pos = end


def _entries_in(value: object, depth: int) -> list[dict[str, Any]]:
    """The entries inside a decoded value: itself, or those of its lists and objects."""
    if isinstance(value, dict):
        if "id" in value:
            return [value]
        if depth and isinstance(value.get("translations"), dict):
            # {"translations": {"1": "…"}}: ids as keys
            return [{"id": k, "text": v} for k, v in value["translations"].items()]
        items: list[object] = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return []
    if not depth:
        return []
    return [e for item in items for e in _entries_in(item, depth - 1)]


def _key(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def _text(entry: dict[str, Any]) -> str | None:
    for name in ("text", "translation"):
        value = entry.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _budget(texts: list[str], cap: int) -> int:
    """``max_tokens`` for an answer to these units: room enough, never above the model's cap."""
    need = sum(2 * len(t) + _TOKENS_PER_UNIT for t in texts) + _TOKENS_PER_REQUEST
    return min(cap, need)


class _TooLong(Exception):
    """The service said the request does not fit the model's context (HTTP 400)."""


@dataclass
class _Answer:
    found: dict[int, str]
    problems: list[str]
    truncated: bool


@dataclass
class _Call:
    """One batch's work: its result so far, and whether any answer has arrived yet."""

    batch: Batch
    result: BatchResult
    answered: bool = False
    #: Set by the first error after an answer: the units not yet asked for fail without asking.
    broken: str | None = None
    system: str = ""


@register
class LLMEngine(Engine):
    """Chat completions at an OpenAI-compatible endpoint, one request per batch."""

    engine_id = "llm"
    name = "LLM (OpenAI-compatible)"
    # The answer must fit the model's output limit ([llm] max_tokens, DeepSeek: 8K): 16 KiB of
    # escaped payload is about 2,700 Chinese characters, some 2,500 tokens of English.
    max_bytes = 16 * 1024

    def __init__(self, config: Config, glossary: Glossary | None = None) -> None:
        super().__init__(config, glossary)
        import openai

        settings = config.llm
        self.max_texts = settings.batch_size
        self._key_env = settings.api_key_env
        self._key = os.environ.get(settings.api_key_env, "")
        if not self._key:
            raise EngineAuthError(
                f"the LLM engine needs an API key in the environment variable {self._key_env}",
                hint=f"set {self._key_env} (any value will do for a local server without keys)",
            )
        # The engine retries by itself (max_retries=0 here): it counts every HTTP request and
        # never re-sends a timed-out generation more than once.
        self._client = openai.OpenAI(
            api_key=self._key,
            base_url=settings.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            timeout=settings.timeout,
            max_retries=0,
        )
        url = urlsplit(str(self._client.base_url))
        self._where = url.hostname or str(self._client.base_url)
        if url.port:
            self._where += f":{url.port}"

    def fingerprint(self) -> str:
        """The endpoint and the model: another model's answers are never served from the cache."""
        return f"{str(self._client.base_url).rstrip('/')} {self.config.llm.model}"

    def origin(self) -> str:
        return f"mt:llm:{self.config.llm.model}"

    def call(self, batch: Batch) -> BatchResult:
        n = len(batch.texts)
        result = BatchResult(texts=list(batch.texts), problems=[None] * n, failed=[None] * n)
        result.requests = 0
        call = _Call(batch, result, system=system_prompt(batch))
        chinese = [i for i, text in enumerate(batch.texts) if _HAN.search(text)]
        try:
            if chinese:
                self._solve(call, chinese, reask=True)
        except EngineError as exc:
            exc.requests = result.requests
            raise
        return result

    def _solve(self, call: _Call, positions: list[int], *, reask: bool) -> None:
        """Translate the units at these positions of the batch into ``call.result``: ask, then
        split what was cut off or too long, ask once more for what is missing, fail the rest."""
        if call.broken is not None:
            self._fail(call, positions, call.broken)
            return
        try:
            answer = self._ask(call, positions)
        except _TooLong as exc:
            if len(positions) > 1:
                for half in _halves(positions):
                    self._solve(call, half, reask=reask)
            else:
                self._fail(
                    call,
                    positions,
                    f"the unit alone is too long for the model's context ({exc}); lower "
                    "[llm] max_tokens or use a model with a longer context",
                )
            return
        except EngineError as exc:
            if not call.answered:
                raise  # nothing answered or paid for yet: the caller decides (stop, retry)
            call.broken = str(exc)
            self._fail(call, positions, call.broken)
            return
        for position, text in answer.found.items():
            call.result.texts[position] = text
        missing = [p for p in positions if p not in answer.found]
        if not missing:
            return
        if answer.truncated:
            if len(missing) < len(positions):  # progress: the rest is a smaller batch
                self._solve(call, missing, reask=True)
            elif len(missing) > 1:
                for half in _halves(missing):
                    self._solve(call, half, reask=True)
            else:
                self._fail(
                    call,
                    missing,
                    "the answer was cut off at max_tokens even for this unit alone; "
                    "raise [llm] max_tokens",
                )
        elif reask:
            self._solve(call, missing, reask=False)
        else:
            kinds = ", ".join(p.split(":")[0] for p in answer.problems)
            self._fail(call, missing, f"the model gave no usable answer twice ({kinds})")

    def _system(self, call: _Call, positions: list[int]) -> str:
        """The batch's system prompt; for some of its units, only the terms their texts name."""
        if len(positions) == len(call.batch.texts):
            return call.system
        texts = " ".join(call.batch.texts[p] for p in positions).casefold()
        terms = [t for t in call.batch.terms if t.zh.casefold() in texts]
        return system_prompt(Batch([], [], call.batch.context, terms))

    def _fail(self, call: _Call, positions: list[int], reason: str) -> None:
        for position in positions:
            call.result.failed[position] = reason

    def _ask(self, call: _Call, positions: list[int]) -> _Answer:
        """One request for these units (with the engine's retries) and what its answer gave."""
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": self._system(call, positions)},
            {"role": "user", "content": user_message(call.batch, positions)},
        ]
        texts = [call.batch.texts[p] for p in positions]
        completion = self._request(messages, _budget(texts, self.config.llm.max_tokens), call)
        call.answered = True
        usage = getattr(completion, "usage", None)
        if usage is not None:
            call.result.input_tokens += usage.prompt_tokens or 0
            call.result.output_tokens += usage.completion_tokens or 0
        choices = getattr(completion, "choices", None) or []
        choice = choices[0] if choices else None
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        by_id = {str(p + 1): p for p in positions}
        found, problems = parse_answer(content if isinstance(content, str) else "", list(by_id))
        return _Answer(
            {by_id[k]: v for k, v in found.items()},
            problems,
            getattr(choice, "finish_reason", None) == "length",
        )

    def _request(
        self, messages: list[ChatCompletionMessageParam], max_tokens: int, call: _Call
    ) -> ChatCompletion:
        """The completion, retrying 429, 5xx and lost connections up to ``[llm] max_retries``
        times and a timeout once (a timed-out generation may be billed: it is not repeated
        more). Every HTTP request is counted in ``call.result.requests``."""
        import openai

        settings = self.config.llm
        attempt, timeouts = 0, 0
        while True:
            attempt += 1
            call.result.requests += 1
            try:
                return self._client.chat.completions.create(
                    model=settings.model,
                    messages=messages,
                    temperature=0,
                    max_tokens=max_tokens,
                    response_format={"type": "json_object"},
                )
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise EngineAuthError(
                    f"the LLM service at {self._where} refused the key in {self._key_env} "
                    f"(HTTP {exc.status_code})",
                    hint=f"check {self._key_env} and that the key may use the model "
                    f"{settings.model}",
                ) from exc
            except openai.APIStatusError as exc:
                if exc.status_code in (400, 413) and _TOO_LONG.search(f"{exc.code} {_detail(exc)}"):
                    raise _TooLong(_short(self._redact(_detail(exc)))) from exc
                error = self._status_error(exc, attempt - 1)
                if not isinstance(error, EngineTransientError) or attempt > settings.max_retries:
                    raise error from exc
                delay = _retry_after(exc.response.headers, attempt)
            except openai.APITimeoutError as exc:
                timeouts += 1
                if timeouts > 1 or attempt > settings.max_retries:
                    raise EngineTransientError(
                        f"the LLM service at {self._where} did not answer within "
                        f"{settings.timeout:g} s ({_tries(attempt - 1)})",
                        hint="try again later, or raise [llm] timeout or lower [llm] batch_size",
                    ) from exc
                delay = 0.0
            except openai.APIConnectionError as exc:
                if attempt > settings.max_retries:
                    raise EngineTransientError(
                        f"the LLM service at {self._where} could not be reached "
                        f"({_tries(attempt - 1)})",
                        hint="check [llm] base_url (or OPENAI_BASE_URL) and the network",
                    ) from exc
                delay = _retry_after(None, attempt)
            except openai.OpenAIError as exc:
                raise EngineError(
                    f"the LLM service at {self._where} failed: {self._redact(str(exc))}"
                ) from exc
            time.sleep(delay)

    def _status_error(self, exc: openai.APIStatusError, retries: int) -> EngineError:
        status = exc.status_code
        if status == 402 or "insufficient_quota" in (exc.code, exc.type):
            # OpenAI says insufficient_quota with a 429; DeepSeek answers 402 Insufficient Balance.
            return QuotaExceeded(
                f"the LLM service at {self._where} says the quota of the key in {self._key_env} "
                f"is used up (HTTP {status})",
                hint="top up the account or wait for the quota to renew, then run again",
            )
        if status == 429 or status >= 500 or status == 408:
            return EngineTransientError(
                f"the LLM service at {self._where} still answered HTTP {status} "
                f"({_tries(retries)})",
                hint="try again later",
            )
        return EngineError(
            f"the LLM service at {self._where} rejected the request (HTTP {status}: "
            f"{_short(self._redact(_detail(exc)))})",
            hint="check [llm] model and base_url",
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def _halves(positions: list[int]) -> list[list[int]]:
    middle = len(positions) // 2
    return [positions[:middle], positions[middle:]]


def _tries(retries: int) -> str:
    return f"after {retries} retr{'y' if retries == 1 else 'ies'}"


def _retry_after(headers: Any, attempt: int) -> float:
    """Seconds to wait before retrying: what the service asks (capped at a minute), else
    exponential back-off from half a second."""
    if headers is not None:
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = headers.get(name)
            try:
                return min(60.0, max(0.0, float(value) * scale))
            except (TypeError, ValueError):
                continue
    return min(8.0, 0.5 * 2.0 ** (attempt - 1))


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _detail(exc: openai.APIStatusError) -> str:
    """The service's own explanation: the error body's message, else the client's summary."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) and message else exc.message
