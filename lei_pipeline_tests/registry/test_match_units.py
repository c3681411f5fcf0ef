"""match_units: the rows of an export -> registry codes, one decision per distinct name and code."""
import pandas as pd
import pytest

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
    asked, looked_up = [], []

    class Counting:
        def exact_codes(self, names):
            looked_up.append(list(names))
            return lsgu_matcher.exact_codes(names)

        def match(self, name, **kw):
            asked.append(name)
            return lsgu_matcher.match(name, **kw)

    raw = _raw(["Ada", "Bor", "Ada", "Bor", "Ada", "xyzzy", "xyzzy"])
    problems = []
    codes = match_units(raw, reg, Counting(), problems)
    assert looked_up == [["Ada", "Bor", "xyzzy"]]   # registry spellings: a look-up, no decision
    assert asked == ["xyzzy"]
    assert codes.iloc[0] == codes.iloc[2] == codes.iloc[4] and codes.iloc[1] == codes.iloc[3]
    assert [p.row for p in problems] == [7, 8]  # every row with the unknown name says so


def test_no_rows(reg, lsgu_matcher):
    problems = []
    assert match_units(_raw([]), reg, lsgu_matcher, problems).empty and problems == []


def _every_spelling_and_code(reg) -> pd.DataFrame:
    """Each unit's names as the registry writes them and as people type them, with no code, its
    own code (also spaced), another unit's, a city municipality's and codes of no scheme."""
    names, codes = [], []
    municipality = reg.loc[reg["unit_type"] == "city_municipality", "unit_code"].iloc[0]
    for i, row in enumerate(reg.itertuples()):
        other = reg["unit_code"].iloc[(i + 1) % len(reg)]
        spellings = [row.name_latin, row.name_cyrillic, row.name_latin.replace("đ", "d"), f" {row.name_latin} ",
                     row.name_latin.lower(), f"{row.name_latin} (grad)", f"Grad {row.name_latin}",
                     f"{row.unit_code} {row.name_latin}"]
        given = [None, row.unit_code, f"{row.unit_code[:2]} {row.unit_code[2:]}", other, municipality, "ABC12",
                 "S000001", " "]
        for name in spellings:
            for code in given:
                names.append(name)
                codes.append(code)
    names += ["70645", "X-NOVI-SAD", "Palilula", "Vranje", "", None]
    codes += [None] * 6
    return _raw(names, codes)


def _plain_and_asked(raw, reg, matcher, monkeypatch):
    """match_units' (codes, problems) with the plain path, then with every name asked of the
    matcher; the two must be equal."""
    plain_problems: list = []
    plain = match_units(raw, reg, matcher, plain_problems)
    monkeypatch.setattr(type(matcher), "exact_codes", lambda self, names: [None] * len(names))
    asked_problems: list = []
    pd.testing.assert_series_equal(plain, match_units(raw, reg, matcher, asked_problems))
    assert plain_problems == asked_problems
    return plain, plain_problems


@pytest.mark.parametrize("respondents_only", [True, False])
def test_the_plain_path_decides_as_the_matcher_does(reg, matcher, lsgu_matcher, respondents_only, monkeypatch):
    """Names typed as the registry spells one responding unit are decided without asking the
    matcher (Matcher.exact_codes): every code and every problem as when the matcher decides all
    (with or without the matcher's preference for the responding unit of a shared name)."""
    m = lsgu_matcher if respondents_only else matcher
    raw = _every_spelling_and_code(reg)
    assert sum(c is not None for c in m.exact_codes(raw["respondent_name"].tolist())) > len(reg)
    codes, problems = _plain_and_asked(raw, reg, m, monkeypatch)
    assert codes.notna().sum() > len(reg) and len(problems) > len(reg)   # both kinds are there


def test_the_plain_path_decides_as_the_matcher_does_on_a_synthetic_registry(tmp_path, monkeypatch):
    from lei_pipeline.registry import Matcher, load_registry
    from lei_pipeline.sample.data_dir import write_data_dir

    write_data_dir(tmp_path / "data", 300, seed=7)
    reg = load_registry(tmp_path / "data" / "reference" / "registry.csv")
    _plain_and_asked(_every_spelling_and_code(reg), reg, Matcher(reg, respondents_only=True), monkeypatch)


def test_a_registry_name_that_reads_as_a_code_is_left_to_the_matcher(reg, monkeypatch):
    """A unit named like another unit's code ("80071", "X-Novi-Sad"): match() reads the code first,
    so the plain path must not take the name."""
    from lei_pipeline.registry import Matcher

    odd = reg.copy()
    respondents = odd.index[odd["respondent"]]
    odd.loc[respondents[0], "name_latin"] = odd.loc[respondents[5], "unit_code"]
    odd.loc[respondents[1], "name_latin"] = "X-Novi-Sad"
    odd.loc[respondents[2], "name_latin"] = f"{odd.loc[respondents[6], 'unit_code']} Neko Mesto"
    _plain_and_asked(_every_spelling_and_code(odd), odd, Matcher(odd, respondents_only=True), monkeypatch)
