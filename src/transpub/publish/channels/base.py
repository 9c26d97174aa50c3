"""The channel base: composition through a Jinja2 template, counting, retries, error wrapping.

A member says how its network escapes, counts, mentions and tags, how it sends a post and how it
checks its account; everything else (template, shortening, refusing what does not fit, retrying
429/5xx with backoff) lives here.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from transpub.config import Config
from transpub.errors import TranspubError
from transpub.publish.channels.compose import PostContent, render_post

T = TypeVar("T")


class ChannelError(TranspubError):
    """A channel could not post or check (the message says which channel and what to do).

    ``maybe_sent`` is True when the network may have published the post although the answer
    never came (a timeout or 5xx after sending, without an idempotency key): the intent stays
    in the publish record for an editor to confirm or retry.
    """

    #: Whether ``Channel.with_retries`` tries again (429, 5xx; never a send that may have landed).
    retryable: bool = False

    def __init__(self, message: str, *, hint: str | None = None, maybe_sent: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.maybe_sent = maybe_sent
        if maybe_sent:
            self.retryable = False


class ChannelAuthError(ChannelError):
    """The network refused the token (401/403): renew the variable named in the message."""


class ChannelVersionError(ChannelError):
    """The API version is retired (LinkedIn 426): bump the setting named in the message."""


class ChannelRateLimited(ChannelError):
    """429: retried with backoff; raised when the retries are used up."""

    retryable = True

    def __init__(self, message: str, *, hint: str | None = None, wait: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.wait = wait


class ChannelUnavailable(ChannelError):
    """5xx or a network failure: retried; raised when the retries are used up."""

    retryable = True


class CompositionError(ChannelError):
    """The required parts of a post (title, link, credits) do not fit the network's limit."""


class CredentialsMissing(ChannelError):
    """The channel's token is not in the environment (nor a Prefect Secret block)."""


@dataclass(frozen=True)
class Card:
    """A link card: the page, its title and description, and a thumbnail file (or None)."""

    url: str
    title: str
    description: str
    thumbnail: Path | None = None

    def picture(self) -> bytes | None:
        """The thumbnail's bytes (None without one); ``ChannelError`` if it cannot be read."""
        if self.thumbnail is None:
            return None
        try:
            return self.thumbnail.read_bytes()
        except OSError as exc:
            raise ChannelError(
                f"cannot read the thumbnail {self.thumbnail} ({exc.strerror})",
                hint="fix the article's `image` or [channels] thumbnail",
            ) from exc


@dataclass(frozen=True)
class Post:
    """One post exactly as it will be sent: ``key`` names it in the publish record."""

    channel: str
    slug: str
    key: str
    language: str
    text: str
    length: int
    limit: int
    card: Card | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text_hash(self) -> str:
        """sha256 (hex) of the text, recorded with the post."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Sent:
    """What the network answered: the post's id and public URL ("" when it has none)."""

    post_id: str
    url: str


@dataclass(frozen=True)
class Account:
    """What `transpub channels check` shows for a channel."""

    channel: str
    ready: bool
    account: str
    token: str


class Channel(ABC):
    """One social network. Members set the class attributes and implement the abstract methods.

    ``env`` maps variable names to secrets (the environment, or values from Prefect Secret
    blocks); secrets are read only from there and never appear in messages.
    """

    channel_id: ClassVar[str]
    name: ClassVar[str]
    #: The network's length limit, in its own unit (see ``count``).
    limit: ClassVar[int]
    #: What ``count`` measures, for previews ("characters", "graphemes").
    unit: ClassVar[str] = "characters"
    #: Whether the post carries a link card built by us (Mastodon reads the page's OpenGraph).
    has_card: ClassVar[bool] = True

    def __init__(self, config: Config, env: Mapping[str, str], root: Path | None = None) -> None:
        self.config = config
        self.env = env
        self.root = root or Path.cwd()

    # -- what a member says about its network ------------------------------------------------

    def escape(self, text: str) -> str:
        """Plain text made safe for the network (default: unchanged)."""
        return text

    def hashtag(self, tag: str) -> str:
        return "#" + tag

    def mention(self, name: str) -> str:
        """A contributor named in the credits (a mention when their account is known)."""
        return self.escape(name)

    @abstractmethod
    def count(self, text: str) -> int:
        """The text's length as the network counts it."""

    def max_length(self) -> int:
        """The limit in force (a member may ask its server)."""
        return self.limit

    @abstractmethod
    def secret_variables(self) -> list[str]:
        """The environment variables (or Secret blocks) holding this channel's secrets."""

    @abstractmethod
    def missing_credentials(self) -> str | None:
        """The environment variable or setting that is missing to post, or None."""

    @abstractmethod
    def send(self, post: Post, intent_at: str) -> Sent:
        """Publish one post (once): raise a ``ChannelError`` for a refusal or failure."""

    @abstractmethod
    def check(self) -> Account:
        """The account and its token's validity (an API call)."""

    # -- what the base does ------------------------------------------------------------------

    def secret(self, variable: str) -> str:
        """The secret in ``variable``; ``CredentialsMissing`` naming the variable if unset."""
        value = self.env.get(variable, "").strip()
        if not value:
            raise CredentialsMissing(
                f"{self.name}: {variable} is not set",
                hint=f"export {variable}=… or create the Prefect Secret block "
                f"{secret_block_name(variable)!r}",
            )
        return value

    def mentions_from(self, lines: tuple[str, ...]) -> dict[str, str]:
        """``"Name = account"`` settings as a mapping name → account."""
        pairs = (line.split("=", 1) for line in lines)
        return {name.strip(): account.strip() for name, account in pairs}

    def compose(self, content: PostContent, languages: tuple[str, ...], key: str) -> Post:
        """The post for ``content`` in ``languages`` (("en",), ("zh",) or ("en", "zh"))."""
        text = render_post(self, content, languages, self.max_length())
        card = (
            None
            if not self.has_card
            else Card(
                url=content.url if "en" in languages else content.zh_url,
                title=content.title if "en" in languages else content.zh_title,
                description=content.summary if "en" in languages else content.zh_summary,
                thumbnail=content.thumbnail,
            )
        )
        language = "zh" if languages == ("zh",) else "en"
        return Post(
            self.channel_id,
            content.slug,
            key,
            language,
            text,
            self.count(text),
            self.max_length(),
            card,
        )

    def with_retries(self, call: Callable[[], T]) -> T:
        """``call()``, retried after 429 and 5xx with exponential backoff ([channels] settings)."""
        settings = self.config.channels
        for attempt in range(settings.max_retries + 1):
            try:
                return call()
            except ChannelError as exc:
                if not exc.retryable or attempt == settings.max_retries:
                    raise
                wait = settings.backoff * 2**attempt
                if isinstance(exc, ChannelRateLimited) and exc.wait is not None:
                    wait = min(max(wait, exc.wait), 300.0) if settings.backoff else 0.0
                if wait:
                    time.sleep(wait)
        raise AssertionError("unreachable")


def secret_block_name(variable: str) -> str:
    """The Prefect Secret block that may hold ``variable`` (``LINKEDIN_ACCESS_TOKEN`` →
    ``linkedin-access-token``)."""
    return variable.lower().replace("_", "-")


def http_error(
    channel: str,
    status: int,
    detail: str,
    *,
    token_env: str,
    sending: bool = False,
    wait: float | None = None,
) -> ChannelError:
    """The error for an HTTP status (401/403 token, 429, 5xx, others), as one sentence.

    ``sending``: the request creates a post without an idempotency key, so a 5xx may hide a
    post that was made: it is not retried and the intent waits for an editor.
    """
    detail = " ".join(detail.split())[:200]
    if status in (401, 403):
        what = "expired or was revoked" if status == 401 else "lacks a permission"
        return ChannelAuthError(
            f"{channel} refused the token ({status}: it {what}; {detail})",
            hint=f"renew {token_env} and run `transpub channels check`",
        )
    if status == 429:
        return ChannelRateLimited(
            f"{channel} is rate limiting (429)", hint="wait and run the command again", wait=wait
        )
    if status >= 500:
        if sending:
            return ChannelUnavailable(
                f"{channel} failed with {status} while posting ({detail}); the post may exist",
                hint="look at the page, then `transpub post SLUG --channel CHANNEL --confirm URL` "
                "or `--retry`",
                maybe_sent=True,
            )
        return ChannelUnavailable(
            f"{channel} failed with {status} ({detail})", hint="try again later"
        )
    return ChannelError(f"{channel} refused the post ({status}: {detail})")
