"""Post text the way each network reads it: escaping, counting and shortening.

Counting follows each network's rules (LinkedIn: characters; Mastodon: characters with every URL
as 23 and a remote mention as its local part; Bluesky: graphemes; X: weighted characters, CJK 2,
URLs 23). Shortening cuts at a sentence, else a word boundary, with an ellipsis, and never inside
a URL, a mention or a hashtag.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import regex

#: A URL as the networks recognise one (http/https, up to the first space or closing bracket).
URL = regex.compile(r"https?://[^\s<>\"'）)\]】]+[^\s<>\"'）)\]】.,;:!?。，；：！？]")
#: A LinkedIn mention ``@[Name](urn:li:…)`` or hashtag ``{hashtag|\#|Tag}``.
LINKEDIN_ENTITY = regex.compile(
    r"@\[(?:\\.|[^\]])*\]\(urn:li:[a-zA-Z]+:[^)\s]+\)|\{hashtag\|\\#\|[^}]*\}"
)
#: A fediverse/Bluesky mention (``@user`` or ``@user@host``, ``@handle.bsky.social``).
MENTION = regex.compile(r"(?<![\w@])@[\w.-]+(?:@[\w.-]+\w)?")
#: A hashtag.
HASHTAG = regex.compile(r"(?<![\w#&])#\w+")
#: Characters that LinkedIn's "little text" format reserves; unescaped, they truncate a post.
LINKEDIN_RESERVED = "\\|{}@[]()<>#*_~"
ELLIPSIS = "…"
_SENTENCE_END = regex.compile(r"(?<=[.!?…])\s+|(?<=[。！？；])")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")

#: The default link length Mastodon and X count for every URL.
LINK_LENGTH = 23


def escape_linkedin(text: str) -> str:
    """Backslash-escape LinkedIn's reserved characters in plain text for ``commentary``."""
    return "".join("\\" + c if c in LINKEDIN_RESERVED else c for c in text)


def linkedin_hashtag(tag: str) -> str:
    """A LinkedIn hashtag in little-text syntax (``{hashtag|\\#|Tag}``)."""
    return "{hashtag|\\#|" + escape_linkedin(tag) + "}"


def linkedin_mention(name: str, urn: str) -> str:
    """A LinkedIn mention ``@[Name](urn:li:person:…)``; the name is escaped inside brackets."""
    return f"@[{escape_linkedin(name)}]({urn})"


def count_linkedin(text: str) -> int:
    """LinkedIn's length of the commentary as sent (escapes included: the safe side)."""
    return len(text)


def count_mastodon(text: str, link_length: int = LINK_LENGTH) -> int:
    """Mastodon's length: every URL counts ``link_length``, ``@user@host`` counts as ``@user``."""
    text = URL.sub("x" * link_length, text)
    text = MENTION.sub(lambda m: "@" + m.group(0)[1:].split("@")[0], text)
    return len(text)


def count_graphemes(text: str) -> int:
    """Bluesky's length: user-perceived characters (extended grapheme clusters)."""
    return len(regex.findall(r"\X", text))


def _x_weight(char: str) -> int:
    code = ord(char)
    light = (
        0 <= code <= 4351 or 8192 <= code <= 8205 or 8208 <= code <= 8223 or 8242 <= code <= 8247
    )
    return 1 if light else 2


def count_x(text: str) -> int:
    """X's weighted length (twitter-text v3): Latin 1, CJK and most others 2, every URL 23."""
    text = unicodedata.normalize("NFC", text)
    rest = URL.sub("", text)
    return LINK_LENGTH * len(URL.findall(text)) + sum(_x_weight(c) for c in rest)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Where a cut must not fall: URLs, mentions and hashtags (both plain and LinkedIn syntax)."""
    spans: list[tuple[int, int]] = []
    for pattern in (URL, LINKEDIN_ENTITY, MENTION, HASHTAG):
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def _cut_points(text: str) -> tuple[list[int], list[int]]:
    """Sentence ends and word boundaries of ``text`` outside protected spans, ascending."""
    spans = protected_spans(text)

    def free(i: int) -> bool:
        return all(not (start < i < end) for start, end in spans)

    sentences = sorted({m.start() for m in _SENTENCE_END.finditer(text) if free(m.start())})
    sentences = [i for i in sentences if 0 < i < len(text)]
    words: set[int] = set()
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        cjk_before, cjk_after = bool(_CJK.match(before)), bool(_CJK.match(after))
        spaces = before.isspace() or after.isspace()
        if (after.isspace() and not before.isspace()) or ((cjk_before or cjk_after) and not spaces):
            words.add(i)
    return sentences, sorted(i for i in words if free(i) and i not in sentences)


def shorten(text: str, fits: Callable[[str], bool]) -> str | None:
    """The longest cut of ``text`` that ``fits``: the whole text, else at a sentence end, else
    at a word boundary with an ellipsis; None when not even the first word fits.

    A sentence cut is preferred unless a word cut keeps more than twice as much text.
    """
    if fits(text):
        return text
    sentences, words = _cut_points(text)

    def best(points: list[int], suffix: str) -> int | None:
        found = None
        for i in points:  # ascending: lengths grow monotonically
            if fits(text[:i].rstrip() + suffix):
                found = i
            else:
                break
        return found

    by_sentence = best(sentences, "")
    by_word = best(sorted(set(words) | set(sentences)), ELLIPSIS)
    if by_sentence is not None and (by_word is None or by_word <= 2 * by_sentence):
        return text[:by_sentence].rstrip()
    if by_word is not None:
        return text[:by_word].rstrip().rstrip(",;:，；：、") + ELLIPSIS
    return None


__all__ = [
    "ELLIPSIS",
    "LINK_LENGTH",
    "count_graphemes",
    "count_linkedin",
    "count_mastodon",
    "count_x",
    "escape_linkedin",
    "linkedin_hashtag",
    "linkedin_mention",
    "protected_spans",
    "shorten",
]
