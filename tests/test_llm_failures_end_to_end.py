"""`transpub translate --engine llm` when the service keeps failing: exit 2, one line per article,
the tables, nothing stored; the next run sends exactly what failed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from servers.openai_server import OpenAIServer, serve

from conftest import write_article
from transpub.catalog import pofile

pytestmark = pytest.mark.flow


def _article(topic: str) -> str:
    body = "\n\n".join(f"{topic}第{i}段：国际接轨组组织了第 {i} 场活动。" for i in range(3))
    return f"---\ntitle: {topic}\n---\n\n{body}\n"


def _transpub(project: Path, llm: OpenAIServer) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENAI_API_KEY": llm.key,
        "OPENAI_BASE_URL": llm.base_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # A first start on a fresh PREFECT_HOME of a busy machine takes longer than the default.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "150",
    }
    exe = Path(sys.executable).with_name("transpub")
    return subprocess.run(
        [str(exe), "-C", str(project), "translate", "--engine", "llm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _cost_column(out: str, name: str) -> dict[str, str]:
    """Article → its cell in the named column of the printed cost table."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("article  from memory"))
    names = re.split(r"\s{2,}", lines[header].strip())
    cells = {}
    for line in lines[header + 2 :]:
        row = re.split(r"\s{2,}", line.strip())
        if len(row) == len(names) and not line.startswith("-"):
            cells[row[0]] = row[names.index(name)]
    return cells


def test_persistent_server_errors_fail_each_article_in_one_line(project_dir: Path) -> None:
    write_article(project_dir, "events", _article("活动"))
    write_article(project_dir, "plans", _article("计划"))
    with serve() as llm:
        llm.always = "server_error"
        run = _transpub(project_dir, llm)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 2, run.stderr
        for slug, line in zip(("events", "plans"), sorted(errors), strict=True):
            assert line.startswith(f"Error: {slug}: 4 entries got no usable machine translation")
            assert "HTTP 500 (after 3 retries)" in line
        # 1 + 3 retries per article, counted; nothing stored.
        assert len(llm.requests) == 8
        assert _cost_column(run.stdout, "requests") == {"events": "4", "plans": "4", "total": "8"}
        assert _cost_column(run.stdout, "failed") == {"events": "4", "plans": "4", "total": "8"}
        for slug in ("events", "plans"):
            po = pofile.load(project_dir / "articles" / slug / "en.po")
            assert all(e.msgstr == "" for e in po)

        first = len(llm.requests)
        llm.always = None
        again = _transpub(project_dir, llm)
        assert again.returncode == 0, again.stderr
        failed = {u for units in llm.sent_units()[:first] for u in units}
        sent = [u for units in llm.sent_units()[first:] for u in units]
        assert len(failed) == 8 and sorted(sent) == sorted(failed)  # each once
        assert _cost_column(again.stdout, "failed")["total"] == "0"
