"""The calculation: activity tables in, per-record result tables out, as Ibis expressions.

The engine holds no state and never touches storage: `pipeline.py` gives it tables (bound to
whatever backend holds them) and writes what it returns. `reference.py` computes the same
results in plain Python from plain rows; the tests hold the two to each other.
"""
