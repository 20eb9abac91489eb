"""Neutrality claims (ISO 14068-1) over carbon credits.

Pure rules over values: `claims` (the claim's rules) and `neutrality` (which target and plan a
claim rests on, its input, its stored form, finality). A block of credits, its serials and their
overlaps are values of `model/credits.py`. Nothing here reads or writes the workspace: the claim
stage (`pipeline/claims.py`) does, through `store/`, and hands these functions values.
"""
