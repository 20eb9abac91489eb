"""The small roadmap world (tests/targets/world.py) for the claim tests."""

from tests.targets.conftest import world

__all__ = ["world"]
