#!/usr/bin/env python3
"""Benchmark: glossary term matching and the full check run over the 2024 report.

One command: ``python bench/checks_bench.py``. A synthetic 10,000-term glossary (the curated
terms plus Chinese n-grams and Latin acronyms drawn from the report itself, so they really occur)
is matched against every unit of ``shared/corpus/report-2024/zh``. The subject is transpub's
Aho-Corasick matcher; its peer in the same run is the obvious loop over terms (``str.find`` per
term per unit) on a sample of the units, extrapolated. The full check run (every registered check
on every unit, translation = the unit's English stand-in) is reported against a 1 s budget.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from transpub.catalog.convert import segment_file
from transpub.checks import CheckContext, run_checks
from transpub.glossary.matcher import TermMatcher
from transpub.glossary.model import Glossary, load_glossary
from transpub.glossary.term import Term, TermType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "report-2024" / "zh"


def units() -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.md")):
        out.extend(u.msgid for u in segment_file(path)[1].units)
    return out


def synthetic_glossary(texts: list[str], size: int, seed: int = 7) -> Glossary:
    rng = random.Random(seed)
    base = load_glossary(ROOT / "glossary" / "glossary.csv")
    seen = {t.zh.casefold() for t in base}
    terms = list(base.terms)
    cjk = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    while len(terms) < size:
        text = rng.choice(cjk)
        n = rng.randint(2, 6)
        start = rng.randrange(0, max(1, len(text) - n))
        gram = text[start : start + n]
        if len(gram) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in gram):
            if rng.random() < 0.05:  # some Latin acronyms too
                gram = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
            else:
                continue
        if gram.casefold() in seen:
            continue
        seen.add(gram.casefold())
        terms.append(Term(gram, f"term {len(terms)}", TermType.TERM, note="synthetic"))
    return Glossary(terms)


def naive_find(terms: list[str], text: str) -> int:
    hits = 0
    for term in terms:
        start = text.find(term)
        while start >= 0:
            hits += 1
            start = text.find(term, start + 1)
    return hits


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=200, help="units for the naive peer")
    args = parser.parse_args()

    texts = units()
    chars = sum(len(t) for t in texts)
    glossary = synthetic_glossary(texts, args.terms)
    print(f"report: {len(texts)} units, {chars:,} characters; glossary: {len(glossary):,} terms")

    build = timed(lambda: TermMatcher(glossary.terms), args.repeat)
    matcher = TermMatcher(glossary.terms)
    matches = sum(len(matcher.find(t)) for t in texts)
    match_time = timed(lambda: [matcher.find(t) for t in texts], args.repeat)

    sample = random.Random(1).sample(texts, min(args.sample, len(texts)))
    keys = [t.zh for t in glossary]
    naive_sample = timed(lambda: [naive_find(keys, t) for t in sample], 1)
    naive_total = naive_sample * len(texts) / len(sample)
    ac_sample = timed(lambda: [matcher.find(t) for t in sample], args.repeat)

    context = CheckContext(glossary=glossary, kind="paragraph")
    stand_in = [f"English for: {t}" for t in texts]
    findings = sum(len(run_checks(s, e, (), context)) for s, e in zip(texts, stand_in, strict=True))
    check_time = timed(
        lambda: [run_checks(s, e, (), context) for s, e in zip(texts, stand_in, strict=True)],
        args.repeat,
    )

    print(f"automaton build:          {build * 1000:8.1f} ms")
    print(f"match every unit:         {match_time * 1000:8.1f} ms  ({matches:,} term occurrences)")
    print(f"naive loop (extrapolated):{naive_total * 1000:8.1f} ms  (from {len(sample)} units)")
    print(f"full check run:           {check_time * 1000:8.1f} ms  ({findings:,} findings)")
    print()
    print(
        f"matcher vs naive loop on the same {len(sample)} units: "
        f"{naive_sample / ac_sample:,.0f}× faster"
    )
    print(f"matching the whole report: {match_time / 1.0:.1%} of the 1 s budget")
    print(
        f"full check run: {check_time / 1.0:.1%} of the 1 s budget "
        f"({check_time / len(texts) * 1e6:.0f} µs per unit)"
    )


if __name__ == "__main__":
    main()
