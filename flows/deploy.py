"""Deploy transpub's flows to a Prefect server: the work pool when it is missing, then every
deployment of ``flows/prefect.yaml`` (schedules and the approval → publish trigger included).

Prefect's own command does the deploying (``prefect deploy --all``), so ``prefect.yaml`` stays
the one declaration of what runs where.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from transpub.errors import TranspubError, typed_path

PREFECT_FILE = Path(__file__).with_name("prefect.yaml")
#: The folder the deployments' entrypoints (``flows/….py``) are relative to.
CODE_ROOT = PREFECT_FILE.parent.parent
POOL = "transpub"


@dataclass(frozen=True)
class Deployed:
    """What ``deploy`` did: the pool (and whether it was created) and Prefect's own report."""

    pool: str
    created_pool: bool
    output: str


def api_url() -> str:
    """The Prefect API the deployments go to (``PREFECT_API_URL``); a sentence if none is set."""
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if not url:
        raise TranspubError(
            "PREFECT_API_URL is not set, so there is no Prefect server to deploy to",
            hint="start one (`prefect server start`) and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
        )
    return url


def ensure_pool(name: str = POOL) -> bool:
    """Create the process work pool ``name`` unless it exists; True when it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: api_url()}),
        get_client(sync_client=True) as client,
    ):
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return True


def deploy(pool: str = POOL) -> Deployed:
    """Create the work pool if missing and deploy every deployment of ``prefect.yaml``.

    Raises ``TranspubError`` (with Prefect's last words) when no server is configured, the server
    does not answer or ``prefect deploy`` fails.
    """
    url = api_url()
    try:
        created = ensure_pool(pool)
    except Exception as exc:  # the server is down or refuses: say so in one line
        raise TranspubError(
            f"the Prefect server at {url} did not answer ({type(exc).__name__}: {exc})",
            hint="check that `prefect server start` runs and PREFECT_API_URL points to it",
        ) from exc
    command = [
        sys.executable, "-m", "prefect", "--no-prompt", "deploy",
        "--prefect-file", str(PREFECT_FILE), "--all",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=CODE_ROOT, capture_output=True, text=True, env=os.environ.copy()
    )
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        last = [line.strip() for line in output.splitlines() if line.strip()][-1:] or ["no output"]
        raise TranspubError(
            f"`prefect deploy` of {PREFECT_FILE.name} failed: {last[0]}",
            hint=f"run `prefect deploy --prefect-file {typed_path(PREFECT_FILE)} --all` to see "
            "everything",
        )
    return Deployed(pool, created, output)
