"""The LLM engine, driving the real openai client against a stand-in service on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from servers.openai_server import KEY, OpenAIServer, serve, translate

from transpub.config import Config, LLMSettings
from transpub.engines.base import REGISTRY, Batch
from transpub.engines.llm import LLMEngine, parse_answer, system_prompt
from transpub.errors import (
    EngineAuthError,
    EngineError,
    EngineTransientError,
    QuotaExceeded,
)
from transpub.glossary.term import Term, TermType

ENV = "TRANSPUB_TEST_LLM_KEY"

IDS = ["intro-1", "intro-2", "intro-3"]
TEXTS = [
    '<g id="1">开源</g>社区欢迎每一位贡献者。',
    '运行 <x id="2"/> 安装依赖，详见<g id="3">文档</g>。',
    "GitHub &amp; Gitee 上的干货。",
]
TERMS = [
    Term("开源", "open source", TermType.TERM, variants=("open-source",)),
    Term("贡献者", "contributor", TermType.TERM),
    Term("开源社", "KAIYUANSHE", TermType.NAME),
    Term("GitHub", "GitHub", TermType.DO_NOT_TRANSLATE),
    Term("干货", "dry goods", TermType.FORBIDDEN),
]
CONTEXT = "上一段：开源社成立于 2014 年。"


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with serve() as running:
        yield running


@pytest.fixture
def make_engine(server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An engine for the server: the key in ENV, no client retries unless asked."""

    def make(key: str = KEY, **llm: Any) -> LLMEngine:
        monkeypatch.setenv(ENV, key)
        settings: dict[str, Any] = {
            "base_url": server.base_url,
            "model": "test-model",
            "api_key_env": ENV,
            "timeout": 5.0,
            "max_retries": 0,
        }
        settings.update(llm)
        return LLMEngine(Config(llm=LLMSettings(**settings)))

    return make


def batch(n: int = 3, **kwargs: Any) -> Batch:
    return Batch(ids=IDS[:n], texts=TEXTS[:n], **kwargs)


def system_of(body: dict[str, Any]) -> str:
    content: str = body["messages"][0]["content"]
    assert body["messages"][0]["role"] == "system"
    return content


# -- the request and a good answer ------------------------------------------------------------


def test_registered_with_limits_from_config(make_engine: Any) -> None:
    engine = make_engine(batch_size=2)
    assert REGISTRY["llm"] is LLMEngine
    assert (LLMEngine.engine_id, LLMEngine.name) == ("llm", "LLM (OpenAI-compatible)")
    assert engine.max_texts == 2
    assert list(engine.batches(IDS, TEXTS)) == [(0, 2), (2, 3)]
    assert make_engine(batch_size=20).max_texts == 20


def test_happy_path(make_engine: Any, server: OpenAIServer) -> None:
    result = make_engine().call(batch(terms=TERMS, context=CONTEXT))

    assert result.texts == [translate(t) for t in TEXTS]
    assert result.problems == [None, None, None]
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == f"Bearer {KEY}"
    body = request["body"]
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert 0 < body["max_tokens"] <= 8192
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    # Short ordinal ids: a model copies them cheaply and cannot mangle them.
    assert json.loads(user) == {"units": [{"id": i + 1, "text": t} for i, t in enumerate(TEXTS)]}
    assert "开源" in user, "Chinese is sent as it is, not \\u-escaped"
    assert result.requests == 1 and result.failed == [None, None, None]


def test_system_prompt_states_task_terms_and_context(
    make_engine: Any, server: OpenAIServer
) -> None:
    make_engine().call(batch(terms=TERMS, context=CONTEXT))
    system = system_of(server.bodies[0])
    for expected in (
        "Chinese (zh) into English (en)",
        "open-source community",
        '<g id="N">',
        '<x id="N"/>',
        "JSON only",
        '{"translations": [{"id": ..., "text": ...}]}',
        "- 开源 → open source (or open-source)",
        "- 贡献者 → contributor",
        "- 开源社 → KAIYUANSHE",
        "- keep GitHub as is",
        '- never translate 干货 as "dry goods"',
        CONTEXT,
    ):
        assert expected in system


def test_system_prompt_without_terms_or_context(make_engine: Any, server: OpenAIServer) -> None:
    make_engine().call(batch())
    system = system_of(server.bodies[0])
    assert "Glossary" not in system
    assert "Context" not in system


def test_token_usage(make_engine: Any, server: OpenAIServer) -> None:
    result = make_engine().call(batch())
    assert result.input_tokens == server.usages[0]["prompt_tokens"] > 0
    assert result.output_tokens == server.usages[0]["completion_tokens"] > 0


def test_token_usage_adds_the_retry(make_engine: Any, server: OpenAIServer) -> None:
    server.fail("missing")
    result = make_engine().call(batch())
    assert len(server.usages) == 2
    assert result.input_tokens == sum(u["prompt_tokens"] for u in server.usages)
    assert result.output_tokens == sum(u["completion_tokens"] for u in server.usages)


# -- where the service is ---------------------------------------------------------------------


def test_openai_base_url_from_the_environment(
    make_engine: Any, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result = make_engine(base_url="").call(batch(1))
    assert result.texts == [translate(TEXTS[0])]
    assert len(server.requests) == 1


def test_the_default_endpoint_serves_the_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv(ENV, KEY)
    engine = LLMEngine(Config(llm=LLMSettings(api_key_env=ENV)))
    assert engine.fingerprint() == "https://api.openai.com/v1 gpt-4o-mini"


def test_configured_base_url_wins_over_the_environment(
    make_engine: Any, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    assert make_engine().call(batch(1)).problems == [None]


def test_base_url_without_v1(make_engine: Any, server: OpenAIServer) -> None:
    engine = make_engine(base_url=server.base_url.removesuffix("/v1"))
    assert engine.call(batch(1)).problems == [None]
    assert server.requests[0]["path"] == "/chat/completions"


# -- invalid answers: the missing units asked for once more, alone, then failed ---------------


@pytest.mark.parametrize(
    ("fault", "asked_again"),
    [
        ("missing", [2]),
        ("conflict", [0]),
        ("not_json", [0, 1, 2]),
        ("empty", [0, 1, 2]),
    ],
)
def test_only_the_missing_units_are_asked_again(
    make_engine: Any, server: OpenAIServer, fault: str, asked_again: list[int]
) -> None:
    server.fail(fault)
    result = make_engine().call(batch())

    assert result.texts == [translate(t) for t in TEXTS]
    assert result.failed == [None, None, None]
    assert result.requests == len(server.requests) == 2
    first, again = server.bodies
    # A fresh request with the same instructions and only what is missing, not the conversation.
    assert [m["role"] for m in again["messages"]] == ["system", "user"]
    assert again["messages"][0] == first["messages"][0]
    assert server.sent_units()[1] == [TEXTS[i] for i in asked_again]
    assert json.loads(again["messages"][1]["content"])["units"][0]["id"] == asked_again[0] + 1
    assert again["temperature"] == 0
    assert again["response_format"] == {"type": "json_object"}


def test_a_reask_carries_only_the_terms_of_its_units(
    make_engine: Any, server: OpenAIServer
) -> None:
    server.fail("missing")
    make_engine().call(batch(terms=TERMS, context=CONTEXT))
    first, again = (system_of(b) for b in server.bodies)
    assert "- 开源 → open source" in first and "- 开源 → open source" not in again
    assert "- keep GitHub as is" in again and '- never translate 干货 as "dry goods"' in again
    assert CONTEXT in again


@pytest.mark.parametrize("fault", ["prose", "think", "fenced", "string_ids", "extra", "duplicate"])
def test_usable_answer_shapes_need_no_second_request(
    make_engine: Any, server: OpenAIServer, fault: str
) -> None:
    server.fail(fault)
    result = make_engine().call(batch())
    assert result.texts == [translate(t) for t in TEXTS]
    assert result.failed == [None, None, None]
    assert len(server.requests) == 1


def test_unit_still_missing_fails(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "missing"
    result = make_engine().call(batch())
    assert result.texts[:2] == [translate(TEXTS[0]), translate(TEXTS[1])]
    assert result.failed[:2] == [None, None]
    assert result.failed[2] == "the model gave no usable answer twice (ids missing)"
    assert len(server.requests) == 2, "one re-ask only"
    assert server.sent_units()[1] == [TEXTS[2]]


def test_never_json_fails_every_unit(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "not_json"
    result = make_engine().call(batch())
    assert all(f and "not valid JSON" in f for f in result.failed)
    assert len(server.requests) == 2
    assert result.input_tokens == sum(u["prompt_tokens"] for u in server.usages)


def test_failed_reask_keeps_the_first_answer(make_engine: Any, server: OpenAIServer) -> None:
    server.fail("missing", "server_error")
    result = make_engine().call(batch())
    assert result.texts[:2] == [translate(TEXTS[0]), translate(TEXTS[1])]
    assert result.failed[:2] == [None, None]
    assert "HTTP 500" in (result.failed[2] or "")
    assert result.requests == 2
    assert result.output_tokens == server.usages[0]["completion_tokens"]


def test_truncated_answer_keeps_its_complete_entries_and_splits_the_rest(
    make_engine: Any, server: OpenAIServer
) -> None:
    server.fail("truncated")
    result = make_engine().call(batch())
    assert result.texts == [translate(t) for t in TEXTS]
    assert result.failed == [None, None, None]
    sent = server.sent_units()
    assert sent[0] == TEXTS and len(sent) == 2
    assert sent[1] == TEXTS[1:], "only what the cut-off answer lacked"


def test_output_limit_asks_again_for_what_each_cut_off_answer_lacked(
    make_engine: Any, server: OpenAIServer
) -> None:
    server.output_limit = 130  # the model stops there: one or two entries fit, not three
    result = make_engine().call(batch())
    assert result.texts == [translate(t) for t in TEXTS]
    assert result.failed == [None, None, None]
    assert server.sent_units() == [TEXTS, TEXTS[1:], TEXTS[2:]]
    assert all(b["max_tokens"] >= 1024 for b in server.bodies)


def test_unit_cut_off_even_alone_fails_naming_max_tokens(
    make_engine: Any, server: OpenAIServer
) -> None:
    server.output_limit = 20
    result = make_engine().call(batch(1))
    assert "raise [llm] max_tokens" in (result.failed[0] or "")
    assert len(server.requests) == 1


def test_context_length_400_splits_the_batch(make_engine: Any, server: OpenAIServer) -> None:
    engine = make_engine(max_tokens=200)
    server.context_limit = len(system_prompt(batch())) + 200 + 160
    result = engine.call(batch())
    assert result.texts == [translate(t) for t in TEXTS]
    assert result.failed == [None, None, None]
    # Refused whole, then split in halves; each half fits.
    assert server.sent_units() == [TEXTS, TEXTS[:1], TEXTS[1:]]
    assert result.requests == len(server.requests) == 3


def test_unit_too_long_for_the_context_alone_fails(make_engine: Any, server: OpenAIServer) -> None:
    server.context_limit = 10
    result = make_engine().call(batch(2))
    assert all(f and "too long for the model" in f for f in result.failed)
    assert len(server.requests) == 3  # the batch, then each half once


def test_units_without_chinese_are_not_sent(make_engine: Any, server: OpenAIServer) -> None:
    texts = ["GitHub Actions", TEXTS[0], '<x id="1"/>']
    result = make_engine().call(Batch(IDS, texts))
    assert result.texts == ["GitHub Actions", translate(TEXTS[0]), '<x id="1"/>']
    assert server.sent_units() == [[TEXTS[0]]]
    assert make_engine().call(Batch(IDS[:1], ["OSI"])).requests == 0


def test_cache_key_and_origin_name_the_model(make_engine: Any, server: OpenAIServer) -> None:
    one, other = make_engine(model="deepseek-chat"), make_engine(model="qwen-plus")
    assert one.fingerprint() != other.fingerprint()
    assert server.base_url in one.fingerprint() and "deepseek-chat" in one.fingerprint()
    assert one.origin() == "mt:llm:deepseek-chat"


THINK = '<think>\nThe answer is {"translations": [{"id": "a", "text": "wrong"}]}\n</think>\n'


@pytest.mark.parametrize(
    ("content", "good", "problem"),
    [
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}',
         {"a": "A", "b": "B"}, None),
        ('{"translations": [{"id": "a", "text": "A"}]}', {"a": "A"}, "missing: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": 3}]}',
         {"a": "A"}, "without a text: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": " "}]}',
         {"a": "A"}, "without a text: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, "c"]}',
         {"a": "A", "b": "B"}, None),
        ('{"units": [{"id": "a", "text": "A"}]}', {"a": "A"}, "missing: b"),
        ('[{"id": "a", "text": "A"}, {"id": "b", "translation": "B"}]', {"a": "A", "b": "B"}, None),
        ('{"translations": {"a": "A", "b": "B"}}', {"a": "A", "b": "B"}, None),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "a", "text": "A"}]}',
         {"a": "A"}, "missing: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "a", "text": "Z"}]}',
         {}, "different texts: a"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "x", "text": "X"}]}',
         {"a": "A"}, "missing: b"),
        ('```json\n{"translations": [{"id": "a", "text": "A"}]}\n```', {"a": "A"}, "missing: b"),
        ('Here is the translation:\n{"translations": [{"id": "a", "text": "A"}, '
         '{"id": "b", "text": "B"}]}\nHope it helps.', {"a": "A", "b": "B"}, None),
        (THINK + '{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}',
         {"a": "A", "b": "B"}, None),
        ('<think>\nStill {"id": "a", "text": "wrong"} thinking', {}, "not valid JSON"),
        ('{"translations": [{"id": "a", "text": "A [1]"}, {"id": "b", "text": "B {cut',
         {"a": "A [1]"}, "missing: b"),
        ("Sure! {}", {}, '"translations" list'),
        ("Sure!", {}, "not valid JSON"),
        ("", {}, "empty"),
        (None, {}, "empty"),
    ],
)  # fmt: skip
def test_parse_answer(content: str | None, good: dict[str, str], problem: str | None) -> None:
    found, problems = parse_answer(content, ["a", "b"])
    assert found == good
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_numeric_ids_in_the_answer_match() -> None:
    found, problems = parse_answer('{"translations": [{"id": 7, "text": "Seven"}]}', ["7"])
    assert (found, problems) == ({"7": "Seven"}, [])


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "retries", "error", "fragment"),
    [
        ("unauthorized", 2, EngineAuthError, f"refused the key in {ENV} (HTTP 401)"),
        ("forbidden", 0, EngineAuthError, f"refused the key in {ENV} (HTTP 403)"),
        ("quota", 1, QuotaExceeded, "quota"),  # not retried: waiting does not help
        ("balance", 0, QuotaExceeded, "HTTP 402"),
        ("rate_limit", 1, EngineTransientError, "HTTP 429 (after 1 retry)"),
        ("server_error", 2, EngineTransientError, "HTTP 500 (after 2 retries)"),
        ("bad_request", 2, EngineError, "HTTP 400"),
    ],
)
def test_error_mapping(
    make_engine: Any,
    server: OpenAIServer,
    fault: str,
    retries: int,
    error: type[EngineError],
    fragment: str,
) -> None:
    server.always = fault
    engine = make_engine(max_retries=retries)
    with pytest.raises(error) as caught:
        engine.call(batch())
    assert type(caught.value) is error
    message = str(caught.value)
    assert fragment in message
    assert KEY not in message
    assert f"127.0.0.1:{server.port}" in message
    assert caught.value.__cause__ is not None
    retried = fault in ("rate_limit", "server_error")
    assert len(server.requests) == caught.value.requests == (1 + retries if retried else 1)


def test_transient_failure_then_success(make_engine: Any, server: OpenAIServer) -> None:
    server.fail("rate_limit", "server_error")
    result = make_engine(max_retries=2).call(batch())
    assert result.problems == [None, None, None]
    assert len(server.requests) == 3


def test_wrong_key(make_engine: Any, server: OpenAIServer) -> None:
    wrong = "sk-wrong-0123456789abcdef"
    with pytest.raises(EngineAuthError) as caught:
        make_engine(key=wrong).call(batch())
    assert ENV in str(caught.value)
    assert wrong not in str(caught.value)
    assert server.requests[0]["authorization"] == f"Bearer {wrong}"


def test_missing_key(
    make_engine: Any, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "")
    with pytest.raises(EngineAuthError, match=f"environment variable {ENV}"):
        LLMEngine(Config(llm=LLMSettings(base_url=server.base_url, api_key_env=ENV)))
    monkeypatch.delenv(ENV)
    with pytest.raises(EngineAuthError, match=f"set {ENV}"):
        LLMEngine(Config(llm=LLMSettings(base_url=server.base_url, api_key_env=ENV)))
    assert server.requests == []


def test_key_read_from_the_configured_variable(
    make_engine: Any, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-this-one-000000")
    make_engine().call(batch(1))
    assert server.requests[0]["authorization"] == f"Bearer {KEY}"


def test_timeout(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "slow"
    with pytest.raises(EngineTransientError, match=r"did not answer within 0\.2 s") as caught:
        make_engine(timeout=0.2).call(batch())
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_persistent_timeout_is_sent_twice_at_most(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "slow"
    with pytest.raises(EngineTransientError, match=r"after 1 retry") as caught:
        make_engine(timeout=0.2, max_retries=3).call(batch())
    assert len(server.requests) == caught.value.requests == 2


def test_unreachable(make_engine: Any) -> None:
    port = free_port()
    engine = make_engine(base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(EngineTransientError, match=f"127.0.0.1:{port} could not be reached"):
        engine.call(batch())


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
