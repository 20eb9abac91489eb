"""Carbon credits and neutrality claims (ISO 14068-1).

`credits` (serials, overlaps) and `claims` (the claim's rules) are pure; `neutrality` gathers a
claim's inputs from the workspace, records the claim and finalizes inventories.
"""
