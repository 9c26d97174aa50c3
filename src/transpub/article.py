"""Articles: ``articles/<slug>/zh.md`` with its catalog, inside a transpub project."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from transpub.config import CONFIG_NAME, Config, find_config, load_config
from transpub.errors import ArticleError, ConfigError
from transpub.markdown.segmenter import SegmentOptions
from transpub.textfile import read_source, write_atomic

SOURCE_NAME = "zh.md"
CATALOG_NAME = "en.po"
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?")
#: Front matter as VitePress, Hugo and python-frontmatter read it: `---` lines at the very start.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.S)


def check_slug(slug: str) -> str:
    """Validate a slug: one folder under ``articles/``, lowercase letters, digits, ``-_.``."""
    if not _SLUG.fullmatch(slug) or ".." in slug:
        raise ArticleError(
            f"{slug!r} is not a valid article slug",
            hint="use lowercase letters, digits and dashes, e.g. 2025-26-international-plan",
        )
    return slug


def slug_from_filename(path: Path) -> str:
    """A slug proposed from a file name (``2024 Plan.md`` → ``2024-plan``)."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")


@dataclass(frozen=True)
class Article:
    """One article's folder."""

    slug: str
    folder: Path

    @property
    def source(self) -> Path:
        return self.folder / SOURCE_NAME

    @property
    def catalog(self) -> Path:
        return self.folder / CATALOG_NAME


@dataclass(frozen=True)
class Project:
    """A transpub project: ``transpub.toml`` and the articles beside it."""

    root: Path
    config: Config

    @classmethod
    def open(cls, start: str | Path | None = None) -> Project:
        """The project whose ``transpub.toml`` is at or above ``start`` (default: cwd)."""
        base = Path(start or Path.cwd()).resolve()
        if not base.is_dir():
            raise ConfigError(
                "no such project folder", path=base, hint="check the path given to -C/--project"
            )
        found = base / CONFIG_NAME if (base / CONFIG_NAME).is_file() else find_config(base)
        if found is None:
            raise ConfigError(
                f"no {CONFIG_NAME} here or above",
                path=base,
                hint="run transpub inside a project, or pass --project DIR",
            )
        return cls(found.parent, load_config(found))

    @cached_property
    def articles_dir(self) -> Path:
        return self.root / self.config.project.articles_dir

    @property
    def segment_options(self) -> SegmentOptions:
        seg = self.config.segment
        return SegmentOptions(front_matter_keys=seg.front_matter_keys, html_blocks=seg.html_blocks)

    def article(self, slug: str) -> Article:
        """The article named ``slug``; it must exist."""
        check_slug(slug)
        folder = self.articles_dir / slug
        if not (folder / SOURCE_NAME).is_file():
            if (folder / CATALOG_NAME).is_file():
                raise ArticleError(
                    f"the source of article {slug!r} is missing",
                    path=folder / SOURCE_NAME,
                    hint=missing_source_hint(folder),
                )
            raise ArticleError(
                f"no article {slug!r}",
                path=folder / SOURCE_NAME,
                hint="see `transpub status` for the articles, or `transpub add FILE`",
            )
        return Article(slug, folder)

    def sourceless(self) -> list[Article]:
        """Article folders whose catalog is there but whose source (``zh.md``) is not."""
        if not self.articles_dir.is_dir():
            return []
        return [
            Article(folder.name, folder)
            for folder in sorted(self.articles_dir.iterdir())
            if _SLUG.fullmatch(folder.name)
            and (folder / CATALOG_NAME).is_file()
            and not (folder / SOURCE_NAME).exists()
        ]

    def articles(self) -> Iterator[Article]:
        """Every article, by slug."""
        if not self.articles_dir.is_dir():
            return
        for folder in sorted(self.articles_dir.iterdir()):
            if (folder / SOURCE_NAME).is_file() and _SLUG.fullmatch(folder.name):
                yield Article(folder.name, folder)

    def select(self, slugs: list[str] | None) -> list[Article]:
        """The named articles, or all of them."""
        return [self.article(s) for s in slugs] if slugs else list(self.articles())


def missing_source_hint(folder: Path) -> str:
    """What to do about an article folder whose ``zh.md`` is gone."""
    from transpub.errors import restore_hint, typed_path

    return (
        f"restore it from git ({restore_hint(folder / SOURCE_NAME)}), add it again (`transpub "
        f"add FILE --slug {folder.name}`), or remove the folder ({typed_path(folder)})"
    )


def split_front_matter(text: str) -> tuple[str | None, int]:
    """The YAML text of the leading front matter (or None) and the offset where the body starts."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match is None:
        return None, 0
    offset = len(text) - len(text.lstrip("\ufeff"))
    return match.group(1) or "", offset + match.end()


def read_metadata(text: str, path: str | Path) -> dict[str, Any]:
    """The article's front matter as a mapping; ``title`` is required."""
    import frontmatter
    import yaml

    from transpub.markdown.frontmatter import yaml_error

    yaml_text, _ = split_front_matter(text)
    if yaml_text is None:
        raise ArticleError(
            "the article has no front matter",
            path=path,
            line=1,
            hint="start it with `---`, a `title:` line and `---`",
        )
    try:
        metadata, _content = frontmatter.parse(text.lstrip("\ufeff"))
    except yaml.YAMLError as exc:
        raise yaml_error(exc, 2).at(path) from exc
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("title"), str)
        or not str(metadata.get("title")).strip()
    ):
        raise ArticleError(
            "the front matter has no `title`",
            path=path,
            line=2,
            hint="add a line `title: …` between the --- lines",
        )
    return dict(metadata)


def _first_heading(text: str) -> str | None:
    from transpub.markdown.segmenter import segment

    for unit in segment(text, SegmentOptions(front_matter_keys=(), html_blocks=False)):
        if unit.kind.startswith("heading"):
            return " ".join(unit.msgid.split())
    return None


def with_title(text: str, path: str | Path) -> str:
    """The document with a front-matter ``title``, taken from its first heading if missing."""
    import yaml

    from transpub.markdown.frontmatter import yaml_error

    yaml_text, _body_at = split_front_matter(text)
    root = None
    if yaml_text is not None:
        try:
            root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise yaml_error(exc, 2).at(path) from exc
        if root is not None and not isinstance(root, yaml.MappingNode):
            raise ArticleError(
                "the front matter is not a mapping of keys to values",
                path=path,
                line=2,
                hint="write it as `key: value` lines, with a `title:`",
            )
    value = _title_node(root)
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":str") and value.value.strip():
        return text
    title = _first_heading(text)
    if title is None:
        raise ArticleError(
            "the document has neither a `title` in its front matter nor a heading to take it from",
            path=path,
            hint="add a `# Title` line or a front matter `title:`",
        )
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    eol = "\r\n" if "\r\n" in text[:4096] else "\n"
    line = (
        "title: " + str(yaml.safe_dump(title, allow_unicode=True, width=10**6)).split("\n")[0] + eol
    )
    body = text[len(bom) :]
    if yaml_text is None:
        return f"{bom}---{eol}{line}---{eol}{eol}{body}"
    first_break = body.index("\n") + 1
    if value is not None:  # `title:` is there but empty: fill it in place
        start, end = value.start_mark.index, value.end_mark.index
        scalar = line[len("title: ") : -len(eol)]
        if start == end or yaml_text[start - 1 : start] == ":":
            scalar = " " + scalar
        filled = yaml_text[:start] + scalar + yaml_text[end:]
        return bom + body[:first_break] + filled + body[first_break + len(yaml_text) :]
    return bom + body[:first_break] + line + body[first_break:]


def _title_node(root: Any) -> Any:
    """The value node of the front matter's ``title`` key, if any."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "title":
            return value
    return None


def add_article(project: Project, file: str | Path, slug: str | None = None) -> Article:
    """Import a Markdown document as ``articles/<slug>/zh.md`` (front matter completed)."""
    src = Path(file)
    if slug is None:
        slug = slug_from_filename(src)
        if not slug:
            raise ArticleError(
                "cannot make a slug from this file name", path=src, hint="pass --slug NAME"
            )
    chosen = check_slug(slug)
    folder = project.articles_dir / chosen
    target = folder / SOURCE_NAME
    text = with_title(read_source(src), src)
    read_metadata(text, src)
    if target.exists() and target.read_bytes() != text.encode("utf-8"):
        raise ArticleError(
            f"article {chosen!r} already exists with different content",
            path=target,
            hint="choose another --slug, or edit the existing source",
        )
    write_atomic(target, text)
    return Article(chosen, folder)
