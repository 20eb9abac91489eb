"""The calculation: activity tables in, per-record result tables out, as Ibis expressions.

The engine never touches storage and keeps nothing between calls but a memo of compiled plans
(immutable values, each under the key of all it depends on): `emissions.py` writes the
calculation once as expressions over tables, `plan.py` compiles them to SQL once per shape (the
calculation stage, pipeline/calculation.py, runs that SQL over the workspace and keeps the
compiled plan there), `inputs.py` prepares the small tables it joins in, and `reference.py`
computes the same results in plain Python from the stored rows; the tests hold the two to each
other.
"""
