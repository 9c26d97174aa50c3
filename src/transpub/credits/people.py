"""The people registry (``contributors.toml``): who the credited names are.

One ``[[person]]`` table per person::

    [[person]]
    handle = "wangwu"                  # the one id reports, pages and exports use
    name_zh = "王五"
    name_en = "Wang Wu"
    aliases = ["Wang Wu <wang@example.org>", "wwu"]   # other spellings in Last-Translator, git
    github = "wangwu"
    linkedin_urn = "urn:li:person:AbC123"
    mastodon = "@wangwu@mastodon.social"
    bluesky = "wangwu.bsky.social"
    consent = true                     # may be named in public; otherwise "a volunteer"
    granted = [{ tier = "reviewer", on = 2025-09-01, by = "li" }]

Names are matched without case, e-mail address or extra spaces. Anyone credited but not in the
registry is a person of their own whose consent is not given. The registry is read with the
standard TOML reader and changed (a granted tier) with ``tomlkit``, which keeps its comments.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from transpub.article import Project
from transpub.errors import TranspubError
from transpub.textfile import write_atomic

VOLUNTEER = {"en": "a volunteer", "zh": "一位志愿者"}
_KEYS = {
    "handle",
    "name_zh",
    "name_en",
    "aliases",
    "github",
    "linkedin_urn",
    "mastodon",
    "bluesky",
    "consent",
    "granted",
}
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class PeopleError(TranspubError):
    """The people registry cannot be read or has a mistake."""


@dataclass(frozen=True)
class Grant:
    """A tier given to a person by a maintainer."""

    tier: str
    on: date
    by: str = ""


@dataclass(frozen=True)
class Person:
    """One contributor: names, profile links, consent to be named, granted tiers."""

    handle: str
    name_zh: str = ""
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    github: str | None = None
    linkedin_urn: str | None = None
    mastodon: str | None = None
    bluesky: str | None = None
    consent: bool = False
    granted: tuple[Grant, ...] = ()
    registered: bool = True

    def display(self, lang: str = "en") -> str:
        """The name to show in ``lang`` (``en`` or ``zh``): "a volunteer" without consent."""
        if not self.consent:
            return VOLUNTEER.get(lang, VOLUNTEER["en"])
        if lang == "zh":
            return self.name_zh or self.name_en or self.handle
        return self.name_en or self.name_zh or self.handle

    @property
    def links(self) -> dict[str, str]:
        """Profile addresses by network (only those given)."""
        out: dict[str, str] = {}
        if self.github:
            out["github"] = f"https://github.com/{self.github}"
        if self.linkedin_urn:
            out["linkedin"] = self.linkedin_urn
        if self.mastodon:
            user, _, host = self.mastodon.lstrip("@").partition("@")
            out["mastodon"] = f"https://{host}/@{user}" if host else self.mastodon
        if self.bluesky:
            out["bluesky"] = f"https://bsky.app/profile/{self.bluesky.lstrip('@')}"
        return out

    def granted_tiers(self, before: date | None = None) -> list[str]:
        """The tiers granted (before ``before``, exclusive, when given)."""
        return [g.tier for g in self.granted if before is None or g.on < before]


def normalise(name: str) -> str:
    """A name as matched: no e-mail address, case folded, spaces collapsed."""
    return " ".join(name.split("<", 1)[0].split()).casefold()


@dataclass
class People:
    """The registry: lookup by handle, name or alias."""

    people: list[Person] = field(default_factory=list)
    path: Path | None = None
    _index: dict[str, Person] = field(default_factory=dict, repr=False)
    _cache: dict[str, Person] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        owner: dict[str, str] = {}
        for person in self.people:
            names = {person.handle, person.name_zh, person.name_en, *person.aliases}
            if person.github:
                names.add(person.github)
            for name in names:
                key = normalise(name)
                if not key:
                    continue
                if owner.get(key, person.handle) != person.handle:
                    raise PeopleError(
                        f"the name {name!r} belongs to both {owner[key]!r} and {person.handle!r}",
                        path=self.path,
                        hint="keep it as an alias of one person only",
                    )
                owner[key] = person.handle
                self._index[key] = person

    def lookup(self, name: str) -> Person | None:
        """The registered person known by ``name`` (handle, display name, alias, GitHub login)."""
        return self._index.get(normalise(name))

    def person(self, name: str) -> Person:
        """The person behind a credited name: registered, or a stand-in of their own (named by
        the credited name, consent not given)."""
        found = self._cache.get(name)
        if found is None:
            found = self.lookup(name)
            if found is None:
                handle = " ".join(name.split("<", 1)[0].split()) or name
                found = Person(handle=handle, name_en=handle, registered=False)
            self._cache[name] = found
        return found

    def by_handle(self, handle: str) -> Person | None:
        return next((p for p in self.people if p.handle == handle), None)


def registry_path(project: Project) -> Path:
    return project.root / project.config.credits.people


def load_people(project: Project) -> People:
    """The project's registry (empty when the file does not exist)."""
    return read_people(registry_path(project))


def read_people(path: Path) -> People:
    """Read a registry file; every mistake is an error naming the file and the person."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return People([], path)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PeopleError(f"not valid TOML ({exc})", path=path) from exc
    unknown = set(raw) - {"person"}
    if unknown:
        raise PeopleError(
            f"unknown key {sorted(unknown)[0]!r}",
            path=path,
            hint="the registry holds [[person]] tables only",
        )
    entries = raw.get("person", [])
    if not isinstance(entries, list):
        raise PeopleError("person must be [[person]] tables", path=path)
    people = [_person(item, number, path) for number, item in enumerate(entries, 1)]
    handles = [p.handle for p in people]
    for handle in handles:
        if handles.count(handle) > 1:
            raise PeopleError(f"handle {handle!r} is used twice", path=path, hint="merge them")
    return People(people, path)


def _person(item: Any, number: int, path: Path) -> Person:
    where = f"person {number}"
    if not isinstance(item, dict):
        raise PeopleError(f"{where} is not a table", path=path)
    handle = item.get("handle")
    if not isinstance(handle, str) or not _HANDLE.fullmatch(handle):
        raise PeopleError(
            f"{where} needs a handle of letters, digits, '.', '_' or '-'",
            path=path,
            hint='e.g. handle = "wangwu"',
        )
    where = f"person {handle!r}"
    extra = set(item) - _KEYS
    if extra:
        raise PeopleError(
            f"{where}: unknown key {sorted(extra)[0]!r}",
            path=path,
            hint=f"allowed keys: {', '.join(sorted(_KEYS))}",
        )
    text: dict[str, str | None] = {}
    for key in ("name_zh", "name_en", "github", "linkedin_urn", "mastodon", "bluesky"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise PeopleError(f"{where}: {key} must be a string", path=path)
        text[key] = value or None
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise PeopleError(f"{where}: aliases must be a list of strings", path=path)
    consent = item.get("consent", False)
    if not isinstance(consent, bool):
        raise PeopleError(f"{where}: consent must be true or false", path=path)
    urn = text["linkedin_urn"]
    if urn is not None and not urn.startswith(("urn:li:person:", "urn:li:member:")):
        raise PeopleError(f"{where}: linkedin_urn must look like urn:li:person:…", path=path)
    grants = []
    for g in item.get("granted", []):
        if (
            not isinstance(g, dict)
            or not isinstance(g.get("tier"), str)
            or not isinstance(g.get("on"), date)
        ):
            raise PeopleError(
                f"{where}: each granted tier needs tier and on",
                path=path,
                hint='e.g. granted = [{ tier = "reviewer", on = 2025-09-01, by = "li" }]',
            )
        grants.append(Grant(g["tier"], g["on"], str(g.get("by", ""))))
    return Person(
        handle=handle,
        name_zh=text["name_zh"] or "",
        name_en=text["name_en"] or "",
        aliases=tuple(aliases),
        github=text["github"],
        linkedin_urn=urn,
        mastodon=text["mastodon"],
        bluesky=text["bluesky"],
        consent=consent,
        granted=tuple(grants),
    )


def grant_tier(project: Project, name: str, tier: str, on: date, by: str) -> Person:
    """Record in the registry that ``name`` was given ``tier``; adds the person when missing
    (consent not given). Comments and layout of the file are kept. Returns the person."""
    import tomlkit

    tiers = project.config.ladder.tiers
    if tier not in project.config.ladder.granted:
        raise PeopleError(
            f"{tier!r} is not a tier that is granted",
            hint=f"granted tiers: {', '.join(project.config.ladder.granted)} "
            f"(the ladder: {', '.join(tiers)})",
        )
    path = registry_path(project)
    people = read_people(path)
    found = people.lookup(name)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    doc = tomlkit.parse(text)
    table = doc.setdefault("person", tomlkit.aot())
    if found is None:
        handle = re.sub(r"[^A-Za-z0-9._-]+", "-", normalise(name)).strip("-.") or "person"
        item = tomlkit.table()
        item["handle"] = handle
        item["name_en"] = " ".join(name.split("<", 1)[0].split())
        item["consent"] = False
        table.append(item)
    else:
        handle = found.handle
        item = next(t for t in table if t.get("handle") == handle)
        if tier in found.granted_tiers():
            raise PeopleError(f"{handle} already holds the tier {tier!r}", path=path)
    grants = item.setdefault("granted", tomlkit.array())
    entry = tomlkit.inline_table()
    entry.update({"tier": tier, "on": on, "by": by})
    grants.append(entry)
    write_atomic(path, tomlkit.dumps(doc))
    person = read_people(path).by_handle(handle)
    assert person is not None
    return person
