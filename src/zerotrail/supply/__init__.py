"""Supplier data exchange: product footprints received from or sent to suppliers and customers
in the industry's open format (WBCSD PACT), read into checked, immutable values and written
back. Nothing here reads or writes the workspace or the network: callers hand these functions
decoded JSON or bytes and store or send what they return.
"""
