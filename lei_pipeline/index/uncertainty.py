"""Uncertainty analysis of a composite index (JRC / COINr get_sensitivity, SA_type "UA").

The spec is data (Uncertainty.from_dict): which weights get multiplicative noise, and which
alternative method settings a replication may draw. Each replication is one point of a U(0,1)
design: weight multipliers are 1 - noise + 2 * noise * u, a step option is option[floor(u * n)].
The same design-to-build mapping serves the Sobol analysis (sensitivity.py).

Replications are cheap: the steps up to normalisation run once per distinct combination of
impute / treat / normalise options (through build()), every replication only re-aggregates the
cached normalised table with its own weights and aggregation method, many replications at once.

Geometric and harmonic means need positive values. When the spec can draw such a mean, every
normalisation combination it can draw is built and checked before any replication runs; one
non-positive value rejects the whole spec (AggregationError naming both options), whatever the
draws, rather than failing midway on the replication that happens to pair them."""
from __future__ import annotations

import itertools
import math
import secrets
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from lei_pipeline.index.aggregate import weighted_mean
from lei_pipeline.index.build import IndexBuild, build
from lei_pipeline.index.errors import AggregationError, IndexEngineError, MethodError
from lei_pipeline.index.framework import Framework
from lei_pipeline.index.method import Method, _aggregate, _impute, _normalise, _treat
from lei_pipeline.index.results import _rank_desc_array

# Steps a replication may vary, in build order; the first three decide the normalised table.
STEPS = ("impute", "treat", "normalise", "aggregate")
_PARSERS = {"impute": _impute, "treat": _treat, "normalise": _normalise, "aggregate": _aggregate}
KNOWN_KEYS = ("target", "replications", "seed", "weights", "alternatives", "sensitivity")
_POSITIVE_ONLY = ("geometric", "harmonic")
_CHUNK_VALUES = 500_000  # floats per aggregation block (runs x units x indicators): stays in cache


@dataclass(frozen=True)
class WeightNoise:
    noise: float
    levels: tuple[int, ...] | None = None  # None: every level below the target


@dataclass(frozen=True)
class Alternative:
    label: str  # as written in the spec, e.g. "zscore(mean=10, sd=2)"
    spec: Any   # the step's parsed spec: ImputeSpec, TreatSpec, NormaliseSpec or AggregateSpec


@dataclass(frozen=True)
class SensitivitySpec:
    n: int = 100           # base sample size; a Sobol analysis runs n * (d + 2) builds
    bootstrap: int = 0     # bootstrap resamples for confidence intervals (0: none)
    confidence: float = 0.95


@dataclass(frozen=True)
class Uncertainty:
    target: str | None = None
    replications: int = 100
    seed: int | None = None
    weights: WeightNoise | None = None
    alternatives: dict[str, tuple[Alternative, ...]] = field(default_factory=dict)
    sensitivity: SensitivitySpec = SensitivitySpec()

    @classmethod
    def from_dict(cls, d: dict | None) -> "Uncertainty":
        d = {} if d is None else d
        if not isinstance(d, dict):
            raise MethodError(f"uncertainty must be a mapping of key -> value, got {type(d).__name__}")
        unknown = [k for k in d if k not in KNOWN_KEYS]
        if unknown:
            raise MethodError(f"uncertainty has unknown key(s) {unknown}; known: {list(KNOWN_KEYS)}")
        target = d.get("target")
        if target is not None and (not isinstance(target, str) or not target.strip()):
            raise MethodError(f"uncertainty target must be a framework code, got {target!r}")
        seed = d.get("seed")
        if seed is not None:
            seed = _int("seed", seed, lo=0)
        return cls(
            target=None if target is None else target.strip(),
            replications=_int("replications", d.get("replications", 100), lo=1),
            seed=seed,
            weights=None if d.get("weights") is None else _weights(d["weights"]),
            alternatives=_alternatives(d.get("alternatives")),
            sensitivity=_sensitivity(d.get("sensitivity")),
        )


def _int(key: str, v, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or int(v) != v:
        raise MethodError(f"uncertainty {key} must be an integer, got {v!r}")
    if v < lo:
        raise MethodError(f"uncertainty {key} must be >= {lo}, got {v!r}")
    return int(v)


def _float(key: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise MethodError(f"uncertainty {key} must be a finite number, got {v!r}")
    return float(v)


def _keys(where: str, d, allowed: tuple[str, ...]) -> dict:
    if not isinstance(d, dict):
        raise MethodError(f"uncertainty {where} must be a mapping with keys {list(allowed)}, got {d!r}")
    bad = [k for k in d if k not in allowed]
    if bad:
        raise MethodError(f"uncertainty {where} has unknown key(s) {bad}; allowed: {list(allowed)}")
    return d


def _weights(v) -> WeightNoise:
    d = _keys("weights", v, ("noise", "levels"))
    if "noise" not in d:
        raise MethodError("uncertainty weights needs noise: each weight is multiplied by U(1 - noise, 1 + noise)")
    noise = _float("weights noise", d["noise"])
    if not 0 <= noise < 1:
        raise MethodError(f"uncertainty weights noise must be >= 0 and < 1 (a weight must stay positive), got {noise!r}")
    levels = d.get("levels")
    if levels is not None:
        if isinstance(levels, (int, float)) and not isinstance(levels, bool):
            levels = [levels]
        if not isinstance(levels, list) or not levels:
            raise MethodError(f"uncertainty weights levels must be a non-empty list of framework levels, got {levels!r}")
        levels = tuple(dict.fromkeys(_int("weights levels", x, lo=1) for x in levels))
    return WeightNoise(noise, levels)


def _label(v) -> str:
    if isinstance(v, dict):
        rest = ", ".join(f"{k}={x}" for k, x in v.items() if k != "method")
        return f"{v.get('method', '?')}({rest})" if rest else str(v.get("method", "?"))
    return str(v)


def _alternatives(v) -> dict[str, tuple[Alternative, ...]]:
    if v is None:
        return {}
    d = _keys("alternatives", v, STEPS)
    out = {}
    for step in STEPS:  # build order, whatever order the spec lists them in
        if step not in d:
            continue
        options = d[step]
        if not isinstance(options, list) or not options:
            raise MethodError(f"uncertainty alternatives {step} must be a non-empty list of {step} settings, got {options!r}")
        alts = []
        for i, opt in enumerate(options, 1):
            if opt is None:
                raise MethodError(f"uncertainty alternatives {step} option {i} is empty")
            try:
                spec = _PARSERS[step](opt)
            except MethodError as e:
                raise MethodError(f"uncertainty alternatives {step} option {i}: {e}") from None
            alts.append(Alternative(_label(opt), spec))
        seen = [a.spec for a in alts]
        for i, s in enumerate(seen):
            if s in seen[:i]:
                raise MethodError(f"uncertainty alternatives {step} lists {alts[i].label!r} twice")
        out[step] = tuple(alts)
    return out


def _sensitivity(v) -> SensitivitySpec:
    if v is None:
        return SensitivitySpec()
    d = _keys("sensitivity", v, ("n", "bootstrap", "confidence"))
    conf = _float("sensitivity confidence", d.get("confidence", 0.95))
    if not 0 < conf < 1:
        raise MethodError(f"uncertainty sensitivity confidence must be between 0 and 1, got {conf!r}")
    return SensitivitySpec(n=_int("sensitivity n", d.get("n", 100), lo=2),
                           bootstrap=_int("sensitivity bootstrap", d.get("bootstrap", 0), lo=0),
                           confidence=conf)


# --- the replication engine ------------------------------------------------------------------
class Replicator:
    """Maps rows of a U(0,1) design (replications x n_vars) to target scores and ranks.

    Columns 0..k-1 are the k noisy weights (one per node in `noisy`), then one column per step
    in `steps`. Built once per analysis: runs the nominal build and checks the spec against the
    framework and method."""

    def __init__(self, data: pd.DataFrame, framework: Framework, method: Method, spec: Uncertainty,
                 **build_kwargs):
        if not isinstance(spec, Uncertainty):
            raise MethodError(f"uncertainty spec must be an Uncertainty (use Uncertainty.from_dict), got {type(spec).__name__}")
        if method.aggregate is None:
            raise MethodError("uncertainty needs a method with an aggregate step: there is no score to study")
        self.spec, self.framework, self.method = spec, framework, method
        self._data, self._kwargs = data, build_kwargs
        self.target = _target(spec.target, framework)
        sub = _subtree(framework, self.target)
        self.indicators = [c for c in framework.indicators if c in sub]
        self.aggregates = [c for c in framework.aggregates if c in sub]
        self.noisy = _noisy(spec.weights, framework, self.target, sub)
        self.steps = [s for s in STEPS if s in spec.alternatives]
        self.n_vars = len(self.noisy) + len(self.steps)

        self.nominal: IndexBuild = build(data, framework, method, **build_kwargs)
        self.units = self.nominal.raw.index
        res = self.nominal.results.reindex(self.units)
        self.nominal_scores = res[self.target].to_numpy(dtype=float)
        self.nominal_ranks = res[f"rank_{self.target}"].to_numpy(dtype=float, na_value=np.nan)

        cols = self.indicators + self.aggregates
        self._col = {c: j for j, c in enumerate(cols)}
        self._base = np.array([framework[c].weight for c in cols], dtype=float)
        self._noisy_cols = np.array([self._col[c] for c in self.noisy], dtype=int)
        self._kids = {a: [self._col[k] for k in framework.children(a)] for a in self.aggregates}
        self._cache: dict[tuple, np.ndarray] = {}
        self._checked = False

    # design -> parameters
    def decode(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weight multipliers (runs x k) and option numbers (runs x steps) of design rows."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if u.shape[1] != self.n_vars:
            raise ValueError(f"design has {u.shape[1]} columns, the spec has {self.n_vars} uncertain variables")
        k = len(self.noisy)
        noise = self.spec.weights.noise if self.spec.weights else 0.0
        mult = 1.0 - noise + 2.0 * noise * u[:, :k]
        counts = np.array([len(self.spec.alternatives[s]) for s in self.steps], dtype=int)
        choice = np.minimum((u[:, k:] * counts).astype(int), counts - 1)
        return mult, choice

    def parameters(self, u: np.ndarray) -> pd.DataFrame:
        """One row per design row: weight:<code> multipliers, then <step> label and <step>_option."""
        mult, choice = self.decode(u)
        out = {f"weight:{c}": mult[:, j] for j, c in enumerate(self.noisy)}
        for j, s in enumerate(self.steps):
            labels = np.array([a.label for a in self.spec.alternatives[s]], dtype=object)
            out[s] = labels[choice[:, j]]
            out[f"{s}_option"] = choice[:, j]
        return pd.DataFrame(out, index=pd.RangeIndex(len(mult), name="replication"))

    def weights(self, mult: np.ndarray) -> np.ndarray:
        """Every column's weight (runs x columns): the framework's, times the multipliers."""
        w = np.repeat(self._base[None, :], len(mult), axis=0)
        if self._noisy_cols.size:
            w[:, self._noisy_cols] = self._base[self._noisy_cols] * mult
        return w

    # design -> scores and ranks
    def evaluate(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Target scores and ranks (units x runs; NaN where a unit has none) of design rows."""
        mult, choice = self.decode(u)
        runs = len(mult)
        w = self.weights(mult)
        self._check_positive()
        scores = np.full((len(self.units), runs), np.nan)
        groups: dict[tuple, list[int]] = {}
        for r in range(runs):
            groups.setdefault(self._key(choice[r]), []).append(r)
        for (pre, how), rows in groups.items():
            norm = self._normalised(pre)
            per = max(1, _CHUNK_VALUES // max(1, norm.size))
            for i in range(0, len(rows), per):
                part = np.asarray(rows[i:i + per])
                scores[:, part] = self._aggregate(norm, w[part], how).T
        ranks = np.empty_like(scores)
        for r in range(runs):
            ranks[:, r] = _rank_desc_array(scores[:, r]).to_numpy(dtype=float, na_value=np.nan)
        return scores, ranks

    def rank_shift(self, ranks: np.ndarray) -> np.ndarray:
        """Per run: mean over units of |rank - nominal rank| (units ranked in both)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(np.abs(ranks - self.nominal_ranks[:, None]), axis=0)

    def _key(self, choice_row: np.ndarray) -> tuple[tuple, str]:
        """(impute, treat, normalise) option numbers (None: the step has no alternatives) and the
        aggregation method of one run."""
        picked = dict(zip(self.steps, map(int, choice_row)))
        pre = tuple(picked.get(s) for s in STEPS[:3])
        how = (self.spec.alternatives["aggregate"][picked["aggregate"]].spec.method if "aggregate" in picked
               else self.method.aggregate.method)
        return pre, how

    def _describe(self, pre: tuple) -> str:
        parts = [f"{s}={self.spec.alternatives[s][i].label}" for s, i in zip(STEPS[:3], pre) if i is not None]
        if pre[2] is None:
            own = self.method.normalise.method if self.method.normalise is not None else "none"
            parts.append(f"normalise={own} (the method's own)")
        return ", ".join(parts)

    def _table(self, b: IndexBuild) -> np.ndarray:
        return b.normalised.reindex(index=self.units, columns=self.indicators).to_numpy(dtype=float)

    def _normalised(self, pre: tuple) -> np.ndarray:
        if pre not in self._cache:
            over = {s: self.spec.alternatives[s][i].spec for s, i in zip(STEPS[:3], pre) if i is not None}
            if all(v == getattr(self.method, s) for s, v in over.items()):
                b = self.nominal  # the options are the method's own settings
            else:
                try:
                    b = build(self._data, self.framework, replace(self.method, aggregate=None, tiers=None, **over),
                              **self._kwargs)
                except IndexEngineError as e:
                    raise type(e)(f"uncertainty option {self._describe(pre)}: {e}") from None
            self._cache[pre] = self._table(b)
        return self._cache[pre]

    def _check_positive(self) -> None:
        """Reject up front a spec that can pair a non-positive normalised value with a geometric or
        harmonic mean: every impute/treat/normalise combination the spec allows is checked."""
        if self._checked:
            return
        hows = ([a.spec.method for a in self.spec.alternatives["aggregate"]] if "aggregate" in self.steps
                else [self.method.aggregate.method])
        bad_how = [h for h in hows if h in _POSITIVE_ONLY]
        if bad_how:
            choices = [range(len(self.spec.alternatives[s])) if s in self.steps else [None] for s in STEPS[:3]]
            for pre in itertools.product(*choices):
                norm = self._normalised(pre)
                bad = ~np.isnan(norm) & (norm <= 0)
                if bad.any():
                    i, j = map(int, np.argwhere(bad)[0])
                    raise AggregationError(
                        f"uncertainty: aggregate option {bad_how[0]!r} needs positive values, but with "
                        f"{self._describe(pre)} indicator {self.indicators[j]!r} is {norm[i, j]:g} for unit "
                        f"{self.units[i]!r}; drop one of the two or normalise above 0 (minmax range [1, 100], rank)")
        self._checked = True

    def _aggregate(self, norm: np.ndarray, w: np.ndarray, how: str) -> np.ndarray:
        """Target scores (runs x units) of runs sharing one normalised table and mean: the
        engine's weighted_mean over (runs * units) rows, each row with its run's weights."""
        runs, units = len(w), norm.shape[0]
        values = [np.broadcast_to(norm[:, j], (runs, units)) for j in range(norm.shape[1])]
        for a in self.aggregates:
            kids = self._kids[a]
            x = np.stack([values[k] for k in kids], axis=-1).reshape(runs * units, len(kids))
            wk = np.broadcast_to(w[:, None, kids], (runs, units, len(kids))).reshape(runs * units, len(kids))
            values.append(weighted_mean(x, wk, how).reshape(runs, units))
        return values[self._col[self.target]]


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
    return [n.code for n in fw.nodes if n.level in levels and n.code in sub and n.code != target]


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
    summary: pd.DataFrame     # per unit: nominal, rank statistics, score interval, mean |rank shift|
    seconds: float            # wall time of the whole analysis, nominal build included

    @property
    def replications(self) -> int:
        return self.scores.shape[1]

    @property
    def seconds_per_replication(self) -> float:
        return self.seconds / self.replications


def run_uncertainty(data: pd.DataFrame, framework: Framework, method: Method, spec: Uncertainty | dict,
                    **build_kwargs) -> UncertaintyResult:
    """Build the nominal index, then spec.replications replications drawn at random (seeded);
    build_kwargs (id_col, group_cols, denominator_cols) are build()'s."""
    t0 = time.perf_counter()
    spec = spec if isinstance(spec, Uncertainty) else Uncertainty.from_dict(spec)
    rep = Replicator(data, framework, method, spec, **build_kwargs)
    seed = secrets.randbits(63) if spec.seed is None else spec.seed
    u = np.random.default_rng(seed).random((spec.replications, rep.n_vars))
    scores, ranks = rep.evaluate(u)
    cols = pd.RangeIndex(spec.replications, name="replication")
    return UncertaintyResult(
        spec=spec, target=rep.target, seed=seed, nominal=rep.nominal, parameters=rep.parameters(u),
        scores=pd.DataFrame(scores, index=rep.units, columns=cols),
        ranks=pd.DataFrame(ranks, index=rep.units, columns=cols),
        rank_shift=pd.Series(rep.rank_shift(ranks), index=cols, name="rank_shift"),
        summary=summarise(scores, ranks, rep.nominal_scores, rep.nominal_ranks, rep.units),
        seconds=time.perf_counter() - t0,
    )


def summarise(scores: np.ndarray, ranks: np.ndarray, nominal_scores: np.ndarray, nominal_ranks: np.ndarray,
              units: pd.Index) -> pd.DataFrame:
    """Per unit (rows of units x replications arrays): nominal score and rank, mean / median /
    5th / 95th percentile rank, 5th-95th percentile score interval, mean |rank - nominal rank|."""
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
