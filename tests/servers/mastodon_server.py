"""A stand-in Mastodon instance: statuses (with idempotency keys), instance configuration and
the account of the token.

An ``Idempotency-Key`` seen before is answered with the status it made, as Mastodon does; so a
retried request never makes a second status. Fault kinds: "post", "instance", "account".
"""

from __future__ import annotations

from typing import Any

from servers.social import Reply, Request, Service

TOKEN = "masto-test-token-51d2"


class MastodonServer(Service):
    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.max_characters = 500

    def kind(self, request: Request) -> str:
        if request.path == "/api/v1/statuses":
            return "post"
        if request.path.startswith("/api/v2/instance"):
            return "instance"
        return "account"

    def route(self, request: Request) -> Reply:
        kind = self.kind(request)
        if kind == "instance":
            return Reply(
                200,
                {
                    "domain": "127.0.0.1",
                    "title": "Test instance",
                    "version": "4.3.0",
                    "configuration": {
                        "statuses": {
                            "max_characters": self.max_characters,
                            "max_media_attachments": 4,
                            "characters_reserved_per_url": 23,
                        }
                    },
                },
            )
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.error(401)
        if kind == "account":
            return Reply(200, {"id": "1", "username": "kaiyuanshe", "acct": "kaiyuanshe"})
        key = request.headers.get("idempotency-key", "")
        if key and key in self.by_key:
            return Reply(200, self.by_key[key])
        form = request.form() if request.body[:1] != b"{" else request.json()
        n = len(self.statuses) + 1
        status = {
            "id": str(110000000000000000 + n),
            "uri": f"{self.url}/users/kaiyuanshe/statuses/{n}",
            "url": f"{self.url}/@kaiyuanshe/{n}",
            "created_at": "2026-11-30T09:00:00.000Z",
            "content": form.get("status", ""),
            "language": form.get("language"),
            "visibility": form.get("visibility"),
            "account": {"id": "1", "username": "kaiyuanshe", "acct": "kaiyuanshe"},
        }
        self.statuses.append(status)
        if key:
            self.by_key[key] = status
        return Reply(200, status)

    def error(self, status: int) -> Reply:
        messages = {401: "The access token is invalid", 429: "Too many requests"}
        return Reply(status, {"error": messages.get(status, "Internal server error")})
