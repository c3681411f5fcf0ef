"""The registry read by Arrow is the registry the csv module reads: the same frame, or the same
problems in the same words, for the real registry, a synthetic one and registries spoiled in the
ways a hand-edited CSV gets spoiled (registry/columns.py)."""
from __future__ import annotations

import csv
import io
import random

import pandas as pd

from lei_pipeline.errors import LeiError
from lei_pipeline.registry import columns, load
from lei_pipeline.registry.load import default_registry_path

ARROW_COLUMNS = columns._arrow_columns

HEADER = ["code", "name_latin", "name_cyrillic", "type", "parent_city", "district", "region",
          "population_2022", "population_source"]
TEXT = ["", " Ada ", "\x1cAda\x1f", "\u00a0Ada\u3000", "a,b", 'say "hi"', "Novi\nSad"]
SPOILS = {   # per column: values a hand-edited registry gets, valid and not
    "code": ["", "70106", "70107", "S123456", "X1", "\u0663" * 5, " 70106 "],
    "name_latin": TEXT, "name_cyrillic": TEXT, "district": TEXT, "region": TEXT,
    "type": ["city", "municipality", "city_municipality", "capital_city", "province", " city "],
    "parent_city": ["", "Beograd", " Niš "],
    "population_2022": ["", "0", "000", "007", "-5", "1.5", "\u0663", "12x", " 12 "],
    "population_source": ["", "census", " x "],
}


def _outcome(data: bytes, synthetic: bool, arrow: bool, monkeypatch) -> tuple:
    """(frame or None, error text or None, whether Arrow answered) for the registry bytes."""
    answered = []

    def arrow_or_not(data, wanted):
        out = ARROW_COLUMNS(data, wanted) if arrow else None
        answered.append(out is not None)
        return out

    monkeypatch.setattr(columns, "_arrow_columns", arrow_or_not)
    try:
        return load._parse_registry(data, "registry.csv", None, synthetic), None, answered[0]
    except LeiError as e:
        return None, str(e), answered[0]


def _same(data: bytes, synthetic: bool, monkeypatch) -> bool:
    fast, fast_error, arrow_read = _outcome(data, synthetic, True, monkeypatch)
    slow, slow_error, _ = _outcome(data, synthetic, False, monkeypatch)
    assert fast_error == slow_error, data
    if slow is not None:
        pd.testing.assert_frame_equal(fast, slow)
    return arrow_read, slow is not None


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def test_the_real_and_a_synthetic_registry_read_alike_and_arrow_reads_them(tmp_path, monkeypatch):
    from lei_pipeline.sample.data_dir import write_data_dir

    assert _same(default_registry_path().read_bytes(), False, monkeypatch) == (True, True)
    write_data_dir(tmp_path / "data", 2000, seed=3, wave="2024")
    assert _same((tmp_path / "data" / "reference" / "registry.csv").read_bytes(), True, monkeypatch) == (True, True)


def test_spoiled_registries_read_alike(monkeypatch):
    rng = random.Random(5)
    rows = list(csv.DictReader(io.StringIO(default_registry_path().read_text(encoding="utf-8"))))
    rows = [[r[c] for c in HEADER] for r in rows if r["type"] != "city_municipality"]   # no parent to miss
    arrow_read = frames = 0
    for case in range(600):
        picked = [list(r) for r in rng.sample(rows, 6)]
        for _ in range(rng.choice([0, 1, 1, 2])):       # a value spoiled here and there
            column = rng.randrange(len(HEADER))
            rng.choice(picked)[column] = rng.choice(SPOILS[HEADER[column]])
        if rng.random() < 0.1:
            rng.choice(picked).pop()                 # a short record
        if rng.random() < 0.1:
            rng.choice(picked).append("extra")       # a long record
        header = list(HEADER)
        if rng.random() < 0.1:
            header.append("type")                    # a repeated column: the last one counts
            for row in picked:
                row.append(rng.choice(["city", "municipality", ""]))
        text = _csv_text([header, *picked])
        if rng.random() < 0.1:
            text = text.replace("\r\n", "\r\n\r\n", 1)     # a blank line
        if rng.random() < 0.05:
            text = "\ufeff" + text                         # a byte-order mark
        if rng.random() < 0.05:
            text = text.replace('"', "", 1)                # a quote lost
        read, framed = _same(text.encode("utf-8"), rng.random() < 0.5, monkeypatch)
        arrow_read += read
        frames += framed
    assert arrow_read > 300 and frames > 200        # both readers compared, often on a whole frame


def test_a_record_arrow_cannot_read_goes_to_the_csv_module(monkeypatch):
    text = _csv_text([HEADER, ["70106", "Šid", "Шид", "municipality", "", "D"]])   # short: padded by csv
    assert _same(text.encode(), False, monkeypatch) == (False, True)


def test_arrow_strips_what_str_strip_strips_on_every_code_point():
    import sys

    import pyarrow as pa

    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    values = [c + "x" + c for c in chars] + chars
    assert columns._stripped(pa.array(values)).to_pylist() == [v.strip() for v in values]


def test_the_vectorised_checks_find_what_the_record_by_record_rules_find():
    """load._checked_codes tests every record at once and words only the suspect ones; the rules
    applied to every record one by one (load._record) must give the same problems and codes."""
    import pyarrow as pa

    rng = random.Random(11)
    rows = list(csv.DictReader(io.StringIO(default_registry_path().read_text(encoding="utf-8"))))
    rows = [[r[c] for c in HEADER] for r in rows]
    found = 0
    for case in range(400):
        picked = [list(r) for r in rng.sample(rows, 8)]
        for _ in range(rng.choice([0, 1, 2, 3])):
            column = rng.randrange(len(HEADER))
            rng.choice(picked)[column] = rng.choice(SPOILS[HEADER[column]]).strip()   # read values are stripped
        synthetic = rng.random() < 0.5
        col = {name: pa.array([r[i] for r in picked], pa.string()) for i, name in enumerate(HEADER)}
        problems, codes = load._checked_codes(col, synthetic)
        expected: list[str] = []
        expected_codes = [load._record(i + 2, *(r[HEADER.index(n)] for n in (
            "code", "type", "name_latin", "name_cyrillic", "parent_city", "population_2022", "population_source")),
            synthetic, expected) for i, r in enumerate(picked)]
        assert problems == expected and codes.to_pylist() == expected_codes, picked
        found += bool(problems)
    assert 100 < found < 400
