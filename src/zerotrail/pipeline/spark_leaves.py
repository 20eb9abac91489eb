"""A lake table's ledger leaves computed by Spark (`import activities PATH --external --engine
spark`).

Where it sits: pipeline, beside the lake-table registration (ingest/external.py), which checks
every record in the workspace's DuckDB as ever and then hands the commit to `spark_commit`.
Spark reads each registered file where it is (`spark.read.parquet`, its rows numbered by their
position in the file), types the rows as an import does and builds each record's canonical text
and leaf hash (`sha2`) in Spark SQL (store/spark_lake.py `spark_lake_leaf_sql`, ledger/canonical.py
dialect "spark"); it writes (file, row, ref, salt, leaf) as Parquet into a folder of its own, from
which the workspace commits the leaves in file then row order and adds the inner nodes
(store/external.py `commit_computed_leaves`). The leaves are the bytes a DuckDB registration
commits, so proofs, openings and `ledger audit` (which recomputes every leaf from the files)
work the same; only the salts are made differently (docs/ledger.md: keyed, not drawn one by one).

A file whose column types Spark cannot type as DuckDB does makes the whole dataset's leaves
DuckDB's, and the report says so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zerotrail.engine.spark_session import SparkEngine, reads_by_name
from zerotrail.ledger.canonical import SALT_BYTES
from zerotrail.store.external import commit_computed_leaves, commit_lake_records
from zerotrail.store.spark_lake import spark_lake_leaf_sql
from zerotrail.store.workspace import Workspace

_ROW_INDEX = "zt_row_index"
_KEY_VIEW = "zt_salt_key"


@dataclass
class SparkCommit:
    """Commits a lake table's records with leaves Spark computed (a `LeafCommit`); `folder` is
    where Spark writes them (for a cluster, a folder every executor and this process share).
    After a call, `by` says which engine built the leaves and `why` why not Spark."""

    spark: SparkEngine
    folder: Path
    by: str = "spark"
    why: list[str] = field(default_factory=list)

    def __call__(self, ws: Workspace, files: Sequence[str], columns: Sequence[str]) -> int:
        queries = self._queries(files, columns)
        if queries is None:
            self.by = "duckdb"
            return commit_lake_records(ws, files, columns)
        import pyarrow as pa

        self.folder.mkdir(parents=True, exist_ok=True)
        out = Path(tempfile.mkdtemp(prefix="leaves-", dir=self.folder))
        try:
            # The salts' key: drawn here, shipped to the executors as a one-row view, never
            # stored or written into any query text.
            key = os.urandom(SALT_BYTES)
            self.spark.register_arrow(_KEY_VIEW, pa.table({"k": pa.array([key], pa.binary())}))
            union = " UNION ALL ".join(f"({q})" for q in queries)
            self.spark.write_parquet(union, out / "leaves")
            return commit_computed_leaves(ws, out / "leaves", len(files))
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def _queries(self, files: Sequence[str], columns: Sequence[str]) -> list[str] | None:
        """Spark SQL of each file's leaves, or None (and `why`) when a file cannot be typed."""
        queries = []
        for i, path in enumerate(files):
            if not reads_by_name(path):
                self.why.append(f"{path}: Spark cannot read a file of that name as itself")
                return None
            view = f"zt_leaf_file_{i}"
            types = self.spark.register_renamed(view, [path], columns, row_index=_ROW_INDEX)
            query = (
                None
                if types is None
                else spark_lake_leaf_sql(
                    view, [t for t in types if t[0] != _ROW_INDEX], i, _ROW_INDEX, _KEY_VIEW
                )
            )
            if query is None:
                self.why.append(f"{path}: a column type Spark does not type as an import does")
                return None
            queries.append(query)
        return queries
