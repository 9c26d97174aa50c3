"""Tallies of the credit records per person, role and period, counted fairly.

Roles: ``translator`` (translate and edit actions), ``reviewer`` (entries approved), ``editor``
(articles approved). Per person and role: entries, source characters (CJK counted per character,
whitespace left out), English words, articles; for translators also *accepted* translations.

Fair counting, per entry (one article's one source text):

- a *round* of an entry runs from one review to the next. Within a round each person is credited
  for the entry once, with the words of their last version of it: text they replaced or reverted
  within the round is not counted again. A second review with no edit since counts nothing.
- English words are capped at ``max(min_words, words_per_char × source characters)`` per entry
  (``[credits]`` settings): pasting filler into one entry earns no more than a long translation.
- a translation is *accepted* when a reviewer other than its translator approves it with at most
  ``accept_change`` % of it changed (edit distance, summed over the edits of the round). Someone
  who only touches up a text that is not theirs does not become its translator.

Records are attributed to people through the registry, so aliases merge into one person.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from transpub.config import CreditsSettings
from transpub.credits.contributions import Action, Contribution
from transpub.credits.people import People
from transpub.errors import TranspubError


class Role(StrEnum):
    TRANSLATOR = "translator"
    REVIEWER = "reviewer"
    EDITOR = "editor"


ROLES = (Role.TRANSLATOR, Role.REVIEWER, Role.EDITOR)


class PeriodError(TranspubError):
    """A period that cannot be understood."""


@dataclass(frozen=True)
class Period:
    """Days ``[start, end)``; None: open on that side (``all``)."""

    label: str
    start: date | None
    end: date | None

    @property
    def start_stamp(self) -> str:
        return self.start.isoformat() if self.start else ""

    @property
    def end_stamp(self) -> str:
        return self.end.isoformat() if self.end else "\uffff"

    def contains(self, at: str) -> bool:
        return self.start_stamp <= at < self.end_stamp

    def months(self, seen: Iterable[str]) -> list[str]:
        """Every month (``YYYY-MM``) of the period, from the first to the last of ``seen`` when
        the period is open on that side; [] when nothing was seen in an open period."""
        known = sorted(seen)
        first = self.start.isoformat()[:7] if self.start else (known[0] if known else None)
        last = (self.end - timedelta(days=1)).isoformat()[:7] if self.end else None
        if last is None:
            last = known[-1] if known else None
        if first is None or last is None:
            return []
        out, year, month = [], int(first[:4]), int(first[5:7])
        while f"{year:04d}-{month:02d}" <= last:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)


def parse_period(text: str) -> Period:
    """``2025``, ``2025-Q3``, ``2025-09``, ``2025-07-01..2025-09-30`` (both days included) or
    ``all``."""
    value = text.strip()
    try:
        if value == "all":
            return Period("all", None, None)
        if m := _YEAR.fullmatch(value):
            y = int(m[1])
            return Period(value, date(y, 1, 1), date(y + 1, 1, 1))
        if m := _QUARTER.fullmatch(value):
            y, q = int(m[1]), int(m[2])
            return Period(f"{y}-Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := _MONTH.fullmatch(value):
            y, mo = int(m[1]), int(m[2])
            return Period(value, date(y, mo, 1), _month_end(y, mo))
        if m := _RANGE.fullmatch(value):
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if b < a:
                raise ValueError("the range ends before it starts")
            return Period(value, a, b + timedelta(days=1))
    except ValueError as exc:
        raise PeriodError(f"{value!r} is not a period ({exc})", hint=_PERIOD_HINT) from exc
    raise PeriodError(f"{value!r} is not a period", hint=_PERIOD_HINT)


_PERIOD_HINT = "use 2025, 2025-Q3, 2025-09, 2025-07-01..2025-09-30 or all"


def previous_month(today: date) -> Period:
    """The last complete month before ``today``."""
    first = today.replace(day=1) - timedelta(days=1)
    return parse_period(first.strftime("%Y-%m"))


@dataclass
class Counts:
    """What one person did in one role."""

    entries: int = 0
    source_chars: int = 0
    words: int = 0
    articles: int = 0
    accepted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "source_chars": self.source_chars,
            "words": self.words,
            "articles": self.articles,
            "accepted": self.accepted,
        }


@dataclass
class PersonTally:
    """One person's counts by role in the period, and accepted translations ever."""

    handle: str
    roles: dict[Role, Counts] = field(default_factory=lambda: {r: Counts() for r in ROLES})
    accepted_before: int = 0  # accepted translations before the period
    accepted_total: int = 0  # … up to the end of the period
    first_translation: str | None = None  # when they were first credited as a translator

    @property
    def score(self) -> int:
        """Entries over all roles: the order of "top contributors"."""
        return sum(c.entries for c in self.roles.values())


@dataclass
class Tally:
    """The tally of one period: per person, and per month and role (for charts)."""

    period: Period
    people: dict[str, PersonTally]
    #: month → role → entries credited, for every month up to the end of the period
    monthly: dict[str, dict[Role, int]]
    records: int = 0  # records read

    def ranked(self) -> list[PersonTally]:
        """People with anything in the period, most entries first."""
        active = [p for p in self.people.values() if p.score or p.roles[Role.EDITOR].articles]
        return sorted(active, key=lambda p: (-p.score, p.handle))


@dataclass
class _Round:
    """One entry between two reviews."""

    author: str | None = None  # whose text the entry holds now (for acceptance)
    drift: int = 0  # % of the author's text changed by others since
    credited: dict[str, int] = field(default_factory=dict)  # person → words credited this round
    edited: bool = False  # any translate/edit since the last review
    reviewed: bool = False  # the entry was reviewed before this round


def cap_words(words: int, source_chars: int, settings: CreditsSettings) -> int:
    """English words credited for an entry of ``source_chars`` characters."""
    limit = max(settings.min_words, math.ceil(settings.words_per_char * source_chars))
    return min(words, limit)


def tally(
    records: Iterable[Contribution],
    people: People,
    period: Period,
    settings: CreditsSettings,
) -> Tally:
    """Count the records (oldest first) for ``period``; records after it are not read."""
    end = period.end_stamp
    start = period.start_stamp
    rounds: dict[tuple[str, str], _Round] = {}
    out: dict[str, PersonTally] = {}
    monthly: dict[str, dict[Role, int]] = {}
    # (handle, role) → articles seen in the period
    articles: dict[tuple[str, Role], set[str]] = {}
    handles: dict[str, str] = {}
    accepted: set[tuple[tuple[str, str], str]] = set()  # (entry, translator): counted once
    threshold = settings.accept_change
    read = 0

    def who(user: str) -> PersonTally:
        handle = handles.get(user)
        if handle is None:
            handle = handles[user] = people.person(user).handle
        found = out.get(handle)
        if found is None:
            found = out[handle] = PersonTally(handle)
        return found

    def month_add(at: str, role: Role) -> None:
        row = monthly.get(at[:7])
        if row is None:
            row = monthly[at[:7]] = {r: 0 for r in ROLES}
        row[role] += 1

    for r in records:
        at = r.at
        if at >= end:
            continue
        read += 1
        inside = at >= start
        person = who(r.user)
        action = r.action
        if action is Action.APPROVE_ARTICLE:
            if not inside:
                month_add(at, Role.EDITOR)
            else:
                c = person.roles[Role.EDITOR]
                seen = articles.setdefault((person.handle, Role.EDITOR), set())
                if r.article not in seen:
                    seen.add(r.article)
                    c.articles += 1
                    c.entries += 1
                    c.source_chars += r.source_chars
                    c.words += min(
                        r.english_words, math.ceil(settings.words_per_char * r.source_chars)
                    )
                    month_add(at, Role.EDITOR)
            continue
        key = (r.article, r.entry or "")
        rnd = rounds.get(key)
        if rnd is None:
            rnd = rounds[key] = _Round()
        if action is Action.REVIEW:
            author = rnd.author
            if (
                author is not None
                and author != person.handle
                and rnd.drift <= threshold
                and (key, author) not in accepted
            ):
                accepted.add((key, author))
                translator = out[author]
                if inside:
                    translator.roles[Role.TRANSLATOR].accepted += 1
                else:
                    translator.accepted_before += 1
            fresh = rnd.edited or not rnd.reviewed
            if fresh and not inside:
                month_add(at, Role.REVIEWER)
            elif fresh:
                c = person.roles[Role.REVIEWER]
                c.entries += 1
                c.source_chars += r.source_chars
                c.words += cap_words(r.english_words, r.source_chars, settings)
                _add_article(articles, person, Role.REVIEWER, r.article, c)
                month_add(at, Role.REVIEWER)
            rounds[key] = _Round(author=author, reviewed=True)
            continue
        # translate or edit
        rnd.edited = True
        if person.first_translation is None:
            person.first_translation = at
        change = r.change
        handle = person.handle
        if action is Action.TRANSLATE or rnd.author is None or change is None:
            rnd.author, rnd.drift = handle, 0
        elif handle != rnd.author:
            rnd.drift += change
            if rnd.drift > threshold:
                rnd.author, rnd.drift = handle, 0
        if not inside:
            if handle not in rnd.credited:
                month_add(at, Role.TRANSLATOR)
            rnd.credited[handle] = -1  # credited before the period: not again in it
            continue
        words = cap_words(r.english_words, r.source_chars, settings)
        c = person.roles[Role.TRANSLATOR]
        before = rnd.credited.get(handle)
        if before is None:
            c.entries += 1
            c.source_chars += r.source_chars
            c.words += words
            _add_article(articles, person, Role.TRANSLATOR, r.article, c)
            month_add(at, Role.TRANSLATOR)
        elif before >= 0:
            c.words += words - before  # their last version of the entry counts, once
        else:
            continue
        rnd.credited[handle] = words
    for p in out.values():
        p.accepted_total = p.accepted_before + p.roles[Role.TRANSLATOR].accepted
    return Tally(period, out, dict(sorted(monthly.items())), read)


def _add_article(
    articles: dict[tuple[str, Role], set[str]],
    person: PersonTally,
    role: Role,
    article: str,
    counts: Counts,
) -> None:
    seen = articles.setdefault((person.handle, role), set())
    if article not in seen:
        seen.add(article)
        counts.articles += 1
