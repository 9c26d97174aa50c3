"""The engine base: everything common to machine translation services.

The base does the boring parts — batching within the service's limits, protecting inline Markdown
as XML tags the service keeps, neighbouring paragraphs as context, the glossary terms of each
batch, error wrapping and cost accounting. A member says only how to call its service, in
``call(batch) -> BatchResult``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from transpub.config import Config
    from transpub.errors import EngineError
    from transpub.glossary.model import Glossary
    from transpub.glossary.term import Term


@dataclass(frozen=True)
class Batch:
    """What one request sends: protected texts (inline Markdown as XML tags), in order."""

    ids: list[str]
    texts: list[str]
    #: The source paragraphs around the batch, plain text, for the engine's `context`.
    context: str = ""
    #: The glossary terms found in this batch's texts (required renderings and names).
    terms: list[Term] = field(default_factory=list)

    def payload_bytes(self) -> int:
        """Size as JSON with non-ASCII escaped, as DeepL counts it (6 bytes per CJK char)."""
        return len(json.dumps(self.texts).encode("ascii"))


@dataclass
class BatchResult:
    """The translations of a batch, in the same order, with what they cost."""

    texts: list[str]
    billed_characters: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: Per text: a reason when the engine's answer for it is doubtful (kept as a flagged draft).
    problems: list[str | None] = field(default_factory=list)
    #: Per text: why the engine gave no usable translation for it (its text is then meaningless:
    #: it is neither stored as a draft nor cached, and the unit counts as failed).
    failed: list[str | None] = field(default_factory=list)
    #: HTTP requests made for the batch (retries, re-asks and split halves included).
    requests: int = 1
    #: Characters of requests that got no answer and may have been billed (in billed_characters).
    unconfirmed_characters: int = 0


@dataclass
class Usage:
    """Accumulated cost of a run (or of one article)."""

    requests: int = 0
    texts: int = 0
    billed_characters: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: Characters of requests that got no answer and may have been billed (in billed_characters).
    unconfirmed_characters: int = 0

    def add(self, result: BatchResult, texts: int) -> None:
        self.requests += result.requests
        self.texts += texts
        self.billed_characters += result.billed_characters
        self.input_tokens += result.input_tokens
        self.output_tokens += result.output_tokens
        self.unconfirmed_characters += result.unconfirmed_characters

    def add_failed(self, exc: EngineError) -> None:
        """Count what a call that failed may have cost (its requests, unanswered characters)."""
        self.requests += exc.requests
        self.billed_characters += exc.billed_characters
        self.unconfirmed_characters += exc.billed_characters

    def merge(self, other: Usage) -> None:
        for name in (
            "requests",
            "texts",
            "billed_characters",
            "input_tokens",
            "output_tokens",
            "unconfirmed_characters",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Engine(ABC):
    """Base of every machine translation engine; one module per service, registered by id."""

    engine_id: ClassVar[str]
    name: ClassVar[str]
    #: Request limits of the service (an instance may narrow them from its settings).
    max_texts: int = 50
    max_bytes: int = 128 * 1024

    def __init__(self, config: Config, glossary: Glossary | None = None) -> None:
        self.config = config
        self.glossary = glossary

    @abstractmethod
    def call(self, batch: Batch) -> BatchResult:
        """Translate one batch. Raise EngineAuthError, QuotaExceeded, EngineTransientError or
        EngineError (never a third-party exception) with a sentence saying what to do."""

    def fingerprint(self) -> str:
        """What makes this engine's answers differ (model, target variant); keys the cache."""
        return ""

    def origin(self) -> str:
        """What a draft records as its origin (``mt:<engine id>``; a member may name its model)."""
        return f"mt:{self.engine_id}"

    def usage_report(self) -> str:
        """One line on the account's usage, for `transpub usage`."""
        return f"{self.name} does not report account usage; see the cost table of each run."

    def check_key(self) -> None:  # noqa: B027 - optional hook
        """Raise EngineAuthError when the key is missing (cheap: before Prefect starts)."""

    def account(self) -> str:
        """Who pays: runs on the same account and project take turns (no key in it)."""
        return self.engine_id

    def characters_used(self) -> int | None:
        """The account's characters used this billing period, where the service says."""
        return None

    def prepare(self) -> None:  # noqa: B027 - optional hook
        """Once per run, before the first call (a DeepL engine syncs its glossary here)."""

    def batches(self, ids: Sequence[str], texts: Sequence[str]) -> Iterator[tuple[int, int]]:
        """(start, end) index ranges of batches within ``max_texts`` and ``max_bytes``."""
        start, size = 0, 2  # the JSON brackets
        for i, text in enumerate(texts):
            cost = len(json.dumps(text).encode("ascii")) + 1
            if i > start and (i - start >= self.max_texts or size + cost > self.max_bytes):
                yield start, i
                start, size = i, 2
            size += cost
        if start < len(texts):
            yield start, len(texts)


E = TypeVar("E", bound=type[Engine])
REGISTRY: dict[str, type[Engine]] = {}


def register(cls: E) -> E:
    """Add an engine to the registry, keyed by its ``engine_id``."""
    REGISTRY[cls.engine_id] = cls
    return cls
