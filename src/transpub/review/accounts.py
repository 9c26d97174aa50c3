"""The review app's accounts: names, roles and argon2 password hashes, kept outside the repository.

The store is a JSON file (``$TRANSPUB_USERS`` or ``~/.config/transpub/users.json``) readable by its
owner only; the session secret and the open sessions (``sessions.json``, only hashes of their ids)
live beside it. None of them ever belongs in the content repository.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from transpub.errors import TranspubError

USERS_ENV = "TRANSPUB_USERS"
SECRET_ENV = "TRANSPUB_SECRET_KEY"
SECRET_NAME = "secret_key"
#: How long a session lives at most (the cookie's own life is the same).
SESSION_SECONDS = 7 * 24 * 3600
#: Letters (any script), digits, `.`, `_`, `-`; no spaces, so a name reads back from a PO note.
_NAME = re.compile(r"[^\W_][\w.-]{0,63}")
MIN_PASSWORD = 8


class UserError(TranspubError):
    """A user cannot be added, found or removed, or the store is unreadable."""


class Role(StrEnum):
    """What a person may do; each role includes the ones before it."""

    TRANSLATOR = "translator"  # edits drafts
    REVIEWER = "reviewer"  # also approves entries
    EDITOR = "editor"  # also approves articles
    ADMIN = "admin"  # also manages users

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created: str
    password_hash: str

    @property
    def fingerprint(self) -> str:
        """Changes whenever the password does: sessions carry it so that a reset logs them out."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def default_path() -> Path:
    """``$TRANSPUB_USERS``, else ``~/.config/transpub/users.json``."""
    env = os.environ.get(USERS_ENV)
    return Path(env) if env else Path.home() / ".config" / "transpub" / "users.json"


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UserError(
            f"{name!r} is not a valid user name",
            hint="use letters, digits, `.`, `_` or `-` (up to 64, no spaces), e.g. wang.xiaoming",
        )
    return name


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as exc:
        raise UserError(
            f"unknown role {role!r}", hint=f"use one of: {', '.join(r.value for r in Role)}"
        ) from exc


def _write_private(path: Path, text: str) -> None:
    """Write a file atomically with mode 0600 (never readable by others, even for a moment)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class UserStore:
    """The accounts file; reads are cached until the file changes, writes are locked and atomic."""

    def __init__(self, path: str | Path | None = None, hasher: PasswordHasher | None = None):
        self.path = Path(path) if path is not None else default_path()
        self._hasher = hasher or PasswordHasher()
        self._cache: tuple[tuple[int, int, int], dict[str, User]] | None = None
        self._guard = threading.Lock()
        self._dummy: str | None = None
        self._sessions_cache: tuple[tuple[int, int, int], dict[str, _Session]] | None = None

    @property
    def sessions_path(self) -> Path:
        """The open sessions, beside the accounts (``users.json`` → ``users.sessions.json``)."""
        return self.path.with_name(f"{self.path.stem}.sessions.json")

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> dict[str, User]:
        with self._guard:
            ident = self._identity()
            if ident is None:
                return {}
            if self._cache is not None and self._cache[0] == ident:
                return self._cache[1]
            users = self._parse()
            self._cache = (ident, users)
            return users

    def _parse(self) -> dict[str, User]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                name: User(name, Role(u["role"]), u.get("created", ""), u["hash"])
                for name, u in data["users"].items()
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(
                f"cannot read the user store ({type(exc).__name__}: {exc})",
                path=self.path,
                hint="repair the JSON or remove the file and add the users again",
            ) from exc

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The store's lock file, held exclusively (other processes too)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, User]]:
        """The users, for changing, under an exclusive lock; saved when the block ends."""
        with self._exclusive():
            users = dict(self._parse()) if self.path.exists() else {}
            yield users
            data = {
                "version": 1,
                "users": {
                    u.name: {"role": str(u.role), "created": u.created, "hash": u.password_hash}
                    for u in sorted(users.values(), key=lambda u: u.name)
                },
            }
            _write_private(self.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def users(self) -> list[User]:
        """Every account, by name."""
        return sorted(self._read().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._read().get(name)

    def add(self, name: str, role: Role | str, password: str) -> User:
        """Create an account; the password is stored only as an argon2id hash."""
        check_name(name)
        chosen = _role(role)
        if len(password) < MIN_PASSWORD:
            raise UserError(f"the password is shorter than {MIN_PASSWORD} characters")
        user = User(name, chosen, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "")
        hashed = self._hasher.hash(password)
        with self._locked() as users:
            if name in users:
                raise UserError(f"user {name!r} already exists", path=self.path)
            users[name] = user = User(user.name, user.role, user.created, hashed)
        return user

    def set_password(self, name: str, password: str, keep_session: str | None = None) -> User:
        """Change a password; every session of the user ends (but ``keep_session``)."""
        if len(password) < MIN_PASSWORD:
            raise UserError(f"the password is shorter than {MIN_PASSWORD} characters")
        hashed = self._hasher.hash(password)
        with self._locked() as users:
            old = users.get(name)
            if old is None:
                raise UserError(f"no user {name!r}", path=self.path)
            users[name] = user = User(old.name, old.role, old.created, hashed)
        self.end_sessions(name, keep=keep_session)
        return user

    def set_role(self, name: str, role: Role | str) -> User:
        """Give a user another role (it applies to their open sessions at once)."""
        chosen = _role(role)
        with self._locked() as users:
            old = users.get(name)
            if old is None:
                raise UserError(f"no user {name!r}", path=self.path)
            users[name] = user = User(old.name, chosen, old.created, old.password_hash)
        return user

    def remove(self, name: str) -> None:
        """Remove an account and end its sessions."""
        with self._locked() as users:
            if users.pop(name, None) is None:
                raise UserError(f"no user {name!r}", path=self.path)
        self.end_sessions(name)

    def verify(self, name: str, password: str) -> User | None:
        """The user if the password is theirs, else None (in the same time either way)."""
        user = self._read().get(name)
        if user is None and self._dummy is None:
            # Verifying an unknown name costs as much as a known one: no hint of who exists.
            self._dummy = self._hasher.hash(secrets.token_hex(16))
        try:
            self._hasher.verify(user.password_hash if user else str(self._dummy), password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    # -- sessions: revocable on the server ----------------------------------------------------

    def _parse_sessions(self) -> dict[str, _Session]:
        try:
            data = json.loads(self.sessions_path.read_text(encoding="utf-8"))
            return {
                key: _Session(s["user"], float(s["started"])) for key, s in data["sessions"].items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(
                f"cannot read the open sessions ({type(exc).__name__}: {exc})",
                path=self.sessions_path,
                hint="remove the file: everyone logs in again",
            ) from exc

    def _read_sessions(self) -> dict[str, _Session]:
        with self._guard:
            try:
                st = self.sessions_path.stat()
            except FileNotFoundError:
                return {}
            ident = (st.st_ino, st.st_mtime_ns, st.st_size)
            if self._sessions_cache is not None and self._sessions_cache[0] == ident:
                return self._sessions_cache[1]
            sessions = self._parse_sessions()
            self._sessions_cache = (ident, sessions)
            return sessions

    @contextmanager
    def _sessions_locked(self) -> Iterator[dict[str, _Session]]:
        """The open sessions, for changing, under the accounts' lock; expired ones dropped."""
        with self._exclusive():
            now = time.time()
            sessions = {
                k: v for k, v in self._parse_sessions().items() if v.started + SESSION_SECONDS > now
            }
            yield sessions
            data = {
                "version": 1,
                "sessions": {
                    k: {"user": v.user, "started": v.started} for k, v in sessions.items()
                },
            }
            _write_private(self.sessions_path, json.dumps(data, indent=1) + "\n")

    def start_session(self, name: str) -> str:
        """A new session for ``name``: its id, to put in the (signed) cookie. Only a hash of the
        id is stored, so the sessions file does not hand out sessions."""
        sid = secrets.token_urlsafe(32)
        with self._sessions_locked() as sessions:
            sessions[_sid_key(sid)] = _Session(name, time.time())
        return sid

    def session_user(self, sid: str) -> User | None:
        """The user of an open session (still in the store), else None."""
        found = self._read_sessions().get(_sid_key(sid))
        if found is None or found.started + SESSION_SECONDS <= time.time():
            return None
        return self.get(found.user)

    def end_session(self, sid: str) -> None:
        """End one session (logging out); the cookie's copies stop working at once."""
        with self._sessions_locked() as sessions:
            sessions.pop(_sid_key(sid), None)

    def end_sessions(self, name: str, keep: str | None = None) -> int:
        """End every session of ``name`` (but ``keep``'s); how many were ended."""
        kept = _sid_key(keep) if keep else None
        with self._sessions_locked() as sessions:
            ended = [k for k, v in sessions.items() if v.user == name and k != kept]
            for key in ended:
                del sessions[key]
        return len(ended)

    def session_counts(self) -> dict[str, int]:
        """How many sessions each user has open."""
        now = time.time()
        tally: dict[str, int] = {}
        for found in self._read_sessions().values():
            if found.started + SESSION_SECONDS > now:
                tally[found.user] = tally.get(found.user, 0) + 1
        return tally


@dataclass(frozen=True)
class _Session:
    user: str
    started: float  # seconds since the epoch


def _sid_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def session_secret(store: Path) -> str:
    """``$TRANSPUB_SECRET_KEY``, else a key generated once and kept beside the user store (0600)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env
    path = store.with_name(SECRET_NAME)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if len(key) < 32:
        key = secrets.token_urlsafe(48)
        _write_private(path, key + "\n")
    return key
