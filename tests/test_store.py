"""The content repository shared by workers: pull, commit what a run did, push with rebase retry."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from publishing import approved_project
from transpub.publish.git import SiteError
from transpub.publish.site import publish
from transpub.store import ContentRepo, save_publications

ID = ["-c", "user.name=Setup", "-c", "user.email=setup@example.org"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *ID, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture()
def origin(tmp_path: Path) -> Path:
    """A bare content repository with one commit on main."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "-q", str(bare), str(seed)], check=True)
    (seed / "transpub.toml").write_text('[project]\nname = "t"\n', encoding="utf-8")
    git(seed, "add", "transpub.toml")
    git(seed, "commit", "-q", "-m", "seed")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def clone(origin: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(origin), str(where)], check=True)
    return where


def test_a_push_refused_by_another_workers_push_is_rebased_and_retried(
    origin: Path, tmp_path: Path
) -> None:
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    (a / "one.txt").write_text("a\n", encoding="utf-8")
    (b / "two.txt").write_text("b\n", encoding="utf-8")
    first = ContentRepo(a).save(["one.txt"], "Worker A: one")
    second = ContentRepo(b).save(["two.txt"], "Worker B: two")
    assert first and second and first != second
    log = git(origin, "log", "--format=%s", "main")
    assert log.splitlines() == ["Worker B: two", "Worker A: one", "seed"]
    assert git(origin, "rev-parse", "main") == second
    assert ContentRepo(b).save(["two.txt"], "nothing new") is None


def test_a_conflict_stops_with_one_line_and_leaves_no_rebase_behind(
    origin: Path, tmp_path: Path
) -> None:
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    for repo, text in ((a, "a\n"), (b, "b\n")):
        (repo / "transpub.toml").write_text(text, encoding="utf-8")
    ContentRepo(a).save(["transpub.toml"], "A")
    with pytest.raises(SiteError) as caught:
        ContentRepo(b).save(["transpub.toml"], "B")
    assert "git pull --rebase failed" in str(caught.value)
    assert "content checkout" in str(caught.value) and "\n" not in str(caught.value)
    assert not (b / ".git" / "rebase-merge").exists()
    assert git(b, "log", "-1", "--format=%s") == "B"  # the work is kept, unpushed


def test_without_a_remote_a_save_only_commits(tmp_path: Path) -> None:
    repo = tmp_path / "alone"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "x.txt").write_text("x\n", encoding="utf-8")
    ContentRepo(repo).pull()  # nothing to pull from: no error
    commit = ContentRepo(repo).save(["x.txt"], "Only here")
    assert commit == git(repo, "rev-parse", "HEAD")


def test_publish_records_are_committed_and_pushed_naming_the_articles(
    origin: Path, tmp_path: Path
) -> None:
    content = clone(origin, tmp_path / "content")
    project, _ = approved_project(content)
    run = publish(project)
    commit = save_publications(project, run)
    assert commit is not None and git(origin, "rev-parse", "main") == commit
    assert git(origin, "log", "-1", "--format=%s", "main") == "Publish records: report (published)"
    assert git(origin, "show", "--name-only", "--format=", "main") == "articles/report/publish.json"
    assert save_publications(project, publish(project)) is None  # unchanged: nothing to record
