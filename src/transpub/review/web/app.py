"""The review app: a Starlette application over the library's review functions.

``create_app(project, users, secret_key)`` builds it; ``transpub review serve`` runs it with
uvicorn. Pages are rendered on the server (Jinja2, autoescaped); one small script saves entries
without reloading the page and binds Ctrl+Enter.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from transpub.article import Project
from transpub.catalog import journal
from transpub.errors import TranspubError
from transpub.review import store
from transpub.review.accounts import Role, User, UserStore
from transpub.review.web import routes
from transpub.review.web.auth import LoginLimiter, csrf_token
from transpub.review.web.views import Views, percent

SESSION_COOKIE = "transpub_session"
SESSION_DAYS = 7
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds a strict Content-Security-Policy and friends; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _context(request: Request) -> dict[str, object]:
    """What every template gets: the user, the CSRF token, a one-time message."""
    user = getattr(request.state, "user", None)
    return {
        "user": user,
        "csrf": csrf_token(request),
        "flash": request.session.pop("flash", None),
        "glossary_problem": request.app.state.views.glossary_problem if user else None,
    }


def can(user: User | None, role: str) -> bool:
    """Whether the user holds ``role`` or a higher one (for showing buttons; routes re-check)."""
    return user is not None and user.role.allows(Role(role))


def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("transpub.review.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        auto_reload=False,  # package files: no stat per render
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["percent"] = percent
    env.globals["can"] = can
    for name in env.list_templates():  # compiled now rather than on the first request
        env.get_template(name)
    return Jinja2Templates(env=env, context_processors=[_context])


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return routes.error_page(request, exc.status_code, exc.detail, exc.headers)


async def _library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TranspubError)
    text = exc.message + (f"; {exc.hint}" if exc.hint else "")
    return routes.error_page(request, 500, text)


def _recover(project: Project) -> None:
    """Replay what a killed process journaled but did not write (see ``catalog.journal``)."""
    for article in project.articles():
        if article.catalog.is_file():
            journal.settle(article.catalog, project.config.catalog.wrap_width)


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    store.flush_all()  # at shutdown: every catalog file holds every save (also done at exit)
    app.state.views.keep_findings()  # for the first page after the next start


def create_app(
    project: Project,
    users: UserStore,
    secret_key: str,
    *,
    limiter: LoginLimiter | None = None,
    https_only: bool = False,
    trusted_proxies: Sequence[str] = (),
) -> Starlette:
    """The review app for ``project``; accounts from ``users``; sessions signed with the key.

    ``trusted_proxies``: addresses or networks (``10.0.0.0/8``) of the reverse proxies in front;
    only requests coming from them may name the client in ``X-Forwarded-For`` (which the login
    limits count by). Without any, the header is ignored: the connecting address is the client.

    Saves are journaled (``transpub.catalog.journal``): acknowledged once fsynced in the
    article's journal, written into its catalog from memory within a second, and at shutdown.
    Journals a killed app left behind are replayed here first.
    """
    if len(secret_key) < 32:
        raise TranspubError("the session secret is too short", hint="use at least 32 characters")
    if "*" in trusted_proxies:
        raise TranspubError(
            "'*' cannot be a trusted proxy: any client could then choose its own address",
            hint="name the proxies' addresses or networks",
        )
    forwarded = (
        [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))]
        if trusted_proxies
        else []
    )
    static = Path(__file__).with_name("static")
    app = Starlette(
        routes=[
            Route("/", routes.queue_page, methods=["GET"], name="queue"),
            Route("/login", routes.login_page, methods=["GET"], name="login"),
            Route("/login", routes.login, methods=["POST"], name="login_post"),
            Route("/logout", routes.logout, methods=["POST"], name="logout"),
            Route("/articles/{slug}", routes.article_page, methods=["GET"], name="article"),
            Route("/articles/{slug}/entries/{eid}", routes.save, methods=["POST"], name="save"),
            Route("/articles/{slug}/preview", routes.preview_page, methods=["GET"], name="preview"),
            Route(
                "/articles/{slug}/entries/{eid}/machine", routes.machine_translate, methods=["POST"]
            ),
            Route(
                "/articles/{slug}/entries/{eid}/suggestions",
                routes.suggestions,
                methods=["GET"],
                name="suggestions",
            ),
            Route(
                "/articles/{slug}/entries/{eid}/comments",
                routes.add_comment,
                methods=["POST"],
                name="add_comment",
            ),
            Route(
                "/articles/{slug}/history/{cid}/revert",
                routes.revert_change,
                methods=["POST"],
                name="revert",
            ),
            Route(
                "/articles/{slug}/suggestions/{sid}/{verdict}",
                routes.decide_suggestion,
                methods=["POST"],
                name="decide_suggestion",
            ),
            Route(
                "/articles/{slug}/approve",
                routes.approve_article,
                methods=["POST"],
                name="approve",
            ),
            Route("/search", routes.search_page, methods=["GET"], name="search"),
            Route("/next", routes.next_entry, methods=["GET"], name="next"),
            Route("/users", routes.users_page, methods=["GET"], name="users"),
            Route("/users", routes.add_user, methods=["POST"], name="add_user"),
            Route("/users/remove", routes.remove_user, methods=["POST"], name="remove_user"),
            Route("/users/role", routes.set_role, methods=["POST"], name="set_role"),
            Route(
                "/users/sessions", routes.end_user_sessions, methods=["POST"], name="end_sessions"
            ),
            Route("/account", routes.account_page, methods=["GET"], name="account"),
            Route("/account", routes.change_password, methods=["POST"], name="change_password"),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ],
        middleware=[
            *forwarded,
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_DAYS * 24 * 3600,
                same_site="lax",
                https_only=https_only,
            ),
        ],
        exception_handlers={HTTPException: _http_error, TranspubError: _library_error},
        lifespan=_lifespan,
    )
    _recover(project)
    store.start(project.root)
    app.state.project = project
    app.state.users = users
    app.state.views = Views(project)
    app.state.templates = templates()
    app.state.limiter = limiter or LoginLimiter()
    threading.Thread(target=app.state.views.warm, name="transpub-warm", daemon=True).start()
    return app
