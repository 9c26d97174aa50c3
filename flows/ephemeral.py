"""Prefect's temporary (ephemeral) server for in-process runs: a generous start-up allowance, one
line when it still fails, and no orphan server when the run is killed.

With no ``PREFECT_API_URL``, Prefect starts a temporary API server in a subprocess at the first
flow call. On a fresh ``PREFECT_HOME`` it migrates its database first, which on a busy machine
outlasts Prefect's 20 s default allowance. This module starts that same server itself (Prefect
then uses it: the server is one per process), with ``STARTUP_ALLOWANCE`` seconds unless the user
set ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``, and ties it to this process with a small
watchdog that stops it when this process dies, ``kill -9`` included.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from typing import Any

from transpub.errors import TranspubError

#: Seconds the temporary server gets to answer when the user has not said otherwise.
STARTUP_ALLOWANCE = 300
TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"

#: Run by the watchdog: stop the server (argv[1]) once its parent (argv[2]) is gone.
_WATCHDOG = """
import os, signal, sys, time
server, parent = int(sys.argv[1]), int(sys.argv[2])
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
while alive(server) and os.getppid() == parent:
    time.sleep(0.5)
if alive(server):
    os.kill(server, signal.SIGTERM)
    for _ in range(20):
        if not alive(server):
            break
        time.sleep(0.25)
    else:
        os.kill(server, signal.SIGKILL)
"""


class StartupError(TranspubError):
    """Prefect's temporary server did not start."""


@functools.cache
def _server_class() -> type[Any]:
    from prefect.server.api.server import SubprocessASGIServer

    class TiedServer(SubprocessASGIServer):
        """Prefect's temporary server, watched so that it ends with this process."""

        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            process = super()._run_uvicorn_command()
            subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(process.pid), str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a kill of our process group leaves it to do its job
            )
            return process

    return TiedServer


def start_temporary_server() -> str | None:
    """Start Prefect's temporary server when this process needs one and has none; its API URL
    (None: a configured server is used). It stops when the process exits (Prefect's own exit
    hook, or the watchdog after a kill). Raises StartupError, one line with the fix, when it does
    not answer in time."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return None
    server = _server_class()()  # the one instance Prefect's own clients will use
    if server.running:
        return str(server.api_url)
    timeout = None if os.environ.get(TIMEOUT_ENV) else STARTUP_ALLOWANCE
    allowance = timeout or settings.server.ephemeral.startup_timeout_seconds
    try:
        server.start(timeout=timeout)
    except RuntimeError as exc:
        server.stop()
        raise StartupError(
            f"Prefect's temporary server did not answer within {allowance:g} s "
            "(a first run on a fresh PREFECT_HOME builds its database first)",
            hint=f"set {TIMEOUT_ENV} higher, or PREFECT_API_URL to a running Prefect server",
        ) from exc
    return str(server.api_url)
