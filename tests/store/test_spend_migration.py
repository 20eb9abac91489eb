"""Migration 8 on a workspace made before it: loaded USEEIO factors get their dollar year."""

from __future__ import annotations

from pathlib import Path

from zerotrail.store.workspace import Workspace, _connect, migrate, open_workspace, parse_url

COLUMNS = (
    "factor_set, factor_id, activity, region, valid_from, unit, gas, value, gwp_basis, biogenic,"
    " source, verified"
)


def test_loaded_useeio_factors_get_their_dollar_year(tmp_path: Path) -> None:
    path = tmp_path / "v7.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=7)
    # As a version-7 workspace holds them: the shipped v1.2 and v1.3 rows, a custom spend
    # factor (no year can be known for it) and a grid factor.
    for row in (
        ("useeio-v1.2", "useeio-v1.2:naics.334111.usd2021", "spend.naics.334111", "US"),
        (
            "useeio-v1.3-quotes",
            "useeio-v1.3-quotes:naics.334111.usd2022",
            "spend.naics.334111",
            "US",
        ),
        ("custom", "acme-spend", "spend.naics.334111", "US"),
    ):
        ws.execute(
            f"INSERT INTO factors ({COLUMNS}) VALUES (?, ?, ?, ?, DATE '2019-01-01', 'USD',"
            " 'CO2e', 0.1, 'AR4', false, 'test fixture', true)",
            list(row),
        )
    ws.execute(
        f"INSERT INTO factors ({COLUMNS}) VALUES ('cn-mee-grid', 'grid', 'electricity.grid',"
        " 'CN', DATE '2023-01-01', 'kWh', 'CO2', 0.5, NULL, false, 'test fixture', true)"
    )
    ws.close()
    with open_workspace(str(path)) as ws:
        years = dict(ws.fetchall("SELECT factor_id, currency_year FROM factors"))
        assert years == {
            "useeio-v1.2:naics.334111.usd2021": 2021,
            "useeio-v1.3-quotes:naics.334111.usd2022": 2022,
            "acme-spend": None,
            "grid": None,
        }
        assert ws.scalar("SELECT count(*) FROM price_indices") == 0
        assert "deflator" in {
            r[0]
            for r in ws.fetchall(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'run_signatures'"
            )
        }
