"""Loading and checking the registry of Serbia's local governments.

data/reference/registry.csv is kept byte-for-byte as compiled (see data/reference/README.md),
so a refreshed source can be dropped in. The project-code rule and the contract column names
are applied here, on load."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lei_pipeline.errors import LeiError
from lei_pipeline.files import load_yaml, parsed_once
from lei_pipeline.collector import collector_paused
from lei_pipeline.registry.columns import read_columns
from lei_pipeline.registry.normalise import name_key
from lei_pipeline.settings import REPO_ROOT, Settings

from lei_pipeline.vocabulary import CITY_TYPES, UNIT_TYPES  # defined once for every part

# The structure of Serbia outside Kosovo and Metohija (Law on Territorial Organisation):
# 1 capital + 27 cities + 117 municipalities = 145 LSGUs, plus 30 city municipalities.
EXPECTED_COUNTS = {"capital_city": 1, "city": 27, "municipality": 117, "city_municipality": 30}

PROJECT_CODE_PREFIX = "X-"
# Codes of invented units in a synthetic registry (lei sample): S + six digits, never official.
SYNTHETIC_CODE = re.compile(r"S[0-9]{6}")

COLUMNS = ["unit_code", "name_latin", "name_cyrillic", "unit_type", "parent_city", "district",
           "region", "population_2022", "population_source", "respondent"]

_SOURCE_COLUMNS = ["code", "name_latin", "name_cyrillic", "type", "parent_city", "district",
                   "region", "population_2022", "population_source"]


def project_code(name_latin: str) -> str:
    """The project's own key for a unit without a statistical code (the six cities that are
    split into city municipalities). "X-" can never be mistaken for an official 5-digit code."""
    return PROJECT_CODE_PREFIX + name_key(name_latin).upper().replace(" ", "-")


CHECK_WEIGHTS = (5, 4, 3, 2)   # the RZS code's first four digits, for its mod-11 check digit


def check_digit_ok(code: str) -> bool:
    """RZS municipality codes: 4 digits plus a mod-11 check digit (weights CHECK_WEIGHTS)."""
    if len(code) != 5 or not code.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(code[:4], CHECK_WEIGHTS)) % 11
    check = 11 - remainder
    return (0 if check >= 10 else check) == int(code[4])


def default_registry_path() -> Path:
    # Reference data ships with the code: a data directory made for one run (LEI_DATA_DIR)
    # need not carry its own copy.
    path = Settings.from_env().registry_path
    return path if path.exists() else REPO_ROOT / "data" / "reference" / "registry.csv"


def registry_declaration(path: Path) -> dict:
    """What a registry says about itself in `<name>.yaml` beside it (absent: Serbia's registry,
    checked against EXPECTED_COUNTS and the check-digit rule). Keys: synthetic (true: codes
    S + six digits are accepted besides official ones), expected_counts ({unit_type: n}), note."""
    side = path.with_suffix(".yaml")
    if not side.is_file():
        return {}
    import yaml

    try:
        decl = load_yaml(side.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise LeiError(f"{side}: not a readable YAML file ({type(e).__name__})") from None
    unknown = set(decl) - {"synthetic", "expected_counts", "note"} if isinstance(decl, dict) else {"?"}
    counts = decl.get("expected_counts", {}) if not unknown else None
    if unknown or not isinstance(decl.get("synthetic", False), bool) or not isinstance(counts, dict) \
            or any(k not in UNIT_TYPES or not isinstance(v, int) or v < 0 for k, v in counts.items()):
        raise LeiError(f"{side}: expected synthetic: true|false, expected_counts: {{unit_type: count}} and note")
    return decl


def load_registry(path: str | Path | None = None, expected_counts: dict[str, int] | None = EXPECTED_COUNTS) -> pd.DataFrame:
    """The registry as a DataFrame with the contract columns (see COLUMNS).

    Raises LeiError when the file is missing or inconsistent. `expected_counts=None` skips the
    count check (for a small test registry). A registry may declare itself synthetic and its own
    counts in a file beside it (see registry_declaration)."""
    path = Path(path) if path is not None else default_registry_path()
    decl = registry_declaration(path)
    if expected_counts is EXPECTED_COUNTS and "expected_counts" in decl:
        expected_counts = decl["expected_counts"]
    synthetic = decl.get("synthetic", False)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LeiError(f"{path}: registry file not found") from None
    # Parsed once per content and rules in a process: a wave reads it for matching and again for
    # the snapshot's response-rate denominator (2 s each for a 100,000-unit registry). A copy is
    # handed out, so a caller's change never reaches the next caller.
    rules = f"registry expected_counts={expected_counts!r} synthetic={synthetic!r}"
    return parsed_once(rules, data, lambda raw, where: _parse_registry(raw, where, expected_counts, synthetic),
                       path).copy(deep=False)


def _parse_registry(data: bytes, path: Path, expected_counts: dict[str, int] | None, synthetic: bool) -> pd.DataFrame:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LeiError(f"{path}: registry is not UTF-8 ({e.reason} at byte {e.start})") from None
    header, records, col = read_columns(text, data, _SOURCE_COLUMNS)
    if not records:
        raise LeiError(f"{path}: registry has no rows")
    missing = [c for c in _SOURCE_COLUMNS if c not in header]
    if missing:
        raise LeiError(f"{path}: registry lacks column(s) {', '.join(missing)}")
    with collector_paused():   # a value per unit and column
        problems, codes = _checked_codes(col, synthetic)
    kind = col["type"]
    reg = pd.DataFrame({
        "unit_code": _text(codes), "name_latin": _text(col["name_latin"]),
        "name_cyrillic": _text(col["name_cyrillic"]), "unit_type": _text(kind),
        "parent_city": _text(col["parent_city"], empty_missing=True), "district": _text(col["district"]),
        "region": _text(col["region"]), "population_2022": _population(col["population_2022"]),
        "population_source": _text(col["population_source"], empty_missing=True),
        "respondent": pc.not_equal(kind, "city_municipality").to_numpy(zero_copy_only=False),
    }, columns=COLUMNS)
    problems += _consistency(reg, expected_counts)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise LeiError(f"{path}: registry is inconsistent: {shown}")
    return reg


def _text(values: pa.Array, empty_missing: bool = False) -> pd.Series:
    """A pandas str column (an empty value missing when empty_missing)."""
    if empty_missing:
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    return pd.Series(pd.array(values, dtype="str"))


def _population(values: pa.Array) -> pd.Series:
    """Whole numbers as Int64, anything else missing (what `int(p) if p.isdigit() else None` gives;
    the checks name what is not a positive whole number)."""
    plain = pc.match_substring_regex(values, "^[0-9]{1,18}$")
    if pc.all(pc.or_(plain, pc.equal(values, ""))).as_py():
        numbers = pc.cast(pc.if_else(plain, values, pa.scalar(None, pa.string())), pa.int64())
        return pd.Series(pd.array(numbers, dtype="Int64"))
    return pd.Series([int(p) if p.isdigit() else None for p in values.to_pylist()], dtype="Int64")


def _checked_codes(col: dict[str, pa.Array], synthetic: bool) -> tuple[list[str], pa.Array]:
    """(problems, unit codes): each record's problems in line order (line 2 is the first record),
    and its code (a project code for an uncoded city). Records that pass every rule in the
    vectorised test below are not looked at one by one; the others (and every uncoded one, whose
    code is made here) go through _record, which words the problems."""
    code, kind = col["code"], col["type"]
    five = pc.match_substring_regex(code, "^[0-9]{5}$")
    checked = np.zeros(len(code), bool)
    checked[five.to_numpy(zero_copy_only=False)] = _check_digits_ok(pc.filter(code, five))
    valid = pa.array(checked)
    if synthetic:
        valid = pc.or_(valid, pc.match_substring_regex(code, "^S[0-9]{6}$"))
    population = col["population_2022"]
    has_population = pc.not_equal(population, "")
    fine = pc.and_(valid, pc.is_in(kind, value_set=pa.array(list(UNIT_TYPES), pa.string())))
    for rule in (pc.not_equal(col["name_latin"], ""), pc.not_equal(col["name_cyrillic"], ""),
                 pc.equal(pc.equal(kind, "city_municipality"), pc.not_equal(col["parent_city"], "")),
                 pc.or_(pc.invert(has_population),
                        pc.and_(pc.match_substring_regex(population, "^0*[1-9][0-9]*$"),
                                pc.not_equal(col["population_source"], "")))):
        fine = pc.and_(fine, rule)
    problems: list[str] = []
    look = np.flatnonzero(~fine.to_numpy(zero_copy_only=False))
    if not len(look):
        return problems, code
    codes = code.to_pylist()
    names = ("code", "type", "name_latin", "name_cyrillic", "parent_city", "population_2022", "population_source")
    values = {n: col[n].take(pa.array(look)).to_pylist() for n in names}
    for j, i in enumerate(look):
        codes[i] = _record(int(i) + 2, *(values[n][j] for n in names), synthetic, problems)
    return problems, pa.array(codes, pa.string())


def _check_digits_ok(codes: pa.Array) -> np.ndarray:
    """check_digit_ok for codes of five ASCII digits, all at once."""
    if not len(codes):
        return np.zeros(0, bool)
    digits = np.frombuffer("".join(codes.to_pylist()).encode("ascii"), np.uint8).reshape(-1, 5).astype(np.int64) - 48
    check = 11 - (digits[:, :4] @ np.array(CHECK_WEIGHTS)) % 11
    return np.where(check >= 10, 0, check) == digits[:, 4]


def _record(line: int, code: str, kind: str, latin: str, cyrillic: str, parent: str, pop: str, source: str,
            synthetic: bool, problems: list[str]) -> str:
    """One record's problems, appended to problems in the order they are told; returns its code."""
    if kind not in UNIT_TYPES:
        problems.append(f"line {line}: unknown type {kind!r}")
    if not latin or not cyrillic:
        problems.append(f"line {line}: a name is missing in one script")
    if code:
        if not (check_digit_ok(code) or (synthetic and SYNTHETIC_CODE.fullmatch(code))):
            problems.append(f"line {line}: {code!r} is not a valid 5-digit statistical code")
    elif kind in CITY_TYPES:
        code = project_code(latin)
    else:
        problems.append(f"line {line}: {latin} ({kind}) has no statistical code")
    if (kind == "city_municipality") != bool(parent):
        problems.append(f"line {line}: parent_city must be given for city municipalities only")
    if pop and not (pop.isdigit() and int(pop) > 0):
        problems.append(f"line {line}: population_2022 {pop!r} is not a positive whole number")
    if pop and not source:
        problems.append(f"line {line}: population_2022 without a population_source")
    return code


def _consistency(reg: pd.DataFrame, expected_counts: dict[str, int] | None) -> list[str]:
    problems = []
    dup = reg.loc[reg["unit_code"].duplicated(keep=False), "unit_code"]
    if len(dup):
        problems.append(f"duplicate unit_code {', '.join(sorted(set(dup)))}")
    same = reg.duplicated(["name_latin", "unit_type", "parent_city"], keep=False)
    if same.any():
        problems.append(f"repeated unit {', '.join(sorted(set(reg.loc[same, 'name_latin'])))}")
    cities = set(reg.loc[reg["unit_type"].isin(CITY_TYPES), "name_latin"])
    orphans = set(reg["parent_city"].dropna()) - cities
    if orphans:
        problems.append(f"parent_city not a city in the registry: {', '.join(sorted(orphans))}")
    if expected_counts is not None:
        counts = reg["unit_type"].value_counts()
        for kind, n in expected_counts.items():
            if counts.get(kind, 0) != n:
                problems.append(f"expected {n} units of type {kind}, found {counts.get(kind, 0)}")
    return problems
