"""The review app in a real browser: Debian's headless Chromium driven by Playwright.

A reviewer fixes a machine draft and approves it with Ctrl+Enter, watching the progress bar move;
an editor then approves the article. The app runs under uvicorn in a thread on 127.0.0.1.
Screenshots are kept in tests/output/.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from conftest import ROOT, write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import approval, get_note, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.credits import contributions
from transpub.credits.contributions import Action, entry_id
from transpub.review.accounts import Role, UserStore
from transpub.review.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUTPUT = ROOT / "tests" / "output"
PASSWORD = "correct horse battery"
GLOSSARY = """\
zh,en,type,variants,pos,case_sensitive,note
开源社,KAIYUANSHE,name,,proper noun,yes,the community's English name
开源社,Open Source Society,forbidden,,,no,a wrong literal rendering
"""
SOURCE = """\
---
title: 年度报告
---

开源社发布年度报告。

报告共有十二章。
"""
TITLE, FIRST, SECOND = "年度报告", "开源社发布年度报告。", "报告共有十二章。"
NOTES = "---\ntitle: 笔记\n---\n\n这一条还没有翻译。\n"
LINKED = "开源社发布**年度报告**，见[官网](https://kaiyuanshe.cn)和`x`。"


def _playwright() -> Any:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test needs Debian's chromium, which .ci/run "
            "installs (apt-get install -y chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: .ci/run installs it with the test extras")
    return sync_playwright


@pytest.fixture
def served(
    project_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Project]]:
    """The review app for a fresh project, on a free port of 127.0.0.1."""
    with _serve(project_dir, tmp_path_factory) as running:
        yield running


@contextmanager
def _serve(
    project_dir: Path, tmp_path_factory: pytest.TempPathFactory, settings: str = ""
) -> Iterator[tuple[str, Project]]:
    """The review app for a fresh project (``settings`` added to its transpub.toml)."""
    if settings:
        with (project_dir / "transpub.toml").open("a", encoding="utf-8") as toml:
            toml.write(settings)
    (project_dir / "glossary").mkdir()
    (project_dir / "glossary" / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    write_article(project_dir, "report", SOURCE)
    project = Project.open(project_dir)
    article = project.article("report")
    sync_article(project, article, now=datetime(2026, 3, 1, tzinfo=UTC))
    po = pofile.load(article.catalog)
    by = {e.msgid: e for e in po}
    record_draft(by[TITLE], "Annual Report", "human", "wang")
    record_review(by[TITLE], "li")
    record_draft(
        by[FIRST], "The Open Source Society publishes its annual report.", "mt:deepl", None
    )
    record_draft(by[SECOND], "The report has twelve chapters.", "tm", None)
    pofile.save(po, article.catalog)

    write_article(project_dir, "notes", NOTES)
    sync_article(project, project.article("notes"), now=datetime(2026, 3, 1, tzinfo=UTC))

    store = UserStore(tmp_path_factory.mktemp("accounts") / "users.json")
    store.add("tr", Role.TRANSLATOR, PASSWORD)
    store.add("rev", Role.REVIEWER, PASSWORD)
    store.add("ed", Role.EDITOR, PASSWORD)
    app = create_app(project, store, "k" * 48)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections wait in the backlog until uvicorn accepts them: no polling
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", project
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _login(page: Any, url: str, name: str, slug: str = "report") -> None:
    page.goto(f"{url}/articles/{slug}")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/articles/{slug}")


def test_review_and_approve_in_a_browser(served: tuple[str, Project]) -> None:
    url, project = served
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    if OUTPUT.exists():
        shutil.rmtree(OUTPUT / "browser", ignore_errors=True)
    (OUTPUT / "browser").mkdir(parents=True, exist_ok=True)
    shots = OUTPUT / "browser"
    first, second = entry_id(FIRST), entry_id(SECOND)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            reviewer = browser.new_context(viewport={"width": 1280, "height": 900})
            page = reviewer.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            _login(page, url, "rev")

            progress = page.locator("#progress")
            expect(progress.locator(".n-reviewed")).to_have_text("1")
            expect(progress.locator(".pct")).to_have_text("33%")
            entry = page.locator(f"#e-{first}")
            expect(entry.locator(".findings")).to_contain_text("forbidden-term")
            expect(entry.locator("mark.term")).to_have_attribute(
                "title", "KAIYUANSHE — name; not “Open Source Society” — forbidden"
            )
            page.screenshot(path=str(shots / "1-reviewer-before.png"), full_page=True)

            # Fix the machine draft, then Ctrl+Enter: save, approve, go to the next entry.
            box = page.locator(f"#t-{first}")
            box.fill("KAIYUANSHE publishes its annual report.")
            box.press("Control+Enter")
            expect(progress.locator(".n-reviewed")).to_have_text("2")
            expect(progress.locator(".pct")).to_have_text("67%")
            expect(page.locator(f"#e-{first}")).to_have_class("entry state-reviewed")
            expect(page.locator(f"#e-{first} .findings")).to_have_count(0)
            expect(page.locator(f"#t-{second}")).to_be_focused()
            page.screenshot(path=str(shots / "2-reviewer-fixed.png"), full_page=True)

            # The next draft is right as it is: Ctrl+Enter approves it unchanged.
            page.keyboard.press("Control+Enter")
            expect(progress.locator(".n-reviewed")).to_have_text("3")
            expect(progress.locator(".pct")).to_have_text("100%")
            page.reload()  # what the server renders agrees with what the script showed
            expect(page.locator("#progress .pct")).to_have_text("100%")
            expect(page.locator(".approval .ok")).to_contain_text("Every entry is reviewed")
            page.screenshot(path=str(shots / "3-reviewer-done.png"), full_page=True)
            assert errors == []

            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, storage_state=reviewer.storage_state()
            )
            small = phone.new_page()
            small.goto(f"{url}/articles/report")
            source = small.locator(f"#e-{first} .source").bounding_box()
            target = small.locator(f"#t-{first}").bounding_box()
            assert source and target and target["y"] > source["y"] + source["height"] - 1
            assert target["x"] + target["width"] <= 390
            small.screenshot(path=str(shots / "4-phone.png"), full_page=True)

            editor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _login(editor, url, "ed")
            button = editor.locator("#approve-article")
            expect(button).to_be_enabled()
            button.click()
            editor.wait_for_url(f"{url}/articles/report")
            expect(editor.locator(".flash")).to_contain_text("Approved by ed")
            expect(editor.locator("#article-state")).to_have_text("approved")
            expect(editor.locator("#approve-article")).to_be_disabled()
            editor.screenshot(path=str(shots / "5-editor-approved.png"), full_page=True)
        finally:
            browser.close()

    po = pofile.load(project.article("report").catalog)
    by = {e.msgid: e for e in po}
    assert by[FIRST].msgstr == "KAIYUANSHE publishes its annual report."
    assert [get_note(by[FIRST], k) for k in ("translator", "reviewer")] == ["rev", "rev"]
    assert get_note(by[SECOND], "reviewer") == "rev"
    given = approval(po)
    assert given is not None and given.editor == "ed"
    assert [(c.user, c.action) for c in contributions.read(project)] == [
        ("rev", Action.EDIT),
        ("rev", Action.REVIEW),
        ("rev", Action.REVIEW),
        ("ed", Action.APPROVE_ARTICLE),
    ]
    for name in (
        "1-reviewer-before",
        "2-reviewer-fixed",
        "3-reviewer-done",
        "4-phone",
        "5-editor-approved",
    ):
        assert (shots / f"{name}.png").stat().st_size > 1000


def test_suggestions_guards_and_refusals_in_a_browser(served: tuple[str, Project]) -> None:
    """A translator's change to a reviewed entry becomes a suggestion a reviewer accepts; unsaved
    text is not lost by leaving; a refused approval says why in the entry; the header follows."""
    url, project = served
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    title, first, second = entry_id(TITLE), entry_id(FIRST), entry_id(SECOND)
    shots = OUTPUT / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, url, "tr")

            # The translator changes the reviewed title: it is kept as a suggestion.
            box = page.locator(f"#t-{title}")
            box.fill("The Annual Report")
            page.locator(f"#e-{title} button[value=save]").click()
            expect(page.locator(f"#e-{title} .status")).to_contain_text("kept as a suggestion")
            expect(page.locator(f"#e-{title} .proposal")).to_contain_text("tr")
            expect(page.locator(f"#t-{title}")).to_have_value("Annual Report")

            # Unsaved text: leaving for another filter asks first; staying keeps the text.
            draft = page.locator(f"#t-{first}")
            draft.click()
            draft.press("End")
            draft.press_sequentially(" Really.")
            expect(page.locator(f"#e-{first} .status")).to_have_text("Unsaved · 未保存")
            asked: list[str] = []

            def stay(dialog: Any) -> None:
                asked.append(dialog.type)
                dialog.dismiss()

            page.once("dialog", stay)
            page.locator(".filters a[href$='show=draft']").click(no_wait_after=True)
            expect(page.locator(f"#t-{first}")).to_have_value(
                "The Open Source Society publishes its annual report. Really."
            )
            assert asked == ["beforeunload"]
            assert page.url == f"{url}/articles/report"
            page.screenshot(path=str(shots / "6-translator-suggestion.png"), full_page=True)

            # Editing helpers: a glossary term inserted at the cursor, the source copied, counts.
            draft.fill("The  publishes its annual report.")
            draft.evaluate("area => { area.selectionStart = area.selectionEnd = 4; }")
            page.locator(f"#e-{first} .terms button.insert").first.click()
            expect(draft).to_have_value("The KAIYUANSHE publishes its annual report.")
            expect(page.locator(f"#e-{first} .count")).to_have_text("43 / 10 characters")
            page.locator(f"#e-{second} button.copy").click()
            expect(page.locator(f"#t-{second}")).to_have_value(SECOND)
            page.locator(f"#t-{second}").fill("The report has twelve chapters.")
            draft.fill("The Open Source Society publishes its annual report.")  # back as it was
            page.locator(".filters a[href$='show=draft']").click()
            page.wait_for_url(f"{url}/articles/report?show=draft")

            # The reviewer accepts the suggestion.
            review = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            review.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(review, url, "rev")
            proposal = review.locator(f"#e-{title} .proposal")
            expect(proposal.locator("ins")).to_have_text("The ")
            proposal.locator("button.accept").click()
            expect(review.locator(".flash")).to_contain_text("Accepted")
            expect(review.locator(f"#t-{title}")).to_have_value("The Annual Report")
            expect(review.locator(f"#e-{title} .proposal")).to_have_count(0)

            # The header follows in-place approvals: ready, without reloading the page.
            expect(review.locator("#approval .blocked")).to_contain_text("2 unreviewed drafts")
            review.locator(f"#t-{first}").fill("KAIYUANSHE publishes its annual report.")
            review.locator(f"#t-{first}").press("Control+Enter")
            expect(review.locator("#approval .blocked")).to_contain_text("1 unreviewed draft;")
            review.locator(f"#t-{second}").press("Control+Enter")
            expect(review.locator("#approval .ok")).to_contain_text("Every entry is reviewed")
            expect(review.locator("#article-state")).to_have_text("in review")

            # A comment on the entry, mentioning the translator, who sees it on the queue.
            talk = review.locator(f"#e-{title} details.discussion")
            talk.locator("summary").click()
            talk.locator("textarea").fill("Thanks @tr, “The” reads better.")
            talk.locator("button[type=submit]").click()
            expect(review.locator(f"#e-{title} .comments .mention")).to_have_text("@tr")
            page.goto(f"{url}/")
            expect(page.locator(".mentions")).to_contain_text("“The” reads better.")

            # Search across articles, then straight to the entry found.
            review.locator(".top a[href='/search']").click()
            review.fill("input[name=q]", "十二章")
            review.locator("form.search button[type=submit]").click()
            hit = review.locator(".hits .hit")
            expect(hit).to_have_count(1)
            expect(hit).to_contain_text("The report has twelve chapters.")
            hit.locator("a").click()
            expect(review.locator(f"#e-{second}")).to_be_in_viewport()

            # Approving an untranslated entry: the reason, in the entry's own status line.
            review.goto(f"{url}/articles/notes")
            empty = review.locator(".entry form.target textarea").last
            empty.press("Control+Enter")
            status = review.locator(".entry .status").last
            expect(status).to_contain_text("cannot be approved")
            expect(status).not_to_contain_text("Saving")
            review.screenshot(path=str(shots / "7-reviewer-refused.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()

    po = pofile.load(project.article("report").catalog)
    by = {e.msgid: e for e in po}
    assert by[TITLE].msgstr == "The Annual Report"
    assert [get_note(by[TITLE], k) for k in ("translator", "reviewer")] == ["tr", "rev"]
    assert [(c.user, c.action) for c in contributions.read(project)][:2] == [
        ("tr", Action.EDIT),
        ("rev", Action.REVIEW),
    ]


def test_preview_and_machine_translation_in_a_browser(
    project_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A translator asks DeepL (the official client, the local stand-in) for an untranslated
    entry, saves it, then opens the preview of the English page and follows a block back."""
    from servers.deepl_server import DeepLServer

    key = "0123abcd-browser-secret-key:fx"
    monkeypatch.setenv("DEEPL_AUTH_KEY", key)
    sync_playwright = _playwright()
    from playwright.sync_api import expect

    shots = OUTPUT / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    with DeepLServer(auth_key=key) as deepl:
        settings = f'\n[translate]\nengine = "deepl"\n\n[deepl]\nserver_url = "{deepl.url}"\n'
        with (
            _serve(project_dir, tmp_path_factory, settings) as (url, project),
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                _login(page, url, "tr", "notes")

                todo = entry_id("这一条还没有翻译。")
                page.locator(f"#e-{todo} button.mt").click()
                expect(page.locator(f"#t-{todo}")).to_have_value("EN(这一条还没有翻译)。")
                status = page.locator(f"#e-{todo} .status")
                expect(status).to_contain_text("Machine translation by DeepL")
                expect(status).to_contain_text("Not saved")
                assert len(deepl.requests_to("/v2/translate")) == 1
                page.locator(f"#e-{todo} button[value=save]").click()
                expect(page.locator(f"#e-{todo}")).to_have_class("entry state-draft")

                page.locator("#preview-link").click()
                page.wait_for_url(f"{url}/articles/notes/preview")
                block = page.locator(".preview p.pv-draft")
                expect(block).to_contain_text("EN(这一条还没有翻译)。")
                expect(page.locator(".front-matter .pv-source")).to_contain_text("笔记")
                page.screenshot(path=str(shots / "8-preview.png"), full_page=True)
                block.locator("a.pv-entry").click()
                page.wait_for_url(f"{url}/articles/notes?entry={todo}#e-{todo}")
                expect(page.locator(f"#t-{todo}")).to_have_value("EN(这一条还没有翻译)。")

                # Markup is highlighted in the source and, as it is typed, in the translation.
                write_article(project.root, "links", f"---\ntitle: 链接\n---\n\n{LINKED}\n")
                sync_article(
                    project, project.article("links"), now=datetime(2026, 3, 1, tzinfo=UTC)
                )
                page.goto(f"{url}/articles/links")
                linked = entry_id(LINKED)
                source = page.locator(f"#e-{linked} .source .text .ph")
                expect(source).to_have_text(["**", "**", "[", "](https://kaiyuanshe.cn)", "`x`"])
                page.locator(f"#t-{linked}").fill("See [the site](https://kaiyuanshe.cn) and `x`")
                back = page.locator(f"#e-{linked} .backdrop .ph")
                expect(back).to_have_text(["[", "](https://kaiyuanshe.cn)", "`x`"])
                page.screenshot(path=str(shots / "9-markup.png"), full_page=True)
                assert errors == []
            finally:
                browser.close()
    po = pofile.load(project.article("notes").catalog)
    assert {e.msgid: e.msgstr for e in po}["这一条还没有翻译。"] == "EN(这一条还没有翻译)。"
