"""Real-corpus mode: what transpub offers of real Chinese Markdown, and whether a translation of
every offered Chinese character survives ``build``.

``python bench/roundtrip pseudo [NAME=]DIR ...`` walks each folder for ``*.md``/``*.mdx`` files
holding Chinese and reports, per folder (a corpus):

- *identical*: files whose identity rebuild (no translation) is byte-identical to the source;
- *CJK offered*: Chinese characters inside offered entries, out of all Chinese characters of the
  files — code blocks and inline code left out of both;
- *entries without CJK*: entries offered although they hold no Chinese;
- *refused*: files whose pseudo-translation ``build``/``po2md`` refuses (the structure
  comparison), with the kinds of refusal and the first few reasons; and the check errors
  (``transpub check``) the pseudo-translated entries raise, by check.

The pseudo-translation is what an engine does, with a deterministic engine: each entry goes
through the engines' markup protection (``transpub.engines.markup.protect``: code, URLs, HTML,
link destinations, footnotes stay locked), every Chinese character of the tagged text becomes a
Latin pseudo-word and full-width punctuation its ASCII counterpart, and the answer is restored.
Everything runs in-process on the transpub of this checkout; nothing is fetched.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from transpub.checks.base import CheckContext, Severity, run_checks
from transpub.engines.markup import protect, restore
from transpub.errors import TranspubError
from transpub.markdown.segmenter import SegmentOptions, parse_events, segment, tag_name
from transpub.markdown.structure import HeadingIds, differences, shape
from transpub.markdown.units import Unit
from transpub.textfile import read_source

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CJK_RUN = re.compile(CJK.pattern + "+")
_FULLWIDTH = {
    "，": ", ",
    "。": ". ",
    "：": ": ",
    "；": "; ",
    "！": "! ",
    "？": "? ",
    "、": ", ",
    "（": " (",
    "）": ") ",
    "《": ' "',
    "》": '" ',
    "“": ' "',
    "”": '" ',
    "‘": " '",
    "’": "' ",
    "【": " [",
    "】": "] ",
    "「": ' "',
    "」": '" ',
    "…": "...",
    "—": "-",
}
_FULLWIDTH_RE = re.compile("|".join(map(re.escape, _FULLWIDTH)))
_TAG = re.compile(r'<g id="\d+">|</g>|<x id="\d+"\s*/>')
COMMENT = "HTML comment"
TOP_LEVEL = "top level (outside every block)"
_DEFINITION = re.compile(r" {0,3}\[(?:[^\]\\\n]|\\.)+\]:")
_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiou"
#: Refusal messages of ``structure.differences`` by kind (the first that matches).
_KINDS = (
    ("block changed", re.compile(r"source line \d+ has .* where the translation")),
    ("translation ends early", re.compile(r"the translation ends before")),
    ("extra block", re.compile(r"the translation has an extra")),
    ("link target", re.compile(r"link target")),
    ("image", re.compile(r" image ")),
    ("inline code", re.compile(r"inline code")),
    ("footnote reference", re.compile(r"footnote reference")),
)


def pseudo_word(ch: str) -> str:
    """A Latin pseudo-word for one Chinese character (deterministic, 2–3 letters)."""
    cp = ord(ch)
    word = _CONSONANTS[cp % 18] + _VOWELS[(cp // 18) % 5]
    return word + ("n" if (cp // 90) % 3 == 0 else "")


def pseudo_text(tagged: str) -> str:
    """Tagged text with every Chinese character replaced and full-width punctuation made ASCII;
    tags untouched."""

    def words(m: re.Match[str]) -> str:
        return " " + " ".join(pseudo_word(ch) for ch in m.group()) + " "

    out: list[str] = []
    pos = 0
    for m in [*_TAG.finditer(tagged), None]:
        text = tagged[pos : m.start() if m else len(tagged)]
        text = _FULLWIDTH_RE.sub(lambda f: _FULLWIDTH[f.group()], _CJK_RUN.sub(words, text))
        out.append(re.sub(r" {2,}", " ", text))
        if m:
            out.append(m.group())
            pos = m.end()
    return "".join(out)


def pseudo_translate(msgid: str) -> str:
    """An entry's pseudo-translation through the engines' markup protection and restoration."""
    guard = protect(msgid)
    return restore(pseudo_text(guard.text), guard) or msgid


@dataclass
class CorpusResult:
    name: str
    folder: str
    files: int = 0
    skipped_without_cjk: int = 0
    bytes: int = 0
    identical: int = 0
    cjk_chars: int = 0  # outside code blocks and inline code
    cjk_offered: int = 0
    cjk_in_comments: int = 0  # of cjk_chars, not offered on purpose
    entries: int = 0
    entries_without_cjk: int = 0
    refused_files: int = 0
    anchors_followed: int = 0  # in-page links pointed at the translated heading (--layout)
    refusal_kinds: Counter[str] = field(default_factory=Counter)
    refusals: list[str] = field(default_factory=list)  # the first few, "file: reason"
    check_errors: Counter[str] = field(default_factory=Counter)
    check_examples: dict[str, list[str]] = field(default_factory=dict)
    not_offered_where: Counter[str] = field(default_factory=Counter)  # CJK chars by context
    not_offered_examples: list[str] = field(default_factory=list)
    without_cjk_examples: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files transpub could not segment
    seconds: float = 0.0

    def percent(self, part: int, whole: int) -> str:
        return f"{100.0 * part / whole:.1f}%" if whole else "-"


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for ext in ("*.md", "*.mdx") for p in folder.rglob(ext) if p.is_file())


def _contexts(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]]:
    """Character spans of code (blocks and inline), and every block or inline element's span
    with its name (for saying where Chinese that is not offered sits)."""
    data = text.encode("utf-8")
    code: list[tuple[int, int]] = []
    spans: list[tuple[int, int, str]] = []
    in_comment = False
    for event, rng in parse_events(text):
        if isinstance(event, str):
            continue
        kind, payload = next(iter(event.items()))
        start, end = rng["start"], rng["end"]
        comment = data[start : start + 4] == b"<!--"
        if kind == "Start":
            name = tag_name(payload)
            if name == "CodeBlock":
                code.append((start, end))
            elif name == "HtmlBlock":
                in_comment = comment  # its lines come as Html events
            spans.append((start, end, COMMENT if comment and name == "HtmlBlock" else name))
        elif kind == "Html" and in_comment:
            spans.append((start, end, COMMENT))
        elif kind == "Code":
            code.append((start, end))
        elif kind in ("Html", "InlineHtml", "InlineMath", "DisplayMath"):
            spans.append((start, end, COMMENT if comment else kind))
    # UTF-8 byte offsets → character offsets, in one pass over the distinct offsets.
    chars: dict[int, int] = {}
    done_bytes = done_chars = 0
    for offset in sorted(
        {o for s, e in code for o in (s, e)} | {o for s, e, _ in spans for o in (s, e)}
    ):
        done_chars += len(data[done_bytes:offset].decode("utf-8", "ignore"))
        done_bytes = offset
        chars[offset] = done_chars
    return (
        [(chars[s], chars[e]) for s, e in code],
        [(chars[s], chars[e], name) for s, e, name in spans],
    )


def _where(pos: int, spans: list[tuple[int, int, str]]) -> str:
    """The innermost element around a character position ("top level" if none)."""
    best: tuple[int, str] | None = None
    for s, e, name in spans:
        if s <= pos < e and (best is None or e - s < best[0]):
            best = (e - s, name)
    return best[1] if best else TOP_LEVEL


#: Front-matter values offered: the common human-readable keys of VitePress, Hugo, Docusaurus.
FRONT_MATTER_KEYS = ("title", "description", "summary")


def measure_file(
    path: Path,
    root: Path,
    result: CorpusResult,
    examples: int,
    keys: tuple[str, ...] = FRONT_MATTER_KEYS,
    heading_ids: HeadingIds | None = None,
) -> None:
    rel = str(path.relative_to(root))
    try:
        text = read_source(path, article=False)
    except TranspubError as exc:
        result.errors.append(f"{rel}: {exc}")
        return
    if not CJK.search(text):
        result.skipped_without_cjk += 1
        return
    result.files += 1
    result.bytes += len(text.encode("utf-8"))
    try:
        segmented = segment(text, SegmentOptions(keys))
    except TranspubError as exc:
        result.errors.append(f"{rel}: {exc}")
        return
    if segmented.rebuild({}) == text:
        result.identical += 1

    # Which characters are offered: walk the pieces (skeleton strings and units).
    bom = 1 if text.startswith("\ufeff") else 0
    offered = bytearray(len(text))
    pos = 0
    for piece in segmented.pieces:
        size = len(piece) if isinstance(piece, str) else len(piece.raw)
        if isinstance(piece, Unit):
            offered[pos : pos + size] = b"\x01" * size
        pos += size
    code, spans = _contexts(text[bom:])
    in_code = bytearray(len(text))
    for s, e in code:
        in_code[s + bom : e + bom] = b"\x01" * (e - s)
    for m in CJK.finditer(text):
        i = m.start()
        if in_code[i]:
            continue
        result.cjk_chars += 1
        if offered[i]:
            result.cjk_offered += 1
        else:
            where = _where(i - bom, spans)
            if where == TOP_LEVEL and _DEFINITION.match(text, text.rfind("\n", 0, i) + 1):
                where = "link reference definition"
            result.not_offered_where[where] += 1
            result.cjk_in_comments += where == COMMENT
    lines: set[int] = set()
    for m in _CJK_RUN.finditer(text):
        i = m.start()
        if in_code[i] or offered[i] or len(result.not_offered_examples) >= examples:
            continue
        line = text.count("\n", 0, i) + 1
        if line not in lines and _where(i - bom, spans) != COMMENT:
            lines.add(line)
            result.not_offered_examples.append(f"{rel}:{line}: {_excerpt(text, i)}")

    # Entries and their pseudo-translations.
    units = segmented.units
    result.entries += len(units)
    done: dict[str, str] = {}
    for unit in units:
        if not CJK.search(unit.msgid):
            result.entries_without_cjk += 1
            if len(result.without_cjk_examples) < examples:
                result.without_cjk_examples.append(f"{rel}:{unit.line}: {unit.msgid[:60]!r}")
            continue
        if unit.msgid in done:
            continue
        try:
            done[unit.msgid] = pseudo_translate(unit.msgid)
        except ValueError as exc:  # the restoration refused the tags: an engine would fail
            result.check_errors["restore"] += 1
            result.check_examples.setdefault("restore", []).append(f"{rel}:{unit.line}: {exc}")
            continue
        for finding in run_checks(unit.msgid, done[unit.msgid], (), CheckContext(kind=unit.kind)):
            if finding.severity is Severity.ERROR:
                result.check_errors[finding.check] += 1
                seen = result.check_examples.setdefault(finding.check, [])
                if len(seen) < examples:
                    seen.append(f"{rel}:{unit.line}: {finding.message}")
    rebuilt = segmented.rebuild(done)
    if heading_ids is not None:
        done = _follow_anchors(text, rebuilt, done, heading_ids, result)
        rebuilt = segmented.rebuild(done)
    found = differences(text, rebuilt, heading_ids)
    if found:
        result.refused_files += 1
        for difference in found:
            kind = next((k for k, rx in _KINDS if rx.search(difference)), "other")
            result.refusal_kinds[kind] += 1
            if len(result.refusals) < examples:
                result.refusals.append(f"{rel}: {difference}")


_ANCHOR = re.compile(r"(\]\(#)([^)\s]+)\)")


def _follow_anchors(
    text: str,
    rebuilt: str,
    done: dict[str, str],
    heading_ids: HeadingIds,
    result: CorpusResult,
) -> dict[str, str]:
    """The translations with every in-page link pointed at its heading's translated id, as a
    translator following the headings would (`#分段更新` → `#fen-duan-...`)."""
    zh, en = heading_ids(shape(text).headings), heading_ids(shape(rebuilt).headings)
    if len(zh) != len(en):
        return done
    new_id = {z: e for z, e in zip(zh, en, strict=True) if z != e}

    def follow(m: re.Match[str]) -> str:
        target = new_id.get(unquote(m.group(2)))
        if target is None:
            return m.group()
        result.anchors_followed += 1
        return f"{m.group(1)}{target})"

    return {msgid: _ANCHOR.sub(follow, msgstr) for msgid, msgstr in done.items()}


def _excerpt(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)].strip()
    return line if len(line) <= 70 else line[:70] + "…"


def measure_corpus(
    name: str,
    folder: Path,
    examples: int,
    keys: tuple[str, ...] = FRONT_MATTER_KEYS,
    heading_ids: HeadingIds | None = None,
) -> CorpusResult:
    result = CorpusResult(name, str(folder))
    began = time.perf_counter()
    for path in corpus_files(folder):
        measure_file(path, folder, result, examples, keys, heading_ids)
    result.seconds = time.perf_counter() - began
    return result


HEADERS = (
    "corpus",
    "files",
    "MB",
    "identical",
    "CJK offered",
    "w/o comments",
    "entries",
    "without CJK",
    "refused by build",
    "check errors",
    "s",
)


def table(results: list[CorpusResult]) -> str:
    rows = [HEADERS]
    for r in results:
        rows.append(
            (
                r.name,
                str(r.files),
                f"{r.bytes / 1e6:.2f}",
                f"{r.identical}/{r.files} ({r.percent(r.identical, r.files)})",
                f"{r.percent(r.cjk_offered, r.cjk_chars)} of {r.cjk_chars:,}",
                r.percent(r.cjk_offered, r.cjk_chars - r.cjk_in_comments),
                f"{r.entries:,}",
                f"{r.entries_without_cjk:,} ({r.percent(r.entries_without_cjk, r.entries)})",
                f"{r.refused_files}/{r.files} ({r.percent(r.refused_files, r.files)})",
                str(sum(r.check_errors.values())),
                f"{r.seconds:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def details(r: CorpusResult) -> list[str]:
    out = [f"\n## {r.name} ({r.folder})"]
    if r.skipped_without_cjk:
        out.append(f"files without Chinese, skipped: {r.skipped_without_cjk}")
    if r.anchors_followed:
        out.append(f"in-page links pointed at the translated heading: {r.anchors_followed}")
    for label, counter in (
        ("build refusals by kind", r.refusal_kinds),
        ("check errors by check", r.check_errors),
        ("Chinese not offered, by where it sits (characters)", r.not_offered_where),
    ):
        if counter:
            out.append(f"{label}: " + ", ".join(f"{k} {n}" for k, n in counter.most_common()))
    for label, items in (
        ("refused", r.refusals),
        ("not offered", r.not_offered_examples),
        ("entries without CJK", r.without_cjk_examples),
        ("could not segment", r.errors[:5]),
        *((f"check {check}", items) for check, items in r.check_examples.items()),
    ):
        out.extend(f"  {label}: {item}" for item in items)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/roundtrip pseudo",
        description="Real-corpus mode: identity, Chinese offered, pseudo-translations refused.",
    )
    parser.add_argument(
        "corpora", nargs="+", metavar="[NAME=]DIR", help="folders of Markdown (searched deeply)"
    )
    parser.add_argument("--examples", type=int, default=5, help="examples kept per kind")
    parser.add_argument("--json", type=Path, metavar="OUT", help="save the figures as JSON")
    parser.add_argument(
        "--front-matter-keys",
        default=",".join(FRONT_MATTER_KEYS),
        metavar="KEYS",
        help="front-matter values offered, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--layout",
        choices=("vitepress", "hugo", "folders"),
        help="also point in-page links at the translated headings, with this site layout's "
        "heading ids, and let build check them with those rules",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[CorpusResult] = []
    heading_ids = None
    if args.layout:
        from transpub.config import SiteSettings
        from transpub.publish.layouts import create_layout

        heading_ids = create_layout(SiteSettings(layout=args.layout)).heading_ids
    for spec in args.corpora:
        name, _, folder = spec.rpartition("=")
        path = Path(folder)
        if not path.is_dir():
            print(f"error: {folder}: not a folder", file=sys.stderr)
            return 2
        print(f"{name or path.name}: measuring {path} ...", file=sys.stderr, flush=True)
        keys = tuple(k.strip() for k in args.front_matter_keys.split(",") if k.strip())
        results.append(measure_corpus(name or path.name, path, args.examples, keys, heading_ids))
    print(table(results))
    for r in results:
        print("\n".join(details(r)))
    if args.json:
        data: list[dict[str, Any]] = [
            {k: dict(v) if isinstance(v, Counter) else v for k, v in vars(r).items()}
            for r in results
        ]
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0
