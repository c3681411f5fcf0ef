"""LimeSurvey's XML response dump (.lsr, inside a .lsa archive). Field names are SGQA
(`<sid>X<gid>X<qid><sub>`); element names get a leading '_' because XML names cannot start with
a digit. Mapping SGQA to question codes needs the .lss structure and is not done here."""
from __future__ import annotations

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
