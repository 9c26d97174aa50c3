"""Machine translation engines: one module per service on one base, in a registry."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from transpub.engines.base import REGISTRY, Batch, BatchResult, Engine, Usage, register
from transpub.errors import ConfigError

if TYPE_CHECKING:
    from transpub.config import Config
    from transpub.glossary.model import Glossary

#: Built-in engines, imported on demand (each registers itself like a plug-in would).
BUILTIN = {"deepl": "transpub.engines.deepl", "llm": "transpub.engines.llm"}


def create_engine(
    config: Config, glossary: Glossary | None, name: str | None = None
) -> Engine | None:
    """The configured engine (or ``name``), or None for "none": memory and glossary only."""
    chosen = name or config.translate.engine
    if chosen == "none":
        return None
    if chosen in BUILTIN and chosen not in REGISTRY:
        importlib.import_module(BUILTIN[chosen])
    cls = REGISTRY.get(chosen)
    if cls is None:
        raise ConfigError(
            f"unknown engine {chosen!r}",
            path=config.path,
            hint=f"use one of: none, {', '.join(sorted({*BUILTIN, *REGISTRY}))}",
        )
    return cls(config, glossary)


__all__ = [
    "BUILTIN",
    "REGISTRY",
    "Batch",
    "BatchResult",
    "Engine",
    "Usage",
    "create_engine",
    "register",
]
