"""The data page in process (server/pages_data.py): uploads with their row errors in place, the
submissions each role sees, the approval queue, CSRF, roles and the upload size limit.

The world is conftest.py's: a1 (A) 1,000 MWh and b1 (B) 2,000 MWh of East China grid
electricity in 2023, at 0.5500 t CO2/MWh. Each test submits records of its own ids, so the
tests share one app and do not depend on their order. Users with passwords are added to a
fresh copy here (conftest's users hold API tokens only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Served
from tests.server.test_web import World, app_for, sessions, with_users
from zerotrail.pipeline import submissions as stage
from zerotrail.store.workspace import open_workspace

HEADER = "record_id,entity,period_start,period_end,activity,quantity,unit,region\n"
HTMX = {"HX-Request": "true"}


def _row(rid: str, entity: str, mwh: str) -> str:
    return f"{rid},{entity},2023-01-01,2023-12-31,electricity.grid,{mwh},MWh,CN-EAST\n"


USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "own-a": ("owner", ("A",)),
    "own-b": ("owner", ("B",)),
    "appr": ("approver", ()),
    "boss": ("admin", ()),
    "look": ("viewer", ()),
    "check": ("verifier", ()),
}


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    path = served.copy(tmp_path_factory.mktemp("pages-data"))
    return World(path, with_users(path, USERS))


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[Any]:
    with app_for(world.path) as new_browser:
        yield new_browser


@pytest.fixture(scope="module")
def signed_in(site: Any, world: World) -> Any:
    """`as_(name)`: a browser logged in as `name`, one per user for the module."""
    return sessions(site, world)


def _csrf(browser: Any) -> str:
    """The session's CSRF token, as the data page's forms carry it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/data").text)
    assert found
    return found.group(1)


def _upload(browser: Any, text: str, name: str = "a.csv", htmx: bool = True) -> httpx.Response:
    return browser.post(  # type: ignore[no-any-return]
        "/data/upload",
        data={"csrf_token": _csrf(browser)},
        files={"file": (name, text.encode(), "text/csv")},
        headers=HTMX if htmx else {},
    )


def _decide(browser: Any, sid: str, what: str, **fields: str) -> httpx.Response:
    data = {"csrf_token": _csrf(browser), **fields}
    return browser.post(f"/data/{sid}/{what}", data=data, headers=HTMX)  # type: ignore[no-any-return]


def _submission_ids(text: str, file_name: str = r"[^<]+") -> list[str]:
    """The ids of the submissions listed on the page (of that file name only, when given:
    each test names its files apart, so that the tests hold in any order)."""
    return re.findall(
        rf'<tr id="submission-(sub-[0-9a-f]+)">\s*<th scope="row">{file_name}</th>', text
    )


def _activity(world: World, rid: str) -> list[tuple[str, float]]:
    with open_workspace(str(world.path), read_only=True) as ws:
        rows = ws.fetchall("SELECT entity, quantity FROM activities WHERE record_id = ?", [rid])
    return [(str(e), float(q)) for e, q in rows]


def _texts(html: str) -> str:
    """The page's text without tags, spaces collapsed (to read table rows as a user does)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_bad_row_is_shown_in_place_then_the_fixed_file_is_submitted(
    world: World, signed_in: Any
) -> None:
    owner = signed_in("own-a")
    page = owner.get("/data")
    assert page.status_code == 200 and 'id="upload-form"' in page.text
    assert 'id="queue-title"' not in page.text  # an owner decides nothing

    bad = HEADER + _row("p1", "A", "100") + _row("p2", "A", "lots")
    r = _upload(owner, bad)
    # The fragment only (htmx swaps it into #upload-result), with the API's status.
    assert r.status_code == 422 and "<html" not in r.text
    assert 'id="row-errors"' in r.text
    # The header is row 1, p1 row 2, p2 row 3: the quantity "lots" is not a number.
    assert re.search(r"<td>3</td><td class=\"text\">quantity</td>[^\n]*not a number", r.text)
    assert "nothing was submitted" in r.text
    assert _submission_ids(owner.get("/data").text, "a[.]csv") == []  # nothing stored

    fixed = HEADER + _row("p1", "A", "100") + _row("p2", "A", "200")
    r = _upload(owner, fixed)
    assert r.status_code == 201, r.text
    assert "a.csv was submitted for approval." in r.text and "2 record(s)" in r.text
    # The list comes along, for htmx to swap in place of the page's (out of band).
    assert '<section id="submissions" aria-labelledby="submissions-title" hx-swap-oob="true">' in (
        r.text
    )
    assert len(_submission_ids(r.text, "a[.]csv")) == 1
    listed = owner.get("/data").text
    assert len(_submission_ids(listed, "a[.]csv")) == 1 and "submitted" in listed
    assert _activity(world, "p1") == []  # not imported before it is approved


def test_without_javascript_the_whole_page_carries_the_answer(signed_in: Any) -> None:
    owner = signed_in("own-a")
    r = _upload(owner, HEADER + _row("q1", "B", "5"), htmx=False)
    assert r.status_code == 422
    assert "<h1>Data</h1>" in r.text and 'id="upload-result"' in r.text
    # An owner of A may submit A's records only: row 2 names B.
    assert "2 entity entity B is not one of yours" in _texts(r.text)
    r = _upload(owner, HEADER + _row("q1", "A", "5"), "q.csv", htmx=False)
    assert r.status_code == 201 and "q.csv was submitted for approval." in r.text
    # The whole page, with its one list (no second one for htmx), the new submission in it.
    assert r.text.count('id="submissions"') == 1 and "hx-swap-oob" not in r.text
    assert len(_submission_ids(r.text, "q[.]csv")) == 1


def test_an_approver_approves_in_place_and_a_second_decision_is_409(
    world: World, signed_in: Any
) -> None:
    owner = signed_in("own-a")
    assert _upload(owner, HEADER + _row("r1", "A", "100"), "r.csv").status_code == 201
    (sid,) = _submission_ids(owner.get("/data").text, "r[.]csv")

    approver = signed_in("appr")
    queue = approver.get("/data").text
    assert f'id="pending-{sid}"' in queue and f'action="/data/{sid}/approve"' in queue
    r = _decide(approver, sid, "approve")
    assert r.status_code == 200 and "<html" not in r.text
    assert "r.csv was approved and imported: 1 record(s), 1 added, 0 replaced, 0 unchanged." in (
        r.text
    )
    assert _activity(world, "r1") == [("A", 100.0)]
    assert f'id="pending-{sid}"' not in approver.get("/data").text

    again = _decide(approver, sid, "approve")
    assert again.status_code == 409 and f"submission {sid} was already approved by appr" in (
        again.text
    )


def test_a_rejection_needs_a_reason_and_imports_nothing(world: World, signed_in: Any) -> None:
    owner = signed_in("own-a")
    assert _upload(owner, HEADER + _row("s1", "A", "7"), "s.csv").status_code == 201
    (sid,) = _submission_ids(owner.get("/data").text, "s[.]csv")
    admin = signed_in("boss")
    r = _decide(admin, sid, "reject", reason="   ")
    assert r.status_code == 400 and "a rejection needs a reason" in r.text
    r = _decide(admin, sid, "reject", reason="the meter was read twice")
    assert r.status_code == 200 and "s.csv was rejected: the meter was read twice" in r.text
    assert _activity(world, "s1") == []
    # The owner sees the decision and its reason in its list.
    assert "the meter was read twice" in owner.get("/data").text


def test_a_long_reason_in_any_script_is_taken_and_a_huge_form_is_413(signed_in: Any) -> None:
    # 1,000 characters (the form's maxlength, and the stage's) of CJK: 9,000 bytes URL-encoded,
    # past the 8 KiB the form reader once allowed, which refused it as an expired form.
    owner = signed_in("own-a")
    assert _upload(owner, HEADER + _row("l1", "A", "7"), "l.csv").status_code == 201
    (sid,) = _submission_ids(owner.get("/data").text, "l[.]csv")
    admin = signed_in("boss")
    reason = "数据不完整" * 200
    r = _decide(admin, sid, "reject", reason=reason)
    assert r.status_code == 200 and f"l.csv was rejected: {reason}" in r.text
    # A body over 64 KiB is no form of these pages: 413, a page saying so (not JSON).
    r = admin.post("/data/sub-0000000000000000/reject", data={"reason": "x" * 70_000})
    assert r.status_code == 413 and "<h1>Too large</h1>" in r.text
    assert "the request body is larger than 65,536 bytes" in r.text


def test_without_javascript_a_decision_answers_with_the_whole_page(signed_in: Any) -> None:
    owner = signed_in("own-a")
    assert _upload(owner, HEADER + _row("n1", "A", "9"), "n.csv").status_code == 201
    (sid,) = _submission_ids(owner.get("/data").text, "n[.]csv")
    admin = signed_in("boss")
    data = {"csrf_token": _csrf(admin), "reason": "wrong year"}
    r = admin.post(f"/data/{sid}/reject", data=data)  # no HX-Request: a plain form
    assert r.status_code == 200 and "<h1>Data</h1>" in r.text
    assert re.search(r'id="decision-result"[^>]*>\s*<p class="done"', r.text)
    assert "n.csv was rejected: wrong year" in r.text
    assert f'id="pending-{sid}"' not in r.text  # decided: out of the queue


def test_nobody_decides_its_own_submission(world: World, signed_in: Any) -> None:
    admin = signed_in("boss")
    assert _upload(admin, HEADER + _row("t1", "B", "3"), "t.csv").status_code == 201
    page = admin.get("/data").text
    sid = re.findall(r'id="pending-(sub-[0-9a-f]+)"', page)
    mine = [s for s in sid if f'action="/data/{s}/approve"' not in page]
    assert mine and "You submitted it: another approver or admin decides" in page
    r = _decide(admin, mine[0], "approve")
    assert r.status_code == 403 and "four eyes" in r.text
    assert _activity(world, "t1") == []


def test_an_owner_sees_its_own_submissions_only(signed_in: Any) -> None:
    own_b = signed_in("own-b")
    assert _upload(own_b, HEADER + _row("u1", "B", "1"), "u.csv").status_code == 201
    theirs = set(_submission_ids(own_b.get("/data").text))
    mine = set(_submission_ids(signed_in("own-a").get("/data").text))
    everyone = set(_submission_ids(signed_in("check").get("/data").text))
    assert theirs and not theirs & mine
    assert theirs | mine <= everyone  # a verifier reads them all

    # Deciding on a submission it may not see is answered as a missing one (an owner may
    # not decide at all: refused by its role first).
    approver = signed_in("appr")
    r = _decide(approver, "sub-0000000000000000", "approve")
    assert r.status_code == 404 and "no submission" in r.text


def test_reading_roles_neither_upload_nor_decide(signed_in: Any) -> None:
    for name in ("look", "check"):  # a viewer and a verifier
        browser = signed_in(name)
        page = browser.get("/data")
        if name == "look":  # a viewer sees the dashboards only: not even the list
            assert page.status_code == 403 and 'id="upload-form"' not in page.text
            assert "A viewer may not see submitted data: a viewer sees the dashboards only" in (
                page.text
            )
        else:
            assert 'id="upload-form"' not in page.text and 'id="no-upload"' in page.text
        r = _upload(browser, HEADER + _row("v1", "A", "1"))
        assert r.status_code == 403 and "may not submit data" in r.text
        # The refusal, with its line, where the decision's result goes.
        r = _decide(browser, "sub-0000000000000000", "approve")
        assert r.status_code == 403
        assert "may not decide: only approvers and admins decide" in (r.text)


def test_forms_without_the_csrf_token_are_refused(signed_in: Any) -> None:
    owner = signed_in("own-a")
    r = owner.post(
        "/data/upload", files={"file": ("w.csv", (HEADER + _row("w1", "A", "1")).encode())}
    )
    assert r.status_code == 403 and "did not come from this site" in r.text
    approver = signed_in("appr")
    r = approver.post("/data/sub-0000000000000000/approve", data={"csrf_token": "forged"})
    assert r.status_code == 403 and "<html" in r.text  # the whole refusal page
    # Sent by htmx: the refusal in place of the form's result, not a page inside the page.
    r = approver.post(
        "/data/sub-0000000000000000/approve", data={"csrf_token": "forged"}, headers=HTMX
    )
    assert r.status_code == 403 and "<html" not in r.text and "did not come from" in r.text
    assert "w.csv" not in signed_in("check").get("/data").text  # nothing stored


def test_pages_need_a_session(site: Any) -> None:
    anonymous = site()
    for method, path in [("GET", "/data"), ("POST", "/data/upload")]:
        r = anonymous.get(path) if method == "GET" else anonymous.post(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    # To htmx, an HX-Redirect: fetch would follow a 303 and swap the login page into the form.
    r = anonymous.post("/data/sub-0000000000000000/approve", headers=HTMX)
    assert r.status_code == 204 and r.headers["hx-redirect"] == "/login"
    assert "location" not in r.headers


def test_the_upload_limit_applies_to_the_page(
    monkeypatch: pytest.MonkeyPatch, signed_in: Any
) -> None:
    owner = signed_in("own-a")
    monkeypatch.setattr(stage, "MAX_UPLOAD_BYTES", 1000)
    # About 24 KB: under the body's limit (1,000 + 65,536 bytes of framing) but over the
    # file's, so the stage refuses it: 413, in place.
    big = HEADER + "".join(_row(f"x{i}", "A", "1") for i in range(400))
    r = _upload(owner, big)
    assert r.status_code == 413 and "at most 1,000 bytes" in r.text
    # About 120 KB: over the body's limit, refused by UploadLimit before it is read.
    huge = HEADER + "".join(_row(f"x{i}", "A", "1") for i in range(2000))
    r = _upload(owner, huge)
    assert r.status_code == 413 and "larger than 1,000 bytes" in r.text
    # A decision's form is no upload: its body is held to SMALL_BODY_BYTES (64 KiB).
    r = owner.post(
        "/data/sub-0000000000000000/reject",
        data={"csrf_token": "x", "reason": "y" * 70_000},
    )
    assert r.status_code == 413


METER_HEADER = "site,period_start,period_end,facility_mwh,it_mwh,onsite_renewable_mwh\n"


def _reading(site: str, month: int) -> str:
    return f"{site},2024-{month:02d}-01,2024-{month:02d}-28,120,80,5\n"


def _upload_meters(browser: Any, text: str, name: str, htmx: bool = True) -> httpx.Response:
    return browser.post(  # type: ignore[no-any-return]
        "/data/upload",
        data={"csrf_token": _csrf(browser), "kind": "meters"},
        files={"file": (name, text.encode(), "text/csv")},
        headers=HTMX if htmx else {},
    )


def test_meter_readings_are_chosen_in_the_form_queued_with_their_kind_and_imported(
    world: World, signed_in: Any, tmp_path: Path
) -> None:
    from zerotrail.pipeline.imports import import_sites

    sites = tmp_path / "sites.csv"
    sites.write_text(
        "site,entity,kind,region\npda,A,data_center_owned,CN-EAST\n"
        "pdb,B,data_center_owned,CN-EAST\n",
        encoding="utf-8",
    )
    with open_workspace(str(world.path)) as ws:
        import_sites(ws, sites)
    owner = signed_in("own-a")
    form = owner.get("/data").text
    assert re.search(r'<select id="upload-kind" name="kind">', form)
    assert '<option value="activities" selected>Activity records</option>' in form
    assert '<option value="meters">Meter readings</option>' in form

    # B's site, without JavaScript: the row error on the whole page, the kind still chosen.
    r = _upload_meters(owner, METER_HEADER + _reading("pdb", 1), "pm.csv", htmx=False)
    assert r.status_code == 422
    assert "2 site site pdb is not a site of your entities (A)" in _texts(r.text)
    assert '<option value="meters" selected>Meter readings</option>' in r.text

    r = _upload_meters(owner, METER_HEADER + _reading("pda", 1) + _reading("pda", 2), "pm.csv")
    assert r.status_code == 201, r.text
    assert "Meter readings: 2 record(s)" in r.text
    (sid,) = _submission_ids(owner.get("/data").text, "pm[.]csv")
    assert "pm.csv meter readings 2 own-a" in _texts(owner.get("/data").text)
    assert _meter_readings(world, "pda") == []  # not imported before it is approved

    approver = signed_in("appr")
    queue = approver.get("/data").text
    card = queue[queue.index(f'id="pending-{sid}"') :]
    said = card[: card.index("</p>")]
    assert '<span class="kind">meter readings</span>, 2 record(s)' in said
    r = _decide(approver, sid, "approve")
    assert r.status_code == 200 and "pm.csv was approved and imported: 2 record(s), 2 added" in (
        r.text
    )
    assert _meter_readings(world, "pda") == ["2024-01-01", "2024-02-01"]


def test_an_unknown_kind_is_refused_in_place(signed_in: Any) -> None:
    owner = signed_in("own-a")
    r = owner.post(
        "/data/upload",
        data={"csrf_token": _csrf(owner), "kind": "cooling"},
        files={"file": ("k.csv", (HEADER + _row("k1", "A", "1")).encode(), "text/csv")},
        headers=HTMX,
    )
    assert r.status_code == 400 and "unknown kind &#39;cooling&#39;" in r.text
    assert _submission_ids(owner.get("/data").text, "k[.]csv") == []


def _meter_readings(world: World, site: str) -> list[str]:
    with open_workspace(str(world.path), read_only=True) as ws:
        rows = ws.fetchall(
            "SELECT CAST(period_start AS VARCHAR) FROM meter_readings WHERE site = ? ORDER BY 1",
            [site],
        )
    return [str(d) for (d,) in rows]
