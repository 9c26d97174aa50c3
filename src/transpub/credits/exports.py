"""Recognition for other places: the all-contributors file, the site's contributors page, and a
certificate card to share.

Only people who consented to be named appear by name; the others are counted as volunteers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from transpub.credits.ladder import Standing
from transpub.credits.people import People, Person, normalise
from transpub.credits.report import Recognition, Row
from transpub.credits.tally import Role
from transpub.errors import TranspubError
from transpub.textfile import write_atomic

ALL_CONTRIBUTORS = ".all-contributorsrc"


class ExportError(TranspubError):
    """A recognition export cannot be made."""


# --- all-contributors -----------------------------------------------------------------------


def contribution_types(row: Row) -> list[str]:
    """The all-contributors types earned: ``translation`` and ``review``."""
    types = []
    if row.counts.roles[Role.TRANSLATOR].entries or row.counts.accepted_total:
        types.append("translation")
    granted = {"reviewer", "expert"} & set(row.person.granted_tiers())
    if row.counts.roles[Role.REVIEWER].entries or granted:
        types.append("review")
    return types


def all_contributors(rec: Recognition, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``.all-contributorsrc`` content: ``existing`` (kept as it is: other contributors,
    other types, settings) with every consenting contributor who has a GitHub login added or
    given the ``translation`` / ``review`` types they earned."""
    data: dict[str, Any] = dict(existing or {})
    data.setdefault("projectName", rec.project)
    data.setdefault("files", ["README.md"])
    data.setdefault("imageSize", 100)
    data.setdefault("commit", False)
    data.setdefault("contributorsPerLine", 7)
    data.setdefault("contributorsSortAlphabetically", False)
    people: list[dict[str, Any]] = [dict(c) for c in data.get("contributors", [])]
    index = {str(c.get("login", "")).casefold(): c for c in people}
    for row in rec.rows:
        person = row.person
        types = contribution_types(row)
        if not person.consent or not person.github or not types:
            continue
        entry = index.get(person.github.casefold())
        if entry is None:
            entry = {
                "login": person.github,
                "name": person.display("en"),
                "avatar_url": f"https://avatars.githubusercontent.com/{person.github}?v=4",
                "profile": f"https://github.com/{person.github}",
                "contributions": [],
            }
            people.append(entry)
            index[person.github.casefold()] = entry
        have = list(entry.get("contributions", []))
        entry["contributions"] = have + [t for t in types if t not in have]
    data["contributors"] = people
    return data


def write_all_contributors(rec: Recognition, path: Path) -> dict[str, Any]:
    """Update (or create) an ``.all-contributorsrc`` file atomically; returns its content."""
    existing = None
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ExportError(
                f"not valid JSON ({exc})", path=path, hint="fix or remove the file"
            ) from exc
        if not isinstance(existing, dict):
            raise ExportError("not an all-contributors file (no JSON object)", path=path)
    data = all_contributors(rec, existing)
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return data


# --- the contributors page ------------------------------------------------------------------

_PAGE = {
    "en": {
        "title": "Translators and reviewers",
        "intro": "The volunteers who translate and review {project}. Thank you!",
        "volunteers": "and {n} more volunteers who prefer not to be named.",
        "volunteers_one": "and 1 more volunteer who prefers not to be named.",
        "accepted": "{n} accepted translations",
        "accepted_one": "1 accepted translation",
        "reviewed": "{n} entries reviewed",
        "reviewed_one": "1 entry reviewed",
    },
    "zh": {
        "title": "译者与审校",
        "intro": "感谢为{project}翻译和审校的志愿者！",
        "volunteers": "以及 {n} 位不愿具名的志愿者。",
        "accepted": "{n} 条译文被采纳",
        "reviewed": "审校 {n} 条",
    },
}


def contributors_page(rec: Recognition) -> dict[str, str]:
    """The site's contributors page in Chinese and English (``{"zh": …, "en": …}``): Markdown
    with front matter, people grouped by tier (highest first), with their profile links.

    Give it the recognition of period ``all``. Placing the pages through a site layout is the
    publishing side's job.
    """
    import frontmatter

    placed = {s.handle: s for s in rec.standings}
    pages = {}
    for lang, words in _PAGE.items():
        lines = [words["intro"].format(project=rec.project), ""]
        hidden = 0
        for tier in reversed(rec.ladder):
            members = [
                (row, placed[row.person.handle])
                for row in _everyone(rec)
                if row.person.handle in placed
                and (s := placed[row.person.handle]).tier is not None
                and s.tier.id == tier.id
            ]
            named = [(row, s) for row, s in members if row.person.consent]
            hidden += len(members) - len(named)
            if not named:
                continue
            lines += [f"## {tier.name(lang)}", ""]
            lines += [_page_line(row.person, row, s, lang) for row, s in named]
            lines.append("")
        if hidden:
            lines += [_say(words, "volunteers", hidden), ""]
        post = frontmatter.Post(
            "\n".join(lines).rstrip() + "\n",
            title=words["title"],
            lang=lang,
            generated_by="transpub credits page",
        )
        pages[lang] = frontmatter.dumps(post, sort_keys=False, allow_unicode=True) + "\n"
    return pages


def _everyone(rec: Recognition) -> list[Row]:
    """Rows for everyone tallied (not only those active in the period), best first."""
    seen = {r.person.handle for r in rec.rows}
    rows = list(rec.rows)
    for counts in rec.tally.people.values():
        if counts.handle not in seen:
            person = rec.people.by_handle(counts.handle) or rec.people.person(counts.handle)
            rows.append(Row(person, counts, None, rec.names.get(counts.handle, "")))
    return sorted(rows, key=lambda r: (-r.counts.accepted_total, r.person.handle))


def _say(words: dict[str, str], key: str, n: int) -> str:
    """The phrase ``key`` for ``n`` (a language's ``<key>_one`` form for 1, when it has one)."""
    return words.get(f"{key}_one" if n == 1 else key, words[key]).format(n=n)


def _page_line(person: Person, row: Row, standing: Standing, lang: str) -> str:
    words = _PAGE[lang]
    name = person.display(lang)
    links = person.links
    if "github" in links:
        name = f"[{name}]({links['github']})"
    facts = []
    if standing.accepted:
        facts.append(_say(words, "accepted", standing.accepted))
    reviewed = row.counts.roles[Role.REVIEWER].entries
    if reviewed:
        facts.append(_say(words, "reviewed", reviewed))
    extra = [f"[{k.capitalize()}]({v})" for k, v in links.items() if k in ("mastodon", "bluesky")]
    tail = ("，" if lang == "zh" else ", ").join(facts + extra)
    return f"- {name}" + (f" — {tail}" if tail else "")


# --- the certificate ------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    person: Person
    tier: str  # English name
    tier_zh: str
    accepted: int
    words: int
    period: str
    issued: date


def certificate_for(
    rec: Recognition, name: str, issued: date, credited: Iterable[str] = ()
) -> Certificate:
    """The certificate of the person known as ``name`` for the report's period; refused for
    a name no one is known by (registered, or ``credited`` in any period: the closest names are
    offered), for someone who did not consent to be named or is not on the ladder."""
    known = rec.people.lookup(name)
    person = known or rec.people.person(name)
    named = {rec.people.person(n).handle for n in credited} | set(rec.tally.people)
    if known is None and person.handle not in named:
        # A credited name as typed differently: case, spaces, an e-mail address (README).
        same = sorted(h for h in named if normalise(h) == normalise(name))
        if same:
            person = rec.people.person(same[0])
    if known is None and person.handle not in named:
        registry = rec.people.path
        raise ExportError(
            f"no contributor is called {name!r}",
            path=registry if registry is not None and registry.is_file() else None,
            hint=_closest(name, rec.people, named),
        )
    if not person.consent:
        where = rec.people.path.name if rec.people.path is not None else "contributors.toml"
        raise ExportError(
            f"{person.handle} has not agreed to be named",
            path=rec.people.path,
            hint="set consent = true for them in the people registry first"
            if person.registered
            else f"add them to {where} with their consent:\n[[person]]\n"
            f"handle = {_toml_string(person.handle)}\nconsent = true",
        )
    standing = next((s for s in rec.standings if s.handle == person.handle), None)
    if standing is None or standing.tier is None:
        raise ExportError(
            f"{person.handle} has no tier on the ladder in {rec.period.label}",
            hint="certificates honour a tier: see `transpub credits` for who holds one",
        )
    counts = rec.tally.people[person.handle]
    return Certificate(
        person,
        standing.tier.name_en,
        standing.tier.name_zh,
        standing.accepted,
        counts.roles[Role.TRANSLATOR].words,
        rec.period.label,
        issued,
    )


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)


#: How alike a known name must be to ``name`` to be offered (difflib's ratio, 0-1, case ignored).
CLOSE_ENOUGH = 0.6


def _closest(name: str, people: People, credited: set[str]) -> str:
    """A hint naming the known names close to ``name`` (handles, names, aliases; at most 3 with
    a difflib ratio of ``CLOSE_ENOUGH`` or more, case ignored), else where to see who is known."""
    from difflib import get_close_matches

    names = set(credited)
    for p in people.people:
        names.update(n for n in (p.handle, p.name_en, p.name_zh, *p.aliases) if n)
    if not names:
        return "no one is credited yet: see `transpub credits`"
    by_key: dict[str, str] = {}
    for known in sorted(names):
        by_key.setdefault(known.casefold(), known)
    close = get_close_matches(name.casefold(), list(by_key), n=3, cutoff=CLOSE_ENOUGH)
    if not close:
        return "no known name is close to it: see `transpub credits` for who is credited"
    return "the closest names: " + ", ".join(repr(by_key[k]) for k in close)


def certificate_png(cert: Certificate, project: str) -> bytes:
    """A 1200×675 share card (PNG) honouring the person's tier, in Chinese and English."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    from transpub.credits.charts import style

    with style():
        fig = Figure(figsize=(12, 6.75), dpi=100)
        fig.patch.set_facecolor("#fffaf0")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        for inset, colour, width in ((0.02, "#b7791f", 4), (0.035, "#d69e2e", 1.5)):
            ax.add_patch(
                FancyBboxPatch(
                    (inset, inset * 1.6),
                    1 - 2 * inset,
                    1 - 3.2 * inset,
                    boxstyle="round,pad=0,rounding_size=0.02",
                    fill=False,
                    edgecolor=colour,
                    linewidth=width,
                )
            )
        text = ax.text
        text(0.5, 0.86, project, ha="center", fontsize=18, color="#744210")
        text(0.5, 0.74, "荣誉证书 · Certificate of Recognition", ha="center", fontsize=26)
        person = cert.person
        names = person.name_zh if person.name_zh and person.name_en else ""
        text(0.5, 0.58, person.display("en"), ha="center", fontsize=40, color="#1a202c")
        if names:
            text(0.5, 0.49, names, ha="center", fontsize=24, color="#2d3748")
        text(
            0.5,
            0.36,
            f"{cert.tier_zh} · {cert.tier}",
            ha="center",
            fontsize=28,
            color="#2b6cb0",
        )
        text(
            0.5,
            0.25,
            f"{cert.accepted} accepted translations · {cert.words} English words ({cert.period})",
            ha="center",
            fontsize=16,
            color="#4a5568",
        )
        text(
            0.5,
            0.12,
            f"感谢您的贡献 · Thank you for translating with us — {cert.issued.isoformat()}",
            ha="center",
            fontsize=14,
            color="#718096",
        )
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()


def write_certificate(cert: Certificate, project: str, path: Path) -> Path:
    write_atomic(path, certificate_png(cert, project))
    return path
