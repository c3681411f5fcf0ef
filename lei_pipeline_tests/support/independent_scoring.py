"""An independent reading of the LEI methodology, written from the YAML files' own rule
descriptions (methodology, questionnaire, registry CSVs, waves.yaml), used to check the
pipeline's published scores and to score the sample generator's ground truth. Deliberately plain
Python per unit: it shares no code with lei_pipeline (no import of it at all).

Two readings: v1 (no scoring.reading: any absent answer follows the indicator's `missing` rule)
and v2 (declared readings for don't-know, blank and NA; missing only when not reached, not
shown, not asked or not in force; ranking eligibility on coverage; ranks on rounded scores)."""
from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import yaml

NAN = float("nan")
# statuses that do not count against a unit's coverage (the methodology's "missing by design")
DESIGN_MISSING = {"not_shown", "not_asked", "not_in_force", "no_population", "na_accepted"}


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _linear(x, worst, best):
    return max(0.0, min(100.0, 100.0 * (x - worst) / (best - worst)))


class Spec:
    """The inputs of a scoring, read straight from the files."""

    def __init__(self, data_dir: Path, methodology_path: Path):
        data_dir = Path(data_dir)
        self.m = yaml.safe_load(Path(methodology_path).read_text(encoding="utf-8"))
        self.q = yaml.safe_load((data_dir / "questionnaire" / "lei-questionnaire.yaml").read_text(encoding="utf-8"))
        self.questions = {d["code"]: d for d in self.q["questions"]}
        self.v2 = "reading" in (self.m.get("scoring") or {})
        # a wave not declared in waves.yaml describes 31 December of the year before it
        waves = yaml.safe_load((data_dir / "waves.yaml").read_text(encoding="utf-8")) if (data_dir / "waves.yaml").exists() else {}
        self.reference = {str(w["id"]): date.fromisoformat(str(w["reference_date"])) for w in (waves or {}).get("waves") or []}
        with open(data_dir / "reference" / "registry.csv", encoding="utf-8") as f:
            reg = list(csv.DictReader(f))
        codes_of: dict[str, list[str]] = {}   # a name can be two units (the city and city municipality Novi Sad)
        self.population = {}
        for r in reg:
            code = r["code"] or "X-" + _fold(r["name_latin"])
            codes_of.setdefault(r["name_latin"], []).append(code)
            self.population[code] = float(r["population_2022"]) if r["population_2022"] else None
        self.minority = set()
        path = data_dir / "reference" / "official-languages.csv"
        if path.exists():
            with open(path, encoding="utf-8") as f:
                self.minority = {code for r in csv.DictReader(f) if r["minority_languages"].strip()
                                 for code in codes_of[r["name_latin"]]}

    def page(self, wave: str, code: str) -> int:
        areas = []
        for d in self.q["questions"]:
            if wave in [str(w) for w in d.get("waves") or self.q["waves"]]:
                if d["area"] not in areas:
                    areas.append(d["area"])
                if d["code"] == code:
                    return areas.index(d["area"]) + 1
        return 0

    def asked(self, wave: str, code: str) -> bool:
        return wave in [str(w) for w in self.questions[code].get("waves") or self.q["waves"]]


def _reference(spec: Spec, wave: str) -> date:
    return spec.reference.get(wave) or date(int(wave[:4]) - 1, 12, 31)


def _fold(name: str) -> str:
    table = str.maketrans({"č": "C", "ć": "C", "š": "S", "ž": "Z", "Č": "C", "Ć": "C", "Š": "S", "Ž": "Z"})
    return name.replace("đ", "DJ").replace("Đ", "DJ").translate(table).upper().replace(" ", "-")


def _status(spec: Spec, code: str, row: dict, wave: str, unit: str) -> str | None:
    """Why question `code` has no answer to read (None: there is one to read)."""
    if not spec.asked(wave, code):
        return "not_asked"
    d = spec.questions[code]
    cond = d.get("shown_if")
    if cond and "registry" in cond and unit not in spec.minority:
        return "not_shown"
    if cond and "question" in cond and row.get(cond["question"]) != cond["equals"]:
        return "not_shown"
    complete = row.get("complete", True)
    last = row.get("last_page")
    reached = bool(complete) if _missing(complete) is False else True
    if not reached:
        reached = not _missing(last) and int(last) >= spec.page(wave, code)
    return None if reached else "not_reached"


def _mc(spec: Spec, ind: dict, row: dict):
    """(ticked criteria, criteria count, anything ticked) of a multiple-choice indicator."""
    d = spec.questions[ind["question"]]
    subs = [s["code"] for s in d["subquestions"]]
    excl = [s["code"] for s in d["subquestions"] if s.get("exclusive")]
    crit = ind.get("subquestions") or [s for s in subs if s not in excl]
    val = {s: row.get(f"{d['code']}[{s}]") for s in subs}
    ticked = sum(1 for s in crit if val[s] is True or val[s] == "Y")
    anything = any(v is True or v == "Y" for v in val.values())
    return ticked, len(crit), anything


def indicator_value(spec: Spec, ind: dict, row: dict, wave: str, unit: str) -> tuple[float, str]:
    """(value, status) of one indicator for one unit."""
    rule = ind["rule"]
    qs = [ind["numerator"], ind["denominator"]] if rule == "ratio" else [ind["question"]]
    reading = {**(spec.m["scoring"].get("reading") or {}), **(ind.get("reading") or {})}
    for qc in qs:
        st = _status(spec, qc, row, wave, unit)
        if st == "not_asked":
            return NAN, st
    if spec.v2 and ind.get("applies_from"):
        start = ind["applies_from"] if isinstance(ind["applies_from"], date) else date.fromisoformat(str(ind["applies_from"]))
        if _reference(spec, wave) < start:
            return NAN, "not_in_force"
    statuses = [_status(spec, qc, row, wave, unit) for qc in qs]
    absent = next((s for s in statuses if s), None)
    if rule == "per_capita" and not spec.population.get(unit) and absent != "not_reached":
        return NAN, "no_population"    # the registry's gap, whatever the answer

    def blank():
        if not spec.v2:
            return (0.0 if ind.get("missing") == "zero" else NAN), "blank"
        return (0.0 if reading["blank"] == "none" else NAN), "blank"

    if rule == "share_selected":
        ticked, n, anything = _mc(spec, ind, row)
        if not anything:
            if absent and spec.v2:
                return NAN, absent
            return blank()
        return 100.0 * ticked / n, "answered"
    values = [row.get(qc) for qc in qs]
    if any(_missing(v) for v in values):
        if absent and spec.v2:
            return NAN, absent
        return blank()
    if rule == "ratio":
        num, den = float(values[0]), float(values[1])
        if den == 0:
            return NAN, "invalid"
        return _linear(ind.get("multiplier", 1) * num / den, ind["worst"], ind["best"]), "answered"
    v = values[0]
    if v == "DK":
        if spec.v2 and reading["dont_know"] == "missing":
            return NAN, "dont_know"
        return 0.0, "dont_know"
    if v == "NA":
        if spec.v2 and reading["na"] == "refused":
            return 0.0, "na_refused"
        return NAN, "na_accepted"
    if rule == "yes_no":
        return (100.0 if v == "Y" else 0.0), "answered"
    if rule == "points":
        return float(ind["points"][v]), "answered"
    if rule == "sophistication":
        return float(spec.m["scoring"]["sophistication_levels"][v]), "answered"
    if rule == "linear":
        return _linear(float(v), ind["worst"], ind["best"]), "answered"
    if rule == "per_capita":
        pop = spec.population.get(unit)
        if not pop:
            return NAN, "no_population"
        return _linear(float(v) * ind["per"] / pop, ind["worst"], ind["best"]), "answered"
    if rule == "recent_date":
        ref = _reference(spec, wave) if spec.v2 else date(int(wave[:4]) - 1, 12, 31)
        d = v.date() if isinstance(v, (datetime, pd.Timestamp)) else v
        return (100.0 if (ref - d).days <= ind["within_days"] else 0.0), "answered"
    raise AssertionError(f"rule {rule} not covered by the independent reading")


def _wmean(pairs):
    pairs = [(v, w) for v, w in pairs if not _missing(v)]
    if not pairs:
        return NAN
    return sum(v * w for v, w in pairs) / sum(w for _, w in pairs)


def unit_scores(spec: Spec, response_row: dict, wave: str, only: set | None = None) -> dict:
    """Indicators, components, pillars, lei, coverage per component, eligibility and category.
    only: score over these indicators alone (the others left out, as if not asked)."""
    unit = str(response_row["unit_code"])
    m = spec.m
    got = {i["code"]: (indicator_value(spec, i, response_row, wave, unit) if only is None or i["code"] in only
                       else (NAN, "not_asked")) for i in m["indicators"]}
    out = {"indicators": {k: v for k, (v, _) in got.items()}, "status": {k: s for k, (_, s) in got.items()}}
    eligible = True
    for pillar in m["pillars"]:
        for comp in pillar["components"]:
            mine = [i for i in m["indicators"] if i["component"] == comp["code"]]
            out[comp["code"]] = _wmean([(got[i["code"]][0], i["weight"]) for i in mine])
            applies = [i for i in mine if not _missing(got[i["code"]][0]) or got[i["code"]][1] not in DESIGN_MISSING]
            answered = sum(i["weight"] for i in applies if not _missing(got[i["code"]][0]))
            total = sum(i["weight"] for i in applies)
            out[f"coverage_{comp['code']}"] = answered / total if total else NAN
            need = ((m.get("ranking") or {}).get("eligibility") or {}).get("min_component_coverage")
            if need is not None and not (total and answered / total + 1e-9 >= need):
                eligible = False
        out[pillar["code"]] = _wmean([(out[c["code"]], c["weight"]) for c in pillar["components"]])
    out[m["index"]["code"]] = lei = _wmean([(out[p["code"]], p["weight"]) for p in m["pillars"]])
    precision = (m.get("ranking") or {}).get("precision")
    shown = lei if precision is None else round(lei, precision)
    band = next(b for b in m["categories"]["bands"] if shown >= b["min"])
    out["ranked"] = eligible
    out["category"] = band["sr_latn"] if eligible else None
    out["rank_score"] = shown if eligible else NAN
    return out


def ranks(rank_scores: dict) -> dict:
    """Competition ranks (1 = best, ties share the best rank) of the eligible units' scores."""
    vals = {u: s for u, s in rank_scores.items() if not _missing(s)}
    return {u: 1 + sum(1 for o in vals.values() if o > s) for u, s in vals.items()}


def reported_row(spec: Spec, truth: dict, events: dict, wave: str) -> dict:
    """What a respondent with this ground truth reported: the truth, except where an event says
    otherwise (dont_know -> "DK"; blank, not_shown, not_reached, out_of_range -> empty; for a
    multiple-choice question: blank -> nothing ticked, none_of_these -> only the exclusive box)."""
    row = {"unit_code": truth["unit_code"], "complete": truth["complete"], "last_page": truth["last_page"]}
    for code, d in spec.questions.items():
        if not spec.asked(wave, code):
            continue
        if d["type"] == "multiple_choice":
            ev = events.get(code)
            for s in d["subquestions"]:
                col = f"{code}[{s['code']}]"
                v = truth.get(col) in (True, "Y")
                if ev in ("blank", "not_reached", "not_shown"):
                    v = False if ev == "blank" else None
                elif ev == "none_of_these":
                    v = bool(s.get("exclusive"))
                elif s.get("exclusive") and code != "PAY01":
                    v = False      # the truth holds "none of these", but the respondent ticked nothing
                row[col] = v
            continue
        ev = events.get(code)
        v = truth.get(code)
        if ev == "dont_know":
            v = "DK"
        elif ev in ("blank", "not_shown", "not_reached", "out_of_range"):
            v = None
        elif d["type"] in ("number", "percentage") and not _missing(v):
            v = float(v)
        elif d["type"] == "date" and not _missing(v):
            v = date.fromisoformat(str(v)[:10])
        row[code] = None if _missing(v) or v == "" else v
    return row


def read_truth(folder: Path) -> tuple[dict, dict]:
    """({unit: truth row}, {unit: {column: event}}) from a sample wave folder."""
    with open(folder / "SYNTHETIC-truth" / "truth.csv", encoding="utf-8") as f:
        truth = {}
        for r in csv.DictReader(f):
            r = {k: (None if v == "" else v) for k, v in r.items()}
            r["complete"] = r["complete"] in ("Y", "True")
            r["last_page"] = int(r["last_page"])
            truth[r["unit_code"]] = r
    events: dict = {}
    with open(folder / "SYNTHETIC-truth" / "events.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            events.setdefault(r["unit_code"], {})[r["column"]] = r["event"]
    return truth, events
