"""Which registry unit each submission speaks for, from the name typed (JLS) and the code given
(JLS_CODE). The code decides only when it is a code of the registry's scheme and the name does
not name another unit; everything else is a problem naming both, never a silent fallback:
a code from another scheme (a Montenegrin ME-07) must not turn into a match by name that
replaces a real unit's answers."""
from __future__ import annotations

import re

import pandas as pd

from lei_pipeline.problems import WARNING, Problem

# 5-digit statistical code, or the project code of a split city (X-NOVI-SAD): see data/reference/README.md
CODE_SCHEME = re.compile(r"^(?:\d{5}|X-[A-Z0-9]+(?:-[A-Z0-9]+)*)$")
MATCHED_STATUSES = ("code", "exact", "alias", "fuzzy")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def match_units(raw: pd.DataFrame, registry_df: pd.DataFrame, matcher, problems: list) -> pd.Series:
    """unit_code per raw row (None when it could not be identified: an error Problem says why)."""
    reg = registry_df.assign(unit_code=registry_df["unit_code"].astype(str)).set_index("unit_code")
    valid = set(reg.index[reg["respondent"].fillna(False).astype(bool)]) if "respondent" in reg.columns else set(reg.index)
    names = reg["name_latin"].to_dict()

    def unit(code) -> str:
        return f"{names.get(code)} ({code})"

    cache: dict = {}

    def by_name(name):
        if name not in cache:
            cache[name] = matcher.match(name)
        return cache[name]

    out = []
    # Only the identity columns, as plain lists: iterrows() would build a Series of every
    # question column per row (minutes at 100,000 rows).
    for file, row, raw_name, raw_code in zip(raw["source_file"].tolist(), raw["source_row"].tolist(),
                                              raw["respondent_name"].tolist(), raw["respondent_code"].tolist()):
        row = int(row)
        name = None if _blank(raw_name) else str(raw_name)
        code = None if _blank(raw_code) else str(raw_code).strip()
        if code is not None:
            out.append(_by_code(file, row, name, code, valid, names, unit, by_name, problems))
            continue
        if name is None:
            problems.append(Problem(file, row, "JLS", None, kind="match",
                                    reason="no respondent name (JLS is empty) and no valid JLS_CODE: row not used"))
            out.append(None)
            continue
        out.append(_by_name(file, row, name, valid, unit, by_name(name), problems))
    return pd.Series(out, index=raw.index, dtype="object")


def _by_code(file, row, name, code, valid, names, unit, by_name, problems):
    """The code decides when it is a responding unit's code and the name agrees (or says nothing)."""
    from lei_pipeline.registry.load import check_digit_ok

    compact = code.upper().replace(" ", "")
    in_scheme = CODE_SCHEME.match(compact) and (not compact.isdigit() or check_digit_ok(compact))
    if not in_scheme:
        problems.append(Problem(file, row, "JLS_CODE", code, kind="match",
                                reason="not a unit code of the registry's scheme (a 5-digit statistical code with "
                                       "its check digit, or an X-... project code): the row is not matched by name "
                                       "instead; correct the code or leave JLS_CODE empty; row not used"))
        return None
    if compact not in names:
        problems.append(Problem(file, row, "JLS_CODE", code, kind="match",
                                reason="no local government of the registry has this code; row not used"))
        return None
    if compact not in valid:
        problems.append(Problem(file, row, "JLS_CODE", code, kind="match",
                                reason=f"{unit(compact)} is not one of the responding local governments; row not used"))
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
        problems.append(Problem(file, row, "JLS", name, kind="match",
                                reason=f"name and code disagree: the name is {other} but JLS_CODE {compact} is "
                                       f"{unit(compact)}; correct one of them (or add the name to "
                                       "data/reference/aliases.csv if it is the same unit); row not used"))
        return None
    told = getattr(res, "reason", "") or ""
    if "outside Serbia" in told:
        problems.append(Problem(file, row, "JLS", name, kind="match",
                                reason=f"name and code disagree: {told.split(': not matched')[0]} but JLS_CODE "
                                       f"{compact} is {unit(compact)}; correct one of them; row not used"))
        return None
    problems.append(Problem(file, row, "JLS", name, severity=WARNING, kind="match",
                            reason=f"name not recognised; JLS_CODE {compact} identifies {unit(compact)}"))
    return compact


def _by_name(file, row, name, valid, unit, res, problems):
    status = getattr(res, "status", None)
    told = getattr(res, "reason", "") or ""
    if res.unit_code and status in MATCHED_STATUSES:
        if res.unit_code not in valid:
            problems.append(Problem(file, row, "JLS", name, kind="match",
                                    reason=f"{unit(res.unit_code)} is not one of the responding local governments; "
                                           "row not used"))
            return None
        if status == "fuzzy":
            problems.append(Problem(file, row, "JLS", name, severity=WARNING, kind="match",
                                    reason=told or f"matched by similarity to {unit(res.unit_code)}: check it"))
        return res.unit_code
    if status == "ambiguous":
        problems.append(Problem(file, row, "JLS", name, kind="match",
                                reason=(told or "ambiguous local government name") + "; add JLS_CODE or an alias; "
                                                                                       "row not used"))
    else:
        problems.append(Problem(file, row, "JLS", name, kind="match",
                                reason=(told or "no responding local government of the registry matches this name")
                                       + "; row not used"))
    return None

