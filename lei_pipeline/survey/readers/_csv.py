"""A small CSV record parser that keeps what csv.reader throws away: where each record starts,
whether a field was quoted (LimeSurvey 6 writes NULL as an unquoted empty field and "" as a
quoted one), and whether the file ended inside a quote (a truncated download).

Row numbers are RECORD numbers (header = 1), which is what a spreadsheet shows after opening the
CSV even when a quoted value spans several physical lines."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

DELIMITERS = (",", ";", "\t")


@dataclass
class Record:
    number: int                    # record number, header = 1
    line: int                      # physical line the record starts on
    fields: list = field(default_factory=list)  # str, or None for an unquoted empty field
    unterminated: bool = False     # the file ended inside a quoted field
    raw: str = ""


def strip_excel_sep_line(text: str) -> tuple[str, str | None]:
    """Excel writes `sep=;` as a first line to force the delimiter; it is not a header."""
    m = re.match(r"sep=(.)\r?\n", text)
    if m:
        return text[m.end():], m.group(1)
    return text, None


def count_outside_quotes(line: str) -> dict[str, int]:
    counts = dict.fromkeys(DELIMITERS, 0)
    inside = False
    for ch in line:
        if ch == '"':
            inside = not inside
        elif not inside and ch in counts:
            counts[ch] += 1
        elif not inside and ch in "\r\n":
            break
    return counts


def sniff_delimiter(text: str) -> tuple[str, dict[str, int]]:
    """The separator of the header row, outside quotes. When several occur (a ';' file whose
    question texts contain commas), the one that gives the data rows the header's field count wins."""
    counts = count_outside_quotes(text)
    present = [d for d in DELIMITERS if counts[d]]
    if len(present) > 1:
        sample = text[:200_000]
        cut = sample.rfind("\n")
        sample = sample[: cut + 1] if cut > 0 else sample

        def fit(d):
            recs = [r for r in parse_records(sample, d)[:30] if not is_blank(r)]
            m = len(recs[0].fields) if recs else 0
            return sum(1 for r in recs[1:] if len(r.fields) == m)
        return max(present, key=lambda d: (fit(d), counts[d])), counts
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best, counts


_UNQUOTED = {d: re.compile("[^" + re.escape(d) + "\r\n]*") for d in DELIMITERS}
# A record on one physical line whose quoted fields hold no quote, delimiter or line break: the
# common case (LimeSurvey quotes every field). Such a line splits at the delimiter exactly as the
# field-by-field scanner below would read it, in C instead of one Python step per field.
_SIMPLE_LINE = {d: re.compile('(?:"[^"\r\n{0}]*"|[^"\r\n{0}]*)(?:{0}(?:"[^"\r\n{0}]*"|[^"\r\n{0}]*))*'
                              .format(re.escape(d))) for d in DELIMITERS}


def _simple_fields(line: str, delimiter: str) -> list | None:
    """Fields of a simple line (see _SIMPLE_LINE), or None when the full scanner must read it."""
    if not _SIMPLE_LINE[delimiter].fullmatch(line):
        return None
    if '"' not in line:
        return [f if f else None for f in line.split(delimiter)]
    sep = '"' + delimiter + '"'
    if line.startswith('"') and line.endswith('"') and len(line) >= 2 and \
            line.count('"') == 2 * (line.count(sep) + 1):
        return line[1:-1].split(sep)  # every field quoted
    return [f[1:-1] if f.startswith('"') else (f if f else None) for f in line.split(delimiter)]


def parse_records(text: str, delimiter: str) -> list[Record]:
    records: list[Record] = []
    unq = _UNQUOTED[delimiter]
    n = len(text)
    pos = 0
    line = 1
    number = 0
    while pos < n:
        number += 1
        rec = Record(number=number, line=line)
        start = pos
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        body_end = end - 1 if nl >= 0 and end > pos and text[end - 1] == "\r" else end
        fields = _simple_fields(text[pos:body_end], delimiter)
        if fields is not None:
            rec.fields = fields
            pos = n if nl < 0 else nl + 1
            if nl >= 0:
                line += 1
            rec.raw = text[start:pos]
            records.append(rec)
            continue
        while True:
            if pos < n and text[pos] == '"':
                # quoted field: runs to the next quote not followed by another quote
                pos += 1
                parts = []
                while True:
                    q = text.find('"', pos)
                    if q < 0:
                        parts.append(text[pos:])
                        line += text.count("\n", pos)
                        pos = n
                        rec.unterminated = True
                        break
                    parts.append(text[pos:q])
                    line += text.count("\n", pos, q)
                    if q + 1 < n and text[q + 1] == '"':
                        parts.append('"')
                        pos = q + 2
                        continue
                    pos = q + 1
                    break
                value = "".join(parts)
                if pos < n and text[pos] not in (delimiter, "\r", "\n"):
                    # stray text after a closing quote: keep it, like spreadsheets do
                    m = unq.match(text, pos)
                    value += m.group(0)
                    pos = m.end()
                rec.fields.append(value)
            else:
                m = unq.match(text, pos)
                value = m.group(0)
                pos = m.end()
                rec.fields.append(value if value != "" else None)
            if pos >= n:
                break
            ch = text[pos]
            if ch == delimiter:
                pos += 1
                if pos >= n:
                    rec.fields.append(None)
                    break
                continue
            # end of record
            if ch == "\r" and pos + 1 < n and text[pos + 1] == "\n":
                pos += 2
            else:
                pos += 1
            line += 1
            break
        rec.raw = text[start:pos]
        records.append(rec)
    return records


def is_blank(rec: Record) -> bool:
    return all(f is None or f.strip() == "" for f in rec.fields)
