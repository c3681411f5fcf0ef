"""Frames between wave assets: Arrow IPC (memory-mapped) for typed frames, pickle otherwise."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lei_pipeline.defs.io_manager import ARROW_MAGIC, read_frame, write_frame
from lei_pipeline.problems import Problem
from lei_pipeline.survey.readers import RawExport


def typed_frame(n: int = 6, seed: int = 0) -> pd.DataFrame:
    """Every dtype the wave assets produce, each with missing values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "unit_code": pd.Series([f"7{i:04d}" for i in range(n)], dtype="str"),
        "name": pd.Series(["Čačak", "Ниш", None, "Novi Sad", "<script>", ""] * (n // 6), dtype="str"),
        "value": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0, 100, n)),
        "rank": pd.Series([1, 2, None, 4, 5, 6] * (n // 6), dtype="Int64"),
        "ticked": pd.Series([True, False, None, True, False, True] * (n // 6), dtype="boolean"),
        "complete": np.arange(n) % 2 == 0,
        "source_row": np.arange(n, dtype="int64") + 2,
        "submitted_at": pd.to_datetime(["2024-03-01T00:00:00", None, "2024-03-02T10:00:00", "2024-03-04T00:00:00", None, "2024-03-05T00:00:00"]
                                       * (n // 6)).astype("datetime64[ns]"),
    })
    return frame


def test_typed_frames_round_trip_through_arrow(tmp_path):
    path = str(tmp_path / "frame.arrow")
    frame = typed_frame()
    assert write_frame(frame, path) == "arrow"
    assert open(path, "rb").read(len(ARROW_MAGIC)) == ARROW_MAGIC
    pd.testing.assert_frame_equal(read_frame(path), frame)


def test_the_export_as_read_travels_with_its_header_texts(tmp_path):
    path = str(tmp_path / "raw.arrow")
    raw = RawExport(frame=typed_frame(), problems=[Problem("f.csv", 2, "STR01", "x", "reported by the raw asset")],
                    fmt="xlsx", headers={"STR01": "Ima li strategiju?"}, encoding=None)
    assert write_frame(raw, path) == "arrow"
    back = read_frame(path)
    assert isinstance(back, RawExport)
    pd.testing.assert_frame_equal(back.frame, raw.frame)
    assert (back.fmt, back.headers, back.encoding, back.problems) == ("xlsx", {"STR01": "Ima li strategiju?"}, None, [])


def test_a_non_default_index_survives(tmp_path):
    path = str(tmp_path / "frame.arrow")
    frame = typed_frame().set_index("source_row")
    assert write_frame(frame, path) == "arrow"
    pd.testing.assert_frame_equal(read_frame(path), frame)


def test_object_columns_and_other_objects_are_pickled(tmp_path):
    mixed = pd.DataFrame({"answer": pd.Series([True, 3, "x", None], dtype=object)})
    path = str(tmp_path / "mixed.arrow")
    assert write_frame(mixed, path) == "pickle"
    pd.testing.assert_frame_equal(read_frame(path), mixed)
    assert write_frame({"not": "a frame"}, path) == "pickle"
    assert read_frame(path) == {"not": "a frame"}


def test_rewriting_never_changes_a_frame_already_read(tmp_path):
    """A step may still hold a memory-mapped frame when a later run rewrites the same output."""
    path = str(tmp_path / "frame.arrow")
    first = typed_frame(600, seed=1)
    write_frame(first, path)
    held = read_frame(path)
    second = typed_frame(600, seed=2)
    write_frame(second, path)
    pd.testing.assert_frame_equal(held, first)
    pd.testing.assert_frame_equal(read_frame(path), second)
    assert [p.name for p in tmp_path.iterdir()] == ["frame.arrow"], "no temporary file left behind"


def test_the_scored_matrix_travels_wide_and_gives_the_same_long_table(tmp_path):
    from lei_pipeline.methodology import score_matrix
    from lei_pipeline.methodology.matrix import IndicatorMatrix
    from lei_pipeline_tests.support.wave_tables import wave_tables

    t = wave_tables("2024")
    mat = score_matrix(t.responses, t.inputs.questionnaire, t.inputs.methodology)
    path = str(tmp_path / "indicators.arrow")
    assert write_frame(mat, path) == "arrow"
    back = read_frame(path)
    assert isinstance(back, IndicatorMatrix)
    # a row per unit on disk, not a row per unit and indicator
    import pyarrow as pa
    assert pa.ipc.open_file(pa.memory_map(path, "r")).read_all().num_rows == mat.units == len(t.responses)
    assert (back.codes, back.components, back.reading) == (mat.codes, mat.components, mat.reading)
    pd.testing.assert_frame_equal(back.long(), t.indicators, check_exact=True)
    np.testing.assert_array_equal(back.statuses, mat.statuses)
    # the traces are read in place from the memory-mapped file, not copied: a matrix read before
    # the file is written again (a re-run) keeps what it read
    write_frame(score_matrix(t.responses.iloc[:3], t.inputs.questionnaire, t.inputs.methodology), path)
    assert read_frame(path).units == 3
    pd.testing.assert_frame_equal(back.long(), t.indicators, check_exact=True)


def test_a_later_step_gets_from_memory_exactly_what_the_file_holds(instance, resources, monkeypatch):
    """A wave run keeps its small outputs in memory for the later steps. On every output of a
    sample wave (the workbook export, its cleaned responses, the scores, the change), what a step
    is handed from memory equals what it would read from the file, dtypes and index included;
    and a step that changes its copy changes neither the kept frame nor the next step's copy."""
    from pathlib import Path

    from lei_pipeline.defs import io_manager as io
    from lei_pipeline.defs.run_waves import materialize_wave

    compared: dict[str, str] = {}
    write = io._ArrowFrames.handle_output

    def checked_write(self, context, obj):
        write(self, context, obj)
        path = self._path(context)
        if path not in self._kept:
            return
        from_file, kept = read_frame(str(path)), io.as_read(self._kept[path][1])
        if isinstance(kept, RawExport):
            assert (kept.fmt, kept.headers, kept.encoding, kept.problems) == \
                (from_file.fmt, from_file.headers, from_file.encoding, from_file.problems)
            kept, from_file = kept.frame, from_file.frame
        pd.testing.assert_frame_equal(kept, from_file, check_exact=True, check_index_type=True,
                                      check_column_type=True, check_flags=True)
        assert kept.attrs == from_file.attrs == {}
        # a step's change to its copy stays its own
        first = kept.columns[0]
        kept[first] = kept[first].iloc[::-1].to_numpy()
        kept["added_by_a_step"] = 1
        again = io.as_read(self._kept[path][1])
        pd.testing.assert_frame_equal(getattr(again, "frame", again), from_file, check_exact=True)
        compared[context.asset_key.to_user_string()] = type(obj).__name__

    monkeypatch.setattr(io._ArrowFrames, "handle_output", checked_write)
    loads: list[str] = []
    monkeypatch.setattr(io, "read_frame", lambda path: loads.append(Path(path).parent.name) or read_frame(path))
    for wave in ("2022", "2024"):
        run = materialize_wave(instance, wave, resources)
        assert run.success, run.error
    assert {"raw_responses", "clean_responses", "composite_index", "wave_change"} <= set(compared)
    assert compared["raw_responses"] == "RawExport"
    # ... and they were handed from memory: no later step converted those files again
    assert not {"raw_responses", "clean_responses", "composite_index"} & set(loads), loads


def test_a_kept_frame_gives_way_to_a_file_rewritten_since(tmp_path):
    """Another run (another process) may rewrite the same output: the file is read, not the copy kept."""
    import dagster as dg

    from lei_pipeline.defs.io_manager import _ArrowFrames

    frames = _ArrowFrames(tmp_path)
    key = dg.AssetKey("clean_responses")
    ours, theirs = typed_frame(6, seed=1), typed_frame(6, seed=2)
    frames.handle_output(dg.build_output_context(asset_key=key, partition_key="2024"), ours)
    pd.testing.assert_frame_equal(frames.load_input(dg.build_input_context(asset_key=key, partition_key="2024")), ours)
    write_frame(theirs, str(tmp_path / "clean_responses" / "2024.arrow"))
    pd.testing.assert_frame_equal(frames.load_input(dg.build_input_context(asset_key=key, partition_key="2024")), theirs)
