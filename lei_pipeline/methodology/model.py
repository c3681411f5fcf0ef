"""The methodology YAML (data/methodology/lei-v1.yaml) as typed, validated objects.

The methodology is data: indicators with their scoring rules, the component/pillar tree with
weights, the engine's method and the development categories. Changing the file changes the
sha256, which every published snapshot records."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import yaml

from lei_pipeline.errors import LeiError
from lei_pipeline.files import load_yaml, parsed_once, read_input

RULES = ("yes_no", "points", "sophistication", "share_selected", "linear", "ratio", "recent_date", "per_capita")
MISSING = ("exclude", "zero")
# How an answer that is not a plain answer reads (methodology v2: scoring.reading, per indicator
# reading). dont_know: DK scores 0 (zero) or is left out (missing); blank: a question left empty on
# a page the respondent reached and was shown means "none" (scores 0) or is left out; na: an NA
# answer is accepted as not applicable (left out, not counted against coverage) or refused (0).
READINGS = {"dont_know": ("zero", "missing"), "blank": ("none", "missing"), "na": ("accepted", "refused")}
# Each rule and the question types it can read.
RULE_TYPES = {
    "yes_no": {"yes_no"},
    "points": {"single_choice"},
    "sophistication": {"single_choice"},
    "share_selected": {"multiple_choice"},
    "linear": {"number", "percentage"},
    "ratio": {"number", "percentage"},
    "recent_date": {"date"},
    "per_capita": {"number"},
}


class Category(NamedTuple):
    code: str
    label_sr: str
    label_en: str
    min: float


@dataclass(frozen=True)
class Indicator:
    code: str
    component: str
    rule: str
    weight: float
    description: dict
    question: str | None = None          # every rule but ratio
    numerator: str | None = None         # ratio
    denominator: str | None = None       # ratio
    multiplier: float = 1.0
    points: dict = field(default_factory=dict)
    subquestions: list | None = None     # share_selected: which subquestions count (None = all)
    worst: float | None = None
    best: float | None = None
    within_days: int | None = None
    missing: str = "exclude"
    reading: dict = field(default_factory=dict)   # dont_know / blank / na -> declared reading
    applies_from: object = None                   # datetime.date: not scored in a wave referring to an earlier date
    per: float | None = None                      # per_capita: per this many inhabitants

    @property
    def questions(self) -> list[str]:
        """Every question the indicator reads."""
        return [q for q in (self.question, self.numerator, self.denominator) if q]


@dataclass(frozen=True)
class Component:
    code: str
    pillar: str
    weight: float
    name: dict


@dataclass(frozen=True)
class Pillar:
    code: str
    weight: float
    name: dict
    components: tuple


@dataclass(frozen=True)
class Methodology:
    version: str
    sha256: str
    path: Path | None
    raw: dict
    index_code: str
    pillars: list
    components: list
    indicators: list
    categories: list          # list[Category], highest first
    levels: dict              # sophistication level -> points
    dont_know_score: float
    declares_reading: bool = False   # v2+: scoring.reading declared (v1: the legacy missing rule)
    precision: int | None = None     # ranks and categories on scores rounded to this many decimals
    min_coverage: float | None = None  # ranking eligibility: least answered share of each component's weight

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    @property
    def component_codes(self) -> list[str]:
        return [c.code for c in self.components]

    @property
    def pillar_codes(self) -> list[str]:
        return [p.code for p in self.pillars]

    def framework(self):
        from lei_pipeline.index import Framework, Node

        nodes = [Node(i.code, i.component, 1, weight=i.weight, name=i.description.get("en")) for i in self.indicators]
        nodes += [Node(c.code, c.pillar, 2, weight=c.weight, name=c.name.get("en")) for c in self.components]
        nodes += [Node(p.code, self.index_code, 3, weight=p.weight, name=p.name.get("en")) for p in self.pillars]
        nodes.append(Node(self.index_code, None, 4, name=(self.raw.get("index") or {}).get("name", {}).get("en")))
        return Framework(nodes=nodes)

    def method(self):
        """The engine's method from the YAML's method block, with the categories as its tiers
        (so the engine and compose_index can never disagree on a threshold)."""
        from lei_pipeline.index import Method

        d = dict(self.raw.get("method") or {})
        d["tiers"] = {"node": self.index_code,
                      "labels": [{"label": c.code, "min": c.min} for c in self.categories]}
        return Method.from_dict(d)

    def category_of(self, score: float) -> Category | None:
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for c in self.categories:
            if score >= c.min:
                return c
        return self.categories[-1]


def _num(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise LeiError(f"methodology: {where} must be a finite number, got {v!r}")
    return float(v)


def _reading(d, where: str, base: dict) -> dict:
    out = dict(base)
    for k, v in (d or {}).items():
        if k not in READINGS or v not in READINGS[k]:
            raise LeiError(f"methodology: {where} reading {k}: {v!r} is not one of "
                           f"{', '.join(f'{a}: {b}' for a, bs in READINGS.items() for b in bs)}")
        out[k] = v
    return out


def _date(v, where: str):
    import datetime as dt

    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise LeiError(f"methodology: {where} is not a date (YYYY-MM-DD): {v!r}") from None


def _indicator(d: dict, components: set[str], default_reading: dict | None = None) -> Indicator:
    code = str(d.get("code", ""))
    if not code:
        raise LeiError("methodology: an indicator has no code")
    rule = d.get("rule")
    if rule not in RULES:
        raise LeiError(f"methodology: indicator {code} has unknown rule {rule!r} (known: {', '.join(RULES)})")
    if d.get("component") not in components:
        raise LeiError(f"methodology: indicator {code} names unknown component {d.get('component')!r}")
    desc = d.get("description") or {}
    if not desc.get("sr_latn") or not desc.get("en"):
        raise LeiError(f"methodology: indicator {code} needs a description in sr_latn and en")
    missing = d.get("missing", "exclude")
    if missing not in MISSING:
        raise LeiError(f"methodology: indicator {code} missing must be one of {MISSING}, got {missing!r}")
    kw: dict = {}
    if rule == "ratio":
        if not d.get("numerator") or not d.get("denominator"):
            raise LeiError(f"methodology: ratio indicator {code} needs numerator and denominator")
        kw.update(numerator=str(d["numerator"]), denominator=str(d["denominator"]),
                  multiplier=_num(d.get("multiplier", 1), f"{code} multiplier"))
    else:
        if not d.get("question"):
            raise LeiError(f"methodology: indicator {code} needs a question")
        kw["question"] = str(d["question"])
    if rule == "per_capita":
        kw["per"] = _num(d.get("per"), f"{code} per")
    if rule in ("linear", "ratio", "per_capita"):
        worst, best = _num(d.get("worst"), f"{code} worst"), _num(d.get("best"), f"{code} best")
        if worst == best:
            raise LeiError(f"methodology: indicator {code} has worst == best")
        kw.update(worst=worst, best=best)
    if rule == "points":
        pts = d.get("points")
        if not isinstance(pts, dict) or not pts:
            raise LeiError(f"methodology: points indicator {code} needs a points mapping")
        kw["points"] = {str(k): _num(v, f"{code} points {k}") for k, v in pts.items()}
    if rule == "share_selected" and d.get("subquestions") is not None:
        kw["subquestions"] = [str(s) for s in d["subquestions"]]
    if rule == "recent_date":
        kw["within_days"] = int(_num(d.get("within_days"), f"{code} within_days"))
    if default_reading is None:   # v1: the legacy missing rule says how a blank reads
        reading = {"dont_know": "zero", "blank": "none" if missing == "zero" else "missing", "na": "accepted"}
    else:
        reading = _reading(d.get("reading"), f"indicator {code}", default_reading)
    return Indicator(code=code, component=str(d["component"]), rule=rule, weight=_num(d.get("weight", 1), f"{code} weight"),
                     description=dict(desc), missing=missing, reading=reading,
                     applies_from=_date(d.get("applies_from"), f"indicator {code} applies_from"), **kw)


def parse_methodology(data: bytes, path: Path | None = None) -> Methodology:
    try:
        raw = load_yaml(data)
    except yaml.YAMLError as e:
        raise LeiError(f"methodology {path}: not valid YAML ({e})") from e
    if not isinstance(raw, dict):
        raise LeiError(f"methodology {path}: expected a mapping")
    index_code = str((raw.get("index") or {}).get("code", "lei"))
    pillars, components = [], []
    for p in raw.get("pillars") or []:
        comps = tuple(Component(str(c["code"]), str(p["code"]), _num(c.get("weight", 1), f"{c['code']} weight"), dict(c.get("name") or {}))
                      for c in p.get("components") or [])
        if not comps:
            raise LeiError(f"methodology: pillar {p.get('code')} has no components")
        pillars.append(Pillar(str(p["code"]), _num(p.get("weight", 1), f"{p['code']} weight"), dict(p.get("name") or {}), comps))
        components.extend(comps)
    if not pillars:
        raise LeiError("methodology: no pillars")
    codes = [index_code] + [p.code for p in pillars] + [c.code for c in components]
    scoring = raw.get("scoring") or {}
    declared = scoring.get("reading")
    default_reading = None
    if declared is not None:
        if not isinstance(declared, dict) or set(READINGS) - set(declared):
            raise LeiError(f"methodology: scoring.reading must declare {', '.join(READINGS)}")
        default_reading = _reading({k: declared[k] for k in READINGS}, "scoring", {})
    indicators = [_indicator(d, {c.code for c in components}, default_reading) for d in raw.get("indicators") or []]
    codes += [i.code for i in indicators]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise LeiError(f"methodology: code(s) used twice: {', '.join(dup)}")
    empty = [c.code for c in components if not any(i.component == c.code for i in indicators)]
    if empty:
        raise LeiError(f"methodology: component(s) without indicators: {', '.join(empty)}")
    cats = []
    for b in (raw.get("categories") or {}).get("bands") or []:
        cats.append(Category(str(b["code"]), str(b["sr_latn"]), str(b["en"]), _num(b["min"], f"category {b['code']} min")))
    cats.sort(key=lambda c: -c.min)
    if not cats or cats[-1].min > 0:
        raise LeiError("methodology: categories must cover 0..100 (the lowest band needs min: 0)")
    levels = {str(k): _num(v, f"sophistication level {k}") for k, v in (scoring.get("sophistication_levels") or {}).items()}
    if any(i.rule == "sophistication" for i in indicators) and not levels:
        raise LeiError("methodology: sophistication indicators need scoring.sophistication_levels")
    dk = _num((scoring.get("dont_know") or {}).get("score", 0), "scoring.dont_know.score")
    ranking = raw.get("ranking") or {}
    precision = ranking.get("precision")
    if precision is not None and (isinstance(precision, bool) or not isinstance(precision, int) or precision < 0):
        raise LeiError(f"methodology: ranking.precision must be a whole number of decimals, got {precision!r}")
    elig = ranking.get("eligibility") or {}
    min_cov = None
    if elig:
        min_cov = _num(elig.get("min_component_coverage"), "ranking.eligibility.min_component_coverage")
        if not 0 <= min_cov <= 1:
            raise LeiError("methodology: ranking.eligibility.min_component_coverage must lie in 0..1")
    return Methodology(
        version=str(raw.get("version", "")), sha256=hashlib.sha256(data).hexdigest(), path=path, raw=raw,
        index_code=index_code, pillars=pillars, components=components, indicators=indicators,
        categories=cats, levels=levels, dont_know_score=dk, declares_reading=default_reading is not None,
        precision=precision, min_coverage=min_cov,
    )


def load_methodology(path: str | Path | None = None) -> Methodology:
    if path is None:
        from lei_pipeline.settings import Settings

        path = Settings.from_env().methodology_path
    path = Path(path)
    return parsed_once("methodology", read_input(path, "methodology"), parse_methodology, path)


def check_against(m: Methodology, questionnaire) -> list[str]:
    """Mismatches between the methodology and a questionnaire: unknown questions, rules that
    cannot read the question type, answer codes or subquestions the question does not have."""
    out = []
    for i in m.indicators:
        for qc in i.questions:
            q = questionnaire.questions.get(qc)
            if q is None:
                out.append(f"indicator {i.code}: question {qc} is not in the questionnaire")
                continue
            if q.type not in RULE_TYPES[i.rule]:
                out.append(f"indicator {i.code}: rule {i.rule} cannot read {q.type} question {qc}")
        q = questionnaire.questions.get(i.question) if i.question else None
        if q is None:
            continue
        if i.rule == "points":
            bad = set(i.points) - set(q.option_codes)
            if bad:
                out.append(f"indicator {i.code}: points for unknown answer code(s) {sorted(bad)}")
        if i.rule == "sophistication":
            bad = set(m.levels) - set(q.option_codes)
            if bad:
                out.append(f"indicator {i.code}: levels {sorted(bad)} are not answers of {q.code}")
        if i.rule == "share_selected" and i.subquestions:
            bad = set(i.subquestions) - {s.code for s in q.subquestions}
            if bad:
                out.append(f"indicator {i.code}: unknown subquestion(s) {sorted(bad)}")
    return out
