"""Variance-based sensitivity analysis (Sobol indices) of a composite index, as COINr's
get_sensitivity(SA_type = "SA"): which uncertain input drives the ranking most.

sobol_indices() is generic: a model maps rows of a U(0,1) design to one number each. Inputs may
be groups of design columns (the whole weights vector can be one input). Saltelli design: two
independent n-row matrices A and B, and for each input i the matrix AB_i = A with input i's
columns taken from B: n * (d + 2) model runs. Estimators (Saltelli et al. 2010, table 2):

    V    = var(f(A), f(B))                            outputs centred on their mean first
    S_i  = mean(f(B) * (f(AB_i) - f(A))) / V          first order, Saltelli 2010 (default)
    S_i  = (V - mean((f(B) - f(AB_i))^2) / 2) / V     first order, Jansen 1999 (first_order="jansen")
    ST_i = mean((f(A) - f(AB_i))^2) / 2 / V           total effect, Jansen 1999

The first-order default is Saltelli 2010's because COINr and SALib use it: the same design
gives the same indices as SALib (a test checks it), so published figures compare with theirs.
The engine used Jansen's first-order estimator before; it stays available as an option (both
are consistent; they differ at small n). The total index is Jansen's in all three. Confidence intervals, when asked, are bootstrap percentiles over the n design rows.
Indices are NaN when the output does not vary (V = 0).

run_sensitivity() applies it to an index: the inputs are the weights (one input, or one per
level or node when the spec gives a noise per level or node), each answer-reading aspect, each alternatives
step and the eligibility threshold; the output of a run is the mean absolute shift of the
target's ranks from the nominal ranks, over units."""
from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lei_pipeline.index.build import IndexBuild
from lei_pipeline.index.errors import MethodError
from lei_pipeline.index.framework import Framework
from lei_pipeline.index.method import Method
from lei_pipeline.index.uncertainty import Replicator, Uncertainty

_MODEL_BLOCK_VALUES = 2_000_000  # scores per block of Sobol runs (runs x units): 16 MB, and as much for ranks


@dataclass
class SobolIndices:
    indices: pd.DataFrame  # one row per input: S, ST (+ S_low, S_high, ST_low, ST_high with bootstrap)
    variance: float        # variance of the output over A and B
    n: int                 # base sample size
    design: np.ndarray     # (n * (d + 2)) x n_vars: A, then B, then AB_i for each input in order
    outputs: np.ndarray    # the model's output for each design row


def _groups(groups: int | Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    if isinstance(groups, int):
        groups = {f"x{i + 1}": [i] for i in range(groups)}
    out = {str(k): [int(c) for c in v] for k, v in dict(groups).items()}
    cols = sorted(c for v in out.values() for c in v)
    if not out or any(not v for v in out.values()) or cols != list(range(len(cols))):
        raise ValueError(f"sensitivity inputs must split design columns 0..n-1 into non-empty groups, got {out}")
    return out


def saltelli_design(n: int, groups: Mapping[str, Sequence[int]], rng: np.random.Generator) -> np.ndarray:
    """Rows A (n), B (n), then AB_i (n each, inputs in order): n * (d + 2) x n_vars in U(0,1)."""
    n_vars = sum(len(v) for v in groups.values())
    a, b = rng.random((n, n_vars)), rng.random((n, n_vars))
    blocks = [a, b]
    for cols in groups.values():
        ab = a.copy()
        ab[:, cols] = b[:, cols]
        blocks.append(ab)
    return np.vstack(blocks)


FIRST_ORDER = ("saltelli2010", "jansen")


def estimate(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray, first_order: str = "saltelli2010"
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order and total indices from outputs y_a, y_b (..., n) and y_ab (..., d, n);
    leading axes (bootstrap resamples) broadcast. Returns (S (..., d), ST (..., d), V (...))."""
    v = np.var(np.concatenate([y_a, y_b], axis=-1), axis=-1)  # ddof 0, as SALib
    if first_order == "saltelli2010":
        first = np.mean(y_b[..., None, :] * (y_ab - y_a[..., None, :]), axis=-1)
    elif first_order == "jansen":
        first = v[..., None] - 0.5 * np.mean((y_b[..., None, :] - y_ab) ** 2, axis=-1)
    else:
        raise ValueError(f"first_order must be one of {FIRST_ORDER}, got {first_order!r}")
    total = 0.5 * np.mean((y_a[..., None, :] - y_ab) ** 2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return first / v[..., None], total / v[..., None], v


def sobol_indices(model: Callable[[np.ndarray], np.ndarray], groups: int | Mapping[str, Sequence[int]], n: int,
                  *, seed: int | None = None, bootstrap: int = 0, confidence: float = 0.95,
                  first_order: str = "saltelli2010") -> SobolIndices:
    """Sobol indices of `model` (a function from a runs x n_vars U(0,1) array to runs outputs,
    called once with the whole design) for `groups` (d inputs named x1..xd, or input name ->
    design columns)."""
    groups = _groups(groups)
    if n < 2:
        raise ValueError(f"sensitivity base sample size n must be >= 2, got {n}")
    design_rng, boot_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    design = saltelli_design(n, groups, design_rng)
    y = np.asarray(model(design), dtype=float).reshape(-1)
    if y.shape != (len(design),):
        raise ValueError(f"sensitivity model returned {y.size} outputs for {len(design)} design rows")
    d = len(groups)
    # Centred on the mean of every run, as SALib does: Saltelli 2010's first-order estimator is
    # biased (its variance grows) for outputs far from 0. The indices are otherwise unchanged.
    yc = y - y.mean()
    y_a, y_b, y_ab = yc[:n], yc[n:2 * n], yc[2 * n:].reshape(d, n)
    s, st, v = estimate(y_a, y_b, y_ab, first_order)
    table = pd.DataFrame({"S": s, "ST": st}, index=pd.Index(list(groups), name="input"))
    if bootstrap:
        idx = boot_rng.integers(0, n, size=(bootstrap, n))
        bs, bst, _ = estimate(y_a[idx], y_b[idx], np.moveaxis(y_ab[:, idx], 0, 1), first_order)
        lo, hi = (1 - confidence) / 2, (1 + confidence) / 2
        with warnings.catch_warnings():  # an input whose indices are all NaN gets NaN bounds
            warnings.simplefilter("ignore", RuntimeWarning)
            table["S_low"], table["S_high"] = np.nanquantile(bs, [lo, hi], axis=0)
            table["ST_low"], table["ST_high"] = np.nanquantile(bst, [lo, hi], axis=0)
    return SobolIndices(indices=table, variance=float(v), n=n, design=design, outputs=y)


@dataclass
class SensitivityResult:
    spec: Uncertainty
    target: str
    seed: int
    nominal: IndexBuild
    indices: pd.DataFrame     # one row per input (weights, then steps): S, ST and bootstrap intervals
    variance: float           # variance of the mean absolute rank shift over the A and B runs
    n: int                    # base sample size; runs = n * (inputs + 2)
    parameters: pd.DataFrame  # one row per run: block (A, B, AB:<input>), weight multipliers, options
    rank_shift: pd.Series     # per run: mean over units of |rank - nominal rank| (the analysed output)
    seconds: float

    @property
    def runs(self) -> int:
        return len(self.rank_shift)

    @property
    def seconds_per_run(self) -> float:
        return self.seconds / self.runs


def input_groups(rep: Replicator) -> dict[str, list[int]]:
    """The analysis' inputs -> design columns: the weights (one input, or weights:level<N> per
    level with its own noise), then each discrete input (reading:<aspect>, steps, eligibility)."""
    k = len(rep.noisy)
    w = rep.spec.weights
    if not k:
        groups = {}
    elif w is not None and (w.by_level is not None or w.by_code):
        own = dict(w.by_code)
        groups = {}
        for j, code in enumerate(rep.noisy):
            name = f"weights:{code}" if code in own else f"weights:level{rep.framework[code].level}"
            groups.setdefault(name, []).append(j)
    else:
        groups = {"weights": list(range(k))}
    return groups | {name: [k + j] for j, (name, _) in enumerate(rep.inputs)}


def run_sensitivity(data: pd.DataFrame, framework: Framework, method: Method, spec: Uncertainty | dict, *,
                    rescore=None, eligibility: float | None = None, decimals: int | None = None,
                    progress=None, first_order: str = "saltelli2010", replicator: Replicator | None = None,
                    **build_kwargs) -> SensitivityResult:
    """Sobol indices of the target's mean absolute rank shift for the spec's uncertain inputs,
    with spec.sensitivity's n, bootstrap and confidence; rescore, eligibility and decimals are
    Replicator's, progress(n) is told of every n runs done; build_kwargs are build()'s.
    replicator: one already built from these same arguments (run_uncertainty's), reused."""
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, Uncertainty) else Uncertainty.from_dict(spec)
    rep = replicator or Replicator(data, framework, method, spec, rescore=rescore, eligibility=eligibility,
                                   decimals=decimals, **build_kwargs)
    groups = input_groups(rep)
    if not groups:
        raise MethodError("uncertainty sensitivity needs at least one uncertain input: weights noise or alternatives")
    seed = secrets.randbits(63) if spec.seed is None else spec.seed

    def model(u: np.ndarray) -> np.ndarray:
        # Only one number per run is kept (its mean |rank shift|): runs are evaluated in blocks so
        # that scores and ranks never exist for all n * (d + 2) runs at once (at 10,000 units that
        # was gigabytes). A run's ranks do not depend on the runs beside it (fragile runs are
        # recomputed exactly), so the blocks give the same numbers.
        # The runs are taken combination by combination (reading, impute, treat, normalise), and
        # a combination's cached tables are released once its last run is done, within a block
        # too: the caches then hold one combination at a time (two where a block ends inside
        # one) instead of every one the design draws (at 100,000 units each is ~400 MB with its
        # aggregation terms, and a wave's spec draws dozens). Each run's result is put back in
        # its design row, so the order changes nothing.
        per = max(1, _MODEL_BLOCK_VALUES // max(1, len(rep.units)))
        combos = rep.combinations(u)
        order = np.argsort(combos, kind="stable")
        out = np.empty(len(u))
        for i in range(0, len(u), per):
            rows = order[i:i + per]
            later = set(combos[order[i + per:]].tolist())   # the combinations the next blocks use
            out[rows] = rep.rank_shift(rep.evaluate(u[rows], progress, keep=later)[1])
        return out

    sens = spec.sensitivity
    sob = sobol_indices(model, groups, sens.n, seed=seed, bootstrap=sens.bootstrap, confidence=sens.confidence,
                        first_order=first_order)
    params = rep.parameters(sob.design).rename_axis("run")
    params.insert(0, "block", np.repeat(["A", "B"] + [f"AB:{g}" for g in groups], sens.n))
    return SensitivityResult(
        spec=rep.spec, target=rep.target, seed=seed, nominal=rep.nominal, indices=sob.indices,
        variance=sob.variance, n=sens.n, parameters=params,
        rank_shift=pd.Series(sob.outputs, index=params.index, name="rank_shift"),
        seconds=time.perf_counter() - t0,
    )
