"""The Arrow fast path reads a CSV export exactly as the record scanner does, or declines."""
from __future__ import annotations

import sys

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


def _odd_quotes_by_hand(text: str, delimiter: str) -> bool:
    """The rule read plainly, character by character: every run of quotes with what is on each
    side of it (a separator, a line break or the file's end counts as an edge)."""
    if text.count('"') % 2:
        return True
    edge = lambda i: i < 0 or i >= len(text) or text[i] in (delimiter, "\r", "\n")  # noqa: E731
    i = 0
    while i < len(text):
        if text[i] != '"':
            i += 1
            continue
        j = i
        while j + 1 < len(text) and text[j + 1] == '"':
            j += 1
        length, left, right = j - i + 1, edge(i - 1), edge(j + 1)
        if not left and not right:
            return True            # a quote (or run) with ordinary characters on both sides
        if length > 1 and length % 2 == 0 and left != right:
            return True            # an empty quoted field touching an ordinary character
        i = j + 1
    return False


@pytest.mark.parametrize("block", [None, 1, 3], ids=["whole", "block-1", "block-3"])
def test_odd_quotes_agrees_with_the_rule_read_by_hand(block, monkeypatch):
    import random

    from lei_pipeline.survey.readers import csv_quotes
    from lei_pipeline.survey.readers.csv_quotes import odd_quotes

    if block is not None:   # cut into tiny blocks: runs and neighbours at every kind of cut
        monkeypatch.setattr(csv_quotes, "BLOCK_BYTES", block)
    rng = random.Random(17)
    for _ in range(4000):
        delimiter = rng.choice([",", ";", "\t"])
        text = "".join(rng.choice(['"', '"', delimiter, "\n", "\r", "a", "ž"]) for _ in range(rng.randint(0, 24)))
        assert odd_quotes(text.encode("utf-8"), delimiter) == _odd_quotes_by_hand(text, delimiter), repr(text)
    assert odd_quotes('id,name\n1,"Novi Sad"\n2,""\n'.encode(), ",") is False


def test_every_whitespace_character_is_in_the_blank_class():
    # the class stops at LAST_SPACE instead of scanning every code point at import
    from lei_pipeline.survey.readers.csv_quotes import LAST_SPACE

    assert chr(LAST_SPACE).isspace()
    assert not [hex(i) for i in range(LAST_SPACE + 1, sys.maxunicode + 1) if chr(i).isspace()]
