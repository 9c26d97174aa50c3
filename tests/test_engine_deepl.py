"""The DeepL engine, through the real ``deepl`` client, against a DeepL stand-in on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import deepl
import pytest
from servers.deepl_server import DeepLServer

from transpub.config import Config, DeepLSettings
from transpub.engines.base import REGISTRY, Batch
from transpub.engines.deepl import DeepLEngine, usage_report
from transpub.errors import EngineAuthError, EngineError, EngineTransientError, QuotaExceeded
from transpub.glossary.model import Glossary
from transpub.glossary.term import Term, TermType

KEY = "0123abcd-test-secret-key:fx"

GLOSSARY = Glossary(
    [
        Term("开源", "open source"),
        Term("开源社", "KaiYuanShe", TermType.NAME),
        Term("木兰", "木兰", TermType.DO_NOT_TRANSLATE),
        Term("开源", "open-source software", TermType.FORBIDDEN),
    ]
)


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short backoff for the client's retries; its module settings restored afterwards."""
    monkeypatch.setattr(deepl.http_client._BackoffTimer, "BACKOFF_INITIAL", 0.01)
    monkeypatch.setattr(deepl.http_client._BackoffTimer, "BACKOFF_MAX", 0.05)
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 5)
    monkeypatch.setattr(deepl.http_client, "min_connection_timeout", 10.0)
    monkeypatch.setenv("DEEPL_AUTH_KEY", KEY)
    monkeypatch.delenv("DEEPL_SERVER_URL", raising=False)


@pytest.fixture
def server() -> Iterator[DeepLServer]:
    with DeepLServer(auth_key=KEY) as fake:
        yield fake


def make_config(server: DeepLServer | None, **settings: object) -> Config:
    values: dict[str, object] = {"timeout": 5.0, "max_retries": 2, **settings}
    if server is not None:
        values.setdefault("server_url", server.url)
    return Config(deepl=DeepLSettings(**values))  # type: ignore[arg-type]


def engine_for(
    server: DeepLServer | None, glossary: Glossary | None = None, **settings: object
) -> DeepLEngine:
    return DeepLEngine(make_config(server, **settings), glossary)


def batch(*texts: str, context: str = "") -> Batch:
    return Batch(ids=[f"u{i}" for i in range(len(texts))], texts=list(texts), context=context)


def test_registered() -> None:
    assert REGISTRY["deepl"] is DeepLEngine
    assert (DeepLEngine.max_texts, DeepLEngine.max_bytes) == (50, 128 * 1024)


def test_translates_with_glossary_and_tags_intact(server: DeepLServer) -> None:
    engine = engine_for(server, GLOSSARY)
    engine.prepare()
    texts = [
        '开源社<g id="1">开源</g>项目<x id="2"/>木兰',
        "A &amp; B &lt;不是标签&gt;，好的。",
    ]
    result = engine.call(batch(*texts, context="前一段。"))
    assert result.texts == [
        'KaiYuanShe<g id="1">open source</g>EN(项目)<x id="2"/>木兰',
        "A &amp; B &lt;EN(不是标签)&gt;，EN(好的)。",
    ]
    [request] = server.requests_to("/v2/translate")
    assert request.texts == texts
    params = request.params
    assert params["source_lang"] == "ZH"
    assert params["target_lang"] == "EN-US"
    assert params["tag_handling"] == "xml"
    assert params["outline_detection"] is False
    assert params["non_splitting_tags"] == ["g", "x"]
    assert params["split_sentences"] == "nonewlines"
    assert params["context"] == "前一段。"
    assert params["glossary_id"] == engine.glossary_id


def _ours(server: DeepLServer) -> dict[str, Any]:
    [glossary] = [g for g in server.multilingual.values() if g["name"] == "transpub-transpub"]
    return glossary


def test_glossary_entries_sent(server: DeepLServer) -> None:
    messy = Glossary(
        [
            Term(" 开源 ", " open source "),
            Term("开源", "open-source", TermType.NAME),  # a duplicate once stripped
            Term("木兰", "木兰", TermType.DO_NOT_TRANSLATE),
            Term("闭源", "closed", TermType.FORBIDDEN),
            Term("制表", "tab\there"),
            Term("换行", "line\nbreak"),
            Term("社区", "community", TermType.TERM),
        ]
    )
    engine = engine_for(server, messy)
    engine.prepare()
    glossary = _ours(server)  # a multilingual (v3) glossary named after the project
    assert glossary["dictionaries"] == {
        ("zh", "en"): {"开源": "open source", "木兰": "木兰", "社区": "community"}
    }
    assert engine.glossary_id == glossary["glossary_id"]
    assert server.glossaries == {}  # nothing in the legacy v2 store


def test_glossary_reused_when_unchanged(server: DeepLServer) -> None:
    first = engine_for(server, GLOSSARY)
    first.prepare()
    second = engine_for(server, Glossary(list(reversed(GLOSSARY.terms))))
    second.prepare()
    assert second.glossary_id == first.glossary_id
    assert len(server.requests_to("/v3/glossaries", "POST")) == 1
    assert server.requests_to("/v3/glossaries", "PUT") == []
    assert server.requests_to("/v3/glossaries", "DELETE") == []


def test_changed_glossary_is_updated_in_place(server: DeepLServer) -> None:
    foreign = server.add_glossary("someone else's", {"你好": "hello"})
    old = engine_for(server, GLOSSARY)
    old.prepare()
    changed = Glossary([*GLOSSARY.terms[1:], Term("社区", "community")])  # 开源 removed
    new = engine_for(server, changed)
    new.prepare()
    assert new.glossary_id == old.glossary_id  # same glossary: a run still using it is unharmed
    assert _ours(server)["dictionaries"][("zh", "en")] == {
        "开源社": "KaiYuanShe",
        "木兰": "木兰",
        "社区": "community",
    }
    assert len(server.requests_to("/v3/glossaries", "PUT")) == 1
    assert server.requests_to("/v3/glossaries", "DELETE") == []
    assert set(server.glossaries) == {foreign}
    assert new.call(batch("社区开源")).texts == ["communityEN(开源)"]
    assert old.call(batch("社区")).texts == ["community"]  # the other machine sees the update


def test_two_machines_settle_on_one_glossary(server: DeepLServer) -> None:
    """Created at once by two machines: both use the oldest; neither deletes anything."""
    with ThreadPoolExecutor(2) as pool:
        engines = [engine_for(server, GLOSSARY), engine_for(server, GLOSSARY)]
        list(pool.map(lambda e: e.prepare(), engines))
    late = engine_for(server, GLOSSARY)
    late.prepare()
    oldest = min(server.multilingual.values(), key=lambda g: g["creation_time"])
    assert late.glossary_id == oldest["glossary_id"]
    assert server.requests_to("/v3/glossaries", "DELETE") == []


def test_projects_keep_their_own_glossaries(server: DeepLServer) -> None:
    from dataclasses import replace

    from transpub.config import ProjectSettings

    engine_for(server, GLOSSARY).prepare()
    config = replace(make_config(server), project=ProjectSettings(name="other"))
    DeepLEngine(config, Glossary([Term("社区", "community")])).prepare()
    names = sorted(g["name"] for g in server.multilingual.values())
    assert names == ["transpub-other", "transpub-transpub"]
    assert _ours(server)["dictionaries"][("zh", "en")]["开源"] == "open source"


def test_no_entries_no_glossary(server: DeepLServer) -> None:
    engine_for(server, GLOSSARY).prepare()
    engine = engine_for(server, Glossary([Term("闭源", "closed", TermType.FORBIDDEN)]))
    engine.prepare()
    assert engine.glossary_id is None
    assert _ours(server)["dictionaries"] == {}  # emptied in place, not deleted
    assert engine.call(batch("开源")).texts == ["EN(开源)"]
    assert "glossary_id" not in server.requests_to("/v2/translate")[-1].params


def test_billed_characters_summed_and_blank_texts_kept(server: DeepLServer) -> None:
    engine = engine_for(server)
    texts = ["你好", "", '世界<x id="1"/>', "  "]
    result = engine.call(batch(*texts))
    assert result.texts == ["EN(你好)", "", 'EN(世界)<x id="1"/>', "  "]
    [request] = server.requests_to("/v2/translate")
    assert request.texts == ["你好", '世界<x id="1"/>']  # blanks are not sent
    assert result.billed_characters == request.billed_characters == 2 + 13


def test_all_blank_batch_sends_nothing(server: DeepLServer) -> None:
    assert engine_for(server).call(batch("", " ")).texts == ["", " "]
    assert server.requests == []


def test_concurrent_calls(server: DeepLServer) -> None:
    engine = engine_for(server, GLOSSARY)
    engine.prepare()
    server.delay_next(0.2, times=4)  # the calls overlap on the server
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda t: engine.call(batch(t)).texts, ["开源", "木兰", "你好"] * 2)
        )
    assert results == [["open source"], ["木兰"], ["EN(你好)"]] * 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_failures_are_retried(server: DeepLServer, status: int) -> None:
    server.fail_next(status, times=2)
    result = engine_for(server, max_retries=2).call(batch("你好"))
    assert result.texts == ["EN(你好)"]
    assert [r.status for r in server.requests_to("/v2/translate")] == [status, status, 200]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_persistent_failure_is_transient_error(server: DeepLServer, status: int) -> None:
    server.fail_next(status, times=10)
    with pytest.raises(EngineTransientError, match=rf"{status}.*2 retries") as info:
        engine_for(server, max_retries=2).call(batch("你好"))
    assert isinstance(info.value.__cause__, deepl.DeepLException)
    assert len(server.requests_to("/v2/translate")) == 3


def test_quota_exceeded(server: DeepLServer) -> None:
    server.character_limit = 3
    engine = engine_for(server)
    assert engine.call(batch("你好")).texts == ["EN(你好)"]
    with pytest.raises(QuotaExceeded) as info:
        engine.call(batch("世界"))
    message = str(info.value)
    assert message.startswith("DeepL refused translating 1 text (2 characters): it would exceed")
    assert "(2 of 3 characters used)" in message and "used up" not in message
    assert "raise the limit in your DeepL account" in message and "\n" not in message
    assert len(server.requests_to("/v2/translate")) == 2  # 456 is not retried


def test_injected_456_is_quota_exceeded(server: DeepLServer) -> None:
    server.fail_next(456)
    with pytest.raises(QuotaExceeded):
        engine_for(server).call(batch("你好"))


def test_wrong_key_names_the_variable_never_the_key(
    server: DeepLServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-secret-4711:fx"
    monkeypatch.setenv("DEEPL_AUTH_KEY", wrong)
    caplog.set_level(logging.DEBUG)
    engine = engine_for(server, GLOSSARY)
    with pytest.raises(EngineAuthError) as info:
        engine.prepare()
    with pytest.raises(EngineAuthError) as info2:
        engine.call(batch("你好"))
    for exc in (info.value, info2.value):
        assert "DEEPL_AUTH_KEY" in str(exc)
        chain: BaseException | None = exc
        while chain is not None:
            assert wrong not in str(chain) and wrong not in repr(chain.args)
            chain = chain.__cause__
    assert wrong not in caplog.text
    assert len(server.requests) == 2  # 403 is not retried


def test_injected_403_is_auth_error(server: DeepLServer) -> None:
    server.fail_next(403)
    with pytest.raises(EngineAuthError, match="DEEPL_AUTH_KEY"):
        engine_for(server).call(batch("你好"))


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_key(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("DEEPL_AUTH_KEY")
    else:
        monkeypatch.setenv("DEEPL_AUTH_KEY", value)
    with pytest.raises(EngineAuthError, match=r"^set DEEPL_AUTH_KEY "):
        engine_for(None).prepare()


def test_key_variable_is_configurable(server: DeepLServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPL_AUTH_KEY")
    engine = engine_for(server, auth_key_env="KYS_DEEPL_KEY")
    with pytest.raises(EngineAuthError, match="set KYS_DEEPL_KEY"):
        engine.call(batch("你好"))
    monkeypatch.setenv("KYS_DEEPL_KEY", KEY)
    assert engine_for(server, auth_key_env="KYS_DEEPL_KEY").call(batch("你好")).texts


def test_timeout_is_bounded(server: DeepLServer) -> None:
    server.delay_next(5.0, times=10)
    engine = engine_for(server, timeout=0.2, max_retries=1)
    started = time.monotonic()
    with pytest.raises(EngineTransientError, match=r"did not answer.*1 retry "):
        engine.call(batch("你好"))
    assert time.monotonic() - started < 3.0
    assert len(server.requests_to("/v2/translate")) == 2


def test_unreachable_server_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    with DeepLServer(auth_key=KEY) as fake:
        url = fake.url
    with pytest.raises(EngineTransientError, match="did not answer"):
        engine_for(None, server_url=url, max_retries=1).call(batch("你好"))


def test_bad_request_is_engine_error(server: DeepLServer) -> None:
    with pytest.raises(EngineError, match="Tag handling parsing failed") as info:
        engine_for(server).call(batch('<g id="1">未闭合'))
    assert type(info.value) is EngineError


def test_server_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    with DeepLServer(auth_key=KEY) as setting, DeepLServer(auth_key=KEY) as env:
        monkeypatch.setenv("DEEPL_SERVER_URL", env.url)
        engine_for(None, server_url=setting.url).call(batch("你好"))
        assert (len(setting.requests), len(env.requests)) == (1, 0)
        engine_for(None, server_url="").call(batch("你好"))
        assert (len(setting.requests), len(env.requests)) == (1, 1)
    monkeypatch.delenv("DEEPL_SERVER_URL")
    assert engine_for(None).server_url == "https://api-free.deepl.com"
    monkeypatch.setenv("DEEPL_AUTH_KEY", "0123abcd-pro-key")
    assert engine_for(None).server_url == "https://api.deepl.com"


def test_the_client_does_not_retry_by_itself(server: DeepLServer) -> None:
    """transpub retries and counts every attempt; the client makes one per call."""
    engine_for(server, timeout=12.5, max_retries=4).call(batch("你好"))
    assert deepl.http_client.max_network_retries == 0


def test_timeout_is_sized_to_the_batch(server: DeepLServer) -> None:
    long_text = "开" * 1000  # 0.2 s + 1000 / 250 s = 4.2 s to answer
    server.delay_next(1.5)
    result = engine_for(server, timeout=0.2).call(batch(long_text))
    assert result.texts == [f"EN({long_text})"]
    assert result.requests == 1 and result.billed_characters == 1000
    assert len(server.requests_to("/v2/translate")) == 1  # not sent twice


def test_a_timed_out_request_is_counted(server: DeepLServer) -> None:
    server.delay_next(1.5)  # longer than 0.2 s + 2 / 250 s: the client gives up, DeepL bills
    result = engine_for(server, timeout=0.2, max_retries=2).call(batch("你好"))
    assert result.texts == ["EN(你好)"]
    assert result.requests == 2
    assert result.billed_characters == 4 and result.unconfirmed_characters == 2
    deadline = time.monotonic() + 10
    while server.character_count < 4:  # the held-back answer is billed once DeepL finishes
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert server.character_count == result.billed_characters


def test_a_failed_call_says_what_it_may_have_cost(server: DeepLServer) -> None:
    server.delay_next(3.0, times=2)
    with pytest.raises(EngineTransientError) as info:
        engine_for(server, timeout=0.2, max_retries=1).call(batch("你好世界"))
    assert (info.value.requests, info.value.billed_characters) == (2, 8)
    server.fail_next(503, times=5)
    with pytest.raises(EngineTransientError) as info:
        engine_for(server, max_retries=2).call(batch("你好"))
    assert (info.value.requests, info.value.billed_characters) == (3, 0)  # 503: not processed


def test_target_language_setting(server: DeepLServer) -> None:
    engine_for(server, target_lang="EN-GB").call(batch("你好"))
    assert server.requests_to("/v2/translate")[0].params["target_lang"] == "EN-GB"


def test_usage_report(server: DeepLServer) -> None:
    engine_for(server).call(batch("你好世界"))
    server.character_limit = 500_000
    report = usage_report(make_config(server))
    assert report == "DeepL: 4 of 500,000 characters used this billing period (0%)"
    assert "\n" not in report


def test_usage_report_method(server: DeepLServer) -> None:
    assert engine_for(server).usage_report().startswith("DeepL: 0 of 500,000 characters")


def test_fingerprint_follows_the_target_variant_only() -> None:
    """A text already paid for is never sent again, even after a glossary edit."""
    assert engine_for(None).fingerprint() == "EN-US"
    assert engine_for(None, target_lang="EN-GB").fingerprint() == "EN-GB"
    changed = Glossary([*GLOSSARY.terms, Term("社区", "community")])
    assert engine_for(None, GLOSSARY).fingerprint() == engine_for(None, changed).fingerprint()


def test_usage_report_wrong_key(server: DeepLServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPL_AUTH_KEY", "not-the-key")
    with pytest.raises(EngineAuthError, match="DEEPL_AUTH_KEY"):
        usage_report(make_config(server))
