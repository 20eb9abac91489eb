"""Isolation over EVERY route of the app: an owner of entity A can neither read nor change entity
B's data, and a verifier and a viewer cannot change anything.

The routes are the app's own (`app.routes`), so a route added with no line in `CASES` fails
`test_every_route_has_an_isolation_case`. Each case says how to call its route aimed at B's data
(B's submission, B's record ...); adding a route is one line there.

What is checked, for each route:

- owner of A (`iso-a`), reads: whatever the answer (its part, 403, 404), no trace of B's data
  (`B_MARKERS`: B's name, record ids, figures, file, uploader) unless the request itself named
  it;
- owner of A, writes (every method but GET) aimed at B: the workspace's tables are unchanged
  (a digest of every table, before and after);
- a verifier and a viewer, writes: 403 for every route that changes data, and the workspace
  unchanged for every route. The verifier's own records (an engagement's sample and findings,
  `verifier=True`) are the one exception: there it is answered as anyone admitted is, here 404,
  as this world has no engagement (test_verification_api.py has one).

The world is conftest.py's (G > A, B; a1 550 t CO2e of A, b1 1,100 t of B), plus owner B's
submitted file (record b2, 3,000 MWh), four users with passwords and tokens, and
roadmap_world.py's neutrality target NEUTRAL and credits: C1 retired (not yet assigned) and C2
held, so that a credit or claim route wrongly open to a role would change something.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.engines.conftest import write_csv
from tests.server.conftest import YEAR, Client, Served, serving
from tests.server.roadmap_world import CREDITS, ROADMAP
from zerotrail.ingest.credits import import_credits
from zerotrail.pipeline.roadmap import add_targets
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.sql import quote_ident
from zerotrail.store.workspace import open_workspace
from zerotrail.targets.roadmap import read_roadmap

USERS = {
    "iso-a": ("owner", ("A",)),
    "iso-b": ("owner", ("B",)),
    "iso-vera": ("verifier", ()),
    "iso-vic": ("viewer", ()),
}
B_FILE = "beta-meters.csv"
B_RECORD = (
    "record_id,entity,period_start,period_end,activity,quantity,unit,region\n"
    f"b2,B,{YEAR}-01-01,{YEAR}-12-31,electricity.grid,3000,MWh,CN-EAST\n"
)
A_RECORD = B_RECORD.replace("b2,B,", "a2,A,")
# C1 retired but not assigned (assigning it to the year's claim is then a change), C2 held.
ISO_CREDITS = [CREDITS[0] | {"claim_year": ""}, CREDITS[1]]


@dataclass(frozen=True)
class World:
    path: Path
    tokens: dict[str, str]
    passwords: dict[str, str]
    b_submission: str  # owner B's submitted file


def b_markers(world: World) -> list[re.Pattern[str]]:
    """Traces of B's data in an answer: B's name, its records, its figures (b1 2,000 MWh,
    1,100 t CO2e; b2 3,000 MWh), its file, its uploader and its submission's id."""
    words = ["Beta", "b1", "b2", "iso-b", B_FILE, world.b_submission]
    numbers = [r"1,?100(\.0+)?", r"2,?000(\.0+)?", r"3,?000(\.0+)?", r"1,?650(\.0+)?"]
    return [re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])") for w in words] + [
        re.compile(rf"(?<![\w.,]){n}(?![\w,])") for n in numbers
    ]


# --- the table: one line per route ----------------------------------------------------------

Body = Callable[[World, str], dict[str, Any]]  # (world, the session's CSRF token) -> request kw


@dataclass(frozen=True)
class Case:
    """How the matrix calls a route, aimed at B's data: `path` with B's ids ({b_submission} is
    filled in), `auth` "token" (API), "session" (pages) or "none" (public), `body` the
    request's keywords, `changes` False for a write that changes no data (a login), `verifier`
    True for a write of the verifier's own records (verification)."""

    path: str
    auth: str = "token"
    body: Body | None = None
    changes: bool = True
    verifier: bool = False
    note: str = field(default="", compare=False)


def _json(payload: dict[str, Any]) -> Body:
    return lambda w, csrf: {"json": payload}


def _form(payload: dict[str, Any]) -> Body:
    return lambda w, csrf: {"data": payload | {"csrf_token": csrf}}


def _upload_b(w: World, csrf: str) -> dict[str, Any]:
    return {
        "files": {"file": (B_FILE, B_RECORD.encode(), "text/csv")},
        "data": {"kind": "activities"},
    }


def _upload_b_form(w: World, csrf: str) -> dict[str, Any]:
    return {
        "files": {"file": (B_FILE, B_RECORD.encode(), "text/csv")},
        "data": {"csrf_token": csrf},
    }


# B's record b1 has no site: "site=" (and no entity named) is B's place in the drill, shared
# with A's a1, so the answer is the stage's narrowing to A's part, not a refusal up front (an
# owner naming entity B is refused in test_api_explorer.py and test_pages_inventory.py).
B_SITE = "scope=2&category=electricity.grid&site="
# A retirement as the registry records it (a valid body, so that the role is what answers).
RETIRE = {"on": f"{YEAR}-06-30", "beneficiary": "Beta", "reason": "Beta's claim"}
# Verification: an engagement and a finding of the year (this world opens none).
ENGAGEMENT = f"/api/verification/engagements/E{YEAR}-1"
FINDING = f"/api/verification/findings/E{YEAR}-1-F1"
B_FINDING = {
    "kind": "misstatement",
    "type": "CAR",
    "text": "Beta",
    "amount_t": 5,
    "records": ["b1"],
}

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/openapi.json"): Case("/openapi.json", auth="none"),
    ("GET", "/static"): Case("/static/app.css", auth="none"),
    ("GET", "/api/me"): Case("/api/me"),
    ("GET", "/api/inventory/{year}"): Case(f"/api/inventory/{YEAR}"),
    ("GET", "/api/progress/{year}"): Case(f"/api/progress/{YEAR}"),
    ("GET", "/api/ledger/checkpoint"): Case("/api/ledger/checkpoint"),
    ("GET", "/api/ledger/proof"): Case("/api/ledger/proof?kind=activity&ref=b1&opening=true"),
    ("POST", "/api/calculate"): Case("/api/calculate", body=_json({"year": YEAR})),
    ("POST", "/api/imports"): Case("/api/imports", body=_upload_b),
    ("GET", "/api/imports"): Case("/api/imports"),
    ("GET", "/api/imports/{submission_id}"): Case("/api/imports/{b_submission}"),
    ("GET", "/api/inventory/{year}/breakdown"): Case(f"/api/inventory/{YEAR}/breakdown?{B_SITE}"),
    ("GET", "/api/inventory/{year}/records"): Case(f"/api/inventory/{YEAR}/records?{B_SITE}"),
    ("GET", "/api/targets"): Case("/api/targets"),
    ("GET", "/api/targets/{target_id}"): Case("/api/targets/NEUTRAL"),
    ("GET", "/api/initiatives"): Case(f"/api/initiatives?year={YEAR}"),
    ("POST", "/api/finalize"): Case("/api/finalize", body=_json({"year": YEAR})),
    ("GET", "/api/credits"): Case(f"/api/credits?year={YEAR}"),
    ("POST", "/api/credits/{credit_id:path}/retire"): Case(
        "/api/credits/C2/retire", body=_json(RETIRE | {"claim_year": YEAR})
    ),
    ("POST", "/api/credits/{credit_id:path}/assign"): Case(
        "/api/credits/C1/assign", body=_json({"year": YEAR})
    ),
    ("GET", "/api/claims/{year}"): Case(f"/api/claims/{YEAR}"),
    ("POST", "/api/claims"): Case("/api/claims", body=_json({"year": YEAR})),
    ("POST", "/api/reports"): Case("/api/reports", body=_json({"year": YEAR})),
    ("GET", "/api/reports"): Case("/api/reports"),
    ("GET", "/api/reports/{year}/{file}"): Case(f"/api/reports/{YEAR}/report.json"),
    ("POST", "/api/imports/{submission_id}/approve"): Case("/api/imports/{b_submission}/approve"),
    ("POST", "/api/imports/{submission_id}/reject"): Case(
        "/api/imports/{b_submission}/reject", body=_json({"reason": "not yours"})
    ),
    ("GET", "/log/checkpoint"): Case("/log/checkpoint", auth="none"),
    ("GET", "/log/tile/{rest:path}"): Case("/log/tile/0/000", auth="none"),
    ("GET", "/login"): Case("/login", auth="none"),
    ("POST", "/login"): Case(
        "/login", auth="session", changes=False, note="signs in (a session in memory only)"
    ),
    ("POST", "/logout"): Case(
        "/logout", auth="session", body=_form({}), changes=False, note="ends the session"
    ),
    ("GET", "/"): Case("/", auth="session"),
    ("GET", "/data"): Case("/data", auth="session"),
    ("POST", "/data/upload"): Case("/data/upload", auth="session", body=_upload_b_form),
    ("POST", "/data/{submission_id}/approve"): Case(
        "/data/{b_submission}/approve", auth="session", body=_form({})
    ),
    ("POST", "/data/{submission_id}/reject"): Case(
        "/data/{b_submission}/reject", auth="session", body=_form({"reason": "not yours"})
    ),
    ("GET", "/inventory"): Case(f"/inventory?year={YEAR}&{B_SITE}", auth="session"),
    ("GET", "/ledger"): Case("/ledger", auth="session"),
    ("GET", "/ledger/proof"): Case("/ledger/proof?kind=activity&ref=b1&opening=1", auth="session"),
    ("GET", "/roadmap"): Case(f"/roadmap?year={YEAR}", auth="session"),
    ("GET", "/credits"): Case(f"/credits?year={YEAR}", auth="session"),
    ("POST", "/credits/retire"): Case(
        "/credits/retire", auth="session", body=_form(RETIRE | {"credit_id": "C2"})
    ),
    ("POST", "/credits/assign"): Case(
        "/credits/assign", auth="session", body=_form({"credit_id": "C1", "year": YEAR})
    ),
    ("POST", "/claims"): Case("/claims", auth="session", body=_form({"year": YEAR})),
    ("POST", "/finalize"): Case("/finalize", auth="session", body=_form({"year": YEAR})),
    ("GET", "/reports"): Case("/reports", auth="session"),
    ("POST", "/reports"): Case("/reports", auth="session", body=_form({"year": YEAR})),
    ("GET", "/reports/{year}/{name}"): Case(f"/reports/{YEAR}/report.json", auth="session"),
    ("GET", "/api/verification/engagements"): Case(f"/api/verification/engagements?year={YEAR}"),
    ("GET", "/api/verification/engagements/{engagement_id}"): Case(ENGAGEMENT),
    ("GET", "/api/verification/engagements/{engagement_id}/evaluation"): Case(
        f"{ENGAGEMENT}/evaluation"
    ),
    ("POST", "/api/verification/engagements/{engagement_id}/sample"): Case(
        f"{ENGAGEMENT}/sample", body=_json({"seed": "b1"}), verifier=True
    ),
    ("POST", "/api/verification/engagements/{engagement_id}/findings"): Case(
        f"{ENGAGEMENT}/findings", body=_json(B_FINDING), verifier=True
    ),
    ("POST", "/api/verification/findings/{finding_id}/respond"): Case(
        f"{FINDING}/respond", body=_json({"note": "Beta"})
    ),
    ("POST", "/api/verification/findings/{finding_id}/close"): Case(
        f"{FINDING}/close", body=_json({"outcome": "corrected", "note": "Beta"}), verifier=True
    ),
    ("POST", "/api/verification/findings/{finding_id}/reopen"): Case(
        f"{FINDING}/reopen", body=_json({"note": "Beta"}), verifier=True
    ),
}


# --- the app's routes -----------------------------------------------------------------------


def routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers (HEAD apart: Starlette answers it for every
    GET); a mounted app (static files) as GET of its path."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):  # a router included with its routes
            items = [(c.methods, c.path) for c in route.effective_route_contexts()]
        else:
            items = [(getattr(route, "methods", None) or {"GET"}, route.path)]
        for methods, path in items:
            found |= {(m, path) for m in methods if m != "HEAD"}
    return found


# --- the world ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("isolation")
    path = served.copy(folder)
    (folder / "roadmap.toml").write_text(ROADMAP, encoding="utf-8")
    passwords, tokens = {}, {}
    with open_workspace(str(path)) as ws:
        add_targets(ws, read_roadmap(folder / "roadmap.toml"), "roadmap.toml")
        import_credits(ws, write_csv(folder / "credits.csv", ISO_CREDITS))
        for name, (role, entities) in USERS.items():
            passwords[name] = add_user(ws, name, role, entities)
            tokens[name] = new_token(ws, name)
    with serving(path) as client:
        answer = client.post(
            "/api/imports",
            tokens["iso-b"],
            **_upload_b(None, ""),  # type: ignore[arg-type]
        )
        assert answer.status_code == 201, answer.text
        b_submission = str(answer.json()["id"])
    return World(path, tokens, passwords, b_submission)


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[Client]:
    with serving(world.path) as served_client:
        yield served_client


def digest(path: Path) -> str:
    """Every table's rows, hashed: equal before and after a request that changed nothing."""
    with open_workspace(str(path), read_only=True) as ws:
        tables = [
            str(t)
            for (t,) in ws.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                " AND table_schema = current_schema() ORDER BY 1"
            )
        ]
        sums = [
            (t, *ws.fetchall(f"SELECT count(*), sum(hash(r)::HUGEINT) FROM {quote_ident(t)} r")[0])
            for t in tables
        ]
    return hashlib.sha256(repr(sums).encode()).hexdigest()


class Caller:
    """One user's requests: by token, or in a signed-in session of its own (own cookies)."""

    def __init__(self, client: Client, world: World, name: str) -> None:
        self.client, self.world, self.name = client, world, name
        self.browser = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=client.app), base_url="http://test"
        )
        self.csrf = ""

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.client._portal.call(lambda: self.browser.request(method, path, **kw))

    def sign_in(self) -> None:
        page = self._call("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        form = {"name": self.name, "password": self.world.passwords[self.name]}
        answer = self._call("POST", "/login", data=form | {"csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text
        home = self._call("GET", "/")
        self.csrf = re.findall(r'name="csrf_token" value="([^"]+)"', home.text)[0]

    def send(self, method: str, case: Case) -> httpx.Response:
        path = case.path.format(b_submission=self.world.b_submission)
        kw = case.body(self.world, self.csrf) if case.body else {}
        if (method, path) == ("POST", "/login"):
            kw = {"data": {"name": self.name, "password": self.world.passwords[self.name]}}
            page = self._call("GET", "/login")
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            kw["data"]["csrf_token"] = found.group(1) if found else ""
        if case.auth == "token":
            kw["headers"] = {"Authorization": f"Bearer {self.world.tokens[self.name]}"}
        elif case.auth == "session" and not self.csrf:
            self.sign_in()
            if case.body:
                kw = case.body(self.world, self.csrf)
        return self._call(method, path, **kw)


def _case_ids(method: str) -> list[tuple[str, str]]:
    return [k for k in CASES if (k[0] == "GET") == (method == "GET")]


# --- the tests ------------------------------------------------------------------------------


def test_every_route_has_an_isolation_case(client: Client) -> None:
    served = routes(client.app)
    missing = sorted(served - set(CASES))
    stale = sorted(set(CASES) - served)
    assert not missing, f"routes with no line in CASES (tests/server/test_isolation.py): {missing}"
    assert not stale, f"lines in CASES for routes the app no longer has: {stale}"


@pytest.mark.parametrize("key", _case_ids("GET"), ids=" ".join)
def test_an_owner_of_a_reads_nothing_of_b(
    client: Client, world: World, key: tuple[str, str]
) -> None:
    case = CASES[key]
    answer = Caller(client, world, "iso-a").send("GET", case)
    assert answer.status_code < 500, answer.text
    kind = answer.headers.get("content-type", "")
    if not kind.startswith(("text/", "application/json")):
        return  # a log tile: hashes of salted commitments, nothing of any record
    asked = case.path.format(b_submission=world.b_submission)
    leaked = [m.pattern for m in b_markers(world) if m.search(answer.text) and not m.search(asked)]
    assert not leaked, f"{key}: B's data in owner A's answer: {leaked}"


@pytest.mark.parametrize("key", _case_ids("POST"), ids=" ".join)
def test_an_owner_of_a_changes_nothing_of_b(
    client: Client, world: World, key: tuple[str, str]
) -> None:
    before = digest(world.path)
    answer = Caller(client, world, "iso-a").send(key[0], CASES[key])
    assert answer.status_code < 500, answer.text
    assert digest(world.path) == before, f"{key}: owner A changed the workspace: {answer.text}"


@pytest.mark.parametrize("user", ["iso-vera", "iso-vic"])
@pytest.mark.parametrize("key", _case_ids("POST"), ids=" ".join)
def test_a_verifier_and_a_viewer_change_nothing(
    client: Client, world: World, key: tuple[str, str], user: str
) -> None:
    case = CASES[key]
    before = digest(world.path)
    answer = Caller(client, world, user).send(key[0], case)
    if case.verifier and user == "iso-vera":  # its own records: admitted, and none to aim at
        assert answer.status_code == 404, (key, user, answer.status_code, answer.text)
    elif case.changes:
        assert answer.status_code == 403, (key, user, answer.status_code, answer.text)
    assert digest(world.path) == before, f"{key}: {user} changed the workspace"


def test_owner_a_may_still_submit_its_own_records(client: Client, world: World) -> None:
    # The refusals above are not a route refusing everyone: A's own record is taken (a2,
    # 3,000 MWh of entity A), and that changes the workspace.
    before = digest(world.path)
    answer = client.post(
        "/api/imports",
        world.tokens["iso-a"],
        files={"file": ("alpha.csv", A_RECORD.encode(), "text/csv")},
        data={"kind": "activities"},
    )
    assert answer.status_code == 201, answer.text
    assert digest(world.path) != before


def test_on_postgresql_an_owner_gets_its_part_and_submits_only_its_own(
    tmp_path: Path,
) -> None:
    # The same stages on PostgreSQL, where the database itself restricts the owner's requests
    # (row-level security, tests/store/test_isolation_postgres.py): A's part is a1 alone,
    # 1,000 MWh x 0.55 t CO2/MWh = 550 t CO2e; B's submission is not listed to A; A's own
    # file goes through the restricted writable connection and is stored.
    pytest.importorskip("psycopg")
    from tests.server.conftest import fill_world
    from tests.store.test_isolation_postgres import app_role_database
    from zerotrail.pipeline.calculation import load_shipped_factors

    with app_role_database() as url:
        with open_workspace(url, create=True) as ws:
            load_shipped_factors(ws)
            fill_world(ws, tmp_path)
            tokens = {}
            for name, (role, entities) in USERS.items():
                add_user(ws, name, role, entities)
                tokens[name] = new_token(ws, name)
        with serving(url) as pg:
            body = pg.get(f"/api/inventory/{YEAR}", tokens["iso-a"]).json()
            assert body["entities"] == ["A"]
            assert body["scope2_location"] == pytest.approx(550.0)
            files = {"file": (B_FILE, B_RECORD.encode(), "text/csv")}
            b = pg.post("/api/imports", tokens["iso-b"], files=files, data={"kind": "activities"})
            assert b.status_code == 201, b.text
            listed = pg.get("/api/imports", tokens["iso-a"]).json()["submissions"]
            assert listed == []
            assert pg.get(f"/api/imports/{b.json()['id']}", tokens["iso-a"]).status_code == 404
            files = {"file": ("alpha.csv", A_RECORD.encode(), "text/csv")}
            a = pg.post("/api/imports", tokens["iso-a"], files=files, data={"kind": "activities"})
            assert a.status_code == 201, a.text
            assert [
                s["id"] for s in pg.get("/api/imports", tokens["iso-a"]).json()["submissions"]
            ] == [a.json()["id"]]
