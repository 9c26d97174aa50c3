"""Bluesky, through ``atproto``: a post with a link card embed (thumbnail uploaded as a blob).

Links and hashtags in the text get facets (Bluesky does not find them itself). The record key is
derived from the time the intent was recorded, so a retried ``createRecord`` cannot make a second
post: a retry first looks for the record under that key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from transpub.config import BlueskySettings
from transpub.publish.channels.base import (
    Account,
    Channel,
    ChannelAuthError,
    ChannelError,
    ChannelRateLimited,
    ChannelUnavailable,
    Post,
    Sent,
)
from transpub.publish.channels.registry import register
from transpub.publish.channels.text import HASHTAG, URL, count_graphemes

T = TypeVar("T")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
DEFAULT_PDS = "https://bsky.social"


def tid(at: str) -> str:
    """The record key (a TID: microseconds since 1970, base32-sortable) for an ISO 8601 time."""
    stamp = datetime.fromisoformat(at.replace("Z", "+00:00"))
    value = (int(stamp.timestamp() * 1_000_000) << 10) & (2**63 - 1)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def facets(text: str) -> list[Any]:
    """Link and hashtag facets of ``text`` (UTF-8 byte offsets, as the lexicon wants)."""
    from atproto import models

    def byte_slice(start: int, end: int) -> Any:
        return models.AppBskyRichtextFacet.ByteSlice(
            byte_start=len(text[:start].encode()), byte_end=len(text[:end].encode())
        )

    found = [
        models.AppBskyRichtextFacet.Main(
            index=byte_slice(*m.span()), features=[models.AppBskyRichtextFacet.Link(uri=m[0])]
        )
        for m in URL.finditer(text)
    ]
    found += [
        models.AppBskyRichtextFacet.Main(
            index=byte_slice(*m.span()), features=[models.AppBskyRichtextFacet.Tag(tag=m[0][1:])]
        )
        for m in HASHTAG.finditer(text)
    ]
    return found


@register
class Bluesky(Channel):
    channel_id = "bluesky"
    name = "Bluesky"
    limit = 300
    unit = "graphemes"

    @property
    def settings(self) -> BlueskySettings:
        return self.config.bluesky

    def count(self, text: str) -> int:
        return count_graphemes(text)

    def secret_variables(self) -> list[str]:
        return [self.settings.password_env]

    def missing_credentials(self) -> str | None:
        if not self.settings.handle:
            return "[bluesky] handle"
        if not self.env.get(self.settings.password_env):
            return self.settings.password_env
        return None

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """One API call with atproto's errors turned into ``ChannelError``s."""
        from atproto import exceptions

        try:
            return call()
        except exceptions.UnauthorizedError as exc:
            raise ChannelAuthError(
                f"Bluesky refused the login of {self.settings.handle} ({what}: {exc})",
                hint=f"create an app password and set {self.settings.password_env}",
            ) from exc
        except exceptions.RateLimitExceededError as exc:
            raise ChannelRateLimited(f"Bluesky is rate limiting ({what}: 429)") from exc
        except exceptions.NetworkError as exc:
            raise ChannelUnavailable(f"Bluesky did not answer ({what})") from exc
        except exceptions.RequestErrorBase as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status >= 500:
                raise ChannelUnavailable(f"Bluesky failed with {status} ({what})") from exc
            raise ChannelError(f"Bluesky refused {what} ({exc})") from exc
        except exceptions.AtProtocolError as exc:
            raise ChannelError(f"Bluesky: {what} failed ({type(exc).__name__})") from exc

    def _login(self) -> tuple[Any, Any]:
        from atproto import Client

        password = self.secret(self.settings.password_env)
        client = Client(base_url=self.settings.base_url or DEFAULT_PDS)

        def login() -> Any:
            client.login(self.settings.handle, password, fetch_bsky_profile=False)
            return client._session

        session = self.with_retries(lambda: self._call("login", login))
        return client, session

    def send(self, post: Post, intent_at: str) -> Sent:
        from atproto import exceptions, models

        client, session = self._login()
        embed = None
        if post.card is not None:
            thumb = None
            data = post.card.picture()
            if data is not None:
                thumb = self.with_retries(
                    lambda: self._call("blob upload", lambda: client.upload_blob(data))
                ).blob
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=post.card.url,
                    title=post.card.title,
                    description=post.card.description,
                    thumb=thumb,
                )
            )
        record = models.AppBskyFeedPost.Record(
            created_at=intent_at,
            text=post.text,
            embed=embed,
            langs=[post.language],
            facets=facets(post.text) or None,
        )
        rkey = tid(intent_at)
        attempts = 0

        def create() -> str:
            nonlocal attempts
            attempts += 1
            if attempts > 1:  # the earlier attempt may have landed: look before posting again
                try:
                    return str(client.app.bsky.feed.post.get(session.did, rkey).uri)
                except exceptions.BadRequestError:
                    pass
            return str(client.app.bsky.feed.post.create(session.did, record, rkey=rkey).uri)

        uri = self.with_retries(lambda: self._call("post", create))
        return Sent(uri, f"https://bsky.app/profile/{session.handle}/post/{rkey}")

    def check(self) -> Account:
        _client, session = self._login()
        pds = self.settings.base_url or DEFAULT_PDS
        return Account(
            self.name,
            True,
            f"@{session.handle} ({session.did}) on {pds}",
            "app password accepted (createSession)",
        )
