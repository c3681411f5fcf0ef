"""Seeded synthetic answers: one tidy, typed row per local government (the shape clean_responses
produces), for any number of units.

Model: each unit has a persistent e-government maturity (seeded per unit, so the same unit is
recognisable across waves), lifted for cities and larger populations, moved up a little each
wave with unit-level noise (so some units regress). Each question has a fixed difficulty (from its
code, not the seed: the calibration holds for every seed) and a component level calibrated so
that the 2022 wave, scored with methodology v1, matches the published first LEI measurement
(mean 40; infrastructure 49, citizen involvement 43, human resources 37, services 32).
Vectorised over units: one numpy pass per question, never a loop per cell.

Ground truth: every answer is first drawn as what the unit really has (`truth`: which criteria it
meets, how many of each count), then reported with the respondent's noise, recorded per cell in
`events`: dont_know (answered "don't know"), blank (left empty on a shown page), not_shown (the
display condition was false: a registry fact or an earlier answer), none_of_these (nothing true and
the exclusive "none of these" ticked; otherwise nothing is ticked). Tests score the truth with
code of their own and compare with the pipeline."""
from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd

from lei_pipeline.survey.questionnaire import DONT_KNOW, Questionnaire, load_questionnaire
from lei_pipeline.sample.units import sample_units

AREA_COMPONENT = {
    "strategy_finance": "infrastructure", "ict_infrastructure": "infrastructure", "registers": "infrastructure",
    "human_resources": "human_resources",
    "services": "service_quality", "payments": "service_quality", "building_permits": "service_quality",
    "local_tax": "service_quality", "e_office": "service_quality", "information_security": "service_quality",
    "transparency": "citizen_involvement", "citizen_engagement": "citizen_involvement",
}
# Component levels (logit scale), calibrated against methodology v2 on the 2022 wave (seed 42;
# the calibration test checks it). Tune here if the methodology's indicators change.
COMPONENT_LEVEL = {"infrastructure": -0.32, "human_resources": -0.74, "service_quality": -1.04, "citizen_involvement": -0.23}
# Known realities: SEF is mandatory for the public sector since May 2022, eZUP and eIzvod are
# widespread, only 14% of cities had an eGovernment strategy in 2022, CEOP is mandatory.
DIFFICULTY = {
    "PAY03": 2.5, "REG01": 1.6, "SRV01": 1.2, "SEC07": 1.0, "TRN05": 0.8, "REG04": 1.0, "TAX01": 0.5,
    "SRV05": 0.9, "SRV06": 0.9, "SRV07": 0.7, "SRV03": 0.6, "OFC03": 0.4,
    "STR01": -2.0, "SRV14": -1.4, "ENG05": -1.3, "ENG04": -1.0, "SRV09": -0.9, "SRV10": -0.9, "PAY06": -0.8,
}
# Single-choice questions whose first listed option is the best one (others list worst first).
BEST_FIRST = {"STR03", "STR07", "TRN07"}
WAVE_SHIFT = {"2022": 0.0, "2024": 0.18, "2025": 0.30}
TYPE_EFFECT = {"capital_city": 0.45, "city": 0.25, "municipality": 0.0, "city_municipality": 0.05}
DK_RATE = 0.03
MISSING_RATE = 0.015
NON_RESPONDENTS = 5  # about 140 of the 145 answer a wave

GOOD_PRACTICES = (
    "Građani prijavljuju komunalne probleme preko mobilne aplikacije i prate rešavanje.",
    "Participativni budžet: predlozi i glasanje preko portala grada.",
    "Redovne onlajn konsultacije o nacrtima odluka na internet prezentaciji.",
    "Obuke za korišćenje Portala eUprava u mesnim zajednicama.",
    "Anketa zadovoljstva korisnika posle svake elektronske usluge.",
)


def _year(wave: str) -> int | None:
    m = re.search(r"(\d{4})", str(wave))
    return int(m.group(1)) if m else None


def _wave_shift(wave: str) -> float:
    if str(wave) in WAVE_SHIFT:
        return WAVE_SHIFT[str(wave)]
    y = _year(wave)
    return 0.0 if y is None else max(0.0, 0.08 * (y - 2022))


def _difficulty(code: str) -> float:
    """Fixed per question code (crc32, not the seed), so the calibration does not move with the seed."""
    if code in DIFFICULTY:
        return DIFFICULTY[code]
    return ((zlib.crc32(code.encode()) % 1000) / 1000.0 - 0.5) * 1.2


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _unit_rng_normals(codes: pd.Series, seed: int, salt: int) -> np.ndarray:
    """One N(0,1) draw per unit that depends only on (seed, salt, unit code): a unit keeps its
    maturity whatever the wave's size or the other units."""
    keys = codes.astype(str).map(lambda c: zlib.crc32(c.encode())).to_numpy(dtype=np.uint64)
    x = (keys * np.uint64(0x9E3779B97F4A7C15) + np.uint64(seed * 1_000_003 + salt)) & np.uint64(0xFFFFFFFFFFFF)
    u1 = ((x >> np.uint64(24)) & np.uint64(0xFFFFFF)).astype(float) / float(1 << 24) + 0.5 / (1 << 24)
    u2 = (x & np.uint64(0xFFFFFF)).astype(float) / float(1 << 24) + 0.5 / (1 << 24)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def maturity(units: pd.DataFrame, wave: str, seed: int) -> np.ndarray:
    """Latent e-government maturity of each unit in a wave (logit scale)."""
    base = _unit_rng_normals(units["unit_code"], seed, 1)
    size = np.clip(0.12 * np.log10(units["population"].to_numpy(dtype=float) / 16_000.0), -0.3, 0.5)
    kind = units["unit_type"].map(TYPE_EFFECT).fillna(0.0).to_numpy(dtype=float)
    change = _unit_rng_normals(units["unit_code"], seed, 100 + (_year(wave) or 0)) * 0.15 if _wave_shift(wave) else 0.0
    return 0.32 * base + kind + size + _wave_shift(wave) + change


class _Draw:
    """The per-wave random stream and the unit table, shared by the per-question generators;
    `events` collects (unit position, column, event) for every answer not reported as it is."""

    def __init__(self, units: pd.DataFrame, wave: str, seed: int, record: bool = True):
        self.events: dict[tuple[int, str], str] = {}   # (unit position, column) -> event
        self.record = record   # off for large benchmark waves: the events would cost memory, not draws
        self.units = units
        self.n = len(units)
        self.wave = str(wave)
        self.rng = np.random.default_rng([seed, _year(wave) or zlib.crc32(str(wave).encode()), 2])
        self.t = maturity(units, wave, seed)
        self.pop = units["population"].to_numpy(dtype=float)

    def p(self, code: str, component: str, extra: float = 0.0) -> np.ndarray:
        noise = self.rng.normal(0.0, 0.6, self.n)
        return _sigmoid(COMPONENT_LEVEL[component] + _difficulty(code) + extra + self.t + noise)

    def blank(self, rate: float) -> np.ndarray:
        return self.rng.random(self.n) < rate

    def report(self, column: str, out: np.ndarray, mask: np.ndarray, value, event: str) -> None:
        """Report `value` instead of the truth where mask holds (a later event overrides an earlier)."""
        out[mask] = value
        if self.record:
            self.events.update(((int(i), column), event) for i in np.flatnonzero(mask))


def _choice_codes(q) -> list[str]:
    codes = [o.code for o in q.options if o.code not in (DONT_KNOW, "NA")]
    return codes[::-1] if q.code in BEST_FIRST else codes


def _yes_no(d: _Draw, q, comp: str) -> np.ndarray:
    p = d.p(q.code, comp)
    truth = np.where(d.rng.random(d.n) < p, "Y", "N").astype(object)
    out = truth.copy()
    d.report(q.code, out, d.blank(DK_RATE), DONT_KNOW, "dont_know")
    d.report(q.code, out, d.blank(MISSING_RATE), None, "blank")
    return truth, out


def _single(d: _Draw, q, comp: str) -> np.ndarray:
    codes = _choice_codes(q)
    p = d.p(q.code, comp)
    level = d.rng.binomial(len(codes) - 1, p)
    truth = np.array(codes, dtype=object)[level]
    out = truth.copy()
    opts = set(q.option_codes)
    # NA only where the questionnaire allows it for the unit type (none of the respondents'
    # types today: the draw is kept so that a rule change shows up here).
    if "NA" in opts and q.na_allowed is not None:
        allowed = np.array([q.na_allowed_for(t) for t in d.units["unit_type"]], dtype=bool)
        na = allowed & d.blank(0.05)
        truth[na] = "NA"
        out[na] = "NA"
    if DONT_KNOW in opts:
        d.report(q.code, out, d.blank(DK_RATE), DONT_KNOW, "dont_know")
    d.report(q.code, out, d.blank(MISSING_RATE), None, "blank")
    return truth, out


def _multiple(d: _Draw, q, comp: str) -> dict[str, np.ndarray]:
    base = d.p(q.code, comp)
    logit = np.log(base / (1 - base))
    cols: dict[str, np.ndarray] = {}
    for i, s in enumerate(q.subquestions):
        shift = _difficulty(f"{q.code}{s.code}") * 0.8
        if q.code == "PAY01" and s.code == "SQ004":  # a POS terminal at the counter is common
            shift += 1.5
        cols[s.code] = d.rng.random(d.n) < _sigmoid(logit + shift)
    if q.code == "PAY01":  # "only at a bank or post office" excludes every other channel
        cols["SQ005"] = ~(cols["SQ001"] | cols["SQ002"] | cols["SQ003"] | cols["SQ004"])
    excl = [s.code for s in q.subquestions if s.exclusive]
    if excl and q.code != "PAY01":
        nothing = ~np.any([cols[s.code] for s in q.subquestions if not s.exclusive], axis=0)
        cols[excl[0]] = nothing.copy()                      # truth: "none of these" holds
        ticks_none = nothing & (d.rng.random(d.n) < 0.5)    # half tick it, half leave all empty
        if d.record:
            d.events.update(((int(i), q.code), "none_of_these") for i in np.flatnonzero(ticks_none))
            d.events.update(((int(i), q.code), "blank") for i in np.flatnonzero(nothing & ~ticks_none))
    truth, out = {}, {}
    for s in q.subquestions:
        col = f"{q.code}[{s.code}]"
        truth[col] = cols[s.code]
        reported = cols[s.code].copy()
        if s.exclusive and q.code != "PAY01":
            reported = ticks_none
        out[col] = pd.array(reported, dtype="boolean")
    return truth, out


def _pct(d: _Draw, p: np.ndarray, spread: float = 9.0, scale: float = 100.0) -> np.ndarray:
    return np.clip(np.round(p * scale + d.rng.normal(0, spread, d.n), 1), 0, 100)


def _number(d: _Draw, q, comp: str, answers: dict) -> np.ndarray:
    code = q.code
    p = d.p(code, comp)
    r = d.rng
    emp = answers.get("ICT01")
    if code == "ICT01":
        x = np.round(30 + d.pop * 0.0045 * np.exp(r.normal(0, 0.2, d.n)))
        x = np.clip(x, 20, 3500)
    elif code == "ICT02":
        x = np.round(emp * (0.45 + 0.62 * p))
    elif code == "ICT05":
        x = np.array([10, 20, 50, 100, 200, 500, 1000], dtype=float)[r.binomial(6, p)]
    elif code == "STR04":
        x = np.round(d.pop * r.uniform(40, 300, d.n) * (0.3 + p), -3)
    elif code == "STR06":
        x = r.poisson(3.6 * p).astype(float)
    elif code == "REG02":
        x = np.where(answers.get("REG01") == "Y", r.poisson(d.pop * 0.03 * (0.3 + p)), 0).astype(float)
    elif code == "REG06":
        x = np.clip(np.round(31 - 30 * p + r.normal(0, 3, d.n)), 1, 120)
    elif code == "SEC05":
        x = r.poisson(1.2, d.n).astype(float)
    elif code == "SEC06":
        x = r.binomial(answers["SEC05"].astype(int), p).astype(float)
    elif code == "HR01":
        x = np.round(emp * 0.021 * p * r.uniform(0.7, 1.3, d.n))
    elif code == "HR02":
        x = np.round(emp * 0.105 * p * r.uniform(0.7, 1.3, d.n))
    elif code == "HR05":  # trainings attended grow with the staff: scored per 100 employees
        x = r.poisson(emp * 0.11 * p).astype(float)
    elif code == "HR07":
        x = np.where(answers.get("HR06") == "Y", r.poisson(d.pop * 0.004 * (0.2 + p)), 0).astype(float)
    elif code == "HR08":  # activities for citizens grow with population: scored per 10,000 inhabitants
        x = r.poisson(d.pop / 10_000 * 2.4 * p).astype(float)
    elif code == "ENG01":
        x = r.poisson(5.6 * p).astype(float)
    elif code == "SRV12":
        x = r.poisson(56 * p).astype(float)
    elif code == "PAY04":
        x = r.poisson(emp * 14.0).astype(float)
    elif code == "PER01":
        x = r.poisson(d.pop * 0.004).astype(float)
    elif code == "PER03":
        x = np.clip(np.round(31 - 27 * p + r.normal(0, 3, d.n)), 1, 120)
    elif code == "TRN02":
        x = r.poisson(11 * p).astype(float)
    elif code == "ENG03":
        x = np.where(answers.get("ENG02") == "Y", r.poisson(d.pop * 0.003 * (0.3 + p)), 0).astype(float)
    elif code == "ENG06":
        x = np.clip(np.round(31 - 30 * p + r.normal(0, 2, d.n)), 1, 90)
    else:
        x = r.poisson(5 * p).astype(float)
    x = x.astype(float)
    if q.max is not None:
        x = np.minimum(x, q.max)
    return x  # the caller blanks some out after later questions have used the true value


def _percentage(d: _Draw, q, comp: str) -> np.ndarray:
    p = d.p(q.code, comp)
    if q.code == "ICT03":  # older computers: lower is better
        x = _pct(d, 1 - p)
    elif q.code == "STR05":  # the eGovernment share of the budget is a few percent at most
        x = np.clip(np.round(2.1 * p + d.rng.normal(0, 0.25, d.n), 2), 0, 100)
    elif q.code in ("SRV13", "PAY02"):  # goalpost at 50%: half of the requests online is the best
        x = _pct(d, p, 5, 52)
    elif q.code == "PER02":
        x = np.clip(np.round(50 + 50 * p + d.rng.normal(0, 5, d.n), 1), 0, 100)
    elif q.code == "TAX03":
        x = np.clip(np.round(55 + 35 * p + d.rng.normal(0, 6, d.n), 1), 0, 100)
    else:
        x = _pct(d, p)
    return x


def _reference(wave: str) -> np.datetime64:
    y = _year(wave) or 2025
    return np.datetime64(f"{y - 1}-12-31", "D")


def _date(d: _Draw, q, comp: str, answers: dict) -> np.ndarray:
    ref = _reference(d.wave)
    p = d.p(q.code, comp)
    if q.code == "SEC02":  # adopted after the 2016 law; only where the act exists
        days = d.rng.integers(0, int((ref - np.datetime64("2017-01-01", "D")).astype(int)), d.n)
        x = (np.datetime64("2017-01-01", "D") + days).astype("datetime64[ns]")
        x[answers.get("SEC01") != "Y"] = np.datetime64("NaT")
    else:  # last register update: recently for mature units
        back = np.round(d.rng.exponential(200 + 900 * (1 - p))).astype(int)
        x = (ref - back.astype("timedelta64[D]")).astype("datetime64[ns]")
    return x


def _slug(names: pd.Series) -> pd.Series:
    from lei_pipeline.registry import name_key

    return names.map(name_key).str.replace(" ", "", regex=False)


def _text(d: _Draw, q, answers: dict) -> np.ndarray:
    if q.code == "STR02":
        url = ("https://www." + _slug(d.units["name_latin"]) + ".rs/strategija-euprave")
        out = url.to_numpy(dtype=object)
        out[answers.get("STR01") != "Y"] = None
        return out
    pick = np.array(GOOD_PRACTICES, dtype=object)[d.rng.integers(0, len(GOOD_PRACTICES), d.n)]
    pick[d.rng.random(d.n) > 0.35] = None
    return pick


def _submitted(d: _Draw) -> np.ndarray:
    y = _year(d.wave) or 2025
    start = np.datetime64(f"{y}-03-01T08:00:00", "s")
    secs = d.rng.integers(0, 30 * 24 * 3600, d.n)
    return (start + secs.astype("timedelta64[s]")).astype("datetime64[ns]")


def _minority_languages(units: pd.DataFrame, registry: pd.DataFrame | None) -> np.ndarray:
    """Per unit: a minority language in official use (registry fact; synthetic units have none)."""
    from lei_pipeline.methodology.facts import languages_path, with_official_languages
    from lei_pipeline.settings import REPO_ROOT

    if registry is None:
        from lei_pipeline.registry import load_registry

        registry = load_registry()
    if "minority_languages" not in registry.columns:
        registry = with_official_languages(registry, languages_path(REPO_ROOT / "data" / "reference"))
    langs = registry.set_index(registry["unit_code"].astype(str))["minority_languages"]
    v = units["unit_code"].astype(str).map(langs)
    return (v.notna() & (v.astype(str).str.strip() != "")).to_numpy(dtype=bool)


def _typed(t: str, a) -> object:
    if t in ("number", "percentage"):
        return pd.array(a, dtype="float64")
    if t == "date":
        return pd.array(a, dtype="datetime64[ns]")
    return pd.array(a, dtype="str")


def generate_wave(wave: str, n_units: int | None = None, seed: int = 42, questionnaire: Questionnaire | None = None,
                  registry: pd.DataFrame | None = None, with_truth: bool = True
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """(tidy answers as reported, ground truth, events): see generate_responses for the tidy
    frame. truth: unit_code and one column per export column with what the unit really has.
    events: unit_code, column, event for every cell not reported as the truth (dont_know, blank,
    not_shown, none_of_these; a multiple-choice question's events name the question code)."""
    wave = str(wave)
    q = questionnaire or load_questionnaire()
    units = sample_units(n_units, seed, registry)
    if n_units is None:
        rng = np.random.default_rng([seed, _year(wave) or 0, 9])
        drop = rng.choice(len(units), size=min(NON_RESPONDENTS, len(units)), replace=False)
        units = units.drop(index=units.index[drop]).reset_index(drop=True)
    d = _Draw(units, wave, seed, record=with_truth)
    answers: dict[str, np.ndarray] = {}
    columns: dict[str, object] = {}
    truth: dict[str, object] = {}
    for question in q.asked_in(wave):
        comp = AREA_COMPONENT.get(question.area, "service_quality")
        t = question.type
        if t == "multiple_choice":
            tr, out = _multiple(d, question, comp)
            truth.update(tr)
            columns.update(out)
            continue
        if t == "yes_no":
            tr, a = _yes_no(d, question, comp)
        elif t == "single_choice":
            tr, a = _single(d, question, comp)
        else:
            if t == "number":
                tr = _number(d, question, comp, answers)
            elif t == "percentage":
                tr = _percentage(d, question, comp)
            elif t == "date":
                tr = _date(d, question, comp, answers)
            else:
                tr = _text(d, question, answers)
            a = tr.copy()
            if t in ("number", "percentage", "date"):
                missing = np.datetime64("NaT") if t == "date" else np.nan
                d.report(question.code, a, d.blank(MISSING_RATE) & ~pd.isna(tr), missing, "blank")
        # later questions derive from the true counts, and from the reported yes/no (display conditions)
        answers[question.code] = tr if t in ("number", "percentage", "date") else a
        truth[question.code] = tr
        columns[question.code] = a
    _apply_display_conditions(d, q, wave, answers, columns, _minority_languages(units, registry))
    for question in q.asked_in(wave):
        if question.type != "multiple_choice":
            columns[question.code] = _typed(question.type, columns[question.code])
            truth[question.code] = _typed(question.type, truth[question.code]) if with_truth else None
    head = pd.DataFrame({
        "wave": pd.array([wave] * d.n, dtype="str"),
        "unit_code": pd.array(units["unit_code"].to_numpy(dtype=object), dtype="str"),
        "unit_name": pd.array(units["name_latin"].to_numpy(dtype=object), dtype="str"),
        "unit_type": pd.array(units["unit_type"].to_numpy(dtype=object), dtype="str"),
        "source_file": pd.array([f"synthetic-{wave}"] * d.n, dtype="str"),
        "source_row": np.arange(2, d.n + 2, dtype="int64"),
        "submitted_at": pd.array(_submitted(d), dtype="datetime64[ns]"),
    })
    tidy = pd.concat([head, pd.DataFrame(columns, index=head.index)], axis=1)
    if not with_truth:
        return tidy, None, None
    truth_frame = pd.concat([head[["unit_code"]], pd.DataFrame(truth, index=head.index)], axis=1)
    codes = head["unit_code"].to_numpy(dtype=object)
    ev = sorted(d.events.items())
    events = pd.DataFrame({"unit_code": pd.array([codes[i] for (i, _), _ in ev], dtype="str"),
                           "column": pd.array([c for (_, c), _ in ev], dtype="str"),
                           "event": pd.array([e for _, e in ev], dtype="str")})
    return tidy, truth_frame, events


def _apply_display_conditions(d: _Draw, q: Questionnaire, wave: str, answers: dict, columns: dict,
                              minority: np.ndarray) -> None:
    """A question whose display condition is false is not shown: its cell stays empty."""
    for question in q.asked_in(wave):
        cond = question.shown_if
        if not cond or question.type == "multiple_choice":
            continue
        if "registry" in cond:
            hidden = ~minority if cond["registry"] == "minority_languages" else np.zeros(d.n, bool)
        else:
            hidden = answers.get(cond["question"], np.full(d.n, None)) != cond["equals"]
        a = np.asarray(columns[question.code]).copy()
        if question.type == "date":
            empty = np.datetime64("NaT")
        elif question.type in ("number", "percentage"):
            empty = np.nan
        else:
            empty = None
            a = a.astype(object)
        d.report(question.code, a, hidden, empty, "not_shown")
        columns[question.code] = a


def generate_responses(wave: str, n_units: int | None = None, seed: int = 42,
                       questionnaire: Questionnaire | None = None, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tidy typed answers for one wave (clean_responses' frame shape): wave, unit_code,
    unit_name, unit_type, source_file, source_row, submitted_at, then one column per export
    column of the questions asked in the wave.

    n_units=None: the registry's respondents less a few seeded non-respondents (about 140).
    n_units=N: exactly N units (registry units first, then synthetic ones beyond 145)."""
    return generate_wave(wave, n_units, seed, questionnaire, registry, with_truth=False)[0]
