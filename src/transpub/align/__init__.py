"""Bootstrapping from existing translations: align a Chinese document with its published English
version, into translation memory (origin ``aligned``) and catalog drafts.

``align_files`` pairs the units of the two documents (:mod:`transpub.align.core`); the result is
written as TMX with a confidence per pair (``to_tmx``), imported into the memory above a threshold
(``transpub tm import``), or used to pre-fill a new article's catalog (``add_with_translation``).
"""

from transpub.align.core import AlignedPair, align_units
from transpub.align.files import (
    Alignment,
    PrefillStats,
    add_with_translation,
    align_files,
    prefill_catalog,
    to_tmx,
)

__all__ = [
    "AlignedPair",
    "Alignment",
    "PrefillStats",
    "add_with_translation",
    "align_files",
    "align_units",
    "prefill_catalog",
    "to_tmx",
]
