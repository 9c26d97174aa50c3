"""The content repository as the store that workers on several machines share.

A run pulls (rebasing its own unpushed work), works on its articles, commits exactly the files it
changed with a message naming what it did, and pushes; a push refused because another worker
pushed first is retried after ``git pull --rebase``. A checkout without a remote only commits.
"""

from __future__ import annotations

from pathlib import Path

from transpub.article import Project
from transpub.errors import typed_path
from transpub.publish.git import SiteError, SiteRepo
from transpub.publish.record import PublishRecord
from transpub.publish.site import Action, PublishRun

#: Pushes tried before giving up, each after rebasing on what the others pushed.
ATTEMPTS = 3
_REFUSED = ("non-fast-forward", "fetch first", "[rejected]", "failed to push some refs")


class ContentRepo(SiteRepo):
    """A checkout of the content repository (transpub.toml, articles/, glossary/) at ``root``."""

    hint = "fix the content checkout (`git status` there) and run again"

    def remote(self) -> bool:
        """Whether the checkout has somewhere to pull from and push to."""
        return bool(self._git("remote", check=False).stdout.strip())

    def pull(self) -> None:
        """Bring in what the other workers pushed (``git pull --rebase``); nothing without a
        remote. A conflict leaves the checkout as it was and raises ``SiteError``."""
        if not self.remote():
            return
        done = self._git(*self._identity(), "pull", "-q", "--rebase", check=False)
        if done.returncode != 0:
            self._git("rebase", "--abort", check=False)
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise SiteError(
                f"git pull --rebase failed: {detail[-1] if detail else 'a conflict'}",
                path=self.root,
                hint=self.hint,
            )

    def save(self, paths: list[str], message: str, attempts: int = ATTEMPTS) -> str | None:
        """Commit exactly ``paths`` with ``message`` and push, rebasing and retrying when another
        worker pushed first; the commit id, or None when nothing changed."""
        commit = self.commit(paths, message)
        if commit is None or not self.remote():
            return commit
        for _ in range(attempts):
            done = self._git("push", "-q", check=False)
            if done.returncode == 0:
                return self.head()
            if not any(mark in done.stderr for mark in _REFUSED):
                self.push()  # no upstream yet: `push -u origin`; else raises with git's words
                return self.head()
            self.pull()
        raise SiteError(
            f"the content repository moved on {attempts} times while pushing",
            path=self.root,
            hint=f"push by hand (`git -C {typed_path(self.root)} pull --rebase && "
            f"git -C {typed_path(self.root)} push`) or run again",
        )


def save_publications(project: Project, run: PublishRun) -> str | None:
    """Commit and push the publish records of what ``run`` published or updated, naming the
    articles in the message; the commit id, or None when there was nothing to record."""
    done = [r for r in run.results if r.action in (Action.PUBLISHED, Action.UPDATED)]
    if run.dry_run or not done:
        return None
    paths = [
        str(Path(PublishRecord.path(project.article(r.slug))).relative_to(project.root))
        for r in done
    ]
    names = ", ".join(f"{r.slug} ({r.action.value})" for r in done)
    return ContentRepo(project.root).save(paths, f"Publish records: {names}")
