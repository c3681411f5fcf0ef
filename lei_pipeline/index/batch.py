"""Replications in batches: weighted means with one weights row per replication, and ranks of
many replications with one sort.

The fast path computes each aggregate of a batch as sums of products (weights of the runs x
terms of the units, numpy's einsum: not BLAS, whose order depends on the CPU) on the distinct
unit rows only. They sum in another order than build(), so a score may differ from build()'s in
the last bits (about 1e-14): fragile_rows() finds the runs where that could change a rank, a
category or a rounding, and those runs are recomputed by the exact path.

The exact path (Children, batched_mean, rank_rows) gives, bit for bit, what the per-replication code gives (aggregate.weighted_mean and
results._rank_desc_array): the same products are summed over the same contiguous last axis in
the same order (arrays are made C-contiguous first: numpy sums a strided axis in another order), and a rank is the position of the first equal value in the sorted scores, which
is what searchsorted(side="left") returns. Tests compare them on random and tied inputs."""
from __future__ import annotations

import numpy as np

from lei_pipeline.index.errors import MethodError


class Children:
    """The children's values of one aggregate when they are the same in every replication of a
    batch (units x children): presence and the masked values are computed once, and the weight
    sums once per distinct presence pattern (a wave has few) instead of once per unit."""

    def __init__(self, x: np.ndarray, method: str, offset: float = 0.0):
        self.method, self.offset = method, offset
        self.present = ~np.isnan(x)
        if offset and method != "arithmetic":
            x = x + offset
        with np.errstate(invalid="ignore", divide="ignore"):
            if method == "arithmetic":
                self.terms = np.where(self.present, x, 0.0)  # x * w summed; a missing child adds 0 * w = 0
            elif method == "geometric":
                self.terms = np.where(self.present, np.log(np.where(self.present, x, 1.0)), 0.0)
            elif method == "harmonic":
                self.terms = np.where(self.present, x, 1.0)  # w / x, masked after the division
            else:
                raise MethodError(f"aggregate: unknown method {method!r}")
        self.patterns, self.pattern_of = _patterns(self.present)

    def mean(self, w: np.ndarray) -> np.ndarray:
        """Weighted means (runs x units) for weights w (runs x children)."""
        w = np.ascontiguousarray(w, dtype=float)
        wsum = np.multiply(self.patterns[None, :, :], w[:, None, :], order="C").sum(axis=-1)[:, self.pattern_of]
        return _finish(self.method, self.offset, self.terms[None], self.present[None], w[:, None, :], wsum)


def _patterns(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows, which distinct row each row is) of a boolean matrix, rows keyed by their
    packed bits in a dict: np.unique(axis=0) sorts the rows as wide byte strings, which took
    most of an analysis' time at 10,000 units. The order of the distinct rows does not matter to
    the means (each unit reads its own pattern's weight sum)."""
    index: dict[bytes, int] = {}
    first: list[int] = []
    pattern_of = np.empty(len(present), dtype=np.intp)
    for i, key in enumerate(map(bytes, np.packbits(present, axis=1))):
        j = index.setdefault(key, len(first))
        if j == len(first):
            first.append(i)
        pattern_of[i] = j
    return present[np.asarray(first, dtype=np.intp)], pattern_of


def batched_mean(x: np.ndarray, w: np.ndarray, method: str = "arithmetic", offset: float = 0.0) -> np.ndarray:
    """weighted_mean over the last axis for values x (runs x units x children) and weights w
    (runs x children, or children when every run has the same): runs x units."""
    w = np.ascontiguousarray(w, dtype=float)
    x = np.ascontiguousarray(x, dtype=float)
    w3 = w[None, None, :] if w.ndim == 1 else w[:, None, :]
    present = ~np.isnan(x)
    wsum = np.ascontiguousarray(np.where(present, w3, 0.0)).sum(axis=-1)
    if offset and method != "arithmetic":
        x = x + offset
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            terms = np.where(present, x, 0.0)
        elif method == "geometric":
            terms = np.where(present, np.log(np.where(present, x, 1.0)), 0.0)
        elif method == "harmonic":
            terms = np.where(present, x, 1.0)
        else:
            raise MethodError(f"aggregate: unknown method {method!r}")
    return _finish(method, offset, terms, present, w3, wsum)


def _finish(method: str, offset: float, terms: np.ndarray, present: np.ndarray, w3: np.ndarray,
            wsum: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = np.multiply(terms, w3, order="C").sum(axis=-1) / wsum
        elif method == "geometric":
            out = np.exp(np.multiply(terms, w3, order="C").sum(axis=-1) / wsum)
        else:
            out = wsum / np.where(present, np.divide(w3, terms, order="C"), 0.0).sum(axis=-1)
    if offset and method != "arithmetic":
        out = out - offset
    out[wsum == 0] = np.nan
    return out


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Ranks (1 = highest, ties share the best rank, NaN stays NaN) of each row of scores
    (runs x units), as floats: one sort for the whole batch."""
    runs, units = scores.shape
    if units == 0:
        return np.empty((runs, 0))
    neg = -scores
    order = np.argsort(neg, axis=1)  # NaN sorts last; the order within ties does not change a rank
    ordered = np.take_along_axis(neg, order, axis=1)
    pos = np.arange(units)
    starts = np.empty(ordered.shape, dtype=bool)
    starts[:, 0] = True
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.where(starts, pos, 0)
    np.maximum.accumulate(first, axis=1, out=first)
    ranked = (first + 1).astype(float)
    ranked[np.isnan(ordered)] = np.nan
    out = np.empty_like(ranked)
    np.put_along_axis(out, order, ranked, axis=1)
    return out


# --- the fast path: sums of products ---------------------------------------------------------
def distinct_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of one representative per distinct row, representative of every row): units with
    identical values get identical scores in every replication, whatever the summation order.
    Rows are equal when their values are (0.0 and -0.0 alike, NaN equal to NaN), as for
    np.unique(axis=0), which sorted the rows as wide byte strings (1.2 s a table at 100,000 units
    x 78 indicators, a third of the analysis); here each row is hashed to one integer and the
    grouping checked row by row against its representative, so a hash collision can never merge
    two different rows (it falls back to the sort). The representatives come in no particular
    order: each unit's score is computed from its own row's values whatever its position."""
    n = table.shape[0]
    if n == 0:
        return np.arange(0), np.arange(0)
    canon = np.where(np.isnan(table), np.nan, table + 0.0)   # one NaN, and -0.0 + 0.0 is 0.0
    bits = np.ascontiguousarray(canon).view(np.uint64).reshape(n, -1)
    key = np.zeros(n, dtype=np.uint64)
    for column, factor in zip(np.ascontiguousarray(bits.T), _row_hash_factors(bits.shape[1])):
        key ^= column                              # column by column, each contiguous
        key *= factor                              # wraps modulo 2**64; a product only carries
        key ^= key >> np.uint64(31)                # bits upward, the shift brings them down
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(bits, bits[first[inverse]]):
        nan = np.isnan(table)   # a collision: two different rows share a key (never seen)
        _, first, inverse = np.unique(np.hstack([np.where(nan, 0.0, table), nan]), axis=0,
                                      return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse


def _row_hash_factors(k: int) -> np.ndarray:
    """k fixed odd 64-bit multipliers (a seeded draw: the same grouping in every run)."""
    return np.random.default_rng(0x1E1).integers(1, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def mean_terms(x: np.ndarray, method: str, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(terms, presence) whose weighted sums give a weighted mean: sum(w * terms) is the
    numerator (arithmetic, geometric) or the reciprocal sum (harmonic), sum(w * presence) the weight."""
    present = ~np.isnan(x)
    if offset and method != "arithmetic":
        x = x + offset
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            terms = np.where(present, x, 0.0)
        elif method == "geometric":
            terms = np.where(present, np.log(np.where(present, x, 1.0)), 0.0)
        elif method == "harmonic":
            terms = np.where(present, 1.0 / np.where(present, x, 1.0), 0.0)
        else:
            raise MethodError(f"aggregate: unknown method {method!r}")
    return terms, present


def fragile_rows(scores: np.ndarray, tol: float = 1e-9, decimals: int | None = None,
                 borders: list[float] | tuple = ()) -> np.ndarray:
    """Runs (rows of runs x units) whose ranks or categories could depend on the last bits of a
    score: two different units within tol (relative) of each other, a score within tol of a
    category border or of a rounding half-way point. These are recomputed in build()'s arithmetic."""
    if scores.shape[1] == 0:
        return np.zeros(scores.shape[0], dtype=bool)
    ordered = np.sort(scores, axis=1)
    scale = np.maximum(1.0, np.abs(ordered[:, 1:]))
    with np.errstate(invalid="ignore"):
        flag = (np.diff(ordered, axis=1) <= tol * scale).any(axis=1)
        mag = np.maximum(1.0, np.abs(scores))
        for b in borders:
            if np.isfinite(b):
                flag |= (np.abs(scores - b) <= tol * mag).any(axis=1)
        if decimals is not None:
            y = scores * 10.0 ** decimals
            flag |= (np.abs(y - np.floor(y) - 0.5) <= tol * mag * 10.0 ** decimals).any(axis=1)
    return flag
