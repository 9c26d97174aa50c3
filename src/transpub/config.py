"""Project settings: one strict schema with defaults, read from ``transpub.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from transpub.errors import ConfigError
from transpub.wording import counted

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
class AlignSettings:
    #: Minimum confidence (0–1) of an aligned pair to enter the memory or pre-fill a draft.
    min_confidence: float = 0.5


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
    #: An OpenAI-compatible endpoint (DeepSeek, Qwen, Ollama, vLLM); empty: OPENAI_BASE_URL,
    #: else OpenAI's API (https://api.openai.com/v1), which serves the default model.
    base_url: str = ""
    #: The model, one the endpoint serves (OpenAI: gpt-4o-mini; DeepSeek: deepseek-chat).
    model: str = "gpt-4o-mini"
    #: The environment variable holding the key (never the key itself).
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 60.0
    max_retries: int = 3
    #: Units per request.
    batch_size: int = 20
    #: The most answer tokens one request may ask for (the model's output limit).
    max_tokens: int = 8192


@dataclass(frozen=True)
class CreditsSettings:
    #: The credit records, one JSON Lines file per month (committed, append-only).
    dir: str = "credits"
    #: The people registry: names, aliases, profile links, consent, granted tiers.
    people: str = "contributors.toml"
    #: Where the recognition reports are written, one folder per period.
    reports_dir: str = "reports/recognition"
    #: A translation counts as accepted when the reviewer changed at most this much of it (0–100).
    accept_change: float = 20.0
    #: English words credited per entry are capped at this many per source character…
    words_per_char: float = 1.5
    #: …but never below this many.
    min_words: int = 10


@dataclass(frozen=True)
class LadderSettings:
    #: The tiers in order, lowest first (ids).
    tiers: tuple[str, ...] = ("junior-translator", "translator", "reviewer", "expert")
    #: Their names in English and Chinese, in the same order.
    names_en: tuple[str, ...] = (
        "Junior translator",
        "Translator",
        "Translation reviewer",
        "Expert",
    )
    names_zh: tuple[str, ...] = ("初级译者", "译者", "审校", "专家")
    #: Accepted translations needed for each tier (for a granted tier: to be proposed for it).
    accepted: tuple[int, ...] = (0, 10, 100, 500)
    #: Tiers given by maintainers (recorded in the people registry), not earned by counting.
    granted: tuple[str, ...] = ("reviewer", "expert")
    #: Someone is "close" to the next tier at this share of its threshold (0–1).
    close: float = 0.8


@dataclass(frozen=True)
class SiteSettings:
    #: How the site lays out a language pair: "vitepress", "hugo" or "folders".
    layout: str = "vitepress"
    #: The local checkout of the site's git repository, relative to the project folder.
    checkout: str = "site"
    #: The folder inside the checkout where articles go ("" for its root; Hugo: under content/).
    folder: str = ""
    #: The site's public address, e.g. "https://kaiyuanshe.github.io/report"; "" for no URLs.
    base_url: str = ""
    #: A page's path from the article: ``{slug}`` (an article may set ``site_path`` in its
    #: front matter instead).
    page_path: str = "{slug}"
    #: Hugo only: "bundle" (``<slug>/index.zh.md`` + ``index.en.md``) or "dirs" (one content
    #: folder per language: ``content/zh/<path>/index.md`` and ``content/en/…``).
    hugo_form: str = "bundle"
    #: A Jinja2 template file for the English page's credit line (relative to the project);
    #: "" for the built-in one.
    credit_template: str = ""


@dataclass(frozen=True)
class ChannelsSettings:
    #: Channels that `transpub post` and the post flow use, in order (e.g. ["linkedin"]).
    enabled: tuple[str, ...] = ()
    #: "en" (English posts), "combined" (Chinese and English in one post) or "separate" (a
    #: Chinese post and an English post).
    bilingual: str = "en"
    #: Hashtags added to every post, without the `#`.
    hashtags: tuple[str, ...] = ("OpenSource", "KaiYuanShe")
    #: The site target (of the publish record) whose pages the posts link to; empty: the first.
    site: str = ""
    #: A default picture for link cards (relative to the project); an article's `image` wins.
    thumbnail: str = ""
    #: Attempts after a 429 or 5xx answer, and the first wait in seconds (doubled each time).
    max_retries: int = 3
    backoff: float = 2.0


@dataclass(frozen=True)
class LinkedInSettings:
    #: The organization page that posts, e.g. "urn:li:organization:12345".
    organization: str = ""
    #: The `LinkedIn-Version` header (YYYYMM); a retired one is answered with 426.
    version: str = "202510"
    #: Environment variables holding the access token and (for `channels check`) the app's id and
    #: secret; never the values themselves.
    token_env: str = "LINKEDIN_ACCESS_TOKEN"
    client_id_env: str = "LINKEDIN_CLIENT_ID"
    client_secret_env: str = "LINKEDIN_CLIENT_SECRET"
    #: The versioned REST and OAuth addresses; empty: LinkedIn's own.
    api_url: str = ""
    oauth_url: str = ""
    #: Contributors who gave their member URN, mentioned by it: "Name = urn:li:person:…".
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MastodonSettings:
    #: The instance, e.g. "https://mastodon.social".
    api_base_url: str = ""
    token_env: str = "MASTODON_ACCESS_TOKEN"
    #: "public", "unlisted", "private" or "direct".
    visibility: str = "public"
    #: Contributors mentioned by their account: "Name = @user@host".
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlueskySettings:
    #: The account's handle, e.g. "kaiyuanshe.bsky.social".
    handle: str = ""
    #: The environment variable holding an app password.
    password_env: str = "BLUESKY_APP_PASSWORD"
    #: The account's PDS; empty: https://bsky.social.
    base_url: str = ""


@dataclass(frozen=True)
class Config:
    project: ProjectSettings = field(default_factory=ProjectSettings)
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    glossary: GlossarySettings = field(default_factory=GlossarySettings)
    translate: TranslateSettings = field(default_factory=TranslateSettings)
    align: AlignSettings = field(default_factory=AlignSettings)
    deepl: DeepLSettings = field(default_factory=DeepLSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    credits: CreditsSettings = field(default_factory=CreditsSettings)
    ladder: LadderSettings = field(default_factory=LadderSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    channels: ChannelsSettings = field(default_factory=ChannelsSettings)
    linkedin: LinkedInSettings = field(default_factory=LinkedInSettings)
    mastodon: MastodonSettings = field(default_factory=MastodonSettings)
    bluesky: BlueskySettings = field(default_factory=BlueskySettings)
    path: Path | None = None


_SECTIONS: dict[str, type] = {
    "project": ProjectSettings,
    "segment": SegmentSettings,
    "catalog": CatalogSettings,
    "glossary": GlossarySettings,
    "translate": TranslateSettings,
    "align": AlignSettings,
    "deepl": DeepLSettings,
    "llm": LLMSettings,
    "credits": CreditsSettings,
    "ladder": LadderSettings,
    "site": SiteSettings,
    "channels": ChannelsSettings,
    "linkedin": LinkedInSettings,
    "mastodon": MastodonSettings,
    "bluesky": BlueskySettings,
}


def _coerce(value: Any, default: Any, where: str, path: Path) -> Any:
    expected = type(default)
    if isinstance(default, tuple):
        kind = type(default[0]) if default else str
        if isinstance(value, list) and all(type(v) is kind for v in value):
            return tuple(value)
        raise ConfigError(f"{where} must be a list of {kind.__name__}s", path=path)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not expected:
        name = expected.__name__
        article = "an" if name[0] in "aeiou" else "a"
        raise ConfigError(f"{where} must be {article} {name}, not {value!r}", path=path)
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
    if not 0 <= config.align.min_confidence <= 1:
        raise ConfigError("[align] min_confidence must be between 0 and 1", path=path)
    if config.catalog.wrap_width < 0:
        raise ConfigError("[catalog] wrap_width must be 0 or more", path=path)
    if config.llm.max_tokens < 1:
        raise ConfigError("[llm] max_tokens must be 1 or more", path=path)
    _validate_credits(config, path)
    _validate_site(config.site, path)
    _validate_channels(config, path)


def _validate_credits(config: Config, path: Path) -> None:
    credits, ladder = config.credits, config.ladder
    if not 0 <= credits.accept_change <= 100:
        raise ConfigError("[credits] accept_change must be between 0 and 100", path=path)
    if credits.words_per_char <= 0 or credits.min_words < 0:
        raise ConfigError(
            "[credits] words_per_char must be above 0 and min_words 0 or more", path=path
        )
    size = len(ladder.tiers)
    if size == 0 or {len(ladder.names_en), len(ladder.names_zh), len(ladder.accepted)} != {size}:
        raise ConfigError(
            "[ladder] tiers, names_en, names_zh and accepted must have one item per tier",
            path=path,
            hint=f"there {'is' if size == 1 else 'are'} {counted(size, 'tier')}",
        )
    if list(ladder.accepted) != sorted(ladder.accepted) or ladder.accepted[0] < 0:
        raise ConfigError("[ladder] accepted must rise from tier to tier", path=path)
    unknown = set(ladder.granted) - set(ladder.tiers)
    if unknown:
        raise ConfigError(
            f"[ladder] granted names unknown tiers: {', '.join(sorted(unknown))}", path=path
        )
    if not 0 < ladder.close <= 1:
        raise ConfigError("[ladder] close must be above 0 and at most 1", path=path)


def _validate_site(site: SiteSettings, path: Path) -> None:
    from transpub.publish.layouts import LAYOUTS  # the registry (it imports this module)

    if site.layout not in LAYOUTS:
        raise ConfigError(
            f"[site] layout {site.layout!r} is not a known site layout",
            path=path,
            hint=f"known layouts: {', '.join(sorted(LAYOUTS))}",
        )
    if site.hugo_form not in ("bundle", "dirs"):
        raise ConfigError("[site] hugo_form must be bundle or dirs", path=path)
    if "{slug}" not in site.page_path:
        raise ConfigError(
            "[site] page_path must contain {slug}", path=path, hint='e.g. "reports/{slug}"'
        )
    for key in ("folder", "page_path"):
        value = getattr(site, key)
        if value.startswith("/") or ".." in value.split("/"):
            raise ConfigError(
                f"[site] {key} must be a relative path inside the site, not {value!r}", path=path
            )
    if not site.checkout.strip():
        raise ConfigError("[site] checkout must name a folder", path=path, hint='e.g. "site"')


def _validate_channels(config: Config, path: Path) -> None:
    if config.channels.bilingual not in ("en", "combined", "separate"):
        raise ConfigError(
            "[channels] bilingual must be en, combined or separate, "
            f"not {config.channels.bilingual!r}",
            path=path,
        )
    if config.channels.max_retries < 0 or config.channels.backoff < 0:
        raise ConfigError("[channels] max_retries and backoff must be 0 or more", path=path)
    if config.mastodon.visibility not in ("public", "unlisted", "private", "direct"):
        raise ConfigError(
            "[mastodon] visibility must be public, unlisted, private or direct", path=path
        )
    for section in ("linkedin", "mastodon"):
        for line in getattr(config, section).mentions:
            if "=" not in line or not all(part.strip() for part in line.split("=", 1)):
                raise ConfigError(
                    f"[{section}] mentions: {line!r} is not `Name = account`",
                    path=path,
                    hint='write e.g. "Li Lei = urn:li:person:AbC123" (LinkedIn) or '
                    '"Li Lei = @lilei@mastodon.social" (Mastodon)',
                )


def find_config(start: Path) -> Path | None:
    """The nearest ``transpub.toml`` at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


__all__ = [
    "CONFIG_NAME",
    "AlignSettings",
    "CatalogSettings",
    "ChannelsSettings",
    "Config",
    "CreditsSettings",
    "DeepLSettings",
    "GlossarySettings",
    "LLMSettings",
    "LadderSettings",
    "LinkedInSettings",
    "MastodonSettings",
    "ProjectSettings",
    "SegmentSettings",
    "SiteSettings",
    "TranslateSettings",
    "find_config",
    "load_config",
]
