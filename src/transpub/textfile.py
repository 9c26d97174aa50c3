"""Reading source files strictly, reading JSON Lines logs, and writing files atomically."""

from __future__ import annotations

import json
import os

from transpub.errors import SourceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

#: Files above this size are refused: nothing we publish is that large, and a mistake is likely.
MAX_SOURCE_BYTES = 64 * 1024 * 1024


def decode_source(data: bytes, path: str | Path, *, article: bool = True) -> str:
    """Decode a Markdown source, refusing binary, empty and non-UTF-8 input with a located error.

    An article must have content and no NUL byte. A plain Markdown file (``article=False``, as
    ``md2po`` converts) may be empty or blank, and may hold NUL bytes when it is otherwise valid
    UTF-8: CommonMark reads those as U+FFFD.
    """
    if article and not data.strip():
        raise SourceError(
            "the file is empty", path=path, hint="write the article's Markdown into it first"
        )
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(
            f"the file is {len(data) // (1024 * 1024)} MiB, above the "
            f"{MAX_SOURCE_BYTES // (1024 * 1024)} MiB limit",
            path=path,
            hint="split it into several articles",
        )
    nul = data.find(b"\x00")
    if nul >= 0 and (article or not _is_utf8(data)):
        raise SourceError(
            "this looks like a binary file (it contains NUL bytes), not Markdown",
            path=path,
            line=data.count(b"\n", 0, nul) + 1,
            hint="give transpub a UTF-8 Markdown file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
            path=path,
            line=line,
            hint="convert the file to UTF-8, e.g. `iconv -f GB18030 -t UTF-8`",
        ) from exc


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_source(path: str | Path, *, article: bool = True) -> str:
    """Read a Markdown source file exactly (no newline translation); ``article`` as for
    :func:`decode_source`."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read()
    except FileNotFoundError as exc:
        raise SourceError("no such file", path=p, hint="check the path") from exc
    except IsADirectoryError as exc:
        raise SourceError("is a directory, not a Markdown file", path=p) from exc
    except OSError as exc:
        raise SourceError(f"cannot read the file ({exc.strerror})", path=p) from exc
    return decode_source(data, p, article=article)


def write_atomic(path: str | Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` atomically; skip the write (return False) when it is unchanged."""
    p = os.fspath(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(p, "rb") as fh:
            if fh.read() == raw:
                return False
    except OSError:
        pass
    folder, name = os.path.split(os.path.abspath(p))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{id(raw):x}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def read_json_lines(
    path: Path,
    bad_line: Callable[[int], Exception],
    valid: Callable[[dict[str, Any]], bool] = lambda record: True,
) -> list[dict[str, Any]]:
    """The records of a JSON Lines log, oldest first; none when the file is missing.

    The last line, if it is not JSON, was torn by a crash mid-write and never acknowledged: it
    is skipped. Any other line that is not a JSON object passing ``valid`` raises
    ``bad_line(line number)`` (1-based). Read as bytes, so a torn UTF-8 character is only a
    torn line.
    """
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    last = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            if number == last:
                continue
            data = None
        if not isinstance(data, dict) or not valid(data):
            raise bad_line(number)
        out.append(data)
    return out
