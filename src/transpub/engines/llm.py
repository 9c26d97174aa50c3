"""The LLM engine: any OpenAI-compatible chat completions service (DeepSeek, Qwen, Ollama, vLLM).

One request per batch: the units go as JSON, the answer comes back as JSON in JSON mode
(``response_format={"type": "json_object"}``, which these services support; ``json_schema`` is
not). An answer that lacks ids, has extra ones or is not JSON is asked for once more; what is still
missing then keeps its source text and is flagged, so one bad answer never stops a run.
"""

from __future__ import annotations

import json
import os
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

#: The problem reported for a unit the engine did not translate (its source text is kept).
NO_TRANSLATION = "the engine returned no translation for this unit"

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


def user_message(batch: Batch) -> str:
    """The units as JSON (Chinese kept as it is: escaped, it would cost six times the tokens)."""
    units = [{"id": i, "text": t} for i, t in zip(batch.ids, batch.texts, strict=True)]
    return json.dumps({"units": units}, ensure_ascii=False)


def parse_answer(content: str | None, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """The usable translations by id, and what is wrong with the answer (empty: nothing)."""
    if not content or not content.strip():
        return {}, ["it was empty"]
    try:
        data = json.loads(_unfence(content))
    except json.JSONDecodeError:
        return {}, ["it was not valid JSON"]
    entries = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}, ['it was not a JSON object with a "translations" list']
    wanted = set(ids)
    found: dict[str, list[Any]] = {}
    for entry in entries:
        key = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(key, str | int) and not isinstance(key, bool):
            found.setdefault(str(key), []).append(entry.get("text"))
    good: dict[str, str] = {}
    problems: list[str] = []
    missing = [i for i in ids if i not in found]
    extra = [k for k in found if k not in wanted]
    repeated = [i for i in ids if len(found.get(i, ())) > 1]
    untexted = [i for i in ids if len(found.get(i, ())) == 1 and not _is_text(found[i][0])]
    for i in ids:
        values = found.get(i, [])
        if len(values) == 1 and _is_text(values[0]):
            good[i] = values[0]
    if len(entries) != sum(len(v) for v in found.values()):
        problems.append("some entries were not objects with an id")
    for label, keys in (
        ("these ids were missing", missing),
        ("these ids were not in the request", extra),
        ("these ids came more than once", repeated),
        ("these ids had no text", untexted),
    ):
        if keys:
            problems.append(f"{label}: {', '.join(keys)}")
    return good, problems


def _unfence(content: str) -> str:
    """The JSON inside a Markdown code fence, which some services add despite JSON mode."""
    text = content.strip()
    if text.startswith("```") and text.endswith("```") and "\n" in text:
        return text[text.index("\n") + 1 : -3]
    return text


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


@register
class LLMEngine(Engine):
    """Chat completions at an OpenAI-compatible endpoint, one request per batch."""

    engine_id = "llm"
    name = "LLM (OpenAI-compatible)"
    # The answer must fit the service's output limit (DeepSeek: 4K tokens by default): 16 KiB of
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
        self._client = openai.OpenAI(
            api_key=self._key,
            base_url=settings.base_url or None,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
        url = urlsplit(str(self._client.base_url))
        self._where = url.hostname or str(self._client.base_url)
        if url.port:
            self._where += f":{url.port}"

    def call(self, batch: Batch) -> BatchResult:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system_prompt(batch)},
            {"role": "user", "content": user_message(batch)},
        ]
        result = BatchResult(texts=[])
        content = self._complete(messages, result)
        found, problems = parse_answer(content, batch.ids)
        if problems:
            if content:
                messages.append({"role": "assistant", "content": content})
            messages.append({"role": "user", "content": _ask_again(problems, batch.ids)})
            retry, _ = parse_answer(self._complete(messages, result), batch.ids)
            found.update(retry)
        for unit_id, source in zip(batch.ids, batch.texts, strict=True):
            result.texts.append(found.get(unit_id, source))
            result.problems.append(None if unit_id in found else NO_TRANSLATION)
        return result

    def _complete(self, messages: list[ChatCompletionMessageParam], result: BatchResult) -> str:
        """The answer's text ("" if there is none), its tokens added to ``result``."""
        completion = self._request(messages)
        usage = getattr(completion, "usage", None)
        if usage is not None:
            result.input_tokens += usage.prompt_tokens or 0
            result.output_tokens += usage.completion_tokens or 0
        choices = getattr(completion, "choices", None) or []
        message = getattr(choices[0], "message", None) if choices else None
        content = getattr(message, "content", None)
        return content if isinstance(content, str) else ""

    def _request(self, messages: list[ChatCompletionMessageParam]) -> ChatCompletion:
        import openai

        settings = self.config.llm
        try:
            return self._client.chat.completions.create(
                model=settings.model,
                messages=messages,
                temperature=0,
                response_format={"type": "json_object"},
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise EngineAuthError(
                f"the LLM service at {self._where} refused the key in {self._key_env} "
                f"(HTTP {exc.status_code})",
                hint=f"check {self._key_env} and that the key may use the model {settings.model}",
            ) from exc
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from exc
        except openai.APITimeoutError as exc:
            raise EngineTransientError(
                f"the LLM service at {self._where} did not answer within {settings.timeout:g} s "
                f"({self._tries()})",
                hint="try again later or raise [llm] timeout",
            ) from exc
        except openai.APIConnectionError as exc:
            raise EngineTransientError(
                f"the LLM service at {self._where} could not be reached ({self._tries()})",
                hint="check [llm] base_url (or OPENAI_BASE_URL) and the network",
            ) from exc
        except openai.OpenAIError as exc:
            raise EngineError(
                f"the LLM service at {self._where} failed: {self._redact(str(exc))}"
            ) from exc

    def _status_error(self, exc: openai.APIStatusError) -> EngineError:
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
                f"the LLM service at {self._where} still answered HTTP {status} ({self._tries()})",
                hint="try again later",
            )
        return EngineError(
            f"the LLM service at {self._where} rejected the request (HTTP {status}: "
            f"{_short(self._redact(_detail(exc)))})",
            hint="check [llm] model and base_url",
        )

    def _tries(self) -> str:
        retries = self.config.llm.max_retries
        return f"after {retries} retr{'y' if retries == 1 else 'ies'}"

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def _ask_again(problems: list[str], ids: list[str]) -> str:
    return (
        f"That answer could not be used: {'; '.join(problems)}. Answer again with JSON only, "
        '{"translations": [{"id": ..., "text": ...}]}, with exactly one entry for each of the ids '
        f"{', '.join(ids)} and no other ids."
    )


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _detail(exc: openai.APIStatusError) -> str:
    """The service's own explanation: the error body's message, else the client's summary."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) and message else exc.message
