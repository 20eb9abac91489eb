"""The roadmap: targets, base year, progress, science-based checks, credits and claims.

The modules here are pure (no storage): they take figures and records and return decisions,
so every rule can be tested on its own. `zerotrail.store` and the CLI gather the figures.
"""
