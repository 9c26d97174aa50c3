"""Counts in messages agree with their nouns ("1 draft", "2 drafts", "0 entries")."""

from __future__ import annotations

from datetime import UTC, datetime

import polib
import pytest

from transpub.catalog.queue import ArticleState, Counts, approve
from transpub.catalog.status import QueueRow, table_rows
from transpub.errors import ApprovalError
from transpub.wording import counted


@pytest.mark.parametrize(
    ("n", "one", "many", "said"),
    [
        (1, "draft", "", "1 draft"),
        (2, "draft", "", "2 drafts"),
        (0, "entry", "entries", "0 entries"),
        (1, "entry", "entries", "1 entry"),
    ],
)
def test_counted(n: int, one: str, many: str, said: str) -> None:
    assert counted(n, one, many) == said


def test_the_queue_total_counts_one_article() -> None:
    rows = table_rows([QueueRow("a", ArticleState.NEW, Counts(1, 0, 0))])
    assert rows[-1][1] == "1 article"


def test_an_approval_refusal_counts_in_the_singular() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="甲", msgstr=""))
    po.append(polib.POEntry(msgid="乙", msgstr="B", flags=["fuzzy"]))
    with pytest.raises(ApprovalError, match="1 entry is untranslated and 1 is an unreviewed draft"):
        approve(po, "Wang", datetime(2026, 1, 1, tzinfo=UTC))
