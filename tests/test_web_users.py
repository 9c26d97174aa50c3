"""Accounts of the review app: the store outside the repository, its modes, and the commands."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from transpub.cli import review as review_cli
from transpub.review.accounts import (
    SECRET_ENV,
    USERS_ENV,
    Role,
    UserError,
    UserStore,
    default_path,
    session_secret,
)

PASSWORD = "correct horse battery"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_roles_include_the_ones_below() -> None:
    assert Role.ADMIN.allows(Role.EDITOR) and Role.EDITOR.allows(Role.REVIEWER)
    assert Role.REVIEWER.allows(Role.TRANSLATOR) and Role.TRANSLATOR.allows(Role.TRANSLATOR)
    assert not Role.REVIEWER.allows(Role.EDITOR) and not Role.EDITOR.allows(Role.ADMIN)


def test_the_store_lives_outside_the_repository(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(USERS_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".config" / "transpub" / "users.json"
    monkeypatch.setenv(USERS_ENV, str(tmp_path / "elsewhere.json"))
    assert default_path() == tmp_path / "elsewhere.json"


def test_accounts_are_hashed_and_private(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "users.json"
    store = UserStore(path)
    user = store.add("wang.xiaoming", "reviewer", PASSWORD)
    assert (user.name, user.role) == ("wang.xiaoming", Role.REVIEWER)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert json.loads(text)["users"]["wang.xiaoming"]["hash"].startswith("$argon2id$")
    assert store.verify("wang.xiaoming", PASSWORD) == user
    assert store.verify("wang.xiaoming", "wrong password") is None
    assert store.verify("nobody", PASSWORD) is None
    # Another process (a fresh store on the same file) sees the account.
    assert UserStore(path).get("wang.xiaoming") == user


def test_chinese_names_are_accounts_too(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("王小明", "translator", PASSWORD)
    assert [u.name for u in store.users()] == ["王小明"]


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("bad name", "translator", PASSWORD, "not a valid user name"),
        ("", "translator", PASSWORD, "not a valid user name"),
        ("-dash", "translator", PASSWORD, "not a valid user name"),
        ("x" * 65, "translator", PASSWORD, "not a valid user name"),
        ("ok", "king", PASSWORD, "unknown role"),
        ("ok", "translator", "short", "shorter than 8"),
    ],
)
def test_bad_accounts_are_refused(
    tmp_path: Path, name: str, role: str, password: str, message: str
) -> None:
    store = UserStore(tmp_path / "users.json")
    with pytest.raises(UserError, match=message):
        store.add(name, role, password)
    assert not (tmp_path / "users.json").exists()


def test_a_name_is_taken_once_and_removed_once(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.add("li", "editor", PASSWORD)
    with pytest.raises(UserError, match="already exists"):
        store.add("li", "admin", PASSWORD)
    assert store.get("li") is not None and store.get("li").role is Role.EDITOR
    store.remove("li")
    assert store.get("li") is None
    with pytest.raises(UserError, match="no user"):
        store.remove("li")


def test_a_broken_store_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        UserStore(path).users()
    assert caught.value.path == str(path)


def test_the_session_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    store = tmp_path / "conf" / "users.json"
    first = session_secret(store)
    assert len(first) >= 32
    assert mode(store.with_name("secret_key")) == 0o600
    assert session_secret(store) == first  # kept, so sessions survive a restart
    monkeypatch.setenv(SECRET_ENV, "from the environment, long enough to sign cookies")
    assert session_secret(store) == "from the environment, long enough to sign cookies"


def _run(
    argv: list[str],
    setup: Callable[[argparse.ArgumentParser], None],
    handler: Callable[[argparse.Namespace], int],
) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-C", "--project")
    setup(parser)
    return handler(parser.parse_args(argv))


def test_the_users_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setenv(USERS_ENV, str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    add = ["add", "zhao", "--role", "editor", "--password-stdin"]
    assert _run(add, review_cli.args_users, review_cli.cmd_users) == 0
    assert UserStore(path).verify("zhao", PASSWORD) is not None
    assert _run(["list"], review_cli.args_users, review_cli.cmd_users) == 0
    out = capsys.readouterr().out
    assert "added zhao (editor)" in out and "zhao\teditor\t" in out
    sid = UserStore(path).start_session("zhao")
    assert _run(["role", "zhao", "reviewer"], review_cli.args_users, review_cli.cmd_users) == 0
    assert UserStore(path).session_user(sid).role is Role.REVIEWER  # type: ignore[union-attr]
    assert _run(["logout", "zhao"], review_cli.args_users, review_cli.cmd_users) == 0
    assert UserStore(path).session_user(sid) is None
    assert "ended 1 session(s) of zhao" in capsys.readouterr().out
    sid = UserStore(path).start_session("zhao")
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    passwd = ["passwd", "zhao", "--password-stdin"]
    assert _run(passwd, review_cli.args_users, review_cli.cmd_users) == 0
    assert UserStore(path).verify("zhao", "another password") is not None
    assert UserStore(path).session_user(sid) is None
    sid = UserStore(path).start_session("zhao")
    assert _run(["remove", "zhao"], review_cli.args_users, review_cli.cmd_users) == 0
    assert UserStore(path).get("zhao") is None
    assert UserStore(path).session_user(sid) is None
    assert _run(["logout", "zhao"], review_cli.args_users, review_cli.cmd_users) == 2
    with pytest.raises(SystemExit):
        _run(["add", "zhao", "--role", "king"], review_cli.args_users, review_cli.cmd_users)


def test_the_review_command_parses_its_options() -> None:
    parser = argparse.ArgumentParser()
    review_cli.args_review(parser)
    args = parser.parse_args(["serve"])
    assert (args.action, args.host, args.port, args.secure_cookies) == (
        "serve",
        "127.0.0.1",
        8000,
        False,
    )
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_review_serve_runs_the_app(project_dir: Path, tmp_path: Path) -> None:
    """`transpub review serve` as a process: the app answers on the port it was given."""
    users = tmp_path / "conf" / "users.json"
    UserStore(users).add("li", "reviewer", PASSWORD)
    with socket.socket() as probe:  # a free port (released just before the server takes it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import argparse, sys; from transpub.cli import review as review_cli; "
        "p = argparse.ArgumentParser(); "
        "p.add_argument('-C', '--project'); review_cli.args_review(p); "
        "sys.exit(review_cli.cmd_review(p.parse_args(sys.argv[1:])))"
    )
    env = {**os.environ, USERS_ENV: str(users)}
    env.pop(SECRET_ENV, None)
    argv = ["-C", str(project_dir), "serve", "--port", str(port)]
    with subprocess.Popen(
        [sys.executable, "-c", code, *argv], env=env, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stderr is not None
            seen = []
            for line in server.stderr:  # wait for uvicorn to say it listens: no polling
                seen.append(line)
                if "Uvicorn running on" in line:
                    break
            else:
                pytest.fail("the server stopped: " + "".join(seen))
            response = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
            assert (response.status_code, response.headers["location"]) == (
                303,
                "/login?next=%2F",
            )
            assert "Log in" in httpx.get(f"http://127.0.0.1:{port}/login").text
            # Made-up X-Forwarded-For addresses from 127.0.0.1 do not escape the login limit
            # (uvicorn's own default would believe them).
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                codes = []
                for i in range(12):
                    page = client.get("/login").text
                    csrf = page.split('name="csrf" value="')[1].split('"')[0]
                    form = {"csrf": csrf, "name": f"li{i}", "password": "guess", "next": "/"}
                    headers = {"x-forwarded-for": f"198.51.100.{i + 1}"}
                    codes.append(client.post("/login", data=form, headers=headers).status_code)
            assert 429 in codes
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert mode(users.with_name("secret_key")) == 0o600


def test_the_command_offers_every_role() -> None:
    assert tuple(r.value for r in Role) == review_cli.ROLES
