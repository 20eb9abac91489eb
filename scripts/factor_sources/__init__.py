"""One module per publisher's files, each mapping them to factor rows for scripts/build_factors.py.

A source module exposes `SETS` (the factor sets it builds, each naming its input files relative
to the reference folder) and `build(reference)` (their rows, in any order).
"""
