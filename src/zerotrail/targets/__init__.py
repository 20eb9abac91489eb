"""Targets: the roadmap file, base year and recalculation, pathways, progress, science-based checks.

`roadmap`, `pathway`, `recalc` and `sbti` are pure (figures and records in, decisions out), so
every rule is tested on its own. `register`, `baseyear`, `figures` and `progress` apply them to
the workspace: they read the calculated inventories and store (and commit) what they decide.
"""
