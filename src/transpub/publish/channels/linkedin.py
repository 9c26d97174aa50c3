"""LinkedIn organization page, through the official ``linkedin-api-client`` (versioned REST).

A post is an article share on ``/rest/posts`` (source URL, title, description and a thumbnail
uploaded through the Images API: ``initializeUpload``, then a PUT of the bytes). The commentary
is LinkedIn's "little text": reserved characters are escaped, contributors who gave their URN are
mentioned as ``@[Name](urn:li:person:…)``, hashtags are ``{hashtag|\\#|Tag}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from transpub.config import LinkedInSettings
from transpub.publish.channels.base import (
    Account,
    Channel,
    ChannelError,
    ChannelUnavailable,
    ChannelVersionError,
    Post,
    Sent,
    http_error,
)
from transpub.publish.channels.registry import register
from transpub.publish.channels.text import (
    count_linkedin,
    escape_linkedin,
    linkedin_hashtag,
    linkedin_mention,
)
from transpub.wording import counted

T = TypeVar("T")
#: Seconds before a LinkedIn request is abandoned (the client itself never gives up).
TIMEOUT = 60.0
#: The client reads its base URLs from module constants at call time; one call at a time may
#: point them elsewhere.
_ENDPOINTS = threading.Lock()


@register
class LinkedIn(Channel):
    channel_id = "linkedin"
    name = "LinkedIn"
    limit = 3000

    @property
    def settings(self) -> LinkedInSettings:
        return self.config.linkedin

    def escape(self, text: str) -> str:
        return escape_linkedin(text)

    def hashtag(self, tag: str) -> str:
        return linkedin_hashtag(tag)

    def mention(self, name: str) -> str:
        urn = self.mentions_from(self.settings.mentions).get(name)
        return linkedin_mention(name, urn) if urn else escape_linkedin(name)

    def count(self, text: str) -> int:
        return count_linkedin(text)

    def secret_variables(self) -> list[str]:
        s = self.settings
        return [s.token_env, s.client_id_env, s.client_secret_env]

    def missing_credentials(self) -> str | None:
        if not self.settings.organization:
            return "[linkedin] organization"
        if not self.env.get(self.settings.token_env):
            return self.settings.token_env
        return None

    @contextmanager
    def _endpoints(self) -> Iterator[None]:
        """Point the client at ``[linkedin] api_url`` / ``oauth_url`` for one call."""
        from linkedin_api.clients.auth.utils import oauth
        from linkedin_api.common import constants

        with _ENDPOINTS:
            saved = constants.VERSIONED_BASE_URL, constants.OAUTH_BASE_URL, oauth.OAUTH_BASE_URL
            if self.settings.api_url:
                constants.VERSIONED_BASE_URL = self.settings.api_url.rstrip("/")
            if self.settings.oauth_url:
                constants.OAUTH_BASE_URL = oauth.OAUTH_BASE_URL = self.settings.oauth_url
            try:
                yield
            finally:
                constants.VERSIONED_BASE_URL, constants.OAUTH_BASE_URL = saved[:2]
                oauth.OAUTH_BASE_URL = saved[2]

    def _call(self, what: str, call: Callable[[], T], *, sending: bool = False) -> T:
        """One API call with the client's errors turned into ``ChannelError``s."""
        import requests
        from linkedin_api.common.errors import ResponseFormattingError

        try:
            with self._endpoints():
                return call()
        except requests.Timeout as exc:
            raise ChannelUnavailable(
                f"LinkedIn did not answer {what} in time", maybe_sent=sending
            ) from exc
        except requests.RequestException as exc:
            raise ChannelUnavailable(f"LinkedIn is unreachable ({type(exc).__name__})") from exc
        except ResponseFormattingError as exc:
            raise ChannelError(f"LinkedIn gave an unreadable answer to {what}") from exc

    def _check_status(self, what: str, response: Any, *, sending: bool = False) -> None:
        status = int(response.status_code)
        if status < 300:
            return
        if status == 426:
            raise ChannelVersionError(
                f"LinkedIn retired API version {self.settings.version} (426)",
                hint="set [linkedin] version in transpub.toml to a current YYYYMM "
                "(see LinkedIn's API versioning page)",
            )
        try:
            detail = str(response.response.json().get("message", ""))
        except ValueError:
            detail = str(response.response.reason or "")
        retry_after = response.headers.get("Retry-After") if response.headers else None
        raise http_error(
            f"LinkedIn ({what})",
            status,
            detail,
            token_env=self.settings.token_env,
            sending=sending,
            wait=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    def _upload_image(self, client: Any, token: str, data: bytes) -> str:
        """An image URN for ``data``: ``initializeUpload``, then PUT the bytes to the upload URL."""
        version, owner = self.settings.version, self.settings.organization
        answer = self.with_retries(
            lambda: self._checked(
                "image upload",
                lambda: client.action(
                    resource_path="/images",
                    action_name="initializeUpload",
                    action_params={"initializeUploadRequest": {"owner": owner}},
                    access_token=token,
                    version_string=version,
                ),
            )
        )
        value = answer.value or {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not upload_url or not image:
            raise ChannelError("LinkedIn's initializeUpload answer has no uploadUrl or image URN")

        def put() -> Any:
            response = self._call(
                "image upload",
                lambda: client.session.put(
                    upload_url, data=data, headers={"Authorization": f"Bearer {token}"}
                ),
            )
            if response.status_code >= 300:
                raise http_error(
                    "LinkedIn (image upload)",
                    response.status_code,
                    response.reason or "",
                    token_env=self.settings.token_env,
                )
            return response

        self.with_retries(put)
        return str(image)

    def _checked(self, what: str, call: Callable[[], T], *, sending: bool = False) -> T:
        response = self._call(what, call, sending=sending)
        self._check_status(what, response, sending=sending)
        return response

    def entity(self, post: Post, image: str | None) -> dict[str, Any]:
        """The ``/rest/posts`` entity of an article share."""
        article: dict[str, Any] = {}
        if post.card is not None:
            article = {
                "source": post.card.url,
                "title": post.card.title,
                "description": post.card.description,
            }
            if image:
                article["thumbnail"] = image
        entity: dict[str, Any] = {
            "author": self.settings.organization,
            "commentary": post.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if article:
            entity["content"] = {"article": article}
        return entity

    def send(self, post: Post, intent_at: str) -> Sent:
        token = self.secret(self.settings.token_env)
        client = _client()
        image = None
        data = post.card.picture() if post.card is not None else None
        if data is not None:
            image = self._upload_image(client, token, data)
        entity = self.entity(post, image)
        response = self.with_retries(
            lambda: self._checked(
                "post",
                lambda: client.create(
                    resource_path="/posts",
                    entity=entity,
                    access_token=token,
                    version_string=self.settings.version,
                ),
                sending=True,
            )
        )
        urn = str(response.entity_id or "")
        if not urn:
            raise ChannelError(
                "LinkedIn accepted the post but named no post id (x-restli-id)",
                hint="look at the page, then `transpub post SLUG --channel linkedin --confirm URL`",
                maybe_sent=True,
            )
        return Sent(urn, f"https://www.linkedin.com/feed/update/{urn}/")

    def check(self) -> Account:
        from linkedin_api.clients.auth.client import AuthClient

        token = self.secret(self.settings.token_env)
        organization = self.settings.organization
        org_id = organization.rsplit(":", 1)[-1]
        response = self.with_retries(
            lambda: self._checked(
                "organization",
                lambda: _client().get(
                    resource_path="/organizations/{id}",
                    path_keys={"id": org_id},
                    access_token=token,
                    version_string=self.settings.version,
                ),
            )
        )
        account = f"{(response.entity or {}).get('localizedName', '?')} ({organization})"
        client_id = self.env.get(self.settings.client_id_env, "")
        client_secret = self.env.get(self.settings.client_secret_env, "")
        if not (client_id and client_secret):
            return Account(
                self.name,
                True,
                account,
                f"accepted (set {self.settings.client_id_env} and "
                f"{self.settings.client_secret_env} to see its expiry)",
            )
        info = self._call(
            "token introspection",
            lambda: AuthClient(client_id, client_secret).introspect_access_token(token),
        )
        if info.status_code >= 300:
            self._check_status("token introspection", info)
        return Account(self.name, info.status == "active", account, _validity(info))


def _client() -> Any:
    """The official REST client, its session given a timeout."""
    import requests
    import requests.adapters
    from linkedin_api.clients.restli.client import RestliClient

    class TimeoutAdapter(requests.adapters.HTTPAdapter):
        def send(
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: float | tuple[float | None, float | None] | None = None,
            verify: bool | str = True,
            cert: str | tuple[str, str] | None = None,
            proxies: dict[str, str] | None = None,
        ) -> requests.Response:
            return super().send(request, stream, timeout or TIMEOUT, verify, cert, proxies)

    client = RestliClient()
    for prefix in ("http://", "https://"):
        client.session.mount(prefix, TimeoutAdapter())
    return client


def _validity(info: Any) -> str:
    """The token's status and expiry, in words (LinkedIn tokens live 60 days)."""
    if info.status != "active":
        return f"{info.status or 'invalid'}: renew it"
    if not info.expires_at:
        return "active"
    expires = datetime.fromtimestamp(int(info.expires_at), UTC)
    days = (expires - datetime.now(UTC)).days
    warning = " — renew it soon" if days < 7 else ""
    return f"active, expires {expires:%Y-%m-%d} (in {counted(days, 'day')}){warning}"
