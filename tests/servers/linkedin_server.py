"""A stand-in for LinkedIn's versioned REST API and OAuth token introspection.

Routes: ``POST /rest/posts`` (201, the new URN in ``x-restli-id``), ``POST /rest/images?action=
initializeUpload`` (an upload URL on this server and an image URN), ``PUT /upload/<n>``,
``GET /rest/organizations/<id>``, ``POST /oauth/v2/introspectToken``. Requests without the
token get 401; a ``LinkedIn-Version`` not in ``versions`` gets 426, as LinkedIn answers a retired
version. Fault kinds: "post", "image", "upload", "organization", "introspect".
"""

from __future__ import annotations

import time
from typing import Any

from servers.social import Reply, Request, Service

TOKEN = "li-test-token-7c1e"
CLIENT_ID = "li-client"
CLIENT_SECRET = "li-client-secret-93f0"
ORGANIZATION = "urn:li:organization:2414183"


class LinkedInServer(Service):
    def __init__(self) -> None:
        super().__init__()
        self.versions = {"202510", "202511"}
        self.posts: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.expires_in_days = 50

    @property
    def api_url(self) -> str:
        return f"{self.url}/rest"

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth/v2"

    def kind(self, request: Request) -> str:
        if request.path == "/rest/posts":
            return "post"
        if request.path == "/rest/images":
            return "image"
        if request.path.startswith("/upload/"):
            return "upload"
        if request.path.startswith("/rest/organizations/"):
            return "organization"
        return "introspect"

    def route(self, request: Request) -> Reply:
        kind = self.kind(request)
        if kind == "introspect":
            form = request.form()
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return self.error(401)
            active = form.get("token") == TOKEN
            now = int(time.time())
            return Reply(
                200,
                {
                    "active": active,
                    "status": "active" if active else "revoked",
                    "client_id": CLIENT_ID,
                    "created_at": now - 86400,
                    "expires_at": now + self.expires_in_days * 86400,
                    "scope": "w_organization_social,r_organization_admin",
                },
            )
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.error(401)
        if kind == "upload":
            self.uploads[request.path] = request.body
            return Reply(201)
        if request.headers.get("linkedin-version") not in self.versions:
            return self.error(426)
        if kind == "organization":
            org_id = request.path.rsplit("/", 1)[-1]
            return Reply(200, {"id": int(org_id), "localizedName": "KaiYuanShe 开源社"})
        if kind == "image":
            n = len(self.uploads) + 1
            return Reply(
                200,
                {
                    "value": {
                        "uploadUrlExpiresAt": int(time.time() * 1000) + 3_600_000,
                        "uploadUrl": f"{self.url}/upload/{n}",
                        "image": f"urn:li:image:C4E10AQ{n}",
                    }
                },
            )
        self.posts.append(request.json())
        urn = f"urn:li:share:{7000000000000000000 + len(self.posts)}"
        return Reply(201, None, {"x-restli-id": urn})

    def error(self, status: int) -> Reply:
        messages = {
            401: "Invalid access token",
            403: "Not enough permissions to access: partnerApiPostsExternal.CREATE",
            426: "Requested version 20230101 is not active",
            429: "Resource level throttle limit for calls to this resource is reached",
        }
        body = {"status": status, "message": messages.get(status, "Internal Server Error")}
        return Reply(status, body, {"Retry-After": "1"} if status == 429 else {})
