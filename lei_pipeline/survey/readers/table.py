"""Header row + data rows (from any shape) -> the tidy raw table of the contract, plus the
Problems about headers. Every shape funnels through here so that a header problem is worded the
same whether it came from a CSV or an XLSX."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lei_pipeline.errors import UsageError
from lei_pipeline.problems import ERROR, WARNING, ExportError, Problem

from ._arrow_csv import ArrowRows, column_has_values, text_series
from .headers import HeaderMap, HeaderResolver, LANGS, identity_aliases

PLACEHOLDER_SUBMITDATE = "1980-01-01 00:00:00"  # LimeSurvey's "complete, survey not date-stamped"
PROVENANCE = ["source_file", "source_row", "respondent_name", "respondent_code", "submitted_at", "last_page", "complete"]


@dataclass
class RawExport:
    """The export as read. `headers` travels with the frame (clean_responses names problems by
    the header text as written); it never rides in frame.attrs."""
    frame: pd.DataFrame
    problems: list = field(default_factory=list)
    fmt: str = "limesurvey"
    headers: dict = field(default_factory=dict)  # export column -> header text as written, when different
    encoding: str | None = None

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == ERROR]


def column_letter(pos: int) -> str:
    n, s = pos + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def questionnaire_waves(q) -> list[str]:
    waves = getattr(q, "waves", None)
    if waves:
        return [str(w) for w in waves]
    seen: dict[str, None] = {}
    for question in q.questions.values():
        for w in question.waves or []:
            seen[str(w)] = None
    return list(seen)


def wave_columns(q, wave) -> tuple[list[str], list[str]]:
    """(columns of this wave, columns of any wave). No wave: every wave's columns."""
    all_cols: dict[str, None] = {}
    for w in questionnaire_waves(q):
        all_cols.update(dict.fromkeys(q.export_columns(w)))
    if wave is None:
        return list(all_cols), list(all_cols)
    wave = str(wave)
    if wave not in questionnaire_waves(q) and hasattr(q, "question_set_wave"):
        wave = q.question_set_wave(wave)
    elif wave not in questionnaire_waves(q):
        raise UsageError(f"wave {wave} is not in the questionnaire (waves: {', '.join(questionnaire_waves(q))})")
    return list(q.export_columns(wave)), list(all_cols)


def header_resolver(q, wave) -> HeaderResolver:
    cols, all_cols = wave_columns(q, wave)
    texts = {}
    for lang in LANGS:
        # the wave's own wording first (a reworded question), then the current one
        for key, args in ((f"{lang}@{wave}", (lang, wave)), (lang, (lang,))):
            if wave is None and key != lang:
                continue
            try:
                texts[key] = dict(q.header_texts(*args))
            except Exception:  # a questionnaire without that language or without per-wave wording
                continue
    return HeaderResolver(cols, all_cols, texts, identity_aliases())


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and v.strip() == "")


def _describe_header(h) -> str:
    return repr(h if h is not None else "")


def build_raw_export(path, fmt: str, headers: list, rows: list[tuple[int, list]], problems: list, q, wave,
                     encoding: str | None = None, letters: bool = False, header_row: int = 1) -> RawExport:
    """rows: (spreadsheet row number, values), or ArrowRows (the same, column by column).
    letters: name columns A, B, ... (xlsx).
    header_row: the row number of the headers, for the problems about them."""
    file = str(path)
    where = (lambda pos: f"column {column_letter(pos)}") if letters else (lambda pos: f"column {pos + 1}")

    seen: dict[str, int] = {}
    for pos, h in enumerate(headers):
        if _is_blank(h):
            continue
        key = str(h).strip()
        if key in seen:
            raise ExportError(Problem(file=file, row=header_row, column=key, value=None, kind="header",
                                      reason=f"duplicated header {key!r} in {where(seen[key])} and {where(pos)}: "
                                             "each question must appear once"))
        seen[key] = pos

    resolver = header_resolver(q, wave)
    hm: HeaderMap = resolver.resolve([None if _is_blank(h) else str(h) for h in headers])
    for code, first, later in hm.duplicates:
        raise ExportError(Problem(file=file, row=header_row, column=code, value=None, kind="header",
                                  reason=f"headers {_describe_header(headers[first])} ({where(first)}) and "
                                         f"{_describe_header(headers[later])} ({where(later)}) are the same question {code}"))
    if "JLS" not in hm.identity:
        found = [str(h) for h in headers if not _is_blank(h)]
        shown = ", ".join(found[:12]) + (f", ... ({len(found)} columns)" if len(found) > 12 else "")
        raise ExportError(Problem(file=file, row=header_row, column="JLS", value=None, kind="header",
                                  reason=f"no JLS column (respondent name): this is not an LEI export; expected a "
                                         f"column 'JLS'; found columns {shown}"))

    if hm.personal:
        names = ", ".join(repr(h) for h in hm.personal.values())
        problems.append(Problem(file=file, row=header_row, column=None, value=None, severity=WARNING, kind="header",
                                reason=f"participant columns {names} dropped: personal data (names, e-mail, access "
                                       "codes) is never read or published"))
    if hm.ignored:
        names = ", ".join(repr(h) for h in list(hm.ignored.values())[:8]) + (
            f" and {len(hm.ignored) - 8} more" if len(hm.ignored) > 8 else "")
        problems.append(Problem(file=file, row=header_row, column=None, value=None, severity=WARNING, kind="header",
                                reason=f"timing columns {names} dropped: not survey answers"))
    for pos, h in hm.unknown.items():
        has_values = (column_has_values(rows.columns[pos]) if isinstance(rows, ArrowRows) else
                      any(pos < len(vals) and not _is_blank(vals[pos]) for _, vals in rows))
        if _is_blank(h):
            if has_values:
                problems.append(Problem(file=file, row=header_row, column=where(pos), value=None, kind="header",
                                        reason=f"{where(pos)} has no header but holds values: not used"))
            continue
        hint = resolver.suggest(str(h))
        reason = f"unknown question header in {where(pos)}"
        reason += f": not a question of wave {wave}" if wave else ": not a question of the questionnaire"
        if hint:
            text = next((t for t in [resolver_text(resolver, hint)] if t), None)
            reason += f"; did you mean {hint}" + (f" ({text!r})" if text and text != hint else "") + "?"
        reason += "; column not used"
        problems.append(Problem(file=file, row=header_row, column=str(h), value=None, reason=reason, kind="header"))

    for code, pos in hm.other_wave.items():
        problems.append(Problem(file=file, row=header_row, column=code, header=hm.texts.get(code), value=None, severity=WARNING,
                                kind="header", reason=f"question not asked in wave {wave}: column ignored"))

    missing = [c for c in resolver.wave_columns if c not in hm.questions]
    by_question: dict[str, list[str]] = {}
    for c in missing:
        by_question.setdefault(c.split("[")[0], []).append(c)
    for qcode, cols in by_question.items():
        cols_txt = cols[0] if len(cols) == 1 and cols[0] == qcode else ", ".join(cols)
        problems.append(Problem(file=file, row=None, column=qcode, value=None, severity=WARNING, kind="header",
                                reason=f"question of wave {wave or '(any)'} missing from the export "
                                       f"(no column {cols_txt}): its answers will be missing"))

    if not rows:
        raise ExportError(Problem(file=file, row=None, column=None, value=None, kind="file",
                                  reason="no responses: the file has a header row but no data rows"))

    def take(vals, pos):
        if pos is None or pos >= len(vals):
            return None
        v = vals[pos]
        return None if v is None else v

    data: dict[str, list] = {c: [] for c in PROVENANCE}
    ordered = [c for c in resolver.wave_columns if c in hm.questions] + [c for c in hm.questions if c not in resolver.wave_set]
    ordered += list(hm.extras)
    for c in ordered:
        data[c] = []
    positions = {**hm.questions, **hm.extras}
    sub_pos = hm.admin.get("submitdate")
    if isinstance(rows, ArrowRows):
        _columns_at_once(data, rows.numbers, _ColumnLists(rows.columns), file, hm, ordered, positions, sub_pos,
                         problems, arrow=rows.columns)
    elif all(len(vals) == (width := len(rows[0][1])) for _, vals in rows) and all(
            p is None or p < width for p in [hm.identity["JLS"], hm.identity.get("JLS_CODE"), sub_pos,
                                             hm.admin.get("lastpage"), *positions.values()]):
        _columns_at_once(data, [rownum for rownum, _ in rows], list(zip(*[vals for _, vals in rows])), file, hm,
                         ordered, positions, sub_pos, problems)
    else:
        _row_by_row(data, rows, file, hm, ordered, positions, sub_pos, problems, take)

    frame = pd.DataFrame({
        "source_file": pd.Series(data["source_file"], dtype="str"),
        "source_row": pd.Series(data["source_row"], dtype="int64"),
        "respondent_name": pd.Series(data["respondent_name"], dtype="str"),
        "respondent_code": pd.Series(data["respondent_code"], dtype="str"),
        "submitted_at": _times(data["submitted_at"]),
        "last_page": pd.Series(data["last_page"], dtype="Int64"),
        "complete": pd.Series(data["complete"], dtype="bool"),
        **{c: text_series(data[c]) for c in ordered},
    })
    return RawExport(frame=frame, problems=problems, fmt=fmt, headers=dict(hm.texts), encoding=encoding)


def resolver_text(resolver: HeaderResolver, code: str) -> str | None:
    text = resolver.display.get(code)
    return text[:80] + "..." if text and len(text) > 80 else text


def _times(values) -> pd.Series:
    if isinstance(values, np.ndarray):   # read at once (_submitted_column)
        return pd.Series(values, dtype="datetime64[ns]")
    return pd.to_datetime(pd.Series(values, dtype="object")).astype("datetime64[ns]")


def _code_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _parse_timestamp(v):
    if hasattr(v, "year"):
        ts = pd.Timestamp(v)
    else:
        s = str(v).strip()
        if s == PLACEHOLDER_SUBMITDATE:
            return pd.NaT
        try:
            ts = pd.to_datetime(s, format="ISO8601")
        except (ValueError, TypeError):
            try:
                ts = pd.to_datetime(s, dayfirst=True)
            except (ValueError, TypeError):
                return None
    if ts == pd.Timestamp(PLACEHOLDER_SUBMITDATE):
        return pd.NaT
    return ts.tz_localize(None) if ts.tzinfo else ts


MAX_PAGE = 100_000  # a survey page number; anything larger is not one (and would overflow Int64)
SUBMIT_YEARS = (1900, 2200)


def _int_or_none(v):
    if _is_blank(v):
        return None
    try:
        f = float(str(v).strip().replace(",", "."))
    except ValueError:
        return None
    return int(f) if f.is_integer() and 0 <= f <= MAX_PAGE else None


def _last_pages(values, rownums, file, problems) -> list:
    out = []
    pages: dict = {}   # per distinct text: a column holds a handful of page numbers
    for v, rownum in zip(values, rownums):
        if isinstance(v, str):   # texts only: as dict keys 1, 1.0 and True are one (a spreadsheet's cells)
            page = pages[v] if v in pages else pages.setdefault(v, _int_or_none(v))
        else:
            page = _int_or_none(v)
        if page is None and not _is_blank(v):
            problems.append(Problem(file=file, row=rownum, column="lastpage", value=str(v)[:40], severity=WARNING,
                                    reason=f"last page is not a page number (0..{MAX_PAGE}): ignored"))
        out.append(page)
    return out


def _row_by_row(data, rows, file, hm, ordered, positions, sub_pos, problems, take) -> None:
    for rownum, vals in rows:
        name = take(vals, hm.identity["JLS"])
        code = take(vals, hm.identity.get("JLS_CODE"))
        data["source_file"].append(file)
        data["source_row"].append(rownum)
        data["respondent_name"].append(None if _is_blank(name) else str(name).strip())
        data["respondent_code"].append(None if _is_blank(code) else _code_text(code))
        sub = take(vals, sub_pos)
        complete, ts = _submitted(sub, sub_pos, file, rownum, problems)
        data["submitted_at"].append(ts)
        lp = take(vals, hm.admin.get("lastpage"))
        data["last_page"] += _last_pages([lp], [rownum], file, problems)
        data["complete"].append(complete)
        for c in ordered:
            v = take(vals, positions[c])
            data[c].append(v if v is None or isinstance(v, str) else str(v))


def _submitted(sub, sub_pos, file, rownum, problems):
    """(complete, submit time) of one row."""
    if sub_pos is None:
        return True, pd.NaT
    if _is_blank(sub):
        return False, pd.NaT
    ts = _parse_timestamp(sub)
    if ts is not None and ts is not pd.NaT and not pd.isna(ts) and not SUBMIT_YEARS[0] <= ts.year <= SUBMIT_YEARS[1]:
        problems.append(Problem(file=file, row=rownum, column="submitdate", value=sub, severity=WARNING,
                                reason=f"submit date out of range (years {SUBMIT_YEARS[0]}-{SUBMIT_YEARS[1]}): "
                                       "kept as complete, time unknown"))
        return True, pd.NaT
    if ts is None:
        problems.append(Problem(file=file, row=rownum, column="submitdate", value=sub, severity=WARNING,
                                reason="submit date is not a date-time (YYYY-MM-DD HH:MM:SS): kept as complete, time unknown"))
        ts = pd.NaT
    return True, ts


class _ColumnLists:
    """Arrow columns as Python lists, converted when first asked for (only the identity and
    admin columns are: the answer columns go to pandas as Arrow)."""

    def __init__(self, columns):
        self._columns, self._lists = columns, {}

    def __getitem__(self, pos):
        if pos not in self._lists:
            self._lists[pos] = self._columns[pos].to_pylist()
        return self._lists[pos]


def _columns_at_once(data, numbers, columns, file, hm, ordered, positions, sub_pos, problems, arrow=None) -> None:
    """Every row as wide as the first and every column inside it (a CSV always; an XLSX
    usually): the values column by column (transposed once in C, or as Arrow read them) instead
    of one Python step per cell. Same values as _row_by_row. arrow: the Arrow columns, when read so."""
    n = len(numbers)
    at = lambda pos: columns[pos] if pos is not None else (None,) * n  # noqa: E731
    data["source_file"] = [file] * n
    data["source_row"] = numbers
    data["respondent_name"] = [None if _is_blank(v) else str(v).strip() for v in at(hm.identity["JLS"])]
    data["respondent_code"] = [None if _is_blank(v) else _code_text(v) for v in at(hm.identity.get("JLS_CODE"))]
    data["complete"], data["submitted_at"] = _submitted_column(at(sub_pos), sub_pos, numbers, file, problems)
    data["last_page"] = _last_pages(at(hm.admin.get("lastpage")), numbers, file, problems)
    for c in ordered:
        if arrow is not None:
            data[c] = arrow[positions[c]]
            continue
        col = columns[positions[c]]
        if set(map(type, col)) <= {str, type(None)}:
            data[c] = list(col)
        else:
            data[c] = [v if v is None or isinstance(v, str) else str(v) for v in col]


def _submitted_column(values, sub_pos, numbers, file, problems) -> tuple[list, np.ndarray]:
    """(complete, submit times) of a whole column: what _submitted gives row by row, with the
    problems in row order. One vectorised ISO-8601 parse reads the usual values; only the rows
    it cannot settle (other formats, a year out of range, a spreadsheet's own dates) go through
    _submitted."""
    n = len(numbers)
    times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if sub_pos is None:
        return [True] * n, times
    complete = [not _is_blank(v) for v in values]
    texts = {i: v.strip() for i, v in enumerate(values) if complete[i] and isinstance(v, str)}
    settled = {i for i, t in texts.items() if t == PLACEHOLDER_SUBMITDATE}   # complete, time unknown
    rows = [i for i in texts if i not in settled]
    parsed = _parse_iso([texts[i] for i in rows])
    if parsed is not None:
        years = parsed.astype("datetime64[Y]").astype(np.int64) + 1970
        good = ~np.isnat(parsed) & (years >= SUBMIT_YEARS[0]) & (years <= SUBMIT_YEARS[1])
        where = np.asarray(rows, dtype=np.int64)[good]
        placeholder = np.datetime64(PLACEHOLDER_SUBMITDATE, "ns")
        times[where] = np.where(parsed[good] == placeholder, np.datetime64("NaT"), parsed[good])
        settled.update(where.tolist())
    for i in range(n):   # in row order, so their problems are too
        if complete[i] and i not in settled:
            complete[i], ts = _submitted(values[i], sub_pos, file, numbers[i], problems)
            times[i] = np.datetime64("NaT") if pd.isna(ts) else ts.to_datetime64()
    return complete, times


def _parse_iso(texts: list[str]) -> np.ndarray | None:
    """The texts as one ISO-8601 parse (NaT where it fails), or None when they are not plain
    local times (time zones: each row is read by _parse_timestamp)."""
    if not texts:
        return None
    try:
        parsed = pd.to_datetime(pd.Series(texts, dtype="object"), format="ISO8601", errors="coerce")
    except (ValueError, TypeError):
        return None
    if getattr(parsed.dtype, "tz", None) is not None or parsed.dtype == object:
        return None
    return parsed.to_numpy(dtype="datetime64[ns]")
