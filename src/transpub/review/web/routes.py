"""The review app's endpoints: each checks who asks, calls one library function, renders."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from transpub.article import Article, Project
from transpub.catalog.queue import EntryState, active
from transpub.credits.contributions import entry_id, now_stamp
from transpub.errors import ApprovalError, ArticleError, TranspubError
from transpub.review import comments as notes
from transpub.review import history, search
from transpub.review import suggestions as proposals
from transpub.review.accounts import Role, User, UserError, UserStore
from transpub.review.actions import ConflictError, SaveResult, approve_checked, save_entry
from transpub.review.machine import MachineTranslator, key_values, one_line
from transpub.review.preview import Preview, Previews
from transpub.review.suggestions import Suggested, save_or_suggest
from transpub.review.web.auth import (
    LoginLimiter,
    end_session,
    read_form,
    refresh_fingerprint,
    require,
    safe_next,
    session_id,
    start_session,
)
from transpub.review.web.views import (
    ENTRY_FILTERS,
    QUEUE_FILTERS,
    EntryView,
    Views,
    problem_line,
)

_ENTRY_ID = re.compile(r"[0-9a-f]{16}")
_FETCH = "fetch"  # the X-Requested-With header of the editor script's saves


def _views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


def _project(request: Request) -> Project:
    project: Project = request.app.state.project
    return project


def _users(request: Request) -> UserStore:
    store: UserStore = request.app.state.users
    return store


def _user(request: Request) -> User:
    user: User = request.state.user
    return user


def _form(request: Request) -> FormData:
    form: FormData = request.state.form
    return form


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise HTTPException(400, f"The form field {name!r} is not text.")
    return value


def render(
    request: Request,
    name: str,
    context: Mapping[str, object],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, dict(context), status_code=status, headers=headers
    )
    return response


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status, headers)


def _article(request: Request) -> Article:
    """The article named in the URL (404 for a malformed or unknown slug)."""
    try:
        return _project(request).article(str(request.path_params["slug"]))
    except ArticleError as exc:
        raise HTTPException(404, "There is no such article.") from exc


def _article_url(slug: str, show: str = "all", entry: str | None = None) -> str:
    query = {"show": show} if show != "all" else {}
    if entry:
        query["entry"] = entry
    return (
        f"/articles/{slug}"
        + (f"?{urlencode(query)}" if query else "")
        + (f"#e-{entry}" if entry else "")
    )


def _choice(value: object, allowed: tuple[str, ...]) -> str:
    return value if isinstance(value, str) and value in allowed else allowed[0]


# -- logging in and out --------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    nxt = safe_next(request.query_params.get("next"))
    return render(request, "login.html", {"next": nxt, "error": None, "name": ""})


async def login(request: Request) -> Response:
    form = await read_form(request)
    name = _field(form, "name").strip()
    password = _field(form, "password")
    nxt = safe_next(form.get("next"))
    client = request.client.host if request.client else "unknown"
    limiter: LoginLimiter = request.app.state.limiter
    wait = limiter.retry_after(name, client)
    if wait > 0:
        seconds = math.ceil(wait)
        raise HTTPException(
            429,
            f"Too many failed logins. Try again in {seconds} seconds. · 登录失败次数过多。",
            headers={"Retry-After": str(seconds)},
        )
    user = await run_in_threadpool(_users(request).verify, name, password) if name else None
    if user is None:
        limiter.failed(name, client)
        context = {
            "next": nxt,
            "error": "Wrong name or password. · 用户名或密码错误。",
            "name": name,
        }
        return render(request, "login.html", context, 401)
    limiter.succeeded(name, client)
    await run_in_threadpool(start_session, request, user)
    return RedirectResponse(nxt, 303)


@require(Role.TRANSLATOR)
async def logout(request: Request) -> Response:
    await run_in_threadpool(end_session, request)
    return RedirectResponse("/login", 303)


# -- the queue and the editor --------------------------------------------------------------


@require(Role.TRANSLATOR)
async def queue_page(request: Request) -> Response:
    show = _choice(request.query_params.get("show"), QUEUE_FILTERS)
    items = await run_in_threadpool(_views(request).queue)
    name = _user(request).name
    shown = Views.filter_queue(items, show, name)
    mentions = await run_in_threadpool(notes.mentions_of, _project(request), name, 10)
    context = {"items": shown, "show": show, "filters": QUEUE_FILTERS, "mentions": mentions}
    return render(request, "queue.html", context)


@require(Role.TRANSLATOR)
async def article_page(request: Request) -> Response:
    article = _article(request)
    show = _choice(request.query_params.get("show"), ENTRY_FILTERS)
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    focus = _entry_param(request.query_params.get("entry"))
    tm = _entry_param(request.query_params.get("tm"))
    after = _entry_param(request.query_params.get("after"))
    try:
        view = await run_in_threadpool(
            _views(request).article_page, article, show, page, focus, tm, after
        )
    except TranspubError as exc:  # its catalog (or source) cannot be read: say why and what to do
        raise HTTPException(409, problem_line(_project(request), exc)) from exc
    return render(request, "article.html", {"a": view, "filters": ENTRY_FILTERS})


def _entry_param(value: str | None) -> str | None:
    return value if value and _ENTRY_ID.fullmatch(value) else None


@require(Role.TRANSLATOR)
async def suggestions(request: Request) -> Response:
    """The translation-memory matches of one entry, as a fragment the editor script inserts."""
    article = _article(request)
    eid = str(request.path_params["eid"])
    views = _views(request)

    def build() -> object:
        located = views.locate(article, eid) if _ENTRY_ID.fullmatch(eid) else None
        po = views.catalog(article)
        if located is None or po is None:
            raise HTTPException(404, "There is no such entry.")
        entry = next(e for e in active(po) if e.msgid == located[0])
        return views.entry(article, entry, located[1], with_tm=True)

    view = await run_in_threadpool(build)
    return render(request, "suggestions.html", {"e": view, "slug": article.slug})


def _newlines(text: str) -> str:
    """The browser sends text areas with CRLF line ends; catalogs hold LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _entry_id(request: Request) -> str:
    """The entry id of the path; 404 when it is not one."""
    eid = str(request.path_params["eid"])
    if not _ENTRY_ID.fullmatch(eid):
        raise HTTPException(404, "There is no such entry.")
    return eid


@require(Role.TRANSLATOR)
async def save(request: Request) -> Response:
    """Save (or approve) one entry; a stale base gives 409 with the newer text."""
    article = _article(request)
    eid = _entry_id(request)
    user, form, views = _user(request), _form(request), _views(request)
    approve = _field(form, "action") == "approve"
    if approve and not user.role.allows(Role.REVIEWER):
        raise HTTPException(403, "Approving entries needs the reviewer role.")
    try:
        base = json.loads(_field(form, "base"))
    except ValueError:
        base = None
    if not isinstance(base, str):
        raise HTTPException(400, "The form lacks the text it was based on. Reload the page.")
    text = _newlines(_field(form, "text"))
    show = _choice(form.get("show"), ENTRY_FILTERS)
    located = await run_in_threadpool(views.locate, article, eid)
    if located is None:
        raise HTTPException(404, "There is no such entry (its source may have changed).")
    msgid, number = located
    fetch = request.headers.get("x-requested-with") == _FETCH

    def work() -> tuple[SaveResult | Suggested, EntryView | None]:
        glossary = views.glossary()
        project = _project(request)
        result: SaveResult | Suggested
        if approve or user.role.allows(Role.REVIEWER):
            result = save_entry(
                project, article, msgid, base, text, user.name, approve, glossary=glossary
            )
        else:
            result = save_or_suggest(
                project, article, msgid, base, text, user.name, may_review=False, glossary=glossary
            )
        if isinstance(result, SaveResult):
            history.record(article, result, base, user.name, now_stamp())
            views.saved(result, glossary)
        if not fetch:
            return result, None
        if isinstance(result, Suggested):
            po = views.catalog(article)
            entry = next((e for e in active(po) if e.msgid == msgid), None) if po else None
            if entry is None:
                return result, None
            return result, views.entry(article, entry, number, glossary=glossary)
        return result, views.entry(article, result.written, number, glossary=glossary)

    try:
        result, view = await run_in_threadpool(work)
    except ConflictError as conflict:
        return await _conflict(request, article, eid, show, fetch, text, conflict)
    except (ApprovalError, ArticleError) as exc:
        raise HTTPException(409, exc.message + (f"; {exc.hint}" if exc.hint else "")) from exc
    if isinstance(result, Suggested):
        note = "This entry is reviewed: your text was kept as a suggestion for a reviewer."
        if view is not None:  # nothing changed but the entry's list of suggestions
            kept = {"e": view, "counts": None, "slug": article.slug, "show": show, "note": note}
            return render(request, "fragment.html", kept, 202)
        request.session["flash"] = note + " · 已作为建议提交。"
        return RedirectResponse(_article_url(article.slug, show, eid), 303)
    if view is not None:
        head = await run_in_threadpool(
            views.head_after_save, article, result.written, bool(result.actions), result.counts
        )
        context = {
            "e": view,
            "counts": result.counts,
            "slug": article.slug,
            "show": show,
            "head": head,
        }
        return render(request, "fragment.html", context)
    moving_on = approve or _field(form, "action") == "save-next"
    target = eid if not moving_on else _next_entry(views, article, eid) or eid
    return RedirectResponse(_article_url(article.slug, show, target), 303)


def _next_entry(views: Views, article: Article, eid: str) -> str | None:
    po = views.catalog(article)
    ids = [entry_id(e.msgid) for e in active(po)] if po is not None else []
    at = ids.index(eid) if eid in ids else -1
    return ids[at + 1] if 0 <= at < len(ids) - 1 else None


async def _conflict(
    request: Request,
    article: Article,
    eid: str,
    show: str,
    fetch: bool,
    typed: str,
    conflict: ConflictError,
) -> Response:
    """409: the entry as it is now, with the user's own text kept in the form."""
    views = _views(request)
    newer, tally, located = conflict.entry, conflict.counts, views.locate(article, eid)
    if newer is None or tally is None or located is None:
        raise HTTPException(409, conflict.message)
    view = await run_in_threadpool(views.entry, article, newer, located[1], typed)
    context = {"e": view, "counts": tally, "slug": article.slug, "show": show}
    return render(request, "fragment.html" if fetch else "conflict.html", context, 409)


_SUGGESTION_ID = re.compile(r"[0-9a-f]{16}")


@require(Role.REVIEWER)
async def decide_suggestion(request: Request) -> Response:
    """A reviewer accepts (the text becomes the reviewed translation) or rejects a suggestion."""
    article = _article(request)
    sid = str(request.path_params["sid"])
    verdict = str(request.path_params["verdict"])
    if not _SUGGESTION_ID.fullmatch(sid) or verdict not in ("accept", "reject"):
        raise HTTPException(404, "There is no such suggestion.")
    show = _choice(_form(request).get("show"), ENTRY_FILTERS)
    views, reviewer = _views(request), _user(request).name

    def work() -> tuple[str, str]:
        if verdict == "reject":
            found = proposals.reject(article, sid)
            return found.entry, f"Rejected the suggestion of {found.user}."
        result = proposals.accept(
            _project(request), article, sid, reviewer, glossary=views.glossary()
        )
        return result.entry, "Accepted the suggestion; the entry is reviewed."

    try:
        eid, message = await run_in_threadpool(work)
    except ConflictError as conflict:
        raise HTTPException(409, conflict.message + "; reload and decide again") from conflict
    except ArticleError as exc:
        raise HTTPException(409, exc.message + (f"; {exc.hint}" if exc.hint else "")) from exc
    request.session["flash"] = message
    return RedirectResponse(_article_url(article.slug, show, eid), 303)


@require(Role.EDITOR)
async def approve_article(request: Request) -> Response:
    article = _article(request)
    try:
        given = await run_in_threadpool(
            approve_checked, _project(request), article, _user(request).name
        )
    except ApprovalError as exc:
        raise HTTPException(409, exc.message + (f"; {exc.hint}" if exc.hint else "")) from exc
    request.session["flash"] = f"Approved by {given.editor} at {given.at}. · 已批准。"
    return RedirectResponse(_article_url(article.slug), 303)


# -- accounts ------------------------------------------------------------------------------


def _users_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    store = _users(request)
    context = {
        "accounts": store.users(),
        "sessions": store.session_counts(),
        "roles": list(Role),
        "error": error,
    }
    return render(request, "users.html", context, status)


@require(Role.ADMIN)
async def users_page(request: Request) -> Response:
    return _users_page(request)


@require(Role.ADMIN)
async def add_user(request: Request) -> Response:
    form = _form(request)
    name, role, password = _field(form, "name"), _field(form, "role"), _field(form, "password")
    try:
        await run_in_threadpool(_users(request).add, name.strip(), role, password)
    except UserError as exc:
        return _users_page(request, exc.message + (f"; {exc.hint}" if exc.hint else ""), 400)
    request.session["flash"] = f"Added {name.strip()} as {role}."
    return RedirectResponse("/users", 303)


@require(Role.ADMIN)
async def remove_user(request: Request) -> Response:
    name = _field(_form(request), "name")
    if name == _user(request).name:
        return _users_page(request, "You cannot remove your own account.", 400)
    try:
        await run_in_threadpool(_users(request).remove, name)
    except UserError as exc:
        return _users_page(request, exc.message, 400)
    request.session["flash"] = f"Removed {name}."
    return RedirectResponse("/users", 303)


@require(Role.ADMIN)
async def end_user_sessions(request: Request) -> Response:
    """An admin logs a user out everywhere (their own current session stays)."""
    name = _field(_form(request), "name")
    if _users(request).get(name) is None:
        return _users_page(request, f"There is no user {name!r}.", 400)
    keep = session_id(request) if name == _user(request).name else None
    ended = await run_in_threadpool(_users(request).end_sessions, name, keep)
    request.session["flash"] = f"Ended {ended} session(s) of {name}."
    return RedirectResponse("/users", 303)


@require(Role.ADMIN)
async def set_role(request: Request) -> Response:
    form = _form(request)
    name, role = _field(form, "name"), _field(form, "role")
    if name == _user(request).name:
        return _users_page(request, "You cannot change your own role.", 400)
    try:
        await run_in_threadpool(_users(request).set_role, name, role)
    except UserError as exc:
        return _users_page(request, exc.message + (f"; {exc.hint}" if exc.hint else ""), 400)
    request.session["flash"] = f"{name} is now {role}."
    return RedirectResponse("/users", 303)


def _account_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    return render(request, "account.html", {"error": error}, status)


@require(Role.TRANSLATOR)
async def account_page(request: Request) -> Response:
    return _account_page(request)


@require(Role.TRANSLATOR)
async def change_password(request: Request) -> Response:
    """A user changes their own password (knowing the current one); their other sessions end."""
    form, user, store = _form(request), _user(request), _users(request)
    current, new = _field(form, "current"), _field(form, "password")
    if new != _field(form, "again"):
        return _account_page(request, "The two new passwords differ. · 两次输入的密码不同。", 400)
    if await run_in_threadpool(store.verify, user.name, current) is None:
        return _account_page(request, "The current password is wrong. · 当前密码错误。", 400)
    try:
        changed = await run_in_threadpool(store.set_password, user.name, new, session_id(request))
    except UserError as exc:
        return _account_page(request, exc.message + (f"; {exc.hint}" if exc.hint else ""), 400)
    refresh_fingerprint(request, changed)
    request.session["flash"] = "Password changed; your other sessions ended. · 密码已修改。"
    return RedirectResponse("/account", 303)


# -- search --------------------------------------------------------------------------------


@require(Role.TRANSLATOR)
async def search_page(request: Request) -> Response:
    """Entries of every article matching the text, check, person and state asked for."""
    params = request.query_params
    fields = tuple(f for f in params.getlist("in") if f in search.FIELDS) or search.FIELDS
    states = ("", *(str(s) for s in EntryState))
    query = search.Query(
        text=params.get("q", "")[:200],
        fields=fields,
        check=params.get("check", "")[:64],
        person=params.get("person", "")[:64],
        state=_choice(params.get("state", ""), states),
    )
    views = _views(request)
    problems: dict[str, str] = {}  # the unreadable catalogs, by slug: shown, not searched

    def run() -> tuple[list[search.Hit], bool]:
        if not query:
            return [], False
        glossary = views.glossary()
        return search.search(
            _project(request),
            query,
            catalogs=views.readable(problems),
            findings=lambda article, entry: views.findings(article, entry, glossary),
        )

    hits, more = await run_in_threadpool(run)
    context = {"query": query, "hits": hits, "more": more, "fields": search.FIELDS}
    context["problems"] = problems
    return render(request, "search.html", {**context, "states": states})


@require(Role.TRANSLATOR)
async def next_entry(request: Request) -> Response:
    """Go to the next untranslated entry (or draft to review) after the one given, across
    pages and articles."""
    params = request.query_params
    state = EntryState.DRAFT if params.get("state") == "draft" else EntryState.UNTRANSLATED
    slug, eid = params.get("slug", ""), _entry_param(params.get("after"))
    after = (slug, eid) if slug and eid else None
    views = _views(request)
    found = await run_in_threadpool(
        search.next_entry, _project(request), state, after, catalogs=views.readable()
    )
    if found is None:
        request.session["flash"] = f"No {state} entry is left. · 没有了。"
        return RedirectResponse("/", 303)
    return RedirectResponse(_article_url(found[0], "all", found[1]), 303)


# -- comments ------------------------------------------------------------------------------


@require(Role.TRANSLATOR)
async def add_comment(request: Request) -> Response:
    """Comment on an entry; ``@name`` mentions an existing user."""
    article = _article(request)
    eid = _entry_id(request)
    form, views, store = _form(request), _views(request), _users(request)
    located = await run_in_threadpool(views.locate, article, eid)
    if located is None:
        raise HTTPException(404, "There is no such entry (its source may have changed).")
    names = {u.name for u in store.users()}
    try:
        await run_in_threadpool(
            notes.add, article, located[0], _user(request).name, _field(form, "comment"), names
        )
    except notes.CommentError as exc:
        raise HTTPException(400, exc.message + (f"; {exc.hint}" if exc.hint else "")) from exc
    show = _choice(form.get("show"), ENTRY_FILTERS)
    return RedirectResponse(_article_url(article.slug, show, eid), 303)


@require(Role.REVIEWER)
async def revert_change(request: Request) -> Response:
    """Put back the text an entry had before a change (as a draft to review again)."""
    article = _article(request)
    cid = str(request.path_params["cid"])
    if not _SUGGESTION_ID.fullmatch(cid):
        raise HTTPException(404, "There is no such change.")
    views = _views(request)
    show = _choice(_form(request).get("show"), ENTRY_FILTERS)

    def work() -> SaveResult:
        return history.revert(
            _project(request), article, cid, _user(request).name, glossary=views.glossary()
        )

    try:
        result = await run_in_threadpool(work)
    except ConflictError as conflict:
        raise HTTPException(409, conflict.message + "; reload and try again") from conflict
    except ArticleError as exc:
        raise HTTPException(409, exc.message + (f"; {exc.hint}" if exc.hint else "")) from exc
    request.session["flash"] = "Reverted: the earlier text is back, as a draft to review."
    return RedirectResponse(_article_url(article.slug, show, result.entry), 303)


# -- preview and machine translation -------------------------------------------------------


@require(Role.TRANSLATOR)
async def preview_page(request: Request) -> Response:
    """The English page as it will be published, rendered safely; or why build refuses it."""
    article = _article(request)
    drafts = request.query_params.get("drafts") != "0"
    views = _views(request)
    state = request.app.state
    previews: Previews | None = getattr(state, "previews", None)
    if previews is None:  # made on first use, on the event loop: once
        previews = state.previews = Previews()

    def work() -> tuple[str, Preview] | None:
        shown = previews.get(_project(request), article, lambda: views.catalog(article), drafts)
        po = views.catalog(article)
        if shown is None or po is None:
            return None
        return str(po.metadata.get("Project-Id-Version") or article.slug), shown

    try:
        made = await run_in_threadpool(work)
    except TranspubError as exc:  # the source cannot be read or segmented: say why, no page
        raise HTTPException(409, one_line(exc)) from exc
    if made is None:
        raise HTTPException(404, "This article has no catalog yet: run `transpub sync`.")
    title, shown = made
    return render(request, "preview.html", {"p": shown, "title": title})


def _machine(request: Request) -> MachineTranslator:
    """The app's one-entry machine translator, made on first use (on the event loop: once)."""
    state = request.app.state
    machine: MachineTranslator | None = getattr(state, "machine", None)
    if machine is None:
        machine = state.machine = MachineTranslator(_project(request))
    return machine


@require(Role.TRANSLATOR)
async def machine_translate(request: Request) -> Response:
    """The engine's translation of one entry, as JSON ``{"text", "origin", "status"}`` for the
    editor to put in the text area (nothing is saved); an engine error is ``{"error"}``, one
    line without the key, with HTTP 502."""
    article = _article(request)
    eid = _entry_id(request)
    machine, views = _machine(request), _views(request)
    if not machine.configured:
        raise HTTPException(
            404, "No machine translation engine is configured ([translate] engine)."
        )
    located = await run_in_threadpool(views.locate, article, eid)
    if located is None:
        raise HTTPException(404, "There is no such entry (its source may have changed).")
    user = _user(request).name

    def work() -> JSONResponse:
        po = views.catalog(article)
        entries = active(po) if po is not None else []
        answer = machine.translate(article, entries, located[0], views.glossary(), user)
        return JSONResponse(
            {"text": answer.text, "origin": answer.origin, "status": answer.status()}
        )

    try:
        return await run_in_threadpool(work)
    except TranspubError as exc:
        message = one_line(exc, key_values(_project(request)))
        return JSONResponse({"error": message}, 502)
