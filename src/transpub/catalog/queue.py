"""The review queue: the state of each entry and of each article, and the editor's approval."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

import polib

from transpub.catalog.pofile import PO_DATE
from transpub.errors import ApprovalError
from transpub.wording import counted

APPROVED_BY = "X-Transpub-Approved-By"
APPROVED_AT = "X-Transpub-Approved-At"
APPROVED_HASH = "X-Transpub-Approved-Hash"


class EntryState(StrEnum):
    UNTRANSLATED = "untranslated"
    DRAFT = "draft"
    REVIEWED = "reviewed"


class ArticleState(StrEnum):
    NEW = "new"
    TRANSLATING = "translating"
    IN_REVIEW = "in review"
    APPROVED = "approved"
    PUBLISHED = "published"
    SOURCE_MISSING = "source missing"  # the catalog is there, zh.md is not


def entry_state(entry: polib.POEntry) -> EntryState:
    """Untranslated (empty), draft (fuzzy) or reviewed (translated, not fuzzy)."""
    if not entry.msgstr:
        return EntryState.UNTRANSLATED
    return EntryState.DRAFT if "fuzzy" in entry.flags else EntryState.REVIEWED


def get_note(entry: polib.POEntry, key: str) -> str | None:
    """A ``key: value`` line of the entry's translator comment (origin, translator, reviewer)."""
    prefix = f"{key}: "
    for line in (entry.tcomment or "").splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :]
    return None


def set_note(entry: polib.POEntry, key: str, value: str | None) -> None:
    """Set or remove a ``key: value`` line of the entry's translator comment."""
    prefix = f"{key}: "
    lines = [line for line in (entry.tcomment or "").splitlines() if not line.startswith(prefix)]
    if value:
        lines.append(prefix + " ".join(value.split()))
    entry.tcomment = "\n".join(lines)


def record_draft(entry: polib.POEntry, text: str, origin: str, translator: str | None) -> None:
    """Store a draft translation (fuzzy) with its origin: ``tm``, ``mt:<engine>`` or ``human``."""
    entry.msgstr = text
    if "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    entry.previous_msgid = None
    set_note(entry, "origin", origin)
    set_note(entry, "translator", translator)
    set_note(entry, "reviewer", None)


def record_review(entry: polib.POEntry, reviewer: str, text: str | None = None) -> None:
    """Mark the entry reviewed by ``reviewer``, optionally with a corrected translation."""
    if text is not None:
        if text != entry.msgstr:
            set_note(entry, "translator", reviewer)
        entry.msgstr = text
    if not entry.msgstr:
        raise ApprovalError("an untranslated entry cannot be reviewed", hint="translate it first")
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgid = None
    origin = get_note(entry, "origin")
    if get_note(entry, "translator") is None and (origin is None or origin == "human"):
        # A machine or memory draft approved unchanged has no human translator.
        set_note(entry, "translator", reviewer)
    set_note(entry, "reviewer", reviewer)


@dataclass(frozen=True)
class Counts:
    """How many entries of a catalog are in each state."""

    untranslated: int = 0
    draft: int = 0
    reviewed: int = 0

    @property
    def total(self) -> int:
        return self.untranslated + self.draft + self.reviewed

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "total": self.total}


def active(po: Iterable[polib.POEntry]) -> list[polib.POEntry]:
    """The catalog's live entries (not obsolete, not the header)."""
    return [e for e in po if not e.obsolete and e.msgid]


def counts(po: polib.POFile) -> Counts:
    tally = {state: 0 for state in EntryState}
    for entry in active(po):
        tally[entry_state(entry)] += 1
    return Counts(
        tally[EntryState.UNTRANSLATED], tally[EntryState.DRAFT], tally[EntryState.REVIEWED]
    )


def translation_hash(po: polib.POFile) -> str:
    """A digest of exactly what an editor sees: every live msgid, msgstr and draft flag."""
    digest = hashlib.sha256()
    for entry in active(po):
        fuzzy = "1" if "fuzzy" in entry.flags else "0"
        for part in (entry.msgctxt or "", entry.msgid, entry.msgstr, fuzzy):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class Approval:
    editor: str
    at: str
    digest: str


def approval(po: polib.POFile) -> Approval | None:
    """The editor's approval, if it is still bound to the current translation."""
    meta = po.metadata
    if not meta.get(APPROVED_BY) or meta.get(APPROVED_HASH) != translation_hash(po):
        return None
    return Approval(meta[APPROVED_BY], meta.get(APPROVED_AT, ""), meta[APPROVED_HASH])


def approve(po: polib.POFile, editor: str, now: datetime) -> Approval:
    """Approve the article's translation as it is now; refused while anything is unreviewed."""
    if not editor.strip():
        raise ApprovalError("an approval needs the editor's name", hint="pass --by NAME")
    tally = counts(po)
    if tally.total == 0:
        raise ApprovalError("there is nothing to approve")
    if tally.untranslated or tally.draft:
        raise ApprovalError(
            f"{counted(tally.untranslated, 'entry', 'entries')} "
            f"{'is' if tally.untranslated == 1 else 'are'} untranslated and {tally.draft} "
            f"{'is an unreviewed draft' if tally.draft == 1 else 'are unreviewed drafts'}",
            hint="review every entry before approving the article",
        )
    result = Approval(" ".join(editor.split()), now.strftime(PO_DATE), translation_hash(po))
    po.metadata[APPROVED_BY] = result.editor
    po.metadata[APPROVED_AT] = result.at
    po.metadata[APPROVED_HASH] = result.digest
    return result


def article_state(po: polib.POFile | None, published_hash: str | None = None) -> ArticleState:
    """Where the article stands in the queue."""
    if po is None:
        return ArticleState.NEW
    if published_hash and published_hash == translation_hash(po):
        return ArticleState.PUBLISHED
    return state_of(counts(po), approval(po) is not None)


def state_of(tally: Counts, approved: bool) -> ArticleState:
    """The state of an unpublished article with these counts (for a caller that knows them)."""
    if approved:
        return ArticleState.APPROVED
    if tally.draft + tally.reviewed == 0:
        return ArticleState.NEW
    if tally.untranslated:
        return ArticleState.TRANSLATING
    return ArticleState.IN_REVIEW
