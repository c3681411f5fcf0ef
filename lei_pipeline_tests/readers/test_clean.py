"""clean_responses: matching, duplicates, typing, quarantine; messages name file, row, column."""
from __future__ import annotations

import pandas as pd
import pytest

from lei_pipeline.problems import ERROR, WARNING
from lei_pipeline.schemas import CleanResponses, RawResponses, validate_table
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export

from lei_pipeline_tests.support.lime_exports import HEADER, ROWS, lime_csv


def run(write, mini, registry, rows, header=HEADER, name="r.csv", wave="2024"):
    raw = read_export(write(name, lime_csv(header=header, rows=rows)), mini, wave=wave)
    assert validate_table(RawResponses, raw.frame) == []
    return clean_responses(raw.frame, mini, registry, wave)


def row(**kw):
    r = dict(zip(HEADER, ROWS[0]))
    r.update(kw)
    return [r[h] for h in HEADER]


def test_typed_output(write, mini, registry):
    c = run(write, mini, registry, ROWS)
    assert c.errors == []
    f = c.frame
    assert validate_table(CleanResponses, f) == []
    assert list(f["unit_name"]) == ["Čačak", "Kraljevo", "Subotica"]
    assert set(f["unit_type"]) == {"city"} and (f["wave"] == "2024").all()
    assert f["INF01"].tolist() == ["Y", "N", "DK"]
    assert str(f["SRV01[SQ001]"].dtype) == "boolean"
    assert f["SRV01[SQ001]"].iloc[0] == True and f["SRV01[SQ002]"].iloc[0] == False  # noqa: E712
    assert f["SRV01[SQ001]"].iloc[2] == False and f["SRV01[SQ002]"].iloc[2] == True  # noqa: E712
    # a complete submission with the whole question blank ticked nothing (methodology v2): False, not missing
    assert f["SRV01[SQ001]"].isna().tolist() == [False, False, False]
    assert not f.loc[1, ["SRV01[SQ001]", "SRV01[SQ002]", "SRV01[SQ003]"]].any()
    assert f["HR01"].tolist() == [12.0, 3.0, 0.0]
    assert f["DOC01"].dtype == "datetime64[ns]" and f["DOC01"].iloc[0] == pd.Timestamp("2024-01-15")
    assert f["NOTE01"].iloc[0] == "ok"


def test_unknown_answer_code(write, mini, registry):
    c = run(write, mini, registry, [row(INF02="A9")], name="codes.csv")
    (e,) = c.errors
    d = e.describe()
    assert "codes.csv" in d and "row 2" in d and "column INF02" in d and "'A9'" in d
    assert "allowed codes are A1, A2, A3" in d
    assert pd.isna(c.frame["INF02"].iloc[0])


def test_yes_no_synonym_and_unknown(write, mini, registry):
    c = run(write, mini, registry, [row(INF01="Da"), row(JLS="Kraljevo", INF01="možda")])
    assert c.frame["INF01"].iloc[0] == "Y"
    (e,) = c.errors
    assert e.row == 3 and e.column == "INF01" and "not a yes/no answer" in e.reason


def test_numbers_thousands_units_and_range(write, mini, registry):
    rows = [row(HR01="1.234,5"), row(JLS="Kraljevo", HR01="1,234.5"), row(JLS="Subotica", HR01="1 234"),
            row(JLS="Niš", HR01="12 zaposlenih", HR02="120"), row(JLS="Beograd", HR01="-4", HR02="45,5%")]
    c = run(write, mini, registry, rows, name="num.csv")
    assert c.errors == []
    assert c.frame["HR01"].tolist()[:4] == [1234.5, 1234.5, 1234.0, 12.0]
    assert pd.isna(c.frame["HR01"].iloc[4]) and pd.isna(c.frame["HR02"].iloc[3])
    assert c.frame["HR02"].iloc[4] == 45.5
    w = {(p.row, p.column): p for p in c.problems if p.severity == WARNING}
    assert "text after the number ignored" in w[(5, "HR01")].reason
    assert "out of range 0..100" in w[(5, "HR02")].reason and "quarantined" in w[(5, "HR02")].reason
    assert "out of range 0..5000" in w[(6, "HR01")].describe() and "num.csv" in w[(6, "HR01")].describe()


def test_three_date_formats(write, mini, registry):
    rows = [row(DOC01="2024-01-15"), row(JLS="Kraljevo", DOC01="15.01.2024."), row(JLS="Subotica", DOC01="15/01/2024"),
            row(JLS="Niš", DOC01="02/03/2024"), row(JLS="Beograd", DOC01="nije usvojen")]
    c = run(write, mini, registry, rows, name="dates.csv")
    d = c.frame["DOC01"]
    assert d.iloc[:3].tolist() == [pd.Timestamp("2024-01-15")] * 3
    assert d.iloc[3] == pd.Timestamp("2024-03-02") and pd.isna(d.iloc[4])
    w = {p.row: p for p in c.problems if p.column == "DOC01"}
    assert "ambiguous date" in w[5].reason and w[5].severity == WARNING
    assert "not a date" in w[6].reason and "dates.csv" in w[6].describe()


def test_multiple_choice_bad_tick(write, mini, registry):
    c = run(write, mini, registry, [row(**{"SRV01[SQ002]": "maybe"})])
    (e,) = c.errors
    assert e.column == "SRV01[SQ002]" and e.row == 2 and "not a tick" in e.reason


def test_unmatched_and_ambiguous_names(write, mini, registry):
    c = run(write, mini, registry, [row(JLS="Atlantida"), row(JLS="Palilula"), row(JLS="Kraljevo")], name="names.csv")
    errs = {e.row: e for e in c.errors}
    assert set(errs) == {2, 3}
    assert errs[2].column == "JLS" and errs[2].value == "Atlantida" and "names.csv" in errs[2].describe()
    assert "ambiguous" in errs[3].reason
    assert c.frame["unit_code"].tolist() == ["70653"]


def test_jls_code_and_name_must_agree(write, mini, registry):
    """Issue 16: a name that names another unit than its code blocks (naming both); a code outside
    the registry never falls back to the name; a code with an unrecognised name decides."""
    c = run(write, mini, registry, [row(JLS="Kraljevo", JLS_CODE="71242"), row(JLS="Subotica", JLS_CODE="99999"),
                                    row(JLS="Opštinska uprava", JLS_CODE="71242")])
    assert c.frame["unit_name"].tolist() == ["Čačak"]
    ms = {p.row: p for p in c.problems if p.kind == "match"}
    assert ms[2].severity == "error" and "name and code disagree: the name is Kraljevo" in ms[2].reason
    assert "JLS_CODE 71242 is Čačak (71242)" in ms[2].reason
    assert ms[3].severity == "error" and ms[3].column == "JLS_CODE" and "row not used" in ms[3].reason
    assert ms[4].severity == "warning" and "JLS_CODE 71242 identifies Čačak (71242)" in ms[4].reason


def test_duplicate_submissions(write, mini, registry):
    rows = [
        row(id="1", submitdate="2024-03-02 10:00:00", INF01="N"),          # complete, later date: kept
        row(id="2", submitdate="2024-03-01 10:00:00", INF01="Y"),          # complete, earlier: dropped
        row(id="3", submitdate="", INF01="DK"),                           # incomplete, last row: dropped
        row(id="4", JLS="Kraljevo", submitdate="", INF01="Y"),            # only incomplete: kept + warning
        row(id="5", JLS="Subotica", submitdate="1980-01-01 00:00:00", INF01="Y"),
        row(id="6", JLS="Subotica", submitdate="1980-01-01 00:00:00", INF01="N"),  # no dates: later row wins
    ]
    c = run(write, mini, registry, rows, name="dup.csv")
    f = c.frame.set_index("unit_name")
    assert len(c.frame) == 3 and c.frame["unit_code"].is_unique
    assert f.loc["Čačak", "INF01"] == "N" and f.loc["Čačak", "source_row"] == 2
    assert f.loc["Subotica", "INF01"] == "N" and f.loc["Subotica", "source_row"] == 7
    assert f.loc["Kraljevo", "complete"] == False  # noqa: E712
    dec = c.decisions.set_index("unit_code")
    assert dec.loc["71242", "kept_row"] == 2 and dec.loc["71242", "dropped_rows"] == "3, 4"
    assert dec.loc["71242", "reason"] == "later submit date"
    subotica = registry.loc[registry["name_latin"] == "Subotica", "unit_code"].item()
    assert "later row" in dec.loc[subotica, "reason"] and dec.loc[subotica, "dropped_rows"] == "6"
    dropped = [p for p in c.problems if p.kind == "duplicate" and "dropped" in p.reason]
    assert sorted(p.row for p in dropped) == [3, 4, 6]
    assert all("dup.csv" in p.describe() and p.severity == WARNING for p in dropped)
    assert any(p.row == 5 and "incomplete response" in p.reason for p in c.problems)


def test_complete_beats_incomplete_even_when_earlier(write, mini, registry):
    rows = [row(id="1", submitdate="2024-03-01 10:00:00", INF01="Y"), row(id="2", submitdate="", INF01="N")]
    c = run(write, mini, registry, rows)
    assert c.frame["INF01"].tolist() == ["Y"]
    assert c.decisions["reason"].tolist() == ["complete response beats incomplete"]
