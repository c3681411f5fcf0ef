"""Raw answer text -> typed value. Each parser returns (value, note): value None = missing;
note None = clean parse, else ("warning"|"error", reason), a Note that also says its kind. Kept apart from clean.py so the
rules (which synonyms, which number and date shapes) can be read and tested on their own."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .headers import norm

# yes_no synonyms (after norm(): casefold, no diacritics). LimeSurvey codes Y/N, the R export's
# 1/2, Excel booleans, and the words respondents type in Serbian (Latin, Cyrillic) and English.
# 0 is read as N because spreadsheets use 0/1 for no/yes.
YES = {"y", "yes", "da", "да", "1", "true", "istina", "x"}
NO = {"n", "no", "ne", "не", "2", "0", "false", "lazno"}
DONT_KNOW = {"dk", "ne znam", "не знам", "don't know", "dont know", "do not know", "ne zna", "-"}
# multiple choice subquestion: ticked / shown but not ticked (LimeSurvey "", R export 0, "No")
TICKED = {"y", "1", "true", "yes", "da", "да", "x", "✓", "✔"}
UNTICKED = {"", "n", "0", "false", "no", "ne", "не"}



class Note(tuple):
    """(severity, reason) of a parse, equal to the plain pair; `kind` classifies the problem it
    becomes ("range": a value outside the bounds a date or number may take; else "value"), so
    no one has to read the reason to tell."""

    def __new__(cls, severity: str, reason: str, kind: str = "value"):
        note = super().__new__(cls, (severity, reason))
        note.kind = kind
        return note


def out_of_range(reason: str) -> Note:
    return Note("warning", reason, kind="range")


EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_YEARS = (1900, 2200)  # a survey date outside these is a typo; pandas cannot hold years past 2262
SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10: a bare integer here is an Excel date


def blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "")


def parse_yes_no(v):
    k = norm(v)
    if k in YES:
        return "Y", None
    if k in NO:
        return "N", None
    if k in DONT_KNOW:
        return "DK", None
    return None, ("error", "not a yes/no answer: use Y, N or DK (also accepted: Da/Ne/Ne znam, Yes/No, 1/2)")


def parse_choice(v, options, lang_labels=True):
    """options: list of Option(code, label). Accepts the code (any case) or a label in any language."""
    s = str(v).strip()
    codes = [o.code for o in options]
    if s in codes:
        return s, None
    folded = {c.casefold(): c for c in codes}
    if s.casefold() in folded:
        return folded[s.casefold()], None
    if lang_labels:
        k = norm(s)
        for o in options:
            if any(norm(lab) == k for lab in (o.label or {}).values()):
                return o.code, None
    return None, ("error", f"unknown answer code: allowed codes are {', '.join(codes)}")


def parse_tick(v):
    k = norm(v) if v is not None else ""
    if k in TICKED:
        return True, None
    if k in UNTICKED:
        return False, None
    return None, ("error", "not a tick: use Y for ticked and leave empty for not ticked (also accepted: 1/0, Da/Ne)")


_NUM_HEAD = re.compile(r"^\s*([+-]?)\s*(\d[\d.,\s'\u00a0\u202f]*\d|\d)(.*)$", re.S)
# Excel and LibreOffice write large or tiny numbers as 1.5E+06 (1,5E+06 in a decimal-comma locale).
_SCIENTIFIC = re.compile(r"^([+-]?)(\d+)(?:[.,](\d+))?[eE]([+-]?\d{1,3})$")
_PERCENT_WORDS = ("%", "posto", "procenata", "процената")


def parse_number(v, percentage: bool = False):
    """Every notation a spreadsheet writes, read exactly or refused: decimal comma or point,
    thousands separators ('1.234,5', '1,234.5', '1 234', "1'234"), scientific ('1.5E+06',
    '1,5E-03'), percent ('45 %' for a percentage question), trailing words with a warning
    ('12 zaposlenih' -> 12). One separator followed by exactly three digits ('1,234', '12.500')
    could be a thousands separator or a decimal mark: that is ambiguous and refused (an error),
    never guessed."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v), None
    s = str(v).strip().replace("\u2212", "-")
    m = _SCIENTIFIC.match(s)
    if m:
        sign, whole, frac, exp = m.groups()
        try:
            value = float(Decimal(f"{sign}{whole}.{frac or '0'}E{exp}"))
        except (InvalidOperation, OverflowError):
            return None, out_of_range("not a number (exponent out of range): value set missing")
        if value != value or value in (float("inf"), float("-inf")):
            return None, out_of_range("not a number (exponent out of range): value set missing")
        return value, None
    m = _NUM_HEAD.match(s)
    if not m:
        return None, ("warning", "not a number: value set missing")
    sign, body, tail = m.group(1), m.group(2), m.group(3).strip()
    body = re.sub(r"[\s'\u00a0\u202f]", " ", body)
    notes = []
    if " " in body:
        groups = body.split(" ")
        if not groups[0] or not all(re.fullmatch(r"\d{3}", g) for g in groups[1:-1]) or \
                not re.fullmatch(r"\d{3}(?:[.,]\d+)?", groups[-1]):
            return None, ("warning", "not a number (spaces inside it): value set missing")
        body = body.replace(" ", "")
        grouped_by_space = True
    else:
        grouped_by_space = False
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        dec = "," if body.rfind(",") > body.rfind(".") else "."
        thou = "." if dec == "," else ","
        int_part, _, frac = body.rpartition(dec)
        if not _grouped(int_part, thou):
            return None, ("warning", "not a number (mixed separators): value set missing")
        body = int_part.replace(thou, "") + "." + frac
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        parts = body.split(sep)
        if len(parts) > 2:
            if not _grouped(body, sep):
                return None, ("warning", f"not a number (misplaced {sep!r}): value set missing")
            body = body.replace(sep, "")
        else:
            if (len(parts[1]) == 3 and 1 <= len(parts[0]) <= 3 and parts[0] != "0"
                    and not grouped_by_space):
                return None, ("error", f"ambiguous number: {sep!r} may separate thousands "
                                       f"({parts[0]}{parts[1]}) or mark decimals ({parts[0]}.{parts[1]}); "
                                       f"write {parts[0]}{parts[1]} or {parts[0]}{sep}{parts[1]}0")
            body = parts[0] + "." + parts[1]
    try:
        value = float(sign + body)
    except ValueError:
        return None, ("warning", "not a number: value set missing")
    if tail:
        if tail in _PERCENT_WORDS:
            if not percentage:
                return None, ("warning", "a percentage where a number is asked: value set missing")
        else:
            notes.append(f"text after the number ignored ({tail[:30]!r})")
    return value, (("warning", "; ".join(notes)) if notes else None)


def _grouped(s: str, sep: str) -> bool:
    groups = s.split(sep)
    return 1 <= len(groups[0]) <= 3 and groups[0].isdigit() and all(len(g) == 3 and g.isdigit() for g in groups[1:])


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\.?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(v):
    """ISO yyyy-mm-dd (LimeSurvey, optionally with a time), dd.mm.yyyy(.) (Serbian), dd/mm/yyyy
    (day first; warns when both parts could be the month), Excel serial numbers (xlsx cells
    without a date format)."""
    if isinstance(v, (dt.datetime, dt.date)):
        if not DATE_YEARS[0] <= v.year <= DATE_YEARS[1]:
            return None, out_of_range(f"date out of range (years {DATE_YEARS[0]}-{DATE_YEARS[1]}): value set missing")
        return dt.datetime(v.year, v.month, v.day), None
    s = str(v).strip()
    note = None
    m = _ISO.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _DOTTED.match(s)):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _SLASHED.match(s)):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if d <= 12 and mo <= 12 and d != mo:
            note = ("warning", f"ambiguous date: read day first as {d:02d}.{mo:02d}.{y} (dd/mm/yyyy)")
    elif re.fullmatch(r"\d{5}(\.0+)?", s) and SERIAL_RANGE[0] <= float(s) <= SERIAL_RANGE[1]:
        day = EXCEL_EPOCH + dt.timedelta(days=int(float(s)))
        return dt.datetime(day.year, day.month, day.day), ("warning", f"Excel serial date read as {day.isoformat()}")
    else:
        return None, ("warning", "not a date (use yyyy-mm-dd or dd.mm.yyyy): value set missing")
    if not DATE_YEARS[0] <= y <= DATE_YEARS[1]:
        return None, out_of_range(f"date out of range (years {DATE_YEARS[0]}-{DATE_YEARS[1]}): value set missing")
    try:
        return dt.datetime(y, mo, d), note
    except ValueError:
        return None, ("warning", "not a valid calendar date: value set missing")
