"""The web app's pages in process: logins, sessions and their cookie, CSRF, the login rate
limit, logout, security headers and the dashboard's figures.

The world is conftest.py's: entities A and B, each with grid electricity in East China in 2023,
calculated (AR5):

    a1  A  1,000 MWh x 0.5500 t CO2/MWh =   550 t CO2e, Scope 2 location-based
    b1  B  2,000 MWh x 0.5500 t CO2/MWh = 1,100 t CO2e, Scope 2 location-based
                                          1,650 t CO2e  Scope 2 location-based, 2023

No Scope 1 and no Scope 3 (0 t each), so the location-based total is 1,650 t too. Users with
passwords are added to a copy of the world here (conftest's users hold API tokens only).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from asgi_lifespan import LifespanManager

from tests.server.conftest import A_T, B_T, YEAR, Served
from zerotrail.errors import ChartError
from zerotrail.pipeline.users import add_user
from zerotrail.reports.charts import NARROW
from zerotrail.reports.dashboard_charts import scope3_by_category
from zerotrail.server import web
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.app import create_app
from zerotrail.server.ratelimit import LIMIT, WINDOW, FailureLimiter
from zerotrail.server.sessions import COOKIE, IDLE, LONGEST, Sessions
from zerotrail.server.web import CSRF_HEADER, WRONG_LOGIN
from zerotrail.store.workspace import open_workspace

STATIC = Path(__file__).parents[2] / "src" / "zerotrail" / "server" / "static"
TEMPLATES = STATIC.parent / "templates"


@dataclass(frozen=True)
class World:
    """A workspace file and the passwords of the users added to it."""

    path: Path
    passwords: dict[str, str]


def with_users(path: Path, users: Mapping[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    """Adds `users` (name: (role, entities)) to the workspace at `path`; their passwords."""
    ws = open_workspace(str(path))
    try:
        return {name: add_user(ws, name, role, ents) for name, (role, ents) in users.items()}
    finally:
        ws.close()


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    path = served.copy(tmp_path_factory.mktemp("web"))
    users = {"web-ana": ("analyst", ()), "web-vic": ("viewer", ()), "web-own": ("owner", ("A",))}
    return World(path, with_users(path, users))


class Browser:
    """One browser: its own cookie jar, against the app served in the block."""

    def __init__(self, portal: BlockingPortal, transport: httpx.ASGITransport, base: str) -> None:
        self._portal = portal
        self.client = httpx.AsyncClient(transport=transport, base_url=base)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self._portal.call(lambda: self.client.get(path, **kw))

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self._portal.call(lambda: self.client.post(path, **kw))

    def csrf(self) -> str:
        """The CSRF token of this browser's session, as the login page's form carries it."""
        return csrf_of(self.get("/login").text)

    def login(self, name: str, password: str) -> httpx.Response:
        token = self.csrf()
        return self.post("/login", data={"name": name, "password": password, "csrf_token": token})


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


@contextmanager
def app_for(path: Path) -> Iterator[Any]:
    """`new_browser(base="http://test", cookie=None)` for the app serving `path`, in the
    block."""
    app = create_app(str(path))

    async def lifespan() -> LifespanManager:
        return LifespanManager(app)

    browsers: list[Browser] = []
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(portal.call(lifespan)) as manager,
    ):
        transport = httpx.ASGITransport(app=manager.app)

        def new_browser(base: str = "http://test", cookie: str | None = None) -> Browser:
            browsers.append(Browser(portal, transport, base))
            if cookie is not None:  # a browser that holds this session cookie
                browsers[-1].client.cookies.set(COOKIE, cookie)
            return browsers[-1]

        try:
            yield new_browser
        finally:
            for b in browsers:
                portal.call(b.client.aclose)


def logged_in(site: Any, world: World, name: str) -> Browser:
    """A new browser of `site` logged in as `name` (a login checks an Argon2id hash: slow on
    purpose)."""
    browser: Browser = site()
    assert browser.login(name, world.passwords[name]).status_code == 303
    return browser


def sessions(site: Any, world: World) -> Callable[[str], Browser]:
    """`as_(name)`: a browser logged in as `name`, one per user for the caller's lifetime."""
    browsers: dict[str, Browser] = {}

    def as_(name: str) -> Browser:
        if name not in browsers:
            browsers[name] = logged_in(site, world, name)
        return browsers[name]

    return as_


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[Any]:
    """The app shared by the tests below that make at most one failed login in all (the rate
    limit counts per client address, and every in-process browser has the same one)."""
    with app_for(world.path) as new_browser:
        yield new_browser


# --- login, cookie, session ----------------------------------------------------------------------


def test_login_sets_a_session_cookie_and_opens_the_dashboard(site: Any, world: World) -> None:
    browser = site()
    before = browser.get("/login")
    assert before.status_code == 200
    anonymous = before.cookies[COOKIE]
    answer = browser.login("web-ana", world.passwords["web-ana"])
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    session_id = answer.cookies[COOKIE]
    # 256 random bits in URL-safe base64: 43 characters; a new id at the login.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", session_id)
    assert session_id != anonymous
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "httponly" in parts and "samesite=lax" in parts and "path=/" in parts
    assert "secure" not in parts  # plain HTTP here: see the next test
    page = browser.get("/")
    assert page.status_code == 200
    assert "web-ana" in page.text and "(analyst)" in page.text


def test_the_cookie_is_secure_over_tls(site: Any, world: World) -> None:
    browser = site("https://test")
    answer = browser.login("web-ana", world.passwords["web-ana"])
    assert answer.status_code == 303
    assert "secure" in [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]


def test_a_wrong_login_says_one_generic_line(world: World) -> None:
    # Its own app: two failed logins here must not count against the shared app's address.
    with app_for(world.path) as new_browser:
        wrong_password = new_browser().login("web-ana", "not-the-password")
        unknown_name = new_browser().login("nobody-here", "not-the-password")
    for answer in (wrong_password, unknown_name):
        assert answer.status_code == 401
        assert COOKIE not in answer.cookies  # no new session
        errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', answer.text)
        assert errors == [WRONG_LOGIN]


def test_a_login_hashes_its_password_with_the_workspace_let_go(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2id takes some 0.3 s: were it checked inside the workspace's opening, every wrong
    login, a stranger's too, would hold a DuckDB file's one turn that long (and fill its queue
    of waiters). The password is checked once the workspace is closed."""
    opened: list[int] = []  # one entry per workspace open right now
    real_open = WorkspaceAccess.open

    @contextmanager
    def counted(self: WorkspaceAccess, *, write: bool = False) -> Iterator[Any]:
        opened.append(1)
        try:
            with real_open(self, write=write) as ws:
                yield ws
        finally:
            opened.pop()

    open_while_hashing: list[int] = []
    real_check = web.check_password

    def check(record: Any, password: str) -> Any:
        open_while_hashing.append(len(opened))
        return real_check(record, password)

    monkeypatch.setattr(WorkspaceAccess, "open", counted)
    monkeypatch.setattr(web, "check_password", check)
    with app_for(world.path) as new_browser:
        right = new_browser().login("web-ana", world.passwords["web-ana"])
        unknown = new_browser().login("nobody-here", "not-the-password")
    assert (right.status_code, unknown.status_code) == (303, 401)
    assert open_while_hashing == [0, 0]


def test_the_dashboard_requires_a_login(site: Any) -> None:
    answer = site().get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    # A made-up session id is no login either.
    answer = site(cookie="x" * 43).get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_logout_ends_the_session(site: Any, world: World) -> None:
    browser = site()
    session_id = browser.login("web-vic", world.passwords["web-vic"]).cookies[COOKIE]
    page = browser.get("/")
    assert page.status_code == 200
    answer = browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert f'{COOKIE}=""' in answer.headers["set-cookie"]  # the browser is told to forget it
    # The server has ended it: a browser that kept the cookie is not logged in.
    again = site(cookie=session_id).get("/")
    assert again.status_code == 303 and again.headers["location"] == "/login"


# --- CSRF ----------------------------------------------------------------------------------------


def test_a_login_without_its_csrf_token_is_refused(site: Any, world: World) -> None:
    browser = site()
    token = browser.csrf()
    form = {"name": "web-ana", "password": world.passwords["web-ana"]}
    assert browser.post("/login", data=form).status_code == 403
    assert browser.post("/login", data=form | {"csrf_token": token[:-1]}).status_code == 403
    # Another session's token is no better: the token belongs to its session.
    other = site().csrf()
    assert browser.post("/login", data=form | {"csrf_token": other}).status_code == 403
    # Not a form at all.
    assert browser.post("/login", json=form | {"csrf_token": token}).status_code == 403
    # No session cookie at all (a cross-site form post from a fresh browser).
    assert site().post("/login", data=form | {"csrf_token": token}).status_code == 403
    assert browser.post("/login", data=form | {"csrf_token": token}).status_code == 303


def test_logout_without_the_csrf_token_is_refused_and_htmx_sends_it(
    site: Any, world: World
) -> None:
    browser = site()
    browser.login("web-ana", world.passwords["web-ana"])
    page = browser.get("/")
    token = csrf_of(page.text)
    # The page gives htmx the same token for its requests' header.
    given = re.search(r"hx-headers:inherited='([^']+)'", page.text)
    assert given is not None and json.loads(given.group(1)) == {CSRF_HEADER: token}
    assert browser.post("/logout", data={}).status_code == 403
    assert browser.post("/logout", data={"csrf_token": "x" * 43}).status_code == 403
    assert browser.get("/").status_code == 200  # still logged in
    answer = browser.post("/logout", headers={CSRF_HEADER: token})
    assert answer.status_code == 303
    assert browser.get("/").status_code == 303


# --- rate limit ----------------------------------------------------------------------------------


def test_failed_logins_per_name_are_limited_and_a_right_password_does_not_pass(
    world: World,
) -> None:
    with app_for(world.path) as new_browser:
        browser = new_browser()
        for _ in range(LIMIT):
            assert browser.login("web-ana", "wrong").status_code == 401
        answer = browser.login("web-ana", world.passwords["web-ana"])
        assert answer.status_code == 429
        assert 1 <= int(answer.headers["retry-after"]) <= WINDOW
        assert "Too many failed logins" in answer.text
        assert COOKIE not in answer.cookies


def test_failed_logins_per_address_are_limited(world: World) -> None:
    with app_for(world.path) as new_browser:
        browser = new_browser()
        for i in range(LIMIT):  # a different name each time: only the address repeats
            assert browser.login(f"guess{i}", "wrong").status_code == 401
        answer = browser.login("web-vic", world.passwords["web-vic"])
        assert answer.status_code == 429 and "retry-after" in answer.headers


def test_the_limit_forgets_failures_after_its_window() -> None:
    now = [1000.0]
    limiter = FailureLimiter(limit=3, window=60.0, clock=lambda: now[0])
    keys = ["name:ana", "address:10.0.0.1"]
    for _ in range(3):
        assert limiter.retry_after(keys) is None
        limiter.failed(keys)
        now[0] += 10  # failures at 1000, 1010, 1020
    # At 1030 the oldest failure (1000) leaves the 60 s window at 1060: 30 s to wait.
    assert limiter.retry_after(keys) == 30
    now[0] = 1060.0
    assert limiter.retry_after(keys) is None
    # A success clears the name's failures, not the address's.
    limiter.failed(keys)
    limiter.failed(keys)
    limiter.failed(keys)
    limiter.clear("name:ana")
    assert limiter.retry_after(["name:ana"]) is None
    assert limiter.retry_after(["address:10.0.0.1"]) == 60


def test_sessions_expire_when_idle_and_after_the_longest_time() -> None:
    now = [0.0]
    sessions = Sessions(clock=lambda: now[0])
    idle_id, _ = sessions.new("ana")
    busy_id, _ = sessions.new("ana")
    now[0] = IDLE - 1
    assert sessions.get(busy_id) is not None  # used: its idle time starts again
    now[0] = IDLE
    assert sessions.get(idle_id) is None
    # Used every hour, the busy one still ends LONGEST after it was made.
    while now[0] < LONGEST - 3600:
        now[0] += 3600
        assert sessions.get(busy_id) is not None
    now[0] = LONGEST
    assert sessions.get(busy_id) is None
    assert len(sessions) == 0


# --- the pages -----------------------------------------------------------------------------------


def _cells(page: str, table: str) -> list[list[str]]:
    body = page.split(f'id="{table}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]


def test_the_dashboard_shows_the_worlds_figures(site: Any, world: World) -> None:
    browser = site()
    browser.login("web-ana", world.passwords["web-ana"])
    page = browser.get("/").text
    assert A_T + B_T == 1650.0
    rows = _cells(page, "scopes-table")
    # Year, Scope 1, Scope 2 location, Scope 2 market, Scope 3, Scope 3 market, totals.
    assert len(rows) == 1 and rows[0][0] == str(YEAR)
    assert rows[0][1] == "0" and rows[0][2] == "1,650" and rows[0][4] == "0"
    assert rows[0][6] == "1,650"  # total location-based: 0 + 1,650 + 0
    categories = _cells(page, "scope3-table")
    assert len(categories) == 15 and all(c[1] == "0" for c in categories)
    assert "No Scope 3 emissions in 2023" in page
    # The scopes chart is the report's spec (reports.charts.emissions_by_scope), with the
    # year's stacked bars: Scope 2 market-based is what the report's chart shows.
    wide = re.search(
        r'<script type="application/json" id="spec-scopes-wide">(.*?)</script>', page, re.S
    )
    assert wide is not None
    spec = json.loads(wide.group(1))
    assert spec["width"] == 640 and spec["title"]["text"] == "Emissions by scope"
    values = [v for d in spec["datasets"].values() for v in d if "scope" in v]
    by_scope = {v["scope"]: v["t"] for v in values}
    assert set(by_scope) == {"Scope 1", "Scope 2", "Scope 3"}
    assert by_scope["Scope 1"] == 0.0 and by_scope["Scope 3"] == 0.0
    assert f"{by_scope['Scope 2']:,.0f}" == rows[0][3]  # the table's market-based Scope 2


def test_the_scope3_chart_draws_the_categories_above_zero_largest_first() -> None:
    categories = [
        {"category": 1, "t": 10.0},
        {"category": 6, "t": 30.0},
        {"category": 2, "t": 0.0},  # omitted: nothing to draw
    ]
    spec = scope3_by_category(categories, year=YEAR)
    (values,) = spec["datasets"].values()
    assert [(v["label"], v["v"]) for v in values] == [
        ("6. Business travel", 30.0),
        ("1. Purchased goods and\nservices", 10.0),  # wrapped under Vega's 180 px label limit
    ]
    assert spec["title"]["subtitle"] == "t CO₂e, 2023"
    narrow = scope3_by_category(categories, year=YEAR, width=NARROW)
    assert narrow["width"] == NARROW
    with pytest.raises(ChartError, match="category 1 has a negative total"):
        scope3_by_category([{"category": 1, "t": -1.0}], year=YEAR)


def test_an_owner_is_shown_its_entities_part_named_as_such(site: Any, world: World) -> None:
    browser = site()
    browser.login("web-own", world.passwords["web-own"])
    page = browser.get("/")
    assert page.status_code == 200
    # web-own owns A: a1 alone, 1,000 MWh x 0.55 t CO2/MWh = 550 t CO2e (Scope 2 location),
    # never the group's 550 + 1,100 = 1,650 t, nor B's 1,100 t.
    assert 'id="entities-part"' in page.text and "(A)" in page.text
    scopes = page.text.split('id="scopes-table"')[1].split("</table>")[0]
    assert "<td>550</td>" in scopes
    assert "1,650" not in page.text and "1,100" not in page.text
    assert 'id="not-shown"' not in page.text


def test_pages_send_the_security_headers(site: Any) -> None:
    answer = site().get("/login")
    csp = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp and "http" not in csp  # no eval, no inline code, no CDN
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["cache-control"] == "no-store"


def test_the_vendored_scripts_are_served_and_pinned(site: Any) -> None:
    pinned = (STATIC / "vendor" / "VERSIONS").read_text(encoding="utf-8").split()
    for pin in ("htmx.org@4.0.1", "vega@6.4.0", "vega-lite@6.5.0", "vega-embed@7.3.0"):
        assert pin in pinned
    for name in ("htmx.min.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        answer = site().get(f"/static/vendor/{name}")
        assert answer.status_code == 200, name
        assert "javascript" in answer.headers["content-type"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    for package in ("htmx.org", "vega", "vega-lite", "vega-embed"):
        assert (STATIC / "vendor" / f"LICENSE.{package}").stat().st_size > 0


def test_pages_load_nothing_from_elsewhere() -> None:
    for path in [*TEMPLATES.glob("*.html"), STATIC / "app.css", STATIC / "charts.js"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path
        assert "url(" not in text, path


def test_no_password_or_session_id_in_any_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with app_for(world.path) as new_browser:
        browser = new_browser()
        browser.login("web-ana", "a-wrong-password-123")
        answer = browser.login("web-ana", world.passwords["web-ana"])
        session_id = answer.cookies[COOKIE]
        page = browser.get("/")
        browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert caplog.records  # something was logged (httpx's request lines at least)
    for record in caplog.records:
        line = record.getMessage()
        for secret in (world.passwords["web-ana"], "a-wrong-password-123", session_id):
            assert secret not in line


def test_logins_sent_together_are_counted_before_their_passwords_are_checked() -> None:
    # Each login is counted as a failure when it begins (undone if it succeeds): 12 logins
    # begun before any had failed once all passed the check of a limit of 5.
    limiter = FailureLimiter(limit=5, window=60.0, clock=lambda: 0.0)
    keys = ["name:ana", "address:10.0.0.1"]
    begun = [limiter.begin(keys) for _ in range(12)]
    assert begun[:5] == [None] * 5
    assert begun[5:] == [60] * 7  # refused, no password checked
    # A success clears its name's count and takes back its own count from the address.
    other = ["name:bob", "address:10.0.0.2"]
    assert limiter.begin(other) is None
    limiter.succeeded(other)
    assert limiter.begin(["name:bob", "address:10.0.0.2"]) is None
    for _ in range(3):
        assert limiter.begin(["name:x", "address:10.0.0.2"]) is None
    # 10.0.0.2: bob's second attempt and three of x's; bob's first success was taken back.
    assert limiter.begin(["name:y", "address:10.0.0.2"]) is None
    assert limiter.begin(["name:z", "address:10.0.0.2"]) == 60
