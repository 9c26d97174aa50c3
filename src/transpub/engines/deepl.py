"""The DeepL engine: protected Chinese texts to English through the official ``deepl`` client.

The key comes from the Prefect Secret block named by ``[deepl] auth_key_block`` when that is set,
else from the environment variable named by ``[deepl] auth_key_env`` (default ``DEEPL_AUTH_KEY``);
never from a file, and it never appears in a message or log.

Where requests go, first match wins: the ``[deepl] server_url`` setting, then the
``DEEPL_SERVER_URL`` environment variable, then what the key implies (keys ending in ``:fx``
belong to DeepL API Free, https://api-free.deepl.com; others to https://api.deepl.com).

Retries are transpub's, not the client's (its module setting ``max_network_retries`` is 0): 429,
5xx and network errors are retried ``[deepl] max_retries`` times with the client's backoff, and
every attempt is counted. A request that got no answer (a timeout, a dropped connection) may have
been processed and billed: its characters are counted as billed ("unconfirmed"). The wait for an
answer is sized to the batch: ``[deepl] timeout`` seconds plus one second per
``CHARACTERS_PER_SECOND`` characters sent.

The transpub glossary lives in one multilingual (v3) DeepL glossary per project, named
``transpub-<project name>``; when the curated glossary changes, its ZH→EN dictionary is replaced
in place (same id), so runs on two machines never delete each other's glossary.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import deepl
import requests
from deepl.api_data import MultilingualGlossaryDictionaryEntries

from transpub.engines.base import Batch, BatchResult, Engine, register
from transpub.errors import EngineAuthError, EngineError, EngineTransientError, QuotaExceeded
from transpub.glossary.term import TermType

if TYPE_CHECKING:
    from transpub.config import Config
    from transpub.glossary.model import Glossary

log = logging.getLogger(__name__)

SERVER_URL_ENV = "DEEPL_SERVER_URL"
#: Every DeepL glossary transpub manages starts with this; others in the account are left alone.
GLOSSARY_PREFIX = "transpub-"
SOURCE_LANG = "ZH"
#: Glossaries are not regional: one ZH→EN dictionary serves EN-US and EN-GB.
GLOSSARY_TARGET_LANG = "EN"
#: The answer to a batch is awaited ``[deepl] timeout`` s plus 1 s per this many characters.
CHARACTERS_PER_SECOND = 250
_SYNCED_TYPES = (TermType.TERM, TermType.NAME, TermType.DO_NOT_TRANSLATE)
T = TypeVar("T")


def glossary_entries(glossary: Glossary | None) -> dict[str, str]:
    """The DeepL glossary entries (Chinese → English) of a transpub glossary.

    Forbidden renderings have no place in a DeepL glossary; do-not-translate terms map to
    themselves. Entries are stripped; the first entry of a source term wins (DeepL rejects
    duplicates) and entries DeepL would reject (tabs, line breaks, control characters) are skipped.
    """
    entries: dict[str, str] = {}
    for term in glossary or ():
        if term.type not in _SYNCED_TYPES:
            continue
        source = term.zh.strip()
        target = source if term.type is TermType.DO_NOT_TRANSLATE else term.en.strip()
        if source in entries:
            continue
        try:
            deepl.validate_glossary_term(source)
            deepl.validate_glossary_term(target)
        except ValueError:
            log.warning("glossary term %r cannot go into a DeepL glossary: skipped", term.zh)
            continue
        entries[source] = target
    return entries


def glossary_name(config: Config) -> str:
    """``transpub-`` and the project's name: one glossary per project, updated in place."""
    return GLOSSARY_PREFIX + config.project.name


def auth_key(config: Config) -> str:
    """The DeepL key: from the configured Prefect Secret block, else the environment.

    Raises EngineAuthError naming the variable or block (never the key) when there is none.
    """
    block = config.deepl.auth_key_block
    if block:
        return _secret_block(block)
    env = config.deepl.auth_key_env
    key = os.environ.get(env, "").strip()
    if not key:
        raise EngineAuthError(
            f"set {env} to your DeepL API key: the environment variable is missing or empty",
            hint="the key is read from the environment (or a Prefect Secret block named by "
            "[deepl] auth_key_block), never from transpub.toml",
        )
    return key


def _secret_block(name: str) -> str:
    """The value of a Prefect Secret block (Prefect is imported only when a block is named)."""
    fix = (
        f"create it (`prefect block create secret`, name {name!r}) on the Prefect server this run "
        "uses, or remove [deepl] auth_key_block to read DEEPL_AUTH_KEY"
    )
    try:
        from prefect.blocks.system import Secret

        block: Any = Secret.load(name, _sync=True)  # type: ignore[call-arg]
        value = block.get()
    except ImportError as exc:
        raise EngineAuthError(
            f"[deepl] auth_key_block names the Prefect Secret block {name!r}, but Prefect is "
            "not installed",
            hint="install transpub with its dependencies (pip install -e .)",
        ) from exc
    except (ValueError, RuntimeError) as exc:
        raise EngineAuthError(
            f"the Prefect Secret block {name!r} ([deepl] auth_key_block) cannot be read", hint=fix
        ) from exc
    key = value.strip() if isinstance(value, str) else ""
    if not key:
        raise EngineAuthError(f"the Prefect Secret block {name!r} holds no DeepL key", hint=fix)
    return key


def _server_url(config: Config) -> str | None:
    """The API address; None lets the client choose from the key (Free or Pro)."""
    return config.deepl.server_url or os.environ.get(SERVER_URL_ENV) or None


def _connect(config: Config) -> tuple[deepl.DeepLClient, str]:
    """A client for the configured key and address, and the key (to keep it out of messages)."""
    key = auth_key(config)
    # transpub retries (and counts) every attempt itself; the client makes one per call.
    deepl.http_client.max_network_retries = 0
    client = deepl.DeepLClient(key, server_url=_server_url(config))
    client.set_app_info("transpub", "0.1")
    return client, key


_timeout_lock = threading.Lock()
_timeout_needs: list[float] = []


@contextlib.contextmanager
def _timeout(seconds: float) -> Iterator[None]:
    """The client's timeout is a module setting shared by all threads: keep it at the largest
    need of the requests in flight, so no batch waits less than its size requires."""
    with _timeout_lock:
        _timeout_needs.append(seconds)
        deepl.http_client.min_connection_timeout = max(_timeout_needs)
    try:
        yield
    finally:
        with _timeout_lock:
            _timeout_needs.remove(seconds)
            if _timeout_needs:
                deepl.http_client.min_connection_timeout = max(_timeout_needs)


def batch_timeout(config: Config, characters: int) -> float:
    """Seconds to wait for the answer to a request of ``characters`` characters."""
    return config.deepl.timeout + characters / CHARACTERS_PER_SECOND


def _may_have_been_processed(exc: BaseException) -> bool:
    """A request that reached DeepL and got no answer (not one that never left)."""
    if not isinstance(exc, deepl.ConnectionException):
        return isinstance(exc, deepl.DeepLException) and exc.http_status_code == 504
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(cause, requests.exceptions.ConnectionError):
        text = repr(cause.args)
        return not any(s in text for s in ("NewConnectionError", "Connection refused"))
    return True


def _retryable(exc: deepl.DeepLException) -> bool:
    status = exc.http_status_code
    return (
        isinstance(exc, deepl.TooManyRequestsException)
        or (status is not None and status >= 500)
        or (isinstance(exc, deepl.ConnectionException) and exc.should_retry)
    )


def _with_retries(
    config: Config,
    key: str,
    doing: str,
    send: Callable[[], T],
    *,
    characters: int = 0,
    spent: BatchResult | None = None,
) -> T:
    """``send()`` with transpub's retries; each attempt (and what it may have cost) is added to
    ``spent`` (``requests``; ``unconfirmed_characters`` for attempts that got no answer)."""
    backoff = deepl.http_client._BackoffTimer()  # type: ignore[no-untyped-call]  # the client's schedule
    while True:
        if spent is not None:
            spent.requests += 1
        try:
            return send()
        except deepl.DeepLException as exc:
            if spent is not None and characters and _may_have_been_processed(exc):
                spent.unconfirmed_characters += characters
            if not _retryable(exc) or backoff.get_num_retries() >= config.deepl.max_retries:  # type: ignore[no-untyped-call]
                raise _wrap(exc, config, key, doing) from exc
            log.info("DeepL: %s failed (%s); retrying", doing, type(exc).__name__)
            backoff.sleep_until_deadline()  # type: ignore[no-untyped-call]
        except ValueError as exc:
            raise _wrap(exc, config, key, doing) from exc


def _wrap(exc: Exception, config: Config, key: str, doing: str) -> EngineError:
    """The transpub error for a failure of the client while ``doing`` something."""
    settings = config.deepl
    detail = str(exc).replace(key, "***")
    if len(detail) > 300:
        detail = detail[:300] + "…"
    status = getattr(exc, "http_status_code", None)
    retries = _plural(settings.max_retries, "retry", "retries")
    if isinstance(exc, deepl.AuthorizationException):
        where = (
            f"the Prefect Secret block {settings.auth_key_block!r} to"
            if settings.auth_key_block
            else f"{settings.auth_key_env} to"
        )
        return EngineAuthError(
            f"DeepL refused the key while {doing}",
            hint=f"set {where} a valid DeepL API key "
            "(Free keys end in ':fx' and use api-free.deepl.com)",
        )
    if isinstance(exc, deepl.QuotaExceededException):
        return QuotaExceeded(
            f"DeepL refused {doing}: it would exceed the character quota of this billing period",
            hint="raise the limit in your DeepL account or wait for the next period; "
            "`transpub usage` shows what is used",
        )
    if isinstance(exc, deepl.TooManyRequestsException) or (status is not None and status >= 500):
        return EngineTransientError(
            f"DeepL answered {status} while {doing}, still after {retries}",
            hint="try again later",
        )
    if isinstance(exc, deepl.ConnectionException) and exc.should_retry:
        return EngineTransientError(
            f"DeepL did not answer while {doing} ({detail}), still after "
            f"{retries} with a timeout of {settings.timeout:g} s plus 1 s per "
            f"{CHARACTERS_PER_SECOND} characters",
            hint="check the network or [deepl] server_url, raise [deepl] timeout, "
            "or try again later",
        )
    return EngineError(f"DeepL failed while {doing}: {detail}")


def _plural(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one}" if n == 1 else f"{n:,} {many or one + 's'}"


def _sync_glossary(client: deepl.DeepLClient, name: str, entries: dict[str, str]) -> str | None:
    """The id of the project's multilingual glossary holding ``entries`` as its ZH→EN
    dictionary (None when there are none). An outdated dictionary is replaced in place."""
    ours = sorted(
        (g for g in client.list_multilingual_glossaries() if g.name == name),
        key=lambda g: (g.creation_time, g.glossary_id),
    )
    if not ours:
        if not entries:
            return None
        created = client.create_multilingual_glossary(
            name,
            [MultilingualGlossaryDictionaryEntries(SOURCE_LANG, GLOSSARY_TARGET_LANG, entries)],
        )
        log.info("created DeepL glossary %s (%d entries)", name, len(entries))
        return created.glossary_id
    # Two machines may have created it at once: all of them settle on the oldest.
    glossary = ours[0]
    pair = (SOURCE_LANG, GLOSSARY_TARGET_LANG)
    has_pair = any((d.source_lang, d.target_lang) == pair for d in glossary.dictionaries)
    current: dict[str, str] = {}
    if has_pair:
        response = client.get_multilingual_glossary_entries(glossary, *pair)
        current = next(
            (
                _as_dict(d.entries)
                for d in response.dictionaries
                if (d.source_lang.upper(), d.target_lang.upper()) == pair
            ),
            {},
        )
    if not entries:
        if has_pair:
            client.delete_multilingual_glossary_dictionary(
                glossary, source_lang=SOURCE_LANG, target_lang=GLOSSARY_TARGET_LANG
            )
            log.info("emptied DeepL glossary %s", name)
        return None
    if current != entries:
        client.replace_multilingual_glossary_dictionary(
            glossary,
            MultilingualGlossaryDictionaryEntries(SOURCE_LANG, GLOSSARY_TARGET_LANG, entries),
        )
        log.info("updated DeepL glossary %s in place (%d entries)", name, len(entries))
    return str(glossary.glossary_id)


def _as_dict(entries: object) -> dict[str, str]:
    """Dictionary entries as the API returns them (TSV text) or as the client types them."""
    if isinstance(entries, dict):
        return {str(k): str(v) for k, v in entries.items()}
    return dict(deepl.util.convert_tsv_to_dict(str(entries)))


@register
class DeepLEngine(Engine):
    """DeepL API: XML tag handling, the project glossary (v3), neighbouring paragraphs as
    context, every attempt counted."""

    engine_id = "deepl"
    name = "DeepL"
    max_texts = 50
    max_bytes = 128 * 1024

    def __init__(self, config: Config, glossary: Glossary | None = None) -> None:
        super().__init__(config, glossary)
        #: The DeepL glossary used for every call (set by prepare()).
        self.glossary_id: str | None = None
        # One client per thread: the client's requests.Session is not meant to be shared.
        self._local = threading.local()

    def _client(self) -> tuple[deepl.DeepLClient, str]:
        if getattr(self._local, "client", None) is None:
            self._local.client, self._local.key = _connect(self.config)
        return self._local.client, self._local.key

    def fingerprint(self) -> str:
        """The target variant keys the engine cache. The glossary does not: a text already paid
        for is never sent again, even after a glossary edit (the checks flag outdated terms)."""
        return self.config.deepl.target_lang

    def check_key(self) -> None:
        """Raise EngineAuthError when no key is set (in the environment; a named Secret block is
        read at the first call, on the Prefect server the run uses)."""
        if not self.config.deepl.auth_key_block:
            auth_key(self.config)

    def account(self) -> str:
        """The DeepL account: its address and a hash of the key (never the key itself)."""
        key = self._client()[1]
        digest = hashlib.sha256(f"{self.server_url}\n{key}".encode()).hexdigest()[:16]
        return f"deepl-{digest}"

    def characters_used(self) -> int | None:
        """The account's characters used this billing period (None: not reported)."""
        client, key = self._client()
        usage = _with_retries(self.config, key, "asking for the usage", client.get_usage)
        return usage.character.count if usage.character.valid else None

    def usage_report(self) -> str:
        return usage_report(self.config)

    @property
    def server_url(self) -> str:
        """The API address requests go to."""
        return str(self._client()[0].server_url)

    def prepare(self) -> None:
        """Check the key and make the project's DeepL glossary match the curated one."""
        client, key = self._client()
        entries = glossary_entries(self.glossary)
        name = glossary_name(self.config)
        self.glossary_id = _with_retries(
            self.config,
            key,
            "syncing the glossary",
            lambda: _sync_glossary(client, name, entries),
        )

    def call(self, batch: Batch) -> BatchResult:
        client, key = self._client()
        # DeepL has nothing to do with blank texts; they come back as they are.
        todo = [i for i, text in enumerate(batch.texts) if text.strip()]
        texts = list(batch.texts)
        if not todo:
            return BatchResult(texts=texts, requests=0)
        sent = [batch.texts[i] for i in todo]
        characters = sum(len(t) for t in sent)
        spent = BatchResult(texts=[], requests=0)

        def send() -> list[deepl.TextResult]:
            answer = client.translate_text(
                sent,
                source_lang=SOURCE_LANG,
                target_lang=self.config.deepl.target_lang,
                context=batch.context or None,
                glossary=self.glossary_id,
                tag_handling="xml",
                # The tags are inline markup: they never split a sentence or outline a document.
                outline_detection=False,
                non_splitting_tags=["g", "x"],
                split_sentences="nonewlines",
            )
            return answer if isinstance(answer, list) else [answer]

        doing = f"translating {_plural(len(todo), 'text')} ({_plural(characters, 'character')})"
        try:
            with _timeout(batch_timeout(self.config, characters)):
                results = _with_retries(
                    self.config, key, doing, send, characters=characters, spent=spent
                )
        except EngineError as exc:
            exc.requests = spent.requests
            exc.billed_characters = spent.unconfirmed_characters
            if isinstance(exc, QuotaExceeded):
                exc.message += self._quota_state(client)
            raise
        if len(results) != len(todo):
            raise EngineError(f"DeepL returned {len(results)} translations for {len(todo)} texts")
        for i, result in zip(todo, results, strict=True):
            texts[i] = result.text
        # What DeepL says each text cost; its length where it does not say (never less).
        billed = sum(
            r.billed_characters if r.billed_characters is not None else len(t)
            for r, t in zip(results, sent, strict=True)
        )
        return BatchResult(
            texts=texts,
            billed_characters=billed + spent.unconfirmed_characters,
            requests=spent.requests,
            unconfirmed_characters=spent.unconfirmed_characters,
        )

    def _quota_state(self, client: deepl.DeepLClient) -> str:
        """`` (N of M characters used)`` when DeepL says, else nothing."""
        try:
            chars = client.get_usage().character
        except deepl.DeepLException:
            return ""
        if not chars.valid:
            return ""
        return f" ({chars.count or 0:,} of {chars.limit or 0:,} characters used)"


def usage_report(config: Config) -> str:
    """One line on the DeepL characters used and allowed this billing period."""
    client, key = _connect(config)
    try:
        usage = _with_retries(config, key, "asking for the usage", client.get_usage)
    finally:
        client.close()  # type: ignore[no-untyped-call]
    chars = usage.character
    if not chars.valid:
        return "DeepL: character usage unknown"
    count, limit = chars.count or 0, chars.limit or 0
    share = f" ({count / limit:.0%})" if limit else ""
    note = "; the quota is used up" if chars.limit_reached else ""
    return f"DeepL: {count:,} of {limit:,} characters used this billing period{share}{note}"


__all__ = [
    "DeepLEngine",
    "auth_key",
    "batch_timeout",
    "glossary_entries",
    "glossary_name",
    "usage_report",
]
