"""Small LimeSurvey-style CSV exports built in tests (the reader tests' shared header, rows and writer)."""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MINI = FIXTURES / "exports" / "mini-questionnaire.yaml"
REAL_LS = FIXTURES / "limesurvey_real"
SHARED_LS = Path("/work/shared/reference/limesurvey-real")

HEADER = ["id", "submitdate", "lastpage", "startlanguage", "JLS", "JLS_CODE", "INF01", "INF02",
          "SRV01[SQ001]", "SRV01[SQ002]", "SRV01[SQ003]", "HR01", "HR02", "DOC01", "NOTE01"]
ROWS = [
    ["1", "2024-03-01 10:00:00", "3", "sr", "Čačak", "", "Y", "A1", "Y", "", "Y", "12", "45", "2024-01-15", "ok"],
    ["2", "2024-03-01 11:00:00", "3", "sr", "Kraljevo", "", "N", "A2", "", "", "", "3", "100", "2024-02-01", ""],
    ["3", "2024-03-01 12:00:00", "3", "sr", "Subotica", "", "DK", "A3", "", "Y", "", "0", "0", "2024-03-10", ""],
]


def lime_csv(header=HEADER, rows=ROWS, delim=",", eol="\r\n", bom=True, quote_all=True, trailing="\r\n") -> bytes:
    def q(v):
        if quote_all or any(ch in v for ch in (delim, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v
    text = eol.join(delim.join(q(v) for v in r) for r in [header, *rows]) + eol + trailing
    return (("\ufeff" if bom else "") + text).encode("utf-8")
