"""Matching free-typed respondent names to registry units.

Order of trust: statistical code, exact name (any script, any case, with or without
diacritics and "Opština"/"Grad" prefixes), alias table, then fuzzy matching. Fuzzy matching
only answers when one unit is clearly ahead; everything else comes back as ambiguous or
unmatched with the candidates, for a human to settle. Nothing is guessed."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from rapidfuzz import fuzz, process

from lei_pipeline.errors import LeiError
from lei_pipeline.registry.aliases import load_aliases
from lei_pipeline.collector import collector_paused
from lei_pipeline.registry.foreign import load_foreign_names
from lei_pipeline.registry.load import CITY_TYPES, UNIT_TYPES
from lei_pipeline.registry.normalise import compact_code, name_key, name_keys, strip_prefixes

MATCHED = frozenset({"code", "exact", "alias", "fuzzy"})
STATUSES = ("code", "exact", "alias", "fuzzy", "ambiguous", "unmatched")

_TYPE_LABEL = {"capital_city": "capital city", "city": "city", "municipality": "municipality",
               "city_municipality": "city municipality"}
# What callers may pass as unit_type; "city" includes the capital, which is a city too.
_TYPE_WORDS = {
    "capital_city": {"capital_city"}, "capital city": {"capital_city"}, "city": {"city", "capital_city"},
    "grad": {"city", "capital_city"}, "municipality": {"municipality"}, "opstina": {"municipality"},
    "city_municipality": {"city_municipality"}, "city municipality": {"city_municipality"},
    "gradska opstina": {"city_municipality"}, "go": {"city_municipality"},
}
_NAME = "{name}"  # placeholder: reasons are cached per normalised name, then worded per typed name
_FOREIGN = "foreign"  # the sixth element of a decision that names a place outside Serbia


@dataclass(frozen=True)
class MatchResult:
    unit_code: str | None
    status: str                      # one of STATUSES
    candidates: tuple[str, ...] = ()  # the unit itself, or the units it could be
    score: float | None = None       # 100 for code/exact/alias, rapidfuzz ratio for fuzzy
    reason: str = ""
    query: str = ""
    foreign: bool = False            # unmatched because the name is a place outside Serbia

    @property
    def matched(self) -> bool:
        return self.status in MATCHED


class _Unit(NamedTuple):   # a tuple: 100,000 made per registry at the scale benchmark
    code: str
    name: str
    unit_type: str
    parent: str | None
    respondent: bool
    key: str


class Matcher:
    def __init__(self, reg: pd.DataFrame, aliases: str | Path | dict[str, str] | None = None,
                 respondents_only: bool = False, threshold: float = 85.0, margin: float = 5.0,
                 foreign: str | Path | dict | None = None):
        """respondents_only: when one name is both a city and its own city municipality
        (Vranje, Novi Sad, Požarevac, Užice), take the city, as the LEI survey is answered by
        the 145 LSGUs. threshold/margin: a fuzzy match needs a score of at least `threshold`
        and a lead of at least `margin` points over any other unit."""
        self.respondents_only = respondents_only
        self.threshold = threshold
        self.margin = margin
        self._names: dict[str, list[str]] = {}
        # Columns as Python lists first: itertuples over Arrow-backed columns converts every cell.
        unit_codes, latins, cyrillics, types, parents, respondents = (
            reg[c].tolist() for c in ("unit_code", "name_latin", "name_cyrillic", "unit_type", "parent_city",
                                      "respondent"))
        # Each name's keys: Latin, Cyrillic, and Latin with đ typed as a plain d ("Arandelovac"),
        # a form as deliberate as "dj" (made only for names with a đ: elsewhere it is the Latin
        # one). All at once (100,000 units at the scale benchmark).
        n = len(latins)
        with_dj = [i for i, name in enumerate(latins) if "đ" in name or "Đ" in name]
        forms = [*latins, *cyrillics, *(latins[i].replace("đ", "d").replace("Đ", "D") for i in with_dj)]
        keys = name_keys(forms)
        self._key_of = dict(zip(forms, keys))   # a name typed as the registry writes it: no key to make
        latin_keys, cyrillic_keys, plain_d_keys = keys[:n], keys[n:2 * n], keys[:n]
        for j, i in enumerate(with_dj):
            plain_d_keys[i] = keys[2 * n + j]
        parents = [p if isinstance(p, str) or not pd.isna(p) else None for p in parents]   # missing: None
        with collector_paused():   # a record and three keys per unit
            self._units: dict[str, _Unit] = dict(zip(unit_codes, map(_Unit, unit_codes, latins, types, parents,
                                                                     map(bool, respondents), latin_keys)))
            names = self._names
            for code, *unit_keys in zip(unit_codes, latin_keys, cyrillic_keys, plain_d_keys):
                for key in unit_keys:
                    codes = names.get(key)
                    if codes is None:
                        names[key] = [code]
                    elif code not in codes:
                        codes.append(code)
        self._codes = {compact_code(c): c for c in self._units}
        alias_map = aliases if isinstance(aliases, dict) else load_aliases(reg, aliases, set(keys[:2 * n]))
        self._aliases = {k: [c] for k, c in alias_map.items()}
        self._choices: dict[str, list[str]] = {**self._names, **self._aliases}
        # Neighbouring countries' look-alike names: never read as a Serbian unit (an exact
        # registry name or alias still wins: "Stari grad", "Petrovac").
        foreign_map = foreign if isinstance(foreign, dict) else load_foreign_names(foreign)
        self._foreign = {k: p for k, p in foreign_map.items() if k not in self._choices}
        self._foreign_keys = list(self._foreign)
        self._choice_keys = list(self._choices)
        # Keys naming a city, for `parent=` and for "Palilula (Niš)" / "Niš Palilula".
        self._city_keys: dict[str, str] = {}
        city_names = {c: u.name for c, u in self._units.items() if u.unit_type in CITY_TYPES}
        for key, codes in self._choices.items():
            cities = [city_names[c] for c in codes if c in city_names]
            if len(cities) == 1:
                self._city_keys[key] = cities[0]
        parents = {u.parent for u in self._units.values() if u.parent}
        self._split_city_keys = {k: n for k, n in self._city_keys.items() if n in parents}
        self._cache: dict[tuple, tuple] = {}

    # ---- public API -------------------------------------------------------------------
    def match(self, name, parent=None, unit_type=None) -> MatchResult:
        query = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name).strip()
        types = self._types(unit_type)
        parent_name = None
        if parent is not None and not (isinstance(parent, float) and math.isnan(parent)) and str(parent).strip():
            parent_name = self._resolve_parent(str(parent))
            if parent_name is None:
                return MatchResult(None, "unmatched", (), None,
                                   f"parent city {str(parent)!r} is not a city in the registry", query)
        main, paren = _split_parenthesis(query)
        cache_key = (self._key(main), self._key(paren) if paren else "", parent_name, types)
        decided = self._cache.get(cache_key)
        if decided is None:
            decided = self._decide(*cache_key)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[cache_key] = decided
        code, status, candidates, score, template = decided[:5]
        return MatchResult(code, status, candidates, score, template.replace(_NAME, query), query,
                           foreign=decided[5:] == (_FOREIGN,))

    def exact_codes(self, names: list) -> list[str | None]:
        """Per name: the unit's code when the name is, as typed, one of the registry's own spellings
        of exactly one unit (match() then answers that unit, an exact match, whatever else the
        registry holds); None when match() has to decide. A dictionary look-up per name, for
        the 100,000 distinct names of the scale benchmark."""
        out: list[str | None] = []
        for name in names:
            code = None
            if isinstance(name, str):
                main, paren = _split_parenthesis(name.strip())   # as match() reads it
                key = None if paren else self._key_of.get(main)   # "Palilula (Niš)": match() decides
                codes = self._names.get(key) if key else None
                if codes is not None and len(codes) == 1 and self._by_code(key) is None:
                    code = codes[0]
            out.append(code)
        return out

    def fingerprint(self) -> str:
        """sha256 of what decides a match besides the registry itself: the alias and look-alike
        tables and the rules' settings (two matchers of one registry with equal fingerprints
        answer every name alike)."""
        import hashlib

        parts = (sorted(self._aliases.items()), sorted(self._foreign.items()), self.respondents_only,
                 self.threshold, self.margin)
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def describe(self, code: str) -> str:
        u = self._units[code]
        where = f", {u.parent}" if u.parent else ""
        return f"{u.code} {u.name} ({_TYPE_LABEL[u.unit_type]}{where})"

    # ---- internals ----------------------------------------------------------------------
    def _key(self, text: str) -> str:
        key = self._key_of.get(text)
        return name_key(text) if key is None else key

    def _types(self, unit_type) -> frozenset[str] | None:
        if unit_type is None:
            return None
        values = [unit_type] if isinstance(unit_type, str) else list(unit_type)
        out: set[str] = set()
        for v in values:
            word = v if v in UNIT_TYPES else name_key(str(v))
            if word not in _TYPE_WORDS:
                raise LeiError(f"unknown unit type {v!r}; use one of {', '.join(UNIT_TYPES)}")
            out |= _TYPE_WORDS[word]
        return frozenset(out)

    def _resolve_parent(self, parent: str) -> str | None:
        key = name_key(parent)
        code = self._codes.get(compact_code(key))
        if code and self._units[code].unit_type in CITY_TYPES:
            return self._units[code].name
        return self._city_keys.get(key) or self._city_keys.get(strip_prefixes(key)[0])

    def _decide(self, key: str, paren: str, parent: str | None, types: frozenset[str] | None) -> tuple:
        if not key:
            return (None, "unmatched", (), None, "no local government name given")
        by_code = self._by_code(key)
        if by_code is not None:
            return by_code
        hint = None
        if paren:
            if parent is None and paren in self._city_keys:
                parent = self._city_keys[paren]
            else:
                rest, hint = strip_prefixes(paren + " x")  # "(grad)", "(GO)", "(opština)"
                if rest != "x":
                    key = f"{key} {paren}"
        stripped, prefix_hint = strip_prefixes(key)
        hint = hint or prefix_hint
        for k in dict.fromkeys((key, stripped)):
            if k in self._names:
                return self._resolve(self._names[k], "exact", 100.0, hint, parent, types)
            if k in self._aliases:
                return self._resolve(self._aliases[k], "alias", 100.0, hint, parent, types)
        for k in dict.fromkeys((key, stripped)):
            if k in self._foreign:
                return self._foreign_reason(self._foreign[k], None)
        embedded = self._embedded_parent(stripped, parent)
        if embedded is not None:
            codes, city = embedded
            return self._resolve(codes, "exact", 100.0, hint, city, types)
        return self._fuzzy(stripped, hint, parent, types)

    def _by_code(self, key: str) -> tuple | None:
        compact = compact_code(key)
        if compact in self._codes:
            code = self._codes[compact]
            return (code, "code", (code,), 100.0, f"statistical code of {self.describe(code)}")
        if compact.isdigit():
            note = "; Kosovo and Metohija units are not in the registry" if compact.startswith("9") else ""
            return (None, "unmatched", (), None, f"no local government has the code {compact!r}{note}")
        first, _, rest = key.partition(" ")
        if len(first) == 5 and first.isdigit() and first in self._codes:
            # "70645 Kragujevac": the code decides, the name must agree with it.
            code = self._codes[first]
            rest_key = strip_prefixes(rest)[0]
            if code in self._names.get(rest_key, []) + self._aliases.get(rest_key, []):
                return (code, "code", (code,), 100.0, f"statistical code of {self.describe(code)}")
            return (None, "unmatched", (code,), None,
                    f"'{_NAME}' gives the code of {self.describe(code)} but another name; correct one of them")
        return None

    def _embedded_parent(self, key: str, parent: str | None) -> tuple[list[str], str] | None:
        """ "Palilula Niš", "Beograd - Zemun": a city name before or after a city municipality's."""
        for city_key, city in self._split_city_keys.items():
            if parent is not None and city != parent:
                continue
            for rest in (key[len(city_key) + 1:] if key.startswith(city_key + " ") else None,
                         key[: -len(city_key) - 1] if key.endswith(" " + city_key) else None):
                if not rest:
                    continue
                rest = strip_prefixes(rest)[0]
                codes = [c for c in self._names.get(rest, []) + self._aliases.get(rest, [])
                         if self._units[c].parent == city]
                if codes:
                    return codes, city
        return None

    def _filter(self, codes: list[str], parent: str | None, types: frozenset[str] | None) -> list[str]:
        if types is not None:
            codes = [c for c in codes if self._units[c].unit_type in types]
        if parent is not None:
            codes = [c for c in codes if self._units[c].parent == parent
                     or (self._units[c].name == parent and self._units[c].unit_type in CITY_TYPES)]
        return codes

    def _resolve(self, codes: list[str], status: str, score: float, hint, parent, types) -> tuple:
        kept = self._filter(codes, parent, types)
        if not kept:
            wanted = " or ".join(sorted(_TYPE_LABEL[t] for t in types)) if types is not None else "unit"
            if parent is not None:
                wanted += f" in {parent}"
            listed = ", ".join(self.describe(c) for c in codes)
            return (None, "unmatched", tuple(codes), None, f"'{_NAME}' names {listed}, not a {wanted}")
        if len(kept) > 1 and hint is not None:
            kept = [c for c in kept if self._units[c].unit_type in hint] or kept
        if len(kept) > 1 and self.respondents_only:
            respondents = [c for c in kept if self._units[c].respondent]
            if len(respondents) == 1:
                kept = respondents
        if len(kept) == 1:
            code = kept[0]
            if status == "fuzzy":
                reason = (f"'{_NAME}' read as {self.describe(code)} by fuzzy match (score {score:.0f}); "
                          f"add it to data/reference/aliases.csv if that is right, or correct the name")
            else:
                reason = f"{status} match: {self.describe(code)}"
            return (code, status, (code,), score, reason)
        return (None, "ambiguous", tuple(kept), score, self._ambiguous_reason(kept))

    def _foreign_reason(self, place, score) -> tuple:
        return (None, "unmatched", (), score, _foreign_reason_text(place, score), _FOREIGN)

    def _ambiguous_reason(self, codes: list[str]) -> str:
        units = [self._units[c] for c in codes]
        listed = ", ".join(self.describe(c) for c in codes)
        if len({u.key for u in units}) > 1:
            advice = "correct the name or add an alias"
        elif len({u.unit_type for u in units}) == len(units):
            advice = "give the unit type (the city itself or its city municipality)"
        else:
            advice = "give the parent city"
        return f"'{_NAME}' is ambiguous: {listed}; {advice}"

    def _fuzzy(self, key: str, hint, parent, types) -> tuple:
        floor = self.threshold - self.margin
        hits = process.extract(key, self._choice_keys, scorer=fuzz.ratio, score_cutoff=floor, limit=None)
        scores: dict[str, float] = {}
        for choice, score, _ in hits:
            for code in self._filter(self._choices[choice], parent, types):
                scores[code] = max(score, scores.get(code, 0.0))
        best = max(scores.values(), default=0.0)
        if self._foreign_keys:
            near_foreign = process.extractOne(key, self._foreign_keys, scorer=fuzz.ratio, score_cutoff=floor)
            if near_foreign and near_foreign[1] >= best:
                return self._foreign_reason(self._foreign[near_foreign[0]], near_foreign[1])
        if best < self.threshold:
            near = sorted(scores, key=scores.get, reverse=True)[:3]
            closest = f"; closest: {', '.join(self.describe(c) for c in near)}" if near else ""
            return (None, "unmatched", tuple(near), best or None, f"no local government matches '{_NAME}'{closest}")
        top = [c for c in sorted(scores, key=scores.get, reverse=True) if scores[c] >= best - self.margin]
        if len({self._units[c].key for c in top}) == 1:
            # One name, several units (Palilula, Vranje): the same rules as an exact match.
            return self._resolve(top, "fuzzy", best, hint, None, None)
        scored = ", ".join(f"{self.describe(c)} score {scores[c]:.0f}" for c in top)
        return (None, "ambiguous", tuple(top), best,
                f"'{_NAME}' is ambiguous: {scored}; correct the name or add an alias")


def _foreign_reason_text(place, score) -> str:
    near = "" if score is None else f"is closer to {place.describe()} (score {score:.0f}) than to any unit and "
    looks = f"; it looks like {place.lookalike_of}" if place.lookalike_of else ""
    what = "names" if score is None else "may name"
    return (f"'{_NAME}' {near}{what} a place outside Serbia: {place.describe()}, listed in "
            f"data/reference/lookalikes.csv{looks}; not matched (correct the name or give JLS_CODE)")


def _split_parenthesis(text: str) -> tuple[str, str]:
    """ "Palilula (Niš)" -> ("Palilula", "Niš"); text without a trailing parenthesis unchanged."""
    if text.endswith(")") and "(" in text:
        head, _, inner = text[:-1].rpartition("(")
        if head.strip():
            return head.strip(), inner.strip()
    return text, ""
