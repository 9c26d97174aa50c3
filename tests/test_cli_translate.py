"""The translate command's terminal: Prefect's log lines above the progress bar, no tracebacks."""

from __future__ import annotations

import io
import logging
import types

import pytest


def _raise() -> None:
    raise ValueError("deep inside")


@pytest.mark.parametrize("debug", [False, True])
def test_log_lines_print_above_the_bar_and_tracebacks_need_debug(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    import prefect.main  # noqa: F401 - configures Prefect's logging
    from rich.console import Console

    from transpub.cli.translate import _terminal, prefect_console_handlers

    if debug:
        monkeypatch.setenv("TRANSPUB_DEBUG", "1")
    else:
        monkeypatch.delenv("TRANSPUB_DEBUG", raising=False)
    handlers = prefect_console_handlers()
    assert handlers
    before = [(h.formatter, h.console) for h in handlers]  # type: ignore[attr-defined]
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=100)
    module = types.SimpleNamespace(PROGRESS=None)
    logger = logging.getLogger("transpub-test-terminal")  # printing through Prefect's handler
    logger.propagate = False
    monkeypatch.setattr(logger, "handlers", [handlers[0]])
    with _terminal(module, console):
        module.PROGRESS("events", 1, 4)
        try:
            _raise()
        except ValueError:
            logger.error("events: DeepL answered 429", exc_info=True)
    text = screen.getvalue()
    assert "events: DeepL answered 429" in text  # printed through the bar's console
    assert ("Traceback" in text) is debug
    assert module.PROGRESS is None
    assert [(h.formatter, h.console) for h in handlers] == before  # type: ignore[attr-defined]
