"""One uncertainty replication recomputed from scratch through the index engine's build(): what
the batched replications must equal."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from lei_pipeline.index import Framework, Uncertainty, build


def noisy_framework(fw: Framework, params: pd.Series) -> Framework:
    """The framework with one replication's weight multipliers applied, for a fresh build()."""
    mult = {k.removeprefix("weight:"): v for k, v in params.items() if k.startswith("weight:")}
    nodes = [replace(n, weight=n.weight * mult[n.code]) if n.code in mult else n for n in fw.nodes]
    return Framework(nodes=nodes, groups=fw.groups, denominators=fw.denominators)


def rebuild(data, fw, m, spec: Uncertainty, params: pd.Series, **kw):
    """One replication recomputed from scratch through build()."""
    over = {s: spec.alternatives[s][int(params[f"{s}_option"])].spec for s in spec.alternatives}
    over.setdefault("aggregate", m.aggregate)
    return build(data, noisy_framework(fw, params), replace(m, **over), **kw)
