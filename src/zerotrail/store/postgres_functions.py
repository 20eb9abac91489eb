"""The canonical record text and leaf hash as PostgreSQL functions.

Where it sits: store, installed by store/workspace.py whenever a PostgreSQL workspace is opened
for writing, and called from the SQL that ledger/canonical.py writes for this dialect. The
bytes are those of ledger/canonical.py (`canonical_bytes`, `commitment`); tests hold the
functions to that definition on awkward values.

Why functions: DuckDB renders a double with `printf('%.9f')`, which PostgreSQL lacks, and
PostgreSQL turns a double into `numeric` through 15 significant digits, which is not the exact
binary value the definition rounds. `zt_decimal9` takes the double's bits apart (`float8send`)
and rounds the exact value half to even in integer arithmetic, as CPython's formatting does.
"""

from __future__ import annotations

from zerotrail.ledger.canonical import LEAF_TAG

_LEAF_PREFIX = (b"\x00" + LEAF_TAG).hex()

FUNCTIONS = (
    # A text value as a JSON string: PostgreSQL's own escaping (quote, backslash, \b \f \n \r \t,
    # other control characters as lower-case \u00xx) is exactly JCS's.
    """CREATE OR REPLACE FUNCTION zt_json_text(x text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT CASE WHEN x IS NULL THEN 'null' ELSE to_json(x)::text END $$""",
    """CREATE OR REPLACE FUNCTION zt_decimal9(x double precision) RETURNS text
       LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
       DECLARE
         bits bigint := ('x' || encode(float8send(x), 'hex'))::bit(64)::bigint;
         e int := ((bits >> 52) & 2047)::int;
         m numeric := (bits & 4503599627370495)::numeric;
         n numeric;
         d numeric;
         q numeric;
         r numeric;
       BEGIN
         IF e = 2047 THEN
           RAISE EXCEPTION 'no canonical decimal form for %', x;
         END IF;
         IF e = 0 THEN e := 1; ELSE m := m + 4503599627370496; END IF;
         e := e - 1075;
         -- |x| * 10^9 = n / d exactly, n and d whole numbers.
         IF e >= 0 THEN
           n := m * power(2::numeric, e) * 1000000000;
           d := 1;
         ELSE
           n := m * power(5::numeric, -e) * 1000000000;
           d := power(10::numeric, -e);
         END IF;
         q := div(n, d);
         r := n - q * d;
         IF 2 * r > d OR (2 * r = d AND mod(q, 2) = 1) THEN
           q := q + 1;
         END IF;
         IF bits < 0 AND q > 0 THEN
           q := -q;
         END IF;
         RETURN (q * 0.000000001)::text;
       END $$""",
    # C's %.17g of the exact value (digests of a run's results, store/committed.py `EXACT`).
    """CREATE OR REPLACE FUNCTION zt_g17(x double precision) RETURNS text
       LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
       DECLARE
         bits bigint := ('x' || encode(float8send(x), 'hex'))::bit(64)::bigint;
         e int := ((bits >> 52) & 2047)::int;
         m numeric := (bits & 4503599627370495)::numeric;
         sign text := CASE WHEN bits < 0 THEN '-' ELSE '' END;
         n numeric;
         k int := 0;
         len int;
         q numeric;
         r numeric;
         p numeric;
         x10 int;
         digits text;
       BEGIN
         IF e = 2047 THEN
           RAISE EXCEPTION 'no decimal form for %', x;
         END IF;
         IF e = 0 AND m = 0 THEN
           RETURN sign || '0';
         END IF;
         IF e = 0 THEN e := 1; ELSE m := m + 4503599627370496; END IF;
         e := e - 1075;
         -- |x| = n * 10^-k exactly, n a whole number.
         IF e >= 0 THEN
           n := m * power(2::numeric, e);
         ELSE
           n := m * power(5::numeric, -e);
           k := -e;
         END IF;
         len := length(trunc(n)::text);
         x10 := len - 1 - k;
         IF len > 17 THEN
           p := power(10::numeric, len - 17);
           q := div(n, p);
           r := n - q * p;
           IF 2 * r > p OR (2 * r = p AND mod(q, 2) = 1) THEN
             q := q + 1;
           END IF;
           IF length(trunc(q)::text) > 17 THEN
             q := div(q, 10);
             x10 := x10 + 1;
           END IF;
         ELSE
           q := n * power(10::numeric, 17 - len);
         END IF;
         digits := rtrim(trunc(q)::text, '0');
         IF x10 < -4 OR x10 >= 17 THEN
           RETURN sign || substr(digits, 1, 1)
             || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
             || 'e' || CASE WHEN x10 < 0 THEN '-' ELSE '+' END
             || CASE WHEN abs(x10) < 10 THEN '0' ELSE '' END || abs(x10)::text;
         END IF;
         IF x10 < 0 THEN
           RETURN sign || '0.' || repeat('0', -x10 - 1) || digits;
         END IF;
         IF length(digits) <= x10 + 1 THEN
           RETURN sign || rpad(digits, x10 + 1, '0');
         END IF;
         RETURN sign || substr(digits, 1, x10 + 1) || '.' || substr(digits, x10 + 2);
       END $$""",
    # DuckDB's printf, for the two formats the store writes (ledger/canonical.py, EXACT).
    """CREATE OR REPLACE FUNCTION printf(fmt text, x double precision) RETURNS text
       LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
       BEGIN
         IF x IS NULL THEN RETURN NULL; END IF;
         IF fmt = '%.9f' THEN RETURN zt_decimal9(x); END IF;
         IF fmt = '%.17g' THEN RETURN zt_g17(x); END IF;
         RAISE EXCEPTION 'printf format % is not supported on PostgreSQL', fmt;
       END $$""",
    """CREATE OR REPLACE FUNCTION contains(haystack text, needle text) RETURNS boolean
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) > 0 $$""",
    # Ibis 12 writes a date literal for PostgreSQL as DATE_FROM_PARTS, which it lacks.
    """CREATE OR REPLACE FUNCTION date_from_parts(y integer, m integer, d integer) RETURNS date
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT make_date(y, m, d) $$""",
    f"""CREATE OR REPLACE FUNCTION zt_leaf(salt bytea, canonical text) RETURNS bytea
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT sha256('\\x{_LEAF_PREFIX}'::bytea || salt
                           || convert_to(canonical, 'UTF8')) $$""",
)


def install(con: object) -> None:
    """Create or replace the functions on a PostgreSQL connection (store/postgres.py)."""
    for statement in FUNCTIONS:
        con.execute_native(statement)  # type: ignore[attr-defined]
