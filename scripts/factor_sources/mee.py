"""China MEE/NBS grid electricity factors (national, regional grids, provinces), data years
2021-2023, and the national-ETS grid factors.

Three inputs, none of them MEE's own notice (no copy could be had): `data/china_grid.csv` (values
from named news reports of the notices, each row with its own `verified` judgement) and two
third-party transcriptions of the notices in `sources/mee/` (`electricity_cn_2023_official.json`:
2023; `ref_result.json`: 2021 and 2022). Every (data year, factor type, region) is compared across
them. A value is verified only where two independent sources agree: china_grid.csv and a
transcription, or two transcriptions. A transcription that contradicts a value china_grid.csv
marks verified stops the build; any other disagreement ships the china_grid.csv value (else the
first transcription's), unverified, with the other value named in its note.

The notices name factors by data year (the 2021 factors were published in 2024), so a factor is
valid for its data year; a record of a later year (2024, 2025) takes the latest factor, flagged
as an earlier edition, which is what using the latest published factor amounts to.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from factor_sources.common import (
    BuildError,
    Factor,
    Rec,
    SetSpec,
    join,
    per_unit,
    slug,
    year_span,
)
from zerotrail.model.grids import REGIONAL_GRIDS
from zerotrail.reference.factors import FactorRow

GRID_FILE = "data/china_grid.csv"
JSON_2023 = "sources/mee/electricity_cn_2023_official.json"
JSON_2021_2022 = "sources/mee/ref_result.json"
LICENCE = (
    "Government notice (MEE/NBS); factor values cited as facts with attribution; licence not stated"
)

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "cn-mee-grid",
        "China electricity CO2 emission factors (MEE/NBS notices)",
        "Ministry of Ecology and Environment / National Bureau of Statistics of China",
        (GRID_FILE, JSON_2023, JSON_2021_2022),
        "National, regional-grid (7) and provincial (30) grid averages for data years 2021,"
        " 2022 and 2023, the national residual-mix-like and fossil-only factors, and national-ETS"
        " grid factors; kg CO2 per kWh. MEE's notices were not available: values come from"
        " data/china_grid.csv (named news reports of the notices) and two third-party"
        " transcriptions (sources/mee/electricity_cn_2023_official.json, from zlw506/CarbonRag;"
        " sources/mee/ref_result.json, from vquill/registration-anchored-adjudication). A value"
        " is verified only where two of these independent sources agree; the build compares"
        " every value and refuses a transcription that contradicts a value china_grid.csv marks"
        " verified. Tibet 2023 is left out: the transcription's 0.2472 equals the South-West"
        " grid's value (likely the transcriber's fill-in; the 2021 and 2022 notices list no"
        " Tibet), so Tibet falls back to that grid. Each factor is valid for its data year: the"
        " notices are named by data year and published two years later (2021: 12 Apr 2024;"
        " 2022: Dec 2024; 2023: 31 Dec 2025), and reporters use the latest published factor, so"
        " a record of 2024 or 2025 takes the 2023 factor, flagged as an earlier edition.",
        edition="MEE/NBS notices 2024 No. 12 (data year 2021), 2024 No. 33 (2022) and 2025"
        " No. 47 (2023); national-ETS notices",
        source_url="https://www.mee.gov.cn/",
        licence=LICENCE,
        data_year="2021, 2022 and 2023 (national-ETS values: 2019-2020 and 2022)",
    ),
)


CN = "cn-mee-grid"
# (code, English name, Chinese short name): the country, the regional grids, the provinces
# (ISO 3166-2:CN).
PLACES: tuple[tuple[str, str, str], ...] = (
    ("CN", "National", "全国"),
    ("CN-NORTH", "North China", "华北"),
    ("CN-NORTHEAST", "Northeast China", "东北"),
    ("CN-EAST", "East China", "华东"),
    ("CN-CENTRAL", "Central China", "华中"),
    ("CN-NORTHWEST", "Northwest China", "西北"),
    ("CN-SOUTH", "South China", "南方"),
    ("CN-SOUTHWEST", "Southwest China", "西南"),
    ("CN-BJ", "Beijing", "北京"),
    ("CN-TJ", "Tianjin", "天津"),
    ("CN-HE", "Hebei", "河北"),
    ("CN-SX", "Shanxi", "山西"),
    ("CN-NM", "Inner Mongolia", "内蒙古"),
    ("CN-LN", "Liaoning", "辽宁"),
    ("CN-JL", "Jilin", "吉林"),
    ("CN-HL", "Heilongjiang", "黑龙江"),
    ("CN-SH", "Shanghai", "上海"),
    ("CN-JS", "Jiangsu", "江苏"),
    ("CN-ZJ", "Zhejiang", "浙江"),
    ("CN-AH", "Anhui", "安徽"),
    ("CN-FJ", "Fujian", "福建"),
    ("CN-JX", "Jiangxi", "江西"),
    ("CN-SD", "Shandong", "山东"),
    ("CN-HA", "Henan", "河南"),
    ("CN-HB", "Hubei", "湖北"),
    ("CN-HN", "Hunan", "湖南"),
    ("CN-GD", "Guangdong", "广东"),
    ("CN-GX", "Guangxi", "广西"),
    ("CN-HI", "Hainan", "海南"),
    ("CN-CQ", "Chongqing", "重庆"),
    ("CN-SC", "Sichuan", "四川"),
    ("CN-GZ", "Guizhou", "贵州"),
    ("CN-YN", "Yunnan", "云南"),
    ("CN-XZ", "Tibet", "西藏"),
    ("CN-SN", "Shaanxi", "陕西"),
    ("CN-GS", "Gansu", "甘肃"),
    ("CN-QH", "Qinghai", "青海"),
    ("CN-NX", "Ningxia", "宁夏"),
    ("CN-XJ", "Xinjiang", "新疆"),
)
CN_REGIONS = {en: code for code, en, _ in PLACES}
ZH_REGIONS = {zh: code for code, _, zh in PLACES}
NAMES = {code: (en, zh) for code, en, zh in PLACES}

LOCATION = "Scope 2 (location-based)"
NATIONAL, REGIONAL, PROVINCIAL = "national_average", "regional_average", "provincial_average"
RESIDUAL = "national_average_excluding_market_traded_non_fossil"
FOSSIL = "national_fossil_only"
CN_TYPES = {
    NATIONAL: ("electricity.grid", LOCATION, ""),
    REGIONAL: ("electricity.grid", LOCATION, ""),
    PROVINCIAL: ("electricity.grid", LOCATION, ""),
    RESIDUAL: (
        "electricity.residual_mix",
        "Scope 2 (market-based, residual mix)",
        "National average excluding market-traded non-fossil electricity: the notice's"
        " residual-mix-like value.",
    ),
    FOSSIL: (
        "electricity.fossil_only",
        "reference only (fossil generation; not a grid average)",
        "Fossil-fuel generation only; not a location-based grid average.",
    ),
}
# The earlier national-ETS factor is the only value for 2019-2020, and MEE prescribes it for
# enterprise accounting, so it serves as the CN grid average for those years; later ETS values
# stay under their own key so they never displace the MEE/NBS grid averages.
CN_ETS = "ets_power_sector_national_grid_average"
CN_ETS_AS_GRID = "2019-2020 (reported)"

# The notices the transcriptions copy (the transcriptions name the 2023 attachment; the 2021
# and 2022 notice pages are those recorded in sources/SOURCES-FOUND.md).
NOTICES = {
    2021: (
        "MEE/NBS notice 2024 No. 12 on the 2021 electricity CO2 emission factors (12 Apr 2024)",
        "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202404/t20240412_1070565.html",
    ),
    2022: (
        "MEE/NBS notice 2024 No. 33 on the 2022 electricity CO2 emission factors (Dec 2024)",
        "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202412/t20241226_1099413.html",
    ),
    2023: (
        "MEE/NBS notice 2025 No. 47 on the 2023 electricity CO2 emission factors (31 Dec 2025)",
        "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/W020251231726284332528.pdf",
    ),
}
TRANSCRIBERS = {
    JSON_2023: "zlw506/CarbonRag data/factors/electricity_cn_2023_official.json",
    JSON_2021_2022: "vquill/registration-anchored-adjudication p2u/ref_result.json",
}
# Values a transcription gives that are left out, and why (see SOURCES-FOUND.md).
EXCLUDED = {
    (2023, PROVINCIAL, "CN-XZ"): "Tibet 2023: equals the South-West grid's value (0.2472),"
    " likely the transcriber's fill-in; the 2021 and 2022 notices list no Tibet",
}
# electricity_cn_2023_official.json `method_type` → factor type (by region level).
JSON_TYPES = {
    ("location_based", "national"): NATIONAL,
    ("location_based", "grid_region"): REGIONAL,
    ("location_based", "province"): PROVINCIAL,
    ("market_based_residual", "national"): RESIDUAL,
    ("fossil_power", "national"): FOSSIL,
}


# ----------------------------------------------------------------------------------------------
# One value as each source gives it, and the agreement rule

Key = tuple[int, str, str]  # (data year, factor type, region code)


@dataclass(frozen=True)
class Quote:
    """One source's value for a key: china_grid.csv's row or a transcription's entry."""

    origin: str  # the file, relative to the reference folder
    value: Decimal  # kg CO2 per kWh
    ref: str  # where in the file: line, record id or list index
    grid_verified: bool = False  # china_grid.csv's own `verified`; False for transcriptions


@dataclass(frozen=True)
class Verdict:
    shipped: Quote
    verified: bool
    agreeing: tuple[Quote, ...]  # other sources with the shipped value
    disagreeing: tuple[Quote, ...]


def verdict(key: Key, quotes: list[Quote]) -> Verdict:
    """The value to ship for `key` and whether it is verified.

    china_grid.csv's value is shipped where it has one (it is the curated input), else the
    first transcription's. Verified only when a source from another file gives the same value.
    BuildError when a transcription contradicts a value china_grid.csv marks verified.
    """
    shipped = next((q for q in quotes if q.origin == GRID_FILE), quotes[0])
    others = [q for q in quotes if q is not shipped]
    agreeing = tuple(q for q in others if q.value == shipped.value and q.origin != shipped.origin)
    disagreeing = tuple(q for q in others if q.value != shipped.value)
    if shipped.grid_verified and disagreeing:
        found = "; ".join(f"{q.ref}: {q.value}" for q in disagreeing)
        raise BuildError(
            f"cn-mee-grid {key}: {shipped.ref} gives {shipped.value} (marked verified), but {found}"
        )
    return Verdict(shipped, bool(agreeing), agreeing, disagreeing)


# ----------------------------------------------------------------------------------------------
# Reading the three sources


def grid_key(r: Rec) -> Key | None:
    """The comparison key of a china_grid.csv row; None for rows no transcription covers."""
    if r["factor_type"] not in CN_TYPES or not r["data_year"].isdigit():
        return None
    return int(r["data_year"]), r["factor_type"], CN_REGIONS[r["region"]]


def grid_quotes(rows: list[tuple[int, Rec]]) -> dict[Key, Quote]:
    out: dict[Key, Quote] = {}
    for line, r in rows:
        key = grid_key(r)
        if key is None:
            continue
        if ZH_REGIONS.get(r["region_zh"]) != key[2]:
            raise BuildError(f"{GRID_FILE} line {line}: {r['region']} is not {r['region_zh']}")
        if r["value_unit"] != "kg CO2 per kWh (= t CO2 per MWh)" or r["gas"] != "CO2":
            raise BuildError(f"{GRID_FILE} line {line}: unexpected {r['gas']} {r['value_unit']}")
        if key in out:
            raise BuildError(f"{GRID_FILE} line {line}: {key} repeated")
        out[key] = Quote(
            GRID_FILE, Decimal(r["value"]), f"china_grid.csv line {line}", r["verified"] == "yes"
        )
    return out


def zh_code(name: str) -> str:
    """The code of a transcription's Chinese place name ('北京市', '华北区域', '全国')."""
    matches = [zh for zh in ZH_REGIONS if name.startswith(zh)]
    if len(matches) != 1:
        raise BuildError(f"no region for {name!r}")
    return ZH_REGIONS[matches[0]]


def json_2023_quotes(path: Path) -> dict[Key, Quote]:
    """electricity_cn_2023_official.json: national, regional and provincial 2023 values."""
    records = json.loads(path.read_text(encoding="utf-8"))["factor_records"]
    out: dict[Key, Quote] = {}
    for i, rec in enumerate(records):
        where = f"{path.name} factor_records[{i}] ({rec['factor_id']})"
        kind = JSON_TYPES.get((rec["method_type"], rec["region_level"]))
        if kind is None or rec["year"] != 2023:
            raise BuildError(f"{where}: unexpected {rec['method_type']} {rec['year']}")
        if (rec["factor_unit"], rec["activity_unit"]) != ("kgCO2/kWh", "kWh"):
            raise BuildError(f"{where}: unit {rec['factor_unit']}")
        code = rec["region_code"]
        # The record's code must be the place its Chinese name names.
        if kind in (NATIONAL, REGIONAL, PROVINCIAL) and zh_code(rec["region_name"]) != code:
            raise BuildError(f"{where}: {rec['region_name']} is not {code}")
        key = (2023, kind, code)
        if key in out:
            raise BuildError(f"{where}: {key} repeated")
        out[key] = Quote(JSON_2023, Decimal(repr(rec["factor_value"])), where)
    return out


def ref_result_quotes(path: Path) -> dict[Key, Quote]:
    """ref_result.json: `names` (the country, the regional grids, the provinces, in Chinese)
    with the 2021 (`f2021`) and 2022 (`f2022`) average factors at the same positions. The
    file's other keys are its project's experiment output, not factor data."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names: list[str] = data["names"]
    out: dict[Key, Quote] = {}
    for year in (2021, 2022):
        values = data[f"f{year}"]
        if len(values) != len(names):
            raise BuildError(f"{path.name}: f{year} has {len(values)} values for {len(names)}")
        for i, (name, value) in enumerate(zip(names, values, strict=True)):
            code = ZH_REGIONS.get(name)
            if code is None:
                raise BuildError(f"{path.name}: unknown region {name!r}")
            kind = NATIONAL if code == "CN" else REGIONAL if code in REGIONAL_GRIDS else PROVINCIAL
            key = (year, kind, code)
            if key in out:
                raise BuildError(f"{path.name}: {name} repeated")
            out[key] = Quote(JSON_2021_2022, Decimal(repr(value)), f"ref_result.json f{year}[{i}]")
    return out


@dataclass(frozen=True)
class Comparison:
    verdicts: dict[Key, Verdict]
    excluded: dict[Key, Quote]  # transcribed values left out (EXCLUDED)

    def disagreements(self) -> list[str]:
        return [
            f"{key}: shipped {v.shipped.value} ({v.shipped.ref});"
            + "".join(f" {q.ref} gives {q.value};" for q in v.disagreeing)
            for key, v in sorted(self.verdicts.items())
            if v.disagreeing
        ]


def compare(reference: Path, grid_rows: list[tuple[int, Rec]]) -> Comparison:
    """Every key any source gives, with its verdict."""
    quotes: dict[Key, list[Quote]] = {}
    excluded: dict[Key, Quote] = {}
    sources = (
        grid_quotes(grid_rows),
        json_2023_quotes(reference / JSON_2023),
        ref_result_quotes(reference / JSON_2021_2022),
    )
    for found in sources:
        for key, quote in found.items():
            if key in EXCLUDED and quote.origin != GRID_FILE:
                excluded[key] = quote
            else:
                quotes.setdefault(key, []).append(quote)
    return Comparison({key: verdict(key, qs) for key, qs in quotes.items()}, excluded)


# ----------------------------------------------------------------------------------------------
# Rows


def evidence(v: Verdict) -> str:
    """The note's sentence on how the value was checked."""
    if v.verified:
        text = f"Verified: {v.shipped.ref} and {', '.join(q.ref for q in v.agreeing)} agree."
    else:
        text = f"Unverified: {v.shipped.ref} is the only source of this value."
    if v.disagreeing:
        text += " Disagreeing: " + "; ".join(f"{q.ref} gives {q.value}" for q in v.disagreeing)
        text += "."
    return text


def factor_id(years: str, kind: str, region: str) -> str:
    return f"{CN}:{years}.{slug(kind, '-')}.{region.lower()}"


def grid_rows_out(rows: list[tuple[int, Rec]], verdicts: dict[Key, Verdict]) -> Iterator[FactorRow]:
    """china_grid.csv's rows, with `verified` set by the agreement rule."""
    for line, r in rows:
        kind = r["factor_type"]
        if kind == CN_ETS and r["data_year"] == CN_ETS_AS_GRID:
            activity, scope_use = "electricity.grid", LOCATION
            text = (
                "National-ETS grid factor that MEE prescribes for enterprise GHG accounting;"
                " used as the CN grid average for 2019-2020, which no MEE/NBS grid-average"
                " notice covers."
            )
        elif kind == CN_ETS:
            activity = "electricity.grid_ets"
            scope_use = "China national ETS compliance accounting (not the default grid factor)"
            text = "National-ETS power-sector grid factor; not a default inventory factor."
        else:
            activity, scope_use, text = CN_TYPES[kind]
        region = CN_REGIONS[r["region"]]
        start, end = year_span(r["data_year"])
        years = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
        key = grid_key(r)
        v = verdicts.get(key) if key is not None else None
        if v is None:  # no transcription covers it: a single source
            check = f"Unverified: china_grid.csv line {line} is the only source of this value."
            src = {**r, "verified": "no"}
        else:
            check = evidence(v)
            src = {**r, "verified": "yes" if v.verified else "no"}
        factor = Factor(
            CN,
            factor_id(years, kind, region),
            activity,
            region,
            start,
            end,
            scope_use,
            join(
                text,
                f"Data year {r['data_year']}; {r['region']} ({r['region_zh']}).",
                r["notes"],
                check,
            ),
        )
        value, unit = per_unit(r["value"], r["value_unit"], r["gas"])
        yield factor.row(src, r["gas"], value, unit, f"china_grid.csv line {line}; {r['notice']}")


def transcribed_rows(verdicts: dict[Key, Verdict]) -> Iterator[FactorRow]:
    """Values only the transcriptions give."""
    for (year, kind, region), v in sorted(verdicts.items()):
        q = v.shipped
        if q.origin == GRID_FILE:
            continue
        notice, url = NOTICES[year]
        activity, scope_use, text = CN_TYPES[kind]
        en, zh = NAMES[region]
        src = {
            "source": f"third-party transcription of the {notice}: {TRANSCRIBERS[q.origin]}",
            "edition": f"data year {year}",
            "source_url": url,
            "licence": LICENCE,
            "verified": "yes" if v.verified else "no",
        }
        factor = Factor(
            CN,
            factor_id(str(year), kind, region),
            activity,
            region,
            date(year, 1, 1),
            date(year, 12, 31),
            scope_use,
            join(text, f"Data year {year}; {en} ({zh}).", evidence(v)),
        )
        yield factor.row(src, "CO2", float(q.value), "kWh", f"{q.ref}; {notice}")


def read_grid(path: Path) -> list[tuple[int, Rec]]:
    """china_grid.csv's rows with the line each ends on (notes and refs cite rows by line)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def build(reference: Path) -> Iterator[FactorRow]:
    rows = read_grid(reference / GRID_FILE)
    verdicts = compare(reference, rows).verdicts
    yield from grid_rows_out(rows, verdicts)
    yield from transcribed_rows(verdicts)
