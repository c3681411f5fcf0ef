"""Where a CSV file's quotes are ones Arrow's parser and a record scanner read alike, and the
whitespace str.strip() removes as an RE2 class: shared by the export reader's Arrow fast path
(_arrow_csv.py) and the registry's (registry/columns.py)."""
from __future__ import annotations

import numpy as np

# What str.strip() removes (the scanner's test for a blank field), as an RE2 class: Python's
# whitespace is wider than RE2's \s (it includes \x1c-\x1f, \x85, U+00A0, U+2000...). The last
# whitespace character is U+3000 (a test scans every code point): scanning them all here took
# 0.3 s of every process that reads an export.
LAST_SPACE = 0x3000
SPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(LAST_SPACE + 1)) if c.isspace())

QUOTE = ord('"')
BLOCK_BYTES = 1 << 22   # odd_quotes' block: its masks stay in cache and in memory the process reuses


def odd_quotes(data: bytes, delimiter: str) -> bool:
    """Quote runs a clean file never has, where the scanner and Arrow read quotes differently
    (the scanner keeps a quote inside an unquoted field and text after a closing quote; Arrow
    opens a quote anywhere): a run with an ordinary character on both sides (this also catches
    quotes escaped inside a quoted value, as in 'said ""hi""': the scanner reads those, at its
    own pace), or an even run (an empty quoted field) with an ordinary character on one side.
    Also true for an odd number of quotes (a value open at the end of the file). On the bytes:
    the quote, the separators and line breaks are ASCII, never part of a UTF-8 sequence.

    Block by block (BLOCK_BYTES), each cut between two bytes that are not quotes, so no run and
    no quote's neighbours cross a cut: a 67 MB export's whole-file masks took 0.65 s in a fresh
    process (the kernel zeroing new pages for them), blocks 0.15 s."""
    a = np.frombuffer(data, dtype=np.uint8)
    quotes, start = 0, 0
    while start < len(a):
        stop = min(len(a), start + BLOCK_BYTES)
        while stop < len(a) and (a[stop - 1] == QUOTE or a[stop] == QUOTE):
            stop += 1
        block = a[start:stop]
        count = int(np.count_nonzero(block == QUOTE))
        if count and _odd_runs(block, delimiter):
            return True
        quotes += count
        start = stop
    return quotes % 2 == 1


def _odd_runs(a: np.ndarray, delimiter: str) -> bool:
    """odd_quotes' run test on a block whose first and last bytes are not quotes (or are the
    file's ends, which count as edges)."""
    # One padded copy of each mask; "before" and "after" are views into it, not shifted copies.
    quote = np.zeros(len(a) + 2, dtype=bool)
    np.equal(a, QUOTE, out=quote[1:-1])
    edge = np.ones(len(a) + 2, dtype=bool)
    np.equal(a, ord(delimiter), out=edge[1:-1])
    edge[1:-1] |= a == ord("\r")
    edge[1:-1] |= a == ord("\n")
    quote_before, quote_here, quote_after = quote[:-2], quote[1:-1], quote[2:]
    edge_before, edge_after = edge[:-2], edge[2:]
    # a lone quote (the usual one, opening or closing a field) needs an edge on one side
    in_run = quote_before | quote_after
    if np.any(quote_here & ~in_run & ~edge_before & ~edge_after):
        return True
    runs = np.flatnonzero(quote_here & in_run)  # quotes in runs of two or more
    if not len(runs):
        return False
    cut = np.flatnonzero(np.diff(runs) != 1)
    starts, ends = runs[np.r_[0, cut + 1]], runs[np.r_[cut, len(runs) - 1]]
    left, right = edge_before[starts], edge_after[ends]
    even = (ends - starts) % 2 == 1
    return bool(np.any((~left & ~right) | (even & (left != right))))
