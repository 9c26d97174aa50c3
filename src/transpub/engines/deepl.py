"""The DeepL engine: protected Chinese texts to English through the official ``deepl`` client.

The key is read from the environment variable named by ``[deepl] auth_key_env`` (default
``DEEPL_AUTH_KEY``), never from a file, and never appears in a message or log.

Where requests go, first match wins: the ``[deepl] server_url`` setting, then the
``DEEPL_SERVER_URL`` environment variable, then what the key implies (keys ending in ``:fx``
belong to DeepL API Free, https://api-free.deepl.com; others to https://api.deepl.com).

Retries and timeouts are module settings of the client (``deepl.http_client``), so they are
process-wide: the client retries 429, 5xx and network errors ``[deepl] max_retries`` times with
exponential backoff, and waits at least ``[deepl] timeout`` seconds for each answer.

The transpub glossary becomes one DeepL glossary (ZH→EN, v2 API) named after a hash of its
entries: an unchanged glossary is reused from run to run, a changed one replaces the old.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from typing import TYPE_CHECKING

import deepl

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
#: Glossaries are not regional: one ZH→EN glossary serves EN-US and EN-GB.
GLOSSARY_TARGET_LANG = "EN"
_SYNCED_TYPES = (TermType.TERM, TermType.NAME, TermType.DO_NOT_TRANSLATE)


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


def glossary_name(entries: dict[str, str]) -> str:
    """``transpub-`` and a hash of the sorted entries: same content, same name."""
    tsv = "\n".join(f"{source}\t{target}" for source, target in sorted(entries.items()))
    return GLOSSARY_PREFIX + hashlib.sha256(tsv.encode("utf-8")).hexdigest()[:12]


def _auth_key(config: Config) -> str:
    env = config.deepl.auth_key_env
    key = os.environ.get(env, "").strip()
    if not key:
        raise EngineAuthError(
            f"set {env} to your DeepL API key: the environment variable is missing or empty",
            hint="the key is read from the environment only, never from transpub.toml",
        )
    return key


def _server_url(config: Config) -> str | None:
    """The API address; None lets the client choose from the key (Free or Pro)."""
    return config.deepl.server_url or os.environ.get(SERVER_URL_ENV) or None


def _connect(config: Config) -> tuple[deepl.DeepLClient, str]:
    """A client for the configured key and address, and the key (to keep it out of messages)."""
    key = _auth_key(config)
    # The client reads these module settings at every request.
    deepl.http_client.max_network_retries = config.deepl.max_retries
    deepl.http_client.min_connection_timeout = config.deepl.timeout
    client = deepl.DeepLClient(key, server_url=_server_url(config))
    client.set_app_info("transpub", "0.1")
    return client, key


def _wrap(exc: Exception, config: Config, key: str, doing: str) -> EngineError:
    """The transpub error for a failure of the client while ``doing`` something."""
    settings = config.deepl
    detail = str(exc).replace(key, "***")
    if len(detail) > 300:
        detail = detail[:300] + "…"
    status = getattr(exc, "http_status_code", None)
    retries = _plural(settings.max_retries, "retry", "retries")
    if isinstance(exc, deepl.AuthorizationException):
        return EngineAuthError(
            f"DeepL refused the key while {doing}",
            hint=f"set {settings.auth_key_env} to a valid DeepL API key "
            "(Free keys end in ':fx' and use api-free.deepl.com)",
        )
    if isinstance(exc, deepl.QuotaExceededException):
        return QuotaExceeded(
            "the DeepL character quota for this billing period is used up; what remains "
            "untranslated is kept for the next run",
            hint="see `transpub usage`, or raise the limit in your DeepL account",
        )
    if isinstance(exc, deepl.TooManyRequestsException) or (status is not None and status >= 500):
        return EngineTransientError(
            f"DeepL answered {status} while {doing}, still after {retries}",
            hint="try again later",
        )
    if isinstance(exc, deepl.ConnectionException) and exc.should_retry:
        return EngineTransientError(
            f"DeepL did not answer while {doing} ({detail}), still after "
            f"{retries} with a {settings.timeout:g} s timeout",
            hint="check the network or [deepl] server_url, or try again later",
        )
    return EngineError(f"DeepL failed while {doing}: {detail}")


def _plural(n: int, one: str, many: str = "") -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _sync_glossary(client: deepl.DeepLClient, entries: dict[str, str]) -> str | None:
    """The id of a ready DeepL glossary holding ``entries`` (None when empty); others go."""
    name = glossary_name(entries) if entries else None
    ours = [g for g in client.list_glossaries() if g.name.startswith(GLOSSARY_PREFIX)]
    keep = next(
        (
            g
            for g in ours
            if g.name == name
            and g.ready
            and g.source_lang == SOURCE_LANG
            and g.target_lang == GLOSSARY_TARGET_LANG
        ),
        None,
    )
    if name is not None and keep is None:
        keep = client.create_glossary(
            name, source_lang=SOURCE_LANG, target_lang=GLOSSARY_TARGET_LANG, entries=entries
        )
        log.info("created DeepL glossary %s (%d entries)", name, len(entries))
    for old in ours:
        if keep is not None and old.glossary_id == keep.glossary_id:
            continue
        with contextlib.suppress(deepl.GlossaryNotFoundException):  # another run was first
            client.delete_glossary(old.glossary_id)
        log.info("deleted outdated DeepL glossary %s", old.name)
    return keep.glossary_id if keep is not None else None


@register
class DeepLEngine(Engine):
    """DeepL API v2: XML tag handling, the project glossary, neighbouring paragraphs as context."""

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

    def usage_report(self) -> str:
        return usage_report(self.config)

    @property
    def server_url(self) -> str:
        """The API address requests go to."""
        return str(self._client()[0].server_url)

    def prepare(self) -> None:
        """Check the key and make the DeepL glossary match the project's."""
        client, key = self._client()
        try:
            self.glossary_id = _sync_glossary(client, glossary_entries(self.glossary))
        except (deepl.DeepLException, ValueError) as exc:
            raise _wrap(exc, self.config, key, "syncing the glossary") from exc

    def call(self, batch: Batch) -> BatchResult:
        client, key = self._client()
        # DeepL has nothing to do with blank texts; they come back as they are.
        todo = [i for i, text in enumerate(batch.texts) if text.strip()]
        texts = list(batch.texts)
        if not todo:
            return BatchResult(texts=texts)
        try:
            results = client.translate_text(
                [batch.texts[i] for i in todo],
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
        except (deepl.DeepLException, ValueError) as exc:
            raise _wrap(exc, self.config, key, f"translating {_plural(len(todo), 'text')}") from exc
        if not isinstance(results, list) or len(results) != len(todo):
            raise EngineError(
                f"DeepL returned {len(results) if isinstance(results, list) else 1} "
                f"translations for {len(todo)} texts"
            )
        for i, result in zip(todo, results, strict=True):
            texts[i] = result.text
        return BatchResult(
            texts=texts, billed_characters=sum(r.billed_characters or 0 for r in results)
        )


def usage_report(config: Config) -> str:
    """One line on the DeepL characters used and allowed this billing period."""
    client, key = _connect(config)
    try:
        usage = client.get_usage()
    except deepl.DeepLException as exc:
        raise _wrap(exc, config, key, "asking for the usage") from exc
    finally:
        client.close()  # type: ignore[no-untyped-call]
    chars = usage.character
    if not chars.valid:
        return "DeepL: character usage unknown"
    count, limit = chars.count or 0, chars.limit or 0
    share = f" ({count / limit:.0%})" if limit else ""
    note = "; the quota is used up" if chars.limit_reached else ""
    return f"DeepL: {count:,} of {limit:,} characters used this billing period{share}{note}"


__all__ = ["DeepLEngine", "glossary_entries", "glossary_name", "usage_report"]
