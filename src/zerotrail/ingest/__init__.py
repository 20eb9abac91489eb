"""Reading users' files (CSV, XLSX, Parquet) into validated values, with Problems for bad rows.

Where it sits: below the import stage (`pipeline/imports.py`), beside targets and offsets. Each
module reads one kind of file, checks it against the format (`formats.py`), the value limits
(`model/limits.py`) and the workspace (through `store/` reads), and decides what is new, changed
or unchanged; the SQL that reads and writes the workspace is in `store/`. Each import is
all-or-nothing: the file is checked completely first, and only a file without problems is
written, inside one transaction.
"""
