"""Immutable values shared by every layer. Imports nothing else of zerotrail."""
