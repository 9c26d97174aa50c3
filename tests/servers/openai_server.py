"""A stand-in OpenAI-compatible chat completions service on 127.0.0.1, with faults on request.

It answers ``POST /v1/chat/completions`` (and ``/chat/completions``) in JSON mode: each unit of
the user message ``{"units": [{"id", "text"}]}`` comes back as ``EN[<text>]``, tags untouched.
Tests queue faults with ``server.fail("missing", "rate_limit", …)`` (one per request, in order)
or set ``server.always`` for every request, and read what was asked in ``server.requests``.
Answers take the shapes real models give (prose or a ``<think>`` block before the JSON, a fence,
ids as strings, …). Like a real model, an answer longer than the request's ``max_tokens`` (or
``output_limit``) is cut off with ``finish_reason: "length"``, and a request whose prompt plus
``max_tokens`` exceeds ``context_limit`` is refused with vLLM's context-length 400. Tokens are
counted as characters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

#: The key the server accepts.
KEY = "sk-test-transpub-4f1c9a7e2b"

#: What a request can be answered with, besides "ok".
FAULTS = (
    "missing",  # the last unit left out
    "missing_all_but_one",  # only the first unit answered
    "extra",  # an id that was not asked for, besides the right ones
    "duplicate",  # the first unit twice, same text
    "conflict",  # the first unit twice, with different texts
    "prose",  # a sentence before the JSON
    "think",  # a reasoning block (DeepSeek-R1, Qwen3) before the JSON
    "fenced",  # the JSON in a Markdown code fence
    "string_ids",  # ids given back as strings ("1")
    "truncated",  # cut off half-way, finish_reason "length"
    "not_json",  # prose instead of JSON
    "empty",  # no content at all
    "rate_limit",  # 429 rate_limit_exceeded
    "quota",  # 429 insufficient_quota (OpenAI)
    "balance",  # 402 Insufficient Balance (DeepSeek)
    "server_error",  # 500
    "unauthorized",  # 401, whatever the key
    "forbidden",  # 403
    "bad_request",  # 400 whose message quotes the key
    "slow",  # no answer until the client has given up
)


def translate(text: str) -> str:
    """The server's deterministic "translation"."""
    return f"EN[{text}]"


@dataclass
class OpenAIServer:
    """The running server's address, its fault script and what it received."""

    port: int = 0
    key: str = KEY
    faults: list[str] = field(default_factory=list)
    always: str | None = None
    #: The model's output limit in tokens (characters here); None: only the request's max_tokens.
    output_limit: int | None = None
    #: The model's context in tokens: prompt plus max_tokens beyond it is refused (400).
    context_limit: int | None = None
    #: Each request: path, authorization header and JSON body.
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: The usage reported in each successful answer.
    usages: list[dict[str, int]] = field(default_factory=list)
    #: Set at shutdown to end slow answers.
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def fail(self, *faults: str) -> None:
        """Answer the next requests with these faults, one each ("ok" for a good answer)."""
        unknown = [f for f in faults if f != "ok" and f not in FAULTS]
        assert not unknown, f"unknown faults {unknown}; choose from {FAULTS}"
        with self.lock:
            self.faults.extend(faults)

    def next_fault(self) -> str:
        with self.lock:
            if self.faults:
                return self.faults.pop(0)
        return self.always or "ok"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests]

    def sent_units(self) -> list[list[str]]:
        """The unit texts of each request, in order."""
        return [[u["text"] for u in _units(b)] for b in self.bodies]


def _units(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The units of the first user message (a retry adds a plain-text one after it)."""
    for message in body.get("messages", []):
        if message.get("role") == "user":
            units: list[dict[str, Any]] = json.loads(message["content"])["units"]
            return units
    return []


def _answer(fault: str, units: list[dict[str, Any]]) -> str | None:
    entries: list[dict[str, Any]] = [{"id": u["id"], "text": translate(u["text"])} for u in units]
    if fault == "missing":
        entries = entries[:-1]
    elif fault == "missing_all_but_one":
        entries = entries[:1]
    elif fault == "extra":
        entries.append({"id": 999, "text": "EN[?]"})
    elif fault == "duplicate":
        entries.append(dict(entries[0]))
    elif fault == "conflict":
        entries.append({"id": entries[0]["id"], "text": "EN[something else]"})
    elif fault == "string_ids":
        entries = [{"id": str(e["id"]), "text": e["text"]} for e in entries]
    elif fault == "not_json":
        return "Here are the translations you asked for: EN[…]"
    elif fault == "empty":
        return None
    answer = json.dumps({"translations": entries}, ensure_ascii=False)
    if fault == "prose":
        return f"Here is the translation:\n\n{answer}\n\nLet me know if you need changes."
    if fault == "think":
        return (
            '<think>\nThe user wants {"translations": [...]}. Translate each unit; keep the '
            f"tags.\n</think>\n\n{answer}"
        )
    if fault == "fenced":
        return f"```json\n{answer}\n```"
    if fault == "truncated":
        return answer[: len(answer) // 2]
    return answer


_ERRORS: dict[str, tuple[int, str, str | None, str]] = {
    # fault: status, type, code, message
    "rate_limit": (429, "requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    "quota": (
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "balance": (402, "unknown_error", "invalid_request_error", "Insufficient Balance"),
    "server_error": (500, "server_error", None, "The server had an error."),
    "forbidden": (403, "invalid_request_error", None, "Project does not have access to model."),
}


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead."""

    def do_POST(self) -> None:
        state = self.server.state
        if self.path not in ("/v1/chat/completions", "/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        auth = self.headers.get("Authorization", "")
        with state.lock:
            state.requests.append({"path": self.path, "authorization": auth, "body": body})
        fault = state.next_fault()
        given = auth.removeprefix("Bearer ")
        if given != state.key or fault == "unauthorized":
            # Like OpenAI: the message shows a masked key.
            masked = f"{given[:3]}***{given[-4:]}" if len(given) > 8 else "***"
            message = f"Incorrect API key provided: {masked}."
            self._error(401, "invalid_request_error", "invalid_api_key", message)
            return
        if fault == "bad_request":
            # Some services quote the whole request, key included: the engine must not repeat it.
            message = f"The model is not available for the key {given}."
            self._error(400, "invalid_request_error", "model_not_found", message)
            return
        if fault in _ERRORS:
            self._error(*_ERRORS[fault])
            return
        if fault == "slow" and state.release.wait(10):
            return
        prompt = sum(len(m.get("content") or "") for m in body["messages"])
        limit = body.get("max_tokens")
        if state.context_limit is not None and prompt + (limit or 0) > state.context_limit:
            message = (
                f"This model's maximum context length is {state.context_limit} tokens. However, "
                f"you requested {prompt + (limit or 0)} tokens ({prompt} in the messages, "
                f"{limit} in the completion). Please reduce the length of the messages or "
                "completion."
            )
            self._error(400, "BadRequestError", None, message)
            return
        content = _answer(fault, _units(body))
        finish = "length" if fault == "truncated" else "stop"
        cap = min(x for x in (limit, state.output_limit, 10**9) if x is not None)
        if content is not None and len(content) > cap:
            content, finish = content[:cap], "length"
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": len(content or ""),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        with state.lock:
            state.usages.append(usage)
        self._send(
            200,
            {
                "id": f"chatcmpl-{len(state.requests)}",
                "object": "chat.completion",
                "created": 1700000000,
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                ],
                "usage": usage,
            },
        )

    def _error(self, status: int, kind: str, code: str | None, message: str) -> None:
        error = {"message": message, "type": kind, "param": None, "code": code}
        # The client's retries wait what the server asks: a millisecond keeps tests fast.
        self._send(status, {"error": error}, {"retry-after-ms": "1"})

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    state: OpenAIServer


@contextmanager
def serve() -> Iterator[OpenAIServer]:
    """Run the server on a free port of 127.0.0.1 while the block runs."""
    httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = OpenAIServer(port=httpd.server_address[1])
    thread = threading.Thread(
        target=httpd.serve_forever, args=(0.05,), name="openai-server", daemon=True
    )
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A running stand-in OpenAI service (``base_url``, ``key``, ``fail()``, ``requests``)."""
    with serve() as server:
        yield server
