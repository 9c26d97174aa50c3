"""Who is asking, and may they: sessions, roles, CSRF tokens and the login rate limit."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from transpub.review.accounts import Role, User, UserStore

Endpoint = Callable[[Request], Awaitable[Response]]

_SID, _FINGERPRINT, _CSRF = "sid", "fp", "csrf"
#: Form limits: a translation is a paragraph, not a book.
MAX_FIELDS, MAX_PART = 16, 256 * 1024


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use), to put in every form."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


async def read_form(request: Request) -> FormData:
    """The posted form, after its CSRF token was checked (403 when it is missing or wrong)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART)
    given = form.get("csrf")
    expected = request.session.get(_CSRF)
    if (
        not isinstance(given, str)
        or not isinstance(expected, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise HTTPException(403, "The form has expired or did not come from this site. Reload it.")
    return form


def session_id(request: Request) -> str | None:
    """The server-side session id the signed cookie carries, if any."""
    sid = request.session.get(_SID)
    return sid if isinstance(sid, str) else None


def current_user(request: Request) -> User | None:
    """The user of an open server-side session, still in the store with the same password.

    The cookie only names the session: logging out, a password change, removing the user or an
    admin ending their sessions closes it on the server, and copies of the cookie stop working.
    """
    sid = session_id(request)
    if sid is None:
        return None
    store: UserStore = request.app.state.users
    user = store.session_user(sid)
    if user is None or request.session.get(_FINGERPRINT) != user.fingerprint:
        return None
    return user


def start_session(request: Request, user: User) -> None:
    """A fresh session for ``user`` (nothing kept from before the login, a new CSRF token)."""
    store: UserStore = request.app.state.users
    old = session_id(request)
    if old is not None:
        store.end_session(old)
    request.session.clear()
    request.session[_SID] = store.start_session(user.name)
    request.session[_FINGERPRINT] = user.fingerprint
    csrf_token(request)


def refresh_fingerprint(request: Request, user: User) -> None:
    """After the user changed their own password: this session stays theirs."""
    request.session[_FINGERPRINT] = user.fingerprint


def end_session(request: Request) -> None:
    """Log out: the session ends on the server, and the cookie is emptied."""
    sid = session_id(request)
    if sid is not None:
        store: UserStore = request.app.state.users
        store.end_session(sid)
    request.session.clear()


def require(role: Role) -> Callable[[Endpoint], Endpoint]:
    """An endpoint for logged-in users with at least ``role``; POSTs must carry the CSRF token.

    Anonymous GETs go to the login page; anonymous POSTs are refused (401), as are users whose
    role is too low (403). The user is ``request.state.user``, the form ``request.state.form``.
    """

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = current_user(request)
            if user is None:
                if request.method == "GET":
                    target = request.url.path + (
                        f"?{request.url.query}" if request.url.query else ""
                    )
                    return RedirectResponse(
                        request.app.url_path_for("login") + "?" + _next_query(target), 303
                    )
                raise HTTPException(401, "Log in first.")
            if not user.role.allows(role):
                article = "an" if str(user.role)[0] in "aeiou" else "a"
                raise HTTPException(
                    403, f"This needs the {role} role; you are {article} {user.role}."
                )
            request.state.user = user
            if request.method == "POST":
                request.state.form = await read_form(request)
            return await endpoint(request)

        return guarded

    return decorate


def _next_query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})


def safe_next(value: object) -> str:
    """A local path to go to after logging in (never another site)."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(ch) < 32 for ch in value)
    ):
        return value
    return "/"


class LoginLimiter:
    """Failed logins, counted per (name, client address) and per client address.

    After ``free`` failures of a name from one address (``address_free`` from one address over
    all names), each further try waits a delay that doubles with every failure, from ``base`` up
    to ``cap`` seconds. A name is never locked for everyone: its owner logs in from another
    address while an attacker's address waits. Failures are forgotten ``forget`` seconds after
    the last one, and a successful login clears its (name, address). Nothing ever sleeps; the
    clock is injectable so that tests can move time.
    """

    def __init__(
        self,
        free: int = 5,
        address_free: int = 10,
        base: float = 1.0,
        cap: float = 300.0,
        forget: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.address_free = address_free
        self.base = base
        self.cap = cap
        self.forget = forget
        self.clock = clock
        self._failures: dict[tuple[str, ...], tuple[int, float]] = {}  # key → (count, last)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("pair", name.casefold(), address), ("addr", address)

    def delay(self, failures: int, free: int) -> float:
        """Seconds to wait after ``failures`` failures when ``free`` of them cost nothing."""
        if failures < free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - free, 32)))

    def _wait(self, key: tuple[str, ...], free: int, now: float) -> float:
        found = self._failures.get(key)
        if found is None:
            return 0.0
        count, last = found
        if now - last >= self.forget:
            del self._failures[key]
            return 0.0
        return max(0.0, last + self.delay(count, free) - now)

    def retry_after(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: go ahead)."""
        now = self.clock()
        pair, addr = self._keys(name, address)
        with self._lock:
            return max(self._wait(pair, self.free, now), self._wait(addr, self.address_free, now))

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10_000:  # forget stale keys now and then
                for key, (_, last) in list(self._failures.items()):
                    if now - last >= self.forget:
                        del self._failures[key]
            for key in self._keys(name, address):
                count, last = self._failures.get(key, (0, now))
                if now - last >= self.forget:
                    count = 0
                self._failures[key] = (count + 1, now)

    def succeeded(self, name: str, address: str) -> None:
        """A right password: that name's failures from that address are forgiven."""
        with self._lock:
            self._failures.pop(self._keys(name, address)[0], None)
