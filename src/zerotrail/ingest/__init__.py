"""Reading users' files (CSV, XLSX, Parquet) into validated tables, with Problems for bad rows.

Each import is all-or-nothing: the file is checked completely first, and only a file without
problems is written, inside one transaction.
"""
