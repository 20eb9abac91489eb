"""The heating-value basis of an activity record's energy quantity.

Part of `model/`: one rule, used by the engine's input preparation (`engine/inputs.py`) and by
its plain-Python oracle (`engine/reference.py`), so the two cannot drift apart.

An energy quantity is gross (HHV, higher heating value, GCV) or net (NCV, lower heating value,
LHV). A record may state its basis (`heat_basis`); when it does not, the basis is the one its
region's conventions state: gross in the United States and the United Kingdom (US and UK gas and
fuel invoices, the EPA GHG Emission Factors Hub and the DESNZ conversion factors quote energy on
a gross basis), net elsewhere (the 2006 IPCC Guidelines and most national energy statistics).
"""

from __future__ import annotations

from zerotrail.model.regions import country_of

HEAT_BASES = ("HHV", "NCV")

# Countries whose invoices and publishers state energy on the gross basis.
_GROSS_COUNTRIES = frozenset({"US", "GB"})


def record_heat_basis(stated: str | None, region: str) -> str:
    """The basis of a record's energy: the one it states, else its region's convention."""
    if stated:
        return stated
    return "HHV" if country_of(region) in _GROSS_COUNTRIES else "NCV"
