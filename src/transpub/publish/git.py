"""The site's git checkout, through the ``git`` command: add, commit, push, last commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from transpub.errors import TranspubError, typed_path

#: Used only when the checkout has no committer configured (a fresh machine, CI).
FALLBACK_IDENTITY = ("transpub", "transpub@localhost")


class SiteError(TranspubError):
    """The site checkout cannot be used or changed (not a git repository, git failed…)."""


class SiteRepo:
    """A local checkout of the site's git repository at ``root``."""

    #: What to do when git fails (a subclass for another checkout says its own).
    hint = "fix the site checkout and publish again"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise SiteError(
                "the git command is not installed", hint="install git to publish to a site"
            ) from exc
        if check and done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise SiteError(
                f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(done.returncode)}",
                path=self.root,
                hint=self.hint,
            )
        return done

    def ensure(self) -> bool:
        """Check that ``root`` is a git checkout; create an empty repository if the folder is
        missing (True then). An existing folder that is not a repository is refused."""
        if not self.root.exists():
            self.root.mkdir(parents=True)
            self._git("init", "-q")
            return True
        top = self._git("rev-parse", "--show-toplevel", check=False)
        if top.returncode != 0:
            raise SiteError(
                "the site folder is not a git repository",
                path=self.root,
                hint="clone the site there, run `git init` in it, or set [site] checkout in "
                "transpub.toml",
            )
        return False

    def _identity(self) -> list[str]:
        if self._git("config", "user.email", check=False).stdout.strip():
            return []
        name, email = FALLBACK_IDENTITY
        return ["-c", f"user.name={name}", "-c", f"user.email={email}"]

    def changed(self, paths: list[str]) -> list[str]:
        """Which of ``paths`` differ from the last commit (new files included)."""
        out = self._git("status", "--porcelain", "-z", "--untracked-files=all", "--", *paths)
        return [item[3:] for item in out.stdout.split("\0") if item]

    def commit(self, paths: list[str], message: str) -> str | None:
        """Commit exactly ``paths`` (nothing else staged); the new commit id, or None when they
        are as committed already."""
        if not self.changed(paths):
            return None
        self._git("add", "--", *paths)
        self._git(*self._identity(), "commit", "-q", "-m", message, "--only", "--", *paths)
        return self.head()

    def head(self) -> str:
        return self._git("rev-parse", "HEAD").stdout.strip()

    def last_commit(self, path: str) -> str:
        """The last commit that touched ``path`` ("" if none)."""
        out = self._git("log", "-1", "--format=%H", "--", path, check=False)
        return out.stdout.strip() if out.returncode == 0 else ""

    def require_remote(self) -> None:
        """Refuse (before anything is written) to push a checkout that has no remote."""
        if self.root.is_dir() and self._git("remote", check=False).stdout.strip():
            return
        raise SiteError(
            "the site repository has no remote to push to",
            path=self.root,
            hint=f"add one with `git -C {typed_path(self.root)} remote add origin URL`, set "
            "[site] checkout "
            "in transpub.toml to a clone of the site, or publish without --push",
        )

    def push(self) -> None:
        """Push the current branch to its upstream (or ``origin``)."""
        self.require_remote()
        upstream = self._git("rev-parse", "--abbrev-ref", "@{upstream}", check=False)
        if upstream.returncode == 0:
            self._git("push", "-q")
        else:
            branch = self._git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
            self._git("push", "-q", "-u", "origin", branch)
