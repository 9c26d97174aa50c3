"""Site layouts, a registry keyed by ``[site] layout``: one base, one module per member."""

from __future__ import annotations

from transpub.config import SiteSettings
from transpub.errors import ConfigError
from transpub.publish.layouts.base import PagePair, SiteLayout
from transpub.publish.layouts.folders import FoldersLayout
from transpub.publish.layouts.hugo import HugoLayout
from transpub.publish.layouts.vitepress import VitePressLayout

LAYOUTS: dict[str, type[SiteLayout]] = {}


def register(cls: type[SiteLayout]) -> type[SiteLayout]:
    """Add a layout to the registry (built-in members register like any other)."""
    LAYOUTS[cls.layout_id] = cls
    return cls


for _member in (VitePressLayout, HugoLayout, FoldersLayout):
    register(_member)


def create_layout(settings: SiteSettings) -> SiteLayout:
    """The layout named by ``[site] layout``."""
    cls = LAYOUTS.get(settings.layout)
    if cls is None:
        raise ConfigError(
            f"unknown site layout {settings.layout!r}",
            hint=f"[site] layout is one of {', '.join(sorted(LAYOUTS))}",
        )
    return cls(settings)


__all__ = ["LAYOUTS", "PagePair", "SiteLayout", "create_layout", "register"]
