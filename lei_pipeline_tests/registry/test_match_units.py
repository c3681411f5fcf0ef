"""match_units: the rows of an export -> registry codes, one decision per distinct name and code."""
import pandas as pd

from lei_pipeline.problems import ERROR, WARNING, problems_frame
from lei_pipeline.registry.identify import match_units


def _raw(names, codes=None):
    n = len(names)
    index = pd.RangeIndex(10, 10 + n)
    return pd.DataFrame({"source_file": ["wave2024.xlsx"] * n, "source_row": range(2, n + 2),
                         "respondent_name": pd.Series(names, dtype="str", index=index),
                         "respondent_code": pd.Series(codes or [None] * n, dtype="str", index=index)}, index=index)


def test_codes_and_problems_row_by_row(reg, lsgu_matcher):
    raw = _raw(["Opština Ada", "Kragujevc", "Palilula", "xyzzy", None, "70645", "Palilula", "Ada"],
               [None, None, None, None, None, None, None, "70645"])
    problems = []
    codes = match_units(raw, reg, lsgu_matcher, problems)

    ada = reg.loc[reg["name_latin"] == "Ada", "unit_code"].item()
    kg = reg.loc[reg["name_latin"] == "Kragujevac", "unit_code"].item()
    assert list(codes.index) == list(raw.index)
    assert codes.tolist()[:2] == [ada, kg] and codes.tolist()[5] == kg
    assert codes.iloc[[2, 3, 4, 6, 7]].isna().all()

    assert [p.row for p in problems] == [3, 4, 5, 6, 8, 9]
    by_row = {p.row: p for p in problems}
    assert all(p.file == "wave2024.xlsx" and p.kind == "match" for p in problems)
    assert by_row[3].severity == WARNING and by_row[3].value == "Kragujevc" and "Kragujevac" in by_row[3].reason
    assert by_row[4].severity == ERROR and by_row[4].reason.startswith("'Palilula' is ambiguous:")
    assert by_row[4].reason.endswith("row not used") and by_row[8].reason == by_row[4].reason
    assert by_row[5].value == "xyzzy" and by_row[5].reason.startswith("no local government matches 'xyzzy'")
    assert by_row[6].value is None and by_row[6].severity == ERROR
    assert by_row[9].column == "JLS" and "name and code disagree" in by_row[9].reason
    assert "row 5, column JLS" in by_row[5].describe()
    assert len(problems_frame(problems)) == 6


def test_each_distinct_name_and_code_decided_once(reg, lsgu_matcher):
    asked = []

    class Counting:
        def match(self, name, **kw):
            asked.append(name)
            return lsgu_matcher.match(name, **kw)

    raw = _raw(["Ada", "Bor", "Ada", "Bor", "Ada", "xyzzy", "xyzzy"])
    problems = []
    codes = match_units(raw, reg, Counting(), problems)
    assert sorted(asked) == ["Ada", "Bor", "xyzzy"]
    assert codes.iloc[0] == codes.iloc[2] == codes.iloc[4] and codes.iloc[1] == codes.iloc[3]
    assert [p.row for p in problems] == [7, 8]  # every row with the unknown name says so


def test_no_rows(reg, lsgu_matcher):
    problems = []
    assert match_units(_raw([]), reg, lsgu_matcher, problems).empty and problems == []
