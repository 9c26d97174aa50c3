"""The channel registry: channel id → class. Built-in channels register like any other would."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from transpub.errors import ConfigError

if TYPE_CHECKING:
    from transpub.config import Config
    from transpub.publish.channels.base import Channel

C = TypeVar("C", bound="type[Channel]")
CHANNELS: dict[str, type[Channel]] = {}
BUILTIN = ("linkedin", "mastodon", "bluesky")


def register(cls: C) -> C:
    """Class decorator: make a channel available under its ``channel_id``."""
    CHANNELS[cls.channel_id] = cls
    return cls


def channel_ids() -> list[str]:
    """Every registered channel id (the built-in ones first)."""
    for name in BUILTIN:
        importlib.import_module(f"transpub.publish.channels.{name}")
    return list(CHANNELS)


def create_channel(
    channel_id: str, config: Config, env: Mapping[str, str], root: Path | None = None
) -> Channel:
    """The channel named ``channel_id``; ``ConfigError`` listing the known ones otherwise."""
    known = channel_ids()
    if channel_id not in CHANNELS:
        raise ConfigError(
            f"unknown channel {channel_id!r}",
            path=config.path,
            hint=f"choose from {', '.join(known)}",
        )
    return CHANNELS[channel_id](config, env, root)
