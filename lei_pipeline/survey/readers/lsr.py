"""LimeSurvey's XML response dump (.lsr, inside a .lsa archive). Field names are SGQA
(`<sid>X<gid>X<qid><sub>`); element names get a leading '_' because XML names cannot start with
a digit. SGQA maps to question codes through the survey's .lss structure (read_lsr_table)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from ._decode import file_error, read_bytes


def read_lsr(path) -> pd.DataFrame:
    """One row per response, one column per <fieldname>; an empty element is None."""
    path = Path(path)
    try:
        root = ET.fromstring(read_bytes(path))
    except ET.ParseError as e:
        raise file_error(path, f"not a LimeSurvey .lsr XML file: {e}") from None
    fields = [f.text for f in root.iterfind("./responses/fields/fieldname")]
    if not fields:
        raise file_error(path, "not a LimeSurvey .lsr file: no <responses><fields>")
    rows = []
    for row in root.iterfind("./responses/rows/row"):
        vals = {el.tag.lstrip("_") if el.tag.lstrip("_") in fields else el.tag: el.text for el in row}
        rows.append([vals.get(f) for f in fields])
    return pd.DataFrame(rows, columns=fields, dtype="object")


_SGQA = re.compile(r"^(\d+)X(\d+)X(\d+)(.*)$")


def survey_codes(lss: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """qid -> (question code, {subquestion code: subquestion code}) from a .lss structure."""
    try:
        root = ET.fromstring(read_bytes(lss))
    except ET.ParseError as e:
        raise file_error(lss, f"not a LimeSurvey .lss XML file: {e}") from None
    questions: dict[str, str] = {}
    subs: dict[str, dict[str, str]] = {}
    for section in ("questions", "subquestions"):
        for row in root.iterfind(f"./{section}/rows/row"):
            qid, parent, title = row.findtext("qid"), row.findtext("parent_qid") or "0", row.findtext("title")
            if not qid or not title:
                continue
            if parent in ("", "0"):
                questions.setdefault(qid, title)
            else:
                subs.setdefault(parent, {})[title] = title
    if not questions:
        raise file_error(lss, "not a LimeSurvey .lss file: no <questions>")
    return {qid: (code, subs.get(qid, {})) for qid, code in questions.items()}


def export_header(field: str, codes: dict) -> str:
    """SGQA field name -> the header a 'code' CSV export would give it (admin fields unchanged)."""
    m = _SGQA.match(field)
    if not m or m.group(3) not in codes:
        return field
    code, subs = codes[m.group(3)]
    rest = m.group(4)
    if not rest:
        return code
    if rest in subs or rest in ("other", "comment"):
        return f"{code}[{rest}]"
    return f"{code}[{rest}]"


def find_structure(lsr: Path) -> Path | None:
    """The .lss beside a .lsr: survey_<sid>.lss for survey_<sid>_responses.lsr, else the only .lss."""
    m = re.match(r"^survey_(\d+)", lsr.name)
    if m and (lsr.parent / f"survey_{m.group(1)}.lss").is_file():
        return lsr.parent / f"survey_{m.group(1)}.lss"
    found = sorted(lsr.parent.glob("*.lss"))
    return found[0] if len(found) == 1 else None


NEEDS_LSS = ("a LimeSurvey .lsr response file names its columns by database ids (SGQA), which only the survey "
             "structure maps to question codes: put the survey's .lss next to it, or export the responses "
             "from LimeSurvey as CSV (Export responses > CSV, question codes)")


def read_lsr_table(path) -> tuple[list[str], list[tuple[int, list]]]:
    """(export headers, rows) of a .lsr read through the .lss beside it; rows numbered as in a
    CSV export (header = 1)."""
    path = Path(path)
    lss = find_structure(path)
    if lss is None:
        raise file_error(path, NEEDS_LSS)
    frame = read_lsr(path)
    codes = survey_codes(lss)
    headers = [export_header(f, codes) for f in frame.columns]
    rows = [(i + 2, list(vals)) for i, vals in enumerate(frame.itertuples(index=False, name=None))]
    return headers, rows
