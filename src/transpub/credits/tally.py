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


class _Who:
    """The running counts of one person (plain attributes: the loop below is hot)."""

    __slots__ = ("e", "e_articles", "handle", "r", "r_articles", "t", "t_articles", "tally")

    def __init__(self, tally: PersonTally) -> None:
        self.handle = tally.handle
        self.tally = tally
        self.t = tally.roles[Role.TRANSLATOR]
        self.r = tally.roles[Role.REVIEWER]
        self.e = tally.roles[Role.EDITOR]
        self.t_articles: set[str] = set()
        self.r_articles: set[str] = set()
        self.e_articles: set[str] = set()


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
    monthly: dict[str, list[int]] = {}  # month → [translator, reviewer, editor]
    users: dict[str, _Who] = {}
    by_handle: dict[str, _Who] = {}
    accepted: set[tuple[tuple[str, str], str]] = set()  # (entry, translator): counted once
    threshold = settings.accept_change
    per_char, floor = settings.words_per_char, settings.min_words
    translate, review, approve = Action.TRANSLATE, Action.REVIEW, Action.APPROVE_ARTICLE
    ceil = math.ceil
    read = 0

    for r in records:
        at = r.at
        if at >= end:
            continue
        read += 1
        inside = at >= start
        who = users.get(r.user)
        if who is None:
            handle = people.person(r.user).handle
            who = by_handle.get(handle)
            if who is None:
                out[handle] = PersonTally(handle)
                who = by_handle[handle] = _Who(out[handle])
            users[r.user] = who
        month = monthly.get(at[:7])
        if month is None:
            month = monthly[at[:7]] = [0, 0, 0]
        action = r.action
        sc = r.source_chars
        if action is approve:
            if not inside:
                month[2] += 1
            elif r.article not in who.e_articles:
                who.e_articles.add(r.article)
                c = who.e
                c.articles += 1
                c.entries += 1
                c.source_chars += sc
                c.words += min(r.english_words, ceil(per_char * sc))
                month[2] += 1
            continue
        key = (r.article, r.entry or "")
        rnd = rounds.get(key)
        if rnd is None:
            rnd = rounds[key] = _Round()
        if action is review:
            author = rnd.author
            if (
                author is not None
                and author != who.handle
                and rnd.drift <= threshold
                and (key, author) not in accepted
            ):
                accepted.add((key, author))
                translator = by_handle[author]
                if inside:
                    translator.t.accepted += 1
                else:
                    translator.tally.accepted_before += 1
            if rnd.edited or not rnd.reviewed:
                month[1] += 1
                if inside:
                    c = who.r
                    c.entries += 1
                    c.source_chars += sc
                    limit = ceil(per_char * sc)
                    c.words += min(r.english_words, limit if limit > floor else floor)
                    if r.article not in who.r_articles:
                        who.r_articles.add(r.article)
                        c.articles += 1
            rounds[key] = _Round(author=author, reviewed=True)
            continue
        # translate or edit
        rnd.edited = True
        handle = who.handle
        if who.tally.first_translation is None:
            who.tally.first_translation = at
        change = r.change
        if action is translate or rnd.author is None or change is None:
            rnd.author, rnd.drift = handle, 0
        elif handle != rnd.author:
            rnd.drift += change
            if rnd.drift > threshold:
                rnd.author, rnd.drift = handle, 0
        before = rnd.credited.get(handle)
        if not inside:
            if before is None:
                month[0] += 1
            rnd.credited[handle] = -1  # credited before the period: not again in it
            continue
        limit = ceil(per_char * sc)
        words = min(r.english_words, limit if limit > floor else floor)
        c = who.t
        if before is None:
            c.entries += 1
            c.source_chars += sc
            c.words += words
            if r.article not in who.t_articles:
                who.t_articles.add(r.article)
                c.articles += 1
            month[0] += 1
        elif before >= 0:
            c.words += words - before  # their last version of the entry counts, once
        else:
            continue
        rnd.credited[handle] = words
    for p in out.values():
        p.accepted_total = p.accepted_before + p.roles[Role.TRANSLATOR].accepted
    ordered = {m: dict(zip(ROLES, v, strict=True)) for m, v in sorted(monthly.items())}
    return Tally(period, out, ordered, read)
