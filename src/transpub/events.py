"""Prefect events about articles (``transpub.article.approved``, ``transpub.article.published``).

An event goes to the Prefect API of ``PREFECT_API_URL`` through Prefect's own events client, so an
automation declared with the deployments can react (approval → the publish deployment). With no
API configured nothing is imported or sent; when the API is down or slow the event is dropped
after ``timeout`` seconds with a warning: an event never blocks or fails the action it reports.
Prefect is imported only when an event is sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)

APPROVED = "transpub.article.approved"
PUBLISHED = "transpub.article.published"
#: How long an action waits for the API to take its event, in seconds.
TIMEOUT = 5.0


def resource_id(slug: str) -> str:
    """The event resource of an article: ``transpub.article.<slug>``."""
    return f"transpub.article.{slug}"


def configured() -> bool:
    """Whether a Prefect API is configured (``PREFECT_API_URL`` in the environment)."""
    return bool(os.environ.get("PREFECT_API_URL", "").strip())


def require_api() -> None:
    """Raise ``TranspubError`` (one line: start the server, or unset ``PREFECT_API_URL`` to run
    in this process) when a Prefect API is configured but ``/health`` does not answer."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from transpub.errors import TranspubError

    url = os.environ["PREFECT_API_URL"].strip()
    with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise TranspubError(
            f"the Prefect server at {url} cannot be reached ({type(problem).__name__}: {problem})",
            hint="start it (`prefect server start`), or unset PREFECT_API_URL to run in this "
            "process",
        )


def emit_article_event(
    event: str,
    slug: str,
    labels: Mapping[str, str] | None = None,
    payload: Mapping[str, object] | None = None,
    *,
    timeout: float = TIMEOUT,
) -> bool:
    """Send ``event`` about article ``slug`` to the configured Prefect API; True when sent.

    ``labels`` become resource labels (``transpub.<key>``: strings, usable in trigger templates as
    ``event.resource['transpub.<key>']``); ``payload`` is the event's payload. Returns False,
    without raising, when no API is configured or it did not take the event within ``timeout``.
    """
    if not configured():
        return False
    resource = {"prefect.resource.id": resource_id(slug), "transpub.slug": slug}
    resource.update({f"transpub.{key}": str(value) for key, value in (labels or {}).items()})
    outcome: list[BaseException | None] = []

    def send() -> None:
        try:
            asyncio.run(_send(event, resource, dict(payload or {})))
            outcome.append(None)
        except BaseException as exc:  # reported below: an event never fails the action
            outcome.append(exc)

    worker = threading.Thread(target=send, name=f"transpub-event-{slug}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        log.warning(
            "Prefect event %s for %s dropped: the API took over %.0f s", event, slug, timeout
        )
        return False
    if outcome[0] is not None:
        error = outcome[0]
        log.warning(
            "Prefect event %s for %s not sent: %s: %s", event, slug, type(error).__name__, error
        )
        return False
    return True


async def _send(event: str, resource: dict[str, str], payload: dict[str, object]) -> None:
    from prefect.events import Event, Resource
    from prefect.events.clients import get_events_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # The URL of the environment now, whatever Prefect's settings held when it was imported.
    with temporary_settings({PREFECT_API_URL: os.environ["PREFECT_API_URL"].strip()}):
        client = get_events_client(reconnection_attempts=1, checkpoint_every=1)
    async with client:
        await client.emit(Event(event=event, resource=Resource(resource), payload=payload))
