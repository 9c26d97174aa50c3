"""Charts of a recognition report, drawn with matplotlib as self-contained SVG.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot, no global backend state), text is
drawn as paths (no font needed to view them) and the SVG carries no date, so an unchanged report
is byte-identical. Chinese names use an installed CJK font (WenQuanYi, Noto CJK) when one exists.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

#: Colours per role (translator, reviewer, editor): readable on white, distinct without colour.
COLOURS = ("#2b6cb0", "#dd6b20", "#38a169")
_CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC")


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """DejaVu Sans, then the first installed CJK font (for the glyphs DejaVu lacks)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *[name for name in _CJK_FONTS if name in installed][:1])


@contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib settings, for the duration of one drawing."""
    import matplotlib

    settings: dict[str, Any] = {
        "font.family": list(font_families()),
        "svg.fonttype": "path",
        "svg.hashsalt": "transpub",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 10,
    }
    with matplotlib.rc_context(settings):  # type: ignore[arg-type]
        yield


def _svg(fig: Any) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def monthly_chart(months: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> str:
    """Stacked bars: entries per month, one colour per role (``series``: role → counts)."""
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=(7.5, 3.2))
        ax = fig.subplots()
        bottom = [0] * len(months)
        for (label, values), colour in zip(series.items(), COLOURS, strict=False):
            ax.bar(months, values, bottom=bottom, label=label, color=colour, width=0.7)
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        ax.set_title(title)
        ax.set_ylabel("entries")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_ylim(0, max([*bottom, 1]) * 1.1)
        if len(months) > 6:
            ax.tick_params(axis="x", labelrotation=45)
        return _svg(fig)


def top_chart(names: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> str:
    """Stacked horizontal bars: entries per person and role, the first name on top."""
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=(7.5, 0.45 * max(len(names), 2) + 1.0))
        ax = fig.subplots()
        rows = list(range(len(names)))[::-1]
        left = [0] * len(names)
        for (label, values), colour in zip(series.items(), COLOURS, strict=False):
            ax.barh(rows, values, left=left, label=label, color=colour, height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(rows, list(names))
        ax.set_xlabel("entries")
        ax.set_title(title)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig)


def progress_chart(
    names: Sequence[str], shares: Sequence[float], labels: Sequence[str], title: str
) -> str:
    """Horizontal bars of the share (0–1) of the next tier's threshold reached, labelled."""
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=(7.5, 0.45 * max(len(names), 2) + 1.0))
        ax = fig.subplots()
        rows = list(range(len(names)))[::-1]
        ax.barh(rows, [1.0] * len(names), color="#e2e8f0", height=0.6)
        ax.barh(rows, shares, color=COLOURS[0], height=0.6)
        for row, share, label in zip(rows, shares, labels, strict=True):
            ax.text(min(share, 0.98) + 0.01, row, label, va="center", fontsize=8)
        ax.set_yticks(rows, list(names))
        ax.set_xlim(0, 1.45)
        ax.set_xticks([0, 0.5, 1.0], ["0", "50 %", "100 %"])
        ax.set_title(title)
        return _svg(fig)
