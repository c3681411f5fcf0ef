"""The XLSX workbook of a snapshot, for spreadsheet readers.

Sheets: index, components, indicators (wide), change, uncertainty (when published), weights
(effective weights: the snapshot's weights table, else computed from the methodology copy),
about (provenance, notice, the previous snapshot compared with), quality (the duplicate
decisions, when recorded) and columns (what every column means). Written in write-only mode.
Frozen header, autofilter, widths, one decimal for scores, whole numbers for ranks. Every text cell is written as text (data_type "s",
after the value) and escaped like `lei pull`, so a spreadsheet never runs it as a formula.
The bytes are fixed for a snapshot: the zip entries carry a constant date and the document
properties the manifest's creation time."""
from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import datetime

import pandas as pd
from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lei_pipeline.publish.export import escape_text
from lei_pipeline.report import facts
from lei_pipeline.report.snapshot import SnapshotData
from lei_pipeline.report.weights import effective_weights
from lei_pipeline.schemas.describe import column_descriptions

SCORE_FORMAT = "0.0"
RANK_FORMAT = "0"
SHARE_FORMAT = "0.000"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
INDEX_COLUMNS = ["unit_code", "unit_name", "unit_type", "type_group", "lei", "rank", "rank_in_type", "category",
                 "category_en", *facts.ELIGIBLE_COLUMNS, "coverage"]
ID_COLUMNS = ["unit_code", "unit_name", "unit_type"]


QUALITY_COLUMNS = {   # the quality sheet: one row per unit that sent several responses
    "unit_code": "Registry code of the local government that sent more than one response.",
    "unit_name": "Its name as the registry writes it.",
    "kept_row": "Spreadsheet row of the export (header = 1) of the response kept.",
    "dropped_rows": "Spreadsheet rows of the responses set aside, comma-separated.",
    "reason": "Why that response was kept (complete beats incomplete, then the later submit date, then the later row).",
    "source_file": "The export the rows are in (file name within the wave's folder).",
}


def number_format(column: str) -> str | None:
    c = column.lower()
    if c.startswith("weight") or c in ("coverage", "category_probability") or c.startswith(("p_", "prob_")):
        return SHARE_FORMAT
    if "rank" in c and "shift" not in c or c.endswith("_row"):
        return RANK_FORMAT
    return SCORE_FORMAT


def _value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, datetime) and v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    return v


def _sheet(wb: Workbook, name: str, df: pd.DataFrame, body: dict[str, str]) -> dict[str, str]:
    """One sheet, streamed (write-only workbook): the cells are prepared first so the column
    widths, set before any row, can follow the longest value. The rows below the header go into
    body[sheet title] as XML when _rows_xml can write them (see there), else through openpyxl."""
    ws = wb.create_sheet(name)
    bold = Font(bold=True)
    cols = [str(c) for c in df.columns]
    fmts = {}
    for col in cols:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        fmts[col] = number_format(col)
    col_fmts = [fmts.get(c) for c in cols]
    widths = [len(c) for c in cols]
    rows = []
    for row in df.itertuples(index=False, name=None):
        values = []
        for j, v in enumerate(row):
            v = _value(v)
            if isinstance(v, str):
                v = escape_text(v)
            if v is not None:
                widths[j] = max(widths[j], min(len(str(v)), 60))
            values.append(v)
        rows.append(values)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, w + 2), 62)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(cols)))}{max(1, len(df) + 1)}"
    header = []
    for col in cols:
        cell = WriteOnlyCell(ws, value=escape_text(col))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    ws.append(header)
    xml = _rows_xml(ws, rows, col_fmts)
    if xml is not None:
        body[ws.title] = xml
        return fmts
    for values in rows:
        cells = []
        for j, v in enumerate(values):
            if v is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # after the value: never a formula
            elif isinstance(v, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif col_fmts[j] and not isinstance(v, bool):
                cell.number_format = col_fmts[j]
            cells.append(cell)
        ws.append(cells)
    return fmts


_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})   # ElementTree's text escapes


def _rows_xml(ws, rows: list[list], col_fmts: list[str | None]) -> str | None:
    """The data rows (from row 2) as openpyxl's write-only writer (ElementTree flavour) puts them
    in the sheet's XML, byte for byte, or None when a value is of a kind written only by openpyxl
    here (a date, an infinity, a text it would refuse). openpyxl builds, styles and serialises an
    object per cell: 0.9 s of a sample wave's 1.0 s workbook, which `lei run` waited for. Styles
    still come from openpyxl, registered in the order its writer would meet them, so styles.xml is
    unchanged. lei_pipeline_tests/report/test_workbook_cells.py compares both writers' bytes.
    With lxml installed openpyxl writes through it instead, in its own way: left to openpyxl."""
    if LXML:
        return None
    letters = [get_column_letter(j) for j in range(1, len(col_fmts) + 1)]
    style: dict[str, str] = {}
    out = []
    for r, values in enumerate(rows, start=2):
        out.append(f'<row r="{r}">')
        for j, v in enumerate(values):
            if v is None:
                continue
            ref = f"{letters[j]}{r}"
            if isinstance(v, str):
                text = v[:32767]                       # openpyxl's check_string
                if ILLEGAL_CHARACTERS_RE.search(text):
                    return None
                if not text:
                    out.append(f'<c r="{ref}" t="inlineStr" />')
                    continue
                stripped = text.strip()
                space = ' xml:space="preserve"' if stripped and stripped != text else ""
                out.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{text.translate(_XML_TEXT)}</t></is></c>')
            elif isinstance(v, bool):
                out.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)) and math.isfinite(v):
                fmt = col_fmts[j]
                s = ""
                if fmt:
                    s = style.get(fmt)
                    if s is None:   # the style id openpyxl gives the first cell with this format
                        cell = WriteOnlyCell(ws)
                        cell.number_format = fmt
                        s = style[fmt] = f' s="{cell.style_id}"'
                out.append(f'<c r="{ref}"{s} t="n"><v>{"%.16g" % v}</v></c>')
            else:
                return None
        out.append("</row>")
    return "".join(out)


def _frames(data: SnapshotData) -> dict[str, pd.DataFrame]:
    scores = data.table("scores")
    m = data.methodology
    out = {"index": scores[[c for c in INDEX_COLUMNS if c in scores.columns]]}
    comp = [c.code for c in m.components] + [p.code for p in m.pillars] if m is not None else \
        [c for c in scores.columns if c not in INDEX_COLUMNS and c not in facts.IDENTITY and pd.api.types.is_float_dtype(scores[c])]
    out["components"] = scores[ID_COLUMNS + [c for c in comp if c in scores.columns] + ["lei"]]
    ind = data.table("indicators")
    if ind is not None and len(ind):
        order = [i.code for i in m.indicators] if m is not None else sorted(ind["indicator"].astype(str).unique())
        wide = ind.pivot(index="unit_code", columns="indicator", values="value")
        wide = wide.reindex(columns=[c for c in order if c in wide.columns]).astype("float64")
        out["indicators"] = scores[ID_COLUMNS].merge(wide.reset_index(), on="unit_code", how="left")
    ch = data.table("change")
    if ch is not None:
        named = ch if "unit_name" in ch else ch.merge(scores[["unit_code", "unit_name"]], on="unit_code", how="left")
        out["change"] = named[["unit_code", "unit_name"] + [c for c in ch.columns if c not in ("unit_code", "unit_name")]]
    unc = data.table("uncertainty")
    if unc is not None:
        out["uncertainty"] = unc
    w = data.table("weights")
    if w is None and m is not None:
        w = effective_weights(m)
    if w is not None:
        out["weights"] = w
    return out


def _about(wb: Workbook, data: SnapshotData, frames: dict[str, pd.DataFrame], body: dict[str, str]) -> None:
    mf = data.manifest
    meth = mf.get("methodology") or {}
    rows = [("wave", mf.get("wave")), ("version", mf.get("version")), ("created_at", mf.get("created_at")),
            ("notice", mf.get("notice") or ""), ("methodology version", meth.get("version")),
            ("methodology sha256", meth.get("sha256")), ("questionnaire version", mf.get("questionnaire_version")),
            ("code version", mf.get("code_version")), ("run id", mf.get("run_id")),
            ("checks passed", f"{len(mf.get('checks_passed') or [])} of {len(mf.get('checks') or [])}")]
    prev = mf.get("previous")
    rows.append(("previous snapshot (change compared with)",
                 f"wave {prev['wave']} version {prev['version']}" if isinstance(prev, dict) else "none recorded"))
    dups = facts.duplicate_decisions(data)
    rows.append(("duplicate decisions", "not recorded in this snapshot" if dups is None else
                 f"{len(dups)} local government(s) sent more than one response; see the quality sheet"))
    for name, entry in sorted((mf.get("tables") or {}).items()):
        rows.append((f"table {name}", f"{entry.get('file')} sha256 {entry.get('sha256')} rows {entry.get('rows')}"))
    if "uncertainty" not in frames:
        rows.append(("uncertainty", "not available for this snapshot (no uncertainty table published)"))
    if data.table("weights") is None and "weights" in frames:
        rows.append(("weights", "computed from the methodology copy in the snapshot (no weights table published)"))
    about = pd.DataFrame(rows, columns=["item", "value"]).astype({"value": "str"})
    dictionary = []
    source = {"index": "scores", "components": "scores", "change": "change", "uncertainty": "uncertainty",
              "weights": "weights"}
    for sheet, df in frames.items():
        if sheet == "indicators":
            desc = {c: d for c, d in column_descriptions("scores", ID_COLUMNS).items()}
            if data.methodology is not None:
                desc.update({i.code: f"Indicator score 0..100: {i.description.get('en', '')}"
                             for i in data.methodology.indicators})
        else:
            desc = {**column_descriptions("scores", ID_COLUMNS),
                    **{k: v for k, v in column_descriptions(source[sheet], df.columns, data.methodology,
                                                            data.questionnaire).items() if v}}
        dictionary += [(sheet, str(c), desc.get(str(c), "")) for c in df.columns]
    if dups is not None:
        dictionary += [("quality", c, QUALITY_COLUMNS[c]) for c in facts.DECISION_COLUMNS]
    _sheet(wb, "about", about, body)
    if dups is not None:
        _sheet(wb, "quality", dups, body)
    _sheet(wb, "columns", pd.DataFrame(dictionary, columns=["sheet", "column", "description"]), body)


def _fixed_zip(raw: bytes, created: str, rows: dict[str, str]) -> bytes:
    """Same bytes for the same content: constant entry dates, document dates from the manifest;
    rows: {entry name: XML} of the data rows each sheet gets after its header."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda mm: f"{mm.group(1)}{created}{mm.group(3)}", text)
                body = text.encode("utf-8")
            elif info.filename in rows:
                body = body.replace(b"</sheetData>", rows[info.filename].encode("utf-8") + b"</sheetData>", 1)
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def build_workbook(data: SnapshotData) -> bytes:
    wb = Workbook(write_only=True)
    frames = _frames(data)
    body: dict[str, str] = {}
    for name, df in frames.items():
        _sheet(wb, name, df.reset_index(drop=True), body)
    _about(wb, data, frames, body)
    created = str(data.manifest.get("created_at") or "1980-01-01T00:00:00+00:00")
    stamp = pd.Timestamp(created).tz_convert("UTC").tz_localize(None).to_pydatetime() if pd.Timestamp(created).tzinfo \
        else pd.Timestamp(created).to_pydatetime()
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "lei-pipeline"
    wb.properties.title = f"LEI wave {data.wave} version {data.version}"
    return _saved(wb, body, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _saved(wb: Workbook, body: dict[str, str], created: str) -> bytes:
    """The workbook's bytes: saved by openpyxl, then each sheet's rows from body put in (openpyxl
    names the sheets' files by their order) and the zip made fixed."""
    buf = io.BytesIO()
    wb.save(buf)
    rows = {f"xl/worksheets/sheet{i}.xml": body[ws.title] for i, ws in enumerate(wb.worksheets, start=1)
            if ws.title in body}
    return _fixed_zip(buf.getvalue(), created, rows)
