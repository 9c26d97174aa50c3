"""``transpub deploy``: the work pool (when missing) and every deployment on a Prefect server."""

from __future__ import annotations

import argparse

from transpub.cli.common import OK
from transpub.errors import TranspubError


def cmd_deploy(args: argparse.Namespace) -> int:
    try:
        import flows.deploy as deploy_flows
    except ImportError as exc:
        raise TranspubError(
            f"the Prefect flows are not installed ({exc})",
            hint="install transpub from its repository (`pip install -e .`)",
        ) from exc
    done = deploy_flows.deploy()
    made = "created" if done.created_pool else "exists"
    print(f"Work pool {done.pool}: {made}. Deployed every deployment of flows/prefect.yaml.")
    print(
        f"Start a worker: TRANSPUB_ROOT=/path/to/checkout prefect worker start --pool {done.pool}"
    )
    return OK


def args_deploy(p: argparse.ArgumentParser) -> None:
    """No options: the pool and deployments are those of flows/prefect.yaml."""
