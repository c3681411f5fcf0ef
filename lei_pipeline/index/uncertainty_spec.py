"""The uncertainty spec as data (Uncertainty.from_dict): which weights get multiplicative noise
(one noise for the listed levels, or one per level), which alternative method settings, answer
readings and ranking-eligibility thresholds a replication may draw, and the Sobol settings.

A partial alternative (a mapping without `method`, e.g. `{winmax: 3}`) is a change to the
nominal method's own step: resolve() fills the rest from the method, and refuses when the method
has no such step to inherit from. It never falls back to a step's defaults (for treat that would
be no treatment at all). `winmax: [1, 5]` stands for the options winmax 1, 2, 3, 4 and 5."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from lei_pipeline.index.errors import MethodError
from lei_pipeline.index.method import Method, _aggregate, _impute, _normalise, _treat

# Steps a replication may vary, in build order; the first three decide the normalised table.
STEPS = ("impute", "treat", "normalise", "aggregate")
_PARSERS = {"impute": _impute, "treat": _treat, "normalise": _normalise, "aggregate": _aggregate}
KNOWN_KEYS = ("target", "replications", "seed", "weights", "alternatives", "readings", "sensitivity")
ALTERNATIVE_KEYS = (*STEPS, "eligibility")


@dataclass(frozen=True)
class WeightNoise:
    noise: float = 0.0                          # one noise for every level in `levels`
    levels: tuple[int, ...] | None = None       # None: every level below the target
    by_level: tuple[tuple[int, float], ...] | None = None  # ((level, noise), ...): one noise per level
    by_code: tuple[tuple[str, float], ...] = ()  # ((node code, noise), ...): one node's own noise

    def noise_of(self, level: int, code: str | None = None) -> float:
        own = dict(self.by_code)
        if code in own:
            return own[code]
        return dict(self.by_level)[level] if self.by_level is not None else self.noise


@dataclass(frozen=True)
class Alternative:
    label: str  # as written in the spec, e.g. "zscore(mean=10, sd=2)"
    spec: Any   # the step's parsed spec: ImputeSpec, TreatSpec, NormaliseSpec or AggregateSpec
    partial: tuple[tuple[str, Any], ...] | None = None  # keys of a mapping without method: to inherit


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
    eligibility: tuple[float, ...] = ()       # ranking-eligibility thresholds (minimum coverage) to draw from
    readings: dict[str, tuple] = field(default_factory=dict)  # answer-reading aspect -> options to draw from
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
        alts = d.get("alternatives")
        alts = _keys("alternatives", alts, ALTERNATIVE_KEYS) if alts is not None else {}
        return cls(
            target=None if target is None else target.strip(),
            replications=_int("replications", d.get("replications", 100), lo=1),
            seed=seed,
            weights=None if d.get("weights") is None else _weights(d["weights"]),
            alternatives=_alternatives({k: v for k, v in alts.items() if k in STEPS}),
            eligibility=_eligibility(alts.get("eligibility")),
            readings=_readings(d.get("readings")),
            sensitivity=_sensitivity(d.get("sensitivity")),
        )

    def resolve(self, method: Method) -> "Uncertainty":
        """The spec with every partial alternative completed from the method's own step."""
        out = {}
        for step, alts in self.alternatives.items():
            done = []
            for i, a in enumerate(alts, 1):
                if a.partial is None:
                    done.append(a)
                    continue
                own = getattr(method, step)
                if own is None or getattr(own, "method", None) == "none":
                    keys = ", ".join(f"{k}: {v}" for k, v in a.partial)
                    raise MethodError(
                        f"uncertainty alternatives {step} option {i} {{{keys}}} has no method, and the method "
                        f"has no {step} step to take it from; write the method, e.g. {{method: "
                        f"{_example(step)}, {keys}}}")
                spec = replace(own, **{k: getattr(a.spec, k) for k, _ in a.partial})
                rest = ", ".join(f"{k}={v}" for k, v in a.partial)
                done.append(Alternative(f"{own.method}({rest})", spec))
            out[step] = tuple(done)
        return replace(self, alternatives=out)


def _example(step: str) -> str:
    return {"treat": "winsorise", "impute": "mean", "normalise": "minmax", "aggregate": "geometric"}[step]


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


def _noise(key: str, v) -> float:
    noise = _float(key, v)
    if not 0 <= noise < 1:
        raise MethodError(f"uncertainty {key} must be >= 0 and < 1 (a weight must stay positive), got {noise!r}")
    return noise


def _weights(v) -> WeightNoise:
    d = _keys("weights", v, ("noise", "levels"))
    if "noise" not in d:
        raise MethodError("uncertainty weights needs noise: each weight is multiplied by U(1 - noise, 1 + noise)")
    if isinstance(d["noise"], dict):
        if "levels" in d:
            raise MethodError("uncertainty weights: noise per level ({level: noise}) already names the levels; drop levels")
        if not d["noise"]:
            raise MethodError("uncertainty weights noise per level must name at least one level")
        # An integer key is a framework level; a text key one node (its own noise, e.g. {Conn: 0.5}).
        codes = tuple((k.strip(), _noise(f"weights noise of node {k}", x)) for k, x in d["noise"].items()
                      if isinstance(k, str) and not k.strip().isdigit())
        by = tuple((_int("weights noise level", int(lv) if isinstance(lv, str) else lv, lo=1),
                    _noise(f"weights noise of level {lv}", x))
                   for lv, x in d["noise"].items() if not (isinstance(lv, str) and not lv.strip().isdigit()))
        return WeightNoise(levels=tuple(lv for lv, _ in by), by_level=by, by_code=codes)
    noise = _noise("weights noise", d["noise"])
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


def _expand(step: str, i: int, opt) -> list:
    """`winmax: [lo, hi]` (COINr's range) as one option per integer lo..hi."""
    if step != "treat" or not isinstance(opt, dict) or not isinstance(opt.get("winmax"), list):
        return [opt]
    r = opt["winmax"]
    if len(r) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in r) or not 0 <= r[0] <= r[1]:
        raise MethodError(f"uncertainty alternatives treat option {i}: winmax range must be [low, high] integers "
                          f"with 0 <= low <= high, got {r!r}")
    return [{**opt, "winmax": k} for k in range(r[0], r[1] + 1)]


def _alternatives(d: dict) -> dict[str, tuple[Alternative, ...]]:
    out = {}
    for step in STEPS:  # build order, whatever order the spec lists them in
        if step not in d:
            continue
        options = d[step]
        if not isinstance(options, list) or not options:
            raise MethodError(f"uncertainty alternatives {step} must be a non-empty list of {step} settings, got {options!r}")
        alts = []
        for i, written in enumerate(options, 1):
            if written is None:
                raise MethodError(f"uncertainty alternatives {step} option {i} is empty")
            for opt in _expand(step, i, written):
                try:
                    spec = _PARSERS[step](opt)
                except MethodError as e:
                    raise MethodError(f"uncertainty alternatives {step} option {i}: {e}") from None
                partial = tuple(opt.items()) if isinstance(opt, dict) and "method" not in opt else None
                if partial == ():
                    raise MethodError(f"uncertainty alternatives {step} option {i} is empty")
                alts.append(Alternative(_label(opt), spec, partial))
        seen = [(a.spec, a.partial) for a in alts]
        for i, s in enumerate(seen):
            if s in seen[:i]:
                raise MethodError(f"uncertainty alternatives {step} lists {alts[i].label!r} twice")
        out[step] = tuple(alts)
    return out


def _eligibility(v) -> tuple[float, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not v:
        raise MethodError(f"uncertainty alternatives eligibility must be a non-empty list of coverage thresholds "
                          f"between 0 and 1, got {v!r}")
    out = []
    for x in v:
        t = _float("alternatives eligibility threshold", x)
        if not 0 <= t <= 1:
            raise MethodError(f"uncertainty alternatives eligibility threshold must be between 0 and 1, got {x!r}")
        if t in out:
            raise MethodError(f"uncertainty alternatives eligibility lists {x!r} twice")
        out.append(t)
    return tuple(out)


def _readings(v) -> dict[str, tuple]:
    if v is None:
        return {}
    if not isinstance(v, dict) or not v:
        raise MethodError(f"uncertainty readings must map an answer-reading aspect to its options, got {v!r}")
    out = {}
    for aspect, options in v.items():
        if not isinstance(options, list) or len(options) < 1:
            raise MethodError(f"uncertainty readings {aspect} must be a non-empty list of readings, got {options!r}")
        if any(isinstance(o, (dict, list)) or o is None for o in options):
            raise MethodError(f"uncertainty readings {aspect}: each reading is a word or a number, got {options!r}")
        if len(set(map(str, options))) != len(options):
            raise MethodError(f"uncertainty readings {aspect} lists a reading twice: {options!r}")
        out[str(aspect)] = tuple(options)
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
