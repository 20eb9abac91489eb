"""The workspace schema as an ordered list of forward migrations.

Each migration is plain, portable SQL (standard types, no engine-specific DDL), so the same list
will create a PostgreSQL workspace. The large activity table carries no primary-key index: an
index over 10^8 rows costs more memory than the whole calculation, so uniqueness of record ids
is enforced by the import, which checks it set-wise.

A calculation run stores one row per *signature* (`run_signatures`: the factor, method, flags
and per-unit coefficients shared by all records with the same key, region, unit, period, ...).
Per-record results are the `results` view (created by the pipeline from the engine's own
expression): each record version the run saw, times its signature's coefficients. Runs note
the last import they saw (`as_of_import`), and superseded versions name the import that
replaced them, so a run's records stay exactly those it calculated.

Never edit a published migration: append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from zerotrail.store.isolation import policy_statements


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    # Physical storage tuning for one engine only (the logical schema stays portable): other
    # engines record the version and skip the statements.
    engine: str | None = None


_FACTOR_COLUMNS = """
    factor_set VARCHAR NOT NULL,
    factor_id VARCHAR NOT NULL,
    activity VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    unit VARCHAR NOT NULL,
    gas VARCHAR NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    gwp_basis VARCHAR,
    biogenic BOOLEAN NOT NULL,
    heat_content DOUBLE PRECISION,
    heat_content_unit VARCHAR,
    heat_basis VARCHAR,
    scope_use VARCHAR,
    supplier VARCHAR,
    source VARCHAR NOT NULL,
    edition VARCHAR,
    source_url VARCHAR,
    licence VARCHAR,
    verified BOOLEAN NOT NULL,
    note VARCHAR,
    source_ref VARCHAR
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "foundations: settings, factor sets and factors",
        (
            "CREATE TABLE zt_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
            """CREATE TABLE factor_sets (
                factor_set VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                publisher VARCHAR,
                edition VARCHAR,
                source_url VARCHAR,
                licence VARCHAR,
                description VARCHAR,
                kind VARCHAR NOT NULL,
                content_sha256 VARCHAR NOT NULL,
                loaded_at TIMESTAMP NOT NULL
            )""",
            f"CREATE TABLE factors ({_FACTOR_COLUMNS})",
        ),
    ),
    Migration(
        2,
        "inventory: entities, sites, activities, instruments, calculation runs and results",
        (
            """CREATE TABLE imports (
                import_id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                file_name VARCHAR NOT NULL,
                file_sha256 VARCHAR NOT NULL,
                rows_added BIGINT NOT NULL,
                rows_replaced BIGINT NOT NULL,
                imported_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE entities (
                entity VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                parent VARCHAR,
                equity_share DOUBLE PRECISION NOT NULL,
                financial_control VARCHAR NOT NULL,
                operational_control BOOLEAN NOT NULL,
                country VARCHAR NOT NULL,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE sites (
                site VARCHAR PRIMARY KEY,
                entity VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                region VARCHAR NOT NULL,
                name VARCHAR,
                operational_control BOOLEAN,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE activities (
                record_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                current BOOLEAN NOT NULL,
                entity VARCHAR NOT NULL,
                site VARCHAR,
                period_start DATE NOT NULL,
                period_end DATE NOT NULL,
                activity VARCHAR NOT NULL,
                quantity DOUBLE PRECISION NOT NULL,
                unit VARCHAR NOT NULL,
                region VARCHAR NOT NULL,
                scope3_category INTEGER,
                supplier VARCHAR,
                factor_id VARCHAR,
                ch4_origin VARCHAR,
                evidence VARCHAR,
                note VARCHAR,
                dq_technology INTEGER,
                dq_time INTEGER,
                dq_geography INTEGER,
                dq_completeness INTEGER,
                dq_reliability INTEGER,
                import_id VARCHAR NOT NULL,
                superseded_by VARCHAR
            )""",
            """CREATE TABLE instruments (
                instrument_id VARCHAR PRIMARY KEY,
                type VARCHAR NOT NULL,
                mwh DOUBLE PRECISION NOT NULL,
                period_start DATE NOT NULL,
                period_end DATE NOT NULL,
                region VARCHAR NOT NULL,
                entity VARCHAR,
                site VARCHAR,
                status VARCHAR NOT NULL,
                retired_on DATE,
                registry_id VARCHAR,
                emission_rate_t_per_mwh DOUBLE PRECISION NOT NULL,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE runs (
                run_id VARCHAR PRIMARY KEY,
                year INTEGER NOT NULL,
                gwp_set VARCHAR NOT NULL,
                consolidation VARCHAR NOT NULL,
                blend_rule VARCHAR NOT NULL,
                records BIGINT NOT NULL,
                problems BIGINT NOT NULL,
                created_at TIMESTAMP NOT NULL,
                current BOOLEAN NOT NULL,
                as_of_import VARCHAR NOT NULL
            )""",
            """CREATE TABLE run_supplier_keys (
                run_id VARCHAR NOT NULL,
                activity VARCHAR NOT NULL
            )""",
            """CREATE TABLE run_signatures (
                run_id VARCHAR NOT NULL,
                entity VARCHAR NOT NULL,
                site_k VARCHAR NOT NULL,
                activity VARCHAR NOT NULL,
                region VARCHAR NOT NULL,
                unit VARCHAR NOT NULL,
                period_start DATE NOT NULL,
                period_end DATE NOT NULL,
                pin_k VARCHAR NOT NULL,
                supplier_k VARCHAR NOT NULL,
                origin_k VARCHAR NOT NULL,
                cat_k INTEGER NOT NULL,
                sig_records BIGINT NOT NULL,
                factor_id VARCHAR NOT NULL,
                factor_set VARCHAR NOT NULL,
                f_region VARCHAR NOT NULL,
                verified BOOLEAN NOT NULL,
                share DOUBLE PRECISION NOT NULL,
                site_kind VARCHAR,
                out_scope INTEGER NOT NULL,
                out_category INTEGER,
                out_method VARCHAR NOT NULL,
                method_dq DOUBLE PRECISION NOT NULL,
                t_co2 DOUBLE PRECISION NOT NULL,
                t_ch4 DOUBLE PRECISION NOT NULL,
                t_n2o DOUBLE PRECISION NOT NULL,
                t_hfc DOUBLE PRECISION NOT NULL,
                t_pfc DOUBLE PRECISION NOT NULL,
                t_sf6 DOUBLE PRECISION NOT NULL,
                t_nf3 DOUBLE PRECISION NOT NULL,
                te_co2 DOUBLE PRECISION NOT NULL,
                te_ch4 DOUBLE PRECISION NOT NULL,
                te_n2o DOUBLE PRECISION NOT NULL,
                te_hfc DOUBLE PRECISION NOT NULL,
                te_pfc DOUBLE PRECISION NOT NULL,
                te_sf6 DOUBLE PRECISION NOT NULL,
                te_nf3 DOUBLE PRECISION NOT NULL,
                te_unsplit DOUBLE PRECISION NOT NULL,
                t_bio DOUBLE PRECISION NOT NULL,
                t_co2e DOUBLE PRECISION NOT NULL,
                t_market DOUBLE PRECISION NOT NULL,
                mwh_u DOUBLE PRECISION NOT NULL,
                covered_u DOUBLE PRECISION NOT NULL,
                renewable_u DOUBLE PRECISION NOT NULL,
                flags VARCHAR NOT NULL,
                gwp_set VARCHAR NOT NULL
            )""",
            """CREATE TABLE run_problems (
                run_id VARCHAR NOT NULL,
                record_id VARCHAR,
                message VARCHAR NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        3,
        "ledger: leaves (salted commitments with their openings), tree nodes, checkpoints",
        (
            # One row per leaf. `kind` and `ref` name the committed record (its opening is that
            # record plus `salt`); `leaf_hash` is what the tree holds.
            """CREATE TABLE ledger_leaves (
                idx BIGINT NOT NULL,
                kind VARCHAR NOT NULL,
                ref VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                salt BLOB NOT NULL,
                leaf_hash BLOB NOT NULL
            )""",
            # Hashes of aligned subtrees of 2^level leaves starting at idx * 2^level, kept
            # for level >= 8 only: lower levels are recomputed from at most 128 leaves, so a
            # proof still costs O(log n) reads while the table stays ~1% of the leaf count.
            """CREATE TABLE ledger_nodes (
                level INTEGER NOT NULL,
                idx BIGINT NOT NULL,
                hash BLOB NOT NULL
            )""",
            """CREATE TABLE ledger_checkpoints (
                size BIGINT NOT NULL,
                root BLOB NOT NULL,
                note VARCHAR NOT NULL,
                signed_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        4,
        "runs keep the canonical text of the totals they committed to the ledger",
        ("ALTER TABLE runs ADD COLUMN committed VARCHAR",),
    ),
)

MIGRATIONS += (
    Migration(
        5,
        "roadmap: targets, base-year versions and events, credits, claims, final inventories,"
        " data-centre meters and cooling, initiatives, metrics, suppliers",
        (
            # Versioned rows are never updated: a change is a new version (the latest counts),
            # and every version is committed to the ledger (see store/committed.py).
            """CREATE TABLE targets (
                target_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                kind VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                status VARCHAR NOT NULL,
                definition VARCHAR NOT NULL,
                reason VARCHAR,
                added_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE baseline_events (
                event_id VARCHAR NOT NULL,
                base_year INTEGER NOT NULL,
                year INTEGER NOT NULL,
                kind VARCHAR NOT NULL,
                description VARCHAR NOT NULL,
                entity VARCHAR,
                share DOUBLE PRECISION NOT NULL,
                in_base_year BOOLEAN NOT NULL,
                effect_scope1 DOUBLE PRECISION NOT NULL,
                effect_scope2_location DOUBLE PRECISION NOT NULL,
                effect_scope2_market DOUBLE PRECISION NOT NULL,
                effect_scope3 VARCHAR NOT NULL,
                recorded_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE base_year_versions (
                base_year INTEGER NOT NULL,
                version INTEGER NOT NULL,
                scope1 DOUBLE PRECISION NOT NULL,
                scope2_location DOUBLE PRECISION NOT NULL,
                scope2_market DOUBLE PRECISION NOT NULL,
                scope3 VARCHAR NOT NULL,
                reason VARCHAR NOT NULL,
                events VARCHAR NOT NULL,
                run_id VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE credits (
                credit_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                registry VARCHAR NOT NULL,
                project_id VARCHAR NOT NULL,
                project_name VARCHAR,
                methodology VARCHAR NOT NULL,
                type VARCHAR NOT NULL,
                durability VARCHAR NOT NULL,
                vintage INTEGER NOT NULL,
                serial_start VARCHAR NOT NULL,
                serial_end VARCHAR NOT NULL,
                serial_prefix VARCHAR NOT NULL,
                serial_first BIGINT NOT NULL,
                serial_last BIGINT NOT NULL,
                quantity DOUBLE PRECISION NOT NULL,
                status VARCHAR NOT NULL,
                retired_on DATE,
                beneficiary VARCHAR,
                reason VARCHAR,
                claim_year INTEGER,
                ccp_label BOOLEAN,
                corsia_eligible BOOLEAN,
                corresponding_adjustment BOOLEAN,
                split_from VARCHAR,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE claims (
                claim_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                target_id VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                holds BOOLEAN NOT NULL,
                run_id VARCHAR,
                gross DOUBLE PRECISION NOT NULL,
                credits_t DOUBLE PRECISION NOT NULL,
                removals_t DOUBLE PRECISION NOT NULL,
                net DOUBLE PRECISION NOT NULL,
                detail VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE inventory_finals (
                year INTEGER NOT NULL,
                run_id VARCHAR NOT NULL,
                finalized_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE meter_readings (
                site VARCHAR NOT NULL,
                period_start DATE NOT NULL,
                period_end DATE NOT NULL,
                facility_mwh DOUBLE PRECISION NOT NULL,
                it_mwh DOUBLE PRECISION,
                onsite_renewable_mwh DOUBLE PRECISION,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE site_cooling (
                site VARCHAR NOT NULL,
                since DATE NOT NULL,
                technology VARCHAR NOT NULL,
                note VARCHAR,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE initiatives (
                initiative_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                name VARCHAR NOT NULL,
                owner VARCHAR NOT NULL,
                lever VARCHAR NOT NULL,
                sites VARCHAR NOT NULL,
                start_year INTEGER NOT NULL,
                expected_t_per_year DOUBLE PRECISION NOT NULL,
                cost DOUBLE PRECISION,
                currency VARCHAR,
                description VARCHAR,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE metrics (
                metric VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                unit VARCHAR NOT NULL,
                import_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE suppliers (
                supplier VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                sbt_year INTEGER,
                import_id VARCHAR NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        6,
        "report publications and the checkpoints they were built on",
        (
            # `figures` is the canonical JSON of the report's figures (report.json without its
            # ledger section); its SHA-256 is committed, so a published figure cannot change
            # unseen. The next report compares its years with these to list restatements.
            """CREATE TABLE reports (
                report_id VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                figures VARCHAR NOT NULL,
                figures_sha256 VARCHAR NOT NULL,
                previous_report VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE report_checkpoints (
                report_id VARCHAR NOT NULL,
                size BIGINT NOT NULL,
                note VARCHAR NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        7,
        "versions of entities, sites, instruments and factor sets (committed to the ledger)",
        tuple(
            # The live tables' current rows become version 1; the workspace commits them
            # right after this migration (store/history.py).
            f"CREATE TABLE {name}_versions AS SELECT *, 1 AS version, FALSE AS removed FROM {live}"
            for name, live in (
                ("entity", "entities"),
                ("site", "sites"),
                ("instrument", "instruments"),
                ("factor_set", "factor_sets"),
            )
        ),
    ),
)

MIGRATIONS += (
    Migration(
        8,
        "spend deflation: factors carry their currency year, price indices (committed to the"
        " ledger), and the deflator each run signature applied",
        (
            "ALTER TABLE factors ADD COLUMN currency_year INTEGER",
            # The shipped USEEIO sets already in a workspace get the price year the reference
            # data gives them (useeio_spend_sample.csv `dollar_year`: v1.2 2021 USD, v1.3 2022
            # USD), as a new workspace loads them: the values themselves are unchanged.
            "UPDATE factors SET currency_year = 2021"
            " WHERE factor_set = 'useeio-v1.2' AND unit = 'USD'",
            "UPDATE factors SET currency_year = 2022"
            " WHERE factor_set = 'useeio-v1.3-quotes' AND unit = 'USD'",
            # One row per version of a (currency, year) index value; the latest counts, and
            # every version is committed to the ledger (store/committed.py, kind price_index).
            """CREATE TABLE price_indices (
                currency VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                version INTEGER NOT NULL,
                index_value DOUBLE PRECISION NOT NULL,
                source VARCHAR NOT NULL,
                url VARCHAR,
                note VARCHAR,
                import_id VARCHAR NOT NULL
            )""",
            # index(currency, factor year) / index(currency, spend year); NULL when the spend
            # was used as given.
            "ALTER TABLE run_signatures ADD COLUMN deflator DOUBLE PRECISION",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        9,
        "ledger leaves: salts and hashes stored uncompressed (DuckDB)",
        (
            # Random bytes do not compress; DuckDB's analysis of them cost more than the rest
            # of a ledger insert (docs/benchmarks.md). Same columns, same order.
            """CREATE TABLE ledger_leaves_v9 (
                idx BIGINT NOT NULL,
                kind VARCHAR NOT NULL,
                ref VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                salt BLOB USING COMPRESSION uncompressed NOT NULL,
                leaf_hash BLOB USING COMPRESSION uncompressed NOT NULL
            )""",
            "INSERT INTO ledger_leaves_v9 SELECT * FROM ledger_leaves ORDER BY idx",
            "DROP TABLE ledger_leaves",
            "ALTER TABLE ledger_leaves_v9 RENAME TO ledger_leaves",
        ),
        engine="duckdb",
    ),
)

MIGRATIONS += (
    Migration(
        10,
        "versions of metrics (committed to the ledger); factor rows, meter readings and runs'"
        " per-record results are committed too",
        (
            # The live metrics become version 1. Right after this migration the workspace
            # commits every row of the kinds this version added to the ledger (metric, factor,
            # meter_reading, run_results: store/committed.py), as it did after migration 7.
            "CREATE TABLE metric_versions AS SELECT *, 1 AS version, FALSE AS removed FROM metrics",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        11,
        "derived caches of the calculation: the SQL the engine compiled from its expressions"
        " (store/compiled_sql.py) and the unit conversions it asked for"
        " (store/unit_conversions.py), each under the key of everything it depends on",
        (
            """CREATE TABLE compiled_sql (
                key VARCHAR PRIMARY KEY,
                engine VARCHAR NOT NULL,
                schema_version INTEGER NOT NULL,
                plan VARCHAR NOT NULL,
                plan_sha256 VARCHAR NOT NULL,
                compiled_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE unit_conversions (
                units_key VARCHAR NOT NULL,
                source_unit VARCHAR NOT NULL,
                target_unit VARCHAR NOT NULL,
                same_dimension BOOLEAN NOT NULL,
                multiplier DOUBLE PRECISION,
                PRIMARY KEY (units_key, source_unit, target_unit)
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        12,
        "versions of suppliers, cooling retrofits and the organization's settings (its name and"
        " the recalculation policy), committed to the ledger",
        (
            # As in migration 7: the live rows become version 1, and the workspace commits them
            # right after this migration (store/history.py tracks them from then on).
            "CREATE TABLE supplier_versions AS"
            " SELECT *, 1 AS version, FALSE AS removed FROM suppliers",
            "CREATE TABLE cooling_versions AS"
            " SELECT *, 1 AS version, FALSE AS removed FROM site_cooling",
            # Settings that decide figures or what a report says; the others (schema version,
            # the log's origin and key, the results view's revision) are checked otherwise.
            "CREATE TABLE setting_versions AS SELECT key, value, 1 AS version, FALSE AS removed"
            " FROM zt_meta WHERE key IN ('organization', 'recalculation_policy')",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        13,
        "activity records: the heating-value basis of an energy quantity (HHV or NCV, committed"
        " only when given), and a blank region at a site (the site's region is used)",
        (
            # Nullable and last in the table: a record without a basis commits exactly the
            # canonical text it did before (store/activities.py), so old leaves stay valid.
            "ALTER TABLE activities ADD COLUMN heat_basis VARCHAR",
            # A record at a site may leave its region blank; the import still refuses a blank
            # region on a record without a site (store/activity_checks.py).
            "ALTER TABLE activities ALTER COLUMN region DROP NOT NULL",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        14,
        "runs record their factor policy; run signatures keep the record's stated heating-value"
        " basis (part of the signature) and the year of the factor used",
        (
            # NULL for runs made before the setting existed (they used earlier editions only).
            "ALTER TABLE runs ADD COLUMN factor_policy VARCHAR",
            # '' (no basis stated) is what every record stored so far gives.
            "ALTER TABLE run_signatures ADD COLUMN hb_k VARCHAR DEFAULT ''",
            "ALTER TABLE run_signatures ADD COLUMN factor_year INTEGER",
            # The year of the factor's valid_from, as a run now stores it; factor rows are
            # never edited, so the earlier runs' factors still give it.
            "UPDATE run_signatures SET factor_year = (SELECT CAST(EXTRACT(YEAR FROM"
            " min(f.valid_from)) AS INTEGER) FROM factors f"
            " WHERE f.factor_id = run_signatures.factor_id)",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        15,
        "lake tables: activity records that stay in Parquet files, registered with each file's"
        " size and SHA-256 (store/external.py, docs/lake-tables.md)",
        (
            # One row per registered dataset; its id is the registration's import id.
            """CREATE TABLE lake_datasets (
                dataset_id VARCHAR PRIMARY KEY,
                source VARCHAR NOT NULL,
                source_kind VARCHAR NOT NULL,
                columns VARCHAR NOT NULL,
                records BIGINT NOT NULL,
                files BIGINT NOT NULL,
                first_leaf BIGINT NOT NULL,
                manifest_sha256 VARCHAR NOT NULL,
                registered_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE lake_files (
                dataset_id VARCHAR NOT NULL,
                path VARCHAR NOT NULL,
                size BIGINT NOT NULL,
                sha256 VARCHAR NOT NULL,
                PRIMARY KEY (dataset_id, path)
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        16,
        "users of the team server with their roles and entities, and their API tokens"
        " (store/users.py, docs/server.md)",
        (
            # The Argon2id hash (PHC string) only; the password itself is never stored.
            """CREATE TABLE users (
                name VARCHAR PRIMARY KEY,
                role VARCHAR NOT NULL,
                password_hash VARCHAR NOT NULL,
                disabled BOOLEAN NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
            # The entities an `owner` may see and change; no rows for the other roles.
            """CREATE TABLE user_entities (
                name VARCHAR NOT NULL,
                entity VARCHAR NOT NULL,
                PRIMARY KEY (name, entity)
            )""",
            # A token is found by its short random prefix and checked against the SHA-256 of
            # the whole token (high-entropy keys need no slow hash); the token is not stored.
            """CREATE TABLE api_tokens (
                prefix VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                token_sha256 VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        17,
        "imports submitted through the team server, awaiting approval, with each transition"
        " (store/submissions.py, docs/server.md)",
        (
            # The file as uploaded (its bytes), until it is approved and imported or rejected;
            # status and decision change in place here, and every change is also a row of
            # submission_events, which is what the ledger commits.
            """CREATE TABLE submissions (
                submission_id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                uploader VARCHAR NOT NULL,
                file_name VARCHAR NOT NULL,
                file_format VARCHAR NOT NULL,
                file_sha256 VARCHAR NOT NULL,
                file_size BIGINT NOT NULL,
                content BLOB NOT NULL,
                file_rows BIGINT NOT NULL,
                status VARCHAR NOT NULL,
                reason VARCHAR,
                decided_by VARCHAR,
                decided_at TIMESTAMP,
                import_id VARCHAR,
                submitted_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE submission_events (
                submission_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                status VARCHAR NOT NULL,
                actor VARCHAR NOT NULL,
                file_sha256 VARCHAR NOT NULL,
                reason VARCHAR,
                happened_at TIMESTAMP NOT NULL,
                PRIMARY KEY (submission_id, version)
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        18,
        "row-level security on PostgreSQL: an owner's request sees and writes only its entities'"
        " rows, keyed by a transaction-scoped setting (store/isolation.py, docs/server.md)",
        # DuckDB has no row-level security: there the stages filter (pipeline/isolation.py).
        policy_statements(),
        engine="postgres",
    ),
)

MIGRATIONS += (
    Migration(
        19,
        "third-party verification: engagements, their samples, evidence, findings and signed"
        " statements (store/engagements.py, docs/verification.md)",
        (
            # An engagement changes by new versions (opened, sampled, covered again after a
            # restatement, concluded); each version is committed as kind `engagement`.
            """CREATE TABLE engagement_versions (
                engagement_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                year INTEGER NOT NULL,
                verifier VARCHAR NOT NULL,
                level VARCHAR NOT NULL,
                criteria VARCHAR NOT NULL,
                materiality VARCHAR NOT NULL,
                scope_materiality VARCHAR NOT NULL,
                scopes VARCHAR NOT NULL,
                run_id VARCHAR NOT NULL,
                checkpoint_size BIGINT NOT NULL,
                checkpoint_sha256 VARCHAR NOT NULL,
                rules VARCHAR NOT NULL,
                seed VARCHAR,
                sample_sha256 VARCHAR,
                population_sha256 VARCHAR,
                status VARCHAR NOT NULL,
                actor VARCHAR NOT NULL,
                happened_at TIMESTAMP NOT NULL,
                PRIMARY KEY (engagement_id, version)
            )""",
            # The records drawn, as the draw returned them; the engagement version that drew
            # them commits their digest (sample_sha256), so the rows here cannot drift.
            """CREATE TABLE engagement_samples (
                engagement_id VARCHAR NOT NULL,
                record_id VARCHAR NOT NULL,
                record_version INTEGER NOT NULL,
                stratum VARCHAR NOT NULL,
                key_item BOOLEAN NOT NULL,
                t_co2e DOUBLE PRECISION NOT NULL,
                draw_order INTEGER NOT NULL,
                PRIMARY KEY (engagement_id, record_id, record_version)
            )""",
            # Evidence files attached to records: their bytes, and whether their SHA-256 is the
            # one committed with the record (a mismatch is a finding by itself).
            """CREATE TABLE evidence_files (
                evidence_id VARCHAR PRIMARY KEY,
                record_id VARCHAR NOT NULL,
                record_version INTEGER NOT NULL,
                file_name VARCHAR NOT NULL,
                file_sha256 VARCHAR NOT NULL,
                file_size BIGINT NOT NULL,
                content BLOB NOT NULL,
                committed_sha256 VARCHAR,
                matches BOOLEAN NOT NULL,
                attached_by VARCHAR NOT NULL,
                attached_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE finding_versions (
                finding_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                engagement_id VARCHAR NOT NULL,
                finding_kind VARCHAR NOT NULL,
                finding_type VARCHAR NOT NULL,
                nature VARCHAR,
                scope INTEGER,
                stratum VARCHAR,
                amount_t DOUBLE PRECISION,
                records VARCHAR NOT NULL,
                clause VARCHAR,
                text VARCHAR NOT NULL,
                status VARCHAR NOT NULL,
                outcome VARCHAR,
                note VARCHAR,
                actor VARCHAR NOT NULL,
                happened_at TIMESTAMP NOT NULL,
                PRIMARY KEY (finding_id, version)
            )""",
            """CREATE TABLE verification_statements (
                engagement_id VARCHAR PRIMARY KEY,
                statement_sha256 VARCHAR NOT NULL,
                opinion VARCHAR NOT NULL,
                verifier_key VARCHAR NOT NULL,
                file_text VARCHAR NOT NULL,
                recorded_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        20,
        "the GWP values each calculation weighed its records' gases with, committed with the"
        " run (store/gwp_values.py, docs/ledger.md)",
        (
            # One row per version of a (GWP set, blend rule, gas, methane origin) a run needed;
            # a run adds a version only when the package's value differs from the latest one
            # (a corrected table), so earlier runs' versions are kept. ch4_origin NULL: the
            # records name no origin. Committed as kind `gwp`, the numbers as %.17g.
            """CREATE TABLE gwp_values (
                gwp_set VARCHAR NOT NULL,
                blend_rule VARCHAR NOT NULL,
                gas VARCHAR NOT NULL,
                ch4_origin VARCHAR,
                version INTEGER NOT NULL,
                mass_co2 DOUBLE PRECISION NOT NULL,
                mass_ch4 DOUBLE PRECISION NOT NULL,
                mass_n2o DOUBLE PRECISION NOT NULL,
                mass_hfc DOUBLE PRECISION NOT NULL,
                mass_pfc DOUBLE PRECISION NOT NULL,
                mass_sf6 DOUBLE PRECISION NOT NULL,
                mass_nf3 DOUBLE PRECISION NOT NULL,
                co2e_co2 DOUBLE PRECISION NOT NULL,
                co2e_ch4 DOUBLE PRECISION NOT NULL,
                co2e_n2o DOUBLE PRECISION NOT NULL,
                co2e_hfc DOUBLE PRECISION NOT NULL,
                co2e_pfc DOUBLE PRECISION NOT NULL,
                co2e_sf6 DOUBLE PRECISION NOT NULL,
                co2e_nf3 DOUBLE PRECISION NOT NULL,
                co2e_unsplit DOUBLE PRECISION NOT NULL,
                flags VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                run_id VARCHAR NOT NULL
            )""",
        ),
    ),
)

# Kinds a migration started committing: the rows already stored are committed after it runs.
COMMITTED_BY: dict[int, tuple[str, ...]] = {
    7: ("entity", "site", "instrument", "factor_set"),
    10: ("metric", "factor", "meter_reading", "run_results"),
    12: ("supplier", "cooling", "setting"),
}

LATEST_VERSION = MIGRATIONS[-1].version
