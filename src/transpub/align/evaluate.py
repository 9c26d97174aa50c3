"""Scoring an alignment against a hand-checked sample (``tests/data/align/*.jsonl``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from transpub.align.core import AlignedPair

Key = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class GoldPair:
    """One checked pair: the Chinese and English units' texts, in the file ``file``."""

    file: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


def read_gold(path: str | Path) -> list[GoldPair]:
    """The pairs of a JSON-lines sample (``file``, ``zh``, ``en`` lists of unit texts)."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(GoldPair(row["file"], tuple(row["zh"]), tuple(row["en"])))
    return pairs


@dataclass(frozen=True)
class Score:
    """Pairs proposed in the sample's region, how many of them are right, how many exist."""

    proposed: int
    correct: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def score(beads: Iterable[AlignedPair], gold: list[GoldPair], threshold: float = 0.0) -> Score:
    """Precision and recall of one file's pairs against its gold pairs. Only pairs whose Chinese
    side lies in the sample's region (Chinese units the sample covers) count; pairs below
    ``threshold`` confidence are not proposed."""
    covered = {text for g in gold for text in g.zh}
    truth: Counter[Key] = Counter((g.zh, g.en) for g in gold)
    proposed: Counter[Key] = Counter(
        (tuple(u.msgid for u in b.zh), tuple(u.msgid for u in b.en))
        for b in beads
        if b.zh and b.en and b.confidence >= threshold and any(u.msgid in covered for u in b.zh)
    )
    correct = sum((proposed & truth).values())
    return Score(sum(proposed.values()), correct, sum(truth.values()))
