"""The translator ladder: tiers from ``[ladder]``, where each person stands, who moved up.

Earned tiers are reached by accepted translations (defaults: junior translator from the first,
translator at 10); granted tiers (reviewer, expert) are given by maintainers and recorded in the
people registry — their threshold only says when someone may be proposed for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from transpub.config import LadderSettings
from transpub.credits.people import People, Person
from transpub.credits.tally import PersonTally, Tally


@dataclass(frozen=True)
class Tier:
    id: str
    name_en: str
    name_zh: str
    accepted: int  # accepted translations needed (granted tiers: to be proposed)
    granted: bool

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en


def tiers(settings: LadderSettings) -> list[Tier]:
    """The ladder, lowest tier first."""
    return [
        Tier(t, en, zh, n, t in settings.granted)
        for t, en, zh, n in zip(
            settings.tiers, settings.names_en, settings.names_zh, settings.accepted, strict=True
        )
    ]


@dataclass(frozen=True)
class Standing:
    """Where one person stands at the end of a period, and where they stood at its start."""

    handle: str
    tier: Tier | None  # None: not on the ladder (nothing translated, nothing granted)
    before: Tier | None  # at the start of the period
    rank: int  # index of `tier` in the ladder, -1 for none
    rank_before: int
    accepted: int  # accepted translations up to the end of the period
    next: Tier | None
    needed: int  # accepted translations still needed for `next` (0: may be proposed)
    close: bool  # within `close` of the next tier's threshold, not there yet

    @property
    def promoted(self) -> bool:
        """Reached a higher tier during the period."""
        return self.rank > self.rank_before

    @property
    def progress(self) -> float:
        """Share of the next tier's threshold reached (1.0 at the top)."""
        if self.next is None or self.next.accepted == 0:
            return 1.0
        return min(1.0, self.accepted / self.next.accepted)


def _rank(ladder: list[Tier], accepted: int, translated: bool, granted: list[str]) -> int:
    """The highest tier reached: earned by accepted translations (a threshold of 0 by the first
    credited translation), or granted."""
    best = -1
    for index, tier in enumerate(ladder):
        if tier.granted:
            reached = tier.id in granted
        else:
            reached = accepted >= tier.accepted and (tier.accepted > 0 or translated)
        if reached:
            best = index
    return best


def standing(
    person: Person,
    counts: PersonTally,
    ladder: list[Tier],
    close: float,
    start: date | None,
    end: date | None,
) -> Standing:
    """One person's standing for a period that runs ``[start, end)``."""
    accepted = counts.accepted_total
    first = counts.first_translation
    rank = _rank(ladder, accepted, first is not None, person.granted_tiers(end))
    if start is None:
        rank_before = -1
    else:
        translated_before = first is not None and first < start.isoformat()
        granted = person.granted_tiers(start)
        rank_before = _rank(ladder, counts.accepted_before, translated_before, granted)
    nxt = ladder[rank + 1] if rank + 1 < len(ladder) else None
    needed = max(0, nxt.accepted - accepted) if nxt is not None else 0
    near = nxt is not None and needed > 0 and accepted >= close * nxt.accepted
    return Standing(
        person.handle,
        ladder[rank] if rank >= 0 else None,
        ladder[rank_before] if rank_before >= 0 else None,
        rank,
        rank_before,
        accepted,
        nxt,
        needed,
        near,
    )


def standings(tally: Tally, people: People, settings: LadderSettings) -> list[Standing]:
    """Everyone tallied who is on the ladder, highest tier and most accepted first."""
    ladder = tiers(settings)
    out = []
    for counts in tally.people.values():
        person = people.by_handle(counts.handle) or people.person(counts.handle)
        s = standing(person, counts, ladder, settings.close, tally.period.start, tally.period.end)
        if s.tier is not None or counts.score:
            out.append(s)
    return sorted(out, key=lambda s: (-s.rank, -s.accepted, s.handle))
