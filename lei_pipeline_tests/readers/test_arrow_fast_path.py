"""The Arrow fast path reads a CSV export exactly as the record scanner does, or declines."""
from __future__ import annotations

import pytest

from lei_pipeline.survey.readers import csv_table
from lei_pipeline.survey.readers._arrow_csv import ArrowRows

HEAD = '"id","submitdate","JLS","STR01"\r\n'
CASES = {
    "limesurvey": HEAD + '"1","2024-03-01 10:00:00","Ada","Y"\r\n"2","","Bor",""\r\n',
    "null_and_empty": '"id",JLS,STR01\n1,Ada,\n2,"",""\n',
    "multiline_value": HEAD + '"1","2024-03-01","Novi\nSad","Y"\r\n"2","","Bor","N"\r\n',
    "blank_record_counted": HEAD + '"1","","Ada","Y"\r\n,,,\r\n"3","","Bor","N"\r\n',
    "whitespace_record": HEAD + '"1","","Ada","Y"\r\n" ",,"\u00a0",\r\n"3","","Bor","N"\r\n',
    "trailing_blank_lines": HEAD + '"1","","Ada","Y"\r\n\r\n\r\n',
    "blank_line_between": HEAD + '"1","","Ada","Y"\r\n\r\n"3","","Bor","N"\r\n',
    "semicolon_bom": "\ufeffid;JLS;STR01\n1;Čačak;12,5\n2;Ниш;\n",
    "sep_line": "sep=;\nid;JLS;STR01\n1;Ada;1\n",
    "tab": "id\tJLS\tSTR01\n1\tAda\tY\n",
    "escaped_quote": HEAD + '"1","","He said ""hi""","Y"\r\n',
    "quote_inside_unquoted": 'id,JLS,STR01\n1,Ad"a,Y\n2,a""b,N\n',
    "text_after_closing_quote": 'id,JLS,STR01\n1,"Ada"x,Y\n',
    "ragged": HEAD + '"1","","Ada"\r\n"2","","Bor","N"\r\n',
    "trailing_separator": "id;JLS;STR01\n1;Ada;Y;\n",
    "unterminated": HEAD + '"1","","Ada","Y\r\n',
    "lone_cr": 'id,JLS,STR01\r1,Ada,Y\r2,Bor,N\r',
    "header_only": HEAD,
    "mixed_delimiters": "id,JLS,STR01\n1;Ada;Y\n2,Bor,N\n",
}
FAST = {"limesurvey", "null_and_empty", "multiline_value", "blank_record_counted", "whitespace_record",
        "trailing_blank_lines", "blank_line_between", "semicolon_bom", "sep_line", "tab", "lone_cr", "header_only"}


def _read(path, fast: bool, monkeypatch):
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(csv_table, "read_fast", lambda *a: None)
        try:
            t = csv_table.read_csv_table(path)
        except Exception as e:  # both must fail the same way
            return type(e).__name__, str(e), None
    rows = t.rows
    used = isinstance(rows, ArrowRows)
    if used:
        rows = list(zip(rows.numbers, map(list, zip(*[c.to_pylist() for c in rows.columns])))) if len(rows) else []
    return (t.headers, [(n, list(v)) for n, v in rows], [p.describe() for p in t.problems], t.encoding,
            t.delimiter), None, used


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_reads_as_the_scanner_or_declines(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(CASES[name].encode("utf-8"))
    fast = _read(path, True, monkeypatch)
    slow = _read(path, False, monkeypatch)
    assert fast[:2] == slow[:2]
    assert fast[2] is (name in FAST) or fast[2] is None
