"""The method: which steps run, with which parameters. Built from a YAML-like dict; a step whose
key is absent is skipped (its output table is then the previous step's table)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lei_pipeline.index.errors import MethodError

IMPUTE_METHODS = ("none", "mean", "median", "group_mean", "group_median")
TREAT_METHODS = ("none", "winsorise")
NORMALISE_METHODS = ("minmax", "zscore", "rank", "goalposts")
AGGREGATE_METHODS = ("arithmetic", "geometric", "harmonic")
KNOWN_KEYS = ("denominate", "impute", "screen", "treat", "normalise", "aggregate", "tiers")


@dataclass(frozen=True)
class ImputeSpec:
    method: str = "none"
    group: str | None = None


@dataclass(frozen=True)
class ScreenSpec:
    min_availability: float = 0.0


@dataclass(frozen=True)
class TreatSpec:
    method: str = "none"
    winmax: int = 5
    skew: float = 2.0
    kurtosis: float = 3.5
    fallback: str | None = "log"


@dataclass(frozen=True)
class NormaliseSpec:
    method: str = "minmax"
    range: tuple[float, float] = (0.0, 100.0)
    mean: float = 0.0
    sd: float = 1.0
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    default: tuple[float, float] | None = None
    scale: float = 100.0


@dataclass(frozen=True)
class AggregateSpec:
    method: str = "arithmetic"
    offset: float = 0.0  # geometric / harmonic: the mean of x + offset, minus offset


@dataclass(frozen=True)
class Tier:
    label: str
    min: float  # -inf when the label takes everything below the previous one
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TierSpec:
    node: str
    labels: tuple[Tier, ...]


@dataclass(frozen=True)
class Method:
    denominate: bool = False
    impute: ImputeSpec | None = None
    screen: ScreenSpec | None = None
    treat: TreatSpec | None = None
    normalise: NormaliseSpec | None = None
    aggregate: AggregateSpec | None = None
    tiers: TierSpec | None = None

    @classmethod
    def from_dict(cls, d: dict | None) -> "Method":
        d = {} if d is None else d
        if not isinstance(d, dict):
            raise MethodError(f"method must be a mapping of step -> parameters, got {type(d).__name__}")
        unknown = [k for k in d if k not in KNOWN_KEYS]
        if unknown:
            raise MethodError(f"method has unknown key(s) {unknown}; known: {list(KNOWN_KEYS)}")
        den = d.get("denominate", False)
        if not isinstance(den, bool):
            raise MethodError(f"method denominate must be true or false, got {den!r}")
        return cls(
            denominate=den,
            impute=_impute(d["impute"]) if d.get("impute") is not None else None,
            screen=_screen(d["screen"]) if d.get("screen") is not None else None,
            treat=_treat(d["treat"]) if d.get("treat") is not None else None,
            normalise=_normalise(d["normalise"]) if d.get("normalise") is not None else None,
            aggregate=_aggregate(d["aggregate"]) if d.get("aggregate") is not None else None,
            tiers=_tiers(d["tiers"]) if d.get("tiers") is not None else None,
        )


def _mapping(step: str, v) -> dict:
    if isinstance(v, str):  # shorthand: `impute: mean`
        return {"method": v}
    if not isinstance(v, dict):
        raise MethodError(f"method {step} must be a mapping, got {v!r}")
    return v


def _only(step: str, d: dict, allowed: tuple[str, ...]) -> None:
    bad = [k for k in d if k not in allowed]
    if bad:
        raise MethodError(f"method {step} has unknown parameter(s) {bad}; allowed: {list(allowed)}")


def _choice(step: str, value, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise MethodError(f"method {step}: unknown method {value!r}; choose one of {list(choices)}")
    return value


def _num(step: str, key: str, v, *, lo=None, integer=False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise MethodError(f"method {step} {key} must be a finite number, got {v!r}")
    if integer and int(v) != v:
        raise MethodError(f"method {step} {key} must be an integer, got {v!r}")
    if lo is not None and v < lo:
        raise MethodError(f"method {step} {key} must be >= {lo}, got {v!r}")
    return int(v) if integer else float(v)


def _pair(step: str, key: str, v) -> tuple[float, float]:
    if not isinstance(v, (list, tuple)) or len(v) != 2:
        raise MethodError(f"method {step} {key} must be a pair [low, high], got {v!r}")
    lo, hi = (_num(step, key, x) for x in v)
    if not lo < hi:
        raise MethodError(f"method {step} {key} must have low < high, got {list(v)}")
    return lo, hi


def _impute(v) -> ImputeSpec:
    d = _mapping("impute", v)
    _only("impute", d, ("method", "group"))
    m = _choice("impute", d.get("method", "none"), IMPUTE_METHODS)
    group = d.get("group")
    if m.startswith("group_") and not group:
        raise MethodError(f"method impute {m} needs a group column: impute: {{method: {m}, group: COLUMN}}")
    return ImputeSpec(m, None if group is None else str(group))


def _screen(v) -> ScreenSpec:
    d = _mapping("screen", v)
    _only("screen", d, ("min_availability",))
    x = _num("screen", "min_availability", d.get("min_availability", 0.0), lo=0.0)
    if x > 1:
        raise MethodError(f"method screen min_availability is a share between 0 and 1, got {x!r}")
    return ScreenSpec(x)


def _treat(v) -> TreatSpec:
    d = _mapping("treat", v)
    _only("treat", d, ("method", "winmax", "skew", "kurtosis", "fallback"))
    m = _choice("treat", d.get("method", "none"), TREAT_METHODS)
    fb = d.get("fallback", "log")
    if fb not in (None, "none", "log"):
        raise MethodError(f"method treat fallback must be log or none, got {fb!r}")
    return TreatSpec(
        method=m,
        winmax=_num("treat", "winmax", d.get("winmax", 5), lo=0, integer=True),
        skew=_num("treat", "skew", d.get("skew", 2.0), lo=0.0),
        kurtosis=_num("treat", "kurtosis", d.get("kurtosis", 3.5)),
        fallback=None if fb in (None, "none") else fb,
    )


def _normalise(v) -> NormaliseSpec:
    d = _mapping("normalise", v)
    _only("normalise", d, ("method", "range", "mean", "sd", "bounds", "default", "scale"))
    m = _choice("normalise", d.get("method", "minmax"), NORMALISE_METHODS)
    bounds = d.get("bounds") or {}
    if not isinstance(bounds, dict):
        raise MethodError(f"method normalise bounds must map indicator -> [low, high], got {bounds!r}")
    return NormaliseSpec(
        method=m,
        range=_pair("normalise", "range", d.get("range", [0, 100])),
        mean=_num("normalise", "mean", d.get("mean", 0.0)),
        sd=_num("normalise", "sd", d.get("sd", 1.0), lo=0.0),
        bounds={str(k): _pair("normalise", f"bounds of indicator {str(k)!r}", b) for k, b in bounds.items()},
        default=None if d.get("default") is None else _pair("normalise", "default", d["default"]),
        scale=_num("normalise", "scale", d.get("scale", 100.0)),
    )


def _aggregate(v) -> AggregateSpec:
    d = _mapping("aggregate", v)
    _only("aggregate", d, ("method", "offset"))
    return AggregateSpec(_choice("aggregate", d.get("method", "arithmetic"), AGGREGATE_METHODS),
                         offset=_num("aggregate", "offset", d.get("offset", 0.0), lo=0.0))


def _tiers(v) -> TierSpec:
    if not isinstance(v, dict) or "node" not in v or "labels" not in v:
        raise MethodError("method tiers must be {node: CODE, labels: [{label: ..., min: ...}, ...]}")
    labels = v["labels"]
    if not isinstance(labels, list) or not labels:
        raise MethodError("method tiers labels must be a non-empty list, highest tier first")
    out = []
    for i, item in enumerate(labels):
        if not isinstance(item, dict) or "label" not in item:
            raise MethodError(f"method tiers label {i + 1} must be a mapping with a label, got {item!r}")
        lo = -math.inf if item.get("min") is None else _num("tiers", f"min of {item['label']!r}", item["min"])
        out.append(Tier(str(item["label"]), lo, {k: x for k, x in item.items() if k not in ("label", "min")}))
    mins = [t.min for t in out]
    if any(a <= b for a, b in zip(mins, mins[1:])):
        raise MethodError(f"method tiers must be listed highest first with strictly decreasing min, got {mins}")
    return TierSpec(str(v["node"]), tuple(out))
