import csv
from pathlib import Path

import pandas as pd
import pytest

from lei_pipeline.errors import LeiError
from lei_pipeline.registry import EXPECTED_COUNTS, UNIT_TYPES, load_registry, project_code
from lei_pipeline.registry.load import check_digit_ok, default_registry_path

SHARED_SOURCE = Path("/work/shared/reference/serbia-lsgu/registry.csv")


def _raw_rows(path=None):
    with (path or default_registry_path()).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_counts_145_lsgus_and_30_city_municipalities(reg):
    counts = reg["unit_type"].value_counts().to_dict()
    assert counts == {"capital_city": 1, "city": 27, "municipality": 117, "city_municipality": 30}
    assert reg["respondent"].sum() == 145
    assert not reg.loc[reg["unit_type"] == "city_municipality", "respondent"].any()
    assert reg.loc[reg["unit_type"] == "capital_city", "name_latin"].tolist() == ["Beograd"]


def test_contract_columns_and_types(reg):
    assert list(reg.columns) == ["unit_code", "name_latin", "name_cyrillic", "unit_type", "parent_city",
                                 "district", "region", "population_2022", "population_source", "respondent"]
    assert str(reg["unit_code"].dtype) == "str"
    assert str(reg["population_2022"].dtype) == "Int64"
    assert reg["respondent"].dtype == bool
    assert set(reg["unit_type"]) <= set(UNIT_TYPES)
    assert reg["unit_code"].is_unique
    assert reg[["name_latin", "name_cyrillic", "district", "region"]].notna().all().all()


def test_city_municipalities_per_city(reg):
    per_city = reg.loc[reg["unit_type"] == "city_municipality", "parent_city"].value_counts().to_dict()
    assert per_city == {"Beograd": 17, "Niš": 5, "Novi Sad": 2, "Požarevac": 2, "Užice": 2, "Vranje": 2}
    assert reg.loc[reg["unit_type"] != "city_municipality", "parent_city"].isna().all()


def test_official_codes_kept_and_project_codes_only_for_uncoded_cities(reg):
    raw = {(r["name_latin"], r["type"], r["parent_city"]): r["code"] for r in _raw_rows()}
    for row in reg.itertuples():
        parent = row.parent_city if isinstance(row.parent_city, str) else ""
        source_code = raw[(row.name_latin, row.unit_type, parent)]
        if source_code:
            assert row.unit_code == source_code
            assert check_digit_ok(row.unit_code)
        else:
            assert row.unit_type in {"city", "capital_city"}
            assert row.unit_code == project_code(row.name_latin)
            assert row.unit_code.startswith("X-")
    projected = sorted(reg.loc[reg["unit_code"].str.startswith("X-"), "unit_code"])
    assert projected == ["X-BEOGRAD", "X-NIS", "X-NOVI-SAD", "X-POZAREVAC", "X-UZICE", "X-VRANJE"]


def test_check_digit_rule():
    assert check_digit_ok("70645")          # Kragujevac
    assert check_digit_ok("70190")          # remainder 1: check 10 is written 0
    assert not check_digit_ok("70646")
    assert not check_digit_ok("7064")


def test_population_never_invented(reg):
    raw = _raw_rows()
    given = {(r["name_latin"], r["type"], r["parent_city"] or None): int(r["population_2022"])
             for r in raw if r["population_2022"]}
    assert reg["population_2022"].notna().sum() == len(given)
    loaded = {(n, t, p if isinstance(p, str) else None): int(v)
              for n, t, p, v in zip(reg["name_latin"], reg["unit_type"], reg["parent_city"], reg["population_2022"])
              if pd.notna(v)}
    assert loaded == given
    # every figure carries its source; no source without a figure
    assert (reg["population_2022"].notna() == reg["population_source"].notna()).all()


@pytest.mark.skipif(not SHARED_SOURCE.exists(), reason="shared reference folder not present")
def test_repo_copy_is_the_shared_source():
    assert default_registry_path().read_bytes() == SHARED_SOURCE.read_bytes()


def _write(tmp_path, rows, name="registry.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_duplicate_code_is_rejected(tmp_path):
    rows = _raw_rows()
    ada = next(r for r in rows if r["name_latin"] == "Ada")
    senta = next(r for r in rows if r["name_latin"] == "Senta")
    senta["code"] = ada["code"]
    with pytest.raises(LeiError, match=f"duplicate unit_code {ada['code']}"):
        load_registry(_write(tmp_path, rows))


def test_missing_unit_breaks_the_count(tmp_path):
    rows = [r for r in _raw_rows() if r["name_latin"] != "Ada"]
    with pytest.raises(LeiError, match="expected 117 units of type municipality, found 116"):
        load_registry(_write(tmp_path, rows))


def test_bad_check_digit_and_uncoded_municipality_are_rejected(tmp_path):
    rows = _raw_rows()
    next(r for r in rows if r["name_latin"] == "Ada")["code"] = "80013"
    next(r for r in rows if r["name_latin"] == "Senta")["code"] = ""
    with pytest.raises(LeiError) as e:
        load_registry(_write(tmp_path, rows))
    assert "'80013' is not a valid 5-digit statistical code" in str(e.value)
    assert "Senta (municipality) has no statistical code" in str(e.value)


def test_orphan_city_municipality_is_rejected(tmp_path):
    rows = _raw_rows()
    next(r for r in rows if r["name_latin"] == "Zemun")["parent_city"] = "Zagreb"
    with pytest.raises(LeiError, match="parent_city not a city in the registry: Zagreb"):
        load_registry(_write(tmp_path, rows))


def test_small_registry_loads_without_count_check(tmp_path):
    rows = [r for r in _raw_rows() if r["district"] == "Severnobanatski"]
    path = _write(tmp_path, rows)
    with pytest.raises(LeiError):
        load_registry(path)
    small = load_registry(path, expected_counts=None)
    assert len(small) == len(rows) == 6
    assert EXPECTED_COUNTS["municipality"] == 117


def test_missing_file_is_a_lei_error(tmp_path):
    with pytest.raises(LeiError, match="registry file not found"):
        load_registry(tmp_path / "nope.csv")


def test_default_path_falls_back_to_repo_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("LEI_DATA_DIR", str(tmp_path))
    assert default_registry_path().exists()
    assert len(load_registry()) == len(_raw_rows())


def test_a_registry_is_parsed_once_per_content_and_each_caller_gets_its_own_frame(tmp_path, monkeypatch):
    import lei_pipeline.registry.load as load

    parsed = []
    real = load._parse_registry
    monkeypatch.setattr(load, "_parse_registry", lambda *a: parsed.append(1) or real(*a))
    path = tmp_path / "registry.csv"
    path.write_bytes(default_registry_path().read_bytes() + b"\n")   # bytes no other test has loaded
    first = load_registry(path)
    first["unit_type"] = "changed by a caller"
    second = load_registry(path)
    assert len(parsed) == 1
    assert second["unit_type"].value_counts().to_dict() == {
        "capital_city": 1, "city": 27, "municipality": 117, "city_municipality": 30}
    # other content, or other rules for the same content: parsed again
    path.write_bytes(path.read_bytes() + b"\n")
    load_registry(path)
    load_registry(path, expected_counts=None)
    assert len(parsed) == 3
    rows = _raw_rows(path)
    rows[0]["type"] = "province"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(LeiError, match=r"registry\.csv: registry is inconsistent: line 2: unknown type 'province'"):
        load_registry(path)


def test_every_problem_of_a_registry_is_named_by_line_in_line_order(tmp_path):
    header = "code,name_latin,name_cyrillic,type,parent_city,district,region,population_2022,population_source\n"
    body = (
        "80012,Ada,Ада,province,,D,R,100,census\n"          # 2: unknown type
        "80013,Bač,,municipality,,D,R,,\n"                   # 3: bad check digit, a name missing
        "\n"                                                 # blank: not a record, not counted
        ",Senta,Сента,municipality,Zemun,D,R,0,\n"           # 4: no code, parent given, population 0 without source
        "70017,Zemun,Земун,city_municipality,,D,R,12x,src\n"  # 5: no parent, population not a number
        "70106,Šid,Шид,municipality,,D\n"                     # 6: short row: the rest empty, no problem
        "70114,Beočin,Беочин,municipality,,D,R,15,src,extra\n"  # 7: an extra field is ignored
    )
    path = tmp_path / "registry.csv"
    path.write_text(header + body, encoding="utf-8")
    with pytest.raises(LeiError) as e:
        load_registry(path, expected_counts=None)
    listed = str(e.value).split("registry is inconsistent: ", 1)[1].split("; ")
    assert listed[:9] == [
        "line 2: unknown type 'province'",
        "line 3: a name is missing in one script",
        "line 3: '80013' is not a valid 5-digit statistical code",
        "line 4: Senta (municipality) has no statistical code",
        "line 4: parent_city must be given for city municipalities only",
        "line 4: population_2022 '0' is not a positive whole number",
        "line 4: population_2022 without a population_source",
        "line 5: parent_city must be given for city municipalities only",
        "line 5: population_2022 '12x' is not a positive whole number",
    ]


def test_short_and_long_rows_read_as_a_csv_reader_would(tmp_path):
    header = "code,name_latin,name_cyrillic,type,parent_city,district,region,population_2022,population_source\n"
    path = tmp_path / "registry.csv"
    path.write_text(header + "70106,Šid,Шид,municipality,,D\n70114,Beočin,Беочин,municipality,,D,R,15,src,extra\n",
                    encoding="utf-8")
    reg = load_registry(path, expected_counts=None)
    assert reg["unit_code"].tolist() == ["70106", "70114"]
    assert reg["region"].tolist() == ["", "R"]
    assert reg["population_2022"].tolist() == [pd.NA, 15]
    assert reg["population_source"].isna().tolist() == [True, False]
