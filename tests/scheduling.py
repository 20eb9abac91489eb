"""How `make test` shares the tests between its two pytest-xdist workers (`--dist loadfile`).

xdist's loadfile sends a test file whole to one worker (its module fixtures are then built
once), the files with the most tests first. Two changes to that, both about time only (which
tests run, and what each checks, is the same):

- Every test on Spark is one unit of work, whatever its file: the tests whose engine parameter
  is `spark` (`[spark]`, `[spark-2019]`) and the files about Spark (`spark` in the file's name).
  Spark allows one session per process and its JVM takes some 20 s to start and as long again
  to warm up, so a worker that meets a Spark test pays that once; with the Spark tests spread
  over both workers, both paid it (the first Spark test of a worker took 80 s), and two JVMs
  competed for the two cores. A test that starts Spark outside this unit still runs: it only
  starts a second JVM.
- The units that take longest go first (`FIRST`, measured; then the Spark unit's peers by
  number of tests, as xdist orders them), so that the last units, which decide when the run
  ends, are short ones and the two workers finish together. A unit that is slow but has few
  tests was otherwise sent last (a 60 s PostgreSQL demo after everything else).
"""

from __future__ import annotations

import re
from typing import Any

from xdist.scheduler import LoadFileScheduling

SPARK = "<spark>"
_SPARK_PARAM = re.compile(r"\[(?:[^\]]*-)?spark(?:-[^\]]*)?\]$")

# The slowest units but Spark's, slowest first: the worker time each took in a full run of the
# suite on the shared 2-core machine while it was loaded by other work (about twice what it
# takes on a quiet one). Only an order: a file not named here runs later, a name of no file is
# ignored.
FIRST = (
    "tests/cli/test_postgres_commands.py",  # 101 s, 58 s of it the demo on PostgreSQL
    "tests/engines/test_known_answers.py",  # 99 s
    "tests/server/test_browser_postgres.py",  # 88 s
    "tests/server/test_isolation.py",  # 72 s
    "tests/engines/test_scaled.py",  # 62 s
    "tests/engines/test_engine_matches_reference.py",  # 60 s
    "tests/ingest/test_files.py",  # 59 s
    "tests/engines/test_every_year.py",  # 57 s
    "tests/store/test_audit.py",  # 56 s
    "tests/engines/test_compiled_plan.py",  # 54 s
)


def on_spark(nodeid: str) -> bool:
    """Whether the test `nodeid` runs on the worker's Spark session."""
    path, _, name = nodeid.partition("::")
    return "spark" in path.rpartition("/")[2] or bool(_SPARK_PARAM.search(name))


class SparkTogether(LoadFileScheduling):
    """loadfile with the Spark tests as one unit, and the slowest units first."""

    _ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return SPARK if on_spark(nodeid) else super()._split_scope(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        # `schedule` fills the queue (ordered by number of tests) and then assigns from it:
        # the first assignment is the last moment to reorder it.
        if not self._ordered:
            self._ordered = True
            rank = {scope: i for i, scope in enumerate((SPARK, *FIRST))}
            queue = sorted(self.workqueue.items(), key=lambda item: rank.get(item[0], len(rank)))
            self.workqueue.clear()
            self.workqueue.update(queue)
        super()._assign_work_unit(node)
