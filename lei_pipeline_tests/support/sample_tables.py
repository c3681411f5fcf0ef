"""Small, realistic tables with the contract columns (responses, indicators, scores, change),
built the way the pipeline builds them, for publishing tests. Not a fixture file: the tables
depend on `variant` so tests can publish "new content" on demand."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

UNITS = [
    ("70017", "Beograd (Stari grad)", "city_municipality"),
    ("80012", "Novi Sad", "city"),
    ("70556", "Niš", "city"),
    ("71285", "Kragujevac", "city"),
    ("80438", "Subotica", "city"),
    ("70149", "Čačak", "city"),
    ("70360", "Kraljevo", "city"),
    ("70513", "Arilje", "municipality"),
    ("70912", "Bajina Bašta", "municipality"),
    ("80284", "Bečej", "municipality"),
    ("71129", "Crna Trava", "municipality"),
    ("70777", "Ivanjica", "municipality"),
]
COMPONENTS = {"infrastructure": ["INF01", "INF05"], "services": ["SRV02", "SRV07"], "transparency": ["TRN03"]}
WEIGHTS = {"infrastructure": 0.4, "services": 0.35, "transparency": 0.25}
CATEGORIES = [("vodeći", "leading", 80), ("napredni", "advanced", 60), ("u razvoju", "developing", 40),
              ("početni", "beginning", 0)]

METHODOLOGY_YAML = """\
methodology: lei
version: "1.0.0"
name: {en: "Local eGovernance Index"}
components:
  - {code: infrastructure, weight: 0.4}
  - {code: services, weight: 0.35}
  - {code: transparency, weight: 0.25}
normalise: {method: goalposts, default: [0, 100]}
aggregate: {method: arithmetic}
"""


def write_methodology(folder: Path) -> Path:
    path = folder / "lei-v1.yaml"
    path.write_text(METHODOLOGY_YAML, encoding="utf-8")
    return path


def _ranks(values: pd.Series) -> pd.Series:
    return pd.Series(rankdata(-values.to_numpy(), method="min"), index=values.index).astype("Int64")


def build_tables(wave: str = "2024", variant: int = 0, n: int = len(UNITS)) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(1000 + variant)
    units = UNITS[:n]
    codes = [u[0] for u in units]
    responses = pd.DataFrame({
        "wave": pd.Series([wave] * n, dtype="str"),
        "unit_code": pd.Series(codes, dtype="str"),
        "unit_name": pd.Series([u[1] for u in units], dtype="str"),
        "unit_type": pd.Series([u[2] for u in units], dtype="str"),
        "source_file": pd.Series([f"lei-{wave}.xlsx"] * n, dtype="str"),
        "source_row": np.arange(2, n + 2, dtype="int64"),
        "submitted_at": pd.date_range(f"{wave[:4]}-03-01 09:00", periods=n, freq="7h"),
        "INF01": pd.Series(rng.choice(["Y", "N", "DK"], n), dtype="str"),
        "INF05[SQ001]": pd.array(rng.choice([True, False], n), dtype="boolean"),
        "SRV02": rng.integers(0, 40, n).astype("float64"),
        "TRN03": pd.Series(["portal redovno ažuriran"] * (n - 1) + ["=HYPERLINK(\"http://x\",\"klik\")"], dtype="str"),
    })
    rows = []
    for code in codes:
        for comp, inds in COMPONENTS.items():
            for ind in inds:
                v = float(np.round(rng.uniform(0, 100), 2))
                rows.append((wave, code, ind, comp, v, f"{ind}: answer -> {v}"))
    indicators = pd.DataFrame(rows, columns=["wave", "unit_code", "indicator", "component", "value", "trace"])
    for c in ("wave", "unit_code", "indicator", "component", "trace"):
        indicators[c] = indicators[c].astype("str")
    comp_scores = (indicators.pivot_table(index="unit_code", columns="component", values="value", aggfunc="mean")
                   .reindex(codes).round(2))
    scores = responses[["wave", "unit_code", "unit_name", "unit_type"]].copy()
    for comp in COMPONENTS:
        scores[comp] = comp_scores[comp].to_numpy()
    scores["lei"] = sum(scores[c] * w for c, w in WEIGHTS.items()).round(2)
    if n >= 4:  # a tie: ranks shared, the next rank skipped
        scores.loc[3, "lei"] = scores.loc[2, "lei"]
    scores["rank"] = _ranks(scores["lei"])
    scores["rank_in_type"] = scores.groupby("unit_type")["lei"].transform(lambda s: _ranks(s)).astype("Int64")
    scores["category"] = pd.Series([next(c[0] for c in CATEGORIES if v >= c[2]) for v in scores["lei"]], dtype="str")
    scores["category_en"] = pd.Series([next(c[1] for c in CATEGORIES if v >= c[2]) for v in scores["lei"]],
                                      dtype="str")
    prev_lei = (scores["lei"] - rng.uniform(-5, 5, n)).clip(0, 100).round(2)
    change = pd.DataFrame({
        "wave": scores["wave"], "previous_wave": pd.Series(["2022"] * n, dtype="str"),
        "unit_code": scores["unit_code"], "lei": scores["lei"], "lei_previous": prev_lei,
        "lei_change": (scores["lei"] - prev_lei).round(2), "rank": scores["rank"],
        "rank_previous": _ranks(prev_lei),
    })
    change["rank_change"] = (change["rank_previous"] - change["rank"]).astype("Int64")
    return {"responses": responses, "indicators": indicators, "scores": scores, "change": change}


def provenance(methodology_path: Path, run_id: str = "test-run", synthetic: bool = True) -> dict:
    from lei_pipeline.files import file_sha256

    return {
        "methodology_path": str(methodology_path),
        "methodology_version": "1.0.0",
        "methodology_sha256": file_sha256(methodology_path),
        "questionnaire_version": "1.0.0",
        "code_version": None,
        "run_id": run_id,
        "checks": [{"name": "clean_schema", "passed": True}, {"name": "units_matched", "passed": True}],
        "synthetic": synthetic,
        "weights": WEIGHTS,
    }
