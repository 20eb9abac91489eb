"""The named stages of the job, one module each: the only thing `cli/` (and the server) call.

Read top to bottom, the stages are the job (docs/architecture.md draws it):

- `setup`        open a workspace (create, migrate), record the organization, load shipped factors
- `reference`    the factor library and the GWP sets, read for people (no workspace needed)
- `imports`      one function per kind of file, each stored whole or not at all
- `fuel_energy`  Scope 3 category 3 records derived from the fuel and energy records, imported
- `screening`    the preparer's Scope 3 screening of the 15 categories, imported and read
- `calculation`  a year's stored records in, a stored, committed run out
- `inventory`    a year's run as figures (reads only)
- `energy`       renewable share and data centres (reads only)
- `initiatives`  reduction initiatives and their abatement (reads only)
- `measures`     the reads targets and claims are measured on (shared by roadmap and claims)
- `roadmap`      targets, base years and recalculation, progress, science-based checks
- `credits`      carbon credits: list, retire, assign
- `claims`       a year made final; a neutrality claim previewed (reads only) or recorded
- `ledger`       keys, checkpoints, proofs, the witness, the audit, offline verification
- `publish`      the year's report built (reads only), then published on a checkpoint
- `exports`      formula-safe CSV and printable text for the edges
- `demo`         the whole job above on the generated demo company

Each stage is a plain function that takes a workspace and values and returns values (reports of
what happened, problems as data). Stages call `store/` for reading and writing, `engine/` for the
calculation and `ingest/`, `targets/`, `offsets/`, `reports/` for the rules of each domain.
Import stages from their modules (`from zerotrail.pipeline.imports import import_activities`):
importing this package itself loads nothing, so a command pays only for the stages it uses.
"""

from __future__ import annotations
