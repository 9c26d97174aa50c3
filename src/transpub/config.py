"""Project settings: one strict schema with defaults, read from ``transpub.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from transpub.errors import ConfigError

CONFIG_NAME = "transpub.toml"


@dataclass(frozen=True)
class ProjectSettings:
    name: str = "transpub"
    source_language: str = "zh"
    target_language: str = "en"
    articles_dir: str = "articles"


@dataclass(frozen=True)
class SegmentSettings:
    #: Front-matter values offered for translation: dotted paths, ``*`` for every list item.
    front_matter_keys: tuple[str, ...] = ("title", "summary")
    #: Offer the prose inside raw HTML blocks such as ``<center>图 1 …</center>``.
    html_blocks: bool = True


@dataclass(frozen=True)
class CatalogSettings:
    #: Line width of saved PO files (0: never wrap).
    wrap_width: int = 78
    #: Minimum similarity (0–100) for a changed paragraph to inherit its old translation as fuzzy.
    merge_similarity: float = 60.0


@dataclass(frozen=True)
class GlossarySettings:
    #: The curated glossary (CSV), relative to the project folder.
    path: str = "glossary/glossary.csv"


@dataclass(frozen=True)
class TranslateSettings:
    #: The machine translation engine: "none" (TM and glossary only), "deepl" or "llm".
    engine: str = "none"
    #: Source paragraphs before and after a batch sent as context (not billed by DeepL).
    context_paragraphs: int = 2
    #: Engine requests in flight at once, across articles.
    max_concurrency: int = 2
    #: Minimum similarity (0–100) for a translation-memory match to be offered as a suggestion.
    tm_threshold: float = 75.0


@dataclass(frozen=True)
class DeepLSettings:
    #: "EN-US" or "EN-GB" (DeepL rejects plain "EN" as a target).
    target_lang: str = "EN-US"
    #: The API address; empty: DEEPL_SERVER_URL, else what the key implies (Free or Pro).
    server_url: str = ""
    #: The environment variable holding the key (never the key itself).
    auth_key_env: str = "DEEPL_AUTH_KEY"
    #: A Prefect Secret block holding the key (its name); empty: the environment variable.
    auth_key_block: str = ""
    #: Seconds to wait for an answer (plus 1 s per 250 characters sent), and how often 429,
    #: 5xx and network errors are retried.
    timeout: float = 30.0
    max_retries: int = 5


@dataclass(frozen=True)
class LLMSettings:
    #: An OpenAI-compatible endpoint (DeepSeek, Qwen, Ollama, vLLM); empty: OPENAI_BASE_URL.
    base_url: str = ""
    model: str = "deepseek-chat"
    #: The environment variable holding the key (never the key itself).
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 60.0
    max_retries: int = 3
    #: Units per request.
    batch_size: int = 20


@dataclass(frozen=True)
class Config:
    project: ProjectSettings = field(default_factory=ProjectSettings)
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    glossary: GlossarySettings = field(default_factory=GlossarySettings)
    translate: TranslateSettings = field(default_factory=TranslateSettings)
    deepl: DeepLSettings = field(default_factory=DeepLSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    path: Path | None = None


_SECTIONS: dict[str, type] = {
    "project": ProjectSettings,
    "segment": SegmentSettings,
    "catalog": CatalogSettings,
    "glossary": GlossarySettings,
    "translate": TranslateSettings,
    "deepl": DeepLSettings,
    "llm": LLMSettings,
}


def _coerce(value: Any, default: Any, where: str, path: Path) -> Any:
    expected = type(default)
    if isinstance(default, tuple):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{where} must be a list of strings", path=path)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not expected:
        raise ConfigError(f"{where} must be a {expected.__name__}, not {value!r}", path=path)
    return value


def load_config(path: str | Path) -> Config:
    """Read ``transpub.toml``: unknown sections or keys are errors naming the allowed ones."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("no such settings file", path=p) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=p) from exc
    config = Config(path=p)
    for section, values in raw.items():
        cls = _SECTIONS.get(section)
        if cls is None:
            raise ConfigError(
                f"unknown section [{section}]",
                path=p,
                hint=f"allowed sections: {', '.join(sorted(_SECTIONS))}",
            )
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table", path=p)
        current = getattr(config, section)
        allowed = {f.name for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key not in allowed and _looks_secret(key):
                raise ConfigError(
                    f"[{section}] {key}: secrets never go in {CONFIG_NAME}",
                    path=p,
                    hint="remove the line and set the key in the environment "
                    "(e.g. DEEPL_AUTH_KEY, OPENAI_API_KEY) or a Prefect Secret block",
                )
            if key not in allowed:
                raise ConfigError(
                    f"unknown key {key!r} in [{section}]",
                    path=p,
                    hint=f"allowed keys: {', '.join(sorted(allowed))}",
                )
            changes[key] = _coerce(value, getattr(current, key), f"[{section}] {key}", p)
        config = replace(config, **{section: replace(current, **changes)})
    _validate(config, p)
    return config


def _looks_secret(key: str) -> bool:
    return any(word in key.lower() for word in ("key", "token", "secret", "password")) and not (
        key.endswith("_env")
    )


def _validate(config: Config, path: Path) -> None:
    engines = ("none", "deepl", "llm")
    if config.translate.engine not in engines:
        raise ConfigError(
            f"[translate] engine must be one of {', '.join(engines)}, "
            f"not {config.translate.engine!r}",
            path=path,
        )
    if config.deepl.target_lang not in ("EN-US", "EN-GB"):
        raise ConfigError("[deepl] target_lang must be EN-US or EN-GB", path=path)
    if config.translate.max_concurrency < 1 or config.llm.batch_size < 1:
        raise ConfigError(
            "[translate] max_concurrency and [llm] batch_size must be 1 or more", path=path
        )
    if not 0 <= config.translate.tm_threshold <= 100:
        raise ConfigError("[translate] tm_threshold must be between 0 and 100", path=path)
    if not 0 <= config.catalog.merge_similarity <= 100:
        raise ConfigError("[catalog] merge_similarity must be between 0 and 100", path=path)
    if config.catalog.wrap_width < 0:
        raise ConfigError("[catalog] wrap_width must be 0 or more", path=path)


def find_config(start: Path) -> Path | None:
    """The nearest ``transpub.toml`` at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


__all__ = [
    "CONFIG_NAME",
    "CatalogSettings",
    "Config",
    "DeepLSettings",
    "GlossarySettings",
    "LLMSettings",
    "ProjectSettings",
    "SegmentSettings",
    "TranslateSettings",
    "find_config",
    "load_config",
]
