"""One template workspace and arena for every importer fuzz test (building it costs seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.importers import Arena, build_template


@pytest.fixture(scope="session")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    directory = tmp_path_factory.mktemp("fuzz-import")
    a = Arena(build_template(directory), directory / "work")
    yield a
    a.close()
