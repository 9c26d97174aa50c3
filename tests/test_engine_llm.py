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
from transpub.engines.llm import NO_TRANSLATION, LLMEngine, parse_answer
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
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert json.loads(user) == {
        "units": [{"id": i, "text": t} for i, t in zip(IDS, TEXTS, strict=True)]
    }
    assert "开源" in user, "Chinese is sent as it is, not \\u-escaped"


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


def test_configured_base_url_wins_over_the_environment(
    make_engine: Any, server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    assert make_engine().call(batch(1)).problems == [None]


def test_base_url_without_v1(make_engine: Any, server: OpenAIServer) -> None:
    engine = make_engine(base_url=server.base_url.removesuffix("/v1"))
    assert engine.call(batch(1)).problems == [None]
    assert server.requests[0]["path"] == "/chat/completions"


# -- invalid answers: asked again once, then flagged ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "complaint"),
    [
        ("missing", "these ids were missing: intro-3"),
        ("extra", "these ids were not in the request: not-asked"),
        ("duplicate", "these ids came more than once: intro-1"),
        ("not_json", "it was not valid JSON"),
        ("empty", "it was empty"),
    ],
)
def test_invalid_answer_is_asked_again(
    make_engine: Any, server: OpenAIServer, fault: str, complaint: str
) -> None:
    server.fail(fault)
    result = make_engine().call(batch())

    assert result.texts == [translate(t) for t in TEXTS]
    assert result.problems == [None, None, None]
    assert len(server.requests) == 2
    first, retry = server.bodies
    assert retry["messages"][:2] == first["messages"]
    # The previous answer goes back as the assistant's turn (an empty one cannot).
    roles = [m["role"] for m in retry["messages"]]
    assert roles == ["system", "user", *([] if fault == "empty" else ["assistant"]), "user"]
    ask = retry["messages"][-1]["content"]
    assert complaint in ask
    assert "intro-1, intro-2, intro-3" in ask
    assert retry["temperature"] == 0
    assert retry["response_format"] == {"type": "json_object"}


def test_missing_unit_still_missing_is_flagged(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "missing"
    result = make_engine().call(batch())
    assert result.texts == [translate(TEXTS[0]), translate(TEXTS[1]), TEXTS[2]]
    assert result.problems == [None, None, NO_TRANSLATION]
    assert len(server.requests) == 2, "one retry only"


def test_never_json_keeps_every_source_flagged(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "not_json"
    result = make_engine().call(batch())
    assert result.texts == TEXTS
    assert result.problems == [NO_TRANSLATION] * 3
    assert len(server.requests) == 2


def test_extra_ids_are_dropped(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "extra"
    result = make_engine().call(batch())
    assert result.texts == [translate(t) for t in TEXTS]
    assert result.problems == [None, None, None]


def test_repeated_id_is_not_guessed(make_engine: Any, server: OpenAIServer) -> None:
    server.always = "duplicate"
    result = make_engine().call(batch())
    assert result.texts[0] == TEXTS[0]
    assert result.problems == [NO_TRANSLATION, None, None]


def test_retry_fills_what_the_first_answer_lacked(make_engine: Any, server: OpenAIServer) -> None:
    server.fail("missing", "not_json")
    result = make_engine().call(batch())
    assert result.texts == [translate(TEXTS[0]), translate(TEXTS[1]), TEXTS[2]]
    assert result.problems == [None, None, NO_TRANSLATION]


@pytest.mark.parametrize(
    ("content", "good", "problem"),
    [
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}',
         {"a": "A", "b": "B"}, None),
        ('{"translations": [{"id": "a", "text": "A"}]}', {"a": "A"}, "missing: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": 3}]}',
         {"a": "A"}, "no text: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": " "}]}',
         {"a": "A"}, "no text: b"),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, "c"]}',
         {"a": "A", "b": "B"}, "not objects with an id"),
        ('{"units": [{"id": "a", "text": "A"}]}', {}, '"translations" list'),
        ('[{"id": "a", "text": "A"}]', {}, '"translations" list'),
        ('{"translations": [{"id": "a", "text": "A"}, {"id": "a", "text": "A"}]}',
         {}, "more than once: a"),
        ('```json\n{"translations": [{"id": "a", "text": "A"}]}\n```', {"a": "A"}, "missing: b"),
        ("Sure! {}", {}, "not valid JSON"),
        ("", {}, "empty"),
        (None, {}, "empty"),
    ],
)  # fmt: skip
def test_parse_answer(content: str | None, good: dict[str, str], problem: str | None) -> None:
    found, problems = parse_answer(content, ["a", "b"])
    assert {k: v for k, v in found.items() if k in good} == good
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
        ("quota", 1, QuotaExceeded, "quota"),
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
    retried = fault in ("quota", "rate_limit", "server_error")
    assert len(server.requests) == (1 + retries if retried else 1)


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
