import pandas as pd

from lei_pipeline.problems import ERROR, WARNING, problems_frame


def test_match_frame_codes_statuses_and_problems(reg, matcher):
    names = pd.Series(["Opština Ada", "Kragujevc", "Palilula", "xyzzy", None, "70645", "Palilula"],
                      index=[10, 11, 12, 13, 14, 15, 16])
    rows = pd.Series([2, 3, 4, 5, 6, 7, 8], index=names.index)
    parents = pd.Series([None, None, None, None, None, None, "Niš"], index=names.index)
    codes, statuses, problems = matcher.match_frame(names, "wave2024.xlsx", rows, parents=parents)

    ada = reg.loc[reg["name_latin"] == "Ada", "unit_code"].item()
    kg = reg.loc[reg["name_latin"] == "Kragujevac", "unit_code"].item()
    nis_palilula = reg.loc[(reg["name_latin"] == "Palilula") & (reg["parent_city"] == "Niš"), "unit_code"].item()
    assert list(codes.index) == list(names.index)
    assert codes.tolist()[:2] == [ada, kg] and codes.tolist()[5:] == [kg, nis_palilula]
    assert codes.iloc[2:5].isna().all()
    assert statuses.tolist() == ["exact", "fuzzy", "ambiguous", "unmatched", "unmatched", "code", "exact"]

    by_row = {p.row: p for p in problems}
    assert sorted(by_row) == [3, 4, 5, 6]
    assert all(p.file == "wave2024.xlsx" and p.column == "JLS" and p.kind == "match" for p in problems)
    assert by_row[3].severity == WARNING and by_row[3].value == "Kragujevc" and "Kragujevac" in by_row[3].reason
    assert by_row[4].severity == ERROR and by_row[4].reason.startswith("'Palilula' is ambiguous:")
    assert "give the parent city" in by_row[4].reason
    assert by_row[5].reason == "no local government matches 'xyzzy'"
    assert by_row[6].value is None and by_row[6].severity == ERROR
    assert "row 5, column JLS" in by_row[5].describe()
    assert len(problems_frame(problems)) == 4


def test_match_frame_with_types(reg, matcher):
    names = pd.Series(["Vranje", "Vranje", "Vranje"])
    types = pd.Series(["city", "city_municipality", None])
    codes, statuses, problems = matcher.match_frame(names, "f.csv", pd.Series([2, 3, 4]), types=types)
    assert codes.iloc[0] == "X-VRANJE"
    assert codes.iloc[1] == reg.loc[(reg["name_latin"] == "Vranje") & (reg["parent_city"] == "Vranje"), "unit_code"].item()
    assert statuses.iloc[2] == "ambiguous" and [p.row for p in problems] == [4]


def test_match_frame_empty(matcher):
    codes, statuses, problems = matcher.match_frame(pd.Series([], dtype="str"), "f.csv", pd.Series([], dtype="int64"))
    assert len(codes) == len(statuses) == 0 and problems == []
