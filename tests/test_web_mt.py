"""Machine translation of one entry from the review app: the official DeepL client against the
DeepL stand-in, the LLM engine against the OpenAI-compatible stand-in (both on 127.0.0.1).

The answer fills nothing on the server (the catalog is untouched until the translator saves),
uses the glossary and the markup protection as ``transpub translate`` does, is paid for once
(the second request is answered from the shared engine cache: the server sees one request),
and is counted; an engine error is one line, without the key, never a 500."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import deepl
import pytest
from servers.deepl_server import DeepLServer
from servers.openai_server import KEY as LLM_KEY
from servers.openai_server import OpenAIServer, serve
from starlette.testclient import TestClient

from conftest import TOML, write_article
from transpub.article import Project
from transpub.catalog.sync import sync_article
from transpub.credits.contributions import entry_id
from transpub.review.accounts import Role, UserStore
from transpub.review.web import create_app

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
DEEPL_KEY = "0123abcd-web-secret-key:fx"
LLM_ENV = "TRANSPUB_TEST_LLM_KEY"
GLOSSARY = """\
zh,en,type,variants,pos,case_sensitive,note
开源社,KAIYUANSHE,name,,proper noun,yes,the community's English name
"""
SOURCE = """\
---
title: 年度报告
---

开源社发布**年度报告**，见[官网](https://kaiyuanshe.cn)。

报告共有十二章。

开源社
"""
MARKED, PLAIN, TERM = (
    "开源社发布**年度报告**，见[官网](https://kaiyuanshe.cn)。",
    "报告共有十二章。",
    "开源社",
)


@dataclass
class App:
    project: Project
    client: TestClient
    csrf: str

    def machine(self, msgid: str, csrf: str | None = None) -> tuple[int, dict[str, str]]:
        response = self.client.post(
            f"/articles/report/entries/{entry_id(msgid)}/machine",
            data={"csrf": self.csrf if csrf is None else csrf},
            headers={"X-Requested-With": "fetch"},
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"page": response.text}

    def catalog(self) -> bytes:
        return self.project.article("report").catalog.read_bytes()

    def usage(self) -> list[dict[str, object]]:
        log = self.project.root / ".transpub" / "mt-usage.jsonl"
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("accounts") / "users.json"
    UserStore(path).add("tr", Role.TRANSLATOR, PASSWORD)
    return path


def _app(project_dir: Path, accounts: Path, settings: str) -> App:
    (project_dir / "transpub.toml").write_text(TOML + settings, encoding="utf-8")
    (project_dir / "glossary").mkdir()
    (project_dir / "glossary" / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    write_article(project_dir, "report", SOURCE)
    project = Project.open(project_dir)
    sync_article(project, project.article("report"), now=NOW)
    users = project_dir.parent / f"{project_dir.name}-users.json"
    users.write_bytes(accounts.read_bytes())
    client = TestClient(create_app(project, UserStore(users), "k" * 48), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    form = {"csrf": token.group(1), "name": "tr", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form).status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert token
    return App(project, client, token.group(1))


@pytest.fixture
def deepl_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[DeepLServer]:
    monkeypatch.setattr(deepl.http_client._BackoffTimer, "BACKOFF_INITIAL", 0.01)
    monkeypatch.setattr(deepl.http_client._BackoffTimer, "BACKOFF_MAX", 0.05)
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)
    monkeypatch.setattr(deepl.http_client, "min_connection_timeout", 10.0)
    monkeypatch.setenv("DEEPL_AUTH_KEY", DEEPL_KEY)
    monkeypatch.delenv("DEEPL_SERVER_URL", raising=False)
    with DeepLServer(auth_key=DEEPL_KEY) as server:
        yield server


@pytest.fixture
def with_deepl(project_dir: Path, accounts: Path, deepl_server: DeepLServer) -> App:
    settings = (
        '\n[translate]\nengine = "deepl"\n\n'
        f'[deepl]\nserver_url = "{deepl_server.url}"\ntimeout = 5.0\nmax_retries = 1\n'
    )
    return _app(project_dir, accounts, settings)


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    monkeypatch.setenv(LLM_ENV, LLM_KEY)
    with serve() as server:
        yield server


@pytest.fixture
def with_llm(project_dir: Path, accounts: Path, llm_server: OpenAIServer) -> App:
    settings = (
        '\n[translate]\nengine = "llm"\n\n'
        f'[llm]\nbase_url = "{llm_server.base_url}"\nmodel = "test-model"\n'
        f'api_key_env = "{LLM_ENV}"\ntimeout = 5.0\nmax_retries = 0\n'
    )
    return _app(project_dir, accounts, settings)


def _translations(server: DeepLServer) -> list[list[str]]:
    return [r.texts for r in server.requests_to("/v2/translate")]


def test_deepl_answers_once_with_glossary_markup_and_context(
    with_deepl: App, deepl_server: DeepLServer
) -> None:
    app = with_deepl
    before = app.catalog()
    status, answer = app.machine(MARKED)
    assert status == 200, answer
    # The glossary went to DeepL; the Markdown came back around the right words.
    assert (
        answer["text"]
        == "KAIYUANSHEEN(发布)**EN(年度报告)**，EN(见)[EN(官网)](https://kaiyuanshe.cn)。"
    )
    assert answer["origin"] == "mt:deepl"
    assert "billed" in answer["status"] and "Not saved" in answer["status"]
    [sent] = deepl_server.requests_to("/v2/translate")
    assert sent.texts == ['开源社发布<g id="1">年度报告</g>，见<g id="2">官网</g>。']
    assert sent.params.get("glossary_id") and sent.params.get("tag_handling") == "xml"
    assert "报告共有十二章。" in str(sent.params.get("context"))  # the neighbours, as context
    assert app.catalog() == before  # a proposal: nothing saved

    # Asked again (by anyone): the cache answers, DeepL is not asked twice.
    status, again = app.machine(MARKED)
    assert (status, again["text"]) == (200, answer["text"])
    assert "cache" in again["status"] and "nothing billed" in again["status"]
    assert len(_translations(deepl_server)) == 1

    # A unit that is one glossary term is the term: nothing is sent.
    status, term = app.machine(TERM)
    assert (status, term["text"], term["origin"]) == (200, "KAIYUANSHE", "glossary")
    assert len(_translations(deepl_server)) == 1

    # What was paid for is counted, by whom and for which entry.
    [paid] = app.usage()
    assert (paid["user"], paid["article"], paid["entry"]) == ("tr", "report", entry_id(MARKED))
    assert paid["requests"] == 1 and paid["billed_characters"] == sent.billed_characters > 0
    assert paid["failed"] is False


def test_a_deepl_error_is_one_line_in_the_status_and_is_counted(
    with_deepl: App, deepl_server: DeepLServer
) -> None:
    app = with_deepl
    deepl_server.fail_next(456)  # the quota is used up
    status, answer = app.machine(PLAIN)
    assert status == 502
    assert set(answer) == {"error"} and "\n" not in answer["error"]
    assert "quota" in answer["error"].lower() and DEEPL_KEY not in answer["error"]
    [failed] = app.usage()
    assert failed["failed"] is True and failed["requests"] == 1
    # Nothing was cached: the next click asks again, and gets the answer.
    status, answer = app.machine(PLAIN)
    assert (status, answer["text"]) == (200, "EN(报告共有十二章)。")
    assert len(_translations(deepl_server)) == 2


def test_a_wrong_deepl_key_is_never_shown(with_deepl: App, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "ffff0000-wrong-secret-key:fx"
    monkeypatch.setenv("DEEPL_AUTH_KEY", wrong)
    status, answer = with_deepl.machine(PLAIN)
    assert status == 502 and "\n" not in answer["error"]
    assert wrong not in answer["error"] and "DEEPL_AUTH_KEY" in answer["error"]
    assert with_deepl.client.get("/articles/report").status_code == 200


def test_the_llm_answers_once_with_the_glossary_in_the_prompt(
    with_llm: App, llm_server: OpenAIServer
) -> None:
    app = with_llm
    status, answer = app.machine(MARKED)
    assert status == 200, answer
    assert answer["text"] == "EN[开源社发布**年度报告**，见[官网](https://kaiyuanshe.cn)。]"
    assert answer["origin"] == "mt:llm:test-model"
    assert "tokens" in answer["status"]
    [sent] = llm_server.sent_units()
    assert sent == ['开源社发布<g id="1">年度报告</g>，见<g id="2">官网</g>。']
    system = llm_server.bodies[0]["messages"][0]["content"]
    assert "开源社 → KAIYUANSHE" in system and "报告共有十二章。" in system
    status, again = app.machine(MARKED)
    assert (status, again["text"]) == (200, answer["text"])
    assert len(llm_server.requests) == 1
    [paid] = app.usage()
    assert paid["input_tokens"] and paid["output_tokens"] and paid["requests"] == 1


def test_an_llm_error_quoting_the_key_is_one_line_without_it(
    with_llm: App, llm_server: OpenAIServer
) -> None:
    llm_server.fail("bad_request")  # the service's message repeats the key
    status, answer = with_llm.machine(PLAIN)
    assert status == 502 and "\n" not in answer["error"]
    assert LLM_KEY not in answer["error"] and "rejected the request" in answer["error"]
    assert len(llm_server.requests) == 1


def test_the_button_shows_with_an_engine_and_the_route_needs_login_and_csrf(
    with_deepl: App, deepl_server: DeepLServer
) -> None:
    app = with_deepl
    page = app.client.get("/articles/report").text
    assert page.count('<button type="button" class="mt"') == 4  # one per entry
    assert f'data-src="/articles/report/entries/{entry_id(PLAIN)}/machine"' in page
    status, _ = app.machine(PLAIN, csrf="forged")
    assert status == 403
    anonymous = TestClient(app.client.app, follow_redirects=False)
    assert anonymous.post(f"/articles/report/entries/{entry_id(PLAIN)}/machine").status_code == 401
    assert _translations(deepl_server) == []
    assert (
        app.client.post(
            "/articles/report/entries/0123456789abcdef/machine", data={"csrf": app.csrf}
        ).status_code
        == 404
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it any more: connections are refused


class Dropper:
    """A port on 127.0.0.1 that accepts each connection and closes it unanswered, counting."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def __enter__(self) -> Dropper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _unreachable_app(
    project_dir: Path, accounts: Path, monkeypatch: pytest.MonkeyPatch, engine: str, port: int
) -> App:
    """The engine at ``port`` with transpub.toml's default retries and timeouts."""
    monkeypatch.setenv("DEEPL_AUTH_KEY", DEEPL_KEY)
    monkeypatch.delenv("DEEPL_SERVER_URL", raising=False)
    monkeypatch.setenv(LLM_ENV, LLM_KEY)
    if engine == "deepl":
        section = f'[deepl]\nserver_url = "http://127.0.0.1:{port}"\n'
    else:
        section = (
            f'[llm]\nbase_url = "http://127.0.0.1:{port}/v1"\nmodel = "test-model"\n'
            f'api_key_env = "{LLM_ENV}"\n'
        )
    return _app(project_dir, accounts, f'\n[translate]\nengine = "{engine}"\n\n{section}')


@pytest.mark.parametrize(
    ("engine", "name"), [("deepl", "DeepL"), ("llm", "The LLM endpoint")], ids=["deepl", "llm"]
)
def test_an_engine_that_is_down_is_said_plainly(
    project_dir: Path, accounts: Path, monkeypatch: pytest.MonkeyPatch, engine: str, name: str
) -> None:
    port = _closed_port()
    app = _unreachable_app(project_dir, accounts, monkeypatch, engine, port)
    status, answer = app.machine(PLAIN)
    assert status == 502, answer
    text = answer["error"]
    assert text.startswith(f"{name} could not be reached: ") and f"127.0.0.1:{port}" in text
    assert "\n" not in text and DEEPL_KEY not in text and LLM_KEY not in text
    for internal in ("urllib3", "HTTPConnectionPool", "Errno", "Max retries", "httpx", "object at"):
        assert internal not in text


@pytest.mark.parametrize("engine", ["deepl", "llm"])
def test_a_click_retries_an_unreachable_engine_at_most_once(
    project_dir: Path, accounts: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    with Dropper() as dropper:
        app = _unreachable_app(project_dir, accounts, monkeypatch, engine, dropper.port)
        status, answer = app.machine(PLAIN)
    assert 1 <= dropper.accepted <= 2  # the configured 5 (DeepL) or 3 (LLM) retries are not made
    assert status == 502 and "could not be reached" in answer["error"], answer
