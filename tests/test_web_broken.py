"""The review app with one unreadable catalog: the queue, search and "next" still serve the other
articles and show the broken one as broken; its editor page says what is wrong and how to fix it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import write_article
from transpub.article import Project
from transpub.catalog.sync import sync_article
from transpub.errors import restore_hint
from transpub.review import store
from transpub.review.accounts import Role, UserStore
from transpub.review.web import create_app

PASSWORD = "correct horse battery"
GOOD = "---\ntitle: 开源年度报告\n---\n\n开源社区的年度报告。\n"
BROKEN = "---\ntitle: 坏掉的文章\n---\n\n开源精神的一段话。\n"


@pytest.fixture
def client(project_dir: Path) -> Iterator[TestClient]:
    write_article(project_dir, "good", GOOD)
    write_article(project_dir, "broken", BROKEN)
    project = Project.open(project_dir)
    for article in project.articles():
        sync_article(project, article)
    with open(project.article("broken").catalog, "a", encoding="utf-8") as fh:
        fh.write('\nmsgid "开源社区的\n')  # a truncated string appended
    users = UserStore(project_dir.parent / f"{project_dir.name}-users.json")
    users.add("tr", Role.TRANSLATOR, PASSWORD)
    client = TestClient(create_app(project, users, "s" * 48), follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf": csrf.group(1), "name": "tr", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form).status_code == 303
    yield client
    store.stop()


def _problem(project_dir: Path) -> tuple[str, str]:
    """What the page must say: the catalog's line, and the command that restores it."""
    catalog = project_dir / "articles" / "broken" / "en.po"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    return f"articles/broken/en.po:{len(lines)}", restore_hint(catalog)


def test_the_queue_lists_the_others_and_shows_the_broken_one(
    client: TestClient, project_dir: Path
) -> None:
    response = client.get("/")
    assert response.status_code == 200, response.text[:300]
    text = html.unescape(response.text)
    assert "开源年度报告" in text and "/articles/good" in text
    line, hint = _problem(project_dir)
    assert "/articles/broken" in text and line in text and hint in text


def test_search_answers_from_the_others_and_names_the_broken_one(
    client: TestClient, project_dir: Path
) -> None:
    response = client.get("/search", params={"q": "开源"})
    assert response.status_code == 200, response.text[:300]
    text = html.unescape(response.text)
    assert "开源社区的年度报告。" in text  # a hit in the readable article
    line, hint = _problem(project_dir)
    assert line in text and hint in text
    assert client.get("/next", params={"state": "untranslated"}).status_code == 303


def test_the_broken_article_page_says_what_to_do(client: TestClient, project_dir: Path) -> None:
    response = client.get("/articles/broken")
    assert response.status_code < 500
    text = html.unescape(response.text)
    line, hint = _problem(project_dir)
    assert line in text and hint in text
    assert str(project_dir / "articles" / "broken" / "en.po") not in text  # the server's folders
    assert client.get("/articles/good").status_code == 200
