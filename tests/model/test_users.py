"""What each role may do (model/users.py): who writes, which entities each sees."""

from __future__ import annotations

import pytest

from zerotrail.model.users import ROLE_DESCRIPTIONS, ROLES, User, UserError, check_role


def test_the_six_roles_of_issue_16_each_described() -> None:
    assert ROLES == ("admin", "owner", "approver", "analyst", "verifier", "viewer")
    assert tuple(ROLE_DESCRIPTIONS) == ROLES


@pytest.mark.parametrize(
    ("role", "writes"),
    [
        ("admin", True),
        ("owner", True),
        ("approver", True),
        ("analyst", True),
        ("verifier", False),  # reads everything, changes nothing of the workspace's data
        ("viewer", False),
    ],
)
def test_can_write_per_role(role: str, writes: bool) -> None:
    entities = ("A",) if role == "owner" else ()
    assert User("u", role, entities).can_write() is writes


def test_an_owner_sees_only_its_own_entities() -> None:
    owner = User("olga", "owner", ("A", "C"))
    assert owner.sees_entity("A") and owner.sees_entity("C")
    assert not owner.sees_entity("B")
    assert not owner.sees_entity("")
    # An owner of nothing sees nothing (the users stage refuses to make one, but a stray row
    # must not widen what it sees).
    assert not User("nobody", "owner", ()).sees_entity("A")


@pytest.mark.parametrize("role", ["admin", "approver", "analyst", "verifier", "viewer"])
def test_every_other_role_sees_every_entity(role: str) -> None:
    assert User("u", role, ()).sees_entity("B")


def test_an_unknown_role_is_refused_naming_the_choices() -> None:
    assert check_role("viewer") == "viewer"
    with pytest.raises(UserError, match="unknown role 'root': choose one of admin, owner"):
        check_role("root")
