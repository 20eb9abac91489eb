"""Targets: the roadmap file, base year and recalculation, pathways, progress, science-based checks.

Pure rules over values: `roadmap` (the file), `register` (versions of each target), `baseyear`
and `recalc` (base-year versions, events and the recalculation policy), `pathway` and `progress`
(where a target stands), `status` (the one status vocabulary), `sbti` (science-based checks).
Nothing here reads or writes the workspace: the roadmap stage (`pipeline/roadmap.py`) reads the
figures through `store/`, calls these functions and stores what they decide.
"""
