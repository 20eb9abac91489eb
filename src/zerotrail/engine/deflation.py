"""Deflating spend to the price year of its factor, as an Ibis expression.

A spend-based factor is per unit of money of one year (USEEIO v1.2: kg CO2e per 2021 USD), and
the GHG Protocol's Scope 3 guidance deflates spend to that year before applying it. For a
signature whose chosen factor has a `currency_year` Yf other than the spend year Ya (the year
of `period_start`), the quantity is multiplied by index(currency, Yf) / index(currency, Ya),
the currency being the factor's unit. With either index missing the spend is used as given and
the signature is flagged `spend_not_deflated` (docs/methodology.md, "Spend-based factors").

Inputs: the resolved signatures (with `f_unit`, `currency_year`, `period_start`) and `prices`
(currency, year, price_index) from the workspace's price indices.
"""

from __future__ import annotations

from typing import Any

import ibis


def deflators(s: Any, prices: Any) -> Any:
    """`s` with `deflator` (the ratio applied; null when the spend is used as given) and
    `not_deflated` (a deflation was due but an index is missing)."""
    at_factor = prices.select(
        pf_currency=prices.currency, pf_year=prices.year, pf_index=prices.price_index
    )
    at_spend = prices.select(
        ps_currency=prices.currency, ps_year=prices.year, ps_index=prices.price_index
    )
    s = s.mutate(
        d_price_year=s.currency_year.cast("int64"),
        d_spend_year=s.period_start.year().cast("int64"),
    )
    s = s.left_join(
        at_factor, [s.f_unit == at_factor.pf_currency, s.d_price_year == at_factor.pf_year]
    )
    s = s.left_join(
        at_spend, [s.f_unit == at_spend.ps_currency, s.d_spend_year == at_spend.ps_year]
    )
    due = s.d_price_year.notnull() & (s.d_price_year != s.d_spend_year)
    found = s.pf_index.notnull() & s.ps_index.notnull()
    s = s.mutate(
        deflator=ibis.ifelse(due & found, s.pf_index / s.ps_index, ibis.null("float64")),
        not_deflated=due & ~found,
    )
    return s.drop(
        "d_price_year",
        "d_spend_year",
        "pf_currency",
        "pf_year",
        "pf_index",
        "ps_currency",
        "ps_year",
        "ps_index",
    )
