"""The LEI questionnaire as data: load data/questionnaire/lei-questionnaire.yaml into typed objects.

Every reader, the cleaner, the scorer and the sample generator go through this module, so the
question codes, answer codes and export column names are defined in exactly one place."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lei_pipeline.errors import LeiError
from lei_pipeline.files import load_yaml, parsed_once, read_input
from lei_pipeline.vocabulary import LANGUAGES

LANGS = LANGUAGES
TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "percentage", "date", "text")
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# "INF05[SQ001]": LimeSurvey's column name for one subquestion of a multiple-choice question.
COLUMN_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?:\[([A-Za-z][A-Za-z0-9]*)\])?")

# LimeSurvey writes "Y" for a ticked subquestion and leaves the cell empty otherwise.
SELECTED = "Y"
DONT_KNOW = "DK"

# How an XLSX export with full-text headers names the identity columns, per language.
# The 2024 sample wave uses the sr_latn texts; readers map these back to the codes above.
IDENTITY_HEADERS: dict[str, dict[str, str]] = {
    "sr_latn": {
        "id": "ID odgovora",
        "submitdate": "Datum slanja",
        "lastpage": "Poslednja strana",
        "startlanguage": "Početni jezik",
        "JLS": "Naziv jedinice lokalne samouprave",
        "JLS_CODE": "Matični broj JLS",
    },
    "sr_cyrl": {
        "id": "ИД одговора",
        "submitdate": "Датум слања",
        "lastpage": "Последња страна",
        "startlanguage": "Почетни језик",
        "JLS": "Назив јединице локалне самоуправе",
        "JLS_CODE": "Матични број ЈЛС",
    },
    "en": {
        "id": "Response ID",
        "submitdate": "Date submitted",
        "lastpage": "Last page",
        "startlanguage": "Start language",
        "JLS": "Local government name",
        "JLS_CODE": "Local government code",
    },
}


@dataclass(frozen=True)
class Option:
    code: str
    label: dict  # lang -> str
    exclusive: bool = False  # a subquestion that is the survey tool's exclusive "none of these"


# yes_no questions have these answers implicitly (the YAML does not repeat them).
YES_NO_OPTIONS = (
    Option("Y", {"sr_latn": "Da", "sr_cyrl": "Да", "en": "Yes"}),
    Option("N", {"sr_latn": "Ne", "sr_cyrl": "Не", "en": "No"}),
    Option(DONT_KNOW, {"sr_latn": "Ne znam", "sr_cyrl": "Не знам", "en": "Don't know"}),
)


@dataclass(frozen=True)
class Question:
    code: str
    area: str
    type: str
    text: dict                      # lang -> current wording
    options: list = field(default_factory=list)        # list[Option]; yes_no: YES_NO_OPTIONS
    subquestions: list = field(default_factory=list)   # list[Option]; multiple_choice only
    min: float | None = None
    max: float | None = None
    waves: list = field(default_factory=list)
    history: list = field(default_factory=list)        # [{wave, change, note, text_before?}]
    unit: str | None = None
    shown_if: dict | None = None        # display condition: {question, equals} or {registry: fact}
    na_allowed: object = None           # None: no rule (any listed code); "never"; or {"unit_types": [...]}

    @property
    def criteria_subquestions(self) -> list:
        """Subquestions that are criteria: every one but an exclusive "none of these"."""
        return [s for s in self.subquestions if not s.exclusive]

    @property
    def exclusive_subquestions(self) -> list:
        return [s for s in self.subquestions if s.exclusive]

    def na_allowed_for(self, unit_type: str | None) -> bool:
        """May this unit type answer NA? (The questionnaire's not_applicable rule.)"""
        rule = self.na_allowed
        if rule is None:
            return True
        if rule == "never":
            return False
        return str(unit_type) in set(rule.get("unit_types") or [])

    @property
    def option_codes(self) -> list[str]:
        return [o.code for o in self.options]

    def export_columns(self) -> list[str]:
        if self.type == "multiple_choice":
            return [f"{self.code}[{s.code}]" for s in self.subquestions]
        return [self.code]

    def asked_in(self, wave: str) -> bool:
        return str(wave) in self.waves

    def text_in(self, lang: str, wave: str | None = None, order: list | None = None) -> str:
        """The wording used in `wave`: a question reworded in a later wave keeps its earlier text
        (history entry with text_before) for the waves before the change. "Before" is the place in
        `order` (the questionnaire's waves, in declared order), never a comparison of names."""
        if wave is not None:
            order = [str(w) for w in (order if order is not None else self.waves)]
            pos = {w: i for i, w in enumerate(order)}
            reworded = [h for h in self.history if h.get("change") == "reworded" and h.get("text_before")
                        and str(h["wave"]) in pos]
            for h in sorted(reworded, key=lambda h: pos[str(h["wave"])]):
                if str(wave) in pos and pos[str(wave)] < pos[str(h["wave"])]:
                    return h["text_before"][lang]
        return self.text[lang]

    def header_texts(self, lang: str, wave: str | None = None, order: list | None = None) -> dict[str, str]:
        text = self.text_in(lang, wave, order)
        if self.type == "multiple_choice":
            return {f"{self.code}[{s.code}]": f"{text} [{s.label[lang]}]" for s in self.subquestions}
        return {self.code: text}


@dataclass(frozen=True)
class Questionnaire:
    name: str
    version: str
    sha256: str
    path: Path | None
    waves: list
    questions: dict  # code -> Question, in questionnaire order
    raw: dict

    def question_set_wave(self, wave: str) -> str:
        """The declared wave whose questions a wave is read with. A wave the questionnaire does not
        declare yet (a new export dropped in before the questionnaire is updated) is read with the
        latest declared wave's questions, so it can flow; readers warn about it."""
        wave = str(wave)
        return wave if wave in self.waves else self.waves[-1]   # the last in declared order

    def asked_in(self, wave: str) -> list[Question]:
        wave = self.question_set_wave(wave)
        return [q for q in self.questions.values() if q.asked_in(wave)]

    def export_columns(self, wave: str | None = None) -> list[str]:
        qs = self.questions.values() if wave is None else self.asked_in(wave)
        return [c for q in qs for c in q.export_columns()]

    def pages(self, wave: str) -> dict[str, int]:
        """Question code -> survey page (1-based) in a wave: one page per area, in the order the
        areas first appear among the questions asked (what LimeSurvey's lastpage counts)."""
        areas: dict[str, int] = {}
        out = {}
        for q in self.asked_in(wave):
            out[q.code] = areas.setdefault(q.area, len(areas) + 1)
        return out

    def header_texts(self, lang: str, wave: str | None = None) -> dict[str, str]:
        """Export column -> full question text as an XLSX export with full-text headers writes it
        (subquestion: "<question text> [<subquestion label>]"). Without a wave: every question,
        current wording; with a wave: the questions asked then, in that wave's wording."""
        if lang not in LANGS:
            raise LeiError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
        qs = self.questions.values() if wave is None else self.asked_in(wave)
        out: dict[str, str] = {}
        read_as = None if wave is None else self.question_set_wave(wave)
        for q in qs:
            out.update(q.header_texts(lang, read_as, order=self.waves))
        return out

    def column_question(self, column: str) -> tuple[Question, Option | None]:
        """'INF05[SQ001]' -> (Question INF05, subquestion SQ001); 'INF01' -> (Question, None)."""
        m = COLUMN_PATTERN.fullmatch(column)
        q = self.questions.get(m.group(1)) if m else None
        if q is None:
            raise KeyError(column)
        if m.group(2) is None:
            if q.type == "multiple_choice":
                raise KeyError(column)
            return q, None
        for s in q.subquestions:
            if s.code == m.group(2):
                return q, s
        raise KeyError(column)


def _labels(d, where: str) -> dict:
    if not isinstance(d, dict) or any(not isinstance(d.get(lang), str) or not d[lang].strip() for lang in LANGS):
        raise LeiError(f"questionnaire: {where} needs a non-empty label in each of {', '.join(LANGS)}")
    return {lang: d[lang] for lang in LANGS}


def _options(items, where: str) -> list[Option]:
    out = []
    for i, o in enumerate(items or []):
        code = str(o.get("code", ""))
        if not CODE_PATTERN.fullmatch(code):
            raise LeiError(f"questionnaire: {where} option {i + 1} has an invalid code {code!r}")
        out.append(Option(code, _labels(o.get("label"), f"{where} option {code}"), bool(o.get("exclusive", False))))
    codes = [o.code for o in out]
    if len(set(codes)) != len(codes):
        raise LeiError(f"questionnaire: {where} repeats an option code")
    return out


def _question(d: dict, all_waves: list[str]) -> Question:
    code = str(d.get("code", ""))
    if not CODE_PATTERN.fullmatch(code):
        raise LeiError(f"questionnaire: invalid question code {code!r} (use [A-Za-z][A-Za-z0-9]*)")
    qtype = d.get("type")
    if qtype not in TYPES:
        raise LeiError(f"questionnaire: {code} has unknown type {qtype!r}")
    if qtype == "yes_no":
        options = list(YES_NO_OPTIONS)
    else:
        options = _options(d.get("options"), code)
    subs = _options(d.get("subquestions"), code)
    if qtype == "single_choice" and not options:
        raise LeiError(f"questionnaire: single_choice {code} has no options")
    if qtype == "multiple_choice" and not subs:
        raise LeiError(f"questionnaire: multiple_choice {code} has no subquestions")
    waves = [str(w) for w in d.get("waves") or all_waves]
    unknown = sorted(set(waves) - set(all_waves))
    if unknown:
        raise LeiError(f"questionnaire: {code} is asked in unknown wave(s) {', '.join(unknown)}")
    lo, hi = d.get("min"), d.get("max")
    if qtype == "percentage":
        lo = 0 if lo is None else lo
        hi = 100 if hi is None else hi
    na = (d.get("not_applicable") or {}).get("allowed")
    if na is not None and na != "never" and not (isinstance(na, dict) and isinstance(na.get("unit_types"), list)):
        raise LeiError(f"questionnaire: {code} not_applicable.allowed must be 'never' or {{unit_types: [...]}}")
    shown_if = d.get("shown_if")
    if shown_if is not None and not (isinstance(shown_if, dict) and (
            "registry" in shown_if or ("question" in shown_if and "equals" in shown_if))):
        raise LeiError(f"questionnaire: {code} shown_if needs {{question, equals}} or {{registry: fact}}")
    history = []
    for h in d.get("history") or []:
        h = dict(h)
        h["wave"] = str(h["wave"])
        if h.get("text_before") is not None:
            h["text_before"] = _labels(h["text_before"], f"{code} history text_before")
        history.append(h)
    return Question(
        code=code, area=str(d.get("area", "")), type=qtype, text=_labels(d.get("text"), f"{code} text"),
        options=options, subquestions=subs,
        min=None if lo is None else float(lo), max=None if hi is None else float(hi),
        waves=waves, history=history, unit=d.get("unit"),
        shown_if=dict(shown_if) if shown_if else None, na_allowed=na,
    )


def _check_unique_texts(questions: dict[str, Question], waves: list[str]) -> None:
    # The XLSX reader maps full header texts back to codes, so two columns must never share one.
    for lang in LANGS:
        for wave in [None, *waves]:
            seen: dict[str, str] = {}
            for q in questions.values():
                if wave is not None and not q.asked_in(wave):
                    continue
                for col, text in q.header_texts(lang, wave, order=waves).items():
                    key = text.strip().casefold()
                    if key in seen:
                        raise LeiError(f"questionnaire: {col} and {seen[key]} share the {lang} header text {text!r}")
                    seen[key] = col


def parse_questionnaire(data: bytes, path: Path | None = None) -> Questionnaire:
    try:
        raw = load_yaml(data)
    except yaml.YAMLError as e:
        raise LeiError(f"questionnaire {path}: not valid YAML ({e})") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise LeiError(f"questionnaire {path}: expected a mapping with a 'questions' list")
    waves = [str(w) for w in raw.get("waves") or []]
    questions: dict[str, Question] = {}
    for d in raw["questions"]:
        q = _question(d, waves)
        if q.code in questions:
            raise LeiError(f"questionnaire: question code {q.code} appears twice")
        questions[q.code] = q
    _check_unique_texts(questions, waves)
    return Questionnaire(
        name=str(raw.get("questionnaire", "lei")), version=str(raw.get("version", "")),
        sha256=hashlib.sha256(data).hexdigest(), path=path, waves=waves, questions=questions, raw=raw,
    )


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    if path is None:
        from lei_pipeline.settings import Settings

        path = Settings.from_env().questionnaire_path
    path = Path(path)
    return parsed_once("questionnaire", read_input(path, "questionnaire"), parse_questionnaire, path)
