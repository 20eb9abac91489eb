"""Each of the six roles logged in through the browser: Debian's Chromium, driven by Playwright,
against one real `zerotrail serve` process on roadmap_world.py's world (G > A "Alpha", B "Beta";
a1 550 t CO2e of A, b1 1,100 t of B, 1,650 t in all, 2023, calculated; targets S12 and
NEUTRAL; credits C1 retired, C2 held), plus two files waiting for approval:

    alpha-meters.csv   owner-a's, record m1 of A (100 MWh)
    beta-meters.csv    root's (admin), record x1 of B (5 MWh): no owner of A may see it

For each role, at 390 and 1280 px, every page is opened and shows what docs/server.md's page
table gives that role: the nav of the pages it may see; their figures; on a page outside its
nav (an owner's roadmap, credits and reports, a viewer's data, inventory, credits and reports)
the one line saying why not, or the Refused page; the write forms of that role only (none at
all for a verifier or a viewer); every page passes the shared checks (no sideways overflow, nothing
fetched from elsewhere, no CSP violation or script error, charts drawn). A form a role may not
send, forged in its own page with its own session's CSRF token, is refused with a page saying
so, and changes nothing. An owner of A, on every page it can open and every page of the
inventory drill, finds no trace of B or of the organization's total.

Skipped, with one line, where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import launched
from tests.conftest import Templates
from tests.server.browser import NEEDS_CHROMIUM, Watch, log_in, no_overflow, serving
from tests.server.conftest import USERS
from tests.server.roadmap_world import planned_world
from zerotrail.model.users import ROLES, User
from zerotrail.pipeline import submissions as stage
from zerotrail.server.auth import READ_PROOFS
from zerotrail.server.report_folder import LOG_KEY_ENV, REPORTS_ENV
from zerotrail.server.web import a_role
from zerotrail.store.workspace import open_workspace

pytestmark = NEEDS_CHROMIUM

NAME = {role: name for name, (role, _) in USERS.items()}  # one user of each role
OWNER_ENTITIES = USERS[NAME["owner"]][1]
HEADER = "record_id,entity,period_start,period_end,activity,quantity,unit,region\n"
WIDTHS = (390, 1280)

# The nav of every signed-in page (base.html), in order, as docs/server.md's page table gives
# it: each role gets the pages it may see (NAV_OF); a page outside its nav, opened anyway, says
# why it shows nothing or refuses (OUTSIDE).
NAV = [
    ("/", "Dashboard"),
    ("/data", "Data"),
    ("/inventory", "Inventory"),
    ("/roadmap", "Roadmap"),
    ("/credits", "Credits and claims"),
    ("/ledger", "Ledger"),
    ("/reports", "Reports"),
]
# What holds each page's figures, for a role that may see them.
FIGURES = {
    "/": "#scopes-table",
    "/data": "#submissions",
    "/inventory": "#split-title",
    "/roadmap": "#targets-table",
    "/credits": "#credits-table",
    "/ledger": "#checkpoint-size",
    "/reports": "#kept-title",
}
EVERY_PAGE = [path for path, _ in NAV]
NAV_OF = {
    "admin": EVERY_PAGE,
    "approver": EVERY_PAGE,
    "analyst": EVERY_PAGE,
    "verifier": EVERY_PAGE,
    "owner": ["/", "/data", "/inventory", "/ledger"],  # its own entities' part
    "viewer": ["/", "/roadmap", "/ledger"],  # the dashboards only
}
# A page outside a role's nav: its status, and whether it is the page with the one line saying
# why nothing is shown (#not-shown) or the Refused page.
OUTSIDE = {
    "owner": {"/roadmap": 200, "/credits": 200, "/reports": 200},
    "viewer": {"/data": 403, "/inventory": 403, "/credits": 200, "/reports": 200},
}
SUBMITTERS = {"admin", "owner", "approver", "analyst"}
DECIDERS = {"admin", "approver"}
TEAM = {"admin", "analyst"}  # credits, claims, finalizing, publishing
# Who downloads proofs is the server's own rule (a data owner: of its own records only, as
# test_an_owner_proves_its_own_records_only checks); never a viewer.
PROVERS = set(READ_PROOFS.roles)

# What an owner of A must never see: B's name, its file, the organization's name, B's figure
# and the organization's total (1,100 t and 1,650 t); and, as a whole table cell, B's or G's id
# or B's record ids.
FOREIGN_TEXT = ("Beta", "beta-meters", "Group", "1,100", "1,650")
FOREIGN_CELLS = {"B", "G", "b1", "x1"}


# What a page holds, taken once its charts are drawn (wait_for_function: false until then).
SNAPSHOT = """() => {
    const all = (selector, f) => [...document.querySelectorAll(selector)].map(f);
    if (all('[data-chart]', e => e.hasAttribute('data-drawn')).includes(false)) return false;
    const text = selector => (document.querySelector(selector) || {innerText: ''}).innerText;
    return {
        failed: all('[data-drawn=error]', e => e).length,
        headings: all('main h1', e => e).length,
        body: document.body.innerText,
        main: text('main'),
        who: text('header .who span'),
        nav: all('nav[aria-label=Pages] a',
                 a => [a.getAttribute('href'), a.innerText, a.getAttribute('aria-current')]),
        forms: all('main form[method=post]', f => f.getAttribute('action')),
        ids: all('[id]', e => e.id),
        classes: [...new Set(all('[class]', e => [...e.classList]).flat())],
        cells: all('main td, main th', c => c.innerText.trim()),
        drill: all("main a[href^='/inventory']", a => a.getAttribute('href')),
        records: all('article.record h3', h => h.innerText),
        listed: all('#submissions-table tbody th', c => c.innerText),
        statuses: all('#submissions-table tbody td[class*=status-]', c => c.innerText),
        credits: all('#credits-table tbody tr',
                     r => [r.cells[0].innerText, r.cells[5].innerText, r.cells[7].innerText]),
    };
}"""


def _row(rid: str, entity: str, mwh: str) -> str:
    return f"{rid},{entity},2023-01-01,2023-12-31,electricity.grid,{mwh},MWh,CN-EAST\n"


def post_forms(role: str, path: str) -> set[str]:
    """The write forms (their actions, a submission's id as {id}) `role` gets on `path`."""
    forms: set[str] = set()
    if path == "/data":
        if role in SUBMITTERS:
            forms.add("/data/upload")
        if role in DECIDERS:
            forms |= {"/data/{id}/approve", "/data/{id}/reject"}
    if path == "/credits" and role in TEAM:
        forms |= {"/finalize", "/claims", "/credits/retire", "/credits/assign"}
    if path == "/reports" and role in TEAM:
        forms.add("/reports")
    return forms


@dataclass(frozen=True)
class Server:
    base: str
    passwords: dict[str, str]
    stderr: Path
    pending: dict[str, str]  # user -> the id of the file it submitted


@pytest.fixture(scope="module")
def server(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`zerotrail serve` on a copy of the world with its two pending files, for the module."""
    folder = tmp_path_factory.mktemp("browser-roles")
    world = planned_world(workspace_template, folder)
    ws = open_workspace(str(world.path))
    try:
        owner = User(NAME["owner"], "owner", OWNER_ENTITIES)
        alpha = HEADER + _row("m1", "A", "100")
        admin = User(NAME["admin"], "admin", ())
        beta = HEADER + _row("x1", "B", "5")
        pending = {
            owner.name: stage.submit(ws, owner, "alpha-meters.csv", alpha.encode()).submission_id,
            admin.name: stage.submit(ws, admin, "beta-meters.csv", beta.encode()).submission_id,
        }
    finally:
        ws.close()
    env = {k: v for k, v in os.environ.items() if k != LOG_KEY_ENV}
    env[REPORTS_ENV] = str(folder / "reports")
    with serving(world.path, folder, env=env) as (base, _):
        yield Server(base, world.passwords, folder / "stderr.txt", pending)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.fixture(scope="module")
def logins(server: Server, browser: Any) -> Callable[[str], Any]:
    """role -> the cookies of a session of that role's user, logged in through the form once
    for the module (a new browser context starts from them)."""
    states: dict[str, Any] = {}

    def state(role: str) -> Any:
        if role not in states:
            context = browser.new_context()
            try:
                page = context.new_page()
                name = NAME[role]
                log_in(page, server.base, name, server.passwords[name])
                states[role] = context.storage_state()
            finally:
                context.close()
        return states[role]

    return state


class Visitor:
    """One role's browser context at a width, with what its page fetched and reported."""

    def __init__(self, browser: Any, server: Server, state: Any, role: str, width: int) -> None:
        self.server = server
        self.role = role
        self.width = width
        viewport = {"width": width, "height": 900}
        self.context = browser.new_context(viewport=viewport, storage_state=state)
        self.page = self.context.new_page()
        self.watch = Watch(self.page)
        self._csrf: str | None = None
        self.snap: dict[str, Any] = {}  # what the page last checked holds (SNAPSHOT)

    def resize(self, width: int) -> None:
        self.width = width
        self.page.set_viewport_size({"width": width, "height": 900})

    def open(self, path: str, status: int = 200) -> str:
        """Opens `path`, expecting `status`, and checks it as every page is checked; the
        page's text."""
        response = self.page.goto(f"{self.server.base}{path}")
        assert response is not None
        self.check(path, response, status)
        return str(self.snap["body"])

    def check(self, what: str, response: Any, status: int) -> None:
        """The answer has `status` and the page: its charts drawn, one heading, no server error
        shown and no sideways overflow. What it holds is kept in `snap` for the test."""
        where = f"{what} as {self.role} at {self.width} px"
        assert response.status == status, f"{where}: {response.status}"
        assert self.page.url.startswith(self.server.base), self.page.url
        # Once every chart is drawn (or failed), what the page holds, in one round trip.
        self.snap = self.page.wait_for_function(SNAPSHOT, timeout=30_000).json_value()
        assert self.snap["failed"] == 0, f"{where}: {self.snap['failed']} chart(s) not drawn"
        assert self.snap["headings"] == 1, f"{where}: {self.snap['headings']} headings"
        for sign in ("Traceback", "internal error", "Internal Server Error"):
            assert sign not in self.snap["body"], f"{where}: {sign!r} shown"
        no_overflow(self.page, self.width, where)

    def shown(self, selector: str) -> bool:
        """Whether the page has an element `selector` (#id or .class)."""
        kind, name = selector[0], selector[1:]
        return name in self.snap["ids" if kind == "#" else "classes"]

    def post_forms(self) -> set[str]:
        """The actions of the page's write forms (in <main>; the logout form is the header's)."""
        return {re.sub(r"^/data/[^/]+/", "/data/{id}/", a) for a in self.snap["forms"]}

    def csrf(self) -> str:
        """The session's CSRF token, as its pages carry it (a refusal page has no form)."""
        if self._csrf is None:
            self._csrf = str(self.page.locator("header input[name=csrf_token]").input_value())
        return self._csrf

    def forge(self, action: str, fields: dict[str, str], csv: str | None = None) -> Any:
        """Sends, from the current page, a form the page does not offer: `fields` and the
        session's own CSRF token, with the file `csv` as multipart if given; the answer."""
        self.page.evaluate(
            """([action, fields, multipart]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                form.id = 'forged';
                if (multipart) {
                    form.enctype = 'multipart/form-data';
                    const file = document.createElement('input');
                    file.type = 'file';
                    file.name = 'file';
                    file.id = 'forged-file';
                    form.appendChild(file);
                }
                for (const [name, value] of Object.entries(fields)) {
                    const field = document.createElement('input');
                    field.type = 'hidden';
                    field.name = name;
                    field.value = value;
                    form.appendChild(field);
                }
                document.body.appendChild(form);
            }""",
            [action, {"csrf_token": self.csrf(), **fields}, csv is not None],
        )
        if csv is not None:
            upload = {"name": "forged.csv", "mimeType": "text/csv", "buffer": csv.encode()}
            self.page.set_input_files("#forged-file", files=[upload])
        with self.page.expect_navigation() as navigation:
            self.page.eval_on_selector("#forged", "f => f.submit()")
        return navigation.value

    def close(self) -> None:
        self.context.close()
        # A 4xx page is logged by Chromium as a failed load of the server's own URL: expected.
        self.watch.assert_clean(self.server.base, expected="the server responded with a status")
        log = self.server.stderr.read_text(encoding="utf-8")
        assert "Traceback" not in log and "internal error" not in log, log


@pytest.fixture
def visitor(
    browser: Any, server: Server, logins: Callable[[str], Any]
) -> Iterator[Callable[[str, int], Visitor]]:
    """role, width -> a Visitor logged in as that role; closed and checked after the test."""
    made: list[Visitor] = []

    def visit(role: str, width: int) -> Visitor:
        made.append(Visitor(browser, server, logins(role), role, width))
        return made[-1]

    yield visit
    for v in made:
        v.close()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_pages_and_only_its_forms(
    role: str, visitor: Callable[[str, int], Visitor]
) -> None:
    v = visitor(role, WIDTHS[0])
    nav = [(h, t) for h, t in NAV if h in NAV_OF[role]]
    outside = OUTSIDE.get(role, {})
    assert set(outside) == set(EVERY_PAGE) - set(NAV_OF[role]), role
    for width in WIDTHS:
        v.resize(width)
        seen: set[str] = set()
        for path, _label in NAV:
            text = v.open(path, outside.get(path, 200))
            seen.add(path)
            snap, where = v.snap, f"{path} as {role} at {width} px"
            assert snap["who"] == f"{NAME[role]} ({role})", where
            current = [[h, t, "page" if h == path else None] for h, t in nav]
            assert snap["nav"] == current, where
            if role == "owner":
                _nothing_foreign(v, where, text)
            if path in outside:  # one line saying why, and nothing of the page's figures
                refused = outside[path] == 403
                assert v.shown("#not-shown") != refused, where
                assert (snap["main"].split("\n")[0] == "Refused") == refused, where
                assert not v.shown(FIGURES[path]) and v.post_forms() == set(), where
                continue
            assert v.shown(FIGURES[path]), where
            assert not v.shown("#not-shown"), where
            # Its write forms, and no other (a verifier and a viewer: none on any page).
            assert v.post_forms() == post_forms(role, path), where
            if path == "/":
                assert v.shown("#entities-part") == (role == "owner"), where
                if role != "owner":
                    assert "1,650" in snap["main"], where  # the organization's total
            if path == "/data":
                assert v.shown("#no-upload") == (role not in SUBMITTERS), where
                assert v.shown(".pending") == (role in DECIDERS), where
                owns = role == "owner"
                files = ["alpha-meters.csv"] + ([] if owns else ["beta-meters.csv"])
                assert sorted(snap["listed"]) == files, where
            if path == "/ledger":
                assert v.shown("#proof-form") == (role in PROVERS), where
                assert v.shown("#no-proofs") == (role not in PROVERS), where
            if path == "/inventory":
                assert v.shown("#owner-part") == (role == "owner"), where
                drill = list(snap["drill"])
        if role == "owner":
            # Every page of the inventory's drill the owner is offered, down to its records.
            records: list[str] = []
            while drill:
                path = drill.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                assert len(seen) <= 40, seen  # the world is small: a drill this deep loops
                _nothing_foreign(v, f"{path} at {width} px", v.open(path))
                records += v.snap["records"]
                drill += v.snap["drill"]
            # Down to its records: A's a1, and nothing else.
            assert [r.split()[0] for r in records] == ["a1"], records
    if role == "owner":
        assert "550" in v.open("/")  # A's part
        # Naming B is refused with one line (naming only what the owner asked for).
        v.open("/inventory?year=2023&entity=B", 400)
        assert "an owner sees only its own entities" in v.page.inner_text("#explorer-error")


def _nothing_foreign(v: Visitor, where: str, text: str) -> None:
    """The page holds nothing of B or of the organization as a whole."""
    leaked = [t for t in FOREIGN_TEXT if t in text]
    assert leaked == [], f"{where}: {leaked}"
    cells = v.snap["cells"]
    assert FOREIGN_CELLS.isdisjoint(cells), f"{where}: {cells}"
    links = [h for h in v.snap["drill"] if re.search(r"entity=[^A&]", h)]
    assert links == [], f"{where}: {links}"


# Every write form, as a role not offered it could forge it: (action, fields, a CSV to upload).
WRITE_FORMS = [
    ("/data/upload", {}, HEADER + _row("f1", "A", "1")),
    ("/data/{id}/approve", {}, None),
    ("/data/{id}/reject", {"reason": "no"}, None),
    ("/finalize", {"year": "2023"}, None),
    ("/claims", {"year": "2023"}, None),
    ("/credits/assign", {"credit_id": "C1", "year": "2023"}, None),
    (
        "/credits/retire",
        {"credit_id": "C2", "on": "2024-01-02", "beneficiary": "x", "reason": "y"},
        None,
    ),
    ("/reports", {"year": "2023"}, None),
]


@pytest.mark.parametrize("role", ["verifier", "viewer", "approver", "owner", "analyst"])
def test_forms_and_downloads_a_role_is_not_offered_are_refused(
    role: str, server: Server, visitor: Callable[[str, int], Visitor]
) -> None:
    """Each write form the role's pages do not offer it, forged in its own page with its own
    session's CSRF token: 403 and a page (not a traceback, not a blank), and nothing changed.
    So are a proof and a report file, for the roles not offered them."""
    if role != "owner":  # docs/server.md: proofs for admin, analyst and verifier
        assert (role in PROVERS) == (role in {"analyst", "verifier"}), PROVERS
    v = visitor(role, WIDTHS[0])
    pending = server.pending[NAME["owner"] if role == "owner" else NAME["admin"]]
    v.open("/ledger")  # a page of every role's, to forge the forms in
    offered = set().union(*(post_forms(role, path) for path in NAV_OF[role]))
    forged = [f for f in WRITE_FORMS if f[0] not in offered]
    assert forged, role
    for action, fields, csv in forged:
        sent = action.replace("{id}", pending)
        v.check(f"POST {sent}", v.forge(sent, fields, csv), 403)
        if action == "/data/upload" and role != "viewer":  # the data page, saying why not
            assert v.shown("#no-upload"), action
        elif action.startswith("/data/") and role != "viewer":  # the data page, with the line
            assert v.snap["main"].startswith("Data"), action
            assert f"{a_role(role)} may not decide: " in v.snap["main"], action
        else:
            assert v.page.inner_text("main h1") == "Refused", action
            line = v.page.inner_text("main [role=alert]")
            assert line.startswith(f"{a_role(role)} may not "), (action, line)
    if role not in PROVERS:
        v.open("/ledger/proof?kind=activity&ref=a1&opening=1", 403)
        line = v.page.inner_text("#proof-error")
        assert line.startswith(f"{a_role(role)} may not download proofs: "), line
    if role in {"owner", "viewer"}:  # refused before anything is looked up
        v.open("/reports/2023/report.json", 403)
        line = v.page.inner_text("main [role=alert]")
        assert line.startswith(f"{a_role(role)} may not download reports"), line
    else:
        v.open("/reports/2023/report.json", 404)
        assert "No report.json of a 2023 report is kept here." in v.snap["main"]
    # Nothing changed, as the role sees it (an owner: its own file only, and no credits; a
    # viewer: neither, so as an admin would).
    seer = v if role not in {"owner", "viewer"} else visitor("admin", WIDTHS[0])
    if role != "owner":
        seer.open("/credits?year=2023")
        assert "The 2023 inventory is not final." in seer.snap["main"]
        assert seer.snap["credits"] == [["C1", "retired", "2023"], ["C2", "held", "–"]]
    seer = v if role != "viewer" else seer
    seer.open("/data")
    assert seer.snap["statuses"] == ["submitted"] * (1 if role == "owner" else 2)


@pytest.mark.parametrize("role", ["analyst", "verifier"])
def test_a_refused_decision_says_why(role: str, visitor: Callable[[str, int], Visitor]) -> None:
    v = visitor(role, WIDTHS[0])
    v.open("/data")
    pending = next(i for i in v.snap["ids"] if i.startswith("submission-"))
    sent = f"/data/{pending.removeprefix('submission-')}/approve"
    v.check(f"POST {sent}", v.forge(sent, {}), 403)
    assert f"{a_role(role)} may not decide: " in v.snap["main"]


def test_an_owner_proves_its_own_records_only(visitor: Callable[[str, int], Visitor]) -> None:
    """A proof of A's record a1 is downloaded; B's b1 is refused as a record not there (the
    line names only what was asked), and so is a kind that is not an owner's."""
    v = visitor("owner", WIDTHS[0])
    v.open("/ledger")
    if "owner" not in PROVERS:
        assert v.shown("#no-proofs")
        v.open("/ledger/proof?kind=activity&ref=a1&opening=1", 403)
        assert "An owner may not download proofs" in v.page.inner_text("#proof-error")
        return
    kinds = v.page.eval_on_selector_all("#proof-kind option", "os => os.map(o => o.value)")
    assert kinds == ["activity"], kinds
    v.page.fill("#proof-ref", "a1")
    with v.page.expect_download() as info:
        v.page.click("#proof-form button[type=submit]")
    assert info.value.suggested_filename == "activity-a1.tlog-proof"
    v.open("/ledger/proof?kind=activity&ref=b1&opening=1", 404)
    assert v.page.inner_text("#proof-error") == "no activity b1 of your entities"
    _nothing_foreign(v, "/ledger/proof?ref=b1", v.snap["body"])
    v.open("/ledger/proof?kind=run&ref=x&opening=1", 403)
    assert "may prove only its own entities'" in v.page.inner_text("#proof-error")
