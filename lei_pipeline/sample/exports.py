"""Write a tidy answer frame as a survey export, in one of three real-world shapes:

- limesurvey: LimeSurvey response CSV: comma, every field quoted, question codes as headers,
  multiple choice as Q[SQ001] with "Y"/empty, admin columns id, submitdate, lastpage,
  startlanguage; dates "YYYY-MM-DD 00:00:00".
- xlsx: an Excel export whose headers are the full question texts in Serbian Latin
  (questionnaire.header_texts("sr_latn", wave)) and identity headers IDENTITY_HEADERS["sr_latn"];
  answer codes in the cells, numbers as numbers, dates as dates.
- excel-csv: a CSV re-saved by Excel in a Serbian locale: UTF-8 with BOM, ";" separator,
  decimal comma, CRLF, Cyrillic names, question codes as headers, dates "dd.mm.yyyy",
  submitdate "dd.mm.yyyy HH:MM".

Two steps so the sample writer can put quirks into single cells: export_frame() builds the
cells, write_frame() writes them; write_export() does both."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lei_pipeline.survey.questionnaire import IDENTITY_HEADERS, SELECTED, Questionnaire, load_questionnaire

SHAPES = ("limesurvey", "xlsx", "excel-csv")
_OFFICIAL_CODE = re.compile(r"\d{5}")
IDENTITY = {
    "limesurvey": ["id", "submitdate", "lastpage", "startlanguage", "JLS", "JLS_CODE"],
    "xlsx": ["id", "submitdate", "JLS", "JLS_CODE"],
    "excel-csv": ["submitdate", "JLS", "JLS_CODE"],
}


def _text_array(a) -> pd.Series:
    """A column of export text (Arrow-backed, so 100,000-row exports stay fast), "" for missing."""
    arr = a if isinstance(a, (pa.Array, pa.ChunkedArray)) else pa.array(a, type=pa.string(), from_pandas=True)
    return pd.Series(pc.fill_null(arr, ""), dtype=pd.ArrowDtype(pa.string()))


def _numbers_text(x: np.ndarray, decimal: str) -> pd.Series:
    """Floats as an export writes them: 12 (not 12.0), 37.5, empty when missing."""
    arr = pc.cast(pc.round(pa.array(np.asarray(x, dtype=float), from_pandas=True), 2), pa.string())
    if decimal != ".":
        arr = pc.replace_substring(arr, ".", decimal)
    return _text_array(arr)


def _dates_text(x, fmt: str) -> pd.Series:
    ts = pd.to_datetime(pd.Series(x), errors="coerce").to_numpy(dtype="datetime64[s]")
    return _text_array(pc.strftime(pa.array(ts, type=pa.timestamp("s"), from_pandas=True), format=fmt))


def _strings(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").to_numpy(dtype=object)


def _official_code(codes: pd.Series) -> np.ndarray:
    """Only real 5-digit statistical codes go into JLS_CODE (project codes like X-NIS are ours)."""
    c = codes.astype(str)
    return c.where(c.str.fullmatch(_OFFICIAL_CODE), "").to_numpy(dtype=object)


def _cyrillic_names(df: pd.DataFrame) -> np.ndarray:
    from lei_pipeline.sample.translit import to_cyrillic

    names = df["unit_name"].astype(str)
    uniq = names.unique()
    table = {n: to_cyrillic(n) for n in uniq}  # a few hundred distinct names at most per call
    return names.map(table).to_numpy(dtype=object)


def export_frame(df: pd.DataFrame, shape: str, questionnaire: Questionnaire | None = None,
                 wave: str | None = None) -> pd.DataFrame:
    """Cells of the export: columns named by export code (identity codes + question columns).
    csv shapes: every cell a str. xlsx: numbers as float, dates as Timestamp, the rest str.

    Optional columns in df override the identity cells: respondent_name, respondent_code,
    last_page (and submitted_at NaT for an incomplete response)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown export shape {shape!r}; use one of {', '.join(SHAPES)}")
    q = questionnaire or load_questionnaire()
    wave = str(wave if wave is not None else df["wave"].iloc[0])
    n = len(df)
    pages = len(dict.fromkeys(x.area for x in q.asked_in(wave)))
    xlsx = shape == "xlsx"
    decimal = "," if shape == "excel-csv" else "."
    cells: dict[str, object] = {}

    if "respondent_name" in df.columns:
        names = _strings(df["respondent_name"])
    elif shape == "excel-csv":
        names = _cyrillic_names(df)
    else:
        names = df["unit_name"].astype(str).to_numpy(dtype=object)
    codes = _strings(df["respondent_code"]) if "respondent_code" in df.columns else _official_code(df["unit_code"])
    sub = df["submitted_at"]
    for col in IDENTITY[shape]:
        if col == "id":
            ids = np.arange(1, n + 1)
            cells[col] = ids if xlsx else _text_array(pc.cast(pa.array(ids), pa.string()))
        elif col == "submitdate":
            if xlsx:
                cells[col] = pd.to_datetime(sub).to_numpy(dtype="datetime64[ns]")
            elif shape == "excel-csv":
                cells[col] = _dates_text(sub, "%d.%m.%Y %H:%M")
            else:
                cells[col] = _dates_text(sub, "%Y-%m-%d %H:%M:%S")
        elif col == "lastpage":
            lp = df["last_page"].to_numpy() if "last_page" in df.columns else np.full(n, pages)
            cells[col] = _text_array(pc.cast(pa.array(np.asarray(lp, dtype=np.int64)), pa.string()))
        elif col == "startlanguage":
            cells[col] = _text_array(pa.repeat("sr", n)) if n else _text_array([])
        elif col == "JLS":
            cells[col] = names if xlsx else _text_array(names)
        elif col == "JLS_CODE":
            cells[col] = codes if xlsx else _text_array(codes)

    for question in q.asked_in(wave):
        for col in question.export_columns():
            if col not in df.columns:
                cells[col] = np.full(n, None, dtype=object) if xlsx else _text_array(np.full(n, None, dtype=object))
                continue
            s = df[col]
            t = question.type
            if t == "multiple_choice":
                v = s.astype("boolean").fillna(False).to_numpy(dtype=bool)
                ticks = np.where(v, SELECTED, "").astype(object)
                cells[col] = ticks if xlsx else _text_array(ticks)
            elif t in ("number", "percentage"):
                if xlsx:
                    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                    whole = ~np.isnan(x) & (x == np.round(np.nan_to_num(x)))
                    obj = x.astype(object)
                    obj[whole] = np.round(x[whole]).astype(np.int64)
                    obj[np.isnan(x)] = None
                    cells[col] = obj
                else:
                    cells[col] = _numbers_text(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan), decimal)
            elif t == "date":
                if xlsx:
                    cells[col] = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[ns]")
                elif shape == "excel-csv":
                    cells[col] = _dates_text(s, "%d.%m.%Y")
                else:
                    cells[col] = _dates_text(s, "%Y-%m-%d 00:00:00")
            else:
                if xlsx:
                    v = _strings(s)
                    cells[col] = np.where(v == "", None, v)
                else:
                    cells[col] = _text_array(pa.array(s.astype("str").array, type=pa.string(), from_pandas=True))
    out = pd.DataFrame(cells)
    return out


def header_row(columns: list[str], shape: str, questionnaire: Questionnaire, wave: str) -> list[str]:
    if shape != "xlsx":
        return list(columns)
    texts = questionnaire.header_texts("sr_latn", wave)
    ident = IDENTITY_HEADERS["sr_latn"]
    return [ident.get(c) or texts.get(c) or c for c in columns]


def write_frame(cells: pd.DataFrame, path: str | Path, shape: str, questionnaire: Questionnaire | None = None,
                wave: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if shape in ("limesurvey", "excel-csv"):
        _write_csv(cells, path, shape)
    elif shape == "xlsx":
        _write_xlsx(cells, path, questionnaire or load_questionnaire(), str(wave))
    else:
        raise ValueError(f"unknown export shape {shape!r}; use one of {', '.join(SHAPES)}")
    return path


def _write_csv(cells: pd.DataFrame, path: Path, shape: str) -> None:
    """Arrow's CSV writer: a 100,000-unit export in well under a second."""
    table = pa.Table.from_pandas(cells.astype(pd.ArrowDtype(pa.string())), preserve_index=False)
    if shape == "limesurvey":
        opts = pacsv.WriteOptions(delimiter=",", quoting_style="all_valid", eol="\n")
        pacsv.write_csv(table, path, write_options=opts)
        return
    # Excel writes the header unquoted, quotes only where needed, CRLF, and a BOM in front.
    with open(path, "wb") as f:
        f.write(("\ufeff" + ";".join(cells.columns) + "\r\n").encode("utf-8"))
        try:
            opts = pacsv.WriteOptions(delimiter=";", quoting_style="none", eol="\r\n", include_header=False)
            body = pa.BufferOutputStream()
            pacsv.write_csv(table, body, write_options=opts)
        except pa.ArrowInvalid:  # a value holds ";" or a quote: quote like Excel would
            opts = pacsv.WriteOptions(delimiter=";", quoting_style="needed", eol="\r\n", include_header=False)
            body = pa.BufferOutputStream()
            pacsv.write_csv(table, body, write_options=opts)
        f.write(body.getvalue().to_pybytes())


def _write_xlsx(cells: pd.DataFrame, path: Path, q: Questionnaire, wave: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Odgovori")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for text in header_row(list(cells.columns), "xlsx", q, wave):
        c = WriteOnlyCell(ws, value=text)
        c.font = bold
        head.append(c)
    ws.append(head)
    date_cols = {i for i, c in enumerate(cells.columns) if pd.api.types.is_datetime64_any_dtype(cells[c].dtype)}
    columns = [cells[c].to_numpy(dtype=object) for c in cells.columns]
    for r in range(len(cells)):
        row = []
        for i, col in enumerate(columns):
            v = col[r]
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
                row.append(None)
            elif i in date_cols:
                c = WriteOnlyCell(ws, value=pd.Timestamp(v).to_pydatetime())
                c.number_format = "yyyy-mm-dd hh:mm" if cells.columns[i] == "submitdate" else "yyyy-mm-dd"
                row.append(c)
            elif isinstance(v, str):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"  # never a formula, whatever the text starts with
                row.append(c)
            else:
                row.append(v.item() if hasattr(v, "item") else v)
        ws.append(row)
    # Byte-identical files for one seed: fixed document dates and zip entry times.
    fixed = datetime(int(wave[:4]) if wave[:4].isdigit() else 2025, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "lei-pipeline sample (synthetic)"
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=fixed.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + fixed.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), data)
            dst.writestr(entry, data)


def write_export(df: pd.DataFrame, path: str | Path, shape: str, questionnaire: Questionnaire | None = None,
                 wave: str | None = None) -> Path:
    """Write a tidy answer frame (generate_responses) as an export file of the given shape."""
    q = questionnaire or load_questionnaire()
    wave = str(wave if wave is not None else df["wave"].iloc[0])
    return write_frame(export_frame(df, shape, q, wave), path, shape, q, wave)
