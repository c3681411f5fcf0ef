"""Survey export readers: every export shape -> one tidy raw table + Problems.

    raw = read_export(path, questionnaire, fmt="auto", wave="2024")
    raw.frame     # source_file, source_row, respondent_name, respondent_code, submitted_at,
                  # last_page, complete, then one RAW text column per export column
    raw.problems  # every row/value/header that could not be used, and why

ExportError when the file cannot be read at all. `read_limesurvey_csv` parses any LimeSurvey CSV
without a questionnaire (for foreign surveys and diagnostics)."""
from __future__ import annotations

from pathlib import Path

from lei_pipeline.errors import UsageError
from lei_pipeline.problems import WARNING, Problem, visible

from ._decode import ExportFile
from .detect import FORMATS, detect_format
from .limesurvey import read_csv_export, read_limesurvey_csv
from .lsr import read_lsr_table
from .table import PROVENANCE, RawExport, build_raw_export
from .xlsx import read_xlsx_export

__all__ = ["read_export", "RawExport", "read_limesurvey_csv", "detect_format", "FORMATS", "PROVENANCE"]


def read_export(path, questionnaire, fmt: str = "auto", wave=None, sheet=None, header_row=None) -> RawExport:
    """sheet / header_row: which workbook sheet and header row to read (XLSX only; see reading.py)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    source = path
    if fmt == "auto":
        # read (and decoded) once: detection and the CSV reader share the ExportFile
        source = path if path.suffix.lower() in (".xlsx", ".xlsm") else ExportFile.of(path)
        fmt = detect_format(source)
    wave = None if wave is None else str(wave)
    if fmt != "xlsx" and (sheet is not None or header_row is not None):
        raise UsageError(f"{visible(path.name)} is read as {fmt}: --sheet and --header-row apply to XLSX workbooks only")
    if fmt == "xlsx":
        raw = read_xlsx_export(path, questionnaire, wave, sheet=sheet, header_row=header_row)
    elif fmt == "lsr":
        headers, rows = read_lsr_table(path)
        raw = build_raw_export(path, "lsr", headers, rows, [], questionnaire, wave)
    else:
        raw = read_csv_export(source, questionnaire, wave, fmt=fmt)
    if wave is not None and wave not in getattr(questionnaire, "waves", [wave]):
        used = questionnaire.question_set_wave(wave)
        raw.problems.insert(0, Problem(str(path), None, None, wave, (
            f"wave {wave} is not declared in questionnaire {questionnaire.version}; read with the questions "
            f"of wave {used} (add the wave to data/questionnaire/ to record what was asked)"),
            severity=WARNING, kind="header"))
    return raw
