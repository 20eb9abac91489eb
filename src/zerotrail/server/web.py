"""The web app's pages: logins with sessions, and the dashboard.

    GET  /login    the login form (it starts a session before the login, for its CSRF token)
    POST /login    name and password (pipeline.users: login_record, check_password); 303 to /
    POST /logout   ends the session
    GET  /         the dashboard: scopes over the years, Scope 3 by category (login required)
    /static/...    the pages' CSS and JavaScript, vendored from npm (static/vendor/VERSIONS)

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript: every chart
is also a table. Charts are drawn in the browser by vega-embed from the Vega-Lite specs the
report uses (pipeline/dashboard.py), with vega's expression interpreter (`ast: true`), so the
Content-Security-Policy needs no 'unsafe-eval'. Sessions and CSRF tokens are sessions.py's,
the login rate limit ratelimit.py's; both live in this process's memory.

A data owner (who may see only its own entities) is shown its entities' part of the figures,
named as such (pipeline/dashboard.py with the owner's entity set); `signed_in` restricts every
page's workspace to them first (pipeline/isolation.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zerotrail.model.users import User
from zerotrail.pipeline.dashboard import dashboard
from zerotrail.pipeline.isolation import entities_of, restrict_to
from zerotrail.pipeline.users import check_password, list_accounts, login_record
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.auth import (
    EVERYONE,
    EXPLORE,
    READ_FIGURES,
    READ_OWN_FIGURES,
    READ_SUBMISSIONS,
    READ_TEAM_FIGURES,
    Rule,
)
from zerotrail.server.ratelimit import FailureLimiter
from zerotrail.server.sessions import COOKIE, Session, Sessions

HERE = Path(__file__).parent
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# The largest form body read: every page's form fits (a rejection's reason of 1,000 characters
# is at most 12,000 bytes URL-encoded, the retire form's four fields under 50,000); a larger
# body is answered 413 before any route reads it (submissions.UploadLimit, SMALL_BODY_BYTES).
MOST_FORM_BYTES = 64 * 1024
LONGEST_PASSWORD = 1024
WRONG_LOGIN = "Wrong user name or password."  # the one line for every failed login
# The one line for a page form whose CSRF token is missing or not the session's.
EXPIRED = "The form has expired or did not come from this site: reload the page and try again."

# No CDN, no inline script or style: every script and style sheet comes from /static.
# vega-embed runs with `ast: true` (its expression interpreter), so no 'unsafe-eval' is needed,
# and without its default style sheet and tooltips, which would add inline <style> elements
# (static/charts.js). tests/server/test_browser.py fails on any CSP violation Chromium reports.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",  # for browsers that predate frame-ancestors
}


def _tonnes(value: float) -> str:
    """t CO2e as the report writes it: thousands separated, whole tonnes from 10 up, two
    significant digits below (so 0.04 t is not shown as 0)."""
    if not math.isfinite(value):
        return str(value)
    if value == 0 or abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def a_role(role: str, capital: bool = True) -> str:
    """The role with its article, as the pages' sentences name a user: "An owner", "A viewer"."""
    article = "an" if role[:1] in "aeiou" else "a"
    return f"{article.capitalize() if capital else article} {role}"


_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_env.filters["tonnes"] = _tonnes
_env.filters["a_role"] = a_role
templates = Jinja2Templates(env=_env)

router = APIRouter(include_in_schema=False)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer that does not set them itself (ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from `app`, with the security headers."""
    app.state.sessions = Sessions()
    app.state.login_failures = FailureLimiter()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders)


# --- helpers -------------------------------------------------------------------------------------


def access_of(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


def _sessions(request: Request) -> Sessions:
    sessions = request.app.state.sessions
    assert isinstance(sessions, Sessions)
    return sessions


def _limiter(request: Request) -> FailureLimiter:
    limiter = request.app.state.login_failures
    assert isinstance(limiter, FailureLimiter)
    return limiter


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    # Pages show one user's view of the figures: kept by no cache, shared or not.
    response.headers["cache-control"] = "no-store"
    return response


def _set_cookie(request: Request, response: Response, session_id: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure when the page came over
    TLS (`zerotrail serve --tls-cert`; no proxy's X-Forwarded-Proto is trusted); no Max-Age:
    it ends with the browser, or earlier on the server."""
    response.set_cookie(
        COOKIE,
        session_id,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def forget_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def logged_in(request: Request) -> tuple[str, Session] | None:
    session_id = request.cookies.get(COOKIE)
    session = _sessions(request).get(session_id)
    if session is None or session.user is None or session_id is None:
        return None
    return session_id, session


def current_user(ws: Any, name: str) -> User | None:
    """The user `name`, looked up again on every request: None once it is disabled."""
    for account in list_accounts(ws):
        if account.user.name == name:
            return None if account.disabled else account.user
    return None


def signed_in(request: Request, ws: Any) -> tuple[User, Session] | Response:
    """The user of the request's session (looked up again in `ws`) and the session; or, for a
    request without a live session or whose user is disabled now, the redirect to the login
    page that every page answers then (the session ended, its cookie dropped)."""
    found = logged_in(request)
    if found is None:
        return redirect("/login")
    session_id, session = found
    assert session.user is not None
    user = current_user(ws, session.user)
    if user is None:
        _sessions(request).end(session_id)
        response = redirect("/login")
        forget_cookie(request, response)
        return response
    restrict_to(ws, user)  # an owner's page sees its entities only (pipeline/isolation.py)
    return user, session


# The pages of the nav: (key, path, label, who may see the page's figures). A role is shown
# the pages it may see only; a page opened anyway says why it shows nothing (or refuses).
NAV: tuple[tuple[str, str, str, Rule], ...] = (
    ("dashboard", "/", "Dashboard", READ_OWN_FIGURES),
    ("data", "/data", "Data", READ_SUBMISSIONS),
    ("inventory", "/inventory", "Inventory", EXPLORE),
    ("roadmap", "/roadmap", "Roadmap", READ_FIGURES),
    ("credits", "/credits", "Credits and claims", READ_TEAM_FIGURES),
    ("ledger", "/ledger", "Ledger", EVERYONE),
    ("reports", "/reports", "Reports", READ_TEAM_FIGURES),
)


def page_context(title: str, nav: str, user: User, session: Session) -> dict[str, Any]:
    """What base.html needs on every signed-in page: the title, which nav entry is current,
    the pages the user's role may see, the user and the session's CSRF token."""
    pages = [(key, path, label) for key, path, label, rule in NAV if user.role in rule.roles]
    return {"title": title, "nav": nav, "pages": pages, "user": user, "csrf": session.csrf}


def forbidden(
    request: Request, message: str, signed: tuple[User, Session] | None = None
) -> Response:
    """403 with one line; for a signed-in user (`signed`) inside the app's own header and nav."""
    context = {} if signed is None else page_context("Refused", "", *signed)
    return page(request, "message.html", context | {"title": "Refused", "message": message}, 403)


async def read_form(request: Request) -> dict[str, str] | None:
    """The form's fields (the first value of each), or None when the body is not a small
    URL-encoded form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MOST_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in fields.items()}


def csrf_ok(request: Request, session: Session | None, form: dict[str, str] | None) -> bool:
    """Whether the request carries its session's CSRF token: the hidden form field, or the
    header htmx sends (base.html sets it on every htmx request)."""
    if session is None:
        return False
    token = (form or {}).get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    return session.csrf_ok(token)


# --- login and logout ----------------------------------------------------------------------------


def _login_form(
    request: Request, session: Session, error: str = "", status: int = 200, name: str = ""
) -> Response:
    context = {"title": "Log in", "csrf": session.csrf, "error": error, "name": name}
    return page(request, "login.html", context, status)


@router.get("/login")
def login_page(request: Request) -> Response:
    if logged_in(request) is not None:
        return redirect("/")
    session_id = request.cookies.get(COOKIE)
    session = _sessions(request).get(session_id)
    new_id = None
    if session is None:
        new_id, session = _sessions(request).new(None)
    response = _login_form(request, session)
    if new_id is not None:
        _set_cookie(request, response, new_id)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    sessions = _sessions(request)
    old_id = request.cookies.get(COOKIE)
    session = sessions.get(old_id)
    form = await read_form(request)
    if form is None:
        return forbidden(request, "This is not the login form. Open the login page and try again.")
    if not csrf_ok(request, session, form):
        return forbidden(
            request, "The login form has expired or did not come from this site: reload the page."
        )
    assert session is not None
    name = form.get("name", "")
    password = form.get("password", "")
    client = request.client.host if request.client else "unknown"
    limiter = _limiter(request)
    keys = [f"name:{name.casefold()}", f"address:{client}"]
    wait = limiter.begin(keys)  # counted as a failure until it succeeds
    if wait is not None:
        minutes = math.ceil(wait / 60)
        response = _login_form(
            request,
            session,
            f"Too many failed logins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            429,
            name,
        )
        response.headers["retry-after"] = str(wait)
        return response

    def check() -> User | None:
        if not name or not password or len(password) > LONGEST_PASSWORD:
            return None
        with access_of(request).open() as ws:
            record = login_record(ws, name)
        # Hashed after the workspace is let go: a DuckDB file's turn is not held for it.
        return check_password(record, password)

    user = await run_in_threadpool(check)
    if user is None:
        return _login_form(request, session, WRONG_LOGIN, 401, name)
    limiter.succeeded(keys)
    # A new id at the login: one known before it (a fixed session) is worth nothing after it.
    sessions.end(old_id)
    new_id, _ = sessions.new(user.name)
    response = redirect("/")
    _set_cookie(request, response, new_id)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session_id = request.cookies.get(COOKIE)
    session = _sessions(request).get(session_id)
    form = await read_form(request)
    if session is not None and not csrf_ok(request, session, form):
        return forbidden(request, "The form did not come from this site: reload the page.")
    _sessions(request).end(session_id)
    response = redirect("/login")
    forget_cookie(request, response)
    return response


# --- pages ---------------------------------------------------------------------------------------


@router.get("/")
def dashboard_page(request: Request) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user, session = found
        allowed = user.role in READ_OWN_FIGURES.roles
        seen = entities_of(user)
        # Kept between requests while the workspace's state is unchanged (server/cache.py).
        figures = (
            access_of(request).figures.get(
                ws, "dashboard", (), lambda: dashboard(ws, seen), entities=seen
            )
            if allowed
            else None
        )
    context = page_context("Dashboard", "dashboard", user, session) | {
        "allowed": allowed,
        "why": READ_OWN_FIGURES.why,
        "dash": figures,
    }
    return page(request, "dashboard.html", context)
