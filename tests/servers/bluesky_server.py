"""A stand-in Bluesky PDS: createSession, uploadBlob, createRecord and getRecord (XRPC).

Records are kept by record key; creating one under a key that exists is refused (400), as a PDS
does. Fault kinds: "session", "blob", "post", "get".
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from servers.social import Reply, Request, Service

HANDLE = "kaiyuanshe.test"
PASSWORD = "app-pass-2b7d-91ce"
DID = "did:plc:kaiyuanshetest000000000"
BLOB_CID = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"
RECORD_CID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"


def _jwt(scope: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = {"scope": scope, "sub": DID, "iat": int(time.time()), "exp": int(time.time()) + 7200}
    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2lnbmF0dXJl"


class BlueskyServer(Service):
    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, dict[str, Any]] = {}
        self.blobs: list[bytes] = []
        self.access = _jwt("com.atproto.access")

    def kind(self, request: Request) -> str:
        return {
            "/xrpc/com.atproto.server.createSession": "session",
            "/xrpc/com.atproto.repo.uploadBlob": "blob",
            "/xrpc/com.atproto.repo.createRecord": "post",
            "/xrpc/com.atproto.repo.getRecord": "get",
        }.get(request.path, "other")

    def route(self, request: Request) -> Reply:
        kind = self.kind(request)
        if kind == "session":
            data = request.json()
            if (data.get("identifier"), data.get("password")) != (HANDLE, PASSWORD):
                return Reply(
                    401,
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                )
            return Reply(
                200,
                {
                    "accessJwt": self.access,
                    "refreshJwt": _jwt("com.atproto.refresh"),
                    "handle": HANDLE,
                    "did": DID,
                    "active": True,
                },
            )
        if request.headers.get("authorization") != f"Bearer {self.access}":
            return Reply(401, {"error": "InvalidToken", "message": "Bad token"})
        if kind == "blob":
            self.blobs.append(request.body)
            return Reply(
                200,
                {
                    "blob": {
                        "$type": "blob",
                        "ref": {"$link": BLOB_CID},
                        "mimeType": request.headers.get("content-type", "image/png"),
                        "size": len(request.body),
                    }
                },
            )
        if kind == "get":
            rkey = request.query.get("rkey", [""])[0]
            if rkey not in self.records:
                return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
            return Reply(200, {"uri": _uri(rkey), "cid": RECORD_CID, "value": self.records[rkey]})
        if kind == "post":
            data = request.json()
            rkey = data.get("rkey") or f"3l{len(self.records):011d}"
            if rkey in self.records:
                return Reply(400, {"error": "InvalidRequest", "message": "Record already exists"})
            self.records[rkey] = data["record"]
            return Reply(200, {"uri": _uri(rkey), "cid": RECORD_CID})
        return Reply(404, {"error": "MethodNotImplemented", "message": request.path})

    def error(self, status: int) -> Reply:
        names = {401: "ExpiredToken", 429: "RateLimitExceeded"}
        return Reply(
            status, {"error": names.get(status, "InternalServerError"), "message": "fault"}
        )


def _uri(rkey: str) -> str:
    return f"at://{DID}/app.bsky.feed.post/{rkey}"
