"""Social channels: one base (``base.Channel``), one module per network, a registry by id.

``posting.post_articles`` composes each published article's posts through the channels' Jinja2
templates and sends each one once, recorded in the article's publish record.
"""

from transpub.publish.channels.base import (
    Account,
    Card,
    Channel,
    ChannelAuthError,
    ChannelError,
    ChannelRateLimited,
    ChannelUnavailable,
    ChannelVersionError,
    CompositionError,
    CredentialsMissing,
    Post,
    Sent,
)
from transpub.publish.channels.registry import CHANNELS, channel_ids, create_channel, register

__all__ = [
    "CHANNELS",
    "Account",
    "Card",
    "Channel",
    "ChannelAuthError",
    "ChannelError",
    "ChannelRateLimited",
    "ChannelUnavailable",
    "ChannelVersionError",
    "CompositionError",
    "CredentialsMissing",
    "Post",
    "Sent",
    "channel_ids",
    "create_channel",
    "register",
]
