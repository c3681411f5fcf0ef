"""Which shape is this export? Extension first, then content."""
from __future__ import annotations

import re
from pathlib import Path

from lei_pipeline.vocabulary import EXPORT_FORMATS as FORMATS  # the one list of export formats

from ._csv import sniff_delimiter, strip_excel_sep_line
from ._decode import OLE_MAGIC, ZIP_MAGIC, ExportFile

_DECIMAL_COMMA = re.compile(r"(?:^|;)\"?-?\d{1,3}(?:\.\d{3})*,\d+\"?(?=;|$)", re.M)


def detect_format(source) -> str:
    """.xlsx/.xlsm or ZIP content -> xlsx. CSV: LimeSurvey admin columns (id, submitdate) ->
    limesurvey; otherwise ';' separators (Excel in a comma-decimal locale) -> excel-csv;
    otherwise limesurvey. source: a path, or an ExportFile the reader then reuses."""
    path = source.path if isinstance(source, ExportFile) else Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    export = ExportFile.of(source)
    data = export.data
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        return "xlsx"
    if path.suffix.lower() == ".lsr" or b"<LimeSurveyDocType>Responses<" in data[:2000]:
        return "lsr"
    text, _ = export.decoded()
    text, forced = strip_excel_sep_line(text)
    if forced:
        return "excel-csv"
    delimiter, _ = sniff_delimiter(text)
    first = text.split("\n", 1)[0].lower()
    has_admin = "submitdate" in first or re.match(r'^"?id"?[;,\t]', first) is not None
    if has_admin:
        return "limesurvey"
    if delimiter == ";" or _DECIMAL_COMMA.search(text[:20000]):
        return "excel-csv"
    return "limesurvey"
