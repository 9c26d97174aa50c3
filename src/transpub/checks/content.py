"""Checks on the words of a translation: URLs, numbers, leftover Chinese, punctuation, whitespace.

They read the prose of :func:`transpub.checks.markup.parse_inline` (code spans, HTML and link
destinations are never prose), with URLs and e-mail addresses cut out once per text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from transpub.checks.base import Check, CheckContext, Severity, register
from transpub.checks.markup import parse_inline

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
#: Full-width punctuation that has no place in English, with what English uses instead.
_FULLWIDTH = {
    "，": ",",
    "。": ".",
    "：": ":",
    "；": ";",
    "！": "!",
    "？": "?",
    "（": "(",
    "）": ")",
    "、": ",",
    "《": '"',
    "》": '"',
    "【": "[",
    "】": "]",
}
_URL_STOPS = "，。：；！？（）“”‘’、《》【】「」"
#: A URL ends at white space or Chinese punctuation; its path may hold Chinese characters.
_URL_OR_EMAIL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[a-z0-9.-]*(?::[0-9]+)?"  # scheme, host, port
    rf"(?:[/?#][^\s<>\"'`{_URL_STOPS}]*)?"  # path, query, fragment
    r"|[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}",  # e-mail address
    re.IGNORECASE,
)
_URL_TRAILER = ".,;:!?*_~'\")]}"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
#: A number (1,000 is 1000) or a date (2024.11.20, 2024-11-20, 2024/11/20), which is three.
_NUMERAL = re.compile(
    r"(?<![0-9])(?:(?P<year>(?:19|20)[0-9]{2})(?P<sep>[./-])(?P<month>0?[1-9]|1[0-2])"
    r"(?P=sep)(?P<day>[0-3]?[0-9])|(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)(?![0-9])"
)
_PERCENT = re.compile(r"\s?%|\s?-?\s?per\s?cent\b", re.IGNORECASE)
#: Chinese magnitudes after a number: 1200 万 is 12 million, 17.5 亿 is 1.75 billion.
_ZH_SCALE = re.compile(r"\s?(万亿|千万|百万|万|亿|千)")
_ZH_SCALES = {"千": 3, "万": 4, "百万": 6, "千万": 7, "亿": 8, "万亿": 12}
_EN_SCALE = re.compile(r"\s?(thousand|million|billion|trillion|k|m|bn|b)\b", re.IGNORECASE)
_EN_SCALES = {"k": 3, "thousand": 3, "m": 6, "million": 6, "b": 9, "bn": 9, "billion": 9}
_EN_SCALES |= {"trillion": 12}
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_VALUES = frozenset(Decimal(n) for n in range(1, 13))
_MONTH_NUMBERS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTHS = re.compile(
    r"\b(" + "|".join(name[:3] + f"(?:{name[3:]})?" for name in _MONTH_NAMES) + r")\b",
    re.IGNORECASE,
)
#: Small numbers English spells out (8 类 = eight types, 第 1 = first): cardinal, ordinal.
_NUMBER_WORDS = """
zero zeroth one first two second three third four fourth five fifth six sixth seven seventh
eight eighth nine ninth ten tenth eleven eleventh twelve twelfth thirteen thirteenth
fourteen fourteenth fifteen fifteenth sixteen sixteenth seventeen seventeenth
eighteen eighteenth nineteen nineteenth twenty twentieth
"""
_WORD_VALUES = {word: Decimal(n // 2) for n, word in enumerate(_NUMBER_WORDS.split())}
_WORD_VALUES |= {"once": Decimal(1), "twice": Decimal(2), "hundred": Decimal(100)}
_WORDS = re.compile(r"\b(?:" + "|".join(_WORD_VALUES) + r")\b", re.IGNORECASE)
_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")


@dataclass(frozen=True)
class _Text:
    """One side of a translation, read once: its URLs and its prose without them."""

    urls: tuple[str, ...]  # bare URLs and e-mail addresses, in order
    destinations: frozenset[str]  # link and image destinations (autolinks included)
    words: str  # prose outside code, HTML, link destinations and URLs


@functools.lru_cache(maxsize=1024)
def _read(text: str) -> _Text:
    inline = parse_inline(text)
    urls: list[str] = []
    words: list[str] = []
    pos = 0
    for match in _URL_OR_EMAIL.finditer(inline.prose):
        url = _trim(match.group())
        urls.append(url)
        words.append(inline.prose[pos : match.start()])
        words.append("\n")
        pos = match.start() + len(url)
    words.append(inline.prose[pos:])
    return _Text(tuple(urls), frozenset(url for _, url in inline.targets), "".join(words))


def _trim(url: str) -> str:
    """Drop what ends a sentence rather than the URL (as GFM does), keeping balanced brackets."""
    while url and url[-1] in _URL_TRAILER:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _is_cjk(text: str) -> bool:
    return _CJK_RUN.fullmatch(text) is not None


def _kept(url: str, urls: Iterable[str], destinations: frozenset[str]) -> bool:
    """Whether ``url`` of one side is in the other, maybe as a link, maybe without glued Chinese.

    In ``见https://example.com/文档。`` nothing tells the path from the prose that follows it, so
    a URL of the other side that stops where only Chinese follows counts as the same URL.
    """
    return url in destinations or any(url == u or _glued(url, u) or _glued(u, url) for u in urls)


def _glued(longer: str, shorter: str) -> bool:
    """Whether ``longer`` is ``shorter`` followed by nothing but Chinese."""
    return longer.startswith(shorter) and _is_cjk(longer[len(shorter) :])


def _leftover_chinese(text: _Text, context: CheckContext) -> list[str]:
    """Runs of Chinese in ``text``'s words, except those of do-not-translate glossary terms."""
    runs = list(dict.fromkeys(_CJK_RUN.findall(text.words)))
    if not runs or context.glossary is None:
        return runs
    allowed = {
        run for term in context.glossary.do_not_translate for run in _CJK_RUN.findall(term.zh)
    }
    return [run for run in runs if run not in allowed]


def _listing(items: list[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


@register
class UrlsCheck(Check):
    """Bare URLs and e-mail addresses of the source appear verbatim in the translation."""

    check_id = "urls"
    name = "URLs"
    description = "URLs and e-mail addresses in the text must be kept exactly as in the source."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        src, tgt = _read(source), _read(target)
        lost = [u for u in dict.fromkeys(src.urls) if not _kept(u, tgt.urls, tgt.destinations)]
        added = [u for u in dict.fromkeys(tgt.urls) if not _kept(u, src.urls, src.destinations)]
        pairs = list(zip(lost, added, strict=False))
        found = [f"the URL {a} was changed to {b}" for a, b in pairs]
        found += [f"the URL {a} is missing from the translation" for a in lost[len(pairs) :]]
        found += [f"the translation adds the URL {b}" for b in added[len(pairs) :]]
        return found


@dataclass(frozen=True)
class _Number:
    """A number as the text writes it, and its value."""

    written: str
    value: Decimal
    end: int  # where it ends in the text
    month: bool  # the month of a date


def _numerals(words: str) -> tuple[str, list[_Number]]:
    """The text with ASCII digits, and its numbers (a date counts as three)."""
    text = words.translate(_FULLWIDTH_DIGITS)
    found: list[_Number] = []
    for match in _NUMERAL.finditer(text):
        if match.group("year") is None:
            value = Decimal(match.group().replace(",", ""))
            found.append(_Number(match.group(), value, match.end(), False))
            continue
        for part in ("year", "month", "day"):
            found.append(
                _Number(
                    match.group(part), Decimal(match.group(part)), match.end(part), part == "month"
                )
            )
    return text, found


def _values(words: str) -> tuple[set[Decimal], set[Decimal], set[int]]:
    """The numbers an English text has: (values, percentages, months it names)."""
    text, numbers = _numerals(words)
    values: set[Decimal] = set()
    percents: set[Decimal] = set()
    for number in numbers:
        values.add(number.value)
        if _PERCENT.match(text, number.end):
            percents.add(number.value)
        scale = _EN_SCALE.match(text, number.end)
        if scale:
            values.add(number.value.scaleb(_EN_SCALES[scale.group(1).lower()]))
    values.update(_WORD_VALUES[m.group().lower()] for m in _WORDS.finditer(text))
    months = {_MONTH_NUMBERS[m.group(1)[:3].lower()] for m in _MONTHS.finditer(text)}
    return values, percents, months


@register
class NumbersCheck(Check):
    """Every number of the source (as a value: 1,000 = 1000 = １０００) is in the translation."""

    check_id = "numbers"
    name = "Numbers"
    description = (
        "A number of the source is missing from the translation (percentages must stay "
        "percentages; 1200 万 may become 12 million, 3 月 may become March)."
    )
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        values, percents, months = _values(_read(target).words)
        text, numbers = _numerals(_read(source).words)
        speaks_of_months = "月" in text  # 10、11 月: October and November
        missing: list[str] = []
        for number in numbers:
            written, value = number.written, number.value
            if _PERCENT.match(text, number.end):
                kept = value in percents
                written += "%"
            elif scale := _ZH_SCALE.match(text, number.end):
                kept = value in values or value.scaleb(_ZH_SCALES[scale.group(1)]) in values
                written += scale.group()
            else:
                month = number.month or (speaks_of_months and value in _MONTH_VALUES)
                kept = value in values or (month and int(value) in months)
            if not kept and written not in missing:
                missing.append(written)
        if not missing:
            return []
        noun = "number" if len(missing) == 1 else "numbers"
        return [f"the translation lacks the {noun} {_listing(missing, 8)} of the source"]


@register
class ChineseLeftCheck(Check):
    """Chinese characters remain in the English text (code, URLs and glossary names aside)."""

    check_id = "chinese-left"
    name = "Chinese left"
    description = (
        "The translation still contains Chinese outside code, URLs and do-not-translate terms."
    )
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        runs = _leftover_chinese(_read(target), context)
        if not runs:
            return []
        return [f"the translation still contains Chinese: {_listing(runs)}"]


@register
class FullwidthPunctuationCheck(Check):
    """Chinese full-width punctuation in the English text."""

    check_id = "fullwidth-punctuation"
    name = "Full-width punctuation"
    description = (
        "The translation uses Chinese punctuation such as ， 。 （ ） where English has its own."
    )
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        words = _read(target).words
        used = [ch for ch in dict.fromkeys(words) if ch in _FULLWIDTH]
        if not used:
            return []
        marks = [ch if words.count(ch) == 1 else f"{ch} ({words.count(ch)} times)" for ch in used]
        instead = " ".join(f"'{mark}'" for mark in dict.fromkeys(_FULLWIDTH[ch] for ch in used))
        return [
            f"the translation contains full-width punctuation {', '.join(marks)}; "
            f"use {instead} instead"
        ]


def _inner_spaces(text: str) -> list[str]:
    """Runs of two or more spaces between words (indentation and line-end hard breaks aside)."""
    return [
        text[: m.start()].split()[-1] + m.group() + text[m.end() :].split()[0]
        for m in _SPACES.finditer(text)
    ]


@register
class DoubleSpaceCheck(Check):
    """Runs of spaces between words that the source does not have."""

    check_id = "double-space"
    name = "Double space"
    description = "The translation has two or more consecutive spaces between words."
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        extra = _inner_spaces(target)
        have = len(_inner_spaces(source))
        if len(extra) <= have:
            return []
        runs = "1 run" if len(extra) == 1 else f"{len(extra)} runs"
        return [
            f"the translation has {runs} of consecutive spaces, the source {have} "
            f"(first: {extra[0]!r})"
        ]


def _edges(text: str) -> tuple[str, str]:
    """The leading and the trailing white space of ``text``."""
    return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]


def _describe(space: str) -> str:
    """White space in words: ``a space``, ``2 line breaks``…"""
    if not space:
        return "no white space"
    for ch, noun in ((" ", "space"), ("\n", "line break"), ("\t", "tab")):
        if space == ch * len(space):
            return f"a {noun}" if len(space) == 1 else f"{len(space)} {noun}s"
    return f"the white space {space!r}"


@register
class WhitespaceCheck(Check):
    """Leading and trailing white space as in the source."""

    check_id = "whitespace"
    name = "Leading or trailing white space"
    description = "The translation starts or ends with different white space than the source."
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        found: list[str] = []
        for where, src, tgt in zip(("starts", "ends"), _edges(source), _edges(target), strict=True):
            if src != tgt:
                found.append(
                    f"the translation {where} with {_describe(tgt)}, "
                    f"the source with {_describe(src)}"
                )
        return found


@register
class SameAsSourceCheck(Check):
    """A Chinese source copied unchanged as its own translation."""

    check_id = "same-as-source"
    name = "Same as source"
    description = "The translation is identical to the Chinese source."
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        if target.strip() != source.strip() or not _leftover_chinese(_read(source), context):
            return []
        return ["the translation is identical to the Chinese source"]


@register
class EmptyCheck(Check):
    """No translation where the source has text."""

    check_id = "empty"
    name = "Empty translation"
    description = "The translation is empty or only white space."
    severity = Severity.ERROR
    checks_blank = True

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        if target.strip() or not source.strip():
            return []
        return ["the translation is empty" if not target else "the translation is only white space"]
