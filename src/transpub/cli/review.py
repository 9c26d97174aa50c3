"""The ``review`` and ``users`` commands: serve the review app, manage its accounts.

Registered in ``transpub.cli.main.COMMANDS``; imports stay inside the handlers so that the
command line starts fast.
"""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import FAILED, OK

ROLES = ("translator", "reviewer", "editor", "admin")


def args_review(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = sub.add_parser(
        "serve",
        help="run the review web app (default http://127.0.0.1:8000)",
        description="Run the review web app. Accounts: `transpub users add`.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the session cookie Secure (when served over HTTPS by a proxy)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="address or network of a reverse proxy whose X-Forwarded-For names the client "
        "(repeatable; without it the header is ignored)",
    )


def cmd_review(args: argparse.Namespace) -> int:
    import uvicorn

    from transpub.article import Project
    from transpub.review.accounts import UserStore, session_secret
    from transpub.review.web import create_app

    project = Project.open(getattr(args, "project", None))
    store = UserStore()
    if not store.users():
        print(
            f"Note: no accounts in {store.path} yet; add one with "
            "`transpub users add NAME --role admin`.",
            file=sys.stderr,
        )
    app = create_app(
        project,
        store,
        session_secret(store.path),
        https_only=args.secure_cookies,
        trusted_proxies=args.trusted_proxy,
    )
    print(f"Review app for {project.root} on http://{args.host}:{args.port}/", file=sys.stderr)
    # The app reads forwarded headers itself, from the configured proxies only: uvicorn's own
    # handling would believe any client connecting from 127.0.0.1.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )
    return OK


def args_users(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add an account (the password is asked for)")
    add.add_argument("name", help="the user name (letters, digits, . _ -)")
    add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    sub.add_parser("list", help="list the accounts and their roles")
    remove = sub.add_parser("remove", help="remove an account (its sessions end)")
    remove.add_argument("name", help="the user name")
    passwd = sub.add_parser("passwd", help="set a new password (the user's sessions end)")
    passwd.add_argument("name", help="the user name")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    role = sub.add_parser("role", help="give a user another role")
    role.add_argument("name", help="the user name")
    role.add_argument("role", choices=ROLES, help="the new role")
    logout = sub.add_parser("logout", help="end every session of a user in the review app")
    logout.add_argument("name", help="the user name")


def _password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        return None
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from transpub.review.accounts import UserStore

    store = UserStore()
    if args.action == "list":
        for user in store.users():
            print(f"{user.name}\t{user.role}\t{user.created}")
        return OK
    if args.action == "remove":
        store.remove(args.name)
        print(f"removed {args.name} from {store.path}")
        return OK
    if args.action == "role":
        user = store.set_role(args.name, args.role)
        print(f"{user.name} is now {user.role}")
        return OK
    if args.action == "logout":
        if store.get(args.name) is None:
            print(f"Error: no user {args.name!r} in {store.path}", file=sys.stderr)
            return FAILED
        ended = store.end_sessions(args.name)
        print(f"ended {ended} session(s) of {args.name}")
        return OK
    password = _password(args.password_stdin)
    if password is None:
        print("Error: the two passwords differ; nothing was changed", file=sys.stderr)
        return FAILED
    if args.action == "passwd":
        user = store.set_password(args.name, password)
        print(f"changed the password of {user.name}; their sessions ended")
        return OK
    user = store.add(args.name, args.role, password)
    print(f"added {user.name} ({user.role}) to {store.path}")
    return OK
