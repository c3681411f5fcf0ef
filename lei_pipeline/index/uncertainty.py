"""Uncertainty analysis of a composite index (JRC / COINr get_sensitivity, SA_type "UA").

The spec is data (uncertainty_spec.Uncertainty): which weights get multiplicative noise, which
alternative method settings, answer readings and ranking-eligibility thresholds a replication
may draw. Each replication is one point of a U(0,1) design: a weight multiplier is
1 - noise + 2 * noise * u, a discrete choice is option[floor(u * n)]. The same design-to-build
mapping serves the Sobol analysis (sensitivity.py).

Replications are cheap and batched. The steps up to normalisation run once per distinct
combination of answer reading / impute / treat / normalise (through build(); a reading re-scores
the answers through the caller's `rescore` function first). Replications sharing one normalised
table and one mean are then aggregated together: each aggregate is a weighted mean with one
weights row per replication (batch.py), in chunks that bound memory, and a whole batch is ranked
with one sort. Results are bit for bit those of per-replication builds.

Ranking eligibility: a unit is ranked when its coverage (the smallest share, over the aggregates
directly above the indicators, of the children's nominal weight that has a value) reaches the
threshold; below it the unit keeps its score but has no rank and no category.

Geometric and harmonic means need positive values (plus their offset). When the spec can draw
such a mean, every normalisation combination it can draw is built and checked before any
replication runs; one non-positive value rejects the whole spec (AggregationError naming both
options), whatever the draws."""
from __future__ import annotations

import itertools
import secrets
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lei_pipeline.index.aggregate import weighted_mean
from lei_pipeline.index.batch import Children, batched_mean, distinct_rows, fragile_rows, mean_terms, rank_rows
from lei_pipeline.index.build import IndexBuild, build
from lei_pipeline.index.errors import AggregationError, DataError, IndexEngineError, MethodError
from lei_pipeline.index.framework import Framework
from lei_pipeline.index.method import AggregateSpec, Method
from lei_pipeline.index.uncertainty_spec import (  # noqa: F401 (re-exported: the spec's home was here)
    STEPS,
    Alternative,
    SensitivitySpec,
    Uncertainty,
    WeightNoise,
)

_POSITIVE_ONLY = ("geometric", "harmonic")
_CHUNK_VALUES = 400_000  # floats per exact aggregation block (runs x units x children): bounds memory
_FAST_CHUNK_VALUES = 4_000_000  # floats per fast block (runs x distinct units x varying children): 32 MB
# Below this many floats for every combination's table together (a sample wave: 140 units x 78
# indicators x 8 readings, 87,000), the tables are kept for the whole analysis instead of being
# released and built again (what bounds memory at 100,000 units costs time at 140).
_KEEP_ALL_VALUES = 2_000_000

Rescore = Callable[[dict], pd.DataFrame]  # answer reading {aspect: option} -> the data table build() reads


# --- the replication engine ------------------------------------------------------------------
class Replicator:
    """Maps rows of a U(0,1) design (replications x n_vars) to target scores and ranks.

    Columns 0..k-1 are the k noisy weights (one per node in `noisy`), then one column per
    discrete input in `inputs` (answer-reading aspects, method steps, eligibility). Built once
    per analysis: runs the nominal build and checks the spec against the framework and method.

    rescore: for readings, a function from a reading {aspect: option} to the data table.
    eligibility: the nominal ranking-eligibility threshold (None: every scored unit is ranked).
    applicable: units x indicators, True where an indicator counts toward a unit's coverage (a
        methodology may excuse criteria missing by design); None: every indicator counts.
    decimals: ranks and categories from scores rounded to this many decimals (None: unrounded)."""

    def __init__(self, data: pd.DataFrame, framework: Framework, method: Method, spec: Uncertainty, *,
                 rescore: Rescore | None = None, eligibility: float | None = None, decimals: int | None = None,
                 applicable: pd.DataFrame | None = None, exact: bool = False, **build_kwargs):
        if not isinstance(spec, Uncertainty):
            raise MethodError(f"uncertainty spec must be an Uncertainty (use Uncertainty.from_dict), got {type(spec).__name__}")
        if method.aggregate is None:
            raise MethodError("uncertainty needs a method with an aggregate step: there is no score to study")
        if spec.readings and rescore is None:
            raise MethodError(f"uncertainty readings {list(spec.readings)} need a re-scoring function (rescore=) "
                              "that reads the answers again; this caller has none")
        spec = spec.resolve(method)
        self.spec, self.framework, self.method = spec, framework, method
        self._data, self._kwargs, self._rescore = data, build_kwargs, rescore
        self.decimals, self.exact = decimals, exact
        self.exact_runs = 0  # runs recomputed in build()'s arithmetic (all of them when exact)
        self.target = _target(spec.target, framework)
        sub = _subtree(framework, self.target)
        self.indicators = [c for c in framework.indicators if c in sub]
        self.aggregates = [c for c in framework.aggregates if c in sub]
        self.noisy = _noisy(spec.weights, framework, self.target, sub)
        self.aspects = list(spec.readings)
        self.steps = [s for s in STEPS if s in spec.alternatives]
        # Discrete inputs, in design-column order: (name, number of options).
        self.inputs = ([(f"reading:{a}", len(spec.readings[a])) for a in self.aspects]
                       + [(s, len(spec.alternatives[s])) for s in self.steps]
                       + ([("eligibility", len(spec.eligibility))] if spec.eligibility else []))
        self.n_vars = len(self.noisy) + len(self.inputs)
        self.nominal_eligibility = eligibility
        self._applicable = applicable
        self._eligibility_used = eligibility is not None or bool(spec.eligibility)

        self.nominal: IndexBuild = build(data, framework, method, **build_kwargs)
        self.units = self.nominal.raw.index
        res = self.nominal.results.reindex(self.units)
        self.nominal_scores = res[self.target].to_numpy(dtype=float)

        cols = self.indicators + self.aggregates
        self._col = {c: j for j, c in enumerate(cols)}
        self._base = np.array([framework[c].weight for c in cols], dtype=float)
        self._noisy_cols = np.array([self._col[c] for c in self.noisy], dtype=int)
        self._noise = np.array([spec.weights.noise_of(framework[c].level, c) for c in self.noisy]) if self.noisy else np.empty(0)
        self._kids = {a: [self._col[k] for k in framework.children(a)] for a in self.aggregates}
        # Children of aggregates above the noisy level vary by run: the widest of them bounds a fast block.
        varying, widest = set(), 1
        for a in self.aggregates:
            if any(k in varying or k in set(self._noisy_cols.tolist()) for k in self._kids[a]):
                varying.add(self._col[a])
                if any(k in varying for k in self._kids[a]):
                    widest = max(widest, len(self._kids[a]))
        self._widest_varying = max(widest, 2)
        self._data_cache: dict[tuple, pd.DataFrame] = {}
        self._coverage: dict[tuple, np.ndarray] = {}
        self._cache: dict[tuple, np.ndarray] = {}
        self._children: dict[tuple, Children] = {}
        self._terms: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._distinct: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._pres: dict[tuple, int] = {}   # combination -> number (combinations(), release())
        self._checked = False
        self._keep_all = len(self.units) * len(self.indicators) * len(self._choices()) <= _KEEP_ALL_VALUES
        self.nominal_ranks = self._rank(self.nominal_scores[None, :], self._eligible_nominal())[0]
        self.tiers = method.tiers if method.tiers is not None and method.tiers.node == self.target else None
        self._borders = [t.min for t in self.tiers.labels] if self.tiers is not None else []

    # design -> parameters
    def decode(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weight multipliers (runs x k) and option numbers (runs x discrete inputs) of design rows."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if u.shape[1] != self.n_vars:
            raise ValueError(f"design has {u.shape[1]} columns, the spec has {self.n_vars} uncertain variables")
        k = len(self.noisy)
        mult = 1.0 - self._noise + 2.0 * self._noise * u[:, :k]
        counts = np.array([n for _, n in self.inputs], dtype=int)
        choice = np.minimum((u[:, k:] * counts).astype(int), counts - 1)
        return mult, choice

    def parameters(self, u: np.ndarray) -> pd.DataFrame:
        """One row per design row: weight:<code> multipliers, then per discrete input its label
        (reading:<aspect>, <step>, eligibility) and <input>_option (the option's number)."""
        mult, choice = self.decode(u)
        out: dict[str, object] = {f"weight:{c}": mult[:, j] for j, c in enumerate(self.noisy)}
        for j, (name, _) in enumerate(self.inputs):
            out[name] = self._labels(name)[choice[:, j]]
            out[f"{name}_option"] = choice[:, j]
        return pd.DataFrame(out, index=pd.RangeIndex(len(mult), name="replication"))

    def _labels(self, name: str) -> np.ndarray:
        if name.startswith("reading:"):
            return np.array([str(o) for o in self.spec.readings[name.removeprefix("reading:")]], dtype=object)
        if name == "eligibility":
            return np.array(self.spec.eligibility, dtype=float)
        return np.array([a.label for a in self.spec.alternatives[name]], dtype=object)

    def weights(self, mult: np.ndarray) -> np.ndarray:
        """Every column's weight (runs x columns): the framework's, times the multipliers."""
        w = np.repeat(self._base[None, :], len(mult), axis=0)
        if self._noisy_cols.size:
            w[:, self._noisy_cols] = self._base[self._noisy_cols] * mult
        return w

    # design -> scores and ranks
    def evaluate(self, u: np.ndarray, progress: Callable[[int], None] | None = None,
                 keep: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Target scores and ranks (units x runs; NaN where a unit has none) of design rows.
        progress(n) is called after each block of n runs. keep: None keeps every combination's
        cached tables; otherwise the numbers (see combinations) of the combinations that runs
        evaluated later will use, and every other combination's tables are dropped as soon as
        its runs here are done (empty: these are the last runs)."""
        mult, choice = self.decode(u)
        runs = len(mult)
        w = self.weights(mult)
        self._check_positive()
        scores = np.full((runs, len(self.units)), np.nan)
        # Runs drawing the same reading / impute / treat / normalise / mean share one table.
        table_cols = [j for j, (name, _) in enumerate(self.inputs) if name != "eligibility"]
        if table_cols:
            combos, which = np.unique(choice[:, table_cols], axis=0, return_inverse=True)
            which = which.reshape(-1)
            groups = {self._key(choice[np.flatnonzero(which == g)[0]]): np.flatnonzero(which == g)
                      for g in range(len(combos))}
        else:
            groups = {self._key(np.zeros(len(self.inputs), dtype=int)): np.arange(runs)}
        widest = max(len(k) for k in self._kids.values())
        # combinations in order (those sharing a reading together), so each is released once done
        order = sorted(groups, key=lambda key: _order(key[0]))
        kept_numbers = set() if keep is None else set(keep)
        later = {pre for pre, number in self._pres.items() if number in kept_numbers}
        for n_done, (pre, agg) in enumerate(order):
            rows = groups[(pre, agg)]
            norm = self._normalised(pre)
            if self._eligibility_used:
                self.coverage(pre[0])   # while the reading's data is cached: ranks need it below
            first, inverse = self._distinct_units(pre, norm)
            # Memory per block: the exact path holds runs x units x children; the fast path only
            # the (small) children of aggregates whose children vary by run, and runs x units.
            exact_per = max(1, _CHUNK_VALUES // max(1, norm.shape[0] * widest))
            per = exact_per if self.exact else max(1, _FAST_CHUNK_VALUES // max(1, len(first) * self._widest_varying))
            for i in range(0, len(rows), per):
                part = np.asarray(rows[i:i + per])
                if self.exact:
                    scores[part] = self._aggregate(pre, agg, norm, w[part])
                    self.exact_runs += len(part)
                else:
                    fast = self._aggregate_fast(pre, agg, norm[first], w[part])
                    redo = np.flatnonzero(fragile_rows(fast, decimals=self.decimals, borders=self._borders))
                    block = fast[:, inverse]
                    # the fragile runs again in the exact path, as few at a time as it takes on its
                    # own: all of a fast block's at once held runs x units x children (400 MB at
                    # 100,000 units, the analysis' peak); a run's scores do not depend on the others
                    for j in range(0, len(redo), exact_per):
                        again = redo[j:j + exact_per]
                        block[again] = self._aggregate(pre, agg, norm, w[part[again]])
                    self.exact_runs += len(redo)
                    scores[part] = block
                if progress is not None:
                    progress(len(part))
            if keep is not None:
                # at 100,000 units a combination's tables are ~400 MB: a block of runs crossing
                # three combinations held all three until its end (the analysis' peak)
                self._release({p for p, _ in order[n_done + 1:]} | later)
        ranks = self._rank(scores, self._eligible(choice))
        return scores.T, ranks.T

    def combinations(self, u: np.ndarray) -> np.ndarray:
        """Per design row, a number for its (reading, impute, treat, normalise) combination: the
        runs that share cached tables share it. Numbered in the combinations' order, so that
        those sharing a reading (and its re-read data) are neighbours."""
        _, choice = self.decode(u)
        # keyed once per distinct row of options (a Sobol design has thousands of rows, few distinct)
        distinct, row_of = np.unique(choice, axis=0, return_inverse=True)
        keys = [self._key(row)[0] for row in distinct]
        order = sorted(set(keys), key=_order)
        self._pres = {pre: number for number, pre in enumerate(order)}
        numbers = np.array([self._pres[pre] for pre in keys], dtype=np.int64)
        return numbers[np.asarray(row_of).reshape(-1)]

    def _release(self, kept: set[tuple]) -> None:
        if self._keep_all:
            return
        readings = {pre[0] for pre in kept}
        for cache in (self._cache, self._distinct):
            for pre in [p for p in cache if p not in kept]:
                del cache[pre]
        for cache in (self._terms, self._children):
            for key in [k for k in cache if k[0] not in kept]:
                del cache[key]
        for reading in [r for r in self._data_cache if r not in readings]:
            del self._data_cache[reading]

    def rank_shift(self, ranks: np.ndarray) -> np.ndarray:
        """Per run: mean over units of |rank - nominal rank| (units ranked in both)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(np.abs(ranks - self.nominal_ranks[:, None]), axis=0)

    def ranking_scores(self, scores: np.ndarray) -> np.ndarray:
        """The scores ranks and categories are computed on (rounded when decimals is set)."""
        return scores if self.decimals is None else np.round(scores, self.decimals)

    def _rank(self, scores: np.ndarray, eligible: np.ndarray | None) -> np.ndarray:
        s = self.ranking_scores(scores)
        if eligible is not None:
            s = np.where(eligible, s, np.nan)
        return rank_rows(s)

    def _eligible_nominal(self) -> np.ndarray | None:
        if self.nominal_eligibility is None:
            return None
        cov = self.coverage(self._reading_key(None) if self.aspects else None)
        return (cov >= self.nominal_eligibility)[None, :]

    def _eligible(self, choice: np.ndarray) -> np.ndarray | None:
        """Per run and unit: ranked? (runs x units; None: everyone with a score)."""
        if not self._eligibility_used:
            return None
        runs = len(choice)
        if self.spec.eligibility:
            thresholds = np.array(self.spec.eligibility)[choice[:, -1]]
        else:
            thresholds = np.full(runs, self.nominal_eligibility)
        out = np.empty((runs, len(self.units)), dtype=bool)
        if not self.aspects:
            out[:] = self.coverage(None)[None, :] >= thresholds[:, None]
            return out
        # runs grouped by their reading at once (a Sobol block has thousands of runs, a few readings)
        readings, which = np.unique(choice[:, :len(self.aspects)], axis=0, return_inverse=True)
        which = which.reshape(-1)
        for g, reading in enumerate(readings):
            rows = np.flatnonzero(which == g)
            out[rows] = self.coverage(self._reading_key(reading))[None, :] >= thresholds[rows, None]
        return out

    def coverage(self, reading: tuple | None = None) -> np.ndarray:
        """Per unit: the smallest share, over the aggregates directly above indicators, of their
        children's nominal weight that has a value (under the reading)."""
        if reading not in self._coverage:
            data = self._data if reading is None else self._data_for(reading)
            raw = build(data, self.framework, replace(self.method, aggregate=None, tiers=None, normalise=None,
                                                      impute=None, treat=None, screen=None), **self._kwargs).raw
            raw = raw.reindex(index=self.units, columns=self.indicators)
            counts = (np.ones(raw.shape, dtype=bool) if self._applicable is None else
                      self._applicable.reindex(index=self.units, columns=self.indicators).fillna(True)
                      .to_numpy(dtype=bool))
            present = raw.notna().to_numpy() & counts
            col = {c: j for j, c in enumerate(self.indicators)}
            shares = []
            for a in self.aggregates:
                kids = [k for k in self.framework.children(a) if k in col]
                if kids:
                    wk = np.array([self.framework[k].weight for k in kids], dtype=float)
                    idx = [col[k] for k in kids]
                    total = _products(wk[None, :], counts[:, idx])[0]
                    shares.append(np.divide(_products(wk[None, :], present[:, idx])[0], total,
                                            out=np.ones(len(total)), where=total > 0))
            self._coverage[reading] = np.min(shares, axis=0) if shares else np.ones(len(self.units))
        return self._coverage[reading]

    def _reading_key(self, choice_row: np.ndarray | None) -> tuple:
        """Option numbers of the reading aspects (the nominal data when choice_row is None)."""
        return None if choice_row is None else tuple(int(x) for x in choice_row[:len(self.aspects)])

    def reading_of(self, key: tuple) -> dict:
        return {a: self.spec.readings[a][i] for a, i in zip(self.aspects, key)}

    def _key(self, choice_row: np.ndarray) -> tuple[tuple, AggregateSpec]:
        """((reading options, impute, treat, normalise option numbers; None: not drawn), the mean)."""
        picked = dict(zip([n for n, _ in self.inputs], map(int, choice_row)))
        reading = self._reading_key(choice_row) if self.aspects else None
        pre = (reading, *(picked.get(s) for s in STEPS[:3]))
        agg = (self.spec.alternatives["aggregate"][picked["aggregate"]].spec if "aggregate" in picked
               else self.method.aggregate)
        return pre, agg

    def _describe(self, pre: tuple) -> str:
        parts = []
        if pre[0] is not None:
            parts += [f"reading {a}={o}" for a, o in self.reading_of(pre[0]).items()]
        parts += [f"{s}={self.spec.alternatives[s][i].label}" for s, i in zip(STEPS[:3], pre[1:]) if i is not None]
        if pre[3] is None:
            own = self.method.normalise.method if self.method.normalise is not None else "none"
            parts.append(f"normalise={own} (the method's own)")
        return ", ".join(parts)

    def _data_for(self, reading: tuple) -> pd.DataFrame:
        if reading not in self._data_cache:
            data = self._rescore(self.reading_of(reading))
            self._data_cache[reading] = data
        return self._data_cache[reading]

    def _table(self, b: IndexBuild) -> np.ndarray:
        return b.normalised.reindex(index=self.units, columns=self.indicators).to_numpy(dtype=float)

    def _normalised(self, pre: tuple) -> np.ndarray:
        if pre not in self._cache:
            reading, steps = pre[0], pre[1:]
            over = {s: self.spec.alternatives[s][i].spec for s, i in zip(STEPS[:3], steps) if i is not None}
            if reading is None and all(v == getattr(self.method, s) for s, v in over.items()):
                b = self.nominal  # the options are the method's own settings
            else:
                try:
                    data = self._data if reading is None else self._data_for(reading)
                    b = build(data, self.framework, replace(self.method, aggregate=None, tiers=None, **over),
                              **self._kwargs)
                except IndexEngineError as e:
                    raise type(e)(f"uncertainty option {self._describe(pre)}: {e}") from None
                if not b.raw.index.equals(self.units):
                    missing = self.units.difference(b.raw.index)
                    raise DataError(f"uncertainty option {self._describe(pre)}: the re-scored data do not have the "
                                    f"same units ({len(missing)} missing, e.g. {list(missing[:3])})")
            self._cache[pre] = self._table(b)
        return self._cache[pre]

    def _choices(self) -> list[tuple]:
        """Every (reading, impute, treat, normalise) combination the spec can draw."""
        readings = ([None] if not self.aspects else
                    list(itertools.product(*(range(len(self.spec.readings[a])) for a in self.aspects))))
        steps = [range(len(self.spec.alternatives[s])) if s in self.steps else [None] for s in STEPS[:3]]
        return [(r, *rest) for r in readings for rest in itertools.product(*steps)]

    def _check_positive(self) -> None:
        """Reject up front a spec that can pair a non-positive normalised value with a geometric or
        harmonic mean: every reading/impute/treat/normalise combination the spec allows is checked."""
        if self._checked:
            return
        aggs = ([a.spec for a in self.spec.alternatives["aggregate"]] if "aggregate" in self.steps
                else [self.method.aggregate])
        bad_agg = [a for a in aggs if a.method in _POSITIVE_ONLY]
        if bad_agg:
            for pre in self._choices():
                norm = self._normalised(pre)
                for agg in bad_agg:
                    bad = ~np.isnan(norm) & (norm + agg.offset <= 0)
                    if bad.any():
                        i, j = map(int, np.argwhere(bad)[0])
                        shifted = f" (offset {agg.offset:g})" if agg.offset else ""
                        raise AggregationError(
                            f"uncertainty: aggregate option {agg.method!r}{shifted} needs positive values, but with "
                            f"{self._describe(pre)} indicator {self.indicators[j]!r} is {norm[i, j]:g} for unit "
                            f"{self.units[i]!r}; drop one of the two, normalise above 0 (minmax range [1, 100], "
                            f"rank) or give the mean an offset")
                # not kept: every combination at once is the analysis' largest memory (~60 MB each
                # at 100,000 units); the runs make each again, one at a time
                self._release(set())
        self._checked = True

    def _distinct_units(self, pre: tuple, norm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if pre not in self._distinct:
            self._distinct[pre] = distinct_rows(norm)
        return self._distinct[pre]

    def _aggregate_fast(self, pre: tuple, agg: AggregateSpec, norm: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Target scores (runs x distinct units) as sums of products: per aggregate, the runs'
        weights times the children's terms (units x children). Aggregates stay in the mean's own
        domain (log(x + offset) for geometric, 1 / (x + offset) for harmonic, x for arithmetic):
        a parent's terms are its children's domain values, so only the target is transformed back."""
        runs, units = len(w), norm.shape[0]
        values: list[np.ndarray] = [norm[:, j] for j in range(norm.shape[1])]
        n_ind = len(values)
        noisy = set(self._noisy_cols.tolist())
        for a in self.aggregates:
            kids = self._kids[a]
            varies = any(values[k].ndim == 2 for k in kids)
            weighted = any(k in noisy for k in kids)
            wk = w[:, kids] if weighted else self._base[kids][None, :]
            if not varies:
                key = (pre, agg, a)
                if key not in self._terms:
                    terms, present = _domain_terms(np.column_stack([values[k] for k in kids]),
                                                   [k < n_ind for k in kids], agg)
                    self._terms[key] = terms, present   # presence kept as booleans (or None: all there)
                terms, present = self._terms[key]
                wsum = _products(wk, np.ones(terms.shape) if present is None else present)
                z = _domain_mean(_products(wk, terms), wsum)
                values.append(z if weighted else z[0])
            else:  # few children, varying by run: one (runs x units) product per child
                num = np.zeros((runs, units))
                wsum = np.zeros((runs, 1))  # per run while every child has a value
                for j, k in enumerate(kids):
                    wj = wk[:, j, None]
                    terms, present = _domain_terms(values[k], k < n_ind, agg)
                    num += terms * wj
                    wsum = wsum + (wj if present is None else present * wj)
                values.append(_domain_mean(num, np.broadcast_to(wsum, num.shape)))
        out = _from_domain(values[self._col[self.target]], agg)
        return out if out.ndim == 2 and out.shape[0] == runs else np.array(np.broadcast_to(out, (runs, units)))

    def _aggregate(self, pre: tuple, agg: AggregateSpec, norm: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Target scores (runs x units) of runs sharing one normalised table and mean. An aggregate
        whose children and weights are the same in every run is computed once (as build() does);
        the others with one weights row per run."""
        runs = len(w)
        values: list[np.ndarray] = [norm[:, j] for j in range(norm.shape[1])]  # (units,): same in every run
        noisy = set(self._noisy_cols.tolist())
        for a in self.aggregates:
            kids = self._kids[a]
            varies = any(values[k].ndim == 2 for k in kids)
            weighted = any(k in noisy for k in kids)
            if not varies and not weighted:
                x = np.column_stack([values[k] for k in kids])
                values.append(weighted_mean(x, self._base[kids], agg.method, agg.offset))
            elif not varies:
                key = (pre, agg, a)
                if key not in self._children:
                    self._children[key] = Children(np.column_stack([values[k] for k in kids]), agg.method, agg.offset)
                values.append(self._children[key].mean(w[:, kids]))
            else:
                x = np.stack([np.broadcast_to(values[k], (runs, len(self.units))) for k in kids], axis=-1)
                values.append(batched_mean(x, w[:, kids] if weighted else self._base[kids], agg.method, agg.offset))
        out = values[self._col[self.target]]
        return np.broadcast_to(out, (runs, len(self.units))) if out.ndim == 1 else out


def _order(pre: tuple) -> tuple:
    """A combination's place among the others: its reading's option numbers, then the steps'
    (not drawn: -1), so that combinations sharing a reading sort together."""
    reading, *steps = pre
    return tuple(-1 if x is None else x for x in (*(reading if reading is not None else (None,)), *steps))


def _products(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """runs x units: sum over k of w[run, k] * x[unit, k] (x may be boolean), in numpy's own
    loops. Not BLAS (w @ x.T): its sums run in an order set by the kernel it picks for the CPU
    (AVX-512 or AVX2), so the published score intervals differed in their last bits from one
    machine to another, and a seeded analysis must publish the same table everywhere."""
    return np.einsum("rk,uk->ru", w, x)


def _domain_terms(x: np.ndarray, raw, agg: AggregateSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """Terms of a mean in its domain and presence (None: every value present). raw: whether x
    (or each column of x) is a plain value to transform, or an aggregate already in the domain."""
    if np.ndim(raw) == 0 and not raw:
        present = ~np.isnan(x)
        if present.all():
            return x, None
        return np.where(present, x, 0.0), present
    if np.ndim(raw) == 0 or all(raw):
        terms, present = mean_terms(x, agg.method, agg.offset)
        return terms, (None if present.all() else present)
    cols = []  # a mix: transform the raw columns only
    for j, r in enumerate(raw):
        cols.append(mean_terms(x[:, j], agg.method, agg.offset)[0] if r else np.where(np.isnan(x[:, j]), 0.0, x[:, j]))
    return np.column_stack(cols), ~np.isnan(x)


def _domain_mean(num: np.ndarray, wsum: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        z = num / wsum
    empty = wsum == 0
    if empty.any():
        z[empty] = np.nan
    return z


def _from_domain(z: np.ndarray, agg: AggregateSpec) -> np.ndarray:
    if agg.method == "arithmetic":
        return z
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(z) if agg.method == "geometric" else 1.0 / z
    return out - agg.offset if agg.offset else out


def _target(target: str | None, fw: Framework) -> str:
    if target is None:
        top = fw.at_level(fw.levels[-1])
        if len(top) != 1:
            raise MethodError(f"uncertainty target is needed: the framework has {len(top)} top nodes {top}")
        return top[0]
    if target not in fw:
        raise MethodError(f"uncertainty target {target!r} is not a framework code (aggregates: {', '.join(fw.aggregates)})")
    if fw[target].level == 1:
        raise MethodError(f"uncertainty target {target!r} is an indicator; it must be an aggregate "
                          f"({', '.join(fw.aggregates)})")
    return target


def _subtree(fw: Framework, code: str) -> set[str]:
    out, todo = set(), [code]
    while todo:
        c = todo.pop()
        out.add(c)
        todo.extend(fw.children(c))
    return out


def _noisy(weights: WeightNoise | None, fw: Framework, target: str, sub: set[str]) -> list[str]:
    """Nodes whose weight gets noise: at the spec's levels, under the target (framework order)."""
    if weights is None:
        return []
    top = fw[target].level
    levels = weights.levels
    if levels is None:
        levels = tuple(lv for lv in fw.levels if lv < top)
    for lv in levels:
        if lv not in fw.levels:
            raise MethodError(f"uncertainty weights level {lv} is not a framework level (levels: {fw.levels})")
        if lv >= top:
            raise MethodError(f"uncertainty weights level {lv} does not weigh anything under target {target!r} "
                              f"(level {top}); use levels below {top}")
    own = dict(weights.by_code)
    for code in own:
        if code not in sub or code == target:
            raise MethodError(f"uncertainty weights noise names {code!r}, which is not a node under target {target!r}")
    return [n.code for n in fw.nodes if (n.level in levels or n.code in own) and n.code in sub and n.code != target]


# --- uncertainty analysis --------------------------------------------------------------------
@dataclass
class UncertaintyResult:
    spec: Uncertainty
    target: str
    seed: int                 # the seed used (drawn and recorded when the spec has none)
    nominal: IndexBuild
    parameters: pd.DataFrame  # one row per replication: weight multipliers, chosen options
    scores: pd.DataFrame      # units x replications, target score (NaN: unit not scored)
    ranks: pd.DataFrame       # units x replications, target rank (1 = best, float, NaN: not ranked)
    rank_shift: pd.Series     # per replication: mean over units of |rank - nominal rank|
    summary: pd.DataFrame     # per unit: nominal, rank statistics, score interval, categories, mean |rank shift|
    seconds: float            # wall time of the whole analysis, nominal build included

    @property
    def replications(self) -> int:
        return self.scores.shape[1]

    @property
    def seconds_per_replication(self) -> float:
        return self.seconds / self.replications


def run_uncertainty(data: pd.DataFrame, framework: Framework, method: Method, spec: Uncertainty | dict, *,
                    rescore: Rescore | None = None, eligibility: float | None = None, decimals: int | None = None,
                    progress: Callable[[int], None] | None = None, replicator: Replicator | None = None,
                    **build_kwargs) -> UncertaintyResult:
    """Build the nominal index, then spec.replications replications drawn at random (seeded).
    rescore, eligibility and decimals are Replicator's; progress(n) is told of every n runs done;
    build_kwargs (id_col, group_cols, denominator_cols) are build()'s. replicator: one already
    built from these same arguments (run_sensitivity's too), whose nominal build and cached
    tables are then reused."""
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, Uncertainty) else Uncertainty.from_dict(spec)
    rep = replicator or Replicator(data, framework, method, spec, rescore=rescore, eligibility=eligibility,
                                   decimals=decimals, **build_kwargs)
    seed = secrets.randbits(63) if spec.seed is None else spec.seed
    u = np.random.default_rng(seed).random((spec.replications, rep.n_vars))
    scores, ranks = rep.evaluate(u, progress, keep=())
    cols = pd.RangeIndex(spec.replications, name="replication")
    return UncertaintyResult(
        spec=rep.spec, target=rep.target, seed=seed, nominal=rep.nominal, parameters=rep.parameters(u),
        scores=pd.DataFrame(scores, index=rep.units, columns=cols),
        ranks=pd.DataFrame(ranks, index=rep.units, columns=cols),
        rank_shift=pd.Series(rep.rank_shift(ranks), index=cols, name="rank_shift"),
        summary=summarise(scores, ranks, rep.nominal_scores, rep.nominal_ranks, rep.units,
                          rep.tiers, rep.ranking_scores),
        seconds=time.perf_counter() - t0,
    )


def summarise(scores: np.ndarray, ranks: np.ndarray, nominal_scores: np.ndarray, nominal_ranks: np.ndarray,
              units: pd.Index, tiers=None, ranking_scores: Callable[[np.ndarray], np.ndarray] | None = None) -> pd.DataFrame:
    """Per unit (rows of units x replications arrays): nominal score and rank, mean / median /
    5th / 95th percentile rank, 5th-95th percentile score interval, mean |rank - nominal rank|;
    with tiers, the share of replications in each category (p_<label>) and unranked (p_unranked)."""
    with warnings.catch_warnings():  # a unit never scored has NaN statistics, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        rq = _row_percentiles(ranks, [5, 50, 95])
        sq = _row_percentiles(scores, [5, 95])
        out = pd.DataFrame({
            "nominal_score": nominal_scores,
            "nominal_rank": nominal_ranks,
            "mean_rank": np.nanmean(ranks, axis=1),
            "median_rank": rq[1],
            "rank_q05": rq[0],
            "rank_q95": rq[2],
            "score_q05": sq[0],
            "score_q95": sq[1],
            "mean_abs_rank_shift": np.nanmean(np.abs(ranks - nominal_ranks[:, None]), axis=1),
        }, index=units)
    if tiers is not None and scores.shape[1]:
        s = scores if ranking_scores is None else ranking_scores(scores)
        runs = s.shape[1]
        todo = ~np.isnan(ranks)
        for t in tiers.labels:
            hit = todo & (s >= t.min)
            out[f"p_{t.label}"] = hit.sum(axis=1) / runs
            todo &= ~hit
        out["p_unranked"] = np.isnan(ranks).sum(axis=1) / runs
    return out


def _row_percentiles(a: np.ndarray, q: list[float]) -> np.ndarray:
    """np.nanpercentile along rows; rows without NaN in one vectorised call (nanpercentile
    loops over rows in Python as soon as one value is missing)."""
    out = np.full((len(q), a.shape[0]), np.nan)
    if a.shape[1] == 0:
        return out
    holes = np.isnan(a).any(axis=1)
    out[:, ~holes] = np.percentile(a[~holes], q, axis=1)
    if holes.any():
        out[:, holes] = np.nanpercentile(a[holes], q, axis=1)
    return out
