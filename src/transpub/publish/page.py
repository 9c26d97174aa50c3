"""The published pages of an article: front matter in the layout's conventions and a credit line
rendered from a Jinja2 template the maintainer can replace (``[site] credit_template``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from transpub.article import split_front_matter
from transpub.errors import ConfigError, SourceError
from transpub.publish.credits import Credits
from transpub.publish.layouts import PagePair, SiteLayout

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_CREDIT_TEMPLATE = TEMPLATES / "credit.md.j2"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+|!~])")


def md_escape(text: str) -> str:
    """Text safe inside Markdown emphasis and link text."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def names(people: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C`` (Markdown-escaped)."""
    escaped = [md_escape(p) for p in people]
    if len(escaped) <= 2:
        return " and ".join(escaped)
    return ", ".join(escaped[:-1]) + " and " + escaped[-1]


@lru_cache(maxsize=8)
def _template(path: Path, mtime_ns: int) -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        autoescape=False,  # Markdown out, names escaped by the `md`/`names` filters
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["md"] = md_escape
    env.filters["names"] = names
    try:
        return env.get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"the credit template is not valid Jinja2 ({exc.message})",
            path=path,
            line=exc.lineno,
            hint="fix the template or empty [site] credit_template to use the built-in one",
        ) from exc


def credit_template(path: Path | None) -> jinja2.Template:
    """The credit-line template at ``path`` (None: the built-in one)."""
    chosen = path or DEFAULT_CREDIT_TEMPLATE
    if not chosen.is_file():
        raise ConfigError(
            "no such credit template", path=chosen, hint="check [site] credit_template"
        )
    return _template(chosen, chosen.stat().st_mtime_ns)


@dataclass(frozen=True)
class Pages:
    """The texts of an article's two pages, ready to write."""

    zh: str
    en: str


def split_page(text: str, path: str | Path) -> tuple[dict[str, Any], str]:
    """A Markdown document's front matter (a mapping) and its body."""
    text = text.lstrip("\ufeff")
    yaml_text, body_at = split_front_matter(text)
    if yaml_text is None:
        return {}, text
    try:
        meta = yaml.safe_load(yaml_text) or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"the front matter is not valid YAML ({exc})", path=path) from exc
    if not isinstance(meta, dict):
        raise SourceError("the front matter is not a mapping", path=path, line=2)
    return meta, text[body_at:]


def join_page(meta: dict[str, Any], body: str, credit: str) -> str:
    """Front matter, the body and the credit line, with LF line ends."""
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    body = body.replace("\r\n", "\n").rstrip("\n")
    tail = f"\n\n{credit.strip()}\n" if credit.strip() else "\n"
    return f"---\n{head}---\n\n{body.lstrip(chr(10))}{tail}"


def render_pages(
    *,
    slug: str,
    zh_text: str,
    en_text: str,
    credits: Credits,
    layout: SiteLayout,
    pair: PagePair,
    source_revision: str,
    template: jinja2.Template,
    source_path: str | Path,
) -> Pages:
    """Both pages of an article: the source and the rebuilt English, each with front matter in
    the layout's conventions, a link to the other language, and the credit line."""
    zh_meta, zh_body = split_page(zh_text, source_path)
    en_meta, en_body = split_page(en_text, source_path)
    zh_title = str(zh_meta.get("title", slug))
    en_title = str(en_meta.get("title", slug))
    values = {
        "translators": credits.translators,
        "reviewers": credits.reviewers,
        "editor": credits.editor,
        "zh_title": zh_title,
        "en_title": en_title,
        "zh_link": pair.zh_link,
        "en_link": pair.en_link,
        "zh_url": pair.zh_url,
        "en_url": pair.en_url,
        "slug": slug,
        "source_revision": source_revision,
    }
    try:
        en_credit = template.render(lang="en", **values)
        zh_credit = template.render(lang="zh", **values)
    except jinja2.TemplateError as exc:
        raise ConfigError(
            f"the credit template failed ({exc})",
            path=template.filename,
            hint="use only the variables the built-in template lists",
        ) from exc
    en_extra: dict[str, Any] = {
        "translation_of": pair.zh_url or pair.zh,
        "translators": credits.translators,
        "reviewers": credits.reviewers,
        "editor": credits.editor,
        "source_revision": source_revision,
    }
    zh_extra: dict[str, Any] = {"translation": pair.en_url or pair.en}
    en = join_page(layout.front_matter("en", en_meta, en_extra, slug), en_body, en_credit)
    zh = join_page(layout.front_matter("zh", zh_meta, zh_extra, slug), zh_body, zh_credit)
    return Pages(zh=zh, en=en)
