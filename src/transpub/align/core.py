"""Aligning the units of a Chinese document with those of its published English translation.

Structure first: front-matter keys and headings are aligned as the skeleton of both documents
(by level, anchors, position and length), which cuts them into section pairs. Inside each section
the remaining units (paragraphs, list items, tables as wholes, HTML captions, unmatched headings)
are aligned by dynamic programming over Gale–Church length costs (``nltk.translate.gale_church``)
combined with anchor agreement (numbers, URLs, code, Latin names), with 1–1, 1–0, 0–1, 2–1, 1–2,
1–3, 3–1, 1–4 and 4–1 beads where a translator merged, split, dropped or added paragraphs. Tables
are aligned row by row, rows matched by their anchors, so reordered rows still pair up.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transpub.align.features import Item, items_of, names_of, scale_lengths
from transpub.markdown.units import Unit

#: Prior probabilities of bead shapes (Gale & Church 1993, with 1–3, 3–1, 1–4 and 4–1 added for list
#: items a translator split or merged).
PRIORS: dict[tuple[int, int], float] = {
    (1, 0): 0.0099,
    (0, 1): 0.0099,
    (1, 1): 0.89,
    (2, 1): 0.089,
    (1, 2): 0.089,
    (3, 1): 0.02,
    (1, 3): 0.02,
    (4, 1): 0.005,
    (1, 4): 0.005,
}
_SKIP_ONLY = ((1, 1), (1, 0), (0, 1))
#: Weight of anchor agreement against the length cost (both in nats).
ANCHOR_WEIGHT = 12.0
#: Cost per unit of relative position difference between two skeleton units (headings).
POSITION_WEIGHT = 12.0
#: Beyond this, a length mismatch only says "bad": anchors and structure decide (a translator
#: may condense a paragraph of quoted English to a third).
MAX_LENGTH_COST = 12.0
#: Cost of leaving a unit unpaired, on top of its prior. Gale–Church price a skipped unit by its
#: length, which makes a long dropped paragraph cheaper to merge into its neighbour than to drop.
SKIP_COST = 2.5
#: Cost of a merge or split that mixes block quotes with other units (an English "Translator: …"
#: note beside a paragraph is an added unit, not half of a split); an eighth of it for a list item
#: whose English continues in a paragraph.
MIXED_COST = 8.0
#: Cost per level of list nesting between two paired list items.
DEPTH_COST = 2.5
#: What is left of a pair's doubt (1 - confidence) when its neighbours are steady 1–1 pairs.
CONTEXT_SHARE = 0.5
#: How many Chinese characters the document-wide length ratio weighs in a section's own ratio.
LOCAL_PRIOR_CHARS = 300.0
#: Gale & Church's variance per character (6.8) is for sentences; paragraphs vary more.
VARIANCE_PER_CHAR = 6.8 * 2


@dataclass(frozen=True)
class AlignedPair:
    """One bead: Chinese units and the English units that translate them (either may be empty).

    ``confidence`` (0–1) estimates that the pairing is right; beads with one side empty (a
    dropped or added unit) have confidence 0.
    """

    zh: tuple[Unit, ...]
    en: tuple[Unit, ...]
    confidence: float

    @property
    def shape(self) -> str:
        return f"{len(self.zh)}-{len(self.en)}"

    @property
    def source(self) -> str:
        return "\n\n".join(u.msgid for u in self.zh)

    @property
    def target(self) -> str:
        """The English text for the Chinese side, split units joined as one paragraph."""
        return " ".join(" ".join(u.msgid.split("\n")).strip() for u in self.en)


class _Params:
    """Gale–Church parameters in the shape ``nltk`` expects, estimated per document pair."""

    def __init__(self, ratio: float, variance: float) -> None:
        self.AVERAGE_CHARACTERS = ratio
        self.VARIANCE_CHARACTERS = variance
        self.PRIORS = PRIORS


def estimate_params(zh: list[Item], en: list[Item]) -> _Params:
    """English characters per Chinese character over the whole pair (Chinese lengths rescaled,
    see :func:`scale_lengths`), and a variance scaled to it (Gale & Church's 6.8 per character
    of the shorter language)."""
    ratio = scale_lengths(zh, en)
    return _Params(ratio, VARIANCE_PER_CHAR * ratio)


def _length_cost(lz: float, le: float, shape: tuple[int, int], params: _Params) -> float:
    """Gale–Church cost (negative log probability, nats) of a bead of ``shape`` with these summed
    lengths, from ``nltk``; capped so one absurd bead cannot hide the others."""
    from nltk.translate.gale_church import align_log_prob

    a, b = shape
    if not a or not b:  # a dropped or added unit: its length says nothing about a translation
        return SKIP_COST - math.log(PRIORS[shape])
    zs = [lz] + [0.0] * (a - 1) if a else []
    es = [le] + [0.0] * (b - 1) if b else []
    cost = float(align_log_prob(a, b, zs, es, shape, params))
    return MAX_LENGTH_COST if math.isnan(cost) or cost > MAX_LENGTH_COST else cost


def length_probability(lz: float, le: float, params: _Params) -> float:
    """Two-sided probability (0–1) of seeing lengths this far apart in a true translation."""
    c, s2 = params.AVERAGE_CHARACTERS, params.VARIANCE_CHARACTERS
    m = (lz + le / c) / 2
    delta = (lz * c - le) / math.sqrt(max(m, 1e-9) * s2)
    return math.erfc(abs(delta) / math.sqrt(2))


def anchor_agreement(za: Counter[str], ea: Counter[str]) -> tuple[float, float]:
    """(Dice agreement 0–1, strength 0–1) of two units' anchors, as sets (a translator who
    condenses keeps the names but not every repetition); strength 0 when none exist."""
    total = len(za) + len(ea)
    if not total:
        return 0.0, 0.0
    shared = len(za.keys() & ea.keys())
    return 2 * shared / total, min(1.0, total / 4)


def _kind_cost(zg: Sequence[str], eg: Sequence[str]) -> float | None:
    """Extra cost of pairing these groups; ``None`` when they cannot pair at all."""
    if not zg or not eg:
        return 0.0
    if len(zg) == 1 and len(eg) == 1:
        a, b = zg[0], eg[0]
        if a == b:
            return 0.0
        if a.startswith("fm:") or b.startswith("fm:"):
            return None
        if {a, b} <= {"cell", "header cell"}:
            return 0.5
        if a[0] == "h" and b[0] == "h" and a[1:].isdigit() and b[1:].isdigit():
            return 2.0 * abs(int(a[1:]) - int(b[1:]))
        if {a, b} == {"text", "html"}:
            return 2.0
        return None
    groups = set(zg) | set(eg)
    return 0.0 if groups == {"text"} else None


def _mixed_cost(z: Sequence[Item], e: Sequence[Item]) -> float:
    """A merge or split rarely mixes paragraphs with list items or block quotes, and a list item
    is translated at its own nesting depth (the first units of a bead are compared)."""
    if not z or not e:
        return 0.0
    cost = 0.0
    if z[0].unit.kind == e[0].unit.kind == "list item":
        cost += DEPTH_COST * min(2, abs(z[0].depth - e[0].depth))
    if len(z) + len(e) > 2:
        kinds = {i.unit.kind for i in (*z, *e)}
        if len(kinds) > 1:
            cost += MIXED_COST if "block quote" in kinds else MIXED_COST / 8
    return cost


def _pair_penalty(z: Sequence[Item], e: Sequence[Item]) -> tuple[float, float, float]:
    """(anchor cost, agreement, strength) of a bead. A Chinese unit that is mostly Latin text (a
    quoted English passage, a name) agrees as much as its text resembles the English."""
    if all(i.latin for i in z) and sum(i.length for i in z) >= 20:
        from rapidfuzz import fuzz

        english = " ".join(i.text for i in e)
        agreement = float(fuzz.ratio(" ".join(i.text for i in z), english)) / 100
        return ANCHOR_WEIGHT * (0.5 - agreement), agreement, 1.0
    za: Counter[str] = Counter()
    ea: Counter[str] = Counter()
    for i in z:
        za.update(i.anchors)
    for i in e:
        ea.update(i.anchors)
    agreement, strength = anchor_agreement(za, ea)
    return ANCHOR_WEIGHT * (0.5 - agreement) * strength, agreement, strength


def bead_cost(
    z: Sequence[Item], e: Sequence[Item], params: _Params, position: bool = False
) -> float | None:
    """The cost of pairing ``z`` with ``e`` (``None``: impossible); lower is better."""
    kind = _kind_cost([i.group for i in z], [i.group for i in e])
    if kind is None:
        return None
    lz = sum(i.length for i in z)
    le = sum(i.length for i in e)
    cost = kind + _mixed_cost(z, e) + _length_cost(lz, le, (len(z), len(e)), params)
    if z and e:
        cost += _pair_penalty(z, e)[0]
        if position:
            cost += POSITION_WEIGHT * abs(z[0].position - e[0].position)
    return cost


def confidence(z: Sequence[Item], e: Sequence[Item], params: _Params) -> float:
    """How sure the aligner is of a bead (0–1), from length fit, anchors and kinds."""
    if not z or not e:
        return 0.0
    kind = _kind_cost([i.group for i in z], [i.group for i in e])
    if kind is None:
        return 0.0
    p_len = length_probability(sum(i.length for i in z), sum(i.length for i in e), params)
    _, agreement, strength = _pair_penalty(z, e)
    structural = all(i.group != "text" for i in (*z, *e))
    neutral = 0.8 if structural else 0.6
    anchor_score = strength * agreement + (1 - strength) * neutral
    score = 0.5 * float(p_len**0.25) + 0.5 * anchor_score
    if kind:
        score *= 0.8
    if len(z) + len(e) > 2:
        score *= 0.9
    return round(max(0.0, min(1.0, score)), 3)


def _in_context(pairs: list[AlignedPair], k: int) -> AlignedPair:
    """A 1–1 pair of same-kind units between two such pairs sits in a run the alignment agrees
    on: half of its remaining doubt goes (a translator who condenses still keeps the order)."""

    def steady(i: int) -> bool:
        if not 0 <= i < len(pairs):
            return True  # the document's edge
        p = pairs[i]
        return len(p.zh) == len(p.en) == 1 and p.zh[0].kind == p.en[0].kind

    pair = pairs[k]
    if pair.confidence and steady(k) and steady(k - 1) and steady(k + 1):
        boosted = round(1 - (1 - pair.confidence) * CONTEXT_SHARE, 3)
        return AlignedPair(pair.zh, pair.en, boosted)
    return pair


Bead = tuple[tuple[int, ...], tuple[int, ...]]


def dp_align(
    n: int,
    m: int,
    cost: Callable[[int, int, int, int], float | None],
    shapes: Sequence[tuple[int, int]],
) -> list[Bead]:
    """Monotone alignment of ``n`` by ``m`` positions minimising the summed bead cost.

    ``cost(i, j, a, b)`` prices the bead that covers z[i:i+a] and e[j:j+b]. Long sequences are
    searched in a band around the diagonal (wide enough for the length difference).
    """
    inf = math.inf
    band = max(40, abs(n - m) + 40)
    best: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {(0, 0): (0.0, (0, 0))}
    for i in range(n + 1):
        centre = i * m / n if n else 0
        lo = max(0, int(centre) - band) if n * m > 10_000 else 0
        hi = min(m, int(centre) + band) if n * m > 10_000 else m
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            chosen = (inf, (0, 0))
            for a, b in shapes:
                if a > i or b > j:
                    continue
                prev = best.get((i - a, j - b))
                if prev is None or prev[0] == inf:
                    continue
                c = cost(i - a, j - b, a, b)
                if c is None:
                    continue
                total = prev[0] + c
                if total < chosen[0]:
                    chosen = (total, (a, b))
            if chosen[0] < inf:
                best[(i, j)] = chosen
    if (n, m) not in best:  # the band missed the corner: fall back to skipping everything
        return [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        a, b = best[(i, j)][1]
        beads.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    beads.reverse()
    return beads


def _is_skeleton(item: Item) -> bool:
    return item.group.startswith("fm:") or (item.group[0] == "h" and item.group[1:].isdigit())


def _tables(items: list[Item]) -> list[Item | list[Item]]:
    """Items with each table's cells gathered into one list (a table starts at a header cell
    after other units, or where the lines stop being consecutive)."""
    out: list[Item | list[Item]] = []
    for item in items:
        is_cell = item.group in ("cell", "header cell")
        last = out[-1] if out else None
        if is_cell and isinstance(last, list):
            prev = last[-1]
            new_table = (item.group == "header cell" and prev.group == "cell") or (
                item.unit.line - prev.unit.line > 1
            )
            if not new_table:
                last.append(item)
                continue
        out.append([item] if is_cell else item)
    return out


def _as_item(block: Item | list[Item]) -> Item:
    """A table as one item (for the section alignment)."""
    if isinstance(block, Item):
        return block
    anchors: Counter[str] = Counter()
    for cell in block:
        anchors.update(cell.anchors)
    first = block[0]
    length = sum(c.length for c in block)
    return Item(first.index, first.unit, "table", length, first.position, anchors)


def _rows(cells: list[Item]) -> list[list[Item]]:
    rows: list[list[Item]] = []
    for cell in cells:
        if rows and rows[-1][-1].unit.line == cell.unit.line:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return rows


class Aligner:
    """Aligns two unit lists; the result is a list of :class:`AlignedPair` in Chinese order."""

    def __init__(
        self,
        zh_units: list[Unit],
        en_units: list[Unit],
        zh_text: str | None = None,
        en_text: str | None = None,
    ) -> None:
        self.zh = items_of(zh_units, text=zh_text)
        self.en = items_of(en_units, names_of(self.zh), en_text)
        self.params = estimate_params(self.zh, self.en)

    def run(self) -> list[AlignedPair]:
        beads = self._structure()
        pairs = [self._pair(z, e) for z, e in beads]
        return [_in_context(pairs, k) for k in range(len(pairs))]

    def _pair(self, z: Sequence[Item], e: Sequence[Item]) -> AlignedPair:
        return AlignedPair(
            tuple(i.unit for i in z), tuple(i.unit for i in e), confidence(z, e, self.params)
        )

    def _structure(self) -> list[tuple[list[Item], list[Item]]]:
        """Skeleton beads, and the sections between them aligned one by one."""
        zs = [i for i in self.zh if _is_skeleton(i)]
        es = [i for i in self.en if _is_skeleton(i)]

        def cost(i: int, j: int, a: int, b: int) -> float | None:
            return bead_cost(zs[i : i + a], es[j : j + b], self.params, position=True)

        matched = [
            (zs[z[0]], es[e[0]]) for z, e in dp_align(len(zs), len(es), cost, _SKIP_ONLY) if z and e
        ]
        out: list[tuple[list[Item], list[Item]]] = []
        zpos = epos = 0
        for zi, ei in [*matched, (None, None)]:
            zend = zi.index if zi is not None else len(self.zh)
            eend = ei.index if ei is not None else len(self.en)
            out += self._section(self.zh[zpos:zend], self.en[epos:eend])
            if zi is not None and ei is not None:
                out.append(([zi], [ei]))
                zpos, epos = zi.index + 1, ei.index + 1
        return out

    def _local(self, zh: list[Item], en: list[Item]) -> _Params:
        """The document's parameters with the ratio drawn towards this section's own (how much a
        translator condenses varies from section to section)."""
        glob = self.params.AVERAGE_CHARACTERS
        weight = LOCAL_PRIOR_CHARS
        ratio = (sum(i.length for i in en) + weight * glob) / (sum(i.length for i in zh) + weight)
        ratio = min(8.0, max(1.0, ratio))
        return _Params(ratio, self.params.VARIANCE_CHARACTERS * ratio / glob)

    def _section(self, zh: list[Item], en: list[Item]) -> list[tuple[list[Item], list[Item]]]:
        zb, eb = _tables(zh), _tables(en)
        za, ea = [_as_item(b) for b in zb], [_as_item(b) for b in eb]
        params = self._local(zh, en)

        def cost(i: int, j: int, a: int, b: int) -> float | None:
            return bead_cost(za[i : i + a], ea[j : j + b], params)

        out: list[tuple[list[Item], list[Item]]] = []
        for z, e in dp_align(len(za), len(ea), cost, tuple(PRIORS)):
            zblocks = [zb[k] for k in z]
            eblocks = [eb[k] for k in e]
            if len(zblocks) == 1 and len(eblocks) == 1 and isinstance(zblocks[0], list):
                assert isinstance(eblocks[0], list)
                out += self._table(zblocks[0], eblocks[0])
                continue
            for block in zblocks:  # an unpaired table: each cell unpaired
                if isinstance(block, list) and not eblocks:
                    out += [([c], []) for c in block]
            for block in eblocks:
                if isinstance(block, list) and not zblocks:
                    out += [([], [c]) for c in block]
            if all(isinstance(b, Item) for b in (*zblocks, *eblocks)):
                out.append(
                    (
                        [b for b in zblocks if isinstance(b, Item)],
                        [b for b in eblocks if isinstance(b, Item)],
                    )
                )
        return out

    def _table(self, zh: list[Item], en: list[Item]) -> list[tuple[list[Item], list[Item]]]:
        """Rows paired by anchors (so reordered rows pair up), then cells by column."""
        zrows, erows = _rows(zh), _rows(en)
        pairs = self._match_rows(zrows, erows)
        out: list[tuple[list[Item], list[Item]]] = []
        used_e: set[int] = set()
        for zi, zrow in enumerate(zrows):
            ei = pairs.get(zi)
            if ei is None:
                out += [([c], []) for c in zrow]
                continue
            used_e.add(ei)
            out += self._cells(zrow, erows[ei])
        for ei, erow in enumerate(erows):
            if ei not in used_e:
                out += [([], [c]) for c in erow]
        return out

    def _match_rows(self, zrows: list[list[Item]], erows: list[list[Item]]) -> dict[int, int]:
        def row_anchors(row: list[Item]) -> Counter[str]:
            total: Counter[str] = Counter()
            for cell in row:
                total.update(cell.anchors)
            return total

        za = [row_anchors(r) for r in zrows]
        ea = [row_anchors(r) for r in erows]
        scores = []
        for zi in range(len(zrows)):
            for ei in range(len(erows)):
                agreement, strength = anchor_agreement(za[zi], ea[ei])
                width = 1.0 if len(zrows[zi]) == len(erows[ei]) else 0.5
                near = 1 - abs(zi / max(1, len(zrows)) - ei / max(1, len(erows)))
                scores.append((agreement * strength * width + 0.01 * near, zi, ei))
        scores.sort(reverse=True)
        pairs: dict[int, int] = {}
        taken: set[int] = set()
        for score, zi, ei in scores:
            if score <= 0.01 or zi in pairs or ei in taken:
                continue
            pairs[zi] = ei
            taken.add(ei)
        # rows without anchors: pair in order between their anchored neighbours
        free_z = [zi for zi in range(len(zrows)) if zi not in pairs]
        free_e = [ei for ei in range(len(erows)) if ei not in taken]
        if len(free_z) == len(free_e):
            pairs.update(zip(free_z, free_e, strict=True))
        return pairs

    def _cells(self, zrow: list[Item], erow: list[Item]) -> list[tuple[list[Item], list[Item]]]:
        if len(zrow) == len(erow):
            return [([z], [e]) for z, e in zip(zrow, erow, strict=True)]

        def cost(i: int, j: int, a: int, b: int) -> float | None:
            return bead_cost(zrow[i : i + a], erow[j : j + b], self.params)

        return [
            ([zrow[k] for k in z], [erow[k] for k in e])
            for z, e in dp_align(len(zrow), len(erow), cost, _SKIP_ONLY)
        ]


def align_units(
    zh: list[Unit], en: list[Unit], zh_text: str | None = None, en_text: str | None = None
) -> list[AlignedPair]:
    """Every bead of the alignment of ``zh`` with ``en``, in document order; the documents'
    texts, when given, let list nesting count."""
    return Aligner(zh, en, zh_text, en_text).run()
