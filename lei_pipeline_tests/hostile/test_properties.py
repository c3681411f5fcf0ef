"""Property-based: random valid exports (every question type, alternative spellings, blanks) and
random methodology weights through the pure core end to end - read_export, clean_responses,
score_indicators, compose_index - and the invariants that must hold for any input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from lei_pipeline.methodology import compose_index, load_methodology, score_indicators
from lei_pipeline.methodology.model import parse_methodology
from lei_pipeline.registry import Matcher, load_registry
from lei_pipeline.survey.clean import clean_responses
from lei_pipeline.survey.readers import read_export

from .base import IDENTITY, Export, questionnaire, respondent_names

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])
YES = ["Y", "Da", "yes", "1"]
NO = ["N", "Ne", "no", "2"]
DK = ["DK", "Ne znam"]


def _number_text(draw, lo: float, hi: float, pct: bool) -> str:
    x = draw(st.integers(int(lo), int(min(hi, lo + 5000))))
    style = draw(st.sampled_from(["plain", "grouped", "decimal_comma"] + (["percent"] if pct else [])))
    if style == "grouped" and x >= 1000:
        # 1.234 style needs 2+ groups to be unambiguous ('4.000' is refused): one group as '4 000'
        return f"{x:,}".replace(",", "." if x >= 1_000_000 else " ")
    if style == "decimal_comma":
        return f"{x},0"
    if style == "percent":
        return f"{x}%"
    return str(x)


@st.composite
def answer(draw, q, sub_index: int | None = None) -> str:
    if draw(st.integers(0, 9)) == 0:
        return ""                                   # a question left unanswered
    if q.type == "yes_no":
        return draw(st.sampled_from(YES + NO + DK))
    if q.type == "single_choice":   # NA only where the questionnaire allows it for every unit type
        return draw(st.sampled_from([o.code for o in q.options if o.code != "NA" or q.na_allowed is None]))
    if q.type == "multiple_choice":
        if sub_index is not None and q.subquestions[sub_index].exclusive:
            return ""                   # the exclusive "none of these" never next to another box
        return draw(st.sampled_from(["Y", "", "1", ""]))
    if q.type in ("number", "percentage"):
        lo = 0 if q.min is None else q.min
        hi = (100 if q.type == "percentage" else 1000) if q.max is None else q.max
        if draw(st.booleans()) and hi - lo >= 1000:
            # grouped thousands only where the value really has them
            x = draw(st.integers(max(1000, int(lo)), int(min(hi, 9_999_999))))
            # '1.234' (one group) could be thousands or decimals: refused as ambiguous, so not generated
            dotted = f"{x:,}".replace(",", ".") if x >= 1_000_000 else str(x)
            return draw(st.sampled_from([dotted, f"{x:,}".replace(",", " ") if x < 1_000_000 else str(x), str(x)]))
        return _number_text(draw, lo, hi, q.type == "percentage")
    if q.type == "date":
        y, m, d = draw(st.integers(2015, 2025)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
        return draw(st.sampled_from([f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}.", f"{d}.{m}.{y}"]))
    return draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30))


@st.composite
def exports(draw) -> Export:
    wave = draw(st.sampled_from(["2022", "2024", "2025"]))
    q = questionnaire()
    names = draw(st.lists(st.sampled_from(respondent_names()), min_size=2, max_size=10, unique=True))
    cols = q.export_columns(wave)
    exp = Export(wave=wave, header=IDENTITY + cols)
    by_col = {}
    for question in q.asked_in(wave):
        if question.type == "multiple_choice":
            for i, s in enumerate(question.subquestions):
                by_col[f"{question.code}[{s.code}]"] = (question, i)
        else:
            by_col[question.code] = (question, None)
    for n, name in enumerate(names):
        cells = [draw(answer(*by_col[c])) for c in cols]
        if not any(c.strip() for c in cells):
            # A submission with no answer at all is invalid (it blocks); a valid one answers something.
            first_yes_no = next(i for i, c in enumerate(cols) if by_col[c][0].type == "yes_no")
            cells[first_yes_no] = "Y"
        exp.rows.append([str(n + 1), f"{wave}-03-01 10:{n:02d}:00", "9", "sr", name, *cells])
    return exp


@st.composite
def weights(draw) -> dict:
    raw = load_methodology().raw
    out = {"pillars": {}, "components": {}, "indicators": {}}
    for p in raw["pillars"]:
        out["pillars"][p["code"]] = draw(st.floats(0.05, 5, allow_nan=False))
        for c in p["components"]:
            out["components"][c["code"]] = draw(st.floats(0.05, 5, allow_nan=False))
    for i in raw["indicators"]:
        out["indicators"][i["code"]] = draw(st.sampled_from([0.5, 1, 2, 3]))
    return out


def methodology_with(w: dict):
    raw = yaml.safe_load(load_methodology().path.read_bytes())
    for p in raw["pillars"]:
        p["weight"] = w["pillars"][p["code"]]
        for c in p["components"]:
            c["weight"] = w["components"][c["code"]]
    for i in raw["indicators"]:
        i["weight"] = w["indicators"][i["code"]]
    return parse_methodology(yaml.safe_dump(raw, allow_unicode=True).encode())


_REG = load_registry()
_MATCHER = Matcher(_REG, respondents_only=True)


def run_core(exp: Export, path, m):
    path.write_bytes(exp.csv_bytes())
    q = questionnaire()
    raw = read_export(path, q, wave=exp.wave)
    clean = clean_responses(raw.frame, q, _REG, exp.wave, matcher=_MATCHER)
    ind = score_indicators(clean.frame, q, m)
    return raw, clean, ind, compose_index(ind, _REG, m)


def weighted_mean(values: pd.DataFrame, w: dict[str, float]) -> pd.Series:
    """The methodology's arithmetic mean: missing parts dropped and the other weights rescaled."""
    wv = pd.Series(w)[values.columns]
    present = values.notna()
    num = (values.fillna(0) * wv).sum(axis=1)
    den = (present * wv).sum(axis=1)
    return (num / den).where(den > 0)


@SETTINGS
@given(exp=exports(), w=weights())
def test_pipeline_invariants(exp, w, tmp_path):
    m = methodology_with(w)
    raw, clean, ind, scores = run_core(exp, tmp_path / "export.csv", m)
    errors = [p.describe() for p in raw.problems + clean.problems if p.severity == "error"]
    assert not errors, errors

    # one row per unit, every unit of the export
    assert scores["unit_code"].is_unique
    assert len(scores) == len(exp.rows) == clean.frame["unit_code"].nunique()

    # every score in 0..100 (or missing when a unit answered nothing of that part)
    parts = m.component_codes + m.pillar_codes + [m.index_code]
    vals = scores[parts].to_numpy(dtype=float)
    assert np.all(np.isnan(vals) | ((vals >= -1e-9) & (vals <= 100 + 1e-9)))
    iv = ind["value"].to_numpy(dtype=float)
    assert np.all(np.isnan(iv) | ((iv >= 0) & (iv <= 100)))

    # ranks 1..n among the ranked (eligible) units, on the lei at the methodology's published
    # precision (its ranking rule: scores that print the same rank the same); ties share the best
    # rank: rank = 1 + number of ranked units strictly better
    lei = scores[m.index_code].to_numpy(dtype=float)
    ranked = scores["rank"].notna().to_numpy()
    assert not np.any(ranked & np.isnan(lei)), "a unit without a score was ranked"
    shown = lei if m.precision is None else np.round(lei, m.precision)
    for i in np.flatnonzero(ranked):
        better = shown[ranked] > shown[i] + (1e-9 if m.precision is None else 0)
        assert scores["rank"].iloc[i] == 1 + int(np.sum(better))
    if ranked.any():
        assert scores.loc[ranked, "rank"].min() == 1

    # lei = weighted mean of pillars, pillar = of its components, component = of its indicators,
    # recomputed from the YAML weights
    s = scores.set_index("unit_code")
    assert np.allclose(weighted_mean(s[m.pillar_codes], w["pillars"]), s[m.index_code], equal_nan=True)
    for p in m.pillars:
        comps = [c.code for c in p.components]
        assert np.allclose(weighted_mean(s[comps], w["components"]), s[p.code], equal_nan=True)
    wide = ind.pivot(index="unit_code", columns="indicator", values="value").astype(float)
    for c in m.components:
        codes = [i.code for i in m.indicators if i.component == c.code]
        expect = weighted_mean(wide.reindex(columns=codes), w["indicators"]).reindex(s.index)
        assert np.allclose(expect, s[c.code], equal_nan=True), c.code


@SETTINGS
@given(exp=exports(), w1=weights(), w2=weights())
def test_changing_only_weights_never_changes_indicator_values(exp, w1, w2, tmp_path):
    _, _, ind1, s1 = run_core(exp, tmp_path / "a.csv", methodology_with(w1))
    _, _, ind2, s2 = run_core(exp, tmp_path / "b.csv", methodology_with(w2))
    key = ["wave", "unit_code", "indicator"]
    a = ind1.sort_values(key).reset_index(drop=True)
    b = ind2.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert sorted(s1["unit_code"]) == sorted(s2["unit_code"])
