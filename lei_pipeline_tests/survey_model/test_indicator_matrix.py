"""The wide scoring path (IndicatorMatrix) against the long table it replaces on the critical
path: the same index, the same readings, the same validation failures."""
import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lei_pipeline.methodology import compose_index, score_indicators
from lei_pipeline.methodology import IndicatorMatrix, score_matrix
from lei_pipeline.schemas import Indicators, validate_table
from lei_pipeline.schemas.validate import validate_indicators
from lei_pipeline_tests.support.wave_tables import wave_tables


def _pivoted(ind: pd.DataFrame) -> pd.DataFrame:
    return (ind.pivot(index="unit_code", columns="indicator", values="value")
            .rename_axis(columns=None).reset_index())


def test_every_reading_reread_equals_scoring_again():
    t = wave_tables("2024")
    q, m = t.inputs.questionnaire, t.inputs.methodology
    mat = score_matrix(t.responses, q, m)
    for dk, blank, na in itertools.product(("zero", "missing"), ("none", "missing"), ("accepted", "refused")):
        reading = {"dont_know": dk, "blank": blank, "na": na}
        again = _pivoted(score_indicators(t.responses, q, m, reading=reading))
        pd.testing.assert_frame_equal(mat.wide(mat.reread(reading, m)), again[mat.wide().columns], check_exact=True)


def test_a_shuffled_table_is_pivoted_and_gives_the_same_index():
    t = wave_tables("2024")
    m = t.inputs.methodology
    assert IndicatorMatrix.from_long(t.indicators, m) is not None
    shuffled = t.indicators.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert IndicatorMatrix.from_long(shuffled, m) is None
    pd.testing.assert_frame_equal(compose_index(shuffled, t.inputs.registry, m), t.scores, check_exact=True)


@pytest.mark.parametrize("block", [None, 333, 1000], ids=["one-block", "block-333", "block-1000"])
def test_wide_validation_names_the_rows_the_long_validation_names(block, monkeypatch):
    from lei_pipeline.schemas import validate

    if block is not None:   # the values validated in blocks: failures in several, named by long row
        monkeypatch.setattr(validate, "VALUE_BLOCK_ROWS", block)
    t = wave_tables("2024")
    bad = t.indicators.copy()
    values = bad["value"].to_numpy(copy=True)
    values[[3, 200, 1500]] = [100.5, -1.0, np.inf]
    bad["value"] = values
    key = lambda r: (r["row"], r["check"])  # noqa: E731
    wide = sorted(validate_indicators(Indicators, bad, t.inputs.methodology), key=key)
    assert [r["row"] for r in wide] == [3, 200, 1500]
    assert wide == sorted(validate_table(Indicators, bad), key=key)
    assert validate_indicators(Indicators, t.indicators, t.inputs.methodology) == []


def test_the_matrix_feeds_the_index_change_and_uncertainty_as_the_long_table_does():
    from lei_pipeline.change.compare import compare
    from lei_pipeline.uncertainty import analyse_wave, load_spec

    t = wave_tables("2024")
    q, m, reg = t.inputs.questionnaire, t.inputs.methodology, t.inputs.registry
    mat = score_matrix(t.responses, q, m, registry=reg)
    long = mat.long()
    pd.testing.assert_frame_equal(compose_index(mat, reg, m), compose_index(long, reg, m), check_exact=True)
    # the change over a subset of indicators: the matrix's columns dropped as the long rows are
    prev = long.assign(wave="2023")
    dropped = m.indicators[0].code
    prev = prev[prev["indicator"] != dropped]
    args = dict(previous_wave="2023", previous_indicators=prev)
    a = compare("2024", mat, compose_index(mat, reg, m), m, reg, **args)
    b = compare("2024", long, compose_index(long, reg, m), m, reg, **args)
    assert a.indicators_compared == b.indicators_compared
    assert a.only_in_wave == b.only_in_wave == [dropped]
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    # the analysis re-reads the matrix instead of scoring again; same tables
    spec, _, _ = load_spec(m.path)
    scores = compose_index(mat, reg, m)
    kw = dict(replications=20, score_kwargs=dict(registry=reg))
    x = analyse_wave("2024", t.responses, mat, scores, q, m, spec, **kw).tables()
    y = analyse_wave("2024", t.responses, long, scores, q, m, spec, **kw).tables()
    for name in x:
        pd.testing.assert_frame_equal(x[name], y[name], check_exact=True)


def test_validating_the_matrix_names_the_long_rows():
    t = wave_tables("2024")
    m = t.inputs.methodology
    mat = score_matrix(t.responses, t.inputs.questionnaire, m)
    assert validate_indicators(Indicators, mat, m) == []
    k = len(mat.codes)
    mat.values[1, 2] = 101.0
    failures = validate_indicators(Indicators, mat, m)
    assert [(f["row"], f["column"]) for f in failures] == [(1 * k + 2, "value")]
    assert failures == validate_table(Indicators, mat.long())
    twice = mat.rows(np.array([0, 0, 1]))   # a unit twice: validated long, the duplicate named
    assert any(f["check"] == "multiple_fields_uniqueness" or "duplicate" in f["reason"]
               for f in validate_indicators(Indicators, twice, m))


def test_the_keys_as_categories_are_the_same_values_nulls_and_repeats_included():
    t = wave_tables("2024")
    mat = score_matrix(t.responses, t.inputs.questionnaire, t.inputs.methodology)
    codes = mat.unit_codes.to_pylist()
    codes[1], codes[2] = codes[0], None     # a repeated code and a missing one must survive as such
    mat.unit_codes = pa.array(codes, pa.string())
    cols = ["wave", "unit_code", "indicator", "value"]
    plain, coded = mat.long(cols), mat.long(cols, keys_as_categories=True)
    for c in ("wave", "unit_code", "indicator"):
        assert isinstance(coded[c].dtype, pd.CategoricalDtype)
        assert coded[c].astype(object).where(coded[c].notna(), None).tolist() == \
            plain[c].astype(object).where(plain[c].notna(), None).tolist(), c
    k = len(mat.codes)
    # unit 1 repeats unit 0's code; unit 2 has none
    assert (coded["unit_code"].cat.codes.iloc[k:2 * k].to_numpy() == coded["unit_code"].cat.codes.iloc[:k].to_numpy()).all()
    assert coded["unit_code"].iloc[2 * k:3 * k].isna().all()
    np.testing.assert_array_equal(coded["value"].to_numpy(), plain["value"].to_numpy())


def test_validating_the_matrix_names_a_unit_s_bad_wave_at_its_first_long_row():
    import pyarrow as pa

    t = wave_tables("2024")
    m = t.inputs.methodology
    mat = score_matrix(t.responses, t.inputs.questionnaire, m)
    k = len(mat.codes)
    waves = mat.waves.to_pylist()
    waves[2] = "2024 spring!"          # not a wave name (letters, digits, '-' and '_')
    mat.waves = pa.array(waves, pa.string())
    mat.values[0, 1] = -3.0
    failures = validate_indicators(Indicators, mat, m)
    assert sorted((f["row"], f["column"]) for f in failures) == [(1, "value"), (2 * k, "wave")]
    long = {(f["row"], f["column"]) for f in validate_table(Indicators, mat.long())}
    assert {(1, "value"), (2 * k, "wave")} <= long   # the long table names every row of that unit


def test_any_row_range_of_the_long_table_is_that_slice_of_it():
    """long_rows(start, stop) is long()'s rows start..stop - 1, whether the range starts and ends
    inside a unit's block of indicators or on its border, empty or reaching the end."""
    t = wave_tables("2024")
    mat = score_matrix(t.responses, t.inputs.questionnaire, t.inputs.methodology)
    whole, k = mat.long(), len(mat.codes)
    for start, stop in [(0, 0), (0, 1), (0, k), (k - 1, k + 1), (3, 5 * k + 7), (len(whole) - 2, len(whole)),
                        (0, len(whole)), (len(whole), len(whole))]:
        part = mat.long_rows(start, stop)
        pd.testing.assert_frame_equal(part, whole.iloc[start:stop].reset_index(drop=True))


def test_a_stored_matrix_reads_back_as_views_of_its_table_and_the_earlier_layout_still_reads():
    import json

    from lei_pipeline.methodology.matrix import MATRIX_KEY

    t = wave_tables("2024")
    mat = score_matrix(t.responses, t.inputs.questionnaire, t.inputs.methodology)
    table = mat.to_table()
    back = IndicatorMatrix.from_table(table)
    assert back.same_as(mat)
    # the values are the table's buffer, not a copy, and cannot be written through
    buffer = table.column("values").chunk(0).flatten().buffers()[1]
    assert back.values.ctypes.data == buffer.address and not back.values.flags.writeable
    assert IndicatorMatrix.from_table(mat.rows(np.arange(0)).to_table()).same_as(mat.rows(np.arange(0)))
    # a step's output stored before layout 2: value:, status: and trace: columns per indicator
    cols, names = [mat.waves, mat.unit_codes], ["wave", "unit_code"]
    for j, code in enumerate(mat.codes):
        cols += [pa.array(mat.values[:, j]), pa.array(mat.statuses[:, j]), mat.traces[j]]
        names += [f"value:{code}", f"status:{code}", f"trace:{code}"]
    about = {"codes": mat.codes, "components": mat.components, "reading": mat.reading, "traces": True}
    earlier = pa.Table.from_arrays(cols, names=names).replace_schema_metadata({MATRIX_KEY: json.dumps(about)})
    assert IndicatorMatrix.from_table(earlier).same_as(mat)


@pytest.mark.parametrize("methodology", [None, "lei-v1.yaml"], ids=["in-force", "v1"])
def test_scoring_on_threads_gives_the_matrix_scoring_in_turn_gives(methodology, monkeypatch):
    import threading

    from lei_pipeline.methodology import scoring

    t = wave_tables("2024", methodology)
    q, m, reg = t.inputs.questionnaire, t.inputs.methodology, t.inputs.registry
    in_turn = score_matrix(t.responses, q, m, registry=reg)
    seen = set()
    real = scoring._score

    def noted(ind, ctx):
        seen.add(threading.current_thread().name)
        return real(ind, ctx)

    monkeypatch.setattr(scoring, "_score", noted)
    monkeypatch.setattr(scoring, "THREADED_FROM_UNITS", 0)
    monkeypatch.setattr(scoring.os, "cpu_count", lambda: 2)
    on_threads = score_matrix(t.responses, q, m, registry=reg)
    assert seen and all(name.startswith("lei-scoring") for name in seen)
    assert on_threads.same_as(in_turn)
