"""Header text -> export column code. One mapping for every shape: a header may be the code
itself (LimeSurvey 'code' headings, Excel CSV), the full question text in Serbian Latin,
Cyrillic or English (LimeSurvey 'full' headings, XLSX), or 'CODE. text' (LimeSurvey 'codetext').
Headers are compared after normalising case, whitespace, HTML entities and diacritics, because
hand-edited spreadsheets differ from the questionnaire in exactly those."""
from __future__ import annotations

import html
from functools import lru_cache
import re
import unicodedata
from dataclasses import dataclass, field

from lei_pipeline.survey.questionnaire import IDENTITY_HEADERS

from lei_pipeline.vocabulary import LANGUAGES as LANGS  # the one list of languages

# LimeSurvey admin columns: field name -> the labels of 'full' headings (en, sr) we accept.
ADMIN_COLUMNS = {
    "id": ["response id", "id odgovora", "ид одговора"],
    "submitdate": ["date submitted", "datum slanja", "датум слања", "datum predaje", "vreme slanja"],
    "lastpage": ["last page", "poslednja strana", "последња страна", "poslednja stranica"],
    "startlanguage": ["start language", "pocetni jezik", "почетни језик", "jezik"],
    "seed": ["seed"],
    "startdate": ["date started", "datum pocetka", "датум почетка"],
    "datestamp": ["date last action", "datum poslednje akcije", "датум последње акције"],
}
_TIMING = re.compile(r"^(interviewtime|total time|ukupno vreme|groupTime\d+|group time: .*|question time: .*)$",
                     re.IGNORECASE)
# LimeSurvey participant (token table) and visitor fields: personal data, never read or published.
PERSONAL_COLUMNS = {
    "token": ["access code", "token", "pristupni kod", "pristupna sifra"],
    "firstname": ["first name", "firstname", "ime"],
    "lastname": ["last name", "lastname", "prezime"],
    "email": ["email", "e-mail", "email address", "e-mail address", "e-mail adresa", "email adresa", "adresa e-poste"],
    "ipaddr": ["ip address", "ip adresa", "ipaddr"],
    "refurl": ["referrer url", "referrer", "refurl"],
}
_ATTRIBUTE = re.compile(r"^attribute_\d+$", re.IGNORECASE)
_PERSONAL_KEYS = {norm_key for key, labels in PERSONAL_COLUMNS.items() for norm_key in [key, *labels]}

# Identity headers typed by hand in spreadsheets, beside the questionnaire's own texts.
DEFAULT_IDENTITY_HEADERS = {
    "JLS": [
        "JLS", "Naziv JLS", "Jedinica lokalne samouprave", "Naziv jedinice lokalne samouprave",
        "ЈЛС", "Назив ЈЛС", "Јединица локалне самоуправе", "Назив јединице локалне самоуправе",
        "Local self-government unit", "Local government", "LSG", "LSGU", "Municipality",
    ],
    "JLS_CODE": [
        "JLS_CODE", "JLS code", "Šifra JLS", "Matični broj JLS", "Šifra jedinice lokalne samouprave",
        "Шифра ЈЛС", "Матични број ЈЛС", "LSG code", "Unit code",
    ],
}

_CODETEXT = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])?)\s*[.:)\-]\s+\S")
_OTHER_WORDS = {"other", "drugo", "ostalo", "друго", "остало"}
_BRACKET_TAIL = re.compile(r"^(.*\S)\s*\[([^\]]+)\]\s*$", re.S)


def norm(text) -> str:
    """Case-, whitespace-, entity- and diacritic-insensitive key (đ -> d, č -> c; Cyrillic stays)."""
    return _norm(str(text))


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    # every question text is normalised for each export read, and each distinct answer once
    s = html.unescape(text)
    s = re.sub(r"<[^>]+>", " ", s)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("đ", "d").replace("Đ", "D").replace("\u00a0", " ")
    s = re.sub(r"\s+", " ", s).strip().strip(":*?").strip()
    return s.casefold()


def identity_aliases() -> dict[str, list[str]]:
    """Header aliases per identity/admin field: ours merged with the questionnaire's
    IDENTITY_HEADERS ({lang: {field: header text}}), the texts its exports are written with."""
    merged = {k: list(v) for k, v in DEFAULT_IDENTITY_HEADERS.items()}
    for texts in IDENTITY_HEADERS.values():
        for fld, text in texts.items():
            merged.setdefault(fld, [])
            if text not in merged[fld]:
                merged[fld].append(text)
    return merged


@dataclass
class HeaderMap:
    """What each header position turned out to be."""
    identity: dict[str, int] = field(default_factory=dict)   # JLS / JLS_CODE -> position
    admin: dict[str, int] = field(default_factory=dict)      # submitdate / lastpage / ... -> position
    questions: dict[str, int] = field(default_factory=dict)  # export column code -> position
    extras: dict[str, int] = field(default_factory=dict)     # CODE[other] / CODE[comment] -> position
    other_wave: dict[str, int] = field(default_factory=dict) # known code, not asked in this wave
    ignored: dict[int, str] = field(default_factory=dict)    # timing columns etc.
    personal: dict[int, str] = field(default_factory=dict)   # participant fields: name, e-mail, token
    unknown: dict[int, str] = field(default_factory=dict)    # position -> header text
    texts: dict[str, str] = field(default_factory=dict)      # code -> header text when it differs
    duplicates: list = field(default_factory=list)           # (code, first position, later position)


class HeaderResolver:
    def __init__(self, wave_columns: list[str], all_columns: list[str], header_texts: dict[str, dict[str, str]],
                 identity: dict[str, list[str]]):
        self.wave_columns = list(wave_columns)
        self.wave_set = set(wave_columns)
        self.all_columns = list(dict.fromkeys([*all_columns, *wave_columns]))
        self.by_code = {c: c for c in self.all_columns}
        self.by_code_fold = {c.casefold(): c for c in self.all_columns}
        self.by_text: dict[str, str] = {}
        for lang_texts in header_texts.values():
            for code, text in lang_texts.items():
                if text:
                    self.by_text.setdefault(norm(text), code)
        self.display: dict[str, str] = {}
        for lang_texts in header_texts.values():
            for code, text in lang_texts.items():
                self.display.setdefault(code, text)
        self.texts_for_suggestion = {}
        for lang_texts in header_texts.values():
            for code, text in lang_texts.items():
                self.texts_for_suggestion.setdefault(norm(text), code)
        self.identity = {norm(alias): key for key, aliases in identity.items() if key in ("JLS", "JLS_CODE")
                         for alias in aliases}
        self.admin = {}
        for key, labels in ADMIN_COLUMNS.items():
            self.admin[key.casefold()] = key
            for lab in labels:
                self.admin[norm(lab)] = key
        for key, aliases in identity.items():
            if key in ADMIN_COLUMNS:
                for alias in aliases:
                    self.admin.setdefault(norm(alias), key)

    def code_for(self, header: str) -> str | None:
        h = header.strip()
        if h in self.by_code:
            return h
        if h.casefold() in self.by_code_fold:
            return self.by_code_fold[h.casefold()]
        key = norm(h)
        if key in self.by_text:
            return self.by_text[key]
        m = _CODETEXT.match(h)
        if m and m.group(1) in self.by_code:
            return m.group(1)
        return None

    def extra_for(self, header: str) -> str | None:
        """'INF03[other]', 'INF03[comment]', or '<question text> [Drugo]' for a known question."""
        m = re.match(r"^\s*([A-Za-z][A-Za-z0-9]*)\[(other|comment)\]\s*$", header, re.I)
        if m and self._question_known(m.group(1)):
            return f"{m.group(1)}[{m.group(2).lower()}]"
        m = _BRACKET_TAIL.match(header)
        if m and norm(m.group(2)) in _OTHER_WORDS:
            base = self.code_for(m.group(1))
            if base and "[" not in base:
                return f"{base}[other]"
        return None

    def _question_known(self, code: str) -> bool:
        return any(c == code or c.startswith(code + "[") for c in self.all_columns)

    def suggest(self, header: str) -> str | None:
        from rapidfuzz import fuzz, process

        looks_like_code = re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*(\[[^\]]*\])?", header.strip()) is not None
        if looks_like_code and self.wave_columns:
            best = process.extractOne(header.strip(), self.all_columns, scorer=fuzz.ratio)
            return best[0] if best and best[1] >= 50 else None
        if self.texts_for_suggestion:
            best = process.extractOne(norm(header), list(self.texts_for_suggestion), scorer=fuzz.WRatio)
            if best and best[1] >= 60:
                return self.texts_for_suggestion[best[0]]
        return None

    def resolve(self, headers: list[str]) -> HeaderMap:
        hm = HeaderMap()
        for pos, header in enumerate(headers):
            h = "" if header is None else str(header)
            key = norm(h)
            if key in self.identity and self.identity[key] not in hm.identity:
                hm.identity[self.identity[key]] = pos
                continue
            code = self.code_for(h) if h.strip() else None
            if code is not None:
                target = hm.questions if code in self.wave_set else hm.other_wave
                if code in target:
                    hm.duplicates.append((code, target[code], pos))
                    continue
                target[code] = pos
                if h.strip() != code:
                    hm.texts[code] = h
                continue
            if key in _PERSONAL_KEYS or _ATTRIBUTE.match(h.strip()):
                hm.personal[pos] = h
                continue
            admin = self.admin.get(h.strip().casefold()) or self.admin.get(key)
            if admin and admin not in hm.admin:
                hm.admin[admin] = pos
                continue
            extra = self.extra_for(h) if h.strip() else None
            if extra:
                hm.extras[extra] = pos
                if h.strip() != extra:
                    hm.texts[extra] = h
                continue
            if _TIMING.match(h.strip()) or (re.fullmatch(r"[A-Za-z][A-Za-z0-9]*Time", h.strip())
                                            and self._question_known(h.strip()[:-4])):
                hm.ignored[pos] = h
                continue
            hm.unknown[pos] = h
        return hm
