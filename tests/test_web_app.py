"""The review app over HTTP, in process (Starlette's TestClient): every route for every role,
CSRF, login limits, conflicts, untrusted text, attribution and the editor's approval."""

from __future__ import annotations

import base64
import html as html_lib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import markupsafe
import polib
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import APPROVED_BY, approval, get_note, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.credits import contributions
from transpub.credits.contributions import Action, entry_id
from transpub.errors import TranspubError
from transpub.review import comments, history, store, suggestions
from transpub.review.accounts import Role, UserStore
from transpub.review.web import create_app
from transpub.review.web.auth import LoginLimiter
from transpub.review.web.views import PAGE_SIZE, Suggestion, diff_parts

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
ACCOUNTS = {"tr": Role.TRANSLATOR, "rev": Role.REVIEWER, "ed": Role.EDITOR, "adm": Role.ADMIN}
SECRET = "s" * 48
GLOSSARY = """\
zh,en,type,variants,pos,case_sensitive,note
开源社,KAIYUANSHE,name,,proper noun,yes,the community's English name
开源社,Open Source Society,forbidden,,,no,a wrong literal rendering
国际接轨组,International Liaison Group,name,,proper noun,yes,the team's name
"""
PLAN = """\
---
title: 开源社工作计划
---

# 开源社简介

开源社国际接轨组致力于连接中国与全球社区。

这一段有 <img src=x onerror=alert(1)> 标签。

- 推出年度报告英文版
- 运营多语种内容
"""
TITLE, HEADING, MISSION, INLINE_HTML, REPORT, CONTENT = (
    "开源社工作计划",
    "开源社简介",
    "开源社国际接轨组致力于连接中国与全球社区。",
    "这一段有 <img src=x onerror=alert(1)> 标签。",
    "推出年度报告英文版",
    "运营多语种内容",
)
READY = "---\ntitle: 年度报告\n---\n\n推出年度报告英文版。\n"
SUGGESTION_A, SUGGESTION_B = "00000000000000aa", "00000000000000bb"
CHANGE = "00000000000000cc"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One user per role (argon2 hashing is slow on purpose: do it once per module)."""
    path = tmp_path_factory.mktemp("accounts") / "users.json"
    store = UserStore(path)
    for name, role in ACCOUNTS.items():
        store.add(name, role, PASSWORD)
    store.add("spare", Role.TRANSLATOR, PASSWORD)
    return path


@dataclass
class Site:
    project: Project
    store: UserStore
    app: Starlette
    clock: Clock

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def login(self, name: str) -> TestClient:
        client = self.client()
        response = login(client, name, PASSWORD)
        assert response.status_code == 303, response.text
        return client

    def po(self, slug: str = "plan") -> polib.POFile:
        return pofile.load(self.project.article(slug).catalog)


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def login(client: TestClient, name: str, password: str) -> object:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": token(page.text), "name": name, "password": password, "next": "/"},
    )


def base_of(html: str, eid: str) -> str:
    """The `base` field of an entry's form, as the browser would send it back."""
    form = html[html.index(f'id="e-{eid}"') :]
    value = re.search(r'name="base" value="([^"]*)"', form)
    assert value
    return html_lib.unescape(value.group(1))


def seed(project: Project) -> None:
    """Drafts from a machine, one reviewed entry, one changed source; a ready article."""
    article = project.article("plan")
    po = pofile.load(article.catalog)
    by = {e.msgid: e for e in po}
    record_draft(by[TITLE], "KAIYUANSHE Work Plan", "mt:deepl", None)
    record_draft(by[HEADING], "About the Open Source Society", "mt:deepl", None)
    record_draft(by[MISSION], "The KAIYUANSHE International Liaison Group links China.", "tm", None)
    by[MISSION].previous_msgid = "开源社国际接轨组连接中国与世界。"
    record_draft(by[REPORT], "Publish the annual report in English", "mt:llm", None)
    record_review(by[REPORT], "li")
    pofile.save(po, article.catalog)

    pending = [
        {
            "id": sid,
            "entry": entry_id(REPORT),
            "msgid": REPORT,
            "base": "",
            "user": "wang",
            "text": f"Publish the English annual report ({sid})",
            "at": "2026-03-01T09:00:00Z",
        }
        for sid in (SUGGESTION_A, SUGGESTION_B)
    ]
    change = {
        "id": CHANGE,
        "entry": entry_id(REPORT),
        "user": "li",
        "at": "2026-03-01T08:00:00Z",
        "before": "Publish the report in English",
        "after": "Publish the annual report in English",
        "actions": ["edit", "review"],
    }
    (article.folder / "history.jsonl").write_text(json.dumps(change) + "\n", encoding="utf-8")
    (article.folder / "suggestions.json").write_text(
        json.dumps({"version": 1, "suggestions": pending}), encoding="utf-8"
    )

    ready = project.article("ready")
    po = pofile.load(ready.catalog)
    for e, text in zip(po, ["Annual Report", "Publish the English annual report."], strict=True):
        record_draft(e, text, "human", "wang")
        record_review(e, "li")
    pofile.save(po, ready.catalog)


@pytest.fixture
def site(project_dir: Path, accounts: Path) -> Site:
    (project_dir / "glossary").mkdir()
    (project_dir / "glossary" / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    write_article(project_dir, "plan", PLAN)
    write_article(project_dir, "ready", READY)
    project = Project.open(project_dir)
    for article in project.articles():
        sync_article(project, article, now=NOW)
    seed(project)
    users = project_dir.parent / f"{project_dir.name}-users.json"
    shutil.copy(accounts, users)
    store = UserStore(users)
    clock = Clock()
    app = create_app(project, store, SECRET, limiter=LoginLimiter(clock=clock))
    return Site(project, store, app, clock)


# --- every route, every role ----------------------------------------------------------------

ROLES = [None, *ACCOUNTS]  # None: not logged in
Form = Callable[[Site], dict[str, str]]


def _save_form(action: str) -> Form:
    def form(site: Site) -> dict[str, str]:
        current = {e.msgid: e for e in site.po()}[CONTENT].msgstr
        return {"text": f"Run content ({action})", "base": json.dumps(current), "action": action}

    return form


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    needs: Role
    ok: int
    form: Form | None = None


SAVE = f"/articles/plan/entries/{entry_id(CONTENT)}"
NEWBIE = {"name": "newbie", "role": "translator", "password": "long enough"}
SAME_PASSWORD = {"current": PASSWORD, "password": PASSWORD, "again": PASSWORD}
CASES = [
    Case("GET", "/", Role.TRANSLATOR, 200),
    Case("GET", "/articles/plan", Role.TRANSLATOR, 200),
    Case("GET", f"{SAVE}/suggestions", Role.TRANSLATOR, 200),
    Case("POST", SAVE, Role.TRANSLATOR, 303, _save_form("save")),
    Case("POST", SAVE, Role.REVIEWER, 303, _save_form("approve")),
    Case("POST", f"{SAVE}/comments", Role.TRANSLATOR, 303, lambda s: {"comment": "Why?"}),
    Case("GET", "/articles/plan/preview", Role.TRANSLATOR, 200),
    Case("POST", f"{SAVE}/machine", Role.TRANSLATOR, 404, lambda s: {}),  # no engine configured
    Case("POST", f"/articles/plan/history/{CHANGE}/revert", Role.REVIEWER, 303),
    Case("POST", f"/articles/plan/suggestions/{SUGGESTION_A}/accept", Role.REVIEWER, 303),
    Case("POST", f"/articles/plan/suggestions/{SUGGESTION_B}/reject", Role.REVIEWER, 303),
    Case("POST", "/articles/ready/approve", Role.EDITOR, 303, lambda s: {}),
    Case("GET", "/search?q=report", Role.TRANSLATOR, 200),
    Case("GET", "/next?state=untranslated", Role.TRANSLATOR, 303),
    Case("GET", "/users", Role.ADMIN, 200),
    Case("POST", "/users", Role.ADMIN, 303, lambda s: NEWBIE),
    Case("POST", "/users/role", Role.ADMIN, 303, lambda s: {"name": "spare", "role": "reviewer"}),
    Case("POST", "/users/sessions", Role.ADMIN, 303, lambda s: {"name": "spare"}),
    Case("POST", "/users/remove", Role.ADMIN, 303, lambda s: {"name": "spare"}),
    Case("GET", "/account", Role.TRANSLATOR, 200),
    Case("POST", "/account", Role.TRANSLATOR, 303, lambda s: SAME_PASSWORD),
    Case("POST", "/logout", Role.TRANSLATOR, 303, lambda s: {}),
]
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static")}


def test_the_cases_cover_every_route(site: Site) -> None:
    routes: set[tuple[str, str]] = set()
    for route in site.app.routes:
        if isinstance(route, Mount):
            routes.add(("GET", route.path))
        else:
            assert isinstance(route, Route)
            routes.update((m, route.path) for m in route.methods or () if m != "HEAD")
    pattern = {(c.method, re.sub(r"/articles/[^/]+", "/articles/{slug}", c.path)) for c in CASES}
    pattern = {(m, re.sub(r"/entries/[0-9a-f]{16}", "/entries/{eid}", p)) for m, p in pattern}
    pattern = {(m, p.split("?")[0]) for m, p in pattern}
    pattern = {(m, re.sub(r"/history/[0-9a-f]{16}/", "/history/{cid}/", p)) for m, p in pattern}
    pattern = {
        (m, re.sub(r"/suggestions/[0-9a-f]{16}/[a-z]+", "/suggestions/{sid}/{verdict}", p))
        for m, p in pattern
    }
    assert routes == pattern | PUBLIC


@pytest.mark.parametrize("who", ROLES)
def test_every_route_checks_login_and_role(site: Site, who: str | None) -> None:
    for case in CASES:
        client = site.login(who) if who else site.client()
        kwargs = {}
        if case.method == "POST":
            page = client.get("/login")  # any page carries the session's CSRF token
            kwargs["data"] = {"csrf": token(page.text), **(case.form(site) if case.form else {})}
        response = client.request(case.method, case.path, **kwargs)
        label = f"{who} {case.method} {case.path} {kwargs.get('data', {}).get('action', '')}"
        if who is None:
            expected = 303 if case.method == "GET" else 401
            assert response.status_code == expected, label
            if case.method == "GET":
                assert response.headers["location"].startswith("/login?next=")
        elif ACCOUNTS[who].allows(case.needs):
            assert response.status_code == case.ok, (label, response.text[-800:])
        else:
            assert response.status_code == 403, label
            assert f"needs the {case.needs}" in response.text or "reviewer role" in response.text


def test_refused_actions_change_nothing(site: Site) -> None:
    before = {slug: site.project.article(slug).catalog.read_bytes() for slug in ("plan", "ready")}
    client = site.login("tr")
    csrf = token(client.get("/").text)
    form = {"csrf": csrf, **_save_form("approve")(site)}
    assert client.post(f"/articles/plan/entries/{entry_id(CONTENT)}", data=form).status_code == 403
    assert client.post("/articles/ready/approve", data={"csrf": csrf}).status_code == 403
    add = {"csrf": csrf, "name": "sneaky", "role": "admin", "password": "long enough"}
    assert client.post("/users", data=add).status_code == 403
    assert {s: site.project.article(s).catalog.read_bytes() for s in before} == before
    assert site.store.get("sneaky") is None
    assert contributions.read(site.project) == []


def test_static_files_are_public_and_no_page_has_inline_script(site: Site) -> None:
    client = site.client()
    assert client.get("/static/app.css").status_code == 200
    script = client.get("/static/editor.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    reviewer = site.login("rev")
    for path in ("/", "/articles/plan", "/login"):
        html = reviewer.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], path
        assert re.findall(r"<[a-z]+[^>]*\son[a-z]+=", html) == [], path


# --- sessions, CSRF, login limits ---------------------------------------------------------


def test_the_session_cookie_is_httponly_samesite_and_signed(site: Site) -> None:
    client = site.client()
    response = login(client, "rev", PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("transpub_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    value = client.cookies["transpub_session"]
    assert (
        site.client().get("/", headers={"cookie": f"transpub_session={value}"}).status_code == 200
    )
    # A cookie altered by hand is not a session: a changed signature, or a forged payload.
    payload, stamp, signature = value.split(".")
    tampered = f"{payload}.{stamp}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    forged = base64.b64encode(json.dumps({"user": "adm", "fp": "x", "csrf": "y"}).encode())
    for cookie in (tampered, f"{forged.decode()}.{stamp}.{signature}"):
        fresh = site.client()
        assert fresh.get("/", headers={"cookie": f"transpub_session={cookie}"}).status_code == 303


def test_a_wrong_password_is_refused(site: Site) -> None:
    client = site.client()
    response = login(client, "rev", "wrong password")
    assert response.status_code == 401
    assert "Wrong name or password" in response.text
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert client.get("/").status_code == 303


def test_login_goes_to_the_asked_page_but_never_elsewhere(site: Site) -> None:
    client = site.client()
    response = client.get("/articles/plan?show=draft")
    assert response.headers["location"] == "/login?next=%2Farticles%2Fplan%3Fshow%3Ddraft"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/articles/plan?show=draft"' in page.text
    for target, expected in [
        ("/articles/plan?show=draft", "/articles/plan?show=draft"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        c = site.client()
        form = {"csrf": token(c.get("/login").text), "name": "rev", "password": PASSWORD}
        response = c.post("/login", data={**form, "next": target})
        assert response.headers["location"] == expected, target
        site.clock.now += 1


@pytest.mark.parametrize(
    "form",
    [
        lambda csrf: {},
        lambda csrf: {"csrf": "forged-token-that-is-long-enough-to-look-real"},
        lambda csrf: {"csrf": csrf[:-1]},
    ],
    ids=["missing", "forged", "truncated"],
)
def test_every_form_needs_the_csrf_token(site: Site, form: Callable[[str], dict[str, str]]) -> None:
    client = site.login("adm")
    csrf = token(client.get("/").text)
    before = site.project.article("plan").catalog.read_bytes()
    posts = [
        (f"/articles/plan/entries/{entry_id(CONTENT)}", _save_form("approve")(site)),
        ("/articles/ready/approve", {}),
        ("/users", {"name": "newbie", "role": "admin", "password": "long enough"}),
        ("/users/remove", {"name": "spare"}),
        ("/users/role", {"name": "spare", "role": "admin"}),
        ("/users/sessions", {"name": "rev"}),
        (
            "/account",
            {"current": PASSWORD, "password": "changed password", "again": "changed password"},
        ),
        ("/logout", {}),
    ]
    for path, data in posts:
        response = client.post(path, data={**data, **form(csrf)})
        assert response.status_code == 403, path
        assert "did not come from this site" in response.text
    assert site.project.article("plan").catalog.read_bytes() == before
    assert approval(site.po("ready")) is None
    assert site.store.get("newbie") is None and site.store.get("spare") is not None
    assert site.store.get("spare").role is Role.TRANSLATOR  # type: ignore[union-attr]
    assert site.store.verify("adm", PASSWORD) is not None
    assert client.get("/").status_code == 200  # still logged in
    anonymous = site.client()
    login_form = {"name": "rev", "password": PASSWORD, **form(csrf)}
    assert anonymous.post("/login", data=login_form).status_code == 403


def test_a_token_from_another_session_is_refused(site: Site) -> None:
    mine, theirs = site.login("rev"), site.login("rev")
    their_token = token(theirs.get("/").text)
    response = mine.post(
        f"/articles/plan/entries/{entry_id(CONTENT)}",
        data={"csrf": their_token, **_save_form("save")(site)},
    )
    assert response.status_code == 403


def test_logging_in_replaces_the_session_and_its_token(site: Site) -> None:
    client = site.client()
    before = token(client.get("/login").text)
    login(client, "rev", PASSWORD)
    assert token(client.get("/").text) != before


def test_logout_ends_the_session(site: Site) -> None:
    client = site.login("tr")
    response = client.post("/logout", data={"csrf": token(client.get("/").text)})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/").status_code == 303


def _cookie(client: TestClient) -> dict[str, str]:
    return {"cookie": f"transpub_session={client.cookies['transpub_session']}"}


def test_a_copied_cookie_dies_with_the_logout(site: Site) -> None:
    """The attack: copy the session cookie, wait for the victim to log out, use the copy."""
    victim = site.login("rev")
    stolen = _cookie(victim)
    csrf = token(victim.get("/").text)
    assert site.client().get("/", headers=stolen).status_code == 200  # the copy works while open
    victim.post("/logout", data={"csrf": csrf})
    thief = site.client()
    assert thief.get("/", headers=stolen).status_code == 303
    assert thief.get("/articles/plan", headers=stolen).status_code == 303
    form = {"csrf": csrf, **_save_form("approve")(site)}
    before = site.project.article("plan").catalog.read_bytes()
    response = thief.post(f"/articles/plan/entries/{entry_id(CONTENT)}", data=form, headers=stolen)
    assert response.status_code == 401
    assert site.project.article("plan").catalog.read_bytes() == before


def test_sessions_are_stored_hashed_and_private(site: Site) -> None:
    client = site.login("rev")
    sid = json.loads(base64.b64decode(client.cookies["transpub_session"].split(".")[0]))["sid"]
    stored = site.store.sessions_path.read_text(encoding="utf-8")
    assert sid not in stored and '"rev"' in stored
    assert site.store.sessions_path.stat().st_mode & 0o077 == 0
    assert site.store.session_counts() == {"rev": 1}


def test_a_password_change_ends_the_other_sessions(site: Site) -> None:
    laptop, phone, thief = site.login("tr"), site.login("tr"), site.client()
    stolen = _cookie(phone)
    csrf = token(laptop.get("/account").text)
    wrong = {
        "csrf": csrf,
        "current": "not my password",
        "password": "new password!",
        "again": "new password!",
    }
    assert laptop.post("/account", data=wrong).status_code == 400
    assert phone.get("/").status_code == 200
    changed = {**wrong, "current": PASSWORD}
    response = laptop.post("/account", data=changed)
    assert (response.status_code, response.headers["location"]) == (303, "/account")
    assert laptop.get("/").status_code == 200  # the session that changed it stays
    assert phone.get("/").status_code == 303
    assert thief.get("/", headers=stolen).status_code == 303
    assert site.store.verify("tr", "new password!") is not None


def test_an_admin_ends_a_users_sessions(site: Site) -> None:
    victim, admin = site.login("ed"), site.login("adm")
    page = admin.get("/users").text
    assert 'action="/users/sessions"' in page
    response = admin.post("/users/sessions", data={"csrf": token(page), "name": "ed"})
    assert response.status_code == 303
    assert "Ended 1 session(s) of ed" in admin.get("/users").text
    assert victim.get("/").status_code == 303
    assert admin.get("/").status_code == 200


def test_an_admin_changes_a_role(site: Site) -> None:
    translator, admin = site.login("spare"), site.login("adm")
    csrf = token(admin.get("/users").text)
    response = admin.post("/users/role", data={"csrf": csrf, "name": "spare", "role": "reviewer"})
    assert response.status_code == 303
    assert 'value="approve"' in translator.get("/articles/plan").text  # at once, same session
    mine = admin.post("/users/role", data={"csrf": csrf, "name": "adm", "role": "translator"})
    assert mine.status_code == 400 and "own role" in mine.text
    bad = admin.post("/users/role", data={"csrf": csrf, "name": "spare", "role": "king"})
    assert bad.status_code == 400 and "unknown role" in bad.text


def test_a_removed_or_reset_account_loses_its_sessions(site: Site) -> None:
    client = site.login("spare")
    assert client.get("/").status_code == 200
    site.store.remove("spare")
    assert client.get("/").status_code == 303
    site.store.add("spare", Role.TRANSLATOR, "another password")  # same name, new password
    assert client.get("/").status_code == 303


def test_failed_logins_slow_down_that_name_from_that_address(site: Site) -> None:
    attacker = site.client()
    for _ in range(5):
        assert login(attacker, "ed", "wrong password").status_code == 401
    refused = login(attacker, "ed", PASSWORD)  # from the guessing address, even the right one waits
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
    # The delay doubles with every further failure: 1, 2, 4, 8 seconds…
    for expected in ("2", "4", "8"):
        site.clock.now += 60
        assert login(attacker, "ed", "wrong password").status_code == 401
        assert login(attacker, "ed", PASSWORD).headers["retry-after"] == expected
    site.clock.now += 8
    assert login(attacker, "ed", PASSWORD).status_code == 303


def test_guessing_never_locks_the_owner_out(site: Site) -> None:
    """The attack: five wrong passwords for the editor's name, to lock the editor out."""
    attacker = TestClient(site.app, follow_redirects=False, client=("203.0.113.66", 5000))
    for _ in range(5):
        assert login(attacker, "ed", "wrong password").status_code == 401
    assert login(attacker, "ed", "wrong password").status_code == 429
    editor = TestClient(site.app, follow_redirects=False, client=("192.0.2.10", 5000))
    assert login(editor, "ed", PASSWORD).status_code == 303


def test_failed_logins_slow_down_an_address_over_all_names(site: Site) -> None:
    client = site.client()
    for i in range(10):
        assert login(client, f"someone{i}", "wrong password").status_code == 401
    assert login(client, "ed", PASSWORD).status_code == 429
    site.clock.now += 1
    assert login(client, "ed", PASSWORD).status_code == 303


def test_a_right_password_forgives_that_names_failures(site: Site) -> None:
    client = site.client()
    for _ in range(4):
        assert login(client, "rev", "wrong password").status_code == 401
    assert login(client, "rev", PASSWORD).status_code == 303
    for _ in range(4):
        assert login(client, "rev", "wrong password").status_code == 401
    assert login(client, "rev", PASSWORD).status_code == 303


def test_failures_are_forgotten_after_a_quiet_hour(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        assert login(client, "rev", "wrong password").status_code == 401
    site.clock.now += 3600
    assert login(client, "rev", "wrong password").status_code == 401  # counted from one again
    assert login(client, "rev", PASSWORD).status_code == 303


def _rotating(client: TestClient, tries: int) -> list[int]:
    """The attack: a new name and a made-up X-Forwarded-For address for every wrong password."""
    codes = []
    for i in range(tries):
        page = client.get("/login")
        form = {"csrf": token(page.text), "name": f"guess{i}", "password": "guess", "next": "/"}
        headers = {"x-forwarded-for": f"198.51.100.{i + 1}"}
        codes.append(client.post("/login", data=form, headers=headers).status_code)
    return codes


def test_forwarded_addresses_from_a_client_are_ignored(site: Site) -> None:
    codes = _rotating(TestClient(site.app, follow_redirects=False, client=("127.0.0.1", 5000)), 12)
    assert 429 in codes


def test_forwarded_addresses_count_only_from_a_trusted_proxy(site: Site) -> None:
    limiter = LoginLimiter(clock=site.clock)
    app = create_app(
        site.project, site.store, SECRET, limiter=limiter, trusted_proxies=["10.0.0.0/8"]
    )
    # Through the proxy, each forwarded address is its own client: none is limited yet.
    proxy = TestClient(app, follow_redirects=False, client=("10.1.2.3", 5000))
    assert set(_rotating(proxy, 4)) == {401}
    # A client that is not the proxy cannot pick its address: its own is counted.
    direct = TestClient(app, follow_redirects=False, client=("203.0.113.7", 5000))
    assert 429 in _rotating(direct, 12)
    # The proxy's forwarded client who failed is limited, not everyone behind the proxy.
    for _ in range(12):
        page = proxy.get("/login")
        form = {"csrf": token(page.text), "name": "nobody", "password": "guess", "next": "/"}
        last = proxy.post("/login", data=form, headers={"x-forwarded-for": "192.0.2.66"})
    assert last.status_code == 429
    page = proxy.get("/login")
    form = {"csrf": token(page.text), "name": "rev", "password": PASSWORD, "next": "/"}
    other = proxy.post("/login", data=form, headers={"x-forwarded-for": "192.0.2.77"})
    assert other.status_code == 303  # another client behind the proxy


def test_a_wildcard_proxy_is_refused(site: Site) -> None:
    with pytest.raises(TranspubError, match="trusted proxy"):
        create_app(site.project, site.store, SECRET, trusted_proxies=["*"])


def test_successful_logins_are_not_limited(site: Site) -> None:
    client = site.client()
    for _ in range(8):
        assert login(client, "rev", PASSWORD).status_code == 303


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_shows_states_progress_and_people(site: Site) -> None:
    html = site.login("tr").get("/").text
    assert 'href="/articles/plan"' in html and 'href="/articles/ready"' in html
    plan = html[html.index('href="/articles/plan"') : html.index('href="/articles/ready"')]
    assert 'data-reviewed="1" data-draft="3" data-untranslated="2"' in plan
    assert "in review" not in plan and "translating" in plan
    assert 'width="16.667"' in plan  # 1 of 6 reviewed
    assert "li" in plan.split("Worked on it")[1]
    assert '<html lang="en">' in html and 'lang="zh-CN"' in html


@pytest.mark.parametrize(
    ("show", "slugs"),
    [("all", {"plan", "ready"}), ("review", {"plan"}), ("approved", {"ready"}), ("mine", set())],
)
def test_queue_filters(site: Site, show: str, slugs: set[str]) -> None:
    editor = site.login("ed")
    editor.post("/articles/ready/approve", data={"csrf": token(editor.get("/").text)})
    html = site.login("tr").get(f"/?show={show}").text
    assert {s for s in ("plan", "ready") if f'href="/articles/{s}"' in html} == slugs


def test_mine_lists_what_i_worked_on(site: Site) -> None:
    client = site.login("tr")
    page = client.get("/articles/plan").text
    client.post(
        f"/articles/plan/entries/{entry_id(CONTENT)}",
        data={"csrf": token(page), "text": "Run content", "base": base_of(page, entry_id(CONTENT))},
    )
    html = client.get("/?show=mine").text
    assert 'href="/articles/plan"' in html and 'href="/articles/ready"' not in html


# --- the editor ---------------------------------------------------------------------------


def test_the_editor_shows_every_unit_in_document_order(site: Site) -> None:
    html = site.login("tr").get("/articles/plan").text
    ids = re.findall(r'<article class="entry[^"]*" id="e-([0-9a-f]{16})"', html)
    assert ids == [entry_id(m) for m in (TITLE, HEADING, MISSION, INLINE_HTML, REPORT, CONTENT)]
    assert "mt:deepl" in html and "mt:llm" in html and ">tm<" in html
    assert "reviewer: li" in html


def test_glossary_terms_are_marked_with_their_english(site: Site) -> None:
    html = site.login("tr").get("/articles/plan").text
    mission = html[html.index(f'id="e-{entry_id(MISSION)}"') :].split("</article>")[0]
    assert re.search(r'<mark class="term" title="KAIYUANSHE — name[^"]*">开源社</mark>', mission)
    assert (
        '<mark class="term" title="International Liaison Group — name">国际接轨组</mark>' in mission
    )
    assert "not “Open Source Society”" in mission


def test_findings_are_shown_beside_the_entry(site: Site) -> None:
    html = site.login("tr").get("/articles/plan").text
    heading = html[html.index(f'id="e-{entry_id(HEADING)}"') :].split("</article>")[0]
    assert "forbidden-term" in heading and "glossary-term" in heading
    title = html[html.index(f'id="e-{entry_id(TITLE)}"') :].split("</article>")[0]
    assert "findings" not in title


def test_a_changed_source_shows_the_difference(site: Site) -> None:
    html = site.login("tr").get("/articles/plan").text
    mission = html[html.index(f'id="e-{entry_id(MISSION)}"') :].split("</article>")[0]
    assert "Source changed" in mission
    assert "<ins>致力于</ins>" in mission
    assert "<del>世界</del>" in mission


def test_translation_memory_matches_are_looked_up_per_entry(site: Site, project_dir: Path) -> None:
    write_article(project_dir, "third", "---\ntitle: 第三篇\n---\n\n推出年度报告英文版！\n")
    sync_article(site.project, site.project.article("third"), now=NOW)
    client = site.login("tr")
    eid = entry_id("推出年度报告英文版！")
    page = client.get("/articles/third").text
    # The page only offers the lookup: each one refreshes the memory, too slow for every entry.
    assert 'class="suggestions"' not in page
    assert f'data-src="/articles/third/entries/{eid}/suggestions"' in page
    fragment = client.get(f"/articles/third/entries/{eid}/suggestions").text
    assert fragment.lstrip().startswith(f'<div class="tm" id="s-{eid}" data-loaded="1">')
    items = re.findall(
        r'<span class="score">(\d+)%</span> <span class="tm-target" lang="en">([^<]*)', fragment
    )
    assert ("95", "Publish the annual report in English") in items
    assert "articles/plan/en.po" in fragment
    # How the memory's source differs from this one: the "！" was added.
    assert '<small class="tm-source diff" lang="zh-CN"' in fragment and "<ins>！</ins>" in fragment
    inline = client.get(f"/articles/third?entry={eid}&tm={eid}").text  # without the script
    assert "Publish the annual report in English" in inline
    title = entry_id("第三篇")
    assert (
        "No translation-memory match"
        in client.get(f"/articles/third/entries/{title}/suggestions").text
    )
    assert client.get("/articles/third/entries/0123456789abcdef/suggestions").status_code == 404


def test_a_near_match_is_never_shown_as_100_percent() -> None:
    changed = diff_parts("2024年度报告" + "。" * 200, "2025年度报告" + "。" * 200)
    assert Suggestion("…", "…", 99.7, "tm", changed).percent == 99
    assert Suggestion("…", "…", 100.0, "tm", (("equal", "…"),)).percent == 100
    assert Suggestion("…", "…", 87.6, "tm", changed).percent == 88
    assert ("delete", "4") in changed and ("insert", "5") in changed


def test_the_editor_says_what_blocks_the_approval(site: Site) -> None:
    html = site.login("ed").get("/articles/plan").text
    assert "Not ready for approval" in html
    assert "2 untranslated" in html and "3 unreviewed drafts" in html
    assert "check errors" in html and "forbidden-term" in html
    assert re.search(r'id="approve-article" disabled', html)
    # Each blocking error links to its entry, by number.
    heading = entry_id(HEADING)
    assert re.search(rf'<a href="/articles/plan\?entry={heading}#e-{heading}">#2</a>: <code>', html)


def test_more_than_twenty_blockers_are_counted_and_linked(site: Site, project_dir: Path) -> None:
    body = "".join(f"- 开源社第{i}条\n" for i in range(30))
    write_article(project_dir, "many", "---\ntitle: 多条\n---\n\n" + body)
    article = site.project.article("many")
    sync_article(site.project, article, now=NOW)
    po = pofile.load(article.catalog)
    for e in po:
        record_draft(e, "Open Source Society item", "mt:deepl", None)
        record_review(e, "li")
    pofile.save(po, article.catalog)
    html = site.login("ed").get("/articles/many").text
    assert html.count('<li><a href="/articles/many?entry=') == 20
    assert "and 40 more" in html and "60 check errors" in html


def test_the_header_follows_in_place_saves(site: Site) -> None:
    """After the script's save of the last blocking entry, the header says the article is ready."""
    client = site.login("ed")
    page = client.get("/articles/ready").text
    eid = entry_id("推出年度报告英文版。")
    data = {"csrf": token(page), "base": base_of(page, eid), "text": "Publish it in English."}
    response = client.post(
        f"/articles/ready/entries/{eid}", data=data, headers={"x-requested-with": "fetch"}
    )
    assert 'id="article-state">in review<' in response.text  # was reviewed: now a draft
    assert "1 unreviewed draft<" in response.text
    assert re.search(r'id="approve-article" disabled', response.text)
    data = {**data, "base": json.dumps("Publish it in English."), "action": "approve"}
    response = client.post(
        f"/articles/ready/entries/{eid}", data=data, headers={"x-requested-with": "fetch"}
    )
    assert "Every entry is reviewed" in response.text
    assert re.search(r'id="approve-article">', response.text)


def test_activity_names_entries_by_number(site: Site) -> None:
    client = site.login("rev")
    save(client, entry_id(HEADING), "About KAIYUANSHE")
    html = client.get("/articles/plan").text
    activity = html[html.index('class="activity"') :]
    heading = entry_id(HEADING)
    assert f'<a href="/articles/plan?entry={heading}#e-{heading}">#2</a>' in activity
    assert "(2 words)" in activity
    assert f"<code>{heading}</code>" not in activity


def test_role_messages_read_well(site: Site) -> None:
    response = site.login("ed").get("/users")
    assert "you are an editor." in response.text


def test_only_reviewers_see_the_approve_button(site: Site) -> None:
    assert 'value="approve"' not in site.login("tr").get("/articles/plan").text
    assert 'value="approve"' in site.login("rev").get("/articles/plan").text
    assert 'id="approve-article"' not in site.login("rev").get("/articles/plan").text


@pytest.mark.parametrize(
    "path",
    [
        "/articles/nope",
        "/articles/NOPE",
        "/articles/..%2F..%2Fetc",
        "/articles/plan%00",
        "/articles/.hidden",
    ],
)
def test_unknown_or_malformed_slugs_are_404(site: Site, path: str) -> None:
    assert site.login("rev").get(path).status_code == 404


@pytest.mark.parametrize(
    "eid", ["0123456789abcdef", "ZZZ", entry_id(CONTENT).upper(), "..%2F..%2Fx", "0" * 17]
)
def test_unknown_or_malformed_entry_ids_are_404(site: Site, eid: str) -> None:
    client = site.login("rev")
    csrf = token(client.get("/").text)
    before = site.project.article("plan").catalog.read_bytes()
    response = client.post(
        f"/articles/plan/entries/{eid}", data={"csrf": csrf, **_save_form("save")(site)}
    )
    assert response.status_code == 404
    assert site.project.article("plan").catalog.read_bytes() == before


def test_pages_of_a_long_article(site: Site, project_dir: Path) -> None:
    items = PAGE_SIZE + 20
    write_article(project_dir, "long", "---\ntitle: 长文\n---\n\n" + "".join(
        f"- 第{i}条\n" for i in range(items)
    ))  # fmt: skip
    sync_article(site.project, site.project.article("long"), now=NOW)
    client = site.login("tr")
    first = client.get("/articles/long").text
    assert len(re.findall(r'<article class="entry', first)) == PAGE_SIZE
    assert "page=2" not in first  # "next" continues after the last entry shown
    last = entry_id(f"第{PAGE_SIZE - 2}条")  # entry #1 is the title
    assert f'rel="next" href="/articles/long?show=all&amp;after={last}"' in first
    assert client.get(f"/articles/long?after={last}").text.count('<article class="entry') == 21
    second = client.get("/articles/long?page=2").text
    assert len(re.findall(r'<article class="entry', second)) == items + 1 - PAGE_SIZE
    focus = entry_id(f"第{items - 1}条")
    assert f'id="e-{focus}"' in client.get(f"/articles/long?entry={focus}").text
    assert client.get("/articles/long?page=x").status_code == 200
    drafts = client.get("/articles/long?show=draft").text
    assert "No entries to show" in drafts


def test_moving_on_within_a_filter_skips_nothing(site: Site, project_dir: Path) -> None:
    """Translating the first page of "untranslated" then "next" shows the very next ones."""
    items = 2 * PAGE_SIZE + 50
    body = "".join(f"- 第{i}条\n" for i in range(items))
    write_article(project_dir, "long", "---\ntitle: 长文\n---\n\n" + body)
    sync_article(site.project, site.project.article("long"), now=NOW)
    client = site.login("tr")
    page = client.get("/articles/long?show=untranslated").text
    shown = re.findall(r'<article class="entry[^"]*" id="e-([0-9a-f]{16})"', page)
    assert len(shown) == PAGE_SIZE
    for eid in shown:  # as Ctrl+Enter does, entry after entry
        data = {"csrf": token(page), "base": '""', "text": f"Item {eid}", "show": "untranslated"}
        assert client.post(f"/articles/long/entries/{eid}", data=data).status_code == 303
    nxt = re.search(r'rel="next" href="([^"]+)"', page)
    assert nxt
    following = client.get(html_lib.unescape(nxt.group(1))).text
    numbers = [int(n) for n in re.findall(r'class="num" href="#e-[0-9a-f]{16}">#(\d+)<', following)]
    assert numbers[0] == PAGE_SIZE + 1 and len(numbers) == PAGE_SIZE


# --- search -------------------------------------------------------------------------------


def _hits(client: TestClient, query: str) -> list[str]:
    html = client.get(f"/search?{query}").text
    return re.findall(
        r'<a href="/articles/[a-z0-9-]+\?entry=[0-9a-f]{16}#e-[0-9a-f]{16}">([^<]+)</a>', html
    )


def test_search_across_articles(site: Site) -> None:
    client = site.login("tr")
    assert _hits(client, "q=年度报告") == ["plan #5", "ready #1", "ready #2"]  # every article
    assert _hits(client, "q=ANNUAL+REPORT&in=translation") == ["plan #5", "ready #1", "ready #2"]
    assert _hits(client, "q=年度报告&in=translation") == []
    assert _hits(client, "q=list&in=context") == ["plan #5", "plan #6"]  # the unit type
    assert _hits(client, "check=forbidden-term") == ["plan #2"]
    assert _hits(client, "person=li") == ["plan #5", "ready #1", "ready #2"]
    assert _hits(client, "person=li&q=work") == []
    assert _hits(client, "state=untranslated") == ["plan #4", "plan #6"]
    assert "found" not in client.get("/search").text  # no query, no list


def test_search_shows_untrusted_text_escaped(site: Site) -> None:
    html = site.login("tr").get("/search?q=onerror").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


def test_next_untranslated_and_next_to_review_across_articles(
    site: Site, project_dir: Path
) -> None:
    write_article(project_dir, "zeta", "---\ntitle: 最后\n---\n\n最后一段。\n")
    sync_article(site.project, site.project.article("zeta"), now=NOW)
    client = site.login("rev")
    first = client.get("/next?state=untranslated").headers["location"]
    assert first == f"/articles/plan?entry={entry_id(INLINE_HTML)}#e-{entry_id(INLINE_HTML)}"
    after = client.get(f"/next?state=untranslated&slug=plan&after={entry_id(INLINE_HTML)}")
    assert after.headers["location"].endswith(f"#e-{entry_id(CONTENT)}")
    after = client.get(f"/next?state=untranslated&slug=plan&after={entry_id(CONTENT)}")
    assert after.headers["location"].startswith("/articles/zeta?entry=")  # the next article
    review = client.get(f"/next?state=draft&slug=plan&after={entry_id(HEADING)}")
    assert review.headers["location"].endswith(f"#e-{entry_id(MISSION)}")


# --- comments -----------------------------------------------------------------------------


def test_comments_with_mentions(site: Site) -> None:
    translator = site.login("tr")
    page = translator.get("/articles/plan").text
    eid = entry_id(MISSION)
    text = "@rev is 接轨 “liaison”? cc @nobody and <b>@ed</b>."
    response = translator.post(
        f"/articles/plan/entries/{eid}/comments", data={"csrf": token(page), "comment": text}
    )
    assert response.status_code == 303 and response.headers["location"].endswith(f"#e-{eid}")
    html = translator.get("/articles/plan").text
    mission = html[html.index(f'id="e-{eid}"') :].split("</article>")[0]
    assert '<strong class="mention">@rev</strong> is 接轨 “liaison”? cc @nobody' in mission
    assert '&lt;b&gt;<strong class="mention">@ed</strong>&lt;/b&gt;' in mission  # escaped
    assert 'Comments <span lang="zh-CN">评论</span> (1)' in mission
    reviewer = site.login("rev").get("/").text
    assert (
        "Mentions of you" in reviewer and f'href="/articles/plan?entry={eid}#e-{eid}"' in reviewer
    )
    assert "Mentions of you" not in site.login("adm").get("/").text  # not mentioned
    [comment] = comments.read(site.project.article("plan"))
    assert (comment.user, comment.mentions) == ("tr", ("rev", "ed"))


def test_an_empty_comment_is_refused(site: Site) -> None:
    client = site.login("tr")
    page = client.get("/articles/plan").text
    response = client.post(
        f"/articles/plan/entries/{entry_id(MISSION)}/comments",
        data={"csrf": token(page), "comment": "   "},
    )
    assert response.status_code == 400 and "the comment is empty" in response.text
    assert comments.read(site.project.article("plan")) == []


def test_history_shows_who_changed_what_and_reverts(site: Site) -> None:
    reviewer = site.login("rev")
    eid = entry_id(HEADING)
    save(reviewer, eid, "About KAIYUANSHE")
    save(reviewer, eid, "About KAIYUANSHE", "approve")
    html = reviewer.get("/articles/plan").text
    heading = html[html.index(f'id="e-{eid}"') :].split("</article>")[0]
    assert 'History <span lang="zh-CN">历史</span> (2)' in heading
    changes = heading[heading.index('class="changes"') :].split("</ol>")[0]
    assert "<del>" in changes and "<ins>" in changes and "rev" in changes
    [latest, first] = history.by_entry(site.project.article("plan"))[eid]
    assert (latest.actions, first.actions) == (("review",), ("edit",))
    assert (first.user, first.before, first.after) == (
        "rev", "About the Open Source Society", "About KAIYUANSHE",
    )  # fmt: skip
    response = reviewer.post(
        f"/articles/plan/history/{first.id}/revert", data={"csrf": token(html)}
    )
    assert response.status_code == 303
    entry = {e.msgid: e for e in site.po()}[HEADING]
    assert (entry.msgstr, "fuzzy" in entry.flags) == ("About the Open Source Society", True)
    assert "Reverted" in reviewer.get(response.headers["location"]).text
    assert len(history.by_entry(site.project.article("plan"))[eid]) == 3
    assert 'class="revert"' not in site.login("tr").get("/articles/plan").text  # reviewers only


# --- saving -------------------------------------------------------------------------------


def save(client: TestClient, eid: str, text: str, action: str = "save", **extra: str) -> object:
    page = client.get("/articles/plan").text
    data = {"csrf": token(page), "base": base_of(page, eid), "text": text, "action": action}
    return client.post(f"/articles/plan/entries/{eid}", data=data, **extra)


def test_a_save_redirects_back_to_the_entry(site: Site) -> None:
    eid = entry_id(CONTENT)
    response = save(site.login("tr"), eid, "Run multilingual content")
    assert response.status_code == 303
    assert response.headers["location"] == f"/articles/plan?entry={eid}#e-{eid}"
    e = {x.msgid: x for x in site.po()}[CONTENT]
    assert (e.msgstr, "fuzzy" in e.flags, get_note(e, "translator")) == (
        "Run multilingual content",
        True,
        "tr",
    )


def test_approving_goes_to_the_next_entry(site: Site) -> None:
    response = save(site.login("rev"), entry_id(REPORT), "Publish the annual report", "approve")
    nxt = entry_id(CONTENT)
    assert response.headers["location"] == f"/articles/plan?entry={nxt}#e-{nxt}"


def test_save_and_next_goes_to_the_next_entry(site: Site) -> None:
    client = site.login("tr")
    page = client.get("/articles/plan").text
    assert 'value="save-next"' in page and 'value="approve"' not in page
    response = save(client, entry_id(INLINE_HTML), "This one has a tag.", "save-next")
    assert response.headers["location"].endswith(f"#e-{entry_id(REPORT)}")
    assert {e.msgid: e for e in site.po()}[INLINE_HTML].msgstr == "This one has a tag."


def test_the_scripts_save_gets_the_entry_and_the_progress(site: Site) -> None:
    client = site.login("rev")
    eid = entry_id(TITLE)
    response = save(
        client, eid, "KAIYUANSHE Work Plan", "approve", headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith(f'<article class="entry state-reviewed" id="e-{eid}"')
    assert 'id="progress" data-reviewed="2" data-draft="2" data-untranslated="2"' in html
    assert "reviewer: rev" in html
    assert "<html" not in html


def test_saving_reruns_the_checks(site: Site) -> None:
    client = site.login("tr")
    eid = entry_id(CONTENT)
    fetch = {"headers": {"X-Requested-With": "fetch"}}
    bad = save(client, eid, "Run  content", **fetch).text
    assert "double-space" in bad
    good = save(client, eid, "Run content", **fetch).text
    assert "double-space" not in good


def test_text_area_line_ends_are_stored_as_in_the_catalog(site: Site) -> None:
    client = site.login("tr")
    eid = entry_id(CONTENT)
    save(client, eid, "Line one\r\nLine two")
    assert {e.msgid: e for e in site.po()}[CONTENT].msgstr == "Line one\nLine two"
    # the page's base now holds a newline: sending it back is not a conflict
    assert save(client, eid, "Line one\r\nLine 2").status_code == 303
    assert {e.msgid: e for e in site.po()}[CONTENT].msgstr == "Line one\nLine 2"


def test_a_form_without_its_base_is_refused(site: Site) -> None:
    client = site.login("tr")
    csrf = token(client.get("/").text)
    for base in ("", "not json", "42"):
        response = client.post(
            f"/articles/plan/entries/{entry_id(CONTENT)}",
            data={"csrf": csrf, "text": "x", "base": base},
        )
        assert response.status_code == 400


def test_approving_an_untranslated_entry_is_refused(site: Site) -> None:
    response = save(site.login("rev"), entry_id(CONTENT), "", "approve")
    assert response.status_code == 409
    assert "cannot be approved" in response.text


def test_a_translator_cannot_overwrite_a_reviewed_entry(site: Site) -> None:
    """The attack: a translator posts a new text for a reviewed entry."""
    before = site.project.article("plan").catalog.read_bytes()
    translator = site.login("tr")
    response = save(translator, entry_id(REPORT), "Something else entirely")
    assert response.status_code == 303
    page = translator.get(response.headers["location"]).text
    assert "kept as a suggestion" in page
    assert site.project.article("plan").catalog.read_bytes() == before
    fetched = save(
        translator, entry_id(REPORT), "Yet another text", headers={"x-requested-with": "fetch"}
    )
    assert fetched.status_code == 202 and "kept as a suggestion" in fetched.text
    assert site.project.article("plan").catalog.read_bytes() == before
    mine = [s for s in suggestions.read(site.project.article("plan")) if s.user == "tr"]
    assert [s.text for s in mine] == ["Yet another text"]  # a newer suggestion replaces theirs
    assert contributions.read(site.project) == []


def test_a_translator_cannot_reopen_an_approved_article(site: Site) -> None:
    editor = site.login("ed")
    editor.post("/articles/ready/approve", data={"csrf": token(editor.get("/").text)})
    before = site.project.article("ready").catalog.read_bytes()
    translator = site.login("tr")
    page = translator.get("/articles/ready").text
    eid = entry_id("推出年度报告英文版。")
    data = {"csrf": token(page), "base": base_of(page, eid), "text": "Changed.", "action": "save"}
    assert translator.post(f"/articles/ready/entries/{eid}", data=data).status_code == 303
    assert site.project.article("ready").catalog.read_bytes() == before
    assert approval(site.po("ready")) is not None
    assert "approved" in translator.get("/articles/ready").text


def test_a_reviewer_accepts_a_translators_suggestion(site: Site) -> None:
    save(site.login("tr"), entry_id(REPORT), "Publish the English edition of the annual report")
    reviewer = site.login("rev")
    page = reviewer.get("/articles/plan").text
    report = page[page.index(f'id="e-{entry_id(REPORT)}"') :].split("</article>")[0]
    mine = next(s for s in suggestions.read(site.project.article("plan")) if s.user == "tr")
    assert f'id="p-{mine.id}"' in report and "<ins>" in report  # the difference is shown
    accept = f"/articles/plan/suggestions/{mine.id}/accept"
    response = reviewer.post(accept, data={"csrf": token(page)})
    assert response.status_code == 303
    entry = {e.msgid: e for e in site.po()}[REPORT]
    assert entry.msgstr == "Publish the English edition of the annual report"
    assert "fuzzy" not in entry.flags
    assert [get_note(entry, k) for k in ("translator", "reviewer")] == ["tr", "rev"]
    assert [(c.user, c.action) for c in contributions.read(site.project)] == [
        ("tr", Action.EDIT),
        ("rev", Action.REVIEW),
    ]
    assert mine.id not in {s.id for s in suggestions.read(site.project.article("plan"))}
    again = reviewer.post(accept, data={"csrf": token(page)})
    assert again.status_code == 409 and "no such suggestion" in again.text


def test_a_reviewer_rejects_a_suggestion(site: Site) -> None:
    before = site.project.article("plan").catalog.read_bytes()
    reviewer = site.login("rev")
    page = reviewer.get("/articles/plan").text
    response = reviewer.post(
        f"/articles/plan/suggestions/{SUGGESTION_A}/reject", data={"csrf": token(page)}
    )
    assert response.status_code == 303
    assert "Rejected the suggestion of wang" in reviewer.get(response.headers["location"]).text
    assert site.project.article("plan").catalog.read_bytes() == before
    assert [s.id for s in suggestions.read(site.project.article("plan"))] == [SUGGESTION_B]


def test_translators_see_suggestions_but_cannot_decide(site: Site) -> None:
    page = site.login("tr").get("/articles/plan").text
    assert f'id="p-{SUGGESTION_A}"' in page and "/accept" not in page


def test_a_second_saver_gets_a_conflict_with_the_newer_text(site: Site) -> None:
    first, second = site.login("tr"), site.login("rev")
    eid = entry_id(HEADING)
    page = second.get("/articles/plan").text  # the reviewer opens the page…
    assert save(first, eid, "About KAIYUANSHE").status_code == 303  # …the translator saves
    data = {
        "csrf": token(page),
        "base": base_of(page, eid),
        "text": "About <b>us</b>",
        "action": "approve",
    }
    response = second.post(f"/articles/plan/entries/{eid}", data=data)
    assert response.status_code == 409
    html = response.text
    assert "Someone else saved this entry" in html
    assert '<blockquote class="theirs" lang="en">About KAIYUANSHE</blockquote>' in html
    assert "About &lt;b&gt;us&lt;/b&gt;</textarea>" in html  # the reviewer's text is kept
    assert {e.msgid: e for e in site.po()}[HEADING].msgstr == "About KAIYUANSHE"
    # The conflict form is based on the newer text: sending it again is a deliberate overwrite.
    again = {**data, "base": base_of(html, eid)}
    assert second.post(f"/articles/plan/entries/{eid}", data=again).status_code == 303
    e = {e.msgid: e for e in site.po()}[HEADING]
    assert (e.msgstr, get_note(e, "reviewer")) == ("About <b>us</b>", "rev")
    assert [(c.user, c.action) for c in contributions.read(site.project)] == [
        ("tr", Action.EDIT),
        ("rev", Action.EDIT),
        ("rev", Action.REVIEW),
    ]


def test_a_conflict_for_the_script_is_a_fragment(site: Site) -> None:
    client = site.login("tr")
    eid = entry_id(HEADING)
    page = client.get("/articles/plan").text
    save(site.login("rev"), eid, "About KAIYUANSHE")
    response = client.post(
        f"/articles/plan/entries/{eid}",
        data={"csrf": token(page), "base": base_of(page, eid), "text": "Mine"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 409
    assert response.text.lstrip().startswith(
        f'<article class="entry state-draft conflict" id="e-{eid}"'
    )
    assert "About KAIYUANSHE" in response.text and ">\nMine</textarea>" in response.text


# --- untrusted text -------------------------------------------------------------------------

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(2)</script>",
    "javascript:alert(3)",
    "{{ 7*7 }} {% raw %}",
    "[click](javascript:alert(4)) **bold** <b onclick=alert(5)>b</b>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_translations_are_shown_escaped(site: Site, payload: str) -> None:
    client = site.login("rev")
    eid = entry_id(CONTENT)
    assert save(client, eid, payload).status_code == 303
    assert {e.msgid: e for e in site.po()}[CONTENT].msgstr == payload
    for html in (client.get("/articles/plan").text, save(client, eid, payload + "!", headers={
        "X-Requested-With": "fetch"}).text):  # fmt: skip
        assert "<script>alert" not in html
        assert "<img src=x" not in html.replace(INLINE_HTML, "")
        assert "onclick=alert" not in html.replace("onclick=alert(5)&gt;", "")
        assert str(markupsafe.escape(payload)) in html
    # What the browser sends back is exactly what was stored (no conflict, no mangling).
    page = client.get("/articles/plan").text
    assert json.loads(base_of(page, eid)) == payload + "!"


def test_untrusted_source_text_is_shown_escaped(site: Site) -> None:
    html = site.login("rev").get("/articles/plan").text
    assert "这一段有 &lt;img src=x onerror=alert(1)&gt; 标签。" in html
    assert "<img src=x" not in html


def test_templates_never_mark_text_safe() -> None:
    folder = Path(__file__).resolve().parents[1] / "src" / "transpub" / "web" / "templates"
    for template in folder.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template


def test_pages_carry_a_strict_content_security_policy(site: Site) -> None:
    response = site.login("rev").get("/articles/plan")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


# --- attribution and the editor's approval ------------------------------------------------


def test_every_save_is_credited(site: Site) -> None:
    save(site.login("tr"), entry_id(CONTENT), "Run multilingual content")
    save(site.login("rev"), entry_id(CONTENT), "Run multilingual content", "approve")
    save(site.login("rev"), entry_id(INLINE_HTML), "This paragraph has a tag.", "approve")
    store.flush_all()  # the credit files get the journaled saves' credits when flushed
    logged = [(c.user, c.action, c.entry, c.article) for c in contributions.read(site.project)]
    assert logged == [
        ("tr", Action.TRANSLATE, entry_id(CONTENT), "plan"),
        ("rev", Action.REVIEW, entry_id(CONTENT), "plan"),
        ("rev", Action.TRANSLATE, entry_id(INLINE_HTML), "plan"),
        ("rev", Action.REVIEW, entry_id(INLINE_HTML), "plan"),
    ]
    e = {x.msgid: x for x in site.po()}[CONTENT]
    assert (get_note(e, "translator"), get_note(e, "reviewer")) == ("tr", "rev")
    html = site.login("tr").get("/articles/plan").text
    assert "Recent activity" in html and "rev — review" in html


def test_an_editor_approves_a_ready_article(site: Site) -> None:
    editor = site.login("ed")
    page = editor.get("/articles/ready").text
    assert "Every entry is reviewed" in page
    assert re.search(r'id="approve-article">', page)
    response = editor.post("/articles/ready/approve", data={"csrf": token(page)})
    assert (response.status_code, response.headers["location"]) == (303, "/articles/ready")
    after = editor.get("/articles/ready").text
    assert "Approved by ed" in after and "approved" in after
    assert site.po("ready").metadata[APPROVED_BY] == "ed"
    [logged] = contributions.read(site.project)
    assert (logged.user, logged.action, logged.article) == ("ed", Action.APPROVE_ARTICLE, "ready")


def test_an_editor_cannot_approve_what_blocks(site: Site) -> None:
    editor = site.login("ed")
    before = site.project.article("plan").catalog.read_bytes()
    response = editor.post("/articles/plan/approve", data={"csrf": token(editor.get("/").text)})
    assert response.status_code == 409
    assert "2 untranslated" in response.text and "3 unreviewed drafts" in response.text
    assert site.project.article("plan").catalog.read_bytes() == before


def test_a_later_save_voids_the_approval(site: Site) -> None:
    editor = site.login("ed")
    editor.post("/articles/ready/approve", data={"csrf": token(editor.get("/").text)})
    assert approval(site.po("ready")) is not None
    client = site.login("rev")
    eid = entry_id("年度报告")
    page = client.get("/articles/ready").text
    client.post(
        f"/articles/ready/entries/{eid}",
        data={"csrf": token(page), "base": base_of(page, eid), "text": "The Annual Report"},
    )
    assert approval(site.po("ready")) is None
    assert "Approved by" not in client.get("/articles/ready").text


# --- accounts -----------------------------------------------------------------------------


def test_admins_manage_accounts(site: Site) -> None:
    admin = site.login("adm")
    page = admin.get("/users").text
    assert all(f"<td>{name}</td>" in page for name in ACCOUNTS)
    assert "$argon2" not in page
    add = {"csrf": token(page), "name": "wang", "role": "reviewer", "password": "long enough"}
    assert admin.post("/users", data=add).status_code == 303
    assert site.store.get("wang") is not None and site.store.get("wang").role is Role.REVIEWER
    assert login(site.client(), "wang", "long enough").status_code == 303
    for bad, message in [
        ({**add, "name": "wang"}, "already exists"),
        ({**add, "name": "bad name"}, "not a valid user name"),
        ({**add, "name": "x", "password": "short"}, "shorter than"),
        ({**add, "name": "y", "role": "king"}, "unknown role"),
    ]:
        response = admin.post("/users", data=bad)
        assert response.status_code == 400 and message in response.text
    gone = admin.post("/users/remove", data={"csrf": token(page), "name": "wang"})
    assert gone.status_code == 303 and site.store.get("wang") is None
    myself = admin.post("/users/remove", data={"csrf": token(page), "name": "adm"})
    assert myself.status_code == 400 and site.store.get("adm") is not None
    assert (
        admin.post("/users/remove", data={"csrf": token(page), "name": "ghost"}).status_code == 400
    )


# --- what goes wrong in the project -------------------------------------------------------


def test_an_article_not_synced_yet(site: Site, project_dir: Path) -> None:
    write_article(project_dir, "fresh", "---\ntitle: 新文章\n---\n\n正文。\n")
    client = site.login("tr")
    queue = client.get("/").text
    fresh = queue[queue.index('href="/articles/fresh"') :]
    assert '<span class="badge">new</span> 0 entries' in fresh
    assert "run <code>transpub sync</code>" in client.get("/articles/fresh").text


def test_a_broken_catalog_is_reported_without_a_traceback(site: Site) -> None:
    path = site.project.article("plan").catalog
    path.write_text(path.read_text(encoding="utf-8") + 'msgid "unterminated\n', encoding="utf-8")
    response = site.login("tr").get("/articles/plan")
    assert response.status_code == 409
    assert "not a complete quoted string" in response.text
    assert "Traceback" not in response.text and str(path) not in response.text


def test_a_broken_glossary_is_shown_and_does_not_stop_saving(site: Site) -> None:
    glossary = site.project.root / "glossary" / "glossary.csv"
    glossary.write_text(GLOSSARY + "开源,,term,,,no,\n", encoding="utf-8")  # `en` is empty
    client = site.login("rev")
    page = client.get("/articles/plan").text
    assert "The glossary cannot be used" in page and "`en` is empty" in page
    assert 'class="term"' not in page
    assert save(client, entry_id(CONTENT), "Run content").status_code == 303
    editor = site.login("ed")
    response = editor.post("/articles/ready/approve", data={"csrf": token(editor.get("/").text)})
    assert response.status_code == 500 and "`en` is empty" in response.text
    assert approval(site.po("ready")) is None
