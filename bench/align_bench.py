#!/usr/bin/env python3
"""Benchmark: aligning the 2024 report's seven Chinese/English page pairs, against two peers.

One command: ``python bench/align_bench.py [--json FILE]``. For each pair of
``shared/corpus/report-2024/{zh,en}/*.md`` (same file names) it runs, in the same process and run:

- **transpub**: ``transpub.align.align_files`` (structure first, Gale–Church lengths + anchors);
- **Gale–Church**: the plain length-based aligner, ``nltk.translate.gale_church.align_blocks``,
  over the same units as one sequence (no structure, no anchors), with the length ratio fitted to
  the pair (with nltk's default ratio of 1 it does far worse on Chinese–English);
- **po4a-gettextize** (Debian's po4a, when installed): the structure-only peer, which pairs the
  two documents only when their structures are identical.

Printed per file: units on each side, pairs, the share of Chinese units transpub would pre-fill
(pairs at ``[align] min_confidence``), seconds. Then precision and recall of each aligner against
the hand-checked sample in ``tests/data/align/`` (transpub also at the threshold), and the time
ratio transpub / Gale–Church.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from transpub.align import AlignedPair, align_files  # noqa: E402
from transpub.align.core import Aligner  # noqa: E402
from transpub.align.evaluate import read_gold, score  # noqa: E402
from transpub.config import AlignSettings  # noqa: E402
from transpub.markdown.segmenter import segment  # noqa: E402
from transpub.textfile import read_source  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "report-2024"
GOLD = ROOT / "tests" / "data" / "align" / "report-2024-gold.jsonl"
PO4A = ("-f", "text", "-o", "markdown", "-o", "neverwrap", "-M", "UTF-8", "-L", "UTF-8")


def gale_church(zh_path: Path, en_path: Path) -> list[AlignedPair]:
    """Plain Gale–Church over the units' lengths (nltk), beads rebuilt from its index pairs."""
    from nltk.translate.gale_church import align_blocks

    zh_text, en_text = read_source(zh_path), read_source(en_path)
    zh, en = segment(zh_text).units, segment(en_text).units
    aligner = Aligner(zh, en)  # only for the same lengths and fitted ratio
    params = aligner.params
    links = align_blocks([i.length for i in aligner.zh], [i.length for i in aligner.en], params)
    # connected components of the (i, j) links are the beads
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for i, j in links:
        parent[find(("z", i))] = find(("e", j))
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for i, j in links:
        zs, es = groups.setdefault(find(("z", i)), ([], []))
        zs.append(i)
        es.append(j)
    beads = []
    for zs, es in groups.values():
        beads.append(
            AlignedPair(
                tuple(zh[k] for k in sorted(set(zs))), tuple(en[k] for k in sorted(set(es))), 1.0
            )
        )
    return beads


def po4a(zh_path: Path, en_path: Path, work: Path) -> tuple[str, float]:
    """Whether po4a-gettextize could pair the two documents, and its seconds."""
    out = work / (zh_path.stem + ".po")
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["po4a-gettextize", *PO4A, "-m", str(zh_path), "-l", str(en_path), "-p", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=work,  # it leaves gettextization.failed.po in the current folder
    )
    seconds = time.perf_counter() - t0
    return ("paired" if proc.returncode == 0 else "refused"), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    names = sorted(
        p.name for p in (CORPUS / "zh").glob("*.md") if (CORPUS / "en" / p.name).exists()
    )
    threshold = AlignSettings().min_confidence
    gold = read_gold(GOLD)
    work = Path(tempfile.mkdtemp(prefix="transpub-align-"))
    have_po4a = shutil.which("po4a-gettextize") is not None
    rows = []
    per_file: dict[str, tuple[int, int, int]] = {}
    totals = {"transpub": 0.0, "gale-church": 0.0, "po4a": 0.0}
    scores: dict[str, list[int]] = {
        "transpub": [0, 0, 0],
        "at-threshold": [0, 0, 0],
        "gale-church": [0, 0, 0],
    }
    print(
        f"{'file':28} {'zh':>5} {'en':>5} {'pairs':>6} {'prefill':>8} {'transpub s':>10} "
        f"{'GC pairs':>8} {'GC s':>6} {'po4a':>9}"
    )
    for name in names:
        zh, en = CORPUS / "zh" / name, CORPUS / "en" / name
        t0 = time.perf_counter()
        alignment = align_files(zh, en)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        gc = gale_church(zh, en)
        t_gc = time.perf_counter() - t0
        po4a_result, t_po4a = po4a(zh, en, work) if have_po4a else ("absent", 0.0)
        totals["transpub"] += t_ours
        totals["gale-church"] += t_gc
        totals["po4a"] += t_po4a
        zh_units = sum(len(b.zh) for b in alignment.beads)
        en_units = sum(len(b.en) for b in alignment.beads)
        confident = alignment.confident(threshold)
        prefilled = sum(len(b.zh) for b in confident if len(b.zh) == 1)
        share = prefilled / zh_units if zh_units else 0.0
        sample = [g for g in gold if g.file == name]
        if sample:
            for key, beads, limit in (
                ("transpub", alignment.beads, 0.0),
                ("at-threshold", alignment.beads, threshold),
                ("gale-church", gc, 0.0),
            ):
                s = score(beads, sample, limit)
                if key == "transpub":
                    per_file[name] = (s.correct, s.proposed, s.gold)
                scores[key] = [
                    a + b for a, b in zip(scores[key], (s.proposed, s.correct, s.gold), strict=True)
                ]
        gc_pairs = sum(1 for b in gc if b.zh and b.en)
        rows.append(
            {
                "file": name,
                "zh_units": zh_units,
                "en_units": en_units,
                "pairs": len(alignment.pairs),
                "shapes": alignment.shapes(),
                "prefilled_share": round(share, 3),
                "seconds": round(t_ours, 2),
                "gale_church_pairs": gc_pairs,
                "gale_church_seconds": round(t_gc, 2),
                "po4a": po4a_result,
                "po4a_seconds": round(t_po4a, 2),
            }
        )
        print(
            f"{name:28} {zh_units:5} {en_units:5} {len(alignment.pairs):6} {share:8.1%} "
            f"{t_ours:10.2f} {gc_pairs:8} {t_gc:6.2f} {po4a_result:>9}"
        )
    all_zh = sum(r["zh_units"] for r in rows)
    all_pairs = sum(r["pairs"] for r in rows)
    prefill = sum(r["prefilled_share"] * r["zh_units"] for r in rows) / max(1, all_zh)
    print(
        f"{'all':28} {all_zh:5} {sum(r['en_units'] for r in rows):5} {all_pairs:6} "
        f"{prefill:8.1%} {totals['transpub']:10.2f} "
        f"{sum(r['gale_church_pairs'] for r in rows):8} {totals['gale-church']:6.2f} "
        f"{sum(r['po4a'] == 'paired' for r in rows)}/{len(rows)} paired"
    )
    print()
    print(f"hand-checked sample: {len(gold)} pairs ({GOLD.relative_to(ROOT)})")
    summary = {}
    for key, (proposed, correct, total) in scores.items():
        p = correct / proposed if proposed else 0.0
        r = correct / total if total else 0.0
        label = {
            "transpub": "transpub",
            "at-threshold": f"transpub ≥ {threshold:g}",
            "gale-church": "Gale–Church (nltk)",
        }[key]
        print(f"  {label:22} precision {p:6.1%} ({correct}/{proposed})  recall {r:6.1%}")
        summary[key] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "proposed": proposed,
            "correct": correct,
            "gold": total,
        }
    for name, (correct, proposed, total) in per_file.items():
        print(f"    {name:26} {correct}/{proposed} right, {correct}/{total} found")
    ratio = totals["transpub"] / totals["gale-church"] if totals["gale-church"] else 0.0
    print(
        f"time: transpub {totals['transpub']:.1f} s, Gale–Church {totals['gale-church']:.1f} s "
        f"(ratio {ratio:.2f})"
        + (
            f", po4a-gettextize {totals['po4a']:.1f} s"
            if have_po4a
            else "; po4a-gettextize not installed (apt-get install po4a)"
        )
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"files": rows, "sample": summary, "seconds": totals}, indent=2) + "\n"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
