"""A stand-in for the DeepL API on 127.0.0.1, enough for the official ``deepl`` client.

It speaks ``POST /v2/translate``, the legacy ``/v2/glossaries`` (create, list, get, entries,
delete), the multilingual ``/v3/glossaries`` (create, list, get, entries, replace or delete a
dictionary, update, delete; a store of its own, as DeepL's mock keeps them) and
``GET /v2/usage``, checks the ``Authorization: DeepL-Auth-Key …`` header (403 otherwise) and
records every request. Its "translation" is deterministic: with a glossary, its source terms
become their targets (longest first); every other run of Chinese characters becomes
``EN(<run>)``; everything else — XML tags included — is copied verbatim. With
``tag_handling=xml`` a text that is not well-formed XML is refused with 400, as DeepL does.

Faults are injected by the test: ``fail_next(status, times)`` answers with that status,
``fail_texts(contains, status)`` does so for every request with a text containing something,
``delay_next(seconds, times)`` holds the answer back (to run into the client's timeout) and
``hold_next()`` until the test releases it.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TAG = re.compile(r"(<[^>]*>)")
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    params: dict[str, Any]
    status: int = 0
    texts: list[str] = field(default_factory=list)
    billed_characters: int = 0


@dataclass
class _Fault:
    path: str
    times: int
    status: int = 0
    delay: float = 0.0
    after: int = 0  # let this many matching requests through first
    gate: threading.Event | None = None  # hold the answer until the test opens it
    contains: str | None = None  # only requests with a text containing this


def translate(text: str, entries: dict[str, str] | None = None) -> str:
    """The fake translation of one text (tags and non-Chinese text kept as they are)."""
    out: list[str] = []
    for part in TAG.split(text):
        if TAG.fullmatch(part):
            out.append(part)
        else:
            out.append(_translate_plain(part, entries or {}))
    return "".join(out)


def _translate_plain(text: str, entries: dict[str, str]) -> str:
    terms = sorted(entries, key=len, reverse=True)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(CJK_RUN.sub(lambda m: f"EN({m.group()})", "".join(run)))
            run.clear()

    i = 0
    while i < len(text):
        term = next((t for t in terms if text.startswith(t, i)), None)
        if term is not None:
            flush()
            out.append(entries[term])
            i += len(term)
            continue
        run.append(text[i])
        i += 1
    flush()
    return "".join(out)


class DeepLServer:
    """The fake DeepL API; use as a context manager or call start() and stop()."""

    def __init__(self, auth_key: str, character_limit: int = 500_000) -> None:
        self.auth_key = auth_key
        self.character_count = 0
        self.character_limit = character_limit
        self.requests: list[Recorded] = []
        self.glossaries: dict[str, dict[str, Any]] = {}
        #: Multilingual (v3) glossaries: id → {glossary_id, name, creation_time,
        #: dictionaries: {(source, target): {entry: translation}}}.
        self.multilingual: dict[str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._created = 0
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DeepLServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends held-back answers at once
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DeepLServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests control and inspect -------------------------------------------------------

    def fail_next(
        self, status: int, times: int = 1, path: str = "/v2/translate", after: int = 0
    ) -> None:
        """Answer the next ``times`` requests to ``path`` with ``status`` (after letting
        ``after`` of them through)."""
        with self._lock:
            self._faults.append(_Fault(path, times, status=status, after=after))

    def delay_next(
        self, seconds: float, times: int = 1, path: str = "/v2/translate", after: int = 0
    ) -> None:
        """Hold back the answer to the next ``times`` requests to ``path`` by ``seconds``
        (after letting ``after`` of them through)."""
        with self._lock:
            self._faults.append(_Fault(path, times, delay=seconds, after=after))

    def hold_next(self, times: int = 1, path: str = "/v2/translate") -> threading.Event:
        """Hold back the answer to the next ``times`` requests to ``path`` until the returned
        event is set (or the server stops)."""
        gate = threading.Event()
        with self._lock:
            self._faults.append(_Fault(path, times, gate=gate))
        return gate

    def fail_texts(self, contains: str, status: int, path: str = "/v2/translate") -> None:
        """Answer every request with a text containing ``contains`` with ``status``, forever."""
        with self._lock:
            self._faults.append(_Fault(path, 10**9, status=status, contains=contains))

    def requests_to(self, path: str, method: str | None = None) -> list[Recorded]:
        """The recorded requests to ``path`` (and its sub-paths), optionally by method."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (r.path == path or r.path.startswith(path + "/"))
                and (method is None or r.method == method)
            ]

    def add_glossary(
        self, name: str, entries: dict[str, str], source_lang: str = "zh", target_lang: str = "en"
    ) -> str:
        """Put a glossary in the account directly (as if made by someone else); its id."""
        with self._lock:
            return str(self._store_glossary(name, source_lang, target_lang, entries)["glossary_id"])

    # -- the API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        """(status, JSON object or TSV string or None) for one request."""
        params = _parse_body(headers.get("Content-Type", ""), body)
        record = Recorded(method, path, params)
        with self._lock:
            self.requests.append(record)
            texts = params.get("text")
            texts = [texts] if isinstance(texts, str) else texts or []
            fault = next(
                (
                    f
                    for f in self._faults
                    if f.path == path
                    and f.times > 0
                    and (f.contains is None or any(f.contains in str(t) for t in texts))
                ),
                None,
            )
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            elif fault is not None:
                fault.times -= 1
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.gate is not None:
            while not (fault.gate.is_set() or self._stopping.is_set()):
                fault.gate.wait(0.05)
        if fault is not None and fault.status:
            record.status = fault.status
            return fault.status, {"message": f"injected fault {fault.status}"}
        if headers.get("Authorization") != f"DeepL-Auth-Key {self.auth_key}":
            record.status = 403
            return 403, {"message": "Wrong authentication key"}
        with self._lock:
            status, answer = self._route(method, path, params, record)
        record.status = status
        return status, answer

    def _route(
        self, method: str, path: str, params: dict[str, Any], record: Recorded
    ) -> tuple[int, Any]:
        if (method, path) == ("POST", "/v2/translate"):
            return self._translate(params, record)
        if (method, path) == ("GET", "/v2/usage"):
            return 200, {
                "character_count": self.character_count,
                "character_limit": self.character_limit,
            }
        if path == "/v3/glossaries" or path.startswith("/v3/glossaries/"):
            return self._v3(method, path, params)
        if (method, path) == ("POST", "/v2/glossaries"):
            return self._create_glossary(params)
        if (method, path) == ("GET", "/v2/glossaries"):
            return 200, {"glossaries": [_info(g) for g in self.glossaries.values()]}
        match = re.fullmatch(r"/v2/glossaries/([^/]+)(/entries)?", path)
        if match is not None:
            glossary = self.glossaries.get(match.group(1))
            if glossary is None:
                return 404, {"message": "Glossary not found"}
            if method == "GET" and match.group(2):
                tsv = "\n".join(f"{s}\t{t}" for s, t in glossary["entries"].items())
                return 200, tsv
            if method == "GET":
                return 200, _info(glossary)
            if method == "DELETE" and not match.group(2):
                del self.glossaries[glossary["glossary_id"]]
                return 204, None
        return 404, {"message": f"no such endpoint: {method} {path}"}

    def _translate(self, params: dict[str, Any], record: Recorded) -> tuple[int, Any]:
        texts = params.get("text")
        if isinstance(texts, str):
            texts = [texts]
        if not texts or not all(isinstance(t, str) for t in texts):
            return 400, {"message": "Parameter 'text' not specified."}
        target = str(params.get("target_lang", "")).upper()
        if not target or target in ("EN", "PT"):
            return 400, {"message": "Value for 'target_lang' not supported."}
        source = str(params.get("source_lang", "")).upper()
        entries: dict[str, str] | None = None
        if params.get("glossary_id"):
            if not source:
                return 400, {"message": "Use of a glossary requires the source_lang parameter."}
            pair = (source.lower(), target.split("-")[0].lower())
            glossary = self.glossaries.get(str(params["glossary_id"]))
            multilingual = self.multilingual.get(str(params["glossary_id"]))
            if multilingual is not None:
                entries = multilingual["dictionaries"].get(pair)
                if entries is None:
                    return 400, {"message": "Glossary has no dictionary for the language pair"}
            elif glossary is None:
                return 400, {"message": "Invalid glossary_id"}
            elif (glossary["source_lang"], glossary["target_lang"]) != pair:
                return 400, {"message": "Glossary does not match the language pair"}
            else:
                entries = glossary["entries"]
        if params.get("tag_handling") == "xml":
            for text in texts:
                try:
                    ET.fromstring(f"<t>{text}</t>")
                except ET.ParseError:
                    return 400, {"message": "Tag handling parsing failed, please check input."}
        billed = [len(t) for t in texts]
        if self.character_count + sum(billed) > self.character_limit:
            return 456, {"message": "Quota Exceeded"}
        self.character_count += sum(billed)
        record.texts = list(texts)
        record.billed_characters = sum(billed)
        translations = []
        for text, cost in zip(texts, billed, strict=True):
            item: dict[str, Any] = {
                "detected_source_language": source or "ZH",
                "text": translate(text, entries),
            }
            if params.get("show_billed_characters") in (True, "1", "true"):
                item["billed_characters"] = cost
            translations.append(item)
        return 200, {"translations": translations}

    def _create_glossary(self, params: dict[str, Any]) -> tuple[int, Any]:
        name = str(params.get("name", ""))
        if not name:
            return 400, {"message": "Missing or invalid argument: name"}
        entries = _entries(params)
        if isinstance(entries, str):
            return 400, {"message": entries}
        glossary = self._store_glossary(
            name,
            str(params.get("source_lang", "")).lower(),
            str(params.get("target_lang", "")).lower(),
            entries,
        )
        return 201, _info(glossary)

    def _store_glossary(
        self, name: str, source_lang: str, target_lang: str, entries: dict[str, str]
    ) -> dict[str, Any]:
        self._created += 1
        glossary: dict[str, Any] = {
            "glossary_id": str(uuid.uuid4()),
            "name": name,
            "ready": True,
            "source_lang": source_lang,
            "target_lang": target_lang,
            "creation_time": (_EPOCH + timedelta(seconds=self._created)).isoformat(
                timespec="microseconds"
            ),
            "entry_count": len(entries),
            "entries": dict(entries),
        }
        self.glossaries[glossary["glossary_id"]] = glossary
        return glossary

    def _v3(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        """The multilingual glossary endpoints (``/v3/glossaries…``)."""
        if path == "/v3/glossaries":
            if method == "GET":
                return 200, {"glossaries": [_info_v3(g) for g in self.multilingual.values()]}
            if method == "POST":
                name = str(params.get("name", ""))
                dictionaries = _dictionaries(params.get("dictionaries"))
                if not name or isinstance(dictionaries, str) or not dictionaries:
                    return 400, {"message": dictionaries or "Missing or invalid argument"}
                self._created += 1
                glossary: dict[str, Any] = {
                    "glossary_id": str(uuid.uuid4()),
                    "name": name,
                    "creation_time": (_EPOCH + timedelta(seconds=self._created)).isoformat(
                        timespec="microseconds"
                    ),
                    "dictionaries": dictionaries,
                }
                self.multilingual[glossary["glossary_id"]] = glossary
                return 201, _info_v3(glossary)
        match = re.fullmatch(r"/v3/glossaries/([^/]+)(/entries|/dictionaries)?", path)
        if match is None:
            return 404, {"message": f"no such endpoint: {method} {path}"}
        found = self.multilingual.get(match.group(1))
        if found is None:
            return 404, {"message": "Glossary not found"}
        sub = match.group(2)
        pair = (
            str(params.get("source_lang", "")).lower(),
            str(params.get("target_lang", "")).lower(),
        )
        if (method, sub) == ("GET", None):
            return 200, _info_v3(found)
        if (method, sub) == ("DELETE", None):
            del self.multilingual[found["glossary_id"]]
            return 204, None
        if (method, sub) == ("GET", "/entries"):
            entries = found["dictionaries"].get(pair)
            if entries is None:
                return 404, {"message": "Glossary dictionary not found"}
            tsv = "\n".join(f"{s}\t{t}" for s, t in entries.items())
            return 200, {
                "dictionaries": [
                    {
                        "source_lang": pair[0],
                        "target_lang": pair[1],
                        "entries": tsv,
                        "entries_format": "tsv",
                    }
                ]
            }
        if (method, sub) == ("PUT", "/dictionaries"):
            dictionaries = _dictionaries([params])
            if isinstance(dictionaries, str):
                return 400, {"message": dictionaries}
            [(key, entries)] = dictionaries.items()
            found["dictionaries"][key] = entries
            return 200, {"source_lang": key[0], "target_lang": key[1], "entry_count": len(entries)}
        if (method, sub) == ("DELETE", "/dictionaries"):
            if found["dictionaries"].pop(pair, None) is None:
                return 404, {"message": "Glossary dictionary not found"}
            return 204, None
        if (method, sub) == ("PATCH", None):
            if "name" in params:
                found["name"] = str(params["name"])
            if "dictionaries" in params:
                dictionaries = _dictionaries(params["dictionaries"])
                if isinstance(dictionaries, str):
                    return 400, {"message": dictionaries}
                for key, entries in dictionaries.items():  # merged into what is there
                    found["dictionaries"].setdefault(key, {}).update(entries)
            return 200, _info_v3(found)
        return 404, {"message": f"no such endpoint: {method} {path}"}


def _entries(params: dict[str, Any]) -> dict[str, str] | str:
    """The TSV entries of a request, or what is wrong with them."""
    if params.get("entries_format", "tsv") != "tsv":
        return "only tsv entries are supported here"
    entries: dict[str, str] = {}
    for number, line in enumerate(str(params.get("entries", "")).split("\n"), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            return f"Invalid glossary entries: line {number}"
        source, target = parts[0].strip(), parts[1].strip()
        if source in entries:
            return f"Duplicate source term in line {number}"
        entries[source] = target
    if not entries:
        return "The glossary has no entries"
    return entries


def _dictionaries(raw: Any) -> dict[tuple[str, str], dict[str, str]] | str:
    """A v3 request's dictionaries by (source, target) language, or what is wrong."""
    if not isinstance(raw, list):
        return "Missing or invalid argument: dictionaries"
    found: dict[tuple[str, str], dict[str, str]] = {}
    for item in raw:
        if not isinstance(item, dict) or not item.get("source_lang") or not item.get("target_lang"):
            return "Missing or invalid argument: source_lang, target_lang"
        entries = _entries(item)
        if isinstance(entries, str):
            return entries
        found[(str(item["source_lang"]).lower(), str(item["target_lang"]).lower())] = entries
    return found


def _info_v3(glossary: dict[str, Any]) -> dict[str, Any]:
    return {
        "glossary_id": glossary["glossary_id"],
        "name": glossary["name"],
        "creation_time": glossary["creation_time"],
        "dictionaries": [
            {"source_lang": s, "target_lang": t, "entry_count": len(e)}
            for (s, t), e in glossary["dictionaries"].items()
        ],
    }


def _info(glossary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in glossary.items() if k != "entries"}


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return {k: (v if k == "text" or len(v) > 1 else v[0]) for k, v in form.items()}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: DeepLServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a held-back answer is expected, not news


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.query and not body:  # GET parameters
            body = url.query.encode("utf-8")
        status, answer = self.server.fake.handle(self.command, url.path, self.headers, body)
        if answer is None:
            payload, kind = b"", "application/json"
        elif isinstance(answer, str):
            payload, kind = answer.encode("utf-8"), "text/tab-separated-values; charset=utf-8"
        else:
            payload, kind = json.dumps(answer).encode("utf-8"), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass
