"""Which registry unit each submission speaks for, from the name typed (JLS) and the code given
(JLS_CODE). The code decides only when it is a code of the registry's scheme and the name does
not name another unit; everything else is a problem naming both, never a silent fallback:
a code from another scheme (a Montenegrin ME-07) must not turn into a match by name that
replaces a real unit's answers."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lei_pipeline.problems import ERROR, WARNING, Problem
from lei_pipeline.collector import collector_paused

# 5-digit statistical code, or the project code of a split city (X-NOVI-SAD): see data/reference/README.md
CODE_SCHEME = re.compile(r"^(?:\d{5}|X-[A-Z0-9]+(?:-[A-Z0-9]+)*)$")
MATCHED_STATUSES = ("code", "exact", "alias", "fuzzy")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def match_units(raw: pd.DataFrame, registry_df: pd.DataFrame, matcher, problems: list) -> pd.Series:
    """unit_code per raw row (None when it could not be identified: an error Problem says why).
    Decided once per distinct (name, code) pair, then spread over the rows; problems come out
    row by row, as a pass over every row would give them."""
    # Python lists first: to_dict and set() over Arrow-backed columns convert cell by cell
    reg_codes = registry_df["unit_code"].astype(str).tolist()
    names = dict(zip(reg_codes, registry_df["name_latin"].tolist()))
    if "respondent" in registry_df.columns:
        valid = set(np.asarray(reg_codes, dtype=object)[registry_df["respondent"].fillna(False).astype(bool).to_numpy()])
    else:
        valid = set(reg_codes)

    def unit(code) -> str:
        return f"{names.get(code)} ({code})"

    cache: dict = {}

    def by_name(name):
        if name not in cache:
            cache[name] = matcher.match(name)
        return cache[name]

    n = len(raw)
    if not n:
        return pd.Series([], index=raw.index, dtype="object")
    pairs = pd.DataFrame({"name": raw["respondent_name"].to_numpy(dtype=object),
                          "code": raw["respondent_code"].to_numpy(dtype=object)})
    group = pairs.groupby(["name", "code"], dropna=False, sort=False).ngroup().to_numpy()
    with collector_paused():   # one decision per distinct pair: 100,000 at the scale benchmark
        distinct = pairs.drop_duplicates()   # as lists: iterating Arrow text converts cell by cell
        typed, given = distinct["name"].tolist(), distinct["code"].tolist()
        decisions = [_plain(code, raw_code, valid) or _decide(raw_name, raw_code, valid, names, unit, by_name)
                     for raw_name, raw_code, code in zip(typed, given, matcher.exact_codes(typed))]
    codes = np.array([code for code, _ in decisions] + [None], dtype=object)[:-1]
    noted = np.array([bool(notes) for _, notes in decisions])
    if noted.any():
        files, rows = raw["source_file"].to_numpy(dtype=object), raw["source_row"].to_numpy()
        for i in np.flatnonzero(noted[group]):
            for column, value, severity, reason in decisions[group[i]][1]:
                problems.append(Problem(files[i], int(rows[i]), column, value, reason, severity=severity, kind="match"))
    return pd.Series(codes[group], index=raw.index, dtype="object")


def _plain(exact: str | None, raw_code, valid) -> tuple[str, list] | None:
    """The decision without notes when the name is a registry spelling of exactly one responding
    unit (exact: Matcher.exact_codes) and the code is empty or that unit's: what _decide gives
    then, without asking the matcher (most names in a clean export). None: _decide decides."""
    if exact is None or exact not in valid:
        return None
    if _blank(raw_code):
        return exact, []
    compact = _compact(str(raw_code).strip())
    return (exact, []) if compact == exact and _in_scheme(compact) else None


def _compact(code: str) -> str:
    """A typed code (stripped) as the registry writes it: upper case, no spaces."""
    return code.upper().replace(" ", "")


def _in_scheme(compact: str) -> bool:
    """A 5-digit statistical code with its check digit, or an X-... project code."""
    from lei_pipeline.registry.load import check_digit_ok

    return bool(CODE_SCHEME.match(compact)) and (not compact.isdigit() or check_digit_ok(compact))


def _decide(raw_name, raw_code, valid, names, unit, by_name) -> tuple[str | None, list[tuple]]:
    """(unit code or None, notes) for one typed name and code; a note is (column, value,
    severity, reason) of the problem every row with them gets."""
    name = None if _blank(raw_name) else str(raw_name)
    code = None if _blank(raw_code) else str(raw_code).strip()
    notes: list[tuple] = []
    if code is not None:
        return _by_code(name, code, valid, names, unit, by_name, notes), notes
    if name is None:
        notes.append(("JLS", None, ERROR, "no respondent name (JLS is empty) and no valid JLS_CODE: row not used"))
        return None, notes
    return _by_name(name, valid, unit, by_name(name), notes), notes


def _by_code(name, code, valid, names, unit, by_name, notes):
    """The code decides when it is a responding unit's code and the name agrees (or says nothing)."""
    compact = _compact(code)
    if not _in_scheme(compact):
        notes.append(("JLS_CODE", code, ERROR,
                      "not a unit code of the registry's scheme (a 5-digit statistical code with "
                      "its check digit, or an X-... project code): the row is not matched by name "
                      "instead; correct the code or leave JLS_CODE empty; row not used"))
        return None
    if compact not in names:
        notes.append(("JLS_CODE", code, ERROR, "no local government of the registry has this code; row not used"))
        return None
    if compact not in valid:
        notes.append(("JLS_CODE", code, ERROR, f"{unit(compact)} is not one of the responding local governments; "
                                               "row not used"))
        return None
    if name is None:
        return compact
    res = by_name(name)
    status = getattr(res, "status", None)
    candidates = tuple(getattr(res, "candidates", ()) or ())
    agrees = (res.unit_code == compact) or (status == "ambiguous" and compact in candidates)
    if agrees:
        return compact
    if res.unit_code is not None or status == "ambiguous":
        other = unit(res.unit_code) if res.unit_code else " or ".join(unit(c) for c in candidates)
        notes.append(("JLS", name, ERROR,
                      f"name and code disagree: the name is {other} but JLS_CODE {compact} is "
                      f"{unit(compact)}; correct one of them (or add the name to "
                      "data/reference/aliases.csv if it is the same unit); row not used"))
        return None
    told = getattr(res, "reason", "") or ""
    if getattr(res, "foreign", False):
        notes.append(("JLS", name, ERROR,
                      f"name and code disagree: {told.split(': not matched')[0]} but JLS_CODE "
                      f"{compact} is {unit(compact)}; correct one of them; row not used"))
        return None
    notes.append(("JLS", name, WARNING, f"name not recognised; JLS_CODE {compact} identifies {unit(compact)}"))
    return compact


def _by_name(name, valid, unit, res, notes):
    status = getattr(res, "status", None)
    told = getattr(res, "reason", "") or ""
    if res.unit_code and status in MATCHED_STATUSES:
        if res.unit_code not in valid:
            notes.append(("JLS", name, ERROR, f"{unit(res.unit_code)} is not one of the responding local governments; "
                                              "row not used"))
            return None
        if status == "fuzzy":
            notes.append(("JLS", name, WARNING, told or f"matched by similarity to {unit(res.unit_code)}: check it"))
        return res.unit_code
    if status == "ambiguous":
        notes.append(("JLS", name, ERROR, (told or "ambiguous local government name") + "; add JLS_CODE or an alias; "
                                                                                         "row not used"))
    else:
        notes.append(("JLS", name, ERROR, (told or "no responding local government of the registry matches this name")
                                          + "; row not used"))
    return None
