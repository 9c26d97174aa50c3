"""Mastodon, through ``Mastodon.py``: one status per post, with an idempotency key.

The key is derived from the article, the post's key and the time its intent was recorded, so a
retry of the same intent (after a timeout, a 5xx or a crash) is answered by the instance with the
status it already made, never a second one. The length limit and the per-URL count come from the
instance's configuration (``/api/v2/instance``), 500 and 23 by default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from transpub.config import MastodonSettings
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
from transpub.publish.channels.text import LINK_LENGTH, count_mastodon

T = TypeVar("T")


@register
class Mastodon(Channel):
    channel_id = "mastodon"
    name = "Mastodon"
    limit = 500
    has_card = False

    @property
    def settings(self) -> MastodonSettings:
        return self.config.mastodon

    def mention(self, name: str) -> str:
        return self.mentions_from(self.settings.mentions).get(name, name)

    def count(self, text: str) -> int:
        return count_mastodon(text, self._limits[1])

    def max_length(self) -> int:
        return self._limits[0]

    @cached_property
    def _limits(self) -> tuple[int, int]:
        """(max characters, characters per URL) of the instance; the defaults without one."""
        if not self.settings.api_base_url:
            return self.limit, LINK_LENGTH
        try:
            instance = self._call("instance", lambda client: client.instance_v2())
            statuses = instance["configuration"]["statuses"]
            return int(statuses["max_characters"]), int(statuses["characters_reserved_per_url"])
        except (ChannelError, KeyError, TypeError, ValueError):
            return self.limit, LINK_LENGTH

    def secret_variables(self) -> list[str]:
        return [self.settings.token_env]

    def missing_credentials(self) -> str | None:
        if not self.settings.api_base_url:
            return "[mastodon] api_base_url"
        if not self.env.get(self.settings.token_env):
            return self.settings.token_env
        return None

    def _client(self) -> Any:
        from mastodon import Mastodon as Client

        token = self.env.get(self.settings.token_env) or None
        return Client(
            access_token=token,
            api_base_url=self.settings.api_base_url,
            ratelimit_method="throw",
            request_timeout=60,
        )

    def _call(self, what: str, call: Callable[[Any], T], *, sending: bool = False) -> T:
        """One API call with Mastodon.py's errors turned into ``ChannelError``s."""
        from mastodon import errors

        try:
            return call(self._client())
        except errors.MastodonUnauthorizedError as exc:
            raise ChannelAuthError(
                f"Mastodon refused the token ({what}: 401)",
                hint=f"renew {self.settings.token_env} (Preferences → Development) and run "
                "`transpub channels check`",
            ) from exc
        except errors.MastodonRatelimitError as exc:
            raise ChannelRateLimited("Mastodon is rate limiting (429)") from exc
        except errors.MastodonNetworkError as exc:
            # With an idempotency key a repeat cannot post twice: retrying is safe.
            raise ChannelUnavailable(f"Mastodon did not answer ({what})") from exc
        except errors.MastodonServerError as exc:
            raise ChannelUnavailable(f"Mastodon failed with {_status(exc)} ({what})") from exc
        except errors.MastodonAPIError as exc:
            status = _status(exc)
            if status == 403:
                raise ChannelAuthError(
                    f"Mastodon refused the token ({what}: 403, it lacks the write:statuses scope)",
                    hint=f"create a token with write:statuses and set {self.settings.token_env}",
                ) from exc
            raise ChannelError(f"Mastodon refused {what} ({status}: {_detail(exc)})") from exc
        except errors.MastodonError as exc:
            raise ChannelError(f"Mastodon: {what} failed ({type(exc).__name__})") from exc

    def idempotency_key(self, post: Post, intent_at: str) -> str:
        """The same for every attempt of one intent."""
        return hashlib.sha256(f"{post.slug}\n{post.key}\n{intent_at}".encode()).hexdigest()

    def send(self, post: Post, intent_at: str) -> Sent:
        self.secret(self.settings.token_env)
        key = self.idempotency_key(post, intent_at)
        status = self.with_retries(
            lambda: self._call(
                "post",
                lambda client: client.status_post(
                    post.text,
                    visibility=self.settings.visibility,
                    language=post.language,
                    idempotency_key=key,
                ),
                sending=True,
            )
        )
        return Sent(str(status["id"]), str(status.get("url") or status.get("uri") or ""))

    def check(self) -> Account:
        self.secret(self.settings.token_env)
        me = self.with_retries(
            lambda: self._call("account", lambda client: client.account_verify_credentials())
        )
        limit, per_url = self._limits
        account = f"@{me['acct']} on {self.settings.api_base_url}"
        return Account(
            self.name, True, account, f"accepted (limit {limit} characters, URLs {per_url})"
        )


def _status(exc: Exception) -> int:
    """The HTTP status Mastodon.py put in the error's arguments (message, status, reason, …)."""
    args: tuple[object, ...] = tuple(exc.args)
    return int(str(args[1])) if len(args) > 1 and str(args[1]).isdigit() else 0


def _detail(exc: Exception) -> str:
    args: tuple[object, ...] = tuple(exc.args)
    return str(args[3] or args[2]) if len(args) > 3 else str(exc)
